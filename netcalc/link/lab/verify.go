package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/packet"
	"github.com/netcalc/netcalc/netcalc/topo"
)

// Arrival is where a real packet was seen delivered: the node and the
// addresses as the receiving socket saw them (Dst invalid when the socket
// cannot tell).
type Arrival struct {
	Node     string
	Src, Dst netip.Addr
}

// Sent is what happened to one real packet: the sender's error, whether an
// answer came back, and where the packet was delivered.
type Sent struct {
	Err      error
	Answered bool
	Arrivals []Arrival
}

// Observed is the kernel's side of one flow: the disposition worked out
// from where the packet arrived, the sender's error and the counters that
// moved (iptables rules, ICMP time exceeded, address errors, neighbour
// entries), the node where it ended, and why.
type Observed struct {
	Disposition topo.Disposition `json:"disposition"`
	At          string           `json:"at"`
	Evidence    string           `json:"evidence"`
	Src         netip.Addr       `json:"src,omitzero"`
}

// FlowResult compares one flow: the simulated trace, the kernel's
// outcome, and the first difference ("" when they agree).
type FlowResult struct {
	Flow   topo.Flow   `json:"-"`
	Sim    *topo.Trace `json:"-"`
	Kernel Observed    `json:"kernel"`
	Agree  bool        `json:"agree"`
	Diff   string      `json:"diff,omitempty"`
}

// DefaultFlows is every node to every address the file gives (not its
// own), ICMP echo, in file order.
func DefaultFlows(t *topo.Topology) []topo.Flow {
	var addrs []struct {
		node string
		a    netip.Addr
	}
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			for _, p := range ifc.Addrs {
				addrs = append(addrs, struct {
					node string
					a    netip.Addr
				}{n.Name, p.Addr()})
			}
		}
	}
	var fs []topo.Flow
	for _, n := range t.Nodes {
		for _, a := range addrs {
			if a.node == n.Name {
				continue
			}
			fs = append(fs, topo.Flow{From: n.Name, Dst: a.a, Proto: packet.ICMP, SrcPort: 40000})
		}
	}
	return fs
}

// ParseFlows reads a flows file: one flow a line, "NODE ADDR[:PORT]
// [icmp|tcp|udp] [SPORT]" (topo.FlowSyntax), each read by
// topo.ParseFlowLine; blank lines and # comments are skipped. A flow run
// for real also needs a source port the kernel can bind, 1-65535. The
// first line it refuses is a *FlowsError.
func ParseFlows(text string, t *topo.Topology) ([]topo.Flow, error) {
	var fs []topo.Flow
	for i, line := range strings.Split(text, "\n") {
		fl, ok, err := topo.ParseFlowLine(t, line)
		if !ok {
			continue
		}
		var fe *topo.FlowError
		switch {
		case errors.As(err, &fe):
			if fe.Field == "sport" {
				fe = &topo.FlowError{Field: "sport", Token: fe.Token, Want: wantSrcPort}
			}
		case err != nil:
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		case fl.SrcPort == 0:
			// ParseFlowLine takes 0, given as the fourth field.
			before, _, _ := strings.Cut(line, "#")
			fe = &topo.FlowError{Field: "sport", Token: strings.Fields(before)[3], Want: wantSrcPort}
		}
		if fe != nil {
			return nil, &FlowsError{Line: i + 1, Err: fe}
		}
		fs = append(fs, fl)
	}
	return fs, nil
}

// wantSrcPort is FlowError.Want for the source port of a flow run for real.
const wantSrcPort = "want a source port 1-65535"

// FlowsError is a line of a flows file that ParseFlows refused: its number
// (from 1) and what is wrong with it.
type FlowsError struct {
	Line int
	Err  *topo.FlowError
}

// Error returns `line N: "TOKEN": WANT`.
func (e *FlowsError) Error() string {
	return "line " + strconv.Itoa(e.Line) + ": " + strconv.Quote(e.Err.Token) + ": " + e.Err.Want
}

