package kubeproxy

import "testing"

// BenchmarkParse10kServices reads the scenario of BenchmarkRender10kServices
// from YAML (BENCHMARKS.md: about 180 ms).
func BenchmarkParse10kServices(b *testing.B) {
	data := bigYAML(10000, 10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cfg, err := Parse(data, "kp10k.yaml")
		if err != nil {
			b.Fatal(err)
		}
		if len(cfg.Services) != 10000 {
			b.Fatalf("%d Services", len(cfg.Services))
		}
	}
}
