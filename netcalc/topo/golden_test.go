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
	dir := "../../examples/topo"
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
