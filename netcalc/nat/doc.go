// Package nat simulates Linux netfilter NAT on a virtual clock: SNAT,
// MASQUERADE, DNAT port forwards and static 1:1 translation, the RFC
// 4787/5382 mapping and filtering behaviours, Linux's source-port and
// address choice (nf_nat_core.c get_unique_tuple, in source.go, also offered
// alone as ChooseSource), hairpinning and port exhaustion. It is NAT policy
// only: the connections live in a netcalc/conntrack table, which holds the
// tuples, the state machine, the timeouts and the `conntrack -L` format
// (nat's Tuple, Conn, TCPState, Timeouts are that package's types; the
// protocol is netcalc/packet's Protocol). It does no I/O; the same seed and
// events always give the same table.
package nat
