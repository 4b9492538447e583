package topo

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/topo")

// readExample parses a file of examples/topo, services files from there.
func readExample(t testing.TB, name string) *Topology {
	t.Helper()
	return readTopoFile(t, "../../examples/topo", name)
}

// readTopoFile parses file name of dir, the services files it names from
// dir too.
func readTopoFile(t testing.TB, dir, name string) *Topology {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	top, err := Parse(bytes.NewReader(data), Options{File: name, ReadFile: func(n string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, n))
	}})
	if err != nil {
		t.Fatal(err)
	}
	return top
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("../../testdata/topo", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it); got:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	for _, ex := range []string{"veth", "bridge", "gateway", "home-nat", "k8s"} {
		t.Run(ex, func(t *testing.T) {
			top := readExample(t, ex+".yaml")
			var y, dot, mer bytes.Buffer
			if err := top.WriteYAML(&y); err != nil {
				t.Fatal(err)
			}
			if err := top.WriteDot(&dot); err != nil {
				t.Fatal(err)
			}
			if err := top.WriteMermaid(&mer); err != nil {
				t.Fatal(err)
			}
			golden(t, ex+".expand.golden", y.Bytes())
			golden(t, ex+".dot.golden", dot.Bytes())
			golden(t, ex+".mermaid.golden", mer.Bytes())
			// The expanded file reads back to the same topology.
			back, err := Parse(bytes.NewReader(y.Bytes()), Options{File: "expanded"})
			if err != nil {
				t.Fatalf("expanded file does not parse: %v", err)
			}
			var y2 bytes.Buffer
			back.Name = top.Name
			if err := back.WriteYAML(&y2); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(y.Bytes(), y2.Bytes()) {
				t.Errorf("expand is not stable: second expansion:\n%s", y2.Bytes())
			}
			if len(back.Nodes) != len(top.Nodes) || len(back.Links) != len(top.Links) {
				t.Errorf("read back %d nodes %d links; want %d %d", len(back.Nodes), len(back.Links), len(top.Nodes), len(top.Links))
			}
		})
	}
}

// TestDrawTraceGolden: pictures with a trace's path highlighted, for an
// accepted walk through two bridges and NAT (k8s), an IPv6 route through a
// gateway and a walk that ends early (home-nat: no route on the ISP). The
// same pictures with a nil trace are the plain goldens.
func TestDrawTraceGolden(t *testing.T) {
	for _, c := range []struct {
		ex, name, line string
	}{
		{"k8s", "k8s-trace", "client 10.96.0.80:80 tcp"},
		{"gateway", "gateway-trace6", "a 2001:db8:2::20"},
		{"home-nat", "home-nat-noroute", "phone 203.0.113.64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			top := readExample(t, c.ex+".yaml")
			f, _, perr := ParseFlowLine(top, c.line)
			if perr != nil {
				t.Fatal(perr)
			}
			s, err := NewSim(top, 1)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := s.Trace(f)
			if err != nil {
				t.Fatal(err)
			}
			var dot, mer, plainDot, plainMer bytes.Buffer
			if err := top.WriteDotTrace(&dot, tr); err != nil {
				t.Fatal(err)
			}
			if err := top.WriteMermaidTrace(&mer, tr); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".dot.golden", dot.Bytes())
			golden(t, c.name+".mermaid.golden", mer.Bytes())
			// every node of the path is highlighted, and nothing else
			for _, n := range top.Nodes {
				on := false
				for _, p := range tr.Path {
					on = on || p == n.Name
				}
				if marksOf(tr).node(n.Name) != on {
					t.Errorf("node %s highlighted %v, on the path %v", n.Name, !on, on)
				}
			}
			if err := top.WriteDotTrace(&plainDot, nil); err != nil {
				t.Fatal(err)
			}
			if err := top.WriteMermaidTrace(&plainMer, nil); err != nil {
				t.Fatal(err)
			}
			golden(t, c.ex+".dot.golden", plainDot.Bytes())
			golden(t, c.ex+".mermaid.golden", plainMer.Bytes())
		})
	}
}

// TestOutlineGolden: the text outline of each example (topo draw -o text).
func TestOutlineGolden(t *testing.T) {
	for _, ex := range []string{"veth", "bridge", "gateway", "home-nat", "k8s"} {
		t.Run(ex, func(t *testing.T) {
			var b bytes.Buffer
			if err := readExample(t, ex+".yaml").WriteOutline(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, ex+".outline.golden", b.Bytes())
		})
	}
}
