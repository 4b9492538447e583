package nat

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// ev parses "SECONDS DIR PACKET", e.g. "0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443".
func ev(t testing.TB, s string) Event {
	t.Helper()
	f := strings.SplitN(s, " ", 3)
	sec, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		t.Fatalf("bad event %q", s)
	}
	dir := Direction(f[1])
	p, flags, err := ParsePacket(f[2], dir)
	if err != nil {
		t.Fatalf("bad event %q: %v", s, err)
	}
	return Event{At: time.Duration(sec * float64(time.Second)), Dir: dir, Packet: p, Flags: flags}
}

func preset(t testing.TB, p Preset, ext string) Config {
	t.Helper()
	c, ok := p.Config()
	if !ok {
		t.Fatalf("no preset %q", p)
	}
	c.External = mustRange(ext)
	c.Seed = 1
	return c
}

// run processes the events and returns the results; errors other than
// port exhaustion fail the test.
func run(t testing.TB, cfg Config, events ...string) ([]Decision, *Translator) {
	t.Helper()
	tb, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var out []Decision
	for _, s := range events {
		r, err := tb.Process(ev(t, s))
		if err != nil && !errors.Is(err, ErrPortExhausted) {
			t.Fatalf("Process(%q): %v", s, err)
		}
		out = append(out, r)
	}
	return out, tb
}

// outcome is a result in one string: "accept OUT" or "drop REASON".
func outcome(r Decision) string {
	if r.Verdict == Drop {
		return "drop " + string(r.Reason)
	}
	return "accept " + FormatPacket(r.Out)
}

