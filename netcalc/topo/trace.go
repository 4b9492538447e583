package topo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/fib"
	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// Disposition is how a trace ends, named as Batfish names it: a
// packet.Reason code, so that the trace's end and the reason of the step
// that ended it are the same kind of value.
type Disposition = packet.Reason

// Dispositions.
const (
	Accepted            packet.Reason = "ACCEPTED"             // a node that owns the destination received it
	NoRoute             packet.Reason = "NO_ROUTE"             // no route matched
	NullRouted          packet.Reason = "NULL_ROUTED"          // a blackhole, unreachable or prohibit route matched
	NeighborUnreachable packet.Reason = "NEIGHBOR_UNREACHABLE" // nobody on the segment answered ARP/NDP for the next hop
	Denied              packet.Reason = "DENIED"               // a netfilter rule or policy dropped or rejected it
	ForwardingDisabled  packet.Reason = "FORWARDING_DISABLED"  // a node that does not forward received it for someone else
	Loop                packet.Reason = "LOOP"                 // the TTL (hop limit) ran out
)

// The reasons of the DROPPED step that ends a trace, finer than its
// disposition: the printer says each in words from the step's typed
// fields.
const (
	// ReasonNoRoute: no route matched Step.Addr (the destination).
	ReasonNoRoute packet.Reason = "no-route"
	// ReasonNullRoute: Step.Route is a blackhole, unreachable or
	// prohibit route.
	ReasonNullRoute packet.Reason = "null-route"
	// ReasonForwardingOff: the node does not forward the family of
	// Step.Addr (the destination); Detail is the sysctl as `sysctl`
	// prints it ("net.ipv4.ip_forward = 0").
	ReasonForwardingOff packet.Reason = "forwarding-off"
	// ReasonTTLExceeded: the TTL (hop limit) would drop to 0.
	ReasonTTLExceeded packet.Reason = "ttl-exceeded"
	// ReasonDenied: a netfilter rule or policy (Step.Hook, Table,
	// NFVerdict) dropped or rejected it.
	ReasonDenied packet.Reason = "denied"
	// ReasonNoDevice: the route's device (Step.Out) is not on the node.
	ReasonNoDevice packet.Reason = "no-device"
	// ReasonNoNeighbor: nobody on Step.Out's segment answers ARP/NDP for
	// Step.NextHop.
	ReasonNoNeighbor packet.Reason = "no-neighbor"
	// ReasonNoPeer: Step.Out is a veth end without a peer.
	ReasonNoPeer packet.Reason = "no-peer"
	// ReasonNotForDevice: the frame for Step.DstMAC reached Step.In,
	// which does not own that MAC.
	ReasonNotForDevice packet.Reason = "not-for-device"
	// ReasonNoBridgePort: no port of Step.Bridge leads to the destination
	// (Step.DstDev when the frame leaves the bridge device, else
	// Step.DstMAC).
	ReasonNoBridgePort packet.Reason = "no-bridge-port"
	// ReasonHairpinOff: the frame would go back out the bridge port it
	// came in on (Step.In), which is not in hairpin mode; Step.DNATed says
	// a DNAT at the bridge (br_netfilter) sent it back.
	ReasonHairpinOff packet.Reason = "hairpin-off"
)

// Step actions: the packet.Action codes of topo's steps.
const (
	ActOriginated  packet.Action = "ORIGINATED"  // the packet left a local socket
	ActReceived    packet.Action = "RECEIVED"    // a frame arrived on an interface
	ActBridged     packet.Action = "BRIDGED"     // a bridge learnt the source MAC and forwarded or flooded
	ActConntrack   packet.Action = "CONNTRACK"   // conntrack found or created the connection's entry
	ActNetfilter   packet.Action = "NETFILTER"   // one table at one hook: its verdict
	ActTransformed packet.Action = "TRANSFORMED" // NAT rewrote the packet
	ActRouted      packet.Action = "ROUTED"      // the route lookup chose a route
	ActForwarded   packet.Action = "FORWARDED"   // the TTL was decremented, the packet goes on
	ActResolved    packet.Action = "RESOLVED"    // ARP/NDP for the next hop was answered
	ActTransmitted packet.Action = "TRANSMITTED" // the frame left an interface
	ActAccepted    packet.Action = "ACCEPTED"    // delivered to a local socket
	ActDropped     packet.Action = "DROPPED"     // the step that ended the trace otherwise
)

// DefaultTTL is the TTL (IPv4) and hop limit (IPv6) of a new packet, as
// Linux sets it (net.ipv4.ip_default_ttl, hop_limit).
const DefaultTTL = 64

// Packet is the packet of a trace at one point. Its JSON has no protocol
// (a trace's protocol is its flow's).
type IPPacket struct {
	Src     netip.Addr      `json:"src"`
	Dst     netip.Addr      `json:"dst"`
	Proto   packet.Protocol `json:"-"`
	SrcPort uint16          `json:"sport,omitempty"` // for ICMP: the echo identifier
	DstPort uint16          `json:"dport,omitempty"`
	TTL     int             `json:"ttl"`
}

// String returns "proto SRC[:PORT] -> DST[:PORT] ttl N".
func (p IPPacket) String() string {
	ep := func(a netip.Addr, port uint16) string {
		if !a.IsValid() {
			return "(no address)" // no route: the kernel picked no source
		}
		if p.Proto == packet.TCP || p.Proto == packet.UDP {
			return netip.AddrPortFrom(a, port).String()
		}
		return a.String()
	}
	s := ProtoName(p.Proto) + " " + ep(p.Src, p.SrcPort) + " -> " + ep(p.Dst, p.DstPort)
	if p.Proto.IsICMP() {
		s += fmt.Sprintf(" id %d", p.SrcPort)
	}
	return s + fmt.Sprintf(" ttl %d", p.TTL)
}

// Tuple returns the packet as a packet.Tuple (for ICMP the source port is
// the echo identifier, the destination port 0).
func (p IPPacket) Tuple() packet.Tuple {
	t := packet.Tuple{Protocol: p.Proto, Src: netip.AddrPortFrom(p.Src, p.SrcPort), Dst: netip.AddrPortFrom(p.Dst, p.DstPort)}
	if p.Proto.IsICMP() {
		t.Dst = netip.AddrPortFrom(p.Dst, 0)
	}
	return t
}

// ProtoName names a protocol as the CLI takes it: ICMPv6 is "icmp", as a
// flow names it whatever its family.
func ProtoName(p packet.Protocol) string {
	switch p {
	case packet.ICMP, packet.ICMPv6:
		return "icmp"
	case packet.TCP, packet.UDP:
		return p.String()
	}
	return fmt.Sprint(uint8(p))
}

// Flow is what to trace: a packet that a process on node From sends to Dst.
type Flow struct {
	From string
	// Src is the source address; invalid lets the route lookup pick it,
	// as the kernel does for an unbound socket.
	Src netip.Addr
	Dst netip.Addr
	// Proto is packet.ICMP (an echo request; ICMPv6 for IPv6; the zero
	// Protocol means ICMP too), packet.TCP (a SYN) or packet.UDP.
	Proto packet.Protocol
	// SrcPort is the source port (the echo identifier for ICMP); DstPort
	// the destination port (none for ICMP).
	SrcPort, DstPort uint16
}

