package topo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/netcalc/netcalc/netcalc/packet"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/netfilter"
)

func readTraceFile(t testing.TB, name string) *Topology {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../testdata/topo/trace", name))
	if err != nil {
		t.Fatal(err)
	}
	top, err := Parse(bytes.NewReader(data), Options{File: name})
	if err != nil {
		t.Fatal(err)
	}
	return top
}

func mustTrace(t *testing.T, s *Sim, f Flow) *Trace {
	t.Helper()
	tr, err := s.Trace(f)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func actions(tr *Trace) []string {
	var out []string
	for _, s := range tr.Steps {
		out = append(out, s.Node+":"+string(s.Action))
	}
	return out
}

// TestTraceDispositions walks one flow per disposition of
// dispositions.yaml, IPv4 and IPv6; TestVerifyExamples checks the same
// flows against the kernel.
func TestTraceDispositions(t *testing.T) {
	top := readTraceFile(t, "dispositions.yaml")
	for _, c := range []struct {
		from, to string
		want     Disposition
		at       string
		path     string
		reason   packet.Reason
		last     string // the last step's typed facts contain this
	}{
		{"a", "203.0.113.20", Accepted, "b", "a r sw b", "", "203.0.113.20"},
		{"a", "2001:db8:2::20", Accepted, "b", "a r sw b", "", "2001:db8:2::20"},
		{"b", "198.51.100.10", NoRoute, "b", "b", ReasonNoRoute, "addr 198.51.100.10"},
		{"b", "2001:db8:1::10", NoRoute, "b", "b", ReasonNoRoute, "addr 2001:db8:1::10"},
		{"a", "203.0.113.200", NullRouted, "a", "a", ReasonNullRoute, "blackhole 203.0.113.128/25"},
		{"a", "2001:db8:66::1", NullRouted, "a", "a", ReasonNullRoute, "blackhole 2001:db8:66::/48"},
		{"a", "198.51.100.99", NeighborUnreachable, "a", "a", ReasonNoNeighbor, "nexthop 198.51.100.99 out eth0"},
		{"a", "2001:db8:1::99", NeighborUnreachable, "a", "a", ReasonNoNeighbor, "nexthop 2001:db8:1::99 out eth0"},
		{"a", "203.0.113.50", Denied, "r", "a r", ReasonDenied, "-A FORWARD -d 203.0.113.50/32 -p icmp -j DROP"},
		{"a", "203.0.113.100", ForwardingDisabled, "h", "a r sw h", ReasonForwardingOff, "net.ipv4.ip_forward = 0"},
		{"a", "203.0.113.70", Loop, "r2", "", ReasonTTLExceeded, ""},
		{"a", "2001:db8:99::1", Loop, "r2", "", ReasonTTLExceeded, ""},
	} {
		t.Run(c.from+"->"+c.to, func(t *testing.T) {
			s, err := NewSim(top, 1)
			if err != nil {
				t.Fatal(err)
			}
			tr := mustTrace(t, s, Flow{From: c.from, Dst: netip.MustParseAddr(c.to), Proto: packet.ICMP, SrcPort: 7})
			if tr.Disposition != c.want || tr.At != c.at {
				t.Fatalf("got %s at %s, want %s at %s\n%v", tr.Disposition, tr.At, c.want, c.at, actions(tr))
			}
			if c.path != "" && strings.Join(tr.Path, " ") != c.path {
				t.Errorf("path %v, want %s", tr.Path, c.path)
			}
			last := tr.Steps[len(tr.Steps)-1]
			facts := last.Detail
			if last.Addr.IsValid() {
				facts += " addr " + last.Addr.String()
			}
			if last.NextHop.IsValid() {
				facts += " nexthop " + last.NextHop.String() + " out " + last.Out
			}
			if last.Reason != c.reason || !strings.Contains(facts, c.last) {
				t.Errorf("last step %+v (%s), want reason %q with %q", last, facts, c.reason, c.last)
			}
		})
	}
}

// TestTraceTTL: each routed hop takes one off the TTL; a loop ends when
// it runs out, after 63 forwards between r and r2.
func TestTraceTTL(t *testing.T) {
	top := readTraceFile(t, "dispositions.yaml")
	s, _ := NewSim(top, 1)
	tr := mustTrace(t, s, Flow{From: "a", Dst: netip.MustParseAddr("203.0.113.20"), Proto: packet.ICMP})
	if tr.Packet.TTL != DefaultTTL-1 {
		t.Errorf("ttl at b %d, want %d (one router)", tr.Packet.TTL, DefaultTTL-1)
	}
	tr = mustTrace(t, s, Flow{From: "a", Dst: netip.MustParseAddr("203.0.113.70"), Proto: packet.ICMP})
	fw := 0
	for _, st := range tr.Steps {
		if st.Action == ActForwarded {
			fw++
		}
	}
	if fw != DefaultTTL-1 || tr.Packet.TTL != 1 {
		t.Errorf("%d forwards, ttl %d; want %d forwards and ttl 1", fw, tr.Packet.TTL, DefaultTTL-1)
	}
}

// TestTraceNeighbors: the sender resolves the next hop (the gateway), not
// the destination, and the entry carries the gateway's MAC; on a bridge
// the answer comes from the bridge's own device when it holds the
// address.
func TestTraceNeighbors(t *testing.T) {
	top := readExample(t, "home-nat.yaml")
	s, _ := NewSim(top, 1)
	tr := mustTrace(t, s, Flow{From: "laptop", Dst: netip.MustParseAddr("203.0.113.200"), Proto: packet.ICMP})
	if tr.Disposition != Accepted {
		t.Fatalf("%s: %v", tr.Disposition, actions(tr))
	}
	br := top.Node("home").Interface("br-lan")
	want := Neighbor{Node: "laptop", Dev: "eth0", Addr: netip.MustParseAddr("198.51.100.1"), MAC: br.MAC}
	if tr.Neighbors[0] != want {
		t.Errorf("first neighbour %+v, want %+v", tr.Neighbors[0], want)
	}
	if len(tr.Neighbors) != 3 || tr.Neighbors[1].Addr != netip.MustParseAddr("203.0.113.1") || tr.Neighbors[2].Addr != netip.MustParseAddr("203.0.113.200") {
		t.Errorf("neighbours %+v, want the gateways 198.51.100.1, 203.0.113.1, then 203.0.113.200", tr.Neighbors)
	}
}

// TestTraceHomeNAT: MASQUERADE on the way out (once, with a conntrack
// entry), and the reply de-NATed back to the laptop through the entry
// and the ESTABLISHED rule of FORWARD.
func TestTraceHomeNAT(t *testing.T) {
	top := readExample(t, "home-nat.yaml")
	s, _ := NewSim(top, 1)
	tr := mustTrace(t, s, Flow{From: "laptop", Dst: netip.MustParseAddr("203.0.113.200"), Proto: packet.TCP, SrcPort: 40000, DstPort: 80})
	if tr.Disposition != Accepted || tr.At != "web" {
		t.Fatalf("%s at %s", tr.Disposition, tr.At)
	}
	if got := tr.Packet.Src.String(); got != "203.0.113.2" {
		t.Errorf("web sees source %s, want the home router's WAN address 203.0.113.2", got)
	}
	if len(tr.Conns) != 1 || tr.Conns[0].Node != "home" {
		t.Fatalf("conntrack %+v, want one entry on home", tr.Conns)
	}
	c := tr.Conns[0].Conn
	if c.Orig.Src.String() != "198.51.100.10" || c.Reply.Dst.String() != "203.0.113.2" || c.Reply.DstPort != 40000 {
		t.Errorf("entry %s", c.String())
	}
	rp, err := s.Reply(tr)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Disposition != Accepted || rp.At != "laptop" || rp.Packet.Dst.String() != "198.51.100.10" || rp.Packet.DstPort != 40000 {
		t.Fatalf("reply %s at %s, packet %s", rp.Disposition, rp.At, rp.Packet)
	}
	var denat, est bool
	for _, st := range rp.Steps {
		if st.Action == ActTransformed && st.Node == "home" && st.Reply {
			denat = true
		}
		if st.Action == ActNetfilter && st.Node == "home" && st.NFVerdict != nil && !st.NFVerdict.Policy && st.Hook == string(netfilter.Forward) {
			est = true
		}
	}
	if !denat || !est {
		t.Errorf("reply: de-NAT %v, ESTABLISHED accept %v: %v", denat, est, actions(rp))
	}
	// A new connection from the web server to the home router's address
	// is not a reply: FORWARD's policy does not apply (it is local), but
	// nothing forwards it to the laptop either.
	s2, _ := NewSim(top, 1)
	in := mustTrace(t, s2, Flow{From: "web", Dst: netip.MustParseAddr("198.51.100.10"), Proto: packet.ICMP})
	if in.Disposition != NoRoute || in.At != "isp" {
		t.Errorf("web -> laptop without a connection: %s at %s, want NO_ROUTE at isp", in.Disposition, in.At)
	}
}

// TestTraceK8sService: pod to ClusterIP: kube-proxy's DNAT on the source
// node, the host-gw route to the other node, cni0 there, delivery; the
// reply is de-DNATed on node-1.
func TestTraceK8sService(t *testing.T) {
	top := readExample(t, "k8s.yaml")
	s, _ := NewSim(top, 1)
	tr := mustTrace(t, s, Flow{From: "client", Dst: netip.MustParseAddr("10.96.0.80"), Proto: packet.TCP, SrcPort: 40000, DstPort: 80})
	if tr.Disposition != Accepted || (tr.At != "web-1" && tr.At != "web-2") {
		t.Fatalf("%s at %s: %v", tr.Disposition, tr.At, actions(tr))
	}
	if got := strings.Join(tr.Path, " "); got != "client node-1 lan node-2 "+tr.At {
		t.Errorf("path %s", got)
	}
	var dnat *Step
	for i, st := range tr.Steps {
		if st.Action == ActTransformed && st.NFVerdict != nil && st.NFVerdict.Kind == netfilter.VerdictDNAT {
			dnat = &tr.Steps[i]
		}
	}
	if dnat == nil || dnat.Node != "node-1" || dnat.Hook != string(netfilter.Prerouting) || dnat.Before == nil || dnat.After == nil || dnat.After.Dst.Port() != 8080 || dnat.Before.Dst.Port() != 80 || dnat.Packet.DstPort != 8080 {
		t.Fatalf("DNAT step %+v", dnat)
	}
	// The packet.Step core names the deciding rule: kube-proxy's
	// endpoint chain, three jumps from PREROUTING (KUBE-SERVICES,
	// KUBE-SVC-*, KUBE-SEP-*).
	if !strings.HasPrefix(dnat.Chain, "KUBE-SEP-") || !strings.HasPrefix(dnat.Rule, "-A "+dnat.Chain+" ") || dnat.Depth != 3 || dnat.Verdict != "DNAT" || dnat.Table != "nat" {
		t.Errorf("DNAT step core %+v; want table nat, a KUBE-SEP- chain at depth 3, its rule, verdict DNAT", dnat.Step)
	}
	rp, err := s.Reply(tr)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Disposition != Accepted || rp.At != "client" || rp.Packet.Src.String() != "10.96.0.80" || rp.Packet.SrcPort != 80 {
		t.Fatalf("reply %s at %s, packet %s", rp.Disposition, rp.At, rp.Packet)
	}
	// Other seeds reach the other endpoint sometimes: the statistic match
	// is drawn, not fixed.
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		s, _ := NewSim(top, seed)
		seen[mustTrace(t, s, Flow{From: "client", Dst: netip.MustParseAddr("10.96.0.80"), Proto: packet.TCP, SrcPort: 40000, DstPort: 80}).At] = true
	}
	if !seen["web-1"] || !seen["web-2"] {
		t.Errorf("endpoints reached over 20 seeds: %v", seen)
	}
}