// Unwrap returns the *topo.FlowError.
func (e *FlowsError) Unwrap() error { return e.Err }

// Verify runs each flow for real in the lab with prefix p (built from t
// with Up) and compares it with the simulation: the disposition and the
// node where it ended, the source address the destination saw, each hop's
// `ip route get`, the neighbour entries and the conntrack entries the
// trace says the walk leaves. The simulation models br_netfilter when the
// module is loaded on this machine. Where the rules draw at random (kube-proxy's
// statistic match), the simulation is run with further seeds until one
// ends where the kernel's packet did; only when none does is it a
// disagreement.
func Verify(t *topo.Topology, p string, flows []topo.Flow) ([]FlowResult, error) {
	var out []FlowResult
	for _, f := range flows {
		r, err := verifyOne(t, p, f)
		if err != nil {
			return out, err
		}
		out = append(out, *r)
	}
	return out, nil
}

const maxSeeds = 32

// verifyOne runs f; a packet that vanished without any counter saying
// where (a frame lost while the lab settles) is sent once more.
func verifyOne(t *topo.Topology, p string, f topo.Flow) (*FlowResult, error) {
	r, err := verifyOnce(t, p, f)
	if err == nil && !r.Agree && r.Kernel.At == "?" {
		return verifyOnce(t, p, f)
	}
	return r, err
}

func verifyOnce(t *topo.Topology, p string, f topo.Flow) (*FlowResult, error) {
	if err := resetLab(t, p); err != nil {
		return nil, err
	}
	before, err := counters(t, p)
	if err != nil {
		return nil, err
	}
	ports := []uint16{f.DstPort}
	if sim, err := topo.NewSim(t, 1); err == nil {
		sim.BridgeNetfilter = bridgeNetfilter()
		if tr, err := sim.Trace(f); err == nil && tr.Packet.DstPort != f.DstPort {
			ports = append(ports, tr.Packet.DstPort)
		}
	}
	sent, err := send(t, p, f, ports)
	if err != nil {
		return nil, err
	}
	after, err := counters(t, p)
	if err != nil {
		return nil, err
	}
	states := map[string]*NodeState{}
	for _, n := range t.Nodes {
		st, err := Inspect(p, n)
		if err != nil {
			return nil, err
		}
		states[n.Name] = st
	}
	obs := observe(t, f, sent, before, after, states)
	brNF := bridgeNetfilter()
	res := &FlowResult{Flow: f, Kernel: obs}
	var first *topo.Trace
	for seed := uint64(1); seed <= maxSeeds; seed++ {
		sim, err := topo.NewSim(t, seed)
		if err != nil {
			return nil, err
		}
		sim.BridgeNetfilter = brNF
		tr, err := sim.Trace(f)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = tr
		}
		if tr.Disposition == obs.Disposition && tr.At == obs.At {
			res.Sim = tr
			break
		}
		if !randomDraws(tr) {
			break
		}
	}
	if res.Sim == nil && obs.At == "?" && silentDrop(first) {
		// Nothing arrived and no counter moved: the kernel dropped the
		// packet without a trace, where the simulation drops it silently
		// too (a blackhole route, a bridge without hairpin mode).
		res.Sim = first
		res.Kernel.Disposition, res.Kernel.At = first.Disposition, first.At
		res.Kernel.Evidence = "dropped without a counter, as a silent drop is"
	}
	if res.Sim == nil {
		res.Sim = first
		res.Diff = fmt.Sprintf("simulated %s at %s, the kernel's packet: %s at %s (%s)", first.Disposition, first.At, obs.Disposition, obs.At, obs.Evidence)
		return res, nil
	}
	if d := compareHops(t, p, res.Sim, f, obs, states); d != "" {
		res.Diff = d
		return res, nil
	}
	res.Agree = true
	return res, nil
}

