// Package conntrack holds Linux connection tracking as a mechanism apart
// from any NAT policy: the tuple and entry model (Tuple, Conn; the protocol is netcalc/packet's Protocol), the
// `conntrack -L` line format and its parser, the per-protocol state
// machine (TCP states, UDP and ICMP timeouts, [UNREPLIED] and [ASSURED]),
// the default timeouts of Documentation/networking/nf_conntrack-sysctl.rst,
// and Table, a packed, chained hash table of entries on a virtual clock
// that files each entry under both its tuples, as nf_conntrack_hash does.
//
// It decides nothing about translation: a NAT (netcalc/nat) chooses the
// reply tuple and files entries under its own secondary indexes (the
// kernel's nf_nat bysource hash); kube-proxy's trace and the topology
// simulator use the same types. The package does no I/O.
package conntrack
