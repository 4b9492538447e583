package cli

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/nat"
)

// natTestdata is the repository's testdata/nat directory.
var natTestdata = filepath.Join("..", "..", "testdata", "nat")

// TestNatGolden runs every scenario in testdata/nat and compares each
// event (time, direction, packet, outcome and the note natNote words from
// the Decision) and the final conntrack -L lines with NAME.golden; -update
// rewrites the golden files.
func TestNatGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(natTestdata, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in %s: %v", natTestdata, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := nat.ParseScenario(src)
			if err != nil {
				t.Fatalf("ParseScenario: %v", err)
			}
			var b strings.Builder
			tb, err := sc.Run(func(r nat.Decision) error {
				outcome := "accept " + nat.FormatPacket(r.Out)
				if r.Verdict == nat.Drop {
					outcome = "drop " + string(r.Reason)
				}
				fmt.Fprintf(&b, "# %v %s %s: %s (%s)\n", r.At, r.Dir, nat.FormatPacket(r.Packet), outcome, natNote(r))
				return nil
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, c := range tb.Conns() {
				b.WriteString(c.String() + "\n")
			}
			golden := filepath.Join(natTestdata, name+".golden")
			if updateGolden() {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("%s differs from the simulation:\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestNatNote checks the notes of causes the golden files do not reach.
func TestNatNote(t *testing.T) {
	pkt, _, _ := nat.ParsePacket("tcp 10.0.0.5:40000 -> 198.51.100.7:443", nat.Outbound)
	ping, _, _ := nat.ParsePacket("icmp 10.0.0.5 -> 203.0.113.7 id=7", nat.Outbound)
	clash := pkt.WithSrc(netip.MustParseAddr("10.0.0.6"), 40000)
	for _, tt := range []struct {
		r    nat.Decision
		want string
	}{
		{nat.Decision{Event: nat.Event{Packet: pkt}, Verdict: nat.Drop, Cause: nat.CauseClash, Clash: &clash}, "would duplicate src=10.0.0.6 dst=198.51.100.7 sport=40000 dport=443"},
		{nat.Decision{Verdict: nat.Drop, Cause: nat.CauseConnExpired}, "connection timed out"},
		{nat.Decision{Event: nat.Event{Packet: ping}, Verdict: nat.Drop, Cause: nat.CauseOwnPing}, "the NAT itself answers a ping to 203.0.113.7"},
		{nat.Decision{Event: nat.Event{Packet: ping}, Verdict: nat.Accept, Cause: nat.CauseSourceNAT, Alloc: nat.AllocMoved}, "id taken, searched the range"},
		{nat.Decision{Verdict: nat.Drop, Cause: nat.CauseMappingExpired, Hairpin: true, External: netip.MustParseAddrPort("203.0.113.7:5353")}, "hairpin: mapping of 203.0.113.7:5353 timed out"},
	} {
		if got := natNote(tt.r); got != tt.want {
			t.Errorf("natNote(%s) = %q; want %q", tt.r.Cause, got, tt.want)
		}
	}
}
