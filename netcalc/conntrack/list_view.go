package conntrack

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// StateCount counts the entries of one protocol in one state.
type StateCount struct {
	Type      string `json:"type"` // "state"
	Proto     string `json:"proto"`
	State     string `json:"state"` // "" for protocols without states
	Entries   int    `json:"entries"`
	Assured   int    `json:"assured"`
	Unreplied int    `json:"unreplied"`
}

// AddrCount counts the entries of one address (a source) or address:port
// (an external address).
type AddrCount struct {
	Type    string `json:"type"` // "source" or "external"
	Addr    string `json:"addr"`
	Entries int    `json:"entries"`
}

// Translation is one entry in the inside/outside, local/global view of a
// NAT router: the inside host's own address:port (inside local), what the
// outside sees of it (inside global), the peer as the inside host
// addresses it (outside local) and the peer's real address (outside
// global). For an entry whose source was translated (or nothing was) the
// inside host is the original source: inside global is the reply's
// destination, outside global the reply's source. For an entry only its
// destination was translated (port forwarding) the inside host is the
// reply's source: inside global is the original destination, outside
// local the reply's destination. For ICMP the port is the echo
// identifier; protocols without ports (gre, unknown) show the address
// alone.
type Translation struct {
	Type          string `json:"type"` // "translation"
	Line          int    `json:"line"`
	Proto         string `json:"proto"`
	NAT           string `json:"nat"` // "snat", "dnat", "snat+dnat" or "none"
	InsideLocal   string `json:"inside_local"`
	InsideGlobal  string `json:"inside_global"`
	OutsideLocal  string `json:"outside_local"`
	OutsideGlobal string `json:"outside_global"`
	State         string `json:"state,omitempty"`
	Timeout       uint32 `json:"timeout"`

	insideGlobal, outsideGlobal netip.AddrPort
	insideLocalPort             uint16
}

// DestUsage is how many ports of one external address are taken toward
// one destination, out of how many source NAT can choose from.
type DestUsage struct {
	// Destination is ADDRESS:PORT, or the address alone for ICMP, whose
	// identifier is the translated source "port".
	Destination string  `json:"destination"`
	PortsUsed   int     `json:"ports_used"`
	Capacity    int     `json:"capacity"`
	UsedPct     float64 `json:"used_pct"`
	// Risk is "low" (under 50 %), "medium" (under 80 %), "high" (under
	// 100 %) or "exhausted".
	Risk string `json:"risk"`
}

// PortUsage is the source-NAT port usage of one external address for one
// protocol: the distinct ports it uses and, per destination, the share of
// the port range taken. A source-NAT mapping is unique per destination
// address and port, so exhaustion is per destination.
type PortUsage struct {
	Type         string      `json:"type"` // "port_usage"
	External     netip.Addr  `json:"external"`
	Proto        string      `json:"proto"`
	PortsUsed    int         `json:"ports_used"`
	Destinations []DestUsage `json:"destinations"`
}

// Views are the summaries `netcalc conntrack` prints for a listing.
type Views struct {
	States       []StateCount  `json:"states"`
	Sources      []AddrCount   `json:"sources"`
	Externals    []AddrCount   `json:"externals"`
	Translations []Translation `json:"translations"`
	PortUsage    []PortUsage   `json:"port_usage"`
}

// ListSummary is the first record of a listing's views as JSON Lines:
// Type "summary", where the listing came from and how many entries it
// held.
type ListSummary struct {
	Type    string `json:"type"` // "summary"
	Source  string `json:"source"`
	Entries int    `json:"entries"`
}

// Records returns the views as the records of `netcalc conntrack -o
// json`, one JSON object a line: a ListSummary of source and entries,
// then the States, Sources, Externals, Translations and PortUsage
// elements in that order.
func (v Views) Records(source string, entries int) []any {
	out := []any{ListSummary{Type: "summary", Source: source, Entries: entries}}
	out = appendAll(out, v.States)
	out = appendAll(out, v.Sources)
	out = appendAll(out, v.Externals)
	out = appendAll(out, v.Translations)
	return appendAll(out, v.PortUsage)
}

// appendAll appends the elements of xs to out.
func appendAll[T any](out []any, xs []T) []any {
	for _, x := range xs {
		out = append(out, x)
	}
	return out
}