// TestTraceBridgeNetfilter: with br_netfilter, a frame the home router's
// bridge forwards between two LAN ports goes through FORWARD, whose policy
// is DROP; without it, it is bridged untouched.
func TestTraceBridgeNetfilter(t *testing.T) {
	top := readExample(t, "home-nat.yaml")
	for _, brnf := range []bool{false, true} {
		s, _ := NewSim(top, 1)
		s.BridgeNetfilter = brnf
		tr := mustTrace(t, s, Flow{From: "laptop", Dst: netip.MustParseAddr("198.51.100.11"), Proto: packet.ICMP})
		want := Accepted
		if brnf {
			want = Denied
		}
		if tr.Disposition != want {
			t.Errorf("br_netfilter %v: %s, want %s: %v", brnf, tr.Disposition, want, actions(tr))
		}
	}
}

// ownerRuleTopology is two nodes on one link; a's OUTPUT chain has a
// rule with an owner match, which the walker cannot evaluate.
const ownerRuleTopology = `nodes:
  a:
    interfaces:
      eth0: {addrs: [198.51.100.1/24]}
    iptables: |
      *filter
      :OUTPUT ACCEPT [0:0]
      -A OUTPUT -m owner --uid-owner 0 -j DROP
      COMMIT
  b:
    interfaces:
      eth0: {addrs: [198.51.100.2/24]}
links:
  - endpoints: ["a:eth0", "b:eth0"]
`

