package netcalc

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
)

// Reach is a special-purpose registry flag that may be absent: the IANA
// registries give True, False or N/A.
type Reach int8

// The values of a registry flag.
const (
	ReachNA    Reach = iota // the registry gives no value ("N/A")
	ReachFalse              // False
	ReachTrue               // True
)

// String returns "true", "false" or "n/a".
func (r Reach) String() string {
	switch r {
	case ReachTrue:
		return "true"
	case ReachFalse:
		return "false"
	}
	return "n/a"
}

// MarshalJSON encodes true, false, or null for N/A.
func (r Reach) MarshalJSON() ([]byte, error) {
	if r == ReachNA {
		return []byte("null"), nil
	}
	return []byte(r.String()), nil
}

// Entry is one row of the IANA IPv4 or IPv6 Special-Purpose Address
// Registry (RFC 6890, updated by RFC 8190), or one of the multicast blocks
// netcalc adds from the multicast registries.
type Entry struct {
	Prefix             netip.Prefix `json:"prefix"`
	Name               string       `json:"name"`
	RFC                string       `json:"rfc"`
	Source             Reach        `json:"-"`
	Destination        Reach        `json:"-"`
	Forwardable        Reach        `json:"-"`
	GloballyReachable  Reach        `json:"globally_reachable"`
	ReservedByProtocol Reach        `json:"-"`
}

// RegistryDate is the date of the IANA registry contents netcalc ships.
const RegistryDate = "2025-06 (IANA IPv4 and IPv6 Special-Purpose Address Registries, IANA IPv6 Address Space; multicast from RFC 5771 and RFC 4291)"

// The registries a Decision can name, by their IANA identifiers
// (https://www.iana.org/assignments/ID).
const (
	RegistrySpecial4   = "iana-ipv4-special-registry" // IPv4 Special-Purpose Address Registry
	RegistrySpecial6   = "iana-ipv6-special-registry" // IPv6 Special-Purpose Address Registry
	RegistryAddrSpace6 = "ipv6-address-space"         // Internet Protocol Version 6 Address Space
	RegistryMulticast4 = "multicast-addresses"        // IPv4 Multicast Address Space Registry
)

const (
	yes = ReachTrue
	no  = ReachFalse
	na  = ReachNA
)

func entry(p, name, rfc string, src, dst, fwd, glob, res Reach) Entry {
	return Entry{netip.MustParsePrefix(p), name, rfc, src, dst, fwd, glob, res}
}