func TestBehaviours(t *testing.T) {
	const ext = "203.0.113.7"
	tests := []struct {
		name   string
		preset Preset
		modify func(*Config)
		events []string
		want   []string // outcome of each event; "" = not checked
	}{
		{
			name:   "linux preserves the source port",
			preset: PresetLinux,
			events: []string{"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443"},
			want:   []string{"accept tcp 203.0.113.7:40000 -> 198.51.100.7:443"},
		},
		{
			name:   "linux reply is de-NATed",
			preset: PresetLinux,
			events: []string{
				"0 out udp 10.0.0.5:5353 -> 198.51.100.53:53",
				"0.1 in udp 198.51.100.53:53 -> 203.0.113.7:5353",
			},
			want: []string{"accept udp 203.0.113.7:5353 -> 198.51.100.53:53", "accept udp 198.51.100.53:53 -> 10.0.0.5:5353"},
		},
		{
			name:   "linux overlaps one external port toward different destinations",
			preset: PresetLinux,
			events: []string{
				"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443",
				"1 out tcp 10.0.0.6:40000 -> 198.51.100.8:443",
			},
			want: []string{"accept tcp 203.0.113.7:40000 -> 198.51.100.7:443", "accept tcp 203.0.113.7:40000 -> 198.51.100.8:443"},
		},
		{
			name:   "full cone does not overlap: the second host moves",
			preset: PresetFullCone,
			events: []string{
				"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443",
				"1 out tcp 10.0.0.6:40000 -> 198.51.100.8:443",
			},
			want: []string{"accept tcp 203.0.113.7:40000 -> 198.51.100.7:443", ""},
		},
		{
			name:   "linux filters an unknown remote (APDF)",
			preset: PresetLinux,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"1 in udp 198.51.100.7:3479 -> 203.0.113.7:5000",
				"2 in udp 198.51.100.9:3478 -> 203.0.113.7:5000",
			},
			want: []string{"", "drop filtered", "drop filtered"},
		},
		{
			name:   "full cone lets anyone in (EIF)",
			preset: PresetFullCone,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"1 in udp 198.51.100.9:9999 -> 203.0.113.7:5000",
				"2 out udp 10.0.0.5:5000 -> 198.51.100.9:9999",
			},
			want: []string{"", "accept udp 198.51.100.9:9999 -> 10.0.0.5:5000", "accept udp 203.0.113.7:5000 -> 198.51.100.9:9999"},
		},
		{
			name:   "restricted cone admits another port of a contacted address (ADF)",
			preset: PresetRestrictedCone,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"1 in udp 198.51.100.7:3479 -> 203.0.113.7:5000",
				"2 in udp 198.51.100.9:3478 -> 203.0.113.7:5000",
			},
			want: []string{"", "accept udp 198.51.100.7:3479 -> 10.0.0.5:5000", "drop filtered"},
		},
		{
			name:   "port-restricted cone admits only the contacted address and port (APDF)",
			preset: PresetPortRestrictedCone,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"1 in udp 198.51.100.7:3479 -> 203.0.113.7:5000",
				"2 in udp 198.51.100.7:3478 -> 203.0.113.7:5000",
			},
			want: []string{"", "drop filtered", "accept udp 198.51.100.7:3478 -> 10.0.0.5:5000"},
		},
		{
			name:   "nothing mapped",
			preset: PresetFullCone,
			events: []string{"0 in udp 198.51.100.7:3478 -> 203.0.113.7:5000"},
			want:   []string{"drop no-mapping"},
		},
		{
			name:   "udp mapping expires after 30 s without a reply",
			preset: PresetLinux,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"0 out udp 10.0.0.6:6000 -> 198.51.100.7:3478",
				"29.9 in udp 198.51.100.7:3478 -> 203.0.113.7:5000",
				"30 in udp 198.51.100.7:3478 -> 203.0.113.7:6000",
			},
			want: []string{"", "", "accept udp 198.51.100.7:3478 -> 10.0.0.5:5000", "drop expired"},
		},
		{
			name:   "udp stream lives 120 s once replied after 2 s",
			preset: PresetLinux,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"3 in udp 198.51.100.7:3478 -> 203.0.113.7:5000",
				"120 in udp 198.51.100.7:3478 -> 203.0.113.7:5000",
				"241 in udp 198.51.100.7:3478 -> 203.0.113.7:5000",
			},
			want: []string{"", "", "accept udp 198.51.100.7:3478 -> 10.0.0.5:5000", "drop expired"},
		},
		{
			name:   "EIF mapping expires with its last connection",
			preset: PresetFullCone,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"31 in udp 198.51.100.9:1 -> 203.0.113.7:5000",
			},
			want: []string{"", "drop expired"},
		},
		{
			name:   "hairpin off on linux",
			preset: PresetLinux,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"1 out udp 10.0.0.6:6000 -> 203.0.113.7:5000",
			},
			want: []string{"", "drop hairpin-disabled"},
		},
		{
			name:   "full cone hairpins with the sender's external endpoint (REQ-9a)",
			preset: PresetFullCone,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"1 out udp 10.0.0.6:6000 -> 203.0.113.7:5000",
				"2 out udp 10.0.0.5:5000 -> 203.0.113.7:6000",
			},
			want: []string{"", "accept udp 203.0.113.7:6000 -> 10.0.0.5:5000", "accept udp 203.0.113.7:5000 -> 10.0.0.6:6000"},
		},
		{
			name:   "port-restricted hairpin is filtered until the peer sends first",
			preset: PresetPortRestrictedCone,
			events: []string{
				"0 out udp 10.0.0.5:5000 -> 198.51.100.7:3478",
				"1 out udp 10.0.0.6:6000 -> 203.0.113.7:5000",
			},
			want: []string{"", "drop filtered"},
		},
		{
			name:   "port exhaustion drops the packet",
			preset: PresetLinux,
			modify: func(c *Config) { c.PortMin, c.PortMax = 5000, 5001 },
			events: []string{
				"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443",
				"0 out tcp 10.0.0.6:40000 -> 198.51.100.7:443",
				"0 out tcp 10.0.0.7:40000 -> 198.51.100.7:443",
				"0 out tcp 10.0.0.7:40000 -> 198.51.100.8:443",
			},
			want: []string{"", "", "drop port-exhausted", ""},
		},
		{
			name:   "low ports stay low: 1-511",
			preset: PresetLinux,
			events: []string{
				"0 out udp 10.0.0.5:123 -> 198.51.100.7:123",
				"0 out udp 10.0.0.6:123 -> 198.51.100.7:123",
			},
			want: []string{"accept udp 203.0.113.7:123 -> 198.51.100.7:123", ""},
		},
		{
			name:   "static 1:1 both ways",
			preset: PresetLinux,
			modify: func(c *Config) {
				c.Kind = Static
				c.Static = []StaticNAT{{Inside: netip.MustParseAddr("10.0.0.20"), Outside: netip.MustParseAddr("203.0.113.20")}}
			},
			events: []string{
				"0 in tcp 198.51.100.9:5555 -> 203.0.113.20:22",
				"1 out tcp 10.0.0.20:41000 -> 198.51.100.7:443",
				"2 out tcp 10.0.0.21:41000 -> 198.51.100.7:443",
			},
			want: []string{"accept tcp 198.51.100.9:5555 -> 10.0.0.20:22", "accept tcp 203.0.113.20:41000 -> 198.51.100.7:443", "drop no-mapping"},
		},
		{
			name:   "dnat forwards and leaves outbound untranslated",
			preset: PresetLinux,
			modify: func(c *Config) {
				c.Kind = DNAT
				c.Forwards = []Forward{{Proto: packet.TCP, External: netip.MustParseAddrPort("203.0.113.7:8080"), Internal: netip.MustParseAddrPort("10.0.0.10:80")}}
			},
			events: []string{
				"0 in tcp 198.51.100.9:5555 -> 203.0.113.7:8080",
				"0.1 out tcp 10.0.0.10:80 -> 198.51.100.9:5555",
				"1 out tcp 10.0.0.11:41000 -> 198.51.100.7:443",
				"2 in tcp 198.51.100.9:5555 -> 203.0.113.7:8081",
			},
			want: []string{"accept tcp 198.51.100.9:5555 -> 10.0.0.10:80", "accept tcp 203.0.113.7:8080 -> 198.51.100.9:5555",
				"accept tcp 10.0.0.11:41000 -> 198.51.100.7:443", "drop no-mapping"},
		},
		{
			name:   "icmp echo identifier preserved and the reply de-NATed",
			preset: PresetLinux,
			events: []string{
				"0 out icmp 10.0.0.5 -> 198.51.100.1 id=7",
				"0.01 in icmp 198.51.100.1 -> 203.0.113.7 id=7",
				"0.02 in icmp 198.51.100.1 -> 203.0.113.7 id=8",
			},
			want: []string{"accept icmp 203.0.113.7 -> 198.51.100.1 id=7 request", "accept icmp 198.51.100.1 -> 10.0.0.5 id=7 reply", "drop no-mapping"},
		},
		{
			name:   "icmp identifier collision moves the id and the reply follows it",
			preset: PresetLinux,
			modify: func(c *Config) { c.PortMin, c.PortMax = 7, 8 },
			events: []string{
				"0 out icmp 10.0.0.5 -> 198.51.100.1 id=7",
				"0 out icmp 10.0.0.6 -> 198.51.100.1 id=7",
				"0.01 in icmp 198.51.100.1 -> 203.0.113.7 id=8",
				"0.02 in icmp 198.51.100.1 -> 203.0.113.7 id=7",
				"1 out icmp 10.0.0.6 -> 203.0.113.7 id=9",
			},
			want: []string{"accept icmp 203.0.113.7 -> 198.51.100.1 id=7 request", "accept icmp 203.0.113.7 -> 198.51.100.1 id=8 request",
				"accept icmp 198.51.100.1 -> 10.0.0.6 id=7 reply", "accept icmp 198.51.100.1 -> 10.0.0.5 id=7 reply", "drop no-mapping"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := preset(t, tt.preset, ext)
			if tt.modify != nil {
				tt.modify(&cfg)
			}
			res, _ := run(t, cfg, tt.events...)
			for i, r := range res {
				if tt.want[i] == "" {
					continue
				}
				if got := outcome(r); got != tt.want[i] {
					t.Errorf("event %d %q = %q; want %q (cause %v)", i+1, tt.events[i], got, tt.want[i], r.Cause)
				}
			}
		})
	}
}

