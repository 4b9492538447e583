package fib

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/netcalc/netcalc/netcalc"
)

// This file holds the forms iproute2 gives routes, rules and neighbours:
// the words of an `ip route`, `ip rule` or `ip neigh` line and the objects
// of `ip -j`, so that every printer writes them alike.

// ErrTable means a routing table name is none iproute2 knows and not a
// number.
var ErrTable = errors.New("not a routing table")

// ParseTable reads a routing table as `ip route show table T` takes it:
// "main", "local", "default" (any case), a number 0-4294967295, or "all",
// which is 0, the number iproute2 uses for every table. Other input fails
// with an error wrapping ErrTable.
func ParseTable(s string) (int, error) {
	switch strings.ToLower(s) {
	case "all":
		return 0, nil
	case "main":
		return TableMain, nil
	case "local":
		return TableLocal, nil
	case "default":
		return TableDefault, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("fib: %q: %w, expected main, local, default, all or a number", s, ErrTable)
	}
	return int(n), nil
}

// DstString writes a route's destination as `ip route` does: "default"
// for /0, the bare address for a host route, else the prefix.
func DstString(p netip.Prefix) string {
	switch {
	case p.Bits() == 0:
		return "default"
	case p.Bits() == p.Addr().BitLen():
		return p.Addr().String()
	}
	return p.String()
}

// family returns 4 or 6, the family of the route's destination.
func (r Route) family() int {
	if r.Dst.Addr().Is4() {
		return 4
	}
	return 6
}

// metricShown reports whether `ip route` shows the metric: the kernel
// sends it for every IPv6 route, and for an IPv4 route only when it is
// not 0.
func (r Route) metricShown() bool { return r.family() == 6 || r.Metric != 0 }

// Fields returns the words `ip route` lists the route with, on its first
// line: type (unless unicast), destination, gateway and device (unless
// multipath), the table when showTable is set and it is not main (as
// `ip route show table all` does), protocol, scope, preferred source,
// metric, flags, expiry, metrics and preference. A multipath route's
// nexthops follow on lines of their own (Nexthop.Fields).
func (r Route) Fields(showTable bool) []string {
	var b []string
	if r.Type != Unicast {
		b = append(b, string(r.Type))
	}
	b = append(b, DstString(r.Dst))
	if len(r.Nexthops) == 0 {
		if r.Gateway.IsValid() {
			b = append(b, "via", r.Gateway.String())
		}
		if r.Interface != "" {
			b = append(b, "dev", r.Interface)
		}
	}
	if showTable && r.Table != TableMain {
		b = append(b, "table", r.TableName())
	}
	if r.Protocol != "" && r.Protocol != "boot" {
		b = append(b, "proto", r.Protocol)
	}
	if r.Scope != "" && r.Scope != "global" {
		b = append(b, "scope", r.Scope)
	}
	if r.Source.IsValid() {
		b = append(b, "src", r.Source.String())
	}
	if r.metricShown() {
		b = append(b, "metric", strconv.Itoa(r.Metric))
	}
	b = append(b, r.Flags...)
	if r.Expires > 0 {
		b = append(b, fmt.Sprintf("expires %dsec", int64(r.Expires/time.Second)))
	}
	for _, m := range r.Metrics {
		b = append(b, m.Name)
		if m.Locked {
			b = append(b, "lock")
		}
		b = append(b, m.text())
	}
	if r.Pref != "" {
		b = append(b, "pref", r.Pref)
	}
	return b
}

// Fields returns the words of the nexthop's line under a multipath route
// in `ip route`: "nexthop", gateway, device, weight and flags.
func (nh Nexthop) Fields() []string {
	n := []string{"nexthop"}
	if nh.Gateway.IsValid() {
		n = append(n, "via", nh.Gateway.String())
	}
	if nh.Interface != "" {
		n = append(n, "dev", nh.Interface)
	}
	n = append(n, "weight", strconv.Itoa(nh.Weight))
	return append(n, nh.Flags...)
}

