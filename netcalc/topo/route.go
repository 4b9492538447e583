package topo

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// RouteType is the type of a route, as `ip route` names it.
type RouteType string

// The route types netcalc knows. Unicast is the default and is not written
// by Route.String.
const (
	Unicast     RouteType = "unicast"
	Blackhole   RouteType = "blackhole"   // silently discarded (NULL_ROUTED)
	Unreachable RouteType = "unreachable" // discarded with ICMP host unreachable
	Prohibit    RouteType = "prohibit"    // discarded with ICMP administratively prohibited
	Local       RouteType = "local"       // the destination is an address of this node (table local)
	Broadcast   RouteType = "broadcast"   // an IPv4 broadcast address of a local subnet (table local)
	Anycast     RouteType = "anycast"     // an IPv6 subnet-router anycast address (table local)
	Multicast   RouteType = "multicast"   // IPv6 multicast, ff00::/8 on every interface (table local)
)

// Origin says where a route came from.
type Origin string

// Route origins.
const (
	Static    Origin = "static"    // written in the file
	Connected Origin = "connected" // derived from an address (proto kernel)
)

// Route is one route of a node's routing table in `ip route` terms. The zero
// Route is not valid (its Dst is the zero Prefix).
type Route struct {
	Type RouteType `json:"type"`
	// Dst is the destination prefix, masked; "default" is 0.0.0.0/0 or ::/0.
	Dst netip.Prefix `json:"dst"`
	// Via is the gateway; invalid for a directly connected route.
	Via netip.Addr `json:"via,omitzero"`
	// Dev is the outgoing interface; "" lets the kernel pick it from the
	// gateway (the interface whose connected route covers Via).
	Dev string `json:"dev,omitempty"`
	// Src is the preferred source address; invalid when not given.
	Src netip.Addr `json:"src,omitzero"`
	// Metric is the route's priority, lower wins. Default 0 for IPv4 and
	// 1024 for IPv6, as ip(8) sets it.
	Metric uint32 `json:"metric"`
	// Scope is "global" (the default for gateway routes), "link" (no
	// gateway) or "host" (local routes).
	Scope string `json:"scope"`
	// Table is "main" or "local".
	Table string `json:"table"`
	// Onlink says the gateway is on the link even though no route covers
	// it (ip route ... onlink).
	Onlink bool   `json:"onlink,omitempty"`
	Origin Origin `json:"origin"`
}

// Route errors, wrapped by RouteError.
var (
	// ErrRouteSyntax means a route string is not `ip route` syntax.
	ErrRouteSyntax = errors.New("bad route")
)

// RouteError is a route that does not parse: Token is the offending part of
// the route ("via 10.0.0.300"), Msg what was expected.
type RouteError struct {
	Route string
	Token string
	Msg   string
}

// Error returns `"TOKEN": MSG`.
func (e *RouteError) Error() string {
	if e.Token == "" {
		return e.Msg
	}
	return quote(e.Token) + ": " + e.Msg
}

// Unwrap returns ErrRouteSyntax.
func (e *RouteError) Unwrap() error { return ErrRouteSyntax }

// quote quotes s for an error, cutting it at 80 characters.
func quote(s string) string {
	r := []rune(s)
	if len(r) > 80 {
		return strconv.Quote(string(r[:80])) + "…"
	}
	return strconv.Quote(s)
}