func TestClash(t *testing.T) {
	// APDM with EIF: 10.0.0.5:5000 has one mapping per destination; the
	// first server writing to the second mapping's port would, de-NATed,
	// duplicate the first connection, so conntrack refuses it.
	cfg := preset(t, PresetFullCone, "203.0.113.7")
	cfg.Mapping = APDM
	res, tb := run(t, cfg,
		"0 out udp 10.0.0.5:5000 -> 198.51.100.7:53",
		"0 out udp 10.0.0.5:5000 -> 198.51.100.8:53",
	)
	second := res[1].Out.SrcPort
	if second == 5000 {
		t.Fatalf("APDM+EIF gave both destinations port 5000")
	}
	r, err := tb.Process(ev(t, "1 in udp 198.51.100.7:53 -> 203.0.113.7:"+strconv.Itoa(int(second))))
	if err != nil || r.Reason != Clash {
		t.Errorf("Process = %v, %v (%v); want a clash drop", r.Verdict, err, r.Cause)
	}
	if n := tb.Len(); n != 2 {
		t.Errorf("Len = %d; want 2", n)
	}
}

func TestCollisionMovesPortDeterministically(t *testing.T) {
	cfg := preset(t, PresetLinux, "203.0.113.7")
	evs := []string{
		"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443",
		"1 out tcp 10.0.0.6:40000 -> 198.51.100.7:443",
	}
	res, _ := run(t, cfg, evs...)
	moved := res[1].Out.SrcPort
	if moved == 40000 || moved < 1024 {
		t.Fatalf("second flow got port %d; want a port in 1024-65535 other than 40000", moved)
	}
	if res[1].Cause != CauseSourceNAT || res[1].Alloc != AllocMoved {
		t.Errorf("cause %v, alloc %v; want %v, %v", res[1].Cause, res[1].Alloc, CauseSourceNAT, AllocMoved)
	}
	again, _ := run(t, cfg, evs...)
	if again[1].Out != res[1].Out {
		t.Errorf("same seed gave %v then %v", res[1].Out, again[1].Out)
	}
	cfg.Seed = 2
	other, _ := run(t, cfg, evs...)
	if other[1].Out.SrcPort == moved {
		t.Errorf("seeds 1 and 2 both moved to port %d", moved)
	}
}