// silentDrop reports whether a trace ends in a drop the kernel counts
// nowhere: a blackhole route, or a bridge refusing a hairpin.
func silentDrop(tr *topo.Trace) bool {
	if len(tr.Steps) == 0 {
		return false
	}
	last := tr.Steps[len(tr.Steps)-1]
	return last.Action == topo.ActDropped && (last.Hairpin || (last.Route != nil && last.Route.Type == topo.Blackhole))
}

// randomDraws reports whether a trace walked a statistic match (so another
// seed may end elsewhere).
func randomDraws(tr *topo.Trace) bool {
	for _, s := range tr.Steps {
		for _, r := range s.Rules {
			if strings.Contains(r.Text, "-m statistic") {
				return true
			}
		}
	}
	return false
}

// nodeCounters are one node's counters: the SNMP counters that tell a drop
// and the packet count of every iptables rule and chain policy.
type nodeCounters struct {
	snmp map[string]int64
	ipt  map[string]int64 // "table chain N" (N 0-based, -1 policy) -> packets
	text map[string]string
}

func counters(t *topo.Topology, p string) (map[string]*nodeCounters, error) {
	out := map[string]*nodeCounters{}
	for _, n := range t.Nodes {
		c := &nodeCounters{snmp: map[string]int64{}, ipt: map[string]int64{}, text: map[string]string{}}
		if err := Do(p, n.Name, func() error { return readSNMP(c.snmp) }); err != nil {
			return nil, err
		}
		// Every node, rules in the file or not: the lab may hold rules the
		// file does not.
		for _, tool := range []string{"iptables-save", "ip6tables-save"} {
			var b bytes.Buffer
			if _, err := Exec(p, n.Name, []string{tool, "-c"}, nil, &b, nil); err != nil {
				return nil, err
			}
			rs, err := netfilter.Parse(&b)
			if err != nil {
				return nil, fmt.Errorf("%s -c on %s: %w", tool, n.Name, err)
			}
			for _, tb := range rs.Tables {
				for _, ch := range tb.Chains {
					if ch.Counters != nil && ch.Policy == "DROP" {
						k := tool + " " + tb.Name + " " + ch.Name + " -1"
						c.ipt[k] = int64(ch.Counters.Packets)
						c.text[k] = ":" + ch.Name + " DROP"
					}
					for i := range ch.Rules {
						r := &ch.Rules[i]
						if r.Counters == nil || (r.Target.Name != "DROP" && r.Target.Name != "REJECT") {
							continue
						}
						k := fmt.Sprintf("%s %s %s %d", tool, tb.Name, ch.Name, i)
						c.ipt[k] = int64(r.Counters.Packets)
						c.text[k] = "-A " + ch.Name + " " + r.String()
					}
				}
			}
		}
		out[n.Name] = c
	}
	return out, nil
}

