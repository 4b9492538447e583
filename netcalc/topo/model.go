package topo

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"sort"
	"sync"
)

// Kind is what a node is.
type Kind string

// Node kinds.
const (
	// Host is a network namespace with forwarding off (the default).
	Host Kind = "host"
	// Router is a namespace with net.ipv4.ip_forward and IPv6 forwarding
	// on.
	Router Kind = "router"
)

// IfaceKind is what kind of device an interface is.
type IfaceKind string

// Interface kinds.
const (
	Veth   IfaceKind = "veth"   // one end of a veth pair (a link)
	Bridge IfaceKind = "bridge" // a Linux bridge; its ports are interfaces of the same node
	Dummy  IfaceKind = "dummy"  // listed in the file but on no link: no carrier
)

// DefaultMTU is the MTU of an interface that does not set one.
const DefaultMTU = 1500

// Topology is a parsed topology file: the nodes (network namespaces) and the
// veth links between their interfaces. Nodes keep the file's order (generated
// nodes follow in generation order).
type Topology struct {
	Name  string  `json:"name"`
	Nodes []*Node `json:"nodes"`
	Links []*Link `json:"links"`
	// Generated reports whether a k8s block produced the nodes.
	Generated bool `json:"generated,omitempty"`
	// Notes are what Parse filled in that the user should hear about,
	// such as a nodePort the Services file left to allocate.
	Notes  []Note `json:"notes,omitempty"`
	byName map[string]*Node
}

// Node returns the node named name, or nil.
func (t *Topology) Node(name string) *Node { return t.byName[name] }

// NodeNames returns the names of the nodes in file order.
func (t *Topology) NodeNames() []string {
	names := make([]string, len(t.Nodes))
	for i, n := range t.Nodes {
		names[i] = n.Name
	}
	return names
}

// Select returns the node named name as a one-node list, or every node
// when name is ""; ok is false when there is no such node.
func (t *Topology) Select(name string) (nodes []*Node, ok bool) {
	if name == "" {
		return t.Nodes, true
	}
	if n := t.Node(name); n != nil {
		return []*Node{n}, true
	}
	return nil, false
}

// Node is one network namespace.
type Node struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Interfaces are the node's devices other than lo: those listed under
	// interfaces in file order, then the bridges, then interfaces created
	// by links.
	Interfaces []*Interface `json:"interfaces"`
	// Routes are the static routes of the file, in order.
	Routes []Route `json:"routes"`
	// Sysctls are the sysctls of the file (values as written).
	Sysctls map[string]string `json:"sysctls,omitempty"`
	// IPTables is the node's iptables-save text, verbatim.
	IPTables string `json:"iptables,omitempty"`
	// Line is the line of the node's key in the file (0 for generated
	// nodes).
	Line       int   `json:"line,omitempty"`
	RouteLines []int `json:"-"`
	// derived holds the connected routes (main), then the local table;
	// it is built on first use (routes), as a trace or an expand of a
	// generated cluster needs it for few nodes or none.
	derived     []Route
	derivedOnce sync.Once
	linkRoutes  []*Route // main-table routes without gateway, for linkRoute
	ifByName    map[string]*Interface
}

// Interface returns the node's interface named name (lo excluded), or nil.
func (n *Node) Interface(name string) *Interface { return n.ifByName[name] }

// Forwarding reports whether the node forwards packets of the family (4 or
// 6): kind router turns both on; sysctls net.ipv4.ip_forward,
// net.ipv4.conf.all.forwarding and net.ipv6.conf.all.forwarding override it.
func (n *Node) Forwarding(family int) bool {
	on := n.Kind == Router
	keys := []string{"net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding"}
	if family == 6 {
		keys = []string{"net.ipv6.conf.all.forwarding"}
	}
	for _, k := range keys {
		if v, ok := n.Sysctls[k]; ok {
			on = v != "0"
		}
	}
	return on
}

// RoutingTable returns the node's routing table as the kernel holds it: the main
// table (static routes, then the connected routes derived from the
// addresses: "NET/L dev D proto kernel scope link src A" for IPv4 (none for
// a /32), metric 256 for IPv6 (a /128 too), fe80::/64 on every interface) and the
// local table (local routes for each address and for lo, IPv4 broadcast
// routes, IPv6 subnet-router anycast routes when IPv6 forwarding is on,
// "multicast ff00::/8" per interface). Addresses on bridge ports count too:
// the kernel keeps their routes, although frames arriving on a port belong
// to the bridge. lo is up, with 127.0.0.1/8 and ::1.
// Each call returns a new slice.
func (n *Node) RoutingTable() []Route {
	derived := n.derivedRoutes()
	out := make([]Route, 0, len(n.Routes)+len(derived))
	out = append(out, n.Routes...)
	i := 0
	for i < len(derived) && derived[i].Table == "main" {
		i++
	}
	out = append(out, derived[:i]...)
	return append(out, derived[i:]...)
}

