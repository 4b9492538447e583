// Package nat simulates Linux netfilter NAT with connection tracking, driven
// by a virtual clock: SNAT, MASQUERADE, DNAT port forwards and static 1:1
// translation, the RFC 4787/5382 mapping and filtering behaviours, Linux's
// source-port allocation (nf_nat_core.c get_unique_tuple), per-protocol
// conntrack timeouts, hairpinning and port exhaustion, and prints the
// resulting table as `conntrack -L` lines. It does no I/O; the same seed and
// events always give the same table.
package nat
