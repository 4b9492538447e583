// Package manifest reads Kubernetes manifests and netcalc's YAML scenario
// files for the packages that simulate or plan a cluster: a file's
// documents ("---" separated YAML, or JSON, kubectl Lists included)
// decoded into a tree of values, and typed reads of that tree (strings,
// booleans, integers in a range, IP addresses and prefixes, lists, closed
// sets of words, known fields) whose errors are *Error values naming the
// file, the line (from yaml.v3 node positions, see internal/yamlpos) and the
// path of the offending value. kube-proxy reads its Services and
// EndpointSlices with it, netcalc/k8s its Pods, cluster-DNS objects and the
// files of "k8s check" (kubeadm, kind, k3s, Nodes). Plain block YAML is
// decoded by a fast path that gives exactly what the general one
// (sigs.k8s.io/yaml, then encoding/json with UseNumber) gives.
package manifest
