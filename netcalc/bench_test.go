package netcalc

import (
	"math/rand/v2"
	"testing"
)

func benchInputs() []string {
	r := rand.New(rand.NewPCG(7, 8))
	in := make([]string, 1024)
	for i := range in {
		in[i] = randomPrefix(r).String()
	}
	return in
}

// BenchmarkParseDescribe is the per-line cost of `netcalc cidr` without
// printing: parse, then describe (classification included).
func BenchmarkParseDescribe(b *testing.B) {
	in := benchInputs()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sp, err := ParseSpec(in[i%len(in)])
		if err != nil {
			b.Fatal(err)
		}
		_ = DescribeSpec(sp)
	}
}

// BenchmarkParseDescribeJSON adds the JSON encoding of `cidr -o json`.
func BenchmarkParseDescribeJSON(b *testing.B) {
	in := benchInputs()
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sp, err := ParseSpec(in[i%len(in)])
		if err != nil {
			b.Fatal(err)
		}
		buf = DescribeSpec(sp).AppendJSON(buf[:0])
	}
}
