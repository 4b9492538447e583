// Package resolve resolves host names the way a Linux host does (hosts(5)
// first, then DNS with the resolv.conf(5) search list and ndots rule, in the
// order nsswitch.conf(5) gives) and records every step: which hosts-file line
// or which DNS server answered, and every query sent on the way, including
// reverse lookups (RFC 1035 §3.5, RFC 3596 §2.5), CNAME chains, IDN names
// (RFC 5891) and truncated answers retried over TCP (RFC 7766). FromFiles
// builds a Resolver from the configuration files, Resolver.Lookup resolves
// one name and Resolver.LookupAll a list of them, concurrently and in order.
package resolve
