package conntrack

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// BenchmarkTable1M inserts 1,000,000 new UDP connections between random
// hosts of 10.0.0.0/8 and 198.51.100.0/24 into a sized table without
// secondary indexes (conntrack alone, no NAT decision): a lookup of the
// original tuple, the insertion and the first packet's state update per
// connection. It reports ns per connection and heap bytes per entry.
func BenchmarkTable1M(b *testing.B) {
	const n = 1_000_000
	keys := make([]Key, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range keys {
		s := netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
		d := netip.AddrFrom4([4]byte{198, 51, 100, byte(rng.IntN(256))})
		keys[i] = Pack(Tuple{Proto: packet.UDP, Src: s, Dst: d, SrcPort: uint16(32768 + rng.IntN(28232)), DstPort: 53})
	}
	var bytesPerEntry float64
	for b.Loop() {
		var before, after runtime.MemStats
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		t := NewTable(n, Timeouts{}, nil, nil)
		for k := range keys {
			o := &keys[k]
			h := o.Hash()
			if i, _, _ := t.Find(o, h); i != 0 {
				t.Update(i, false, 0, false)
				continue
			}
			t.Hint(false, o, h)
			r := o.Reverse()
			t.Update(t.Insert(Entry{Orig: *o, Reply: r, Start: t.Now()}), false, 0, true)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		bytesPerEntry = float64(after.HeapAlloc-before.HeapAlloc) / float64(t.Len())
		runtime.KeepAlive(t)
		b.StartTimer()
	}
	b.ReportMetric(bytesPerEntry, "B/entry")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/conn")
}