// observe works out the kernel's disposition.
func observe(t *topo.Topology, f topo.Flow, s *Sent, before, after map[string]*nodeCounters, states map[string]*NodeState) Observed {
	if len(s.Arrivals) > 0 {
		a := s.Arrivals[0]
		return Observed{Disposition: topo.Accepted, At: a.Node, Evidence: "delivered to a socket on " + a.Node, Src: a.Src}
	}
	delta := func(node, key string) int64 { return after[node].snmp[key] - before[node].snmp[key] }
	for _, n := range t.Nodes {
		for k, v := range after[n.Name].ipt {
			if v > before[n.Name].ipt[k] {
				return Observed{Disposition: topo.Denied, At: n.Name, Evidence: "iptables counter of " + after[n.Name].text[k]}
			}
		}
	}
	for _, n := range t.Nodes {
		if delta(n.Name, "Icmp.OutTimeExcds")+delta(n.Name, "Icmp6OutTimeExcds") > 0 {
			return Observed{Disposition: topo.Loop, At: n.Name, Evidence: "ICMP time exceeded sent"}
		}
	}
	for _, n := range t.Nodes {
		if delta(n.Name, "Ip.InAddrErrors")+delta(n.Name, "Ip6InAddrErrors") > 0 {
			return Observed{Disposition: topo.ForwardingDisabled, At: n.Name, Evidence: "InAddrErrors counted (not forwarded)"}
		}
	}
	for _, n := range t.Nodes {
		if n.Name != f.From && delta(n.Name, "IpExt.InNoRoutes")+delta(n.Name, "Ip6InNoRoutes")+delta(n.Name, "Icmp.OutDestUnreachs")+delta(n.Name, "Icmp6OutDestUnreachs") > 0 {
			return Observed{Disposition: topo.NoRoute, At: n.Name, Evidence: "no route counted / destination unreachable sent"}
		}
	}
	// The sender's own error, once no other node has said anything (a TCP
	// connect also reports an ICMP error that came back from afar).
	if s.Err != nil {
		msg := s.Err.Error()
		switch {
		case strings.Contains(msg, "network is unreachable"):
			return Observed{Disposition: topo.NoRoute, At: f.From, Evidence: "send: " + msg}
		case strings.Contains(msg, "invalid argument"):
			return Observed{Disposition: topo.NullRouted, At: f.From, Evidence: "send: " + msg}
		case strings.Contains(msg, "operation not permitted"):
			return Observed{Disposition: topo.Denied, At: f.From, Evidence: "send: " + msg}
		}
	}
	for _, n := range t.Nodes {
		for _, nb := range states[n.Name].Neighbors {
			if (nb.State == "INCOMPLETE" || nb.State == "FAILED") && !nb.IP.IsLinkLocalUnicast() && !nb.IP.IsMulticast() {
				return Observed{Disposition: topo.NeighborUnreachable, At: n.Name, Evidence: fmt.Sprintf("neighbour %s on %s is %s", nb.IP, nb.Dev, nb.State)}
			}
		}
	}
	return Observed{Disposition: topo.NullRouted, At: "?", Evidence: "dropped without a counter (a blackhole route discards silently)"}
}

// compareHops checks each hop's route, the neighbour entries and the
// conntrack entries of an agreeing trace against the kernel.
func compareHops(t *topo.Topology, p string, tr *topo.Trace, f topo.Flow, obs Observed, states map[string]*NodeState) string {
	if tr.Disposition == topo.Accepted && obs.Src.IsValid() && obs.Src != tr.Packet.Src {
		return fmt.Sprintf("the destination saw source %s, simulated %s", obs.Src, tr.Packet.Src)
	}
	var pkt topo.IPPacket
	for i, s := range tr.Steps {
		switch s.Action {
		case topo.ActOriginated:
			pkt = *s.Packet
		case topo.ActTransformed:
			pkt = *s.Packet
		case topo.ActRouted:
			if d := compareRoute(p, s, pkt, i == 1); d != "" {
				return fmt.Sprintf("hop %d %s: %s", s.Hop, s.Node, d)
			}
		}
	}
	for _, nb := range tr.Neighbors {
		ok := false
		var seen []string
		for _, k := range states[nb.Node].Neighbors {
			if k.Dev == nb.Dev && k.IP == nb.Addr {
				seen = append(seen, k.MAC+" "+k.State)
				if strings.EqualFold(k.MAC, nb.MAC.String()) && k.State != "FAILED" && k.State != "INCOMPLETE" {
					ok = true
				}
			}
		}
		if !ok {
			return fmt.Sprintf("neighbour on %s %s: simulated %s at %s, kernel %v", nb.Node, nb.Dev, nb.Addr, nb.MAC, seen)
		}
	}
	for _, nc := range tr.Conns {
		conns, err := kernelConns(p, nc.Node, nc.Conn.Orig.Src.Is4())
		if err != nil {
			return fmt.Sprintf("conntrack on %s: %v", nc.Node, err)
		}
		ok := false
		for _, k := range conns {
			if sameConn(k, nc.Conn, nc.RandomPort) {
				ok = true
			}
		}
		if !ok {
			var ks []string
			for _, k := range conns {
				ks = append(ks, k.String())
			}
			return fmt.Sprintf("conntrack on %s: simulated %s; kernel has %d entries %v", nc.Node, nc.Conn.String(), len(conns), ks)
		}
	}
	return ""
}