// ParseRoute parses one route in `ip route add` syntax:
//
//	[TYPE] PREFIX|default [via [inet|inet6] ADDR] [dev IFACE] [src ADDR]
//	    [metric|preference|priority N] [scope global|link|host] [onlink]
//	    [proto static|boot|kernel]
//
// TYPE is unicast (default), blackhole, unreachable or prohibit; PREFIX may
// be a bare address (a host route, /32 or /128). "default" is the IPv4
// default route unless the gateway, source or "inet6" makes it IPv6. The
// metric defaults to 0 for IPv4 and 1024 for IPv6; the scope to link for a
// route without gateway and global otherwise. The result has Origin Static
// and Table main.
func ParseRoute(s string) (Route, error) {
	f := strings.Fields(s)
	bad := func(tok, format string, args ...any) (Route, error) {
		return Route{}, &RouteError{Route: s, Token: tok, Msg: fmt.Sprintf(format, args...)}
	}
	if len(f) == 0 {
		return bad("", "empty route: want e.g. \"default via 198.51.100.1\" or \"203.0.113.0/24 dev eth0\"")
	}
	r := Route{Type: Unicast, Table: "main", Origin: Static}
	i := 0
	switch RouteType(f[0]) {
	case Unicast, Blackhole, Unreachable, Prohibit:
		r.Type = RouteType(f[0])
		i++
	case Local, Broadcast, Anycast, Multicast:
		return bad(f[0], "the kernel adds %s routes itself from the addresses; want unicast, blackhole, unreachable or prohibit", f[0])
	}
	if i >= len(f) {
		return bad(s, "no destination: want a prefix such as 203.0.113.0/24 or default")
	}
	family := 0 // 4 or 6 once known
	dstTok := f[i]
	isDefault := false
	switch dstTok {
	case "default", "all", "any":
		isDefault = true
	default:
		p, err := parsePrefixOrAddr(dstTok)
		if err != nil {
			return bad(dstTok, "not a destination: want a prefix such as 203.0.113.0/24, an address, or default")
		}
		if p != p.Masked() {
			return bad(dstTok, "host bits set: want the network %s (ip route refuses it: \"Invalid prefix for given prefix length\")", p.Masked())
		}
		r.Dst = p
		family = fam(p.Addr())
	}
	i++
	seen := map[string]bool{}
	setFamily := func(tok string, a netip.Addr) error {
		if family != 0 && fam(a) != family {
			return &RouteError{Route: s, Token: tok, Msg: fmt.Sprintf("an IPv%d address in an IPv%d route", fam(a), family)}
		}
		family = fam(a)
		return nil
	}
	for i < len(f) {
		kw := f[i]
		if seen[kw] {
			return bad(kw, "given twice")
		}
		seen[kw] = true
		if kw == "onlink" {
			r.Onlink = true
			i++
			continue
		}
		if i+1 >= len(f) {
			return bad(kw, "missing value after %s", kw)
		}
		val := f[i+1]
		tok := kw + " " + val
		i += 2
		switch kw {
		case "via":
			if val == "inet" || val == "inet6" {
				if i >= len(f) {
					return bad(tok, "missing gateway address after %s", tok)
				}
				want := 4
				if val == "inet6" {
					want = 6
				}
				val = f[i]
				tok += " " + val
				i++
				a, err := netip.ParseAddr(val)
				if err != nil || a.Zone() != "" || fam(a) != want {
					return bad(tok, "want an IPv%d gateway address", want)
				}
			}
			a, err := netip.ParseAddr(val)
			if err != nil || a.Zone() != "" {
				return bad(tok, "not an IP address: want a gateway such as 198.51.100.1 or 2001:db8::1")
			}
			if a.Is4In6() {
				return bad(tok, "an IPv4-mapped IPv6 address: write the IPv4 address")
			}
			if err := setFamily(tok, a); err != nil {
				return Route{}, err
			}
			r.Via = a
		case "dev", "oif":
			if !validIfName(val) {
				return bad(tok, "not an interface name: want 1-15 characters, no '/', ':' or spaces")
			}
			r.Dev = val
		case "src":
			a, err := netip.ParseAddr(val)
			if err != nil || a.Zone() != "" {
				return bad(tok, "not an IP address: want the preferred source address")
			}
			if err := setFamily(tok, a); err != nil {
				return Route{}, err
			}
			r.Src = a
		case "metric", "preference", "priority":
			if seen["metric"] && seen["preference"] || seen["metric"] && seen["priority"] || seen["preference"] && seen["priority"] {
				return bad(tok, "metric given twice")
			}
			n, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return bad(tok, "want a metric from 0 to 4294967295")
			}
			r.Metric = uint32(n)
		case "scope":
			switch val {
			case "global", "universe", "link", "host":
				if val == "universe" {
					val = "global"
				}
				r.Scope = val
			default:
				return bad(tok, "want scope global, link or host")
			}
		case "proto":
			switch val {
			case "static", "boot", "kernel":
			default:
				return bad(tok, "want proto static, boot or kernel")
			}
		case "table":
			if val != "main" && val != "254" {
				return bad(tok, "only the main table is simulated")
			}
		default:
			return bad(kw, "unknown keyword: want via, dev, src, metric, scope, proto or onlink")
		}
	}
	if isDefault {
		if family == 0 {
			family = 4
		}
		if family == 6 {
			r.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		} else {
			r.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		}
	}
	if r.Type != Unicast {
		if r.Via.IsValid() {
			return bad("via "+r.Via.String(), "a %s route has no gateway", r.Type)
		}
		if r.Src.IsValid() {
			return bad("src "+r.Src.String(), "a %s route has no source", r.Type)
		}
	} else if !r.Via.IsValid() && r.Dev == "" {
		return bad(s, "a unicast route needs a gateway (via ADDR) or an interface (dev IFACE)")
	}
	if r.Onlink && !r.Via.IsValid() {
		return bad("onlink", "onlink needs a gateway (via ADDR)")
	}
	if r.Onlink && r.Dev == "" {
		return bad("onlink", "onlink needs an interface (dev IFACE)")
	}
	if r.Scope == "" {
		if r.Via.IsValid() || r.Type != Unicast {
			r.Scope = "global"
		} else {
			r.Scope = "link"
		}
	} else if r.Via.IsValid() && r.Scope != "global" {
		return bad("scope "+r.Scope, "a route with a gateway has scope global (the kernel refuses a gateway with scope %s: \"Nexthop has invalid gateway\")", r.Scope)
	}
	if !seen["metric"] && !seen["preference"] && !seen["priority"] && family == 6 {
		r.Metric = 1024
	}
	return r, nil
}