// text writes a route metric's value as `ip route` does: times in ms (or
// s from a second on), the congestion control algorithm by name.
func (m Metric) text() string {
	switch m.Name {
	case "congctl":
		return m.Algo
	case "rtt", "rttvar", "rto_min":
		if m.Value >= 1000 {
			return strconv.FormatFloat(float64(m.Value)/1e3, 'g', -1, 64) + "s"
		}
		return strconv.FormatUint(uint64(m.Value), 10) + "ms"
	case "features":
		if m.Value == 1 { // RTAX_FEATURE_ECN
			return "ecn"
		}
		return fmt.Sprintf("%#x", m.Value)
	}
	return strconv.FormatUint(uint64(m.Value), 10)
}

// familyName is the family as `ip -j` names it.
func familyName(fam int) string {
	if fam == 4 {
		return "inet"
	}
	return "inet6"
}

// RouteEntry is a route with the field names and value forms of
// `ip -j route` (table and protocol by name, "default" for /0), plus the
// table always, the family ("inet" or "inet6") and the destination
// block's facts: its network, size and first and last address.
type RouteEntry struct {
	Type      string           `json:"type,omitempty"`
	Dst       string           `json:"dst"`
	Gateway   string           `json:"gateway,omitempty"`
	Dev       string           `json:"dev,omitempty"`
	Table     string           `json:"table"`
	Protocol  string           `json:"protocol,omitempty"`
	Scope     string           `json:"scope,omitempty"`
	Prefsrc   string           `json:"prefsrc,omitempty"`
	Metric    *int             `json:"metric,omitempty"`
	Flags     []string         `json:"flags"`
	Nexthops  []NexthopEntry   `json:"nexthops,omitempty"`
	Expires   int64            `json:"expires,omitempty"`
	Metrics   []map[string]any `json:"metrics,omitempty"`
	Pref      string           `json:"pref,omitempty"`
	Family    string           `json:"family"`
	Prefix    netip.Prefix     `json:"prefix"`
	Addresses netcalc.Count    `json:"addresses"`
	First     netip.Addr       `json:"first"`
	Last      netip.Addr       `json:"last"`
}

// NexthopEntry is one nexthop of a RouteEntry, as `ip -j route` writes it.
type NexthopEntry struct {
	Gateway string   `json:"gateway,omitempty"`
	Dev     string   `json:"dev,omitempty"`
	Weight  int      `json:"weight"`
	Flags   []string `json:"flags"`
}

// Entry returns the route as `ip -j route` writes it, with the facts of
// RouteEntry.
func (r Route) Entry() RouteEntry {
	v := RouteEntry{Dst: DstString(r.Dst), Dev: r.Interface, Table: r.TableName(), Scope: r.Scope, Pref: r.Pref,
		Flags: r.Flags, Family: familyName(r.family()), Prefix: r.Dst.Masked()}
	if r.Type != Unicast {
		v.Type = string(r.Type)
	}
	if r.Scope == "global" {
		v.Scope = ""
	}
	if r.Protocol != "boot" {
		v.Protocol = r.Protocol
	}
	if r.Gateway.IsValid() {
		v.Gateway = r.Gateway.String()
	}
	if r.Source.IsValid() {
		v.Prefsrc = r.Source.String()
	}
	if r.metricShown() {
		m := r.Metric
		v.Metric = &m
	}
	if v.Flags == nil {
		v.Flags = []string{}
	}
	if len(r.Nexthops) > 0 {
		v.Gateway, v.Dev = "", ""
		for _, nh := range r.Nexthops {
			n := NexthopEntry{Dev: nh.Interface, Weight: nh.Weight, Flags: nh.Flags}
			if nh.Gateway.IsValid() {
				n.Gateway = nh.Gateway.String()
			}
			if n.Flags == nil {
				n.Flags = []string{}
			}
			v.Nexthops = append(v.Nexthops, n)
		}
	}
	v.Expires = int64(r.Expires / time.Second)
	if len(r.Metrics) > 0 {
		m := map[string]any{}
		for _, x := range r.Metrics {
			switch {
			case x.Name == "congctl":
				m["congestion"] = x.Algo
			case x.Name == "features" && x.Value == 1:
				m["ecn"] = true // ip writes null
			default:
				m[x.Name] = x.Value
			}
		}
		v.Metrics = []map[string]any{m}
	}
	in := netcalc.Describe(r.Dst)
	v.Addresses, v.First, v.Last = in.Addresses, in.First, in.Last
	return v
}

