package link_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
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

	// First, while the links are brand new: the lab turns DAD off, so
	// link-local addresses answer (and can be bound) at once.
	t.Run("ndp link-local", func(t *testing.T) {
		ll := linkLocal(t, l, tp.B, "veth-b")
		r := &link.Resolver{Host: hA, Timeout: time.Second, Attempts: 2}
		res, err := r.Resolve(ctx, ll.WithZone("veth-a"))
		if err != nil {
			t.Fatalf("Resolve(%s%%veth-a): %v", ll, err)
		}
		if res.MAC != macB || res.Protocol != "ndp" || res.Interface != "veth-a" {
			t.Errorf("Resolve(%s) = %+v; want %s by ndp on veth-a", ll, res, macB)
		}
	})

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
		if el < 400*time.Millisecond || el > 2500*time.Millisecond {
			t.Errorf("Resolve(absent) took %v; want about 2 × 200ms", el)
		}
	})

	t.Run("scan finds exactly the live hosts", func(t *testing.T) {
		// 500ms per attempt: a reply that waits behind a busy CI machine's
		// scheduler must not be missed.
		r := &link.Resolver{Host: hC, Timeout: 500 * time.Millisecond, Attempts: 2}
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

	t.Run("route get", func(t *testing.T) {
		d, err := hA.RouteGet(ctx, netip.MustParseAddr("198.51.100.2"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Route.Gateway != netip.MustParseAddr("203.0.113.2") || d.Route.Interface != "veth-a" || d.Route.Source != netip.MustParseAddr("203.0.113.1") {
			t.Errorf("RouteGet(198.51.100.2) = %+v; want via 203.0.113.2 dev veth-a src 203.0.113.1", d.Route)
		}
		if d.Winner < 0 || d.Candidates[d.Winner].Dst != netip.MustParsePrefix("198.51.100.0/24") {
			t.Errorf("RouteGet(198.51.100.2) winner %d of %+v; want 198.51.100.0/24", d.Winner, d.Candidates)
		}
		d, err = hA.RouteGet(ctx, netip.MustParseAddr("203.0.113.2"))
		if err != nil || d.Route.Gateway.IsValid() || d.Route.Interface != "veth-a" || d.Route.Source != netip.MustParseAddr("203.0.113.1") {
			t.Errorf("RouteGet(on-link) = %+v, %v; want dev veth-a, no gateway, src 203.0.113.1", d.Route, err)
		}
		d, err = hA.RouteGet(ctx, netip.MustParseAddr("127.0.0.1"))
		if err != nil || d.Route.Type != link.Local {
			t.Errorf("RouteGet(127.0.0.1) = %+v, %v; want a local route", d.Route, err)
		}
		// The kernel answers "local ... dev lo"; the winner is still the
		// local route on veth-a.
		d, err = hA.RouteGet(ctx, netip.MustParseAddr("203.0.113.1"))
		if err != nil || d.Route.Type != link.Local || d.Winner < 0 || d.Candidates[d.Winner].Dst != netip.MustParsePrefix("203.0.113.1/32") {
			t.Errorf("RouteGet(own address) = %+v, %v; want the local route 203.0.113.1/32 chosen", d, err)
		}
		// The kernel refuses a blackholed address with a bare EINVAL.
		l.Route(tp.A, "blackhole", "198.51.100.128/25")
		if _, err := hA.RouteGet(ctx, netip.MustParseAddr("198.51.100.130")); !errors.Is(err, link.ErrNoRoute) || !strings.Contains(err.Error(), "blackhole") {
			t.Errorf("RouteGet(blackholed) error = %v; want ErrNoRoute naming the blackhole route", err)
		}
		_, err = hA.RouteGet(ctx, netip.MustParseAddr("10.0.0.1"))
		if !errors.Is(err, link.ErrNoRoute) {
			t.Errorf("RouteGet(10.0.0.1) in a namespace without default route: error = %v; want ErrNoRoute", err)
		}
		r := &link.Resolver{Host: hA}
		if _, err := r.Resolve(ctx, netip.MustParseAddr("10.0.0.1")); !errors.Is(err, link.ErrNoRoute) {
			t.Errorf("Resolve(10.0.0.1) error = %v; want ErrNoRoute", err)
		}
		if _, err := (&link.Resolver{Host: hA, Interface: "lo"}).Resolve(ctx, netip.MustParseAddr("127.0.0.1")); !errors.Is(err, link.ErrNotARPable) {
			t.Errorf("Resolve(-i lo 127.0.0.1) error = %v; want ErrNotARPable", err)
		}
	})

	t.Run("namespace views", func(t *testing.T) {
		hR := open(t, tp.R)
		ls, err := hR.Links(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]link.Interface{}
		for _, x := range ls {
			got[x.Name] = x
		}
		if len(got) != 6 { // lo, br0 and four ports
			t.Errorf("Links in %s = %d interfaces; want 6 (lo, br0, 4 bridge ports): %+v", tp.R, len(got), ls)
		}
		if got["br0"].Kind != "bridge" || got["veth-cr"].Master != "br0" || got["veth-cr"].Kind != "veth" {
			t.Errorf("br0 = %+v, veth-cr = %+v; want a bridge and its veth port", got["br0"], got["veth-cr"])
		}
		if !strings.Contains(got["veth-cr"].Peer, "another namespace") {
			t.Errorf("veth-cr peer = %q; want its peer in another namespace", got["veth-cr"].Peer)
		}
		if got["veth-cr"].MAC != link.MustParseMAC(l.MAC(tp.R, "veth-cr")) {
			t.Errorf("veth-cr MAC = %s; want %s", got["veth-cr"].MAC, l.MAC(tp.R, "veth-cr"))
		}
		as, err := hA.Addrs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pfx []string
		for _, a := range as {
			if a.Interface == "veth-a" && a.Scope == "global" {
				pfx = append(pfx, a.Prefix.String())
			}
		}
		if strings.Join(pfx, " ") != "203.0.113.1/24 2001:db8::1/64" {
			t.Errorf("global addresses of veth-a = %q; want 203.0.113.1/24 2001:db8::1/64", pfx)
		}
	})

	t.Run("cache", func(t *testing.T) {
		// A probe from B to A makes A's kernel learn B (STALE); A's own
		// probes never fill A's table.
		if _, err := (&link.Resolver{Host: hB}).Resolve(ctx, netip.MustParseAddr("203.0.113.1")); err != nil {
			t.Fatal(err)
		}
		r := &link.Resolver{Host: hA, CacheOnly: true}
		res, err := r.Resolve(ctx, netip.MustParseAddr("203.0.113.2"))
		if err != nil {
			t.Fatalf("cached Resolve: %v", err)
		}
		if !res.Cached || res.MAC != macB || res.State == "" {
			t.Errorf("cached Resolve = %+v; want Cached with %s and a state", res, macB)
		}
		if _, err := r.Resolve(ctx, netip.MustParseAddr("203.0.113.77")); !errors.Is(err, link.ErrNotCached) {
			t.Errorf("cached Resolve(absent) error = %v; want ErrNotCached", err)
		}
	})

	t.Run("source address", func(t *testing.T) {
		// The request's sender IP is Source: B's kernel learns the
		// secondary address 203.0.113.5 with veth-a's MAC.
		l.Addr(tp.A, "veth-a", "203.0.113.5/24")
		r := &link.Resolver{Host: hA, Source: netip.MustParseAddr("203.0.113.5")}
		res, err := r.Resolve(ctx, netip.MustParseAddr("203.0.113.2"))
		if err != nil || res.Source != netip.MustParseAddr("203.0.113.5") || res.MAC != macB {
			t.Fatalf("Resolve with Source = %+v, %v", res, err)
		}
		out := l.IP("-n", tp.B, "neigh", "show", "203.0.113.5", "dev", "veth-b")
		if !strings.Contains(out, "lladdr "+l.MAC(tp.A, "veth-a")) {
			t.Errorf("B's neighbour table after a request from 203.0.113.5: %q; want veth-a's MAC %s", out, l.MAC(tp.A, "veth-a"))
		}
	})

	t.Run("unknown namespace", func(t *testing.T) {
		name := "netcalc-no-such-ns-" + tp.A
		_, err := link.Open(name)
		if !errors.Is(err, link.ErrNoNamespace) {
			t.Errorf("Open(missing) error = %v; want ErrNoNamespace", err)
		}
		// One sentence, the name quoted once (it used to nest parentheses:
		// no such network namespace ("x" (see ...))).
		if want := `link: netns "` + name + "\": no such network namespace (list them with `ip netns list`)"; err == nil || err.Error() != want {
			t.Errorf("Open(missing) error = %v; want %s", err, want)
		}
	})
}

// linkLocal returns dev's IPv6 link-local address in ns.
func linkLocal(t *testing.T, l *testlab.Lab, ns, dev string) netip.Addr {
	t.Helper()
	for _, f := range strings.Fields(l.IP("-n", ns, "-6", "-br", "addr", "show", "dev", dev)) {
		if p, err := netip.ParsePrefix(f); err == nil && p.Addr().IsLinkLocalUnicast() {
			return p.Addr()
		}
	}
	t.Fatalf("no link-local address on %s in %s", dev, ns)
	return netip.Addr{}
}
