// Package netfilter models iptables rules and walks packets through them: a
// rule model (tables, chains with their policy and counters, rules as ordered
// matches and a target), an iptables-save parser with precise errors and a
// writer that reproduces iptables-save (and iptables-restore input such as
// kube-proxy's) byte for byte, the netfilter hooks with their tables in
// kernel priority order, and one walker that follows jumps, gotos, RETURN and
// chain policies and returns typed steps and a typed verdict. It is pure: it
// reads and writes only through an io.Reader and io.Writer, and everything
// that depends on the host (address types, random draws, the recent match's
// lists, the clock) is supplied by the caller.
package netfilter
