package resolve

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

// BenchmarkLookupAllDnsmasq resolves the batch of bench/compare.d/dns.sh
// in process: 10,000 names n0..n9999.bench.test., type A, 64 at a time,
// against a dnsmasq on loopback (which logs every query, so its wall time
// is dnsmasq's more than the client's). Besides ns/op and allocs/op (one
// op is the whole batch) it reports the client's CPU time per name
// (getrusage: user + system of this process). Skipped without dnsmasq.
func BenchmarkLookupAllDnsmasq(b *testing.B) {
	const n = 10000
	var conf strings.Builder
	base, err := os.ReadFile(fixture("dnsmasq.conf"))
	if err != nil {
		b.Fatal(err)
	}
	conf.Write(base)
	conf.WriteString("local=/bench.test/\n")
	names := make([]string, n)
	for i := range names {
		a := fmt.Sprintf("203.0.113.%d", i%254+1)
		if i%2 == 1 {
			a = fmt.Sprintf("198.51.100.%d", i%254+1)
		}
		fmt.Fprintf(&conf, "host-record=n%d.bench.test,%s\n", i, a)
		names[i] = fmt.Sprintf("n%d.bench.test.", i)
	}
	path := filepath.Join(b.TempDir(), "dnsmasq.conf")
	if err := os.WriteFile(path, []byte(conf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	d := resolvetest.StartDnsmasq(b, path)
	r := &Resolver{Config: Config{Servers: []netip.AddrPort{d.Addr}, Timeout: 5 * time.Second, Attempts: 1}, Order: []Source{DNS}}
	seq := func(yield func(string, error) bool) {
		for _, s := range names {
			if !yield(s, nil) {
				return
			}
		}
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ReportAllocs()
	start := cpu()
	for b.Loop() {
		got := 0
		for res, err := range r.LookupAll(context.Background(), seq, 64, TypeA) {
			if err != nil || len(res.Answers) != 1 {
				b.Fatalf("%s: %v, %d answers", res.Query, err, len(res.Answers))
			}
			got++
		}
		if got != n {
			b.Fatalf("%d results; want %d", got, n)
		}
	}
	b.ReportMetric(float64(cpu()-start)/float64(b.N*n), "cpu-ns/name")
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*n), "ns/name")
}