// each calls f for every route of the table (static then derived) until f
// returns false.
func (n *Node) each(f func(r *Route) bool) {
	for i := range n.Routes {
		if !f(&n.Routes[i]) {
			return
		}
	}
	derived := n.derivedRoutes()
	for i := range derived {
		if !f(&derived[i]) {
			return
		}
	}
}

// Interface is one device of a node.
type Interface struct {
	Name string    `json:"name"`
	Kind IfaceKind `json:"kind"`
	// Addrs are the configured addresses with their prefix lengths.
	Addrs []netip.Prefix `json:"addrs"`
	// LinkLocal is the IPv6 link-local address the kernel adds when the
	// interface comes up (EUI-64 of the MAC), with prefix fe80::/64; bridge
	// ports have one too.
	LinkLocal netip.Prefix `json:"link_local,omitzero"`
	MAC       MAC          `json:"mac"`
	MTU       int          `json:"mtu"`
	// Master is the bridge this interface is a port of, "" if none.
	Master string `json:"master,omitempty"`
	// Ports are a bridge's ports, in the file's order.
	Ports []string `json:"ports,omitempty"`
	// Hairpin reports whether a bridge port sends frames back out the
	// port they came in on (set on a bridge: all its ports).
	Hairpin bool `json:"hairpin,omitempty"`
	// Peer is the other end of the link, "node:iface", "" if none.
	Peer string `json:"peer,omitempty"`
	// Created reports whether the interface exists only because a link or
	// a bridge names it.
	Created bool `json:"created,omitempty"`
	// Path and Line locate the interface in the file ("" / 0 if created).
	Path string `json:"path,omitempty"`
	Line int    `json:"line,omitempty"`

	macSet, mtuSet bool
}

// Link is one veth pair between two interfaces.
type Link struct {
	Endpoints [2]Endpoint `json:"endpoints"`
	Line      int         `json:"line,omitempty"`
	Path      string      `json:"path,omitempty"`
}

// Endpoint names an interface of a node ("a:eth0").
type Endpoint struct {
	Node      string `json:"node"`
	Interface string `json:"interface"`
	Line      int    `json:"-"`
}

// String returns "node:iface".
func (e Endpoint) String() string { return e.Node + ":" + e.Interface }

// MAC is an Ethernet address. The zero MAC is 00:00:00:00:00:00.
type MAC [6]byte

// String returns the lower-case colon form.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// MarshalText returns String.
func (m MAC) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// DefaultMAC returns the MAC netcalc gives an interface that sets none: the
// first six bytes of SHA-256("node/iface") with the multicast bit cleared and
// the locally administered bit set, so it is stable across runs and unique
// in practice.
func DefaultMAC(node, iface string) MAC {
	sum := sha256.Sum256([]byte(node + "/" + iface))
	var m MAC
	copy(m[:], sum[:6])
	m[0] = m[0]&^0x01 | 0x02
	return m
}

// eui64LinkLocal returns fe80::/64 with the modified EUI-64 interface
// identifier of m (RFC 4291 appendix A).
func eui64LinkLocal(m MAC) netip.Prefix {
	var b [16]byte
	b[0], b[1] = 0xfe, 0x80
	b[8], b[9], b[10] = m[0]^0x02, m[1], m[2]
	b[11], b[12] = 0xff, 0xfe
	b[13], b[14], b[15] = m[3], m[4], m[5]
	return netip.PrefixFrom(netip.AddrFrom16(b), 64)
}

// derive fills in what the kernel and the file's defaults add: interfaces
// created by links and bridges, MACs, bridge MTUs, link-local addresses, the
// routing tables.
func (t *Topology) derive() {
	t.byName = make(map[string]*Node, len(t.Nodes))
	for _, n := range t.Nodes {
		t.byName[n.Name] = n
		n.index()
	}
	for _, l := range t.Links {
		for i, e := range l.Endpoints {
			n := t.byName[e.Node]
			if n == nil {
				continue // Check reports it
			}
			ifc := n.ifByName[e.Interface]
			if ifc == nil {
				ifc = &Interface{Name: e.Interface, Kind: Veth, Created: true}
				n.Interfaces = append(n.Interfaces, ifc)
				n.ifByName[ifc.Name] = ifc
			}
			if ifc.Kind == Dummy {
				ifc.Kind = Veth
			}
			if ifc.Peer == "" {
				ifc.Peer = l.Endpoints[1-i].String()
			}
		}
	}
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			if !ifc.macSet {
				ifc.MAC = DefaultMAC(n.Name, ifc.Name)
			}
			if !ifc.mtuSet && ifc.Kind != Bridge {
				ifc.MTU = DefaultMTU
			}
		}
		for _, br := range n.Interfaces {
			if br.Kind != Bridge {
				continue
			}
			min := 0
			for _, p := range br.Ports {
				if pi := n.ifByName[p]; pi != nil && pi.Kind != Bridge {
					pi.Master = br.Name
					pi.Hairpin = pi.Hairpin || br.Hairpin
					if min == 0 || pi.MTU < min {
						min = pi.MTU
					}
				}
			}
			if !br.mtuSet {
				br.MTU = DefaultMTU
				if min > 0 {
					br.MTU = min // a bridge takes the smallest MTU of its ports
				}
			}
		}
		for _, ifc := range n.Interfaces {
			if ifc.Kind != Dummy {
				ifc.LinkLocal = eui64LinkLocal(ifc.MAC) // none without carrier
			}
		}
	}
}

