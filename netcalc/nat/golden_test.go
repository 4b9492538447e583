package nat

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedTestdata is the repository's testdata/nat directory.
const sharedTestdata = "../../testdata/nat"

// TestGolden runs every scenario in testdata/nat and compares each event's
// time, direction, packet and outcome and the final conntrack -L lines
// with NAME.golden. The golden files also hold each event's note, the
// words netcalc's command line makes of the Decision: internal/cli's
// TestNatGolden checks (and with -update rewrites) them in full.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sharedTestdata, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in %s: %v", sharedTestdata, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := ParseScenario(src)
			if err != nil {
				t.Fatalf("ParseScenario: %v", err)
			}
			var b strings.Builder
			tb, err := sc.Run(func(r Decision) error {
				if r.Cause == "" {
					t.Errorf("line %d: no Cause in %+v", r.Line, r)
				}
				fmt.Fprintf(&b, "# %v %s %s: %s\n", r.At, r.Dir, FormatPacket(r.Packet), outcome(r))
				return nil
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, c := range tb.Conns() {
				b.WriteString(c.String() + "\n")
			}
			golden := filepath.Join(sharedTestdata, name+".golden")
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := b.String(), withoutNotes(string(want)); got != want {
				t.Errorf("%s differs from the simulation:\n--- got\n%s--- want\n%s", golden, got, want)
			}
			// every line must also parse back as conntrack output
			for _, c := range tb.Conns() {
				if back, err := ParseConn(c.String()); err != nil || back.String() != c.String() {
					t.Errorf("ParseConn(%q) = %v, %v", c.String(), back, err)
				}
			}
		})
	}
}

// withoutNotes drops the " (NOTE)" that ends each event line of a golden
// file.
func withoutNotes(golden string) string {
	lines := strings.SplitAfter(golden, "\n")
	for i, l := range lines {
		if j := strings.LastIndex(l, " ("); strings.HasPrefix(l, "# ") && j > 0 {
			lines[i] = l[:j] + "\n"
		}
	}
	return strings.Join(lines, "")
}
