package nat

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"

	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc/packet"
)

func one(s string) netipx.IPRange {
	a := netip.MustParseAddr(s)
	return netipx.IPRangeFrom(a, a)
}

func tcp(src, dst string) Tuple {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return Tuple{Proto: packet.TCP, Src: s.Addr(), Dst: d.Addr(), SrcPort: s.Port(), DstPort: d.Port()}
}

// TestChooseSourceIsTheTablesChoice feeds the same flows to a Translator and
// to ChooseSource, which sees the table's reply tuples and a twin of its
// PRNG: both must pick the same source for every new connection, through
// preserved ports, collisions in a small range and exhaustion.
func TestChooseSourceIsTheTablesChoice(t *testing.T) {
	for _, ports := range []PortAssignment{Preserve, Random, RandomFully} {
		t.Run(string(ports), func(t *testing.T) {
			cfg := Config{Kind: SNAT, External: mustRange("203.0.113.1-203.0.113.2"), PortMin: 2000, PortMax: 2039,
				Mapping: APDM, Ports: ports, Seed: 7}
			tb, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			twin := rand.New(rand.NewPCG(cfg.Seed, 0x6e657463616c63))
			rng := rand.New(rand.NewPCG(3, 4))
			exhausted, kinds := 0, map[Allocation]int{}
			for i := range 200 {
				o := tcp(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i % 3), 1}), uint16(1990+rng.IntN(60))).String(),
					netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(rng.IntN(2))}), 443).String())
				replies, known := map[Tuple]bool{}, false
				for _, c := range tb.Conns() {
					replies[c.Reply] = true
					known = known || c.Orig == o
				}
				if known {
					continue // established, nothing to choose
				}
				taken := func(r Tuple) bool { return replies[r] }
				want, how, werr := ChooseSource(cfg, o, taken, twin.Uint32)
				r, err := tb.Process(Event{Dir: Outbound, Packet: o})
				if (err != nil) != (werr != nil) {
					t.Fatalf("flow %d %v: table error %v, ChooseSource error %v", i, o, err, werr)
				}
				if err != nil {
					var ee *ExhaustedError
					if !errors.As(werr, &ee) || !errors.Is(werr, ErrPortExhausted) {
						t.Fatalf("ChooseSource error %v; want an *ExhaustedError", werr)
					}
					exhausted++
					continue
				}
				if got := r.Out.SrcAddrPort(); got != want || r.Alloc != how || r.Cause != CauseSourceNAT {
					t.Fatalf("flow %d %v: table chose %v (%v), ChooseSource %v (%v)", i, o, got, r.Alloc, want, how)
				}
				kinds[how]++
			}
			if exhausted == 0 {
				t.Errorf("80 ports for 200 flows never ran out; the test does not reach exhaustion")
			}
			if ports == Preserve && (kinds[AllocPreserved] == 0 || kinds[AllocMoved] == 0 || kinds[AllocOutside] == 0) {
				t.Errorf("allocations %v; want preserved, moved and outside ports all tried", kinds)
			}
		})
	}
}

func TestChooseSource(t *testing.T) {
	o := tcp("10.0.0.5:40000", "198.51.100.7:443")
	cfg := Config{Kind: Masquerade, External: one("203.0.113.7")}
	got, how, err := ChooseSource(cfg, o, nil, nil)
	if err != nil || got != netip.MustParseAddrPort("203.0.113.7:40000") || how != AllocPreserved {
		t.Errorf("free port: %v %v %v; want 203.0.113.7:40000 preserved", got, how, err)
	}
	// The preserved reply tuple is taken: the search starts at the
	// random offset, here 5 → port 1029.
	taken := func(r Tuple) bool { return r.DstPort == 40000 }
	got, how, err = ChooseSource(cfg, o, taken, func() uint32 { return 5 })
	if err != nil || got.Port() != 1029 || how != AllocMoved {
		t.Errorf("taken port: %v %v %v; want port 1029 moved", got, how, err)
	}
	// Taken only toward another destination: port overlapping keeps it.
	other := func(r Tuple) bool { return r.Src != o.Dst }
	if got, how, _ := ChooseSource(cfg, o, other, nil); got.Port() != 40000 || how != AllocPreserved {
		t.Errorf("port used toward another destination: %v %v; want 40000 preserved", got, how)
	}
	// --random-fully with kube-proxy's draw, 1024 + IntN(64512): the
	// offset is the draw, so the port is exactly what the trace's own
	// masqueradeSource wrote.
	cfg.Ports = RandomFully
	a, b := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	for range 100 {
		got, how, err := ChooseSource(cfg, o, nil, func() uint32 { return uint32(a.IntN(65536 - 1024)) })
		want := uint16(1024 + b.IntN(65536-1024))
		if err != nil || got.Port() != want || how != AllocRandom {
			t.Fatalf("random-fully: %v %v %v; want port %d random", got, how, err, want)
		}
	}
	// A family mismatch names the field.
	_, _, err = ChooseSource(Config{External: one("2001:db8::1")}, o, nil, nil)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "external" || !errors.Is(err, ErrConfig) {
		t.Errorf("IPv6 external for an IPv4 flow: %v; want a ConfigError on external", err)
	}
}

func TestAllocationText(t *testing.T) {
	for a, want := range map[Allocation]string{AllocNone: "none", AllocKept: "kept", AllocReused: "reused",
		AllocPreserved: "preserved", AllocMoved: "moved", AllocOutside: "outside", AllocRandom: "random"} {
		if b, _ := a.MarshalText(); string(b) != want {
			t.Errorf("%d: %q; want %q", a, b, want)
		}
	}
}