func TestMappingReuse(t *testing.T) {
	tests := []struct {
		name      string
		preset    Preset
		modify    func(*Config)
		sameSecnd bool // second destination gets the first's external port
		sameThird bool // third (same address, other port) gets it
	}{
		{name: "linux EIM reuses the moved port", preset: PresetLinux, sameSecnd: true, sameThird: true},
		{name: "full-cone EIM", preset: PresetFullCone, sameSecnd: true, sameThird: true},
		{name: "ADM+ADF: new address, new port", preset: PresetRestrictedCone, modify: func(c *Config) { c.Mapping = ADM }, sameSecnd: false, sameThird: true},
		{name: "symmetric APDM: every destination its own port", preset: PresetSymmetric, sameSecnd: false, sameThird: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := preset(t, tt.preset, "203.0.113.7")
			if tt.modify != nil {
				tt.modify(&cfg)
			}
			res, _ := run(t, cfg,
				"0 out udp 10.0.0.9:5000 -> 198.51.100.6:1", // takes port 5000 so 10.0.0.5 has to move
				"0 out udp 10.0.0.5:5000 -> 198.51.100.6:1",
				"1 out udp 10.0.0.5:5000 -> 198.51.100.8:3478",
				"2 out udp 10.0.0.5:5000 -> 198.51.100.6:2",
			)
			first := res[1].Out.SrcAddrPort()
			if tt.preset != PresetSymmetric && first.Port() == 5000 {
				t.Fatalf("second host kept port 5000; the collision did not happen")
			}
			if got := res[2].Out.SrcAddrPort() == first; got != tt.sameSecnd {
				t.Errorf("toward a new address: %v after %v; same = %v, want %v", res[2].Out.SrcAddrPort(), first, got, tt.sameSecnd)
			}
			if got := res[3].Out.SrcAddrPort() == first; got != tt.sameThird {
				t.Errorf("toward the same address, other port: %v after %v; same = %v, want %v", res[3].Out.SrcAddrPort(), first, got, tt.sameThird)
			}
			if tt.sameSecnd && res[2].Alloc != AllocReused {
				t.Errorf("alloc = %v; want %v", res[2].Alloc, AllocReused)
			}
		})
	}
}

