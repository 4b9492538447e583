// Package link is netcalc's view of the link layer of one host or network
// namespace: it lists interfaces, addresses, routes, policy rules and
// neighbours through Linux netlink, reads them into the pure forwarding
// model of netcalc/fib (Host.State), explains the kernel's route choice for
// a target with that model's rule walk, and asks a neighbour for its
// hardware address with an active ARP (RFC 826) or Neighbor Discovery
// (RFC 4861) probe on the egress interface (Resolve, Probe, Scan); other
// operating systems get ErrUnsupported.
package link
