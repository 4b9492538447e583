package topo

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExpand1000 parses the generator block of 1,000 nodes with 30
// pods each (31,000 namespaces) and writes the plain topology.
func BenchmarkExpand1000(b *testing.B) {
	data, err := os.ReadFile("../../testdata/topo/k8s-1000.yaml")
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{File: "k8s-1000.yaml", ReadFile: func(n string) ([]byte, error) {
		return os.ReadFile(filepath.Join("../../testdata/topo", n))
	}}
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
	data, err := os.ReadFile("../../testdata/topo/k8s-1000.yaml")
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{File: "k8s-1000.yaml", ReadFile: func(n string) ([]byte, error) {
		return os.ReadFile(filepath.Join("../../testdata/topo", n))
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck1000 lints the generated 1,000-node cluster.
func BenchmarkCheck1000(b *testing.B) {
	data, err := os.ReadFile("../../testdata/topo/k8s-1000.yaml")
	if err != nil {
		b.Fatal(err)
	}
	t, err := Parse(bytes.NewReader(data), Options{File: "k8s-1000.yaml", ReadFile: func(n string) ([]byte, error) {
		return os.ReadFile(filepath.Join("../../testdata/topo", n))
	}})
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