func TestExhaustionError(t *testing.T) {
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.PortMin, cfg.PortMax = 5000, 5000
	tb, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Process(ev(t, "0 out udp 10.0.0.5:5000 -> 198.51.100.7:53")); err != nil {
		t.Fatal(err)
	}
	r, err := tb.Process(ev(t, "0 out udp 10.0.0.6:5000 -> 198.51.100.7:53"))
	var ee *ExhaustedError
	if !errors.As(err, &ee) || !errors.Is(err, ErrPortExhausted) {
		t.Fatalf("Process = %v; want an *ExhaustedError", err)
	}
	if ee.Min != 5000 || ee.Max != 5000 || ee.Tries != 1 || r.Reason != PortExhausted {
		t.Errorf("error %+v, reason %q; want range 5000-5000 after 1 try, reason port-exhausted", ee, r.Reason)
	}
	if n := tb.Len(); n != 1 {
		t.Errorf("Len = %d after the failed packet; want 1", n)
	}
}

func TestSearchWindows(t *testing.T) {
	// With every port but one taken the kernel's search (128+64+32+16+8
	// tries from random offsets) usually misses it: exhaustion before the
	// range is full, which is what the kernel does.
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.PortMin, cfg.PortMax = 1024, 2047
	tb, _ := New(cfg)
	for p := 1024; p < 2047; p++ {
		pkt := ev(t, "0 out udp 10.0.0.5:"+strconv.Itoa(p)+" -> 198.51.100.7:53")
		if _, err := tb.Process(pkt); err != nil {
			t.Fatal(err)
		}
	}
	_, err := tb.Process(ev(t, "0 out udp 10.0.0.6:1500 -> 198.51.100.7:53"))
	var ee *ExhaustedError
	if !errors.As(err, &ee) {
		t.Fatalf("Process = %v; want exhaustion with one port of 1024 free", err)
	}
	if ee.Tries != 128+64+32+16+8 {
		t.Errorf("tries = %d; want 248", ee.Tries)
	}
}

