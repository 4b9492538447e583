// Package kubeproxy simulates kube-proxy's iptables mode on one node: it reads
// Services and their endpoints (netcalc's own YAML or plain Kubernetes
// Service and EndpointSlice manifests), renders the iptables-restore text
// kube-proxy would load for the nat and filter tables (chain names from
// kube-proxy's sha256+base32 hashing, statistic probabilities 1/(n-i),
// endpoints in kube-proxy's order), and walks a packet through those rules to
// show the DNAT choice, the masquerade decision and the conntrack entry the
// connection creates. It does no I/O and needs no cluster.
package kubeproxy