// PortRange is a source NAT port range; the zero PortRange means the
// kernel's default for MASQUERADE and SNAT without --to-ports.
type PortRange struct{ Lo, Hi uint16 }

// DefaultCapacity returns how many ports nf_nat chooses from for an
// original source port when no range is given (nf_nat_proto.c): 1-511
// for ports under 512, 600-1023 for ports under 1024, 1024-65535 above;
// every identifier 0-65535 for ICMP.
func DefaultCapacity(proto string, sport uint16) int {
	switch {
	case proto == "icmp" || proto == "icmpv6":
		return 65536
	case sport < 512:
		return 511
	case sport < 1024:
		return 424
	}
	return 64512
}

// Risk names the exhaustion risk of used ports out of capacity.
func Risk(used, capacity int) string {
	switch {
	case used >= capacity:
		return "exhausted"
	case used*10 >= capacity*8:
		return "high"
	case used*2 >= capacity:
		return "medium"
	}
	return "low"
}

func endpoint(t Tuple, src bool) netip.AddrPort {
	if t.Proto.IsICMP() {
		if src {
			return netip.AddrPortFrom(t.Src, t.SrcPort)
		}
		return netip.AddrPortFrom(t.Dst, t.SrcPort)
	}
	if src {
		return netip.AddrPortFrom(t.Src, t.SrcPort)
	}
	return netip.AddrPortFrom(t.Dst, t.DstPort)
}

// Translate returns e's inside/outside, local/global view.
func (e *Listed) Translate() Translation {
	origSrc, origDst := endpoint(e.Orig, true), endpoint(e.Orig, false)
	replySrc, replyDst := endpoint(e.Reply, true), endpoint(e.Reply, false)
	snat, dnat := origSrc != replyDst, origDst != replySrc
	il, ig, ol, og := origSrc, replyDst, origDst, replySrc
	tr := Translation{Type: "translation", Line: e.Line, Proto: e.Proto, State: e.State, Timeout: e.Timeout}
	switch {
	case snat && dnat:
		tr.NAT = "snat+dnat"
	case snat:
		tr.NAT = "snat"
	case dnat:
		tr.NAT = "dnat"
		il, ig, ol, og = replySrc, origDst, replyDst, origSrc
	default:
		tr.NAT = "none"
	}
	tr.InsideLocal, tr.InsideGlobal = e.endpointString(il), e.endpointString(ig)
	tr.OutsideLocal, tr.OutsideGlobal = e.endpointString(ol), e.endpointString(og)
	tr.insideGlobal, tr.outsideGlobal, tr.insideLocalPort = ig, og, il.Port()
	return tr
}

// endpointString is ADDRESS:PORT, or the address alone for protocols
// without ports or identifiers.
func (e *Listed) endpointString(ap netip.AddrPort) string {
	if e.hasPorts() || e.Orig.Proto.IsICMP() {
		return ap.String()
	}
	return ap.Addr().String()
}