// specialRows returns both registries, most specific (longest prefix)
// first so that a scan meets the most specific match first. The tables
// are built on first use (see tables), not at start-up.
func specialRows() []Entry {
	return sortEntries([]Entry{
		// IPv4 (iana-ipv4-special-registry)
		entry("0.0.0.0/8", `"This network"`, "RFC 791, Section 3.2", yes, no, no, no, yes),
		entry("0.0.0.0/32", `"This host on this network"`, "RFC 1122, Section 3.2.1.3", yes, no, no, no, yes),
		entry("10.0.0.0/8", "Private-Use", "RFC 1918", yes, yes, yes, no, no),
		entry("100.64.0.0/10", "Shared Address Space", "RFC 6598", yes, yes, yes, no, no),
		entry("127.0.0.0/8", "Loopback", "RFC 1122, Section 3.2.1.3", no, no, no, no, yes),
		entry("169.254.0.0/16", "Link Local", "RFC 3927", yes, yes, no, no, yes),
		entry("172.16.0.0/12", "Private-Use", "RFC 1918", yes, yes, yes, no, no),
		entry("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890, Section 2.1", no, no, no, no, no),
		entry("192.0.0.0/29", "IPv4 Service Continuity Prefix", "RFC 7335", yes, yes, yes, no, no),
		entry("192.0.0.8/32", "IPv4 dummy address", "RFC 7600", yes, no, no, no, no),
		entry("192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", yes, yes, yes, yes, no),
		entry("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", yes, yes, yes, yes, no),
		entry("192.0.0.170/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050 Section 2.2", no, no, no, no, yes),
		entry("192.0.0.171/32", "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050 Section 2.2", no, no, no, no, yes),
		entry("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", no, no, no, no, no),
		entry("192.31.196.0/24", "AS112-v4", "RFC 7535", yes, yes, yes, yes, no),
		entry("192.52.193.0/24", "AMT", "RFC 7450", yes, yes, yes, yes, no),
		entry("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", na, na, na, na, na),
		entry("192.88.99.2/32", "6a44-relay anycast address", "RFC 6751", yes, yes, yes, no, no),
		entry("192.168.0.0/16", "Private-Use", "RFC 1918", yes, yes, yes, no, no),
		entry("192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", yes, yes, yes, yes, no),
		entry("198.18.0.0/15", "Benchmarking", "RFC 2544", yes, yes, yes, no, no),
		entry("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", no, no, no, no, no),
		entry("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", no, no, no, no, no),
		entry("240.0.0.0/4", "Reserved", "RFC 1112, Section 4", no, no, no, no, yes),
		entry("255.255.255.255/32", "Limited Broadcast", "RFC 8190, RFC 919, Section 7", no, yes, no, no, yes),

		// IPv6 (iana-ipv6-special-registry)
		entry("::1/128", "Loopback Address", "RFC 4291", no, no, no, no, yes),
		entry("::/128", "Unspecified Address", "RFC 4291", yes, no, no, no, yes),
		entry("::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291", no, no, no, no, yes),
		entry("64:ff9b::/96", "IPv4-IPv6 Translation", "RFC 6052", yes, yes, yes, yes, no),
		entry("64:ff9b:1::/48", "IPv4-IPv6 Translation (local use)", "RFC 8215", yes, yes, yes, no, no),
		entry("100::/64", "Discard-Only Address Block", "RFC 6666", yes, yes, yes, no, no),
		entry("100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", yes, no, no, no, no),
		entry("2001::/23", "IETF Protocol Assignments", "RFC 2928", no, no, no, no, no),
		entry("2001::/32", "TEREDO", "RFC 4380, RFC 8190", yes, yes, yes, na, no),
		entry("2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", yes, yes, yes, yes, no),
		entry("2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", yes, yes, yes, yes, no),
		entry("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", yes, yes, yes, yes, no),
		entry("2001:2::/48", "Benchmarking", "RFC 5180, RFC Errata 1752", yes, yes, yes, no, no),
		entry("2001:3::/32", "AMT", "RFC 7450", yes, yes, yes, yes, no),
		entry("2001:4:112::/48", "AS112-v6", "RFC 7535", yes, yes, yes, yes, no),
		entry("2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", na, na, na, na, na),
		entry("2001:20::/28", "ORCHIDv2", "RFC 7343", yes, yes, yes, yes, no),
		entry("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", yes, yes, yes, yes, no),
		entry("2001:db8::/32", "Documentation", "RFC 3849", no, no, no, no, no),
		entry("2002::/16", "6to4", "RFC 3056", yes, yes, yes, na, no),
		entry("2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", yes, yes, yes, yes, no),
		entry("3fff::/20", "Documentation", "RFC 9637", no, no, no, no, no),
		entry("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", yes, yes, yes, no, no),
		entry("fc00::/7", "Unique-Local", "RFC 4193, RFC 8190", yes, yes, yes, no, no),
		entry("fe80::/10", "Link-Local Unicast", "RFC 4291", yes, yes, no, no, yes),
	})
}

// registryTables are the registries in the forms lookups use. They are
// built once, on first use: a process that classifies nothing (most
// commands, `netcalc version`) never parses them.
type registryTables struct {
	special []Entry // both special-purpose registries, most specific first
	space6  []Entry // the IPv6 Address Space registry, in address order
	// multicast blocks are classified apart from the special-purpose
	// registries.
	multicast4, multicast6 Entry
	// by4 and by6 hold, for each value of an address's first byte, the
	// special-purpose entries that may contain it, most specific first:
	// a lookup checks at most a handful of entries (most buckets are
	// empty) where a scan of the whole registry checked them all.
	by4, by6 buckets
	// space6By holds, for each first byte, the IPv6 Address Space rows
	// that may contain it (one, or three under fe00::/8).
	space6By buckets
}