// Step is one thing that happened to the packet: a packet.Step (Node,
// Action, and for netfilter steps Hook, Table, Chain, Rule and Verdict;
// Reason for the DROPPED step; Before and After for NAT) with topo's
// typed extras. The words are the printer's: Detail is the object the
// step is about in the kernel's own syntax (a route as `ip route` prints
// it, a rule as iptables-save writes it, a conntrack entry as
// `conntrack -L` lists it), and the typed fields say the rest.
//
// Its JSON is {"hop","node","in","out","action","detail","packet"}
// (MarshalJSON): the fields a reader of one step needs.
type Step struct {
	packet.Step
	Hop    int
	In     string
	Out    string
	Detail string
	// Packet is the packet after the step when the step rewrote it (NAT)
	// and the packet that left the socket for ORIGINATED, nil otherwise.
	Packet *IPPacket

	// Routed: the chosen route and the candidates it beat (ranked).
	Route      *Route
	Candidates []Route
	// Netfilter: the rules walked and the verdict (Step.Verdict is its
	// kind's name).
	Rules     []netfilter.Step
	NFVerdict *netfilter.Verdict
	// Resolved: the next hop and who answered for it.
	NextHop  netip.Addr
	Owner    string // "node:iface"
	OwnerMAC MAC
	// Dropped: the address the step is about (the destination without a
	// route, or of the family a node does not forward), and the frame's
	// destination MAC and device where a frame went astray.
	Addr   netip.Addr
	DstMAC MAC
	DstDev string
	// Bridged: the bridge, whether the destination was known (else
	// flooded), whether the frame went back out its input port, and
	// whether a DNAT at the bridge (br_netfilter) sent it there.
	Bridge  string
	Known   bool
	Hairpin bool
	DNATed  bool
	// Conntrack: whether the entry is new, the direction of the packet and
	// the entry.
	New   bool
	Reply bool
	Conn  *Conn
	// Transformed: a source NAT rule draws the port at random
	// (--random, --random-fully): the port shown is one draw.
	RandomPort bool
}

// stepJSON is Step's JSON form.
type stepJSON struct {
	Hop    int           `json:"hop"`
	Node   string        `json:"node"`
	In     string        `json:"in,omitempty"`
	Out    string        `json:"out,omitempty"`
	Action packet.Action `json:"action"`
	Detail string        `json:"detail,omitempty"`
	Packet *IPPacket     `json:"packet,omitempty"`
}

// MarshalJSON writes {"hop","node","in","out","action","detail","packet"}.
func (s Step) MarshalJSON() ([]byte, error) {
	return json.Marshal(stepJSON{Hop: s.Hop, Node: s.Node, In: s.In, Out: s.Out, Action: s.Action, Detail: s.Detail, Packet: s.Packet})
}

// Neighbor is a neighbour table entry a trace makes: Node's Dev learnt
// that Addr is at MAC.
type Neighbor struct {
	Node string     `json:"node"`
	Dev  string     `json:"dev"`
	Addr netip.Addr `json:"addr"`
	MAC  MAC        `json:"mac"`
}

// NodeConn is a conntrack entry and the node that holds it.
type NodeConn struct {
	Node string `json:"node"`
	Conn Conn   `json:"conn"`
	// RandomPort says a source NAT rule (of this node or one before) chose
	// the source port at random (--random, --random-fully): the port
	// after that NAT is the kernel's draw, not the one shown.
	RandomPort bool `json:"random_port,omitempty"`
}

// Trace is the walk of one packet: how it ended (Disposition, a
// packet.Reason code: Accepted, NoRoute, ...), its steps, the nodes it
// went through and the packet at the end.
type Trace struct {
	Flow        Flow        `json:"-"`
	Disposition Disposition `json:"disposition"`
	Steps       []Step      `json:"steps"`
	// Path lists the nodes the packet went through, in order.
	Path []string `json:"path"`
	// Packet is the packet at the end of the walk.
	Packet IPPacket `json:"packet"`
	// At is the node where the walk ended.
	At string `json:"-"`
	// Neighbors and Conns are what the walk left in the neighbour and
	// conntrack tables.
	Neighbors []Neighbor `json:"-"`
	Conns     []NodeConn `json:"-"`
}

// RuleError is a netfilter rule the trace cannot evaluate, or a NAT it
// cannot apply, with the node.
type RuleError struct {
	Node string
	Err  error
}

// Error returns "node NODE: iptables TABLE table, chain CHAIN, rule N:
// WHAT: ERR[: DETAIL]" for a rule the walker cannot evaluate, else "node
// NODE: iptables: ..." with the parse or NAT error.
func (e *RuleError) Error() string {
	var we *netfilter.WalkError
	var pe *netfilter.ParseError
	var ne *NATError
	switch {
	case errors.As(e.Err, &we):
		s := fmt.Sprintf("node %s: iptables %s table, chain %s", e.Node, we.Table, we.Chain)
		if we.Rule >= 0 {
			s += fmt.Sprintf(", rule %d", we.Rule+1)
		}
		s += ": " + quote(we.What) + ": " + we.Err.Error()
		if we.Detail != "" {
			s += ": " + we.Detail
		}
		return s
	case errors.As(e.Err, &pe):
		return fmt.Sprintf("node %s: iptables: %s", e.Node, pe.Message())
	case errors.As(e.Err, &ne):
		return fmt.Sprintf("node %s: iptables: %s: %s has no address of the packet's family", e.Node, ne.Target, ne.Dev)
	}
	return fmt.Sprintf("node %s: iptables: %v", e.Node, e.Err)
}

// Unwrap returns Err.
func (e *RuleError) Unwrap() error { return e.Err }

// NATError is a source NAT the trace cannot apply: Target (SNAT,
// MASQUERADE) found no address of the packet's family on Dev.
type NATError struct {
	Target string
	Dev    string
}

func (e *NATError) Error() string {
	return "topo: " + e.Target + ": " + e.Dev + " has no address of the packet's family"
}

// Sim is the simulated network: the topology and the state traces leave
// in it (conntrack entries, neighbour and bridge tables). Traces through
// one Sim see each other's state, so a reply finds its request's entries.
type Sim struct {
	T *Topology
	// BridgeNetfilter says the br_netfilter module is loaded: frames a
	// bridge forwards between its ports go through iptables (PREROUTING,
	// FORWARD and POSTROUTING, with -i and -o the bridge) on nodes whose
	// net.bridge.bridge-nf-call-iptables (ip6tables for IPv6) is not set
	// to 0, as Kubernetes nodes need. Default false: the module is not
	// loaded, as on a fresh machine.
	BridgeNetfilter bool

	nodes map[string]*simNode
	rng   *rand.Rand
	src   *rand.PCG
	seed  uint64
	// touched lists the nodes traces entered since NewSim or Reset: the
	// only ones whose state Reset has to clear.
	touched []*simNode
}

type simNode struct {
	n      *Node
	fib    fib.State // built on first use: table()
	fibOK  bool
	rules  [2]*netfilter.Ruleset // [0] IPv4, [1] IPv6
	walker [2]*netfilter.Walker
	track  [2]bool
	ct     ctTable
	fdb    map[string]map[MAC]string // bridge -> MAC -> port
	// touched says the node is in Sim.touched.
	touched bool
}

