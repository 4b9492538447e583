package kubeproxy

import (
	"bytes"
	"fmt"
	"testing"
)

// bigScenario is the input of bench/compare.d/kubeproxy.sh: 10,000
// ClusterIP Services × 10 ready endpoints over 50 nodes, in netcalc's own
// format.
func bigScenario(nSvc, nEp int) []byte {
	var b bytes.Buffer
	b.WriteString("node: node-0\nnodeIPs: [198.51.100.10]\nclusterCIDR: 10.0.0.0/8\nservices:\n")
	for i := range nSvc {
		fmt.Fprintf(&b, "- namespace: ns%d\n  name: svc%d\n  clusterIP: 172.30.%d.%d\n", i%100, i, i>>8&255, i&255)
		b.WriteString("  ports:\n  - {name: http, port: 80, targetPort: 8080}\n  endpoints:\n")
		for j := range nEp {
			k := i*nEp + j
			fmt.Fprintf(&b, "  - {ip: 10.%d.%d.%d, node: node-%d}\n", k>>16&255, k>>8&255, k&255, k%50)
		}
	}
	return b.Bytes()
}

// BenchmarkParse10kServices reads the scenario of BenchmarkRender10kServices
// from YAML (BENCHMARKS.md: about 180 ms).
func BenchmarkParse10kServices(b *testing.B) {
	data := bigScenario(10000, 10)
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
