// Package fib is netcalc's model of a Linux host's forwarding state, pure
// data with no operating-system dependency: routes of every type in
// numbered routing tables, the policy routing rules that choose a table,
// the interfaces and the neighbour (ARP/NDP) cache, and the lookup the
// kernel makes with them (fib_rules_lookup, then the longest-prefix match
// of fib_table_lookup). netcalc/link fills a State from netlink;
// simulators build one from a description. Results are data (outcomes,
// the selector that decided, candidates); the words are the printer's,
// and iproute.go gives routes, rules and neighbours the words and `ip -j`
// objects iproute2 lists them with.
package fib