// NewSim prepares t for tracing: each node's forwarding table and parsed
// iptables rules. seed seeds the statistic match's random draws. A node's
// iptables text that does not parse is an error naming the node.
func NewSim(t *Topology, seed uint64) (*Sim, error) {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	s := &Sim{T: t, nodes: make(map[string]*simNode, len(t.Nodes)), rng: rand.New(src), src: src, seed: seed}
	type parsedRules struct {
		rs    *netfilter.Ruleset
		fam   int
		track bool
	}
	parsed := map[string]parsedRules{}
	for _, n := range t.Nodes {
		sn := &simNode{n: n, fdb: map[string]map[MAC]string{}}
		if strings.TrimSpace(n.IPTables) != "" {
			// Nodes with the same text (a generated cluster's kube-proxy
			// rules) share one parsed, read-only ruleset.
			p, ok := parsed[n.IPTables]
			if !ok {
				rs, err := netfilter.ParseString(n.IPTables)
				if err != nil {
					return nil, &RuleError{Node: n.Name, Err: err}
				}
				p = parsedRules{rs: rs, track: tracks(rs)}
				if rulesAreIPv6(n.IPTables) {
					p.fam = 1
				}
				parsed[n.IPTables] = p
			}
			sn.rules[p.fam] = p.rs
			sn.track[p.fam] = p.track
		}
		for fam := range 2 {
			sn.walker[fam] = &netfilter.Walker{Rules: sn.rules[fam], AddrType: sn.addrType, Random: s.rng.Float64, Recent: &netfilter.Recent{}}
		}
		s.nodes[n.Name] = sn
	}
	return s, nil
}

// Reset forgets what earlier traces left in the network (conntrack
// entries, bridge FDBs, the recent match's lists) and restarts the random
// sequence from the seed, so that the next trace walks as the first trace
// of a new Sim with the same seed would, without parsing the topology,
// the forwarding tables or the iptables rules again. Its cost is that of
// the nodes the traces since the last Reset entered.
func (s *Sim) Reset() {
	for _, sn := range s.touched {
		sn.touched = false
		sn.ct.conns = sn.ct.conns[:0]
		clear(sn.fdb)
		for _, wk := range sn.walker {
			if wk != nil && wk.Recent != nil {
				*wk.Recent = netfilter.Recent{}
			}
		}
	}
	s.touched = s.touched[:0]
	s.src.Seed(s.seed, s.seed^0x9e3779b97f4a7c15)
}

// enter notes that a trace entered sn, for Reset.
func (s *Sim) enter(sn *simNode) {
	if sn != nil && !sn.touched {
		sn.touched = true
		s.touched = append(s.touched, sn)
	}
}

// rulesAreIPv6 reports whether iptables text is ip6tables text: it names
// IPv6 addresses (the rule `netcalc topo up` uses to pick
// ip6tables-restore).
func rulesAreIPv6(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			switch f[i] {
			case "-s", "-d", "--source", "--destination", "--to-destination", "--to-source":
				if strings.Count(f[i+1], ":") >= 2 {
					return true
				}
			}
		}
	}
	return false
}

// tracks reports whether a ruleset makes the kernel track connections in
// its namespace: a nat table, or a conntrack or state match.
func tracks(rs *netfilter.Ruleset) bool {
	if rs.Table("nat") != nil {
		return true
	}
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			for i := range c.Rules {
				if _, ok := c.Rules[i].Match("conntrack"); ok {
					return true
				}
				if _, ok := c.Rules[i].Match("state"); ok {
					return true
				}
			}
		}
	}
	return false
}

// table is the node's forwarding table, converted on first use: a trace
// through a 31,000-node cluster touches a handful of nodes, and building
// every node's table up front was most of its time and memory.
func (sn *simNode) table() *fib.State {
	if !sn.fibOK {
		sn.fib, sn.fibOK = nodeFIB(sn.n), true
	}
	return &sn.fib
}

// nodeFIB converts a node's tables into the routing model.
func nodeFIB(n *Node) fib.State {
	var ft fib.State
	ft.Interfaces = append(ft.Interfaces, fib.Interface{Index: 1, Name: "lo", Up: true, Loopback: true, MTU: 65536})
	for i, ifc := range n.Interfaces {
		ft.Interfaces = append(ft.Interfaces, fib.Interface{Index: i + 2, Name: ifc.Name, MAC: fib.MAC(ifc.MAC), HasMAC: true, MTU: ifc.MTU, Up: true, Addrs: ifc.Addrs})
	}
	tab := n.RoutingTable()
	for _, r := range tab {
		fr := fib.Route{Dst: r.Dst, Type: fib.RouteType(r.Type), Gateway: r.Via, Interface: r.Dev, Source: r.Src, Metric: int(r.Metric), Scope: r.Scope, Table: fib.TableMain}
		if r.Table == "local" {
			fr.Table = fib.TableLocal
		}
		if r.Origin == Connected {
			fr.Protocol = "kernel"
		}
		if fr.Interface == "" && r.Via.IsValid() {
			fr.Interface = gatewayDev(tab, r.Via)
		}
		ft.Routes = append(ft.Routes, fr)
	}
	return ft
}

// gatewayDev is the interface whose link-scope route covers gw (longest
// prefix), as the kernel picks a route's device from its gateway.
func gatewayDev(tab []Route, gw netip.Addr) string {
	best, dev := -1, ""
	for _, r := range tab {
		if r.Table == "main" && !r.Via.IsValid() && r.Dev != "" && r.Type == Unicast && r.Dst.Contains(gw) && r.Dst.Bits() > best {
			best, dev = r.Dst.Bits(), r.Dev
		}
	}
	return dev
}

// addrType is the addrtype match's view of an address on this node: the
// type of the local-table route for it, else UNICAST.
func (sn *simNode) addrType(a netip.Addr) netfilter.AddrType {
	for _, r := range sn.table().Routes {
		if r.Table == fib.TableLocal && r.Dst.Contains(a) && (r.Dst.IsSingleIP() || r.Type == fib.Multicast || r.Dst.Bits() < a.BitLen()) {
			switch r.Type {
			case fib.Local:
				return netfilter.AddrLocal
			case fib.Broadcast:
				return netfilter.AddrBroadcast
			case fib.Anycast:
				return netfilter.AddrAnycast
			case fib.Multicast:
				return netfilter.AddrMulticast
			}
		}
	}
	if a.IsMulticast() {
		return netfilter.AddrMulticast
	}
	return netfilter.AddrUnicast
}