// View computes the summaries of ents. Port usage counts the entries
// whose source was translated; capacity is r's size, or the kernel's
// default range for each entry's original port when r is zero.
func View(ents []Listed, r PortRange) Views {
	var v Views
	type stKey struct{ proto, state string }
	states := map[stKey]*StateCount{}
	src := map[string]int{}
	ext := map[string]int{}
	type extKey struct {
		addr  netip.Addr
		proto string
	}
	type dstKey struct {
		extKey
		dst netip.AddrPort
	}
	extPorts := map[extKey]map[uint16]bool{}
	dstPorts := map[dstKey]map[uint16]bool{}
	dstCap := map[dstKey]int{}
	for i := range ents {
		e := &ents[i]
		k := stKey{e.Proto, e.State}
		sc := states[k]
		if sc == nil {
			sc = &StateCount{Type: "state", Proto: e.Proto, State: e.State}
			states[k] = sc
		}
		sc.Entries++
		if e.Assured {
			sc.Assured++
		}
		if e.Unreplied {
			sc.Unreplied++
		}
		src[e.Orig.Src.String()]++
		tr := e.Translate()
		ext[tr.InsideGlobal]++
		v.Translations = append(v.Translations, tr)
		if (tr.NAT != "snat" && tr.NAT != "snat+dnat") || !(e.hasPorts() || e.Orig.Proto.IsICMP()) {
			continue
		}
		ek := extKey{tr.insideGlobal.Addr(), e.Proto}
		if extPorts[ek] == nil {
			extPorts[ek] = map[uint16]bool{}
		}
		extPorts[ek][tr.insideGlobal.Port()] = true
		dst := tr.outsideGlobal
		if e.Orig.Proto.IsICMP() {
			dst = netip.AddrPortFrom(dst.Addr(), 0)
		}
		dk := dstKey{ek, dst}
		if dstPorts[dk] == nil {
			dstPorts[dk] = map[uint16]bool{}
		}
		dstPorts[dk][tr.insideGlobal.Port()] = true
		c := int(r.Hi) - int(r.Lo) + 1
		if r == (PortRange{}) {
			c = DefaultCapacity(e.Proto, tr.insideLocalPort)
		}
		dstCap[dk] = max(dstCap[dk], c)
	}
	for _, sc := range states {
		v.States = append(v.States, *sc)
	}
	slices.SortFunc(v.States, func(a, b StateCount) int {
		return cmp.Or(b.Entries-a.Entries, cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.State, b.State))
	})
	v.Sources = counts("source", src)
	v.Externals = counts("external", ext)
	dstsOf := map[extKey][]dstKey{} // one pass over dstPorts, not one per external
	for dk := range dstPorts {
		dstsOf[dk.extKey] = append(dstsOf[dk.extKey], dk)
	}
	for ek, ports := range extPorts {
		pu := PortUsage{Type: "port_usage", External: ek.addr, Proto: ek.proto, PortsUsed: len(ports)}
		for _, dk := range dstsOf[ek] {
			dp, c := dstPorts[dk], dstCap[dk]
			d := dk.dst.String()
			if ek.proto == "icmp" || ek.proto == "icmpv6" {
				d = dk.dst.Addr().String()
			}
			pu.Destinations = append(pu.Destinations, DestUsage{Destination: d, PortsUsed: len(dp), Capacity: c,
				UsedPct: float64(int(float64(len(dp))*10000/float64(c)+0.5)) / 100, Risk: Risk(len(dp), c)})
		}
		slices.SortFunc(pu.Destinations, func(a, b DestUsage) int {
			return cmp.Or(b.PortsUsed-a.PortsUsed, cmp.Compare(a.Destination, b.Destination))
		})
		v.PortUsage = append(v.PortUsage, pu)
	}
	slices.SortFunc(v.PortUsage, func(a, b PortUsage) int {
		return cmp.Or(a.External.Compare(b.External), cmp.Compare(a.Proto, b.Proto))
	})
	return v
}

// counts lists m's counts, most entries first, then by address and port
// numerically; each "address" or "address:port" key is parsed once, not
// at every comparison of the sort.
func counts(typ string, m map[string]int) []AddrCount {
	type keyed struct {
		AddrCount
		ap netip.AddrPort
	}
	ks := make([]keyed, 0, len(m))
	for a, n := range m {
		ks = append(ks, keyed{AddrCount{Type: typ, Addr: a, Entries: n}, parseEndpoint(a)})
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(b.Entries-a.Entries, a.ap.Compare(b.ap), cmp.Compare(a.Addr, b.Addr))
	})
	out := make([]AddrCount, len(ks))
	for i, k := range ks {
		out[i] = k.AddrCount
	}
	return out
}

func parseEndpoint(s string) netip.AddrPort {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap
	}
	a, _ := netip.ParseAddr(s)
	return netip.AddrPortFrom(a, 0)
}

// ParsePortRange parses a source NAT port range as iptables --to-ports
// writes it, "LO-HI", or a single port "P", with 1 <= LO <= HI <= 65535.
// ok is false when s is not such a range.
func ParsePortRange(s string) (r PortRange, ok bool) {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		hi = lo
	}
	l, err1 := strconv.ParseUint(lo, 10, 16)
	h, err2 := strconv.ParseUint(hi, 10, 16)
	if err1 != nil || err2 != nil || l == 0 || l > h {
		return PortRange{}, false
	}
	return PortRange{Lo: uint16(l), Hi: uint16(h)}, true
}