// TestTraceRuleError: a rule the walker cannot evaluate is an error that
// names the node, table, chain and rule.
func TestTraceRuleError(t *testing.T) {
	top := parseString(t, "name: bad\n"+ownerRuleTopology)
	s, err := NewSim(top, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Trace(Flow{From: "a", Dst: netip.MustParseAddr("198.51.100.2"), Proto: packet.ICMP})
	var re *RuleError
	if !errors.As(err, &re) || !errors.Is(err, netfilter.ErrUnknownMatch) {
		t.Fatalf("err %v, want a RuleError wrapping ErrUnknownMatch", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "node a") || !strings.Contains(msg, "filter") || !strings.Contains(msg, "OUTPUT") || !strings.Contains(msg, "rule 1") || !strings.Contains(msg, "owner") {
		t.Errorf("message %q does not name node, table, chain, rule and match", msg)
	}
	if want := `node a: iptables filter table, chain OUTPUT, rule 1: "owner": unknown match`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q; want it to start %q (the place said once)", err.Error(), want)
	}
}

// TestTraceFlowErrors: bad flows are errors naming the field.
func TestTraceFlowErrors(t *testing.T) {
	top := readExample(t, "gateway.yaml")
	s, _ := NewSim(top, 1)
	for _, c := range []struct {
		f     Flow
		field string
	}{
		{Flow{From: "nope", Dst: netip.MustParseAddr("198.51.100.1")}, "from"},
		{Flow{From: "a"}, "to"},
		{Flow{From: "a", Dst: netip.MustParseAddr("198.51.100.1"), Proto: packet.SCTP}, "proto"},
		{Flow{From: "a", Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("198.51.100.1")}, "src"},
	} {
		_, err := s.Trace(c.f)
		var fe *FlowError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: err %v, want a FlowError on %s", c.f, err, c.field)
		}
	}
	if _, err := s.Reply(&Trace{Disposition: NoRoute}); err == nil {
		t.Error("Reply of a trace that was not accepted: no error")
	}
}