func famIdx(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// owns reports whether the node has address a (any interface or lo).
func (sn *simNode) owns(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	for _, ifc := range sn.n.Interfaces {
		for _, p := range ifc.Addrs {
			if p.Addr() == a {
				return true
			}
		}
		if ifc.LinkLocal.IsValid() && ifc.LinkLocal.Addr() == a.WithZone("") {
			return true
		}
	}
	return false
}

// ifaceOwns reports whether the interface itself holds a.
func ifaceOwns(ifc *Interface, a netip.Addr) bool {
	for _, p := range ifc.Addrs {
		if p.Addr() == a {
			return true
		}
	}
	return ifc.LinkLocal.IsValid() && ifc.LinkLocal.Addr() == a.WithZone("")
}

// walkState is one trace in progress.
type walkState struct {
	s     *Sim
	tr    *Trace
	hop   int
	pkt   IPPacket
	reply bool // the packet answers an earlier one (echo reply, SYN-ACK)
	// ct and dir are the conntrack entry of the packet on the current
	// node (-1: none) and its direction (0 original, 1 reply); dnat is set
	// once a DNAT rule of this node rewrote it.
	ct, dir int
	dnat    bool
	random  bool   // a source NAT rule of this node draws the port
	mark    uint32 // the packet mark (skb->mark); a veth crossing clears it
	drawn   bool   // the source port was drawn at random by a node before
}

func (w *walkState) add(st Step) *Step {
	st.Hop = w.hop
	w.tr.Steps = append(w.tr.Steps, st)
	return &w.tr.Steps[len(w.tr.Steps)-1]
}

func (w *walkState) end(d Disposition, node string) *Trace {
	w.tr.Disposition = d
	w.tr.Packet = w.pkt
	w.tr.At = node
	return w.tr
}

// maxSteps bounds the frames of one layer-2 crossing whatever the TTL.
const maxSteps = 10000

// Trace walks f through the network.
func (s *Sim) Trace(f Flow) (*Trace, error) {
	return s.trace(f, false)
}

// Reply walks the answer to tr's packet back from where tr was accepted:
// an echo reply, a SYN-ACK or a UDP datagram from the destination's
// address and port to the source's, through the conntrack entries tr
// left (de-NAT). tr must be ACCEPTED.
func (s *Sim) Reply(tr *Trace) (*Trace, error) {
	if tr.Disposition != Accepted {
		return nil, &FlowError{Field: "reply", Token: string(tr.Disposition), Want: "the request was not accepted: there is nothing to reply to"}
	}
	p := tr.Packet
	f := Flow{From: tr.At, Src: p.Dst, Dst: p.Src, Proto: tr.Flow.Proto, SrcPort: p.DstPort, DstPort: p.SrcPort}
	if p.Proto.IsICMP() {
		f.SrcPort, f.DstPort = p.SrcPort, 0
	}
	return s.trace(f, true)
}

func (s *Sim) trace(f Flow, reply bool) (*Trace, error) {
	sn := s.nodes[f.From]
	if sn == nil {
		return nil, &FlowError{Field: "from", Token: f.From, Missing: f.From == "", Want: WantNode}
	}
	if !f.Dst.IsValid() {
		return nil, &FlowError{Field: "to", Missing: true, Want: "want a destination address"}
	}
	f.Dst = f.Dst.Unmap()
	pkt := IPPacket{Dst: f.Dst, SrcPort: f.SrcPort, DstPort: f.DstPort, TTL: DefaultTTL}
	switch pkt.Proto = f.protocol(); pkt.Proto {
	case packet.ICMP:
		if f.Dst.Is6() {
			pkt.Proto = packet.ICMPv6
		}
		pkt.DstPort = 0
	case packet.TCP, packet.UDP:
	default:
		return nil, &FlowError{Field: "proto", Token: f.Proto.String(), Want: "want icmp, tcp or udp"}
	}
	if f.Src.IsValid() {
		if f.Src.Unmap().Is4() != f.Dst.Is4() {
			return nil, &FlowError{Field: "src", Token: f.Src.String(), Want: "want an address of the destination's family"}
		}
		pkt.Src = f.Src.Unmap()
	}
	w := &walkState{s: s, tr: &Trace{Flow: f}, hop: 1, pkt: pkt, reply: reply}
	return w.originate(sn)
}

// originate is a locally generated packet: route lookup, OUTPUT,
// POSTROUTING, transmission.
func (w *walkState) originate(sn *simNode) (*Trace, error) {
	name := sn.n.Name
	w.s.enter(sn)
	w.tr.Path = append(w.tr.Path, name)
	dec := sn.table().Lookup(fib.Query{Dst: w.pkt.Dst, Src: w.pkt.Src})
	if !w.pkt.Src.IsValid() && dec.OK() {
		w.pkt.Src = sn.sourceFor(dec.Route, w.pkt.Dst)
	}
	w.add(Step{Step: packet.Step{Node: name, Action: ActOriginated}, Detail: w.pkt.String(), Packet: ptr(w.pkt)})
	if d, done := w.routed(sn, dec, ""); done {
		return w.end(d, name), nil
	}
	route := dec.Route
	// OUTPUT: conntrack, raw, mangle, nat (new connections), filter.
	orig := w.pkt
	d, err := w.hook(sn, netfilter.Output, "", route.Interface)
	if err != nil || d != "" {
		return w.end(d, name), err
	}
	if w.pkt.Dst != orig.Dst {
		// DNAT at OUTPUT: the kernel routes again.
		dec = sn.table().Lookup(fib.Query{Dst: w.pkt.Dst, Src: w.pkt.Src, Mark: w.mark})
		if d, done := w.routed(sn, dec, ""); done {
			return w.end(d, name), nil
		}
		route = dec.Route
	}
	if route.Type == fib.Local {
		// To itself: out lo, back in at PREROUTING... kept short: the
		// packet is delivered through INPUT.
		if d, err := w.hook(sn, netfilter.Postrouting, "", "lo"); err != nil || d != "" {
			return w.end(d, name), err
		}
		return w.deliver(sn, "lo", orig)
	}
	return w.output(sn, route, orig, "")
}

// routed records a route decision; done reports that the walk ended.
func (w *walkState) routed(sn *simNode, dec fib.Decision, in string) (Disposition, bool) {
	name := sn.n.Name
	if !dec.OK() {
		if dec.Decided >= 0 {
			r := fromFIB(dec.Route)
			w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonNullRoute}, In: in, Detail: r.String(), Route: &r, Candidates: fromFIBs(dec.Candidates)})
			return NullRouted, true
		}
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonNoRoute}, In: in, Addr: w.pkt.Dst})
		return NoRoute, true
	}
	r := fromFIB(dec.Route)
	var losers []Route
	for i, c := range dec.Candidates {
		if i != dec.Winner {
			losers = append(losers, fromFIB(c))
		}
	}
	w.add(Step{Step: packet.Step{Node: name, Action: ActRouted}, In: in, Out: dec.Route.Interface, Detail: r.String(), Route: &r, Candidates: losers})
	return "", false
}

func ptr[T any](v T) *T { return &v }

// fromFIB turns a model route back into `ip route` terms.
func fromFIB(r fib.Route) Route {
	tr := Route{Type: RouteType(r.Type), Dst: r.Dst, Via: r.Gateway, Dev: r.Interface, Src: r.Source, Metric: uint32(r.Metric), Scope: r.Scope, Table: "main", Origin: Static}
	if r.Table == fib.TableLocal {
		tr.Table = "local"
	}
	if r.Protocol == "kernel" {
		tr.Origin = Connected
	}
	return tr
}

func fromFIBs(rs []fib.Route) []Route {
	var out []Route
	for _, r := range rs {
		out = append(out, fromFIB(r))
	}
	return out
}