// buckets holds, for each value of a first byte, the indices of the rows
// of a table that may contain an address starting with it: rows[start[b]:
// start[b+1]], in table order. Indices into the table, not copies of its
// rows, keep the tables small: the memory the first lookup writes (its
// page faults) was most of the time it took.
type buckets struct {
	start [257]uint16
	rows  []uint8
}

// at returns the indices of bucket b.
func (bk *buckets) at(b byte) []uint8 { return bk.rows[bk.start[b]:bk.start[int(b)+1]] }

var (
	registryOnce sync.Once
	registry     *registryTables
)

// tables returns the registry tables, building them on first use.
func tables() *registryTables {
	registryOnce.Do(func() { registry = buildTables() })
	return registry
}

// buildTables builds the registry tables. (netip values cannot be laid
// out by the compiler, so the rows are parsed here, once.)
func buildTables() *registryTables {
	t := &registryTables{
		special:    specialRows(),
		space6:     addressSpace6Rows(),
		multicast4: entry("224.0.0.0/4", "Multicast", "RFC 5771", no, yes, yes, na, no),
		multicast6: entry("ff00::/8", "Multicast", "RFC 4291, Section 2.7", no, yes, yes, na, no),
	}
	is4 := func(e Entry) bool { return e.Prefix.Addr().Is4() }
	t.by4 = bucket(t.special, is4)
	t.by6 = bucket(t.special, func(e Entry) bool { return !is4(e) })
	t.space6By = bucket(t.space6, func(Entry) bool { return true })
	return t
}

// bucket returns the buckets of the rows (at most 256) that keep accepts,
// each in the buckets of the first bytes its prefix spans.
func bucket(rows []Entry, keep func(Entry) bool) buckets {
	var bk buckets
	var sizes [256]uint16
	for _, e := range rows {
		if keep(e) {
			lo, hi := firstByteSpan(e.Prefix)
			for b := lo; b <= hi; b++ {
				sizes[b]++
			}
		}
	}
	for b, n := range sizes {
		bk.start[b+1] = bk.start[b] + n
	}
	bk.rows = make([]uint8, bk.start[256])
	next := bk.start
	for i, e := range rows {
		if keep(e) {
			lo, hi := firstByteSpan(e.Prefix)
			for b := lo; b <= hi; b++ {
				bk.rows[next[b]] = uint8(i)
				next[b]++
			}
		}
	}
	return bk
}

// firstByteSpan returns the first and last values of the first byte of
// the addresses in p.
func firstByteSpan(p netip.Prefix) (lo, hi int) {
	first := int(p.Masked().Addr().AsSlice()[0])
	if p.Bits() >= 8 {
		return first, first
	}
	return first, first | (0xff >> p.Bits())
}

// IPv4 multicast blocks that are not globally reachable: Local Network
// Control Block (RFC 5771, 224.0.0.0/24), Administratively Scoped
// (RFC 2365, 239.0.0.0/8) and MCAST-TEST-NET documentation (RFC 6676,
// 233.252.0.0/24); b is the address's four bytes.
func mcastNotGlobal4(b [4]byte) bool {
	return b[0] == 224 && b[1] == 0 && b[2] == 0 || b[0] == 239 || b[0] == 233 && b[1] == 252 && b[2] == 0
}

// sortEntries returns es sorted longest prefix first, stably. It sorts
// the indices and copies each row once: a sort that moves the rows
// themselves was a third of building the tables.
func sortEntries(es []Entry) []Entry {
	order := make([]int, len(es))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return es[j].Prefix.Bits() - es[i].Prefix.Bits() })
	sorted := make([]Entry, len(es))
	for k, i := range order {
		sorted[k] = es[i]
	}
	return sorted
}

// SpecialPurpose returns a copy of the shipped IANA special-purpose
// registry rows, most specific first.
func SpecialPurpose() []Entry { return append([]Entry(nil), tables().special...) }