func TestTCPStates(t *testing.T) {
	cfg := preset(t, PresetLinux, "203.0.113.7")
	_, tb := run(t, cfg,
		"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443 syn",
	)
	check := func(want string) {
		t.Helper()
		cs := tb.Conns()
		if len(cs) != 1 {
			t.Fatalf("%d conns; want 1", len(cs))
		}
		if got := cs[0].String(); got != want {
			t.Errorf("conntrack line\n%s\nwant\n%s", got, want)
		}
	}
	check("tcp      6 120 SYN_SENT src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 [UNREPLIED] src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 mark=0 use=1")
	steps := []struct {
		ev, line string
	}{
		{"0.05 in tcp 198.51.100.7:443 -> 203.0.113.7:40000 syn,ack",
			"tcp      6 60 SYN_RECV src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 mark=0 use=1"},
		{"0.1 out tcp 10.0.0.5:40000 -> 198.51.100.7:443 ack",
			"tcp      6 432000 ESTABLISHED src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 [ASSURED] mark=0 use=1"},
		{"10 out tcp 10.0.0.5:40000 -> 198.51.100.7:443 fin,ack",
			"tcp      6 120 FIN_WAIT src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 [ASSURED] mark=0 use=1"},
		{"10.1 in tcp 198.51.100.7:443 -> 203.0.113.7:40000 fin,ack",
			"tcp      6 30 LAST_ACK src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 [ASSURED] mark=0 use=1"},
		{"10.2 out tcp 10.0.0.5:40000 -> 198.51.100.7:443 ack",
			"tcp      6 120 TIME_WAIT src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 [ASSURED] mark=0 use=1"},
	}
	for _, s := range steps {
		if _, err := tb.Process(ev(t, s.ev)); err != nil {
			t.Fatal(err)
		}
		check(s.line)
	}
	if err := tb.Advance(10*time.Second + 200*time.Millisecond + 119*time.Second); err != nil {
		t.Fatal(err)
	}
	check("tcp      6 1 TIME_WAIT src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 [ASSURED] mark=0 use=1")
	if err := tb.Advance(200 * time.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(tb.Conns()); n != 0 {
		t.Errorf("%d conns after TIME_WAIT expired; want 0", n)
	}
	if err := tb.Advance(time.Second); !errors.Is(err, ErrPacket) {
		t.Errorf("Advance backwards = %v; want ErrPacket", err)
	}
}

func TestBestIPPool(t *testing.T) {
	pool := mustRange("203.0.113.8/29")
	used := map[netip.Addr]bool{}
	for i := 0; i < 64; i++ {
		src := netip.AddrFrom4([4]byte{10, 0, byte(i / 256), byte(i)})
		a := bestIP(rangeV{pool.From(), pool.To()}, src, netip.MustParseAddr("198.51.100.7"), false)
		if !pool.Contains(a) {
			t.Fatalf("bestIP(%v) = %v; outside %v", src, a, pool)
		}
		if b := bestIP(rangeV{pool.From(), pool.To()}, src, netip.MustParseAddr("198.51.100.7"), false); b != a {
			t.Fatalf("bestIP(%v) not stable: %v then %v", src, a, b)
		}
		used[a] = true
		// persistent: one address for every destination
		p1 := bestIP(rangeV{pool.From(), pool.To()}, src, netip.MustParseAddr("198.51.100.7"), true)
		p2 := bestIP(rangeV{pool.From(), pool.To()}, src, netip.MustParseAddr("198.51.100.99"), true)
		if p1 != p2 {
			t.Errorf("persistent bestIP(%v) = %v and %v for two destinations; want one", src, p1, p2)
		}
	}
	if len(used) < 6 {
		t.Errorf("64 clients used %d of 8 pool addresses; want a spread", len(used))
	}
}

func TestJhash2(t *testing.T) {
	// lookup3.c hashword on zero words: the empty key returns the initial
	// value's c unchanged (0xdeadbeef + initval), as jhash2 does for
	// length 0.
	if got := jhash2(nil, 0); got != 0xdeadbeef {
		t.Errorf("jhash2(nil, 0) = %#x; want 0xdeadbeef", got)
	}
	if jhash2([]uint32{1, 2, 3, 4}, 0) == jhash2([]uint32{1, 2, 3, 5}, 0) {
		t.Error("jhash2 ignores the last word")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no external", Config{}, "external"},
		{"masquerade pool", Config{External: mustRange("203.0.113.0/30")}, "external"},
		{"bad kind", Config{Kind: "nat64", External: mustRange("203.0.113.1")}, "kind"},
		{"bad mapping", Config{Mapping: "cone", External: mustRange("203.0.113.1")}, "mapping"},
		{"bad ports", Config{PortMin: 9, PortMax: 8, External: mustRange("203.0.113.1")}, "ports"},
		{"dnat without forwards", Config{Kind: DNAT}, "forwards"},
		{"static without pairs", Config{Kind: Static}, "static"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) || ce.Field != tt.field {
				t.Errorf("New = %v; want a ConfigError on %q", err, tt.field)
			}
		})
	}
}