// RuleEntry is a policy rule with the field names and value forms of
// `ip -j rule` (addresses and their lengths apart, marks in hex, tables by
// name, switches such as "not" as true), plus the family. The fields are
// in the order of their names, as `ip -j` output is compared by key.
type RuleEntry struct {
	Action            string  `json:"action,omitempty"`
	DportEnd          *uint16 `json:"dport_end,omitempty"`
	DportStart        *uint16 `json:"dport_start,omitempty"`
	Dst               string  `json:"dst,omitempty"`
	Dstlen            int     `json:"dstlen,omitempty"`
	Family            string  `json:"family"`
	Fwmark            string  `json:"fwmark,omitempty"`
	Fwmask            string  `json:"fwmask,omitempty"`
	Goto              *int    `json:"goto,omitempty"`
	Iif               string  `json:"iif,omitempty"`
	IifDetached       bool    `json:"iif_detached,omitempty"`
	IPProto           string  `json:"ipproto,omitempty"`
	L3mdev            bool    `json:"l3mdev,omitempty"`
	Nop               bool    `json:"nop,omitempty"`
	Not               bool    `json:"not,omitempty"`
	Oif               string  `json:"oif,omitempty"`
	OifDetached       bool    `json:"oif_detached,omitempty"`
	Priority          int     `json:"priority"`
	SportEnd          *uint16 `json:"sport_end,omitempty"`
	SportStart        *uint16 `json:"sport_start,omitempty"`
	Src               string  `json:"src"`
	Srclen            int     `json:"srclen,omitempty"`
	SuppressIfgroup   *int    `json:"suppress_ifgroup,omitempty"`
	SuppressPrefixlen *int    `json:"suppress_prefixlen,omitempty"`
	Table             string  `json:"table,omitempty"`
	Tos               string  `json:"tos,omitempty"`
	TunID             uint64  `json:"tun_id,omitempty"`
	UIDEnd            *uint32 `json:"uid_end,omitempty"`
	UIDStart          *uint32 `json:"uid_start,omitempty"`
}

// Entry returns the rule of family fam (4 or 6) as `ip -j rule` writes
// it.
func (r Rule) Entry(fam int) RuleEntry {
	m := RuleEntry{Priority: r.Priority, Family: familyName(fam), Not: r.Not, Src: "all",
		Iif: r.Iif, Oif: r.Oif, L3mdev: r.L3mdev, TunID: r.TunID}
	if r.From.IsValid() && r.From.Bits() > 0 {
		m.Src = r.From.Addr().String()
		if r.From.Bits() < r.From.Addr().BitLen() {
			m.Srclen = r.From.Bits()
		}
	}
	if r.To.IsValid() && r.To.Bits() > 0 {
		m.Dst = r.To.Addr().String()
		if r.To.Bits() < r.To.Addr().BitLen() {
			m.Dstlen = r.To.Bits()
		}
	}
	if r.Tos != 0 {
		m.Tos = fmt.Sprintf("%#x", r.Tos)
	}
	if r.Mark != 0 || r.Mask != 0 {
		m.Fwmark = fmt.Sprintf("%#x", r.Mark)
		if r.Mask != 0xffffffff {
			m.Fwmask = fmt.Sprintf("%#x", r.Mask)
		}
	}
	m.IifDetached = r.Iif != "" && r.IifDetached
	m.OifDetached = r.Oif != "" && r.OifDetached
	if r.UIDRange != nil {
		m.UIDStart, m.UIDEnd = &r.UIDRange[0], &r.UIDRange[1]
	}
	if r.IPProto != 0 {
		m.IPProto = ProtoName(r.IPProto)
	}
	if r.Sport != nil {
		m.SportStart, m.SportEnd = &r.Sport[0], &r.Sport[1]
	}
	if r.Dport != nil {
		m.DportStart, m.DportEnd = &r.Dport[0], &r.Dport[1]
	}
	switch r.Action {
	case ActionLookup:
		if !r.L3mdev {
			m.Table = TableName(r.Table)
		}
	case ActionGoto:
		m.Goto = &r.Goto
	case ActionNop:
		m.Nop = true
	default:
		m.Action = string(r.Action)
	}
	if r.SuppressPrefixLength >= 0 {
		m.SuppressPrefixlen = &r.SuppressPrefixLength
	}
	if r.SuppressIfgroup >= 0 {
		m.SuppressIfgroup = &r.SuppressIfgroup
	}
	return m
}

