package nat

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseScenario(t *testing.T) {
	src := `nat:
  preset: restricted-cone
  external: 203.0.113.0/30
  kind: snat
  ports: 20000-20999
  port-assignment: random
  timeouts: {udp: 1m, tcp-established: 7440}
  seed: 9
events:
  - at: 1.5
    out: "udp 10.0.0.5:5000 -> 198.51.100.7:3478"
  - {in: "tcp 198.51.100.7:443 -> 203.0.113.1:20000 syn,ack"}
  - {at: 2m, out: "icmp 10.0.0.5 -> 198.51.100.1 id=7"}
until: 1h
`
	sc, err := ParseScenario([]byte(src))
	if err != nil {
		t.Fatalf("ParseScenario: %v", err)
	}
	c := sc.Config
	if c.Kind != SNAT || c.Filtering != ADF || c.Mapping != EIM || c.Ports != Random || !c.Hairpin {
		t.Errorf("config %+v; want snat, adf (preset), eim, random, hairpin", c)
	}
	if c.External.String() != "203.0.113.0-203.0.113.3" || c.PortMin != 20000 || c.PortMax != 20999 || c.Seed != 9 {
		t.Errorf("external %v ports %d-%d seed %d", c.External, c.PortMin, c.PortMax, c.Seed)
	}
	if c.Timeouts.UDP != time.Minute || c.Timeouts.TCPEstablished != 7440*time.Second || c.Timeouts.TCPSynSent != 120*time.Second {
		t.Errorf("timeouts %+v", c.Timeouts)
	}
	if len(sc.Events) != 3 {
		t.Fatalf("%d events; want 3", len(sc.Events))
	}
	e := sc.Events
	if e[0].At != 1500*time.Millisecond || e[0].Line != 10 || e[0].Dir != Outbound {
		t.Errorf("event 1 = %+v; want at 1.5s, line 10, out", e[0])
	}
	if e[1].At != 1500*time.Millisecond || e[1].Line != 12 || e[1].Flags != SYN|ACK || e[1].Dir != Inbound {
		t.Errorf("event 2 = %+v; want the previous time, line 12, syn,ack, in", e[1])
	}
	if e[2].Packet.Type != 8 || e[2].Packet.SrcPort != 7 || e[2].At != 2*time.Minute {
		t.Errorf("event 3 = %+v; want an echo request id 7 at 2m", e[2])
	}
	if sc.Until != time.Hour {
		t.Errorf("until = %v; want 1h", sc.Until)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		want string // substring of the message
	}{
		{"yaml syntax", "nat:\n  external: 203.0.113.7\n events: [\n", 2, "yaml: did not find expected key"},
		{"tab indentation", "nat:\n\texternal: 1.2.3.4\n", 2, "yaml"},
		{"unknown field", "nat:\n  external: 203.0.113.7\n  filter: eif\n", 3, `unknown field "filter"`},
		{"wrong type", "nat:\n  external: 203.0.113.7\n  seed: many\n", 3, "seed"},
		{"bad preset", "nat:\n  preset: cone\n  external: 203.0.113.7\n", 2, `preset "cone"`},
		{"bad external", "nat:\n  external: 203.0.113.300\n", 2, `external "203.0.113.300"`},
		{"masquerade pool", "nat:\n  external: 203.0.113.0/24\n", 2, "masquerade uses the interface's one address"},
		{"bad mapping", "nat:\n  external: 203.0.113.7\n  mapping: full\n", 3, `mapping "full"`},
		{"bad ports", "nat:\n  external: 203.0.113.7\n  ports: 9-1\n", 3, `ports "9-1"`},
		{"bad timeout name", "nat:\n  external: 203.0.113.7\n  timeouts:\n    tcp: 5\n", 4, `tcp "tcp": not a timeout`},
		{"huge time", "nat:\n  external: 203.0.113.7\n  timeouts: {udp: 2000000h}\n", 3, "at most 1e9 s"},
		{"bad time", "nat:\n  external: 203.0.113.7\nevents:\n  - {at: soon, out: \"udp 10.0.0.1:1 -> 198.51.100.1:2\"}\n", 4, `time "soon"`},
		{"bad packet", "nat:\n  external: 203.0.113.7\nevents:\n  - {out: \"udp 10.0.0.1:1 -> 198.51.100.1:2\"}\n  - {out: \"udp 10.0.0.1 -> 198.51.100.1:2\"}\n", 5, `event 2: packet "udp 10.0.0.1 -> 198.51.100.1:2": "10.0.0.1": want ADDR:PORT`},
		{"both directions", "nat:\n  external: 203.0.113.7\nevents:\n  - out: \"udp 10.0.0.1:1 -> 198.51.100.1:2\"\n    in: \"udp 10.0.0.1:1 -> 198.51.100.1:2\"\n", 4, "not both"},
		{"no packet", "nat:\n  external: 203.0.113.7\nevents:\n  - at: 1\n", 4, `want out: "PACKET"`},
		{"time order", "nat:\n  external: 203.0.113.7\nevents:\n  - {at: 5, out: \"udp 10.0.0.1:1 -> 198.51.100.1:2\"}\n  - {at: 4, out: \"udp 10.0.0.1:1 -> 198.51.100.1:2\"}\n", 5, "time order"},
		{"until too early", "nat:\n  external: 203.0.113.7\nevents:\n  - {at: 5, out: \"udp 10.0.0.1:1 -> 198.51.100.1:2\"}\nuntil: 1\n", 5, "before the last event"},
		{"flow-style event list", "nat: {external: 203.0.113.7}\nevents: [{out: \"tcp 1.2.3.4:1 -> 1.2.3.5:x\"}]\n", 0, `"1.2.3.5:x"`},
		{"not a mapping", "- 1\n- 2\n", 0, "want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tt.src))
			var se *ScenarioError
			if !errors.As(err, &se) || !errors.Is(err, ErrScenario) {
				t.Fatalf("ParseScenario = %v; want a *ScenarioError", err)
			}
			if se.Line != tt.line {
				t.Errorf("line = %d; want %d (%v)", se.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// FuzzParseScenario checks that no input makes the scenario parser or the
// simulation panic, and that accepted scenarios run.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte("nat:\n  external: 203.0.113.7\nevents:\n  - {at: 0, out: \"tcp 10.0.0.5:1 -> 198.51.100.7:443\"}\n"))                                     // minimal valid
	f.Add([]byte("nat: {preset: full-cone, external: 203.0.113.7, hairpin: true}\nevents: [{out: \"udp 10.0.0.5:1 -> 203.0.113.7:1\"}]\n"))                 // hairpin to self
	f.Add([]byte("nat:\n  kind: snat\n  external: 2001:db8::/126\n  ports: 1-1\nevents:\n  - {out: \"icmpv6 2001:db8:1::1 -> 2001:db8:2::1 id=65535\"}\n")) // IPv6 pool, one port
	f.Add([]byte("nat:\n  external: 203.0.113.7\n  timeouts: {udp: 1e-9}\nevents:\n  - {at: 1e9, out: \"udp 10.0.0.5:1 -> 198.51.100.7:2\"}\n"))            // extreme times
	f.Add([]byte("nat: &a {external: 203.0.113.7}\nx: *a\n"))                                                                                               // anchors and aliases
	f.Add([]byte("nat:\n  external: [1, 2]\n"))                                                                                                             // wrong types
	f.Add([]byte("events:\n- out: tcp 10.0.0.1:1 -> 203.0.113.7:1\n"))                                                                                      // no nat section
	f.Add([]byte("\xff\xfe"))                                                                                                                               // not UTF-8
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 4096 {
			return
		}
		sc, err := ParseScenario(src)
		if err != nil {
			var se *ScenarioError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *ScenarioError", err)
			}
			return
		}
		tb, err := New(sc.Config)
		if err != nil {
			t.Fatalf("ParseScenario accepted a config New rejects: %v", err)
		}
		for _, ev := range sc.Events {
			_, _ = tb.Process(ev)
		}
		_ = tb.Advance(sc.Until)
		for _, c := range tb.Conns() {
			if _, err := ParseConn(c.String()); err != nil {
				t.Fatalf("entry %q does not parse: %v", c.String(), err)
			}
		}
	})
}
