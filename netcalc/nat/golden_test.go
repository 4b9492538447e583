package nat

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/nat")

// sharedTestdata is the repository's testdata/nat directory.
const sharedTestdata = "../../testdata/nat"

// TestGolden runs every scenario in testdata/nat and compares each event's
// decision and the final conntrack -L lines with NAME.golden.
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
			tb, err := New(sc.Config)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			var b strings.Builder
			for _, ev := range sc.Events {
				r, err := tb.Process(ev)
				if err != nil && !errors.Is(err, ErrPortExhausted) {
					t.Fatalf("line %d: %v", ev.Line, err)
				}
				fmt.Fprintf(&b, "# %v %s %s: %s (%s)\n", ev.At, ev.Dir, FormatPacket(ev.Packet), outcome(r), r.Note)
			}
			if err := tb.Advance(sc.Until); err != nil {
				t.Fatal(err)
			}
			for _, c := range tb.Conns() {
				b.WriteString(c.String() + "\n")
			}
			golden := filepath.Join(sharedTestdata, name+".golden")
			if *update {
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
			// every line must also parse back as conntrack output
			for _, c := range tb.Conns() {
				if back, err := ParseConn(c.String()); err != nil || back.String() != c.String() {
					t.Errorf("ParseConn(%q) = %v, %v", c.String(), back, err)
				}
			}
		})
	}
}