// sourceFor picks the source address of a locally generated packet: the
// route's src, else an address of the output device in the family (one
// whose subnet holds the next hop first, global before link-local), else
// any address of the node in the family.
func (sn *simNode) sourceFor(r fib.Route, dst netip.Addr) netip.Addr {
	if r.Source.IsValid() {
		return r.Source
	}
	nh := dst
	if r.Gateway.IsValid() {
		nh = r.Gateway
	}
	if r.Type == fib.Local {
		return dst
	}
	pick := func(ifc *Interface) netip.Addr {
		var first netip.Addr
		for _, p := range ifc.Addrs {
			if p.Addr().Is4() != dst.Is4() {
				continue
			}
			if p.Contains(nh) {
				return p.Addr()
			}
			if !first.IsValid() {
				first = p.Addr()
			}
		}
		if !first.IsValid() && dst.Is6() && dst.IsLinkLocalUnicast() && ifc.LinkLocal.IsValid() {
			return ifc.LinkLocal.Addr()
		}
		return first
	}
	if ifc := sn.n.Interface(r.Interface); ifc != nil {
		if a := pick(ifc); a.IsValid() {
			return a
		}
	}
	for _, ifc := range sn.n.Interfaces {
		if a := pick(ifc); a.IsValid() {
			return a
		}
	}
	if dst.Is4() {
		return netip.MustParseAddr("127.0.0.1")
	}
	return netip.IPv6Loopback()
}

// hook runs the tables of one hook. ct is the conntrack entry index found
// so far (-1: not yet looked up). It returns the entry index and a
// disposition when the packet was dropped.
func (w *walkState) hook(sn *simNode, h netfilter.Hook, in, out string) (Disposition, error) {
	fam := famIdx(w.pkt.Dst)
	name := sn.n.Name
	if h == netfilter.Prerouting || h == netfilter.Output {
		w.ct, w.dir, w.dnat, w.random, w.mark = -1, 0, false, false, 0
		if sn.track[fam] {
			w.ct, w.dir = sn.ct.lookup(w.pkt)
			st := Step{Step: packet.Step{Node: name, Action: ActConntrack, Hook: string(h)}, In: in, Out: out, New: w.ct < 0, Reply: w.dir == 1}
			if w.ct >= 0 {
				c := sn.ct.conns[w.ct]
				st.Conn = &c
				st.Detail = c.String()
			} else {
				st.Detail = "new connection"
			}
			w.add(st)
		}
	}
	ct := w.ct
	state := netfilter.CTNew
	if ct >= 0 {
		state = netfilter.CTEstablished
		c := sn.ct.conns[ct]
		if c.Reply.Src != c.Orig.Dst {
			state |= netfilter.CTDNAT
		}
		if c.Reply.Dst != c.Orig.Src {
			state |= netfilter.CTSNAT
		}
		// An existing entry's NAT applies instead of the nat table.
		w.ctNAT(sn, h, ct, w.dir, in, out)
	} else if w.dnat {
		state |= netfilter.CTDNAT
	}
	for _, ht := range netfilter.Tables(h) {
		rs := sn.rules[fam]
		if rs == nil || rs.Table(ht.Table) == nil {
			continue
		}
		if ht.NAT != netfilter.NoNAT && ct >= 0 {
			continue // nat sees only the first packet of a connection
		}
		p := netfilter.Packet{Src: w.pkt.Src, Dst: w.pkt.Dst, Proto: w.pkt.Proto, SrcPort: w.pkt.SrcPort, DstPort: w.pkt.DstPort, In: in, Out: out, State: state, Mark: w.mark}
		if w.pkt.Proto.IsICMP() {
			p.SrcPort, p.DstPort = 0, 0
		}
		res, err := sn.walker[fam].Walk(ht.Table, h, p)
		if err != nil {
			return "", &RuleError{Node: name, Err: err}
		}
		w.mark = res.Packet.Mark
		v := res.Verdict
		st := Step{Step: packet.Step{Node: name, Action: ActNetfilter, Hook: string(h), Table: ht.Table, Chain: v.Chain, Verdict: v.Kind.String()}, In: in, Out: out, Rules: res.Steps, NFVerdict: &v}
		st.Rule, st.Depth = decidingRule(res)
		st.Detail = verdictDetail(h, ht.Table, res)
		w.add(st)
		switch v.Kind {
		case netfilter.VerdictDrop, netfilter.VerdictReject:
			w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Hook: string(h), Table: ht.Table, Chain: st.Chain, Depth: st.Depth, Rule: st.Rule, Verdict: v.Kind.String(), Reason: ReasonDenied}, In: in, Out: out, Detail: st.Detail, NFVerdict: &v})
			return Denied, nil
		case netfilter.VerdictDNAT, netfilter.VerdictRedirect, netfilter.VerdictSNAT, netfilter.VerdictMasquerade:
			before := w.pkt
			if err := w.applyNAT(sn, v, in, out); err != nil {
				return "", &RuleError{Node: name, Err: err}
			}
			if _, ok := v.Target.Option("--random-fully"); ok {
				w.random = true
			}
			if _, ok := v.Target.Option("--random"); ok && (v.Kind == netfilter.VerdictSNAT || v.Kind == netfilter.VerdictMasquerade) {
				w.random = true
			}
			if v.Kind == netfilter.VerdictDNAT || v.Kind == netfilter.VerdictRedirect {
				w.dnat = true
				state |= netfilter.CTDNAT
			}
			w.add(Step{Step: packet.Step{Node: name, Action: ActTransformed, Hook: string(h), Table: ht.Table, Chain: st.Chain, Depth: st.Depth, Rule: st.Rule, Verdict: st.Verdict, Before: ptr(before.Tuple()), After: ptr(w.pkt.Tuple())}, In: in, Out: out, Detail: v.Kind.String(), Packet: ptr(w.pkt), NFVerdict: &v,
				RandomPort: w.random && (v.Kind == netfilter.VerdictSNAT || v.Kind == netfilter.VerdictMasquerade)})
		}
	}
	return "", nil
}

// decidingRule is the deciding rule of a walk as iptables-save writes it
// and its depth (jumps from the built-in chain); "", 0 for a policy.
func decidingRule(res netfilter.Result) (string, int) {
	if res.Verdict.Policy {
		return "", 0
	}
	for i := len(res.Steps) - 1; i >= 0; i-- {
		if st := res.Steps[i]; st.Action == netfilter.ActionVerdict {
			return st.Text, st.Depth
		}
	}
	return "", 0
}

// verdictDetail is "hook table chain rule N: TARGET" or the policy.
func verdictDetail(h netfilter.Hook, table string, res netfilter.Result) string {
	v := res.Verdict
	if v.Policy {
		pol := "ACCEPT"
		for i := len(res.Steps) - 1; i >= 0; i-- {
			if res.Steps[i].Action == netfilter.ActionPolicy {
				if res.Steps[i].Target != "" {
					pol = res.Steps[i].Target
				}
				break
			}
		}
		return fmt.Sprintf("%s %s: policy %s", table, h, pol)
	}
	for i := len(res.Steps) - 1; i >= 0; i-- {
		if st := res.Steps[i]; st.Action == netfilter.ActionVerdict {
			return fmt.Sprintf("%s %s: %s", table, h, st.Text)
		}
	}
	return fmt.Sprintf("%s %s: %s", table, h, v.Kind)
}

