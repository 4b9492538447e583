package netfilter

// Hook is a netfilter hook, named as its built-in chains are.
type Hook string

// The five IPv4/IPv6 hooks.
const (
	Prerouting  Hook = "PREROUTING"
	Input       Hook = "INPUT"
	Forward     Hook = "FORWARD"
	Output      Hook = "OUTPUT"
	Postrouting Hook = "POSTROUTING"
)

// Hooks lists the hooks in the order a forwarded packet meets the first
// three (PREROUTING, FORWARD, POSTROUTING), with INPUT after PREROUTING and
// OUTPUT before POSTROUTING for local traffic.
func Hooks() []Hook { return []Hook{Prerouting, Input, Forward, Output, Postrouting} }

// NATKind tells which address a nat table hook rewrites.
type NATKind uint8

const (
	// NoNAT is a table that does not rewrite addresses.
	NoNAT NATKind = iota
	// DNAT is the nat table at PREROUTING and OUTPUT (priority -100,
	// before routing): DNAT and REDIRECT.
	DNAT
	// SNAT is the nat table at POSTROUTING and INPUT (priority 100):
	// SNAT and MASQUERADE.
	SNAT
)

// Priorities of the iptables tables and of conntrack (enum
// nf_ip_hook_priorities in include/uapi/linux/netfilter_ipv4.h; IPv6 uses
// the same numbers). Lower runs first.
const (
	PriorityRaw       = -300
	PriorityConntrack = -200 // conntrack looks the packet up (and defragments at -400)
	PriorityMangle    = -150
	PriorityNATDst    = -100
	PriorityFilter    = 0
	PrioritySecurity  = 50
	PriorityNATSrc    = 100
)

// HookTable is one table registered at a hook.
type HookTable struct {
	Table    string
	Priority int
	NAT      NATKind
}

// hookTables are the tables at each hook in kernel priority order. The
// conntrack lookup (PriorityConntrack) runs between raw and mangle at
// PREROUTING and OUTPUT; its confirmation runs last at INPUT and
// POSTROUTING. See tablesAt.
var hookTables = [...]struct {
	hook   Hook
	tables []HookTable
}{
	{Prerouting, []HookTable{
		{"raw", PriorityRaw, NoNAT},
		{"mangle", PriorityMangle, NoNAT},
		{"nat", PriorityNATDst, DNAT},
	}},
	{Input, []HookTable{
		{"mangle", PriorityMangle, NoNAT},
		{"filter", PriorityFilter, NoNAT},
		{"security", PrioritySecurity, NoNAT},
		{"nat", PriorityNATSrc, SNAT},
	}},
	{Forward, []HookTable{
		{"mangle", PriorityMangle, NoNAT},
		{"filter", PriorityFilter, NoNAT},
		{"security", PrioritySecurity, NoNAT},
	}},
	{Output, []HookTable{
		{"raw", PriorityRaw, NoNAT},
		{"mangle", PriorityMangle, NoNAT},
		{"nat", PriorityNATDst, DNAT},
		{"filter", PriorityFilter, NoNAT},
		{"security", PrioritySecurity, NoNAT},
	}},
	{Postrouting, []HookTable{
		{"mangle", PriorityMangle, NoNAT},
		{"nat", PriorityNATSrc, SNAT},
	}},
}

// tablesAt returns the tables at hook h, nil for an unknown hook.
func tablesAt(h Hook) []HookTable {
	for _, ht := range hookTables {
		if ht.hook == h {
			return ht.tables
		}
	}
	return nil
}

// Tables returns the tables that have a built-in chain at hook h, in the
// order the kernel runs them (lowest priority first); nil for an unknown
// hook. The nat table sees only the first packet of a connection; later
// packets follow conntrack.
func Tables(h Hook) []HookTable {
	return append([]HookTable(nil), tablesAt(h)...)
}

// hasHook reports whether table has a built-in chain at hook h.
func hasHook(table string, h Hook) bool {
	for _, ht := range tablesAt(h) {
		if ht.Table == table {
			return true
		}
	}
	return false
}
