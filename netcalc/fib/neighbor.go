package fib

import (
	"net/netip"
	"time"
)

// Interface is one network interface as the forwarding model sees it.
// The zero Interface is not a valid interface (Index 0).
type Interface struct {
	Index int    `json:"ifindex"`
	Name  string `json:"ifname"`
	// MAC is the hardware address; valid when HasMAC (loopback, tun and
	// point-to-point links have none).
	MAC    MAC  `json:"address"`
	HasMAC bool `json:"-"`
	MTU    int  `json:"mtu"`
	// Up reports whether the interface is administratively up; Loopback,
	// PointToPoint and NoARP are its IFF_ flags.
	Up           bool `json:"up"`
	Loopback     bool `json:"loopback,omitempty"`
	PointToPoint bool `json:"pointopoint,omitempty"`
	NoARP        bool `json:"noarp,omitempty"`
	// Addrs are the interface's addresses with their prefix lengths, as
	// configured (203.0.113.1/24, not masked).
	Addrs []netip.Prefix `json:"addrs,omitempty"`
}

// Resolves reports whether the interface does link-layer address
// resolution (ARP, NDP): not on loopback, point-to-point or NOARP links,
// nor without a 6-byte hardware address.
func (i Interface) Resolves() bool { return i.HasMAC && !i.Loopback && !i.PointToPoint && !i.NoARP }

// NeighborState is a neighbour table entry's NUD state, named as
// `ip neigh` names it: REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE,
// NOARP, PERMANENT (or NONE); several are joined by commas.
type NeighborState string

// Neighbour states.
const (
	Reachable  NeighborState = "REACHABLE"
	Stale      NeighborState = "STALE"
	Delay      NeighborState = "DELAY"
	Probe      NeighborState = "PROBE"
	Failed     NeighborState = "FAILED"
	Incomplete NeighborState = "INCOMPLETE"
	NoARP      NeighborState = "NOARP"
	Permanent  NeighborState = "PERMANENT"
	NoState    NeighborState = "NONE"
)

// Neighbor is one entry of a neighbour (ARP/NDP) table.
type Neighbor struct {
	Addr      netip.Addr    `json:"dst"`
	MAC       MAC           `json:"lladdr"`
	HasMAC    bool          `json:"-"` // false for FAILED and INCOMPLETE entries
	Interface string        `json:"dev"`
	Index     int           `json:"ifindex"`
	State     NeighborState `json:"state"`
	// Router reports whether the neighbour said it is a router (the R flag
	// of an IPv6 Neighbor Advertisement; `ip neigh` prints "router").
	Router bool `json:"router,omitempty"`
	// Used, Confirmed and Updated are how long ago the entry was last used,
	// last confirmed reachable and last changed state (`ip -s neigh`), to
	// the kernel's clock tick (10ms).
	Used      time.Duration `json:"used_ns"`
	Confirmed time.Duration `json:"confirmed_ns"`
	Updated   time.Duration `json:"updated_ns"`
	// Probes is the number of probes sent since the entry was last
	// confirmed.
	Probes int `json:"probes"`
	// Refs is the kernel's reference count of the entry (`ip -s neigh`
	// prints it as "ref N" when it is not 0): routes and sockets holding it.
	Refs int `json:"refcnt,omitempty"`
}