// applyNAT rewrites the packet as a NAT verdict says.
func (w *walkState) applyNAT(sn *simNode, v netfilter.Verdict, in, out string) error {
	switch v.Kind {
	case netfilter.VerdictDNAT:
		if v.To.MinAddr.IsValid() {
			w.pkt.Dst = v.To.MinAddr
		}
		if v.To.MinPort != 0 {
			w.pkt.DstPort = v.To.MinPort
		}
	case netfilter.VerdictRedirect:
		a := netip.MustParseAddr("127.0.0.1")
		if w.pkt.Dst.Is6() {
			a = netip.IPv6Loopback()
		}
		if ifc := sn.n.Interface(in); ifc != nil {
			for _, p := range ifc.Addrs {
				if p.Addr().Is4() == w.pkt.Dst.Is4() {
					a = p.Addr()
					break
				}
			}
		}
		w.pkt.Dst = a
		if v.To.MinPort != 0 {
			w.pkt.DstPort = v.To.MinPort
		}
	case netfilter.VerdictSNAT, netfilter.VerdictMasquerade:
		lo, hi := v.To.MinAddr, v.To.MaxAddr
		masq := v.Kind == netfilter.VerdictMasquerade
		if masq || !lo.IsValid() {
			dec := sn.table().Lookup(fib.Query{Dst: w.pkt.Dst, Oif: out})
			r := fib.Route{Interface: out}
			if dec.OK() {
				r = dec.Route
			}
			r.Source = netip.Addr{}
			lo = sn.sourceFor(r, w.pkt.Dst)
			hi = lo
		}
		if !hi.IsValid() {
			hi = lo
		}
		if !lo.IsValid() || lo.Is4() != w.pkt.Dst.Is4() {
			return &NATError{Target: v.Kind.String(), Dev: out}
		}
		mode := portsPreserve
		if _, ok := v.Target.Option("--random-fully"); ok {
			mode = portsRandomFully
		} else if _, ok := v.Target.Option("--random"); ok {
			mode = portsRandom
		}
		maxPort := v.To.MaxPort
		if maxPort == 0 {
			maxPort = v.To.MinPort
		}
		ap, err := sn.ct.chooseSource(w.pkt, masq, lo, hi, v.To.MinPort, maxPort, mode, w.s.rng.Uint32)
		if err != nil {
			return err
		}
		w.pkt.Src, w.pkt.SrcPort = ap.Addr(), ap.Port()
	}
	return nil
}

// ctNAT applies an existing entry's translation at hook h: destination
// manipulations before routing (PREROUTING, OUTPUT), source ones after
// (POSTROUTING, INPUT).
func (w *walkState) ctNAT(sn *simNode, h netfilter.Hook, ct, dir int, in, out string) {
	before := w.pkt
	dstHook := h == netfilter.Prerouting || h == netfilter.Output
	if h == netfilter.Forward {
		return
	}
	osrc, odst := sn.ct.orig(ct)
	rsrc, rdst := sn.ct.replyTuple(ct)
	icmp := w.pkt.Proto.IsICMP()
	set := func(a *netip.Addr, port *uint16, to netip.AddrPort) {
		*a = to.Addr()
		if !icmp {
			*port = to.Port()
		}
	}
	if dir == 1 { // reply: back to the original endpoints
		if dstHook && (w.pkt.Dst != osrc.Addr() || (!icmp && w.pkt.DstPort != osrc.Port())) {
			set(&w.pkt.Dst, &w.pkt.DstPort, osrc)
		}
		if !dstHook && (w.pkt.Src != odst.Addr() || (!icmp && w.pkt.SrcPort != odst.Port())) {
			set(&w.pkt.Src, &w.pkt.SrcPort, odst)
		}
	} else { // the original direction again: as the first packet was
		if dstHook && w.pkt.Dst != rsrc.Addr() {
			set(&w.pkt.Dst, &w.pkt.DstPort, rsrc)
		}
		if !dstHook && w.pkt.Src != rdst.Addr() {
			set(&w.pkt.Src, &w.pkt.SrcPort, rdst)
		}
	}
	if w.pkt != before {
		w.add(Step{Step: packet.Step{Node: sn.n.Name, Action: ActTransformed, Hook: string(h), Before: ptr(before.Tuple()), After: ptr(w.pkt.Tuple())}, In: in, Out: out, Detail: "conntrack", Packet: ptr(w.pkt), Reply: dir == 1})
	}
}

// confirm inserts a new conntrack entry (the kernel confirms at the end of
// POSTROUTING or INPUT), or marks an entry replied.
func (w *walkState) confirm(sn *simNode, orig IPPacket) {
	if !sn.track[famIdx(orig.Dst)] {
		return
	}
	if w.ct >= 0 {
		if w.dir == 1 {
			sn.ct.replied(w.ct)
		}
		return
	}
	c := sn.ct.add(orig, w.pkt)
	w.tr.Conns = append(w.tr.Conns, NodeConn{Node: sn.n.Name, Conn: c, RandomPort: w.random || w.drawn})
	if w.random {
		w.drawn = true
	}
}

// deliver is local delivery: INPUT, then the socket.
func (w *walkState) deliver(sn *simNode, in string, orig IPPacket) (*Trace, error) {
	name := sn.n.Name
	if d, err := w.hook(sn, netfilter.Input, in, ""); err != nil || d != "" {
		return w.end(d, name), err
	}
	w.confirm(sn, orig)
	w.add(Step{Step: packet.Step{Node: name, Action: ActAccepted}, In: in, Detail: w.pkt.Dst.String()})
	return w.end(Accepted, name), nil
}

// output is POSTROUTING, next-hop resolution and transmission out of
// route's device; then the frame crosses the segment.
func (w *walkState) output(sn *simNode, route fib.Route, orig IPPacket, in string) (*Trace, error) {
	name := sn.n.Name
	out := route.Interface
	if d, err := w.hook(sn, netfilter.Postrouting, in, out); err != nil || d != "" {
		return w.end(d, name), err
	}
	// Conntrack confirms the entry at the end of POSTROUTING, before the
	// neighbour lookup.
	w.confirm(sn, orig)
	nh := w.pkt.Dst
	if route.Gateway.IsValid() {
		nh = route.Gateway
	}
	ifc := sn.n.Interface(out)
	if ifc == nil {
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonNoDevice}, Out: out})
		return w.end(NeighborUnreachable, name), nil
	}
	owner, ownerIf := w.s.resolve(sn.n, ifc, nh)
	if owner == nil {
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonNoNeighbor}, Out: out, NextHop: nh})
		return w.end(NeighborUnreachable, name), nil
	}
	w.tr.Neighbors = append(w.tr.Neighbors, Neighbor{Node: name, Dev: out, Addr: nh, MAC: ownerIf.MAC})
	w.add(Step{Step: packet.Step{Node: name, Action: ActResolved}, Out: out, Detail: nh.String() + " is at " + ownerIf.MAC.String() + " (" + owner.Name + ":" + ownerIf.Name + ")", NextHop: nh, Owner: owner.Name + ":" + ownerIf.Name, OwnerMAC: ownerIf.MAC})
	w.add(Step{Step: packet.Step{Node: name, Action: ActTransmitted}, Out: out, Detail: out})
	return w.cross(sn, ifc, ownerIf, owner)
}

