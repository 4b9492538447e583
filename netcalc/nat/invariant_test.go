package nat

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// checkInvariants verifies the table against a brute-force scan: every
// live entry is found by its original and its reply tuple, no two live
// entries share a tuple, and outside APDF an external endpoint belongs to
// one mapping.
func checkInvariants(t *testing.T, tb *Translator) {
	t.Helper()
	seen := map[ktuple]uint32{}
	owner := map[endpoint]endpoint{}
	live := 0
	for i, ce := range tb.ct.Entries() {
		e := entry{ce}
		live++
		for _, k := range []ktuple{e.Orig, e.Reply} {
			if j, dup := seen[k]; dup && !(j == i && e.Orig == e.Reply) {
				t.Fatalf("entries %d and %d share tuple %v", j, i, k.Tuple())
			}
			seen[k] = i
			got, _, _ := tb.ct.Find(&k, hashK(&k))
			if got != i {
				t.Fatalf("entry %d (%v) not found by tuple %v: got %d (%v)", i, tb.ct.Conn(e.Entry), k.Tuple(), got, tb.ct.Conn(tb.ct.At(got)))
			}
		}
		if tb.cfg.Filtering != APDF && !e.inbound() && e.internal() != e.external() {
			x, in := e.external(), e.internal()
			if prev, ok := owner[x]; ok && prev != in && tb.cfg.Mapping == EIM {
				t.Fatalf("external %v serves %v and %v under %s", x.addrPort(), prev.addrPort(), in.addrPort(), tb.cfg.Filtering)
			}
			owner[x] = in
		}
	}
	if n := tb.Len(); n != live {
		t.Fatalf("Len = %d; scan found %d", n, live)
	}
}

// invariantSeeds is 3, or $NAT_INVARIANT_SEEDS for a longer hunt.
func invariantSeeds() uint64 {
	if n, err := strconv.ParseUint(os.Getenv("NAT_INVARIANT_SEEDS"), 10, 32); err == nil && n > 0 {
		return n
	}
	return 3
}

// TestInvariants runs random traffic through every preset with a small
// address and port space, so that collisions, reuse, hairpins, expiry,
// sweeps and rehashes all happen, and checks the table as it goes.
func TestInvariants(t *testing.T) {
	type variant struct {
		name   string
		preset Preset
		modify func(*Config)
	}
	var variants []variant
	for _, p := range Presets() {
		variants = append(variants, variant{string(p), p, nil})
	}
	variants = append(variants,
		variant{"adm-adf", PresetRestrictedCone, func(c *Config) { c.Mapping = ADM }},
		variant{"apdm-eif-random", PresetFullCone, func(c *Config) { c.Mapping, c.Ports = APDM, Random }},
		variant{"snat-pool-static", PresetLinux, func(c *Config) {
			c.Kind, c.External = SNAT, mustRange("203.0.113.4-203.0.113.7")
			c.Static = []StaticNAT{{Inside: netip.MustParseAddr("10.0.0.8"), Outside: netip.MustParseAddr("203.0.113.20")}}
		}},
		variant{"snat-pool-persistent-hairpin", PresetFullCone, func(c *Config) {
			c.Kind, c.External, c.Persistent = SNAT, mustRange("203.0.113.4-203.0.113.7"), true
		}},
	)
	for _, v := range variants {
		for seed := uint64(1); seed <= invariantSeeds(); seed++ {
			t.Run(fmt.Sprintf("%s/%d", v.name, seed), func(t *testing.T) {
				cfg := preset(t, v.preset, "203.0.113.7")
				cfg.Seed = seed
				if v.modify != nil {
					v.modify(&cfg)
				}
				cfg.PortMin, cfg.PortMax = 1024, 1279 // 256 ports
				cfg.Forwards = []Forward{{Proto: packet.TCP, External: netip.MustParseAddrPort("203.0.113.7:8080"), Internal: netip.MustParseAddrPort("10.0.0.9:80")}}
				tb, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(seed, 99))
				var at time.Duration
				var recent []Tuple // translated packets, to answer
				for i := 0; i < 4000; i++ {
					at += time.Duration(rng.IntN(60)) * time.Millisecond
					if rng.IntN(200) == 0 { // a quiet spell: most entries expire
						at += 200 * time.Second
					}
					var ev Event
					switch k := rng.IntN(10); {
					case k < 6: // outbound from a few hosts and ports
						proto := []packet.Protocol{packet.TCP, packet.UDP, packet.ICMP}[rng.IntN(3)]
						ev = Event{Dir: Outbound, Packet: Tuple{Proto: proto,
							Src: netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + rng.IntN(8))}), SrcPort: uint16(1000 + rng.IntN(300)),
							Dst: netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + rng.IntN(4))}), DstPort: uint16(53 + rng.IntN(2))}}
						if rng.IntN(10) == 0 { // hairpin attempt
							ev.Packet.Dst, ev.Packet.DstPort = netip.MustParseAddr("203.0.113.7"), uint16(1024+rng.IntN(256))
						}
						if proto == packet.ICMP {
							ev.Packet.DstPort, ev.Packet.Type = 0, 8
						}
					case k < 9 && len(recent) > 0: // an answer, or a stranger
						q := recent[rng.IntN(len(recent))].Reverse()
						if rng.IntN(3) == 0 {
							q.Src = netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + rng.IntN(4))})
						}
						ev = Event{Dir: Inbound, Packet: q}
					default: // unsolicited
						ev = Event{Dir: Inbound, Packet: Tuple{Proto: packet.TCP, Src: netip.MustParseAddr("198.51.100.99"), SrcPort: 5555,
							Dst: netip.MustParseAddr("203.0.113.7"), DstPort: []uint16{8080, 1100}[rng.IntN(2)]}}
					}
					ev.At = at
					if ev.Packet.Proto == packet.TCP {
						ev.Flags = []TCPFlags{0, 0, 0, SYN, ACK, FIN | ACK, RST}[rng.IntN(7)]
					}
					r, err := tb.Process(ev)
					if err != nil && !errors.Is(err, ErrPortExhausted) {
						t.Fatalf("event %d %v: %v", i, ev, err)
					}
					if r.Verdict == Accept && ev.Dir == Outbound {
						recent = append(recent, r.Out)
						if len(recent) > 50 {
							recent = recent[1:]
						}
					}
					if i%200 == 0 {
						checkInvariants(t, tb)
					}
				}
				checkInvariants(t, tb)
				if s := tb.Stats(); s.New == 0 || s.Accepted+s.Dropped != s.Packets {
					t.Errorf("stats %+v", s)
				}
			})
		}
	}
}
