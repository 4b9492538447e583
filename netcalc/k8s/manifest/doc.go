// Package manifest reads Kubernetes manifests and netcalc's YAML scenario
// files for the packages that simulate a cluster (kube-proxy, cluster DNS,
// the address planner): multi-document YAML and JSON, kubectl Lists, the
// values of Services, EndpointSlices, Pods and Nodes as typed reads of a
// decoded tree whose errors name the file, the line and the path of the
// offending value. Plain block YAML is decoded by a fast path that gives
// exactly what the general one (sigs.k8s.io/yaml, then encoding/json) gives.
package manifest
