package link

import (
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/fib"
)

// Interface is one network interface as the kernel reports it (`ip link`).
// The zero Interface is not a valid interface (Index 0).
type Interface struct {
	Index int    `json:"ifindex"`
	Name  string `json:"ifname"`
	// Kind is the rtnetlink link kind: "veth", "bridge", "dummy", "vlan",
	// ..., or "device" for physical and loopback devices.
	Kind string `json:"kind"`
	// MAC is the hardware address; zero for loopback and for links whose
	// address is not a 6-byte Ethernet MAC (see HasMAC).
	MAC MAC `json:"address"`
	// HasMAC reports whether the link has a 6-byte Ethernet address.
	HasMAC bool     `json:"-"`
	MTU    int      `json:"mtu"`
	State  string   `json:"operstate"` // "UP", "DOWN", "UNKNOWN", "LOWERLAYERDOWN", ...
	Flags  []string `json:"flags"`     // "UP", "BROADCAST", "LOOPBACK", "POINTOPOINT", "MULTICAST", "RUNNING", "NOARP"
	// Master is the name of the bridge (or bond) this link is a port of, or "".
	Master string `json:"master,omitempty"`
	// Peer names a veth's other end: its name when it is in the same
	// namespace, else "ifindex N in another namespace". Empty when unknown.
	Peer string `json:"peer,omitempty"`

	up, loopback, pointToPoint, noARP bool
}

// IsUp reports whether the UP flag is set.
func (i Interface) IsUp() bool { return i.up }

// IsLoopback reports whether this is a loopback interface.
func (i Interface) IsLoopback() bool { return i.loopback }

// Address is one address assigned to an interface (`ip addr`).
type Address struct {
	Interface string `json:"ifname"`
	Index     int    `json:"ifindex"`
	// Prefix is the address with its prefix length, as configured:
	// 203.0.113.1/24, not masked.
	Prefix netip.Prefix `json:"local"`
	Scope  string       `json:"scope"`           // "global", "link", "host", ...
	Flags  []string     `json:"flags,omitempty"` // "permanent", "nodad", "tentative", ...
}

// Subnet is an address with the subnet its prefix length implies,
// computed exactly: network, broadcast (IPv4 /0-/30), first and last
// usable host (zero for none) and the counts, by netcalc.Describe's host
// rules.
type Subnet struct {
	Address
	Network     netip.Prefix  `json:"network"`
	Broadcast   netip.Addr    `json:"broadcast,omitzero"`
	FirstHost   netip.Addr    `json:"first_host,omitzero"`
	LastHost    netip.Addr    `json:"last_host,omitzero"`
	Addresses   netcalc.Count `json:"addresses"`
	UsableHosts netcalc.Count `json:"usable_hosts"`
}

// Subnet returns the address with its subnet.
func (a Address) Subnet() Subnet {
	in := netcalc.Describe(a.Prefix)
	return Subnet{Address: a, Network: in.Network, Broadcast: in.Broadcast, FirstHost: in.FirstHost,
		LastHost: in.LastHost, Addresses: in.Addresses, UsableHosts: in.UsableHosts}
}

// SelectInterfaces returns the interfaces of ls named in names, in the
// order of names, and the names no interface has.
func SelectInterfaces(ls []Interface, names []string) (sel []Interface, missing []string) {
	for _, n := range names {
		found := false
		for _, l := range ls {
			if l.Name == n {
				sel, found = append(sel, l), true
			}
		}
		if !found {
			missing = append(missing, n)
		}
	}
	return sel, missing
}

// InterfaceNames returns the names of ls, in order.
func InterfaceNames(ls []Interface) []string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return names
}

// AddressesOn returns the addresses of as assigned to an interface named
// in names, in the order of as.
func AddressesOn(as []Address, names []string) []Address {
	var sel []Address
	for _, a := range as {
		if slices.Contains(names, a.Interface) {
			sel = append(sel, a)
		}
	}
	return sel
}

// RouteType is the rtnetlink route type as `ip route` names it (see
// fib.RouteType).
type RouteType = fib.RouteType

// Route types.
const (
	Unicast     = fib.Unicast
	Local       = fib.Local
	Broadcast   = fib.Broadcast
	Anycast     = fib.Anycast
	Multicast   = fib.Multicast
	Blackhole   = fib.Blackhole
	Unreachable = fib.Unreachable
	Prohibit    = fib.Prohibit
	Throw       = fib.Throw
)

// Route is one routing table entry, or the kernel's answer for one
// destination (see fib.Route).
type Route = fib.Route

// Nexthop is one path of a multipath route (see fib.Nexthop).
type Nexthop = fib.Nexthop

// Metric is one route metric (see fib.Metric).
type Metric = fib.Metric

