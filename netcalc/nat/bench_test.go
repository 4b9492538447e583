package nat

import (
	"net/netip"
	"runtime"
	"testing"
)

// BenchmarkMasquerade1M feeds 1,000,000 new TCP flows from random hosts of
// 10.0.0.0/8 to random hosts of 198.51.100.0/24 into a masquerade table
// behind one address, and reports the time per million flows and the heap
// bytes per live entry. Target: under 1 s and under 300 B/entry.
func BenchmarkMasquerade1M(b *testing.B) { benchMasquerade(b, true) }

// BenchmarkMasquerade1MGrow is BenchmarkMasquerade1M with a table that
// starts small and doubles (no SizeHint).
func BenchmarkMasquerade1MGrow(b *testing.B) { benchMasquerade(b, false) }

func benchMasquerade(b *testing.B, hint bool) {
	const n = 1_000_000
	// The flows are generated as they are fed, so the timed loop includes
	// drawing the random hosts and ports (about 5% of the time) but not a
	// garbage collector scanning 10^6 stored events.
	fl := Flows{Inside: netip.MustParsePrefix("10.0.0.0/8"), Dest: netip.MustParsePrefix("198.51.100.0/24"), N: n, Seed: 1}
	cfg, _ := PresetLinux.Config()
	cfg.External = mustRange("203.0.113.7")
	if hint {
		cfg.SizeHint = n // like setting nf_conntrack_buckets/nf_conntrack_max up front
	}
	var bytesPerEntry float64
	b.ResetTimer()
	for b.Loop() {
		var before, after runtime.MemStats
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		t, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		for ev := range fl.Events() {
			if _, err := t.Process(ev); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if live := t.Len(); live != n {
			b.Fatalf("%d live entries, want %d", live, n)
		}
		bytesPerEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(t)
		b.StartTimer()
	}
	b.ReportMetric(bytesPerEntry, "B/entry")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/flow")
}
