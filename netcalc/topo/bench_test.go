package topo

import (
	"bytes"
	"github.com/netcalc/netcalc/netcalc/packet"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// k8s1000 returns testdata/topo/k8s-1000.yaml, the generated cluster of
// 1,000 nodes, and the Options that read its services file.
func k8s1000(b *testing.B) ([]byte, Options) {
	b.Helper()
	data, err := os.ReadFile("../../testdata/topo/k8s-1000.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return data, Options{File: "k8s-1000.yaml", ReadFile: func(n string) ([]byte, error) {
		return os.ReadFile(filepath.Join("../../testdata/topo", n))
	}}
}

// BenchmarkExpand1000 parses the generator block of 1,000 nodes with 30
// pods each (31,000 namespaces) and writes the plain topology.
func BenchmarkExpand1000(b *testing.B) {
	data, opt := k8s1000(b)
	b.ReportAllocs()
	for b.Loop() {
		t, err := Parse(bytes.NewReader(data), opt)
		if err != nil {
			b.Fatal(err)
		}
		if err := t.WriteYAML(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse1000 is BenchmarkExpand1000 without writing: what a trace
// on the generated cluster pays before its first step.
func BenchmarkParse1000(b *testing.B) {
	data, opt := k8s1000(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck1000 lints the generated 1,000-node cluster.
func BenchmarkCheck1000(b *testing.B) {
	data, opt := k8s1000(b)
	t, err := Parse(bytes.NewReader(data), opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if fs := t.Check(); len(fs) != 0 {
			b.Fatalf("Check = %v", fs)
		}
	}
}

// BenchmarkTraceBatch traces every flow of the example topologies (as
// TestBatchEqualsSingle lists them) through one Sim per topology, Reset
// between flows, as `topo trace --flows` does; the figure is per flow.
func BenchmarkTraceBatch(b *testing.B) {
	type set struct {
		sim   *Sim
		flows []Flow
	}
	var sets []set
	total := 0
	for key, flows := range batchTopologies(b) {
		var top *Topology
		if name, ok := strings.CutPrefix(key, "examples/"); ok {
			top = readExample(b, name)
		} else {
			top = readTraceFileServices(b, strings.TrimPrefix(key, "trace/"))
		}
		s, err := NewSim(top, 1)
		if err != nil {
			b.Fatal(err)
		}
		sets = append(sets, set{s, flows})
		total += len(flows)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, st := range sets {
			for _, f := range st.flows {
				st.sim.Reset()
				if _, err := st.sim.Trace(f); err != nil {
					b.Fatal(err)
				}
			}
		}
		n += total
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "traces/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/trace")
}

// BenchmarkTrace1000 is what `topo trace` pays on the generated 1,000-node
// cluster: parsing the file, preparing the simulation and one trace from
// a pod to the Service.
func BenchmarkTrace1000(b *testing.B) {
	data, opt := k8s1000(b)
	f := Flow{From: "node-1-pod-1", Proto: packet.TCP, SrcPort: DefaultSrcPort, DstPort: 80}
	f.Dst = netip.MustParseAddr("10.96.0.80")
	b.ReportAllocs()
	for b.Loop() {
		t, err := Parse(bytes.NewReader(data), opt)
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewSim(t, 1)
		if err != nil {
			b.Fatal(err)
		}
		tr, err := s.Trace(f)
		if err != nil || tr.Disposition != Accepted {
			b.Fatal(err, tr.Disposition)
		}
	}
}