// Listed reports whether `ip neigh` lists an entry in state s without
// `nud all`: every state but NOARP and NONE, which need no resolution.
func (s NeighborState) Listed() bool { return s != NoARP && s != NoState }

// SelectNeighbors returns the entries of ns that `ip neigh show dev DEV`
// lists: those on device dev (every device when dev is ""), and of them
// only the Listed ones unless all is set (`nud all`), in ns's order. It
// returns a new slice.
func SelectNeighbors(ns []Neighbor, dev string, all bool) []Neighbor {
	var out []Neighbor
	for _, n := range ns {
		if (dev == "" || n.Interface == dev) && (all || n.State.Listed()) {
			out = append(out, n)
		}
	}
	return out
}

// Fields returns the words `ip neigh` lists the entry with: address,
// device (when showDev is set; ip leaves it out of a list of one device),
// hardware address, "router" and the state.
func (n Neighbor) Fields(showDev bool) []string {
	b := []string{n.Addr.WithZone("").String()}
	if showDev {
		b = append(b, "dev", n.Interface)
	}
	if n.HasMAC {
		b = append(b, "lladdr", n.MAC.String())
	}
	if n.Router {
		b = append(b, "router")
	}
	if n.State != NoState {
		b = append(b, strings.ReplaceAll(string(n.State), ",", " "))
	}
	return b
}

// NeighborEntry is a neighbour entry with the field names and value forms
// of `ip -j -s neigh` (ages in whole seconds, state as a list; "router" is
// true where ip writes null), plus the family.
type NeighborEntry struct {
	Dst       string   `json:"dst"`
	Dev       string   `json:"dev"`
	Lladdr    string   `json:"lladdr,omitempty"`
	Router    bool     `json:"router,omitempty"`
	Used      int64    `json:"used"`
	Confirmed int64    `json:"confirmed"`
	Updated   int64    `json:"updated"`
	Refcnt    int      `json:"refcnt,omitempty"`
	Probes    int      `json:"probes"`
	State     []string `json:"state"`
	Family    string   `json:"family"`
}

// Entry returns the neighbour entry as `ip -j -s neigh` writes it.
func (n Neighbor) Entry() NeighborEntry {
	secs := func(d time.Duration) int64 { return int64(d / time.Second) }
	v := NeighborEntry{Dst: n.Addr.WithZone("").String(), Dev: n.Interface, Router: n.Router,
		Used: secs(n.Used), Confirmed: secs(n.Confirmed), Updated: secs(n.Updated), Refcnt: n.Refs, Probes: n.Probes,
		State: []string{}, Family: "inet"}
	if n.HasMAC {
		v.Lladdr = n.MAC.String()
	}
	if n.State != NoState {
		v.State = strings.Split(string(n.State), ",")
	}
	if n.Addr.Is6() {
		v.Family = "inet6"
	}
	return v
}
