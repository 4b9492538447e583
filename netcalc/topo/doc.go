// Package topo reads a network topology file (nodes that are network
// namespaces, their interfaces, bridges, routes in `ip route` syntax, sysctls
// and iptables-save text, joined by veth links in containerlab's short form),
// derives what the kernel would add on its own (connected and local routes,
// link-local addresses, interfaces created by links, default MAC addresses),
// lints what the kernel accepts but a person did not mean, expands the k8s
// generator block into a plain topology, and draws the result. Its Sim
// walks a packet through the network as Linux would (routing with
// netcalc/fib, ARP/NDP, bridges, iptables with netcalc/netfilter, conntrack
// and NAT with netcalc/conntrack and netcalc/nat) and returns the walk as
// data: packet.Steps with topo's typed facts, a disposition that is a
// packet.Reason code, typed errors; the words are the printer's. It does
// no I/O beyond reading the io.Reader it is given.
package topo