func TestPacketErrors(t *testing.T) {
	cfg := preset(t, PresetLinux, "203.0.113.7")
	tb, _ := New(cfg)
	mixed := Event{Dir: Outbound, Packet: Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("2001:db8::1")}}
	if _, err := tb.Process(mixed); !errors.Is(err, ErrPacket) {
		t.Errorf("mixed families: %v; want ErrPacket", err)
	}
	v6 := Event{Dir: Outbound, Packet: Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("2001:db8::5"), Dst: netip.MustParseAddr("2001:db8:1::1"), SrcPort: 1, DstPort: 2}}
	if _, err := tb.Process(v6); !errors.Is(err, ErrPacket) {
		t.Errorf("IPv6 through an IPv4 masquerade: %v; want ErrPacket", err)
	}
	if _, err := tb.Process(ev(t, "5 out udp 10.0.0.1:1 -> 198.51.100.1:2")); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Process(ev(t, "4 out udp 10.0.0.1:1 -> 198.51.100.1:2")); !errors.Is(err, ErrPacket) {
		t.Errorf("time going backwards: %v; want ErrPacket", err)
	}
}

func TestIPv6Masquerade(t *testing.T) {
	cfg := preset(t, PresetLinux, "2001:db8:ff::1")
	res, tb := run(t, cfg,
		"0 out tcp [2001:db8::5]:40000 -> [2001:db8:1::9]:443",
		"0 in tcp [2001:db8:1::9]:443 -> [2001:db8:ff::1]:40000",
		"1 out icmpv6 2001:db8::5 -> 2001:db8:1::9 id=3",
	)
	if got, want := outcome(res[1]), "accept tcp [2001:db8:1::9]:443 -> [2001:db8::5]:40000"; got != want {
		t.Errorf("reply = %q; want %q", got, want)
	}
	want := "icmpv6   58 30 src=2001:db8::5 dst=2001:db8:1::9 type=128 code=0 id=3 [UNREPLIED] src=2001:db8:1::9 dst=2001:db8:ff::1 type=129 code=0 id=3 mark=0 use=1"
	if got := tb.Conns()[1].String(); got != want {
		t.Errorf("icmpv6 entry\n%s\nwant\n%s", got, want)
	}
}

func TestSummary(t *testing.T) {
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.PortMin, cfg.PortMax = 20000, 20099 // 100 ports
	tb, _ := New(cfg)
	fl := Flows{Inside: netip.MustParsePrefix("10.0.0.0/24"), Dest: netip.MustParsePrefix("198.51.100.7/32"), N: 150, Seed: 3}
	for e := range fl.Events() {
		if _, err := tb.Process(e); err != nil && !errors.Is(err, ErrPortExhausted) {
			t.Fatal(err)
		}
	}
	s := tb.Summary()
	// One destination: every flow needs its own external port, so at most
	// 100 fit and the rest are exhausted.
	if s.Live > 100 || s.Exhausted < 50 || s.Live+s.Exhausted != 150 || s.ExternalPorts != s.Live {
		t.Errorf("summary %+v; want <= 100 live, >= 50 exhausted, one port per live flow", s)
	}
}

func TestGrowAndSweep(t *testing.T) {
	// 20000 UDP flows, one every 10 ms: each lives 30 s, so about 3000 are
	// live at any time; the table must reuse expired slots instead of
	// growing, and survive rehashes.
	cfg := preset(t, PresetLinux, "203.0.113.7")
	tb, _ := New(cfg)
	fl := Flows{Inside: netip.MustParsePrefix("10.0.0.0/16"), Dest: netip.MustParsePrefix("198.51.100.0/24"),
		N: 20000, Seed: 5, Proto: packet.UDP, Interval: 10 * time.Millisecond}
	var last []Decision
	for e := range fl.Events() {
		r, err := tb.Process(e)
		if err != nil {
			t.Fatal(err)
		}
		last = append(last, r)
	}
	if n := tb.Len(); n < 2990 || n > 3000 {
		t.Errorf("Len = %d; want about 3000 live flows (30 s of 10 ms flows)", n)
	}
	if tb.ct.Slots() > 3*4096 {
		t.Errorf("%d entry slots for ~3000 live flows; expired slots are not reused", tb.ct.Slots())
	}
	// A reply to the newest flow is de-NATed, one to the oldest is not.
	for i, want := range map[int]Verdict{len(last) - 1: Accept, 0: Drop} {
		out := last[i].Out
		in := Event{At: tb.Now(), Dir: Inbound, Packet: out.Reverse()}
		r, err := tb.Process(in)
		if err != nil || r.Verdict != want {
			t.Errorf("reply to flow %d: %v %v (%v); want %v", i, r.Verdict, err, r.Cause, want)
		}
	}
}