// String returns the route in `ip route` syntax, such that ParseRoute gives
// the same Route back (for a static route): the type unless unicast, the
// destination ("default" for a zero-length prefix), via, dev, src, metric
// (unless it is the family's default), scope when it is not the default, and
// onlink. Derived routes also print "proto kernel" and their table.
func (r Route) String() string { return string(r.AppendTo(make([]byte, 0, 64))) }

// AppendTo appends String's text to dst, without allocating (expand
// writes a million routes for a 1,000-node cluster).
func (r Route) AppendTo(b []byte) []byte {
	if r.Type != Unicast && r.Type != "" {
		b = append(b, r.Type...)
		b = append(b, ' ')
	}
	switch {
	case r.Dst.Bits() == 0 && r.Dst.Addr().Is6() && !r.Via.IsValid() && !r.Src.IsValid():
		b = append(b, "::/0"...) // "default" alone would read back as IPv4
	case r.Dst.Bits() == 0 && r.Dst.IsValid():
		b = append(b, "default"...)
	case r.Dst.IsSingleIP():
		b = r.Dst.Addr().AppendTo(b)
	default:
		b = r.Dst.AppendTo(b)
	}
	if r.Via.IsValid() {
		b = append(b, " via "...)
		b = r.Via.AppendTo(b)
	}
	if r.Dev != "" {
		b = append(b, " dev "...)
		b = append(b, r.Dev...)
	}
	if r.Table == "local" {
		b = append(b, " table local"...)
	}
	if r.Origin == Connected {
		b = append(b, " proto kernel"...)
	}
	if r.Scope != "" && (r.Scope != defaultScope(r) || r.Origin == Connected && r.Dst.Addr().Is4()) && !(r.Origin == Connected && r.Dst.Addr().Is6()) {
		b = append(b, " scope "...)
		b = append(b, r.Scope...)
	}
	if r.Src.IsValid() {
		b = append(b, " src "...)
		b = r.Src.AppendTo(b)
	}
	if r.Metric != defaultMetric(r) {
		b = append(b, " metric "...)
		b = strconv.AppendUint(b, uint64(r.Metric), 10)
	}
	if r.Onlink {
		b = append(b, " onlink"...)
	}
	return b
}

func defaultScope(r Route) string {
	if r.Via.IsValid() || (r.Type != Unicast && r.Type != "") {
		return "global"
	}
	return "link"
}

func defaultMetric(r Route) uint32 {
	if r.Origin == Static && r.Dst.Addr().Is6() {
		return 1024
	}
	return 0
}

// MarshalText returns String.
func (r Route) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func fam(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// parsePrefixOrAddr parses "P/N" or a bare address (a host prefix).
func parsePrefixOrAddr(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Is4In6() {
			return netip.Prefix{}, errors.New("bad prefix")
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.Is4In6() {
		return netip.Prefix{}, errors.New("bad address")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// validIfName reports whether s is a name Linux accepts for an interface:
// 1-15 bytes (IFNAMSIZ 16 with the NUL), not "." or "..", no '/', ':' or
// white space (dev_valid_name).
func validIfName(s string) bool {
	if len(s) == 0 || len(s) > 15 || s == "." || s == ".." {
		return false
	}
	for _, c := range []byte(s) {
		if c == '/' || c == ':' || c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
