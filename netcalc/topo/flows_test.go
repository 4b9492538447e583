package topo

import (
	"errors"
	"fmt"
	"github.com/netcalc/netcalc/netcalc/packet"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// batchTopologies are the example topologies and the trace test
// topologies, each with its flows: every node to every address of every
// node as icmp, tcp to port 80 and udp to port 53, and extra flows.
func batchTopologies(t testing.TB) map[string][]Flow {
	t.Helper()
	out := map[string][]Flow{}
	add := func(key string, top *Topology, extra ...string) {
		var fs []Flow
		for _, from := range top.Nodes {
			for _, n := range top.Nodes {
				for _, ifc := range n.Interfaces {
					for _, p := range ifc.Addrs {
						a := p.Addr()
						fs = append(fs,
							Flow{From: from.Name, Dst: a, Proto: packet.ICMP, SrcPort: DefaultSrcPort},
							Flow{From: from.Name, Dst: a, Proto: packet.TCP, DstPort: 80, SrcPort: DefaultSrcPort},
							Flow{From: from.Name, Dst: a, Proto: packet.UDP, DstPort: 53, SrcPort: 5353})
					}
				}
			}
		}
		for i, line := range extra {
			f, ok, err := ParseFlowLine(top, line)
			if err != nil || !ok {
				t.Fatalf("%s: extra flow %d %q: %v", key, i, line, err)
			}
			fs = append(fs, f)
		}
		out[key] = fs
	}
	for _, name := range []string{"veth.yaml", "bridge.yaml", "gateway.yaml", "home-nat.yaml", "k8s.yaml"} {
		var extra []string
		if name == "k8s.yaml" {
			for _, n := range readExample(t, name).Nodes {
				extra = append(extra, n.Name+" 10.96.0.80:80 tcp", n.Name+" 10.96.0.80:80 tcp 40001")
			}
		}
		add("examples/"+name, readExample(t, name), extra...)
	}
	data, err := os.ReadFile("../../testdata/topo/trace/dispositions.flows")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../testdata/topo/trace/*.yaml")
	for _, p := range files {
		name := filepath.Base(p)
		if name == "hairpin-services.yaml" {
			continue // the services file of hairpin.yaml
		}
		top := readTraceFileServices(t, name)
		var extra []string
		if name == "dispositions.yaml" {
			extra = strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
		}
		add("trace/"+name, top, extra...)
	}
	return out
}

func readTraceFileServices(t testing.TB, name string) *Topology {
	t.Helper()
	return readTopoFile(t, "../../testdata/topo/trace", name)
}

// TestBatchEqualsSingle: a trace through one Sim reused with Reset, after
// other flows and their replies, equals the trace of a fresh Sim, for
// every flow of every example, with and without br_netfilter.
func TestBatchEqualsSingle(t *testing.T) {
	n := 0
	for key, flows := range batchTopologies(t) {
		var top *Topology
		if strings.HasPrefix(key, "examples/") {
			top = readExample(t, strings.TrimPrefix(key, "examples/"))
		} else {
			top = readTraceFileServices(t, strings.TrimPrefix(key, "trace/"))
		}
		for _, brnf := range []bool{false, true} {
			batch, err := NewSim(top, 7)
			if err != nil {
				t.Fatal(err)
			}
			batch.BridgeNetfilter = brnf
			for _, f := range flows {
				batch.Reset()
				got, gerr := batchTrace(batch, f)
				one, err := NewSim(top, 7)
				if err != nil {
					t.Fatal(err)
				}
				one.BridgeNetfilter = brnf
				want, werr := batchTrace(one, f)
				if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s br_netfilter=%v flow %+v: batch\n%+v (%v)\nsingle\n%+v (%v)", key, brnf, f, got, gerr, want, werr)
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d flows compared", n)
	}
}

// batchTrace is a trace and, when accepted, its reply.
func batchTrace(s *Sim, f Flow) ([2]*Trace, error) {
	var out [2]*Trace
	tr, err := s.Trace(f)
	if err != nil {
		return out, err
	}
	out[0] = tr
	if tr.Disposition == Accepted {
		out[1], err = s.Reply(tr)
	}
	return out, err
}

// TestResetForgets: without Reset a second identical NAT flow finds the
// first one's conntrack entry; after Reset it walks as the first did.
func TestResetForgets(t *testing.T) {
	top := readExample(t, "home-nat.yaml")
	f, _, perr := ParseFlowLine(top, "laptop 203.0.113.200:80 tcp")
	if perr != nil {
		t.Fatal(perr)
	}
	s, err := NewSim(top, 1)
	if err != nil {
		t.Fatal(err)
	}
	first := mustTrace(t, s, f)
	again := mustTrace(t, s, f)
	if len(first.Conns) == 0 || reflect.DeepEqual(first, again) {
		t.Fatalf("the second trace did not see the first's state: %+v", again.Conns)
	}
	s.Reset()
	if len(s.touched) != 0 {
		t.Fatalf("touched after Reset: %d", len(s.touched))
	}
	for _, sn := range s.nodes {
		if len(sn.ct.conns) != 0 || len(sn.fdb) != 0 {
			t.Fatalf("node %s keeps state after Reset", sn.n.Name)
		}
	}
	after := mustTrace(t, s, f)
	if !reflect.DeepEqual(after, first) {
		t.Fatalf("after Reset:\n%+v\nwant\n%+v", after, first)
	}
}

func TestParseFlowLine(t *testing.T) {
	top := readExample(t, "gateway.yaml")
	for _, c := range []struct{ line, tok, want string }{
		{"a 203.0.113.20", "", "{a 203.0.113.20 icmp 40000 0}"},
		{"  # comment only", "", ""},
		{"a 203.0.113.20:80 TCP 1234 # web", "", "{a 203.0.113.20 tcp 1234 80}"},
		{"a [2001:db8::1]:53 udp", "", "{a 2001:db8::1 udp 40000 53}"},
		{"zz 203.0.113.20", "zz", ""},
		{"a 203.0.113.300", "203.0.113.300", ""},
		{"a 203.0.113.20 sctp", "sctp", ""},
		{"a 203.0.113.20:80", "203.0.113.20:80", ""},
		{"a 203.0.113.20 tcp", "203.0.113.20", ""},
		{"a 203.0.113.20 icmp 70000", "70000", ""},
		{"a", "a", ""},
		{"a b c d e", "a b c d e", ""},
	} {
		f, ok, err := ParseFlowLine(top, c.line)
		if c.tok != "" {
			var fe *FlowError
			if !errors.As(err, &fe) || fe.Token != c.tok {
				t.Errorf("%q: error %v, want token %q", c.line, err, c.tok)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		got := ""
		if ok {
			got = fmt.Sprintf("{%s %s %s %d %d}", f.From, f.Dst, f.Proto, f.SrcPort, f.DstPort)
		}
		if got != c.want {
			t.Errorf("%q = %s, want %s", c.line, got, c.want)
		}
	}
}

// TestParseFlow: the flow flags' reading, each error naming the field,
// the token and what was wanted, in the order the command checks them.
func TestParseFlow(t *testing.T) {
	top := readExample(t, "gateway.yaml")
	for _, c := range []struct {
		name, from, to, proto string
		sport                 int
		want                  string // the flow, or FIELD "TOKEN"/missing: WANT
	}{
		{"icmp", "a", "203.0.113.20", "icmp", 40000, "a 203.0.113.20 icmp 40000"},
		{"tcp in capitals", "a", "203.0.113.20:80", "TCP", 1, "a 203.0.113.20:80 tcp 1"},
		{"udp IPv6", "a", "[2001:db8:2::20]:53", "udp", 5353, "a [2001:db8:2::20]:53 udp 5353"},
		{"4-in-6 unmapped", "a", "::ffff:203.0.113.20", "icmp", 7, "a 203.0.113.20 icmp 7"},
		{"no from", "", "203.0.113.20", "icmp", 1, `from missing: want a node`},
		{"unknown node before missing to", "zz", "", "icmp", 1, `from "zz": no such node in the topology`},
		{"no to", "a", "", "icmp", 1, `to missing: want ADDR[:PORT]`},
		{"sctp", "a", "203.0.113.20", "sctp", 1, `proto "sctp": want icmp, tcp or udp`},
		{"a number is not a flow protocol", "a", "203.0.113.20", "6", 1, `proto "6": want icmp, tcp or udp`},
		{"protocol before the port", "a", "bad", "sctp", 70000, `proto "sctp": want icmp, tcp or udp`},
		{"port before the address", "a", "bad", "icmp", 70000, `sport "70000": want a port 0-65535`},
		{"bad address", "a", "203.0.113.300", "icmp", 1, `to "203.0.113.300": want an address such as 203.0.113.20 or 203.0.113.20:80 ([2001:db8::1]:80)`},
		{"zone", "a", "fe80::1%eth0", "icmp", 1, `to "fe80::1%eth0": want an address without a zone`},
		{"icmp with a port", "a", "203.0.113.20:80", "icmp", 1, `to "203.0.113.20:80": icmp has no ports: give the address alone`},
		{"udp without a port", "a", "203.0.113.20", "udp", 1, `to "203.0.113.20": udp needs a port: ADDR:PORT`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFlow(top, c.from, c.to, c.proto, c.sport)
			got := f.String()
			if err != nil {
				var fe *FlowError
				if !errors.As(err, &fe) {
					t.Fatalf("err %v (%T), want a *FlowError", err, err)
				}
				tok := strconv.Quote(fe.Token)
				if fe.Missing {
					tok = "missing"
				}
				got = fe.Field + " " + tok + ": " + fe.Want
			}
			if got != c.want {
				t.Errorf("ParseFlow(%q, %q, %q, %d) = %s; want %s", c.from, c.to, c.proto, c.sport, got, c.want)
			}
		})
	}
}

func TestParseFlowProtocol(t *testing.T) {
	for in, want := range map[string]packet.Protocol{"icmp": packet.ICMP, "ICMP": packet.ICMP, "tcp": packet.TCP, "Udp": packet.UDP} {
		if p, err := ParseFlowProtocol(in); err != nil || p != want {
			t.Errorf("ParseFlowProtocol(%q) = %v, %v; want %v", in, p, err, want)
		}
	}
	for _, in := range []string{"", "icmpv6", "ipv6-icmp", "sctp", "1", "17"} {
		if p, err := ParseFlowProtocol(in); err == nil {
			t.Errorf("ParseFlowProtocol(%q) = %v; want an error", in, p)
		}
	}
}

// TestFlowString: a flow written by String reads back as the same flow.
func TestFlowString(t *testing.T) {
	top := readExample(t, "gateway.yaml")
	for _, line := range []string{"a 203.0.113.20 icmp 40000", "a [2001:db8:2::20]:80 tcp 1", "r 198.51.100.10:53 udp 0"} {
		f, ok, err := ParseFlowLine(top, line)
		if err != nil || !ok {
			t.Fatalf("%q: %v", line, err)
		}
		if f.String() != line {
			t.Errorf("ParseFlowLine(%q).String() = %q", line, f.String())
		}
	}
	if s := (Flow{From: "a", Dst: netip.MustParseAddr("203.0.113.20")}).String(); s != "a 203.0.113.20 icmp 0" {
		t.Errorf("zero protocol: %q, want icmp", s)
	}
}
