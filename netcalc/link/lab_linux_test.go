package link_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netcalc/netcalc/internal/testlab"
	"github.com/netcalc/netcalc/netcalc/link"
)

// TestLab runs the library against real namespaces: veth, bridge, router.
func TestLab(t *testing.T) {
	l := testlab.New(t)
	tp := l.Standard()
	ctx := context.Background()

	open := func(t *testing.T, ns string) *link.Host {
		t.Helper()
		h, err := link.Open(ns)
		if err != nil {
			t.Fatalf("Open(%q): %v", ns, err)
		}
		t.Cleanup(func() { h.Close() })
		return h
	}
	hA, hB, hC := open(t, tp.A), open(t, tp.B), open(t, tp.C)
	macB := link.MustParseMAC(l.MAC(tp.B, "veth-b"))
	macC := link.MustParseMAC(l.MAC(tp.C, "veth-c"))

	t.Run("resolve", func(t *testing.T) {
		tests := []struct {
			name    string
			h       *link.Host
			target  string
			mac     link.MAC
			nextHop string
			iface   string
			onLink  bool
			proto   string
		}{
			{"on-link veth peer", hA, "203.0.113.2", macB, "203.0.113.2", "veth-a", true, "arp"},
			{"off-link asks the gateway", hA, "198.51.100.2", macB, "203.0.113.2", "veth-a", false, "arp"},
			{"across the bridge", hB, "198.51.100.2", macC, "198.51.100.2", "veth-d", true, "arp"},
			{"ndp global", hA, "2001:db8::2", macB, "2001:db8::2", "veth-a", true, "ndp"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := &link.Resolver{Host: tt.h, Timeout: time.Second, Attempts: 2}
				res, err := r.Resolve(ctx, netip.MustParseAddr(tt.target))
				if err != nil {
					t.Fatalf("Resolve(%s) error: %v", tt.target, err)
				}
				if res.MAC != tt.mac || res.NextHop != netip.MustParseAddr(tt.nextHop) || res.Interface != tt.iface || res.OnLink != tt.onLink || res.Protocol != tt.proto {
					t.Errorf("Resolve(%s) = %+v; want MAC %s next hop %s on %s onLink=%v %s", tt.target, res, tt.mac, tt.nextHop, tt.iface, tt.onLink, tt.proto)
				}
				if res.Cached || res.RTT <= 0 || res.RTT > time.Second {
					t.Errorf("Resolve(%s): Cached=%v RTT=%v; want a probe with 0 < RTT < 1s", tt.target, res.Cached, res.RTT)
				}
			})
		}
	})

	t.Run("absent host times out", func(t *testing.T) {
		r := &link.Resolver{Host: hA, Timeout: 200 * time.Millisecond, Attempts: 2}
		start := time.Now()
		_, err := r.Resolve(ctx, netip.MustParseAddr("203.0.113.99"))
		el := time.Since(start)
		if !errors.Is(err, link.ErrTimeout) {
			t.Fatalf("Resolve(absent) error = %v; want ErrTimeout", err)
		}
		if el < 400*time.Millisecond || el > 1500*time.Millisecond {
			t.Errorf("Resolve(absent) took %v; want about 2 × 200ms", el)
		}
	})

	t.Run("scan finds exactly the live hosts", func(t *testing.T) {
		r := &link.Resolver{Host: hC, Timeout: 200 * time.Millisecond, Attempts: 2}
		res, err := r.Scan(ctx, netip.MustParsePrefix("198.51.100.0/24"), link.ScanOptions{Rate: 5000})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range res {
			got = append(got, x.Target.String()+" "+x.MAC.String())
		}
		want := []string{
			"198.51.100.1 " + l.MAC(tp.B, "veth-d"),
			"198.51.100.3 " + l.MAC(tp.E, "veth-e"),
			"198.51.100.4 " + l.MAC(tp.F, "veth-f"),
		}
		if len(got) != len(want) {
			t.Fatalf("Scan = %q; want %q", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("Scan[%d] = %q; want %q", i, got[i], want[i])
			}
		}
	})
}