// RouteDecision explains the kernel's choice of route for one target
// (`ip route get`).
type RouteDecision struct {
	Target netip.Addr `json:"target"`
	// From, Iif, Oif and Mark repeat the question's other selectors.
	From netip.Addr `json:"from,omitzero"`
	Iif  string     `json:"iif,omitempty"`
	Oif  string     `json:"oif,omitempty"`
	Mark uint32     `json:"mark,omitempty"`
	// UID is the user the lookup was made for (0xffffffff for a
	// forwarded packet); it matters only for uidrange rules.
	UID uint32 `json:"-"`
	// Route is the kernel's answer: interface, gateway (zero when the target
	// is on-link) and preferred source. Its Dst is the target's host prefix.
	Route Route `json:"route"`
	// Rules is the policy rule walk: every rule consulted, in priority
	// order, up to the one whose table gave the route.
	Rules []RuleStep `json:"rules"`
	// Candidates are the routes of the table that decided whose prefix
	// contains Target, most specific first.
	Candidates []Route `json:"candidates"`
	// Winner indexes the candidate that the lookup returned; -1 when the
	// walk found none.
	Winner int `json:"winner"`
	// Mismatch reports whether the kernel's answer differs from the rule
	// walk's: the walk chose Candidates[Winner] from another table or
	// route than Route, or it chose none (Rules[Decided] refused, or no
	// rule decided).
	Mismatch bool `json:"-"`
	// Decided indexes the step of Rules that ended the walk with a route
	// or a refusal; -1 when no rule decided.
	Decided int `json:"-"`
	// Unmodelled lists the priorities of rules whose selectors the walk
	// cannot evaluate (l3mdev, suppress_ifgroup): a reason for a
	// Mismatch.
	Unmodelled []int `json:"-"`
}

// NextHop returns the address whose hardware address a packet to the
// target is sent to: the gateway, or the target itself when on-link.
func (d RouteDecision) NextHop() netip.Addr {
	if d.Route.Gateway.IsValid() {
		return d.Route.Gateway
	}
	return d.Target
}

// Fields returns the words `ip route get` answers with: the route's type
// (unless unicast), the target, "from" and the source asked about,
// gateway, device, preferred source, table, and the "iif" and "mark" asked
// about.
func (d RouteDecision) Fields() []string {
	r := d.Route
	var b []string
	if r.Type != Unicast {
		b = append(b, string(r.Type))
	}
	b = append(b, d.Target.String())
	if d.From.IsValid() {
		b = append(b, "from", d.From.String())
	}
	if r.Gateway.IsValid() {
		b = append(b, "via", r.Gateway.String())
	}
	if r.Interface != "" {
		b = append(b, "dev", r.Interface)
	}
	if r.Source.IsValid() {
		b = append(b, "src", r.Source.String())
	}
	b = append(b, "table", r.TableName())
	if d.Iif != "" {
		b = append(b, "iif", d.Iif)
	}
	if d.Mark != 0 {
		b = append(b, "mark", "0x"+strconv.FormatUint(uint64(d.Mark), 16))
	}
	return b
}

// NeighborState is a neighbour table entry's NUD state, named as
// `ip neigh` names it (see fib.NeighborState).
type NeighborState = fib.NeighborState

// Neighbor is one entry of the kernel's neighbour (ARP/NDP) table (see
// fib.Neighbor).
type Neighbor = fib.Neighbor

// Resolution is the answer to one address resolution.
type Resolution struct {
	Target netip.Addr `json:"target"`
	// NextHop is the address that was asked: Target when it is on-link,
	// else the gateway of the route to Target.
	NextHop   netip.Addr `json:"next_hop"`
	OnLink    bool       `json:"on_link"`
	Interface string     `json:"interface"`
	// Source is the sender address of the probe (the route's preferred
	// source unless Resolver.Source is set); zero for cached answers.
	Source netip.Addr `json:"source,omitzero"`
	MAC    MAC        `json:"mac"`
	// Protocol is "arp" for IPv4 and "ndp" for IPv6.
	Protocol string `json:"protocol"`
	// RTT is the time from sending the request that was answered to
	// receiving the reply; zero for cached and local answers.
	RTT time.Duration `json:"rtt_ns"`
	// Attempt is the 1-based attempt that got the reply.
	Attempt int `json:"attempt,omitempty"`
	// Cached reports whether the answer came from the kernel's neighbour
	// table rather than a probe; State is then the entry's NUD state.
	Cached bool          `json:"cached"`
	State  NeighborState `json:"state,omitempty"`
	// Local reports whether Target is one of this host's own addresses; MAC
	// is then the owning interface's address.
	Local bool `json:"local"`
}