// derivedRoutes returns the routes the kernel derives from the node's
// addresses, building them on first use (after derive).
func (n *Node) derivedRoutes() []Route {
	n.derivedOnce.Do(func() { n.derived = n.deriveTable() })
	return n.derived
}

func (n *Node) index() {
	n.ifByName = make(map[string]*Interface, len(n.Interfaces))
	for _, ifc := range n.Interfaces {
		n.ifByName[ifc.Name] = ifc
	}
}

var (
	multicast6 = netip.MustParsePrefix("ff00::/8")
	loopback4  = netip.MustParsePrefix("127.0.0.1/8")
	loopback6  = netip.MustParsePrefix("::1/128")
)

func (n *Node) deriveTable() []Route {
	tab := make([]Route, 0, 4*len(n.Interfaces)+5)
	fwd6 := n.Forwarding(6)
	conn := func(dev string, a netip.Prefix) {
		if a.Addr().Is4() {
			if a.Bits() < 32 {
				tab = append(tab, Route{Type: Unicast, Dst: a.Masked(), Dev: dev, Src: a.Addr(), Scope: "link", Table: "main", Origin: Connected})
			}
			tab = append(tab, Route{Type: Local, Dst: netip.PrefixFrom(a.Addr(), 32), Dev: dev, Src: a.Addr(), Scope: "host", Table: "local", Origin: Connected})
			if a.Bits() < 31 {
				tab = append(tab, Route{Type: Broadcast, Dst: netip.PrefixFrom(lastAddr(a), 32), Dev: dev, Src: a.Addr(), Scope: "link", Table: "local", Origin: Connected})
			}
			return
		}
		// IPv6 adds the prefix route even for a /128 (IPv4 adds none for a /32).
		tab = append(tab, Route{Type: Unicast, Dst: a.Masked(), Dev: dev, Metric: 256, Scope: "link", Table: "main", Origin: Connected})
		tab = append(tab, Route{Type: Local, Dst: netip.PrefixFrom(a.Addr(), 128), Dev: dev, Scope: "host", Table: "local", Origin: Connected})
		if fwd6 && a.Bits() < 127 {
			tab = append(tab, Route{Type: Anycast, Dst: netip.PrefixFrom(a.Masked().Addr(), 128), Dev: dev, Scope: "link", Table: "local", Origin: Connected})
		}
	}
	tab = append(tab,
		Route{Type: Local, Dst: loopback4.Masked(), Dev: "lo", Src: loopback4.Addr(), Scope: "host", Table: "local", Origin: Connected},
		Route{Type: Local, Dst: netip.PrefixFrom(loopback4.Addr(), 32), Dev: "lo", Src: loopback4.Addr(), Scope: "host", Table: "local", Origin: Connected},
		Route{Type: Broadcast, Dst: netip.PrefixFrom(lastAddr(loopback4), 32), Dev: "lo", Src: loopback4.Addr(), Scope: "link", Table: "local", Origin: Connected},
		Route{Type: Local, Dst: loopback6, Dev: "lo", Scope: "host", Table: "local", Origin: Connected},
	)
	for _, ifc := range n.Interfaces {
		for _, a := range ifc.Addrs {
			conn(ifc.Name, a)
		}
		if ifc.LinkLocal.IsValid() {
			conn(ifc.Name, ifc.LinkLocal)
			tab = append(tab, Route{Type: Multicast, Dst: multicast6, Dev: ifc.Name, Metric: 256, Scope: "global", Table: "local", Origin: Connected})
		}
	}
	sort.SliceStable(tab, func(i, j int) bool { return tableOrder(tab[i]) < tableOrder(tab[j]) })
	return tab
}

func tableOrder(r Route) int {
	if r.Table == "local" {
		return 1
	}
	return 0
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