// TestTraceGolden keeps the steps of the example traces as JSON.
func TestTraceGolden(t *testing.T) {
	for _, c := range []struct {
		file, name string
		f          Flow
	}{
		{"k8s.yaml", "k8s-clusterip.json", Flow{From: "client", Dst: netip.MustParseAddr("10.96.0.80"), Proto: packet.TCP, SrcPort: 40000, DstPort: 80}},
		{"home-nat.yaml", "home-nat.json", Flow{From: "laptop", Dst: netip.MustParseAddr("203.0.113.200"), Proto: packet.UDP, SrcPort: 5353, DstPort: 53}},
		{"gateway.yaml", "gateway-v6.json", Flow{From: "a", Dst: netip.MustParseAddr("2001:db8:2::20"), Proto: packet.ICMP, SrcPort: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := NewSim(readExample(t, c.file), 1)
			tr := mustTrace(t, s, c.f)
			rp, err := s.Reply(tr)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			for _, x := range []*Trace{tr, rp} {
				for _, st := range x.Steps {
					j, _ := json.Marshal(st)
					fmt.Fprintf(&b, "%s\n", j)
				}
				j, _ := json.Marshal(x)
				var r map[string]any
				_ = json.Unmarshal(j, &r)
				delete(r, "steps")
				j, _ = json.Marshal(r)
				fmt.Fprintf(&b, "%s\n", j)
			}
			golden(t, "trace/"+c.name, b.Bytes())
		})
	}
}

// TestTraceHairpin: a pod reaching its own Service. With br_netfilter the
// DNAT happens at the bridge and the frame would go back out the port it
// came in on: dropped without hairpin mode, delivered (masqueraded to
// cni0's address by KUBE-MARK-MASQ) with it. Without br_netfilter the
// packet is routed and the hairpin rule does not apply.
func TestTraceHairpin(t *testing.T) {
	read := func(name string) *Topology {
		data, err := os.ReadFile(filepath.Join("../../testdata/topo/trace", name))
		if err != nil {
			t.Fatal(err)
		}
		top, err := Parse(bytes.NewReader(data), Options{File: name, ReadFile: func(n string) ([]byte, error) {
			return os.ReadFile(filepath.Join("../../testdata/topo/trace", n))
		}})
		if err != nil {
			t.Fatal(err)
		}
		return top
	}
	f := Flow{From: "web-1", Dst: netip.MustParseAddr("10.96.0.90"), Proto: packet.TCP, SrcPort: 40000, DstPort: 80}
	for _, c := range []struct {
		file string
		brnf bool
		want Disposition
		src  string
	}{
		{"hairpin.yaml", true, NeighborUnreachable, ""},
		{"hairpin-on.yaml", true, Accepted, "10.244.0.1"},
		{"hairpin.yaml", false, Accepted, "10.244.0.1"},
	} {
		s, _ := NewSim(read(c.file), 1)
		s.BridgeNetfilter = c.brnf
		tr := mustTrace(t, s, f)
		if tr.Disposition != c.want {
			t.Errorf("%s br_netfilter %v: %s, want %s: %v", c.file, c.brnf, tr.Disposition, c.want, actions(tr))
			continue
		}
		last := tr.Steps[len(tr.Steps)-1]
		if c.want != Accepted && (!last.Hairpin || last.Reason != ReasonHairpinOff || !last.DNATed) {
			t.Errorf("%s: last step %+v, want the hairpin drop", c.file, last)
		}
		if c.want == Accepted && (tr.At != "web-1" || tr.Packet.Src.String() != c.src) {
			t.Errorf("%s br_netfilter %v: at %s from %s, want web-1 from %s", c.file, c.brnf, tr.At, tr.Packet.Src, c.src)
		}
	}
}