// resolve finds who answers ARP (IPv4) or NDP (IPv6) for nh on the segment
// of ifc: the layer-3 interfaces the frame reaches (veth peers, through
// bridges and their own devices). For IPv4 a node answers for any of its
// addresses (arp_ignore 0); for IPv6 the receiving interface must hold it.
func (s *Sim) resolve(from *Node, ifc *Interface, nh netip.Addr) (*Node, *Interface) {
	for _, ep := range s.segment(from, ifc) {
		if ep.n == from && ep.ifc == ifc {
			continue
		}
		if ifaceOwns(ep.ifc, nh) {
			return ep.n, ep.ifc
		}
	}
	if nh.Is4() {
		for _, ep := range s.segment(from, ifc) {
			if ep.n == from && ep.ifc == ifc {
				continue
			}
			if s.nodes[ep.n.Name].owns(nh) {
				return ep.n, ep.ifc
			}
		}
	}
	return nil, nil
}

type l3ep struct {
	n   *Node
	ifc *Interface
}

// segment lists the layer-3 endpoints reachable from ifc at layer 2.
func (s *Sim) segment(from *Node, ifc *Interface) []l3ep { return s.segmentBut(from, ifc, nil) }

// segmentBut is segment without crossing the bridge skip.
func (s *Sim) segmentBut(from *Node, ifc *Interface, skip *Interface) []l3ep {
	var out []l3ep
	seen := map[*Interface]bool{skip: true}
	var visit func(n *Node, i *Interface)
	visit = func(n *Node, i *Interface) {
		if i == nil || seen[i] {
			return
		}
		seen[i] = true
		switch {
		case i.Kind == Bridge:
			out = append(out, l3ep{n, i})
			for _, p := range i.Ports {
				visit(n, n.Interface(p))
			}
		case i.Master != "":
			visit(n, n.Interface(i.Master))
			s.visitPeer(i, visit)
		default:
			out = append(out, l3ep{n, i})
			s.visitPeer(i, visit)
		}
	}
	visit(from, ifc)
	return out
}

func (s *Sim) visitPeer(i *Interface, visit func(*Node, *Interface)) {
	if i.Peer == "" {
		return
	}
	node, dev, _ := strings.Cut(i.Peer, ":")
	if pn := s.T.Node(node); pn != nil {
		visit(pn, pn.Interface(dev))
	}
}

func peerOf(t *Topology, i *Interface) (*Node, *Interface) {
	node, dev, ok := strings.Cut(i.Peer, ":")
	if !ok {
		return nil, nil
	}
	pn := t.Node(node)
	if pn == nil {
		return nil, nil
	}
	return pn, pn.Interface(dev)
}

// cross carries the frame from sender's ifc to the layer-3 interface dst
// of node dn: over the veth, through the bridges on the way (each learns
// the sender's MAC and forwards to the port the destination's MAC was
// learnt on), then up into dn.
func (w *walkState) cross(sn *simNode, ifc, dst *Interface, dn *Node) (*Trace, error) {
	srcMAC := ifc.MAC
	if ifc.Kind == Bridge {
		// Out of a bridge device: the bridge forwards to the port behind
		// which dst lies.
		port := w.s.portToward(sn.n, ifc, dst)
		if port == nil {
			w.add(Step{Step: packet.Step{Node: sn.n.Name, Action: ActDropped, Reason: ReasonNoBridgePort}, Out: ifc.Name, Bridge: ifc.Name, DstMAC: dst.MAC, DstDev: dst.Name})
			return w.end(NeighborUnreachable, sn.n.Name), nil
		}
		w.learn(sn, ifc.Name, srcMAC, "")
		w.add(Step{Step: packet.Step{Node: sn.n.Name, Action: ActBridged}, In: ifc.Name, Out: port.Name, Detail: dst.MAC.String() + " via " + port.Name, Bridge: ifc.Name, Known: true})
		ifc = port
	}
	cur, curIf := sn.n, ifc
	for range maxSteps {
		pn, pi := peerOf(w.s.T, curIf)
		if pn == nil || pi == nil {
			w.add(Step{Step: packet.Step{Node: cur.Name, Action: ActDropped, Reason: ReasonNoPeer}, Out: curIf.Name})
			return w.end(NeighborUnreachable, cur.Name), nil
		}
		psn := w.s.nodes[pn.Name]
		w.s.enter(psn)
		if pn != cur {
			w.hop++
			w.tr.Path = append(w.tr.Path, pn.Name)
		}
		w.add(Step{Step: packet.Step{Node: pn.Name, Action: ActReceived}, In: pi.Name, Detail: pi.Name})
		if pi.Master == "" {
			if pi != dst {
				w.add(Step{Step: packet.Step{Node: pn.Name, Action: ActDropped, Reason: ReasonNotForDevice}, In: pi.Name, DstMAC: dst.MAC})
				return w.end(NeighborUnreachable, pn.Name), nil
			}
			return w.receive(psn, pi.Name)
		}
		br := pn.Interface(pi.Master)
		w.learn(psn, br.Name, srcMAC, pi.Name)
		if br == dst {
			w.add(Step{Step: packet.Step{Node: pn.Name, Action: ActBridged}, In: pi.Name, Out: br.Name, Detail: dst.MAC.String() + " is the bridge's own: up to " + br.Name, Bridge: br.Name, Known: true})
			if w.s.bridgeNF(pn, w.pkt.Dst) {
				return w.receiveBridgeNF(psn, br, pi)
			}
			return w.receive(psn, br.Name)
		}
		port := w.s.portToward(pn, br, dst)
		if port == nil {
			w.add(Step{Step: packet.Step{Node: pn.Name, Action: ActDropped, Reason: ReasonNoBridgePort}, In: pi.Name, Bridge: br.Name, DstMAC: dst.MAC})
			return w.end(NeighborUnreachable, pn.Name), nil
		}
		hair := port == pi
		if w.s.bridgeNF(pn, w.pkt.Dst) {
			if d, err := w.bridged(psn, br.Name); err != nil || d != "" {
				return w.end(d, pn.Name), err
			}
		}
		if hair && !pi.Hairpin {
			w.add(Step{Step: packet.Step{Node: pn.Name, Action: ActDropped, Reason: ReasonHairpinOff}, In: pi.Name, Out: port.Name, Bridge: br.Name, Hairpin: true})
			return w.end(NeighborUnreachable, pn.Name), nil
		}
		w.add(Step{Step: packet.Step{Node: pn.Name, Action: ActBridged}, In: pi.Name, Out: port.Name, Detail: dst.MAC.String() + " via " + port.Name, Bridge: br.Name, Known: true, Hairpin: hair})
		w.add(Step{Step: packet.Step{Node: pn.Name, Action: ActTransmitted}, Out: port.Name, Detail: port.Name})
		cur, curIf = pn, port
	}
	return w.end(Loop, cur.Name), nil
}

// bridgeNF reports whether node n's bridges pass frames of dst's family
// through iptables.
func (s *Sim) bridgeNF(n *Node, dst netip.Addr) bool {
	if !s.BridgeNetfilter {
		return false
	}
	key := "net.bridge.bridge-nf-call-iptables"
	if dst.Is6() {
		key = "net.bridge.bridge-nf-call-ip6tables"
	}
	v, ok := n.Sysctls[key]
	return !ok || strings.TrimSpace(v) != "0"
}