// sameConn compares a kernel entry with a simulated one: both tuples,
// except the drawn port (the reply's destination port, and downstream of
// the drawing node the original source port) when a rule drew it.
func sameConn(k, s nat.Conn, randomPort bool) bool {
	eq := func(a, b nat.Tuple) bool {
		return a.Proto == b.Proto && a.Src == b.Src && a.Dst == b.Dst && a.SrcPort == b.SrcPort && a.DstPort == b.DstPort
	}
	if randomPort {
		k.Reply.DstPort, k.Orig.SrcPort = s.Reply.DstPort, s.Orig.SrcPort
	}
	return eq(k.Orig, s.Orig) && eq(k.Reply, s.Reply)
}

func kernelConns(p, node string, v4 bool) ([]nat.Conn, error) {
	fam := "ipv4"
	if !v4 {
		fam = "ipv6"
	}
	var b, e bytes.Buffer
	if _, err := Exec(p, node, []string{"conntrack", "-L", "-f", fam}, nil, &b, &e); err != nil {
		return nil, err
	}
	var out []nat.Conn
	for _, line := range strings.Split(b.String(), "\n") {
		if c, err := nat.ParseConn(line); err == nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// routeGet is one answer of `ip -j route get`.
type routeGet struct {
	Type    string `json:"type"`
	Dst     string `json:"dst"`
	Gateway string `json:"gateway"`
	Dev     string `json:"dev"`
}

func compareRoute(p string, s topo.Step, pkt topo.IPPacket, origin bool) string {
	argv := []string{"ip", "-j", "route", "get", pkt.Dst.String()}
	if !origin && s.In != "" {
		argv = append(argv, "from", pkt.Src.String(), "iif", s.In)
	}
	var b, e bytes.Buffer
	code, err := Exec(p, s.Node, argv, nil, &b, &e)
	if err != nil {
		return err.Error()
	}
	want := s.Route
	if code != 0 {
		if want != nil && want.Type != topo.Unicast && want.Type != topo.Local {
			return ""
		}
		return fmt.Sprintf("route get %s: %s; simulated %v", pkt.Dst, strings.TrimSpace(e.String()), want)
	}
	var rs []routeGet
	if err := json.Unmarshal(b.Bytes(), &rs); err != nil || len(rs) == 0 {
		return fmt.Sprintf("route get %s: unreadable answer %q", pkt.Dst, b.String())
	}
	k := rs[0]
	if want == nil {
		return ""
	}
	if want.Type == topo.Local {
		if k.Type != "local" {
			return fmt.Sprintf("route get %s: kernel %s dev %s, simulated local", pkt.Dst, k.Type, k.Dev)
		}
		return ""
	}
	gw := ""
	if want.Via.IsValid() {
		gw = want.Via.String()
	}
	if k.Dev != want.Dev || k.Gateway != gw {
		return fmt.Sprintf("route get %s: kernel dev %s via %q, simulated dev %s via %q", pkt.Dst, k.Dev, k.Gateway, want.Dev, gw)
	}
	return ""
}

// resetLab empties the conntrack and neighbour tables of every node, so
// that each flow starts as the simulation does.
func resetLab(t *topo.Topology, p string) error {
	for _, n := range t.Nodes {
		if _, err := Exec(p, n.Name, []string{"ip", "neigh", "flush", "all"}, nil, nil, nil); err != nil {
			return err
		}
		if strings.TrimSpace(n.IPTables) != "" {
			for _, fam := range []string{"ipv4", "ipv6"} {
				// conntrack -F fails when the table is empty on old
				// versions; the status does not matter.
				if _, err := Exec(p, n.Name, []string{"conntrack", "-F", "-f", fam}, nil, nil, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// waitReply is how long a flow waits for its packet to arrive somewhere.
var waitReply = time.Second