// addressSpace6Rows returns the IANA "Internet Protocol Version 6 Address Space"
// registry (ipv6-address-space): every IPv6 address is in exactly one row.
// Only 2000::/3 is Global Unicast; "Reserved by IETF" space is neither
// global unicast nor globally reachable. GloballyReachable here is what the
// row implies when no special-purpose entry says otherwise: true for Global
// Unicast, N/A for Multicast (its scope decides), false for the rest.
func addressSpace6Rows() []Entry {
	return []Entry{
		space6("::/8", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("100::/8", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("200::/7", "Reserved by IETF: formerly OSI NSAP-mapped, deprecated", "RFC 4048", no),
		space6("400::/6", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("800::/5", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("1000::/4", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("2000::/3", "Global Unicast", "RFC 3513, RFC 4291", yes),
		space6("4000::/3", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("6000::/3", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("8000::/3", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("a000::/3", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("c000::/3", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("e000::/4", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("f000::/5", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("f800::/6", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("fc00::/7", "Unique Local Unicast", "RFC 4193", no),
		space6("fe00::/9", "Reserved by IETF", "RFC 3513, RFC 4291", no),
		space6("fe80::/10", "Link-Scoped Unicast", "RFC 3513, RFC 4291", no),
		space6("fec0::/10", "Reserved by IETF: deprecated site-local", "RFC 3879", no),
		space6("ff00::/8", "Multicast", "RFC 3513, RFC 4291", na),
	}
}

func space6(p, name, rfc string, glob Reach) Entry {
	return entry(p, name, rfc, na, na, na, glob, na)
}

// RegistryTitle returns the human name of a registry identifier
// ("IPv6 Address Space registry" for RegistryAddrSpace6).
func RegistryTitle(id string) string {
	switch id {
	case RegistrySpecial4:
		return "IPv4 Special-Purpose registry"
	case RegistrySpecial6:
		return "IPv6 Special-Purpose registry"
	case RegistryAddrSpace6:
		return "IPv6 Address Space registry"
	case RegistryMulticast4:
		return "IPv4 Multicast registry"
	}
	return id
}

// AddressSpace6 returns a copy of the shipped IANA IPv6 Address Space
// registry rows, in address order.
func AddressSpace6() []Entry { return append([]Entry(nil), tables().space6...) }

// addressSpaceOf returns the IPv6 Address Space row containing a (an IPv6
// address without zone).
func addressSpaceOf(t *registryTables, a netip.Addr) Entry {
	for _, i := range t.space6By.at(a.As16()[0]) {
		if e := &t.space6[i]; e.Prefix.Contains(a) {
			return *e
		}
	}
	panic("netcalc: the IPv6 address space table does not cover " + a.String())
}

// Classification is what the IANA registries say about one address.
type Classification struct {
	// Entries are the special-purpose registry entries containing the
	// address, most specific first, followed by the multicast block for a
	// multicast address (as Classify returns them).
	Entries []Entry
	// AddressSpace is the IANA IPv6 Address Space row containing an IPv6
	// address (2000::/3 Global Unicast, fec0::/10 Reserved by IETF, ...);
	// the zero Entry for IPv4.
	AddressSpace Entry
	// GloballyReachable is the answer to "is this address public?".
	GloballyReachable bool
	// DecidedBy names the registry entry that decided GloballyReachable.
	DecidedBy Decision
}

// Decision names the registry row that decided whether an address is
// globally reachable, and the rule applied to it.
type Decision struct {
	// Registry is the IANA registry's identifier: RegistrySpecial4,
	// RegistrySpecial6, RegistryAddrSpace6 or RegistryMulticast4.
	Registry string
	// Entry is the deciding row; the zero Entry when an IPv4 address is in
	// no special-purpose entry (absence decides: global unicast).
	Entry Entry
	// Rule says, in words, how the row decided.
	Rule string
}

// Classify returns the registry entries containing a, most specific first
// (the multicast block included for multicast addresses), and whether a is
// globally reachable. See ClassifyAddr for the rules and for the deciding
// entry; Classify is ClassifyAddr without the IPv6 Address Space row.
func Classify(a netip.Addr) (entries []Entry, global bool) {
	c := ClassifyAddr(a)
	return c.Entries, c.GloballyReachable
}

// ClassifyAddr classifies a with the IANA special-purpose registries, the
// IANA IPv6 Address Space registry and the multicast scopes, and says which
// entry decided whether a is globally reachable:
//
//   - multicast: IPv6 multicast is globally reachable only with global
//     scope (ffxe::); IPv4 multicast only outside the local (224.0.0.0/24),
//     administratively scoped (239.0.0.0/8) and documentation
//     (233.252.0.0/24) blocks;
//   - otherwise the most specific special-purpose entry that gives a value
//     (True or False) decides, so 192.0.0.9 is reachable inside the
//     non-global 192.0.0.0/24, and 64:ff9b::/96 (True) wins over the
//     reserved ::/8 around it;
//   - special-purpose entries that all say N/A (6to4, the deprecated
//     blocks) decide "not globally reachable": reachability depends on
//     something the address alone does not say;
//   - an IPv6 address in no special-purpose entry is decided by its IPv6
//     Address Space row: only 2000::/3 Global Unicast is globally
//     reachable; "Reserved by IETF" space (1::1, 4000::1, the deprecated
//     site-local fec0::/10) is not;
//   - an IPv4 address in no entry is global unicast, globally reachable.
//
// IPv4-mapped addresses are classified as IPv6 (::ffff:0:0/96); call
// Unmap for the embedded address. The zone is ignored.
func ClassifyAddr(a netip.Addr) Classification {
	var c Classification
	classify(a, &c.Entries, &c.AddressSpace, &c.GloballyReachable, &c.DecidedBy)
	return c
}

// classify is ClassifyAddr writing its results in place (Describe fills an
// Info without copying a Classification through).
func classify(a netip.Addr, entries *[]Entry, space *Entry, global *bool, decided *Decision) {
	a = a.WithZone("")
	t := tables()
	var bucket []uint8
	if a.Is4() {
		bucket = t.by4.at(a.As4()[0])
	} else {
		*space = addressSpaceOf(t, a)
		bucket = t.by6.at(a.As16()[0])
	}
	var es []Entry
	for _, i := range bucket {
		if e := &t.special[i]; e.Prefix.Contains(a) {
			es = append(es, *e)
		}
	}
	switch {
	case a.Is4() && a.As4()[0]&0xf0 == 224:
		*entries = append(es, t.multicast4)
		*global = !mcastNotGlobal4(a.As4())
		rule := "outside the local, administratively scoped and documentation blocks, so globally reachable"
		if !*global {
			rule = "local (224.0.0.0/24), administratively scoped (239.0.0.0/8) and documentation (233.252.0.0/24) multicast is not globally reachable"
		}
		*decided = Decision{RegistryMulticast4, t.multicast4, rule}
		return
	case a.Is6() && a.As16()[0] == 0xff:
		*entries = append(es, t.multicast6)
		scope := a.As16()[1] & 0x0f
		*global = scope == 0x0e
		rule := "scope " + scopeName(scope) + "; only global scope (ffxe::) is globally reachable"
		*decided = Decision{RegistryAddrSpace6, *space, rule}
		return
	}
	*entries = es
	special := RegistrySpecial6
	if a.Is4() {
		special = RegistrySpecial4
	}
	for _, en := range es {
		if en.GloballyReachable != ReachNA {
			*global = en.GloballyReachable == ReachTrue
			rule := reachF
			if *global {
				rule = reachT
			}
			*decided = Decision{special, en, rule}
			return
		}
	}
	if len(es) > 0 {
		*decided = Decision{special, es[0], reachNA}
		return
	}
	if a.Is4() {
		*global = true
		*decided = Decision{RegistrySpecial4, Entry{}, noEntry4}
		return
	}
	*global = space.GloballyReachable == ReachTrue
	if *global {
		*decided = Decision{RegistryAddrSpace6, *space, global6}
	} else {
		*decided = Decision{RegistryAddrSpace6, *space, outside6}
	}
}

// scopeName names an IPv6 multicast scope (RFC 7346, RFC 4291 2.7).
func scopeName(s byte) string {
	names := map[byte]string{1: "interface-local", 2: "link-local", 3: "realm-local", 4: "admin-local", 5: "site-local", 8: "organization-local", 0xe: "global"}
	n, ok := names[s]
	if !ok {
		n = "reserved/unassigned"
	}
	return fmt.Sprintf("%x (%s)", s, n)
}

// MarshalJSON encodes d as in `netcalc cidr -o json`'s "decided_by".
func (d Decision) MarshalJSON() ([]byte, error) { return appendDecision(nil, d), nil }