// bridged runs the iptables hooks br_netfilter calls for a bridged frame:
// PREROUTING, FORWARD and POSTROUTING, in and out being the bridge.
func (w *walkState) bridged(sn *simNode, br string) (Disposition, error) {
	orig := w.pkt
	for _, h := range []netfilter.Hook{netfilter.Prerouting, netfilter.Forward, netfilter.Postrouting} {
		out := br
		if h == netfilter.Prerouting {
			out = ""
		}
		if d, err := w.hook(sn, h, br, out); err != nil || d != "" {
			return d, err
		}
	}
	w.confirm(sn, orig)
	return "", nil
}

// learn records that mac is behind port of bridge br ("" for the bridge
// device itself).
func (w *walkState) learn(sn *simNode, br string, mac MAC, port string) {
	m := sn.fdb[br]
	if m == nil {
		m = map[MAC]string{}
		sn.fdb[br] = m
	}
	m[mac] = port
}

// portToward returns the port of bridge br behind which dst lies.
func (s *Sim) portToward(n *Node, br *Interface, dst *Interface) *Interface {
	for _, p := range br.Ports {
		pi := n.Interface(p)
		if pi == nil {
			continue
		}
		pn, pp := peerOf(s.T, pi)
		if pn == nil || pp == nil {
			continue
		}
		for _, ep := range s.segmentBut(pn, pp, br) {
			if ep.ifc == dst {
				return pi
			}
		}
	}
	return nil
}

// receiveBridgeNF is a frame for the bridge's own MAC on a node where
// br_netfilter runs PREROUTING at the bridge: when a DNAT there sends the
// packet back out the same bridge, the kernel bridges the frame from its
// input port (br_nf_pre_routing_finish_bridge) instead of routing it, so
// it may go back out that port only in hairpin mode, and its TTL is kept.
func (w *walkState) receiveBridgeNF(sn *simNode, br, port *Interface) (*Trace, error) {
	name := sn.n.Name
	orig := w.pkt
	d, err := w.hook(sn, netfilter.Prerouting, br.Name, "")
	if err != nil || d != "" {
		return w.end(d, name), err
	}
	if !w.dnat {
		return w.receiveRouted(sn, br.Name, orig)
	}
	dec := sn.table().Lookup(fib.Query{Dst: w.pkt.Dst, Src: w.pkt.Src, Iif: br.Name, Mark: w.mark, UID: 0xffffffff})
	if !dec.OK() || dec.Route.Type != fib.Unicast || dec.Route.Interface != br.Name {
		return w.receiveRouted(sn, br.Name, orig)
	}
	if d, done := w.routed(sn, dec, br.Name); done {
		return w.end(d, name), nil
	}
	nh := w.pkt.Dst
	if dec.Route.Gateway.IsValid() {
		nh = dec.Route.Gateway
	}
	owner, ownerIf := w.s.resolve(sn.n, br, nh)
	if owner == nil {
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonNoNeighbor}, Out: br.Name, NextHop: nh})
		return w.end(NeighborUnreachable, name), nil
	}
	w.tr.Neighbors = append(w.tr.Neighbors, Neighbor{Node: name, Dev: br.Name, Addr: nh, MAC: ownerIf.MAC})
	w.add(Step{Step: packet.Step{Node: name, Action: ActResolved}, Out: br.Name, Detail: nh.String() + " is at " + ownerIf.MAC.String() + " (" + owner.Name + ":" + ownerIf.Name + ")", NextHop: nh, Owner: owner.Name + ":" + ownerIf.Name, OwnerMAC: ownerIf.MAC})
	out := w.s.portToward(sn.n, br, ownerIf)
	if out == nil {
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonNoBridgePort}, In: port.Name, Bridge: br.Name, DstMAC: ownerIf.MAC})
		return w.end(NeighborUnreachable, name), nil
	}
	if out == port && !port.Hairpin {
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonHairpinOff}, In: port.Name, Out: out.Name, Bridge: br.Name, Hairpin: true, DNATed: true})
		return w.end(NeighborUnreachable, name), nil
	}
	for _, h := range []netfilter.Hook{netfilter.Forward, netfilter.Postrouting} {
		if d, err := w.hook(sn, h, br.Name, br.Name); err != nil || d != "" {
			return w.end(d, name), err
		}
	}
	w.confirm(sn, orig)
	w.add(Step{Step: packet.Step{Node: name, Action: ActBridged}, In: port.Name, Out: out.Name, Detail: ownerIf.MAC.String() + " via " + out.Name, Bridge: br.Name, Known: true, Hairpin: out == port})
	w.add(Step{Step: packet.Step{Node: name, Action: ActTransmitted}, Out: out.Name, Detail: out.Name})
	return w.cross(sn, out, ownerIf, owner)
}

// receive is a packet arriving at layer 3 on node sn's interface in:
// PREROUTING, routing, then INPUT or FORWARD.
func (w *walkState) receive(sn *simNode, in string) (*Trace, error) {
	orig := w.pkt
	d, err := w.hook(sn, netfilter.Prerouting, in, "")
	if err != nil || d != "" {
		return w.end(d, sn.n.Name), err
	}
	return w.receiveRouted(sn, in, orig)
}

// receiveRouted is the rest of receive after PREROUTING.
func (w *walkState) receiveRouted(sn *simNode, in string, orig IPPacket) (*Trace, error) {
	name := sn.n.Name
	dec := sn.table().Lookup(fib.Query{Dst: w.pkt.Dst, Src: w.pkt.Src, Iif: in, Mark: w.mark, UID: 0xffffffff})
	local := dec.OK() && (dec.Route.Type == fib.Local || dec.Route.Type == fib.Broadcast || dec.Route.Type == fib.Anycast)
	if !local && !sn.n.Forwarding(4+2*famIdx(w.pkt.Dst)) {
		// The kernel refuses to forward before it looks at the route
		// (ip_route_input_slow: -EHOSTUNREACH without IN_DEV_FORWARD).
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonForwardingOff}, In: in, Detail: forwardSysctl(w.pkt.Dst), Addr: w.pkt.Dst})
		return w.end(ForwardingDisabled, name), nil
	}
	if d, done := w.routed(sn, dec, in); done {
		return w.end(d, name), nil
	}
	r := dec.Route
	if local {
		return w.deliver(sn, in, orig)
	}
	if w.pkt.TTL <= 1 {
		w.add(Step{Step: packet.Step{Node: name, Action: ActDropped, Reason: ReasonTTLExceeded}, In: in})
		return w.end(Loop, name), nil
	}
	w.pkt.TTL--
	w.add(Step{Step: packet.Step{Node: name, Action: ActForwarded}, In: in, Out: r.Interface, Detail: fmt.Sprintf("ttl %d", w.pkt.TTL)})
	if d, err := w.hook(sn, netfilter.Forward, in, r.Interface); err != nil || d != "" {
		return w.end(d, name), err
	}
	return w.output(sn, r, orig, in)
}

func forwardSysctl(a netip.Addr) string {
	if a.Is4() {
		return "net.ipv4.ip_forward = 0"
	}
	return "net.ipv6.conf.all.forwarding = 0"
}
