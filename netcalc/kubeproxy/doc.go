// Package kubeproxy simulates kube-proxy on one node, in its iptables and
// nftables modes: it reads Services and their endpoints (netcalc's own
// YAML or plain Kubernetes Service and EndpointSlice manifests, with
// Settings for what a caller says beside the file), renders the rules
// kube-proxy would load (iptables-restore text for the nat and filter
// tables with kube-proxy's chain names, statistic probabilities and
// endpoint order; the nft transaction of table ip kube-proxy), reads the
// rules dumped on a real node (iptables-save, nft list ruleset), and
// walks the first packet of a connection through them. A trace returns
// data: netcalc/packet Steps with action and reason codes (the Action*,
// Reason* and Masq* constants), the DNAT choice among the balancing
// chain's endpoints, the masquerade decision and the conntrack entry the
// connection creates; the words are the caller's. It does no I/O and
// needs no cluster.
package kubeproxy