func TestPortAssignments(t *testing.T) {
	flows := []string{
		"0 out udp 10.0.0.5:5000 -> 198.51.100.7:53",
		"0 out udp 10.0.0.5:5000 -> 198.51.100.7:54",
		"0 out udp 10.0.0.5:5001 -> 198.51.100.7:53",
	}
	ports := func(pa PortAssignment, seed uint64) []uint16 {
		cfg := preset(t, PresetPortRestrictedCone, "203.0.113.7")
		cfg.Mapping, cfg.Ports, cfg.Seed = APDM, pa, seed
		res, _ := run(t, cfg, flows...)
		var out []uint16
		for _, r := range res {
			if r.Verdict != Accept {
				t.Fatalf("%v dropped: %s", r.Packet, r.Reason)
			}
			out = append(out, r.Out.SrcPort)
		}
		return out
	}
	// preserve under APDM+APDF: the 5-tuples differ, so every port is kept
	if got := ports(Preserve, 1); got[0] != 5000 || got[1] != 5000 || got[2] != 5001 {
		t.Errorf("preserve: ports %v; want [5000 5000 5001]", got)
	}
	for _, pa := range []PortAssignment{Random, RandomFully} {
		a, b := ports(pa, 1), ports(pa, 1)
		if !slices.Equal(a, b) {
			t.Errorf("%s: seed 1 gave %v then %v", pa, a, b)
		}
		for _, p := range a {
			if p == 5000 || p == 5001 || p < 1024 {
				t.Errorf("%s: port %d; want a random port in 1024-65535", pa, p)
			}
		}
		if other := ports(pa, 2); slices.Equal(a, other) {
			t.Errorf("%s: seeds 1 and 2 both gave %v", pa, a)
		}
	}
	// random starts from a hash of source address, destination address and
	// destination port: the two flows to :53 start at the same offset, so
	// the second gets the next port; random-fully draws each anew.
	if r := ports(Random, 1); r[2] != r[0]+1 {
		t.Errorf("random: ports %v; want the third one after the first", r)
	}
	if r := ports(RandomFully, 1); r[2] == r[0]+1 {
		t.Errorf("random-fully: ports %v; want independent draws", r)
	}
}

func TestStats(t *testing.T) {
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.PortMin, cfg.PortMax = 40000, 40001
	_, tb := run(t, cfg,
		"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443", // preserved
		"0 out tcp 10.0.0.6:40000 -> 198.51.100.7:443", // moved to 40001
		"0 out tcp 10.0.0.6:40000 -> 198.51.100.8:443", // reused
		"0 out tcp 10.0.0.7:40000 -> 198.51.100.7:443", // exhausted
		"1 in tcp 198.51.100.9:1 -> 203.0.113.7:40000", // filtered
		"1 out tcp 10.0.0.5:40000 -> 203.0.113.7:1",    // hairpin off
	)
	s := tb.Stats()
	want := Stats{Packets: 6, Accepted: 3, Dropped: 3, New: 3, Preserved: 1, Reused: 1, Moved: 1, Exhausted: 1,
		Drops: map[packet.Reason]int{PortExhausted: 1, Filtered: 1, HairpinOff: 1}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Stats mismatch (-want +got):\n%s", diff)
	}
}
