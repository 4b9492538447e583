package link

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestResolve(t *testing.T) {
	addr := netip.MustParseAddr
	tests := []struct {
		name     string
		target   string
		opts     Resolver
		setup    func(f *fakeSystem)
		want     Resolution
		wantErr  error
		requests []string // requests sent, in order
	}{
		{
			name:     "on-link",
			target:   "203.0.113.2",
			want:     Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", Source: addr("203.0.113.1"), MAC: macPeer, Protocol: "arp", Attempt: 1},
			requests: []string{"203.0.113.2"},
		},
		{
			name:     "off-link asks the gateway, not the target",
			target:   "198.51.100.7",
			want:     Resolution{Target: addr("198.51.100.7"), NextHop: addr("203.0.113.254"), Interface: "eth0", Source: addr("203.0.113.1"), MAC: macGW, Protocol: "arp", Attempt: 1},
			requests: []string{"203.0.113.254"},
		},
		{
			name:     "IPv4-mapped target is IPv4",
			target:   "::ffff:203.0.113.2",
			want:     Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", Source: addr("203.0.113.1"), MAC: macPeer, Protocol: "arp", Attempt: 1},
			requests: []string{"203.0.113.2"},
		},
		{
			name:     "ndp",
			target:   "2001:db8::2",
			want:     Resolution{Target: addr("2001:db8::2"), NextHop: addr("2001:db8::2"), OnLink: true, Interface: "eth0", Source: addr("2001:db8::1"), MAC: macPeer, Protocol: "ndp", Attempt: 1},
			requests: []string{"2001:db8::2"},
		},
		{
			name:   "replies from other hosts are ignored",
			target: "203.0.113.2",
			setup: func(f *fakeSystem) {
				f.noise = []reply{{addr("203.0.113.77"), MustParseMAC("02:00:00:00:00:77")}}
			},
			want:     Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", Source: addr("203.0.113.1"), MAC: macPeer, Protocol: "arp", Attempt: 1},
			requests: []string{"203.0.113.2"},
		},
		{
			name:     "retry after a lost reply",
			target:   "203.0.113.2",
			opts:     Resolver{Timeout: 20 * time.Millisecond, Attempts: 3},
			setup:    func(f *fakeSystem) { f.dropFirst[addr("203.0.113.2")] = 2 },
			want:     Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", Source: addr("203.0.113.1"), MAC: macPeer, Protocol: "arp", Attempt: 3},
			requests: []string{"203.0.113.2", "203.0.113.2", "203.0.113.2"},
		},
		{
			name:   "explicit source",
			target: "203.0.113.2",
			opts:   Resolver{Source: addr("203.0.113.9")},
			setup: func(f *fakeSystem) { // a secondary address
				f.as = append(f.as, Address{Interface: "eth0", Index: 2, Prefix: netip.MustParsePrefix("203.0.113.9/24"), Scope: "global"})
			},
			want:     Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", Source: addr("203.0.113.9"), MAC: macPeer, Protocol: "arp", Attempt: 1},
			requests: []string{"203.0.113.2"},
		},
		{
			name:   "local address answers with our MAC",
			target: "203.0.113.1",
			want:   Resolution{Target: addr("203.0.113.1"), NextHop: addr("203.0.113.1"), OnLink: true, Interface: "eth0", MAC: macEth0, Protocol: "arp", Local: true},
		},
		{
			name:   "cache only, stale entry",
			target: "203.0.113.2",
			opts:   Resolver{CacheOnly: true},
			setup: func(f *fakeSystem) {
				f.ns = []Neighbor{{Addr: addr("203.0.113.2"), MAC: macPeer, HasMAC: true, Interface: "eth0", Index: 2, State: "STALE"}}
			},
			want: Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", MAC: macPeer, Protocol: "arp", Cached: true, State: "STALE"},
		},
		{
			name:   "cache only, off-link reads the gateway's entry",
			target: "198.51.100.7",
			opts:   Resolver{CacheOnly: true},
			setup: func(f *fakeSystem) {
				f.ns = []Neighbor{{Addr: addr("203.0.113.254"), MAC: macGW, HasMAC: true, Interface: "eth0", Index: 2, State: "REACHABLE"}}
			},
			want: Resolution{Target: addr("198.51.100.7"), NextHop: addr("203.0.113.254"), Interface: "eth0", MAC: macGW, Protocol: "arp", Cached: true, State: "REACHABLE"},
		},
		{
			name:   "cache only, FAILED entry has no MAC",
			target: "203.0.113.2",
			opts:   Resolver{CacheOnly: true},
			setup: func(f *fakeSystem) {
				f.ns = []Neighbor{{Addr: addr("203.0.113.2"), Interface: "eth0", Index: 2, State: "FAILED"}}
			},
			want:    Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", Protocol: "arp"},
			wantErr: ErrNotCached,
		},
		{
			name:     "absent host times out after every attempt",
			target:   "203.0.113.99",
			opts:     Resolver{Timeout: 10 * time.Millisecond, Attempts: 2},
			want:     Resolution{Target: addr("203.0.113.99"), NextHop: addr("203.0.113.99"), OnLink: true, Interface: "eth0", Source: addr("203.0.113.1"), Protocol: "arp"},
			wantErr:  ErrTimeout,
			requests: []string{"203.0.113.99", "203.0.113.99"},
		},
		{
			// The deadline is set after the send: a tiny timeout (or the
			// previous attempt's expired deadline) must not fail the write.
			name:     "tiny timeout still sends every attempt",
			target:   "203.0.113.99",
			opts:     Resolver{Timeout: time.Nanosecond, Attempts: 3},
			want:     Resolution{Target: addr("203.0.113.99"), NextHop: addr("203.0.113.99"), OnLink: true, Interface: "eth0", Source: addr("203.0.113.1"), Protocol: "arp"},
			wantErr:  ErrTimeout,
			requests: []string{"203.0.113.99", "203.0.113.99", "203.0.113.99"},
		},
		{
			name:     "off-link timeout names the gateway",
			target:   "198.51.100.7",
			opts:     Resolver{Timeout: 10 * time.Millisecond, Attempts: 1},
			setup:    func(f *fakeSystem) { delete(f.live, addr("203.0.113.254")) },
			want:     Resolution{Target: addr("198.51.100.7"), NextHop: addr("203.0.113.254"), Interface: "eth0", Source: addr("203.0.113.1"), Protocol: "arp"},
			wantErr:  ErrTimeout,
			requests: []string{"203.0.113.254"},
		},
		{name: "no route", target: "192.0.0.9", setup: func(f *fakeSystem) { f.rs = f.rs[1:] }, wantErr: ErrNoRoute},
		{name: "loopback refused", target: "127.0.0.1", wantErr: ErrNotARPable},
		{name: "interface lo refused", target: "203.0.113.2", opts: Resolver{Interface: "lo"}, wantErr: ErrNotARPable},
		{name: "NOARP link refused", target: "10.9.0.1", wantErr: ErrNotARPable},
		{name: "down interface refused", target: "203.0.113.2", opts: Resolver{Interface: "eth1"}, wantErr: ErrNotARPable},
		{name: "unknown interface", target: "203.0.113.2", opts: Resolver{Interface: "nope0"}, wantErr: ErrNoInterface},
		{name: "multicast", target: "224.0.0.1", wantErr: ErrInvalidTarget},
		{name: "unspecified", target: "::", wantErr: ErrInvalidTarget},
		{name: "broadcast", target: "255.255.255.255", wantErr: ErrInvalidTarget},
		{name: "source not ours", target: "203.0.113.2", opts: Resolver{Source: addr("198.51.100.200")}, wantErr: ErrNoSource},
		{name: "source of the wrong family", target: "203.0.113.2", opts: Resolver{Source: addr("2001:db8::1")}, wantErr: ErrNoSource},
		{
			name:   "no permission",
			target: "203.0.113.2",
			setup: func(f *fakeSystem) {
				f.dialFn = func(Interface, netip.Addr) error { return fmt.Errorf("socket: %w", os.ErrPermission) }
			},
			wantErr: ErrPermission,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.setup != nil {
				tt.setup(f)
			}
			r := tt.opts
			r.Host = newHost(f, "")
			got, err := r.Resolve(context.Background(), netip.MustParseAddr(tt.target))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%s) error = %v; want %v", tt.target, err, tt.wantErr)
				}
				var le *Error
				if !errors.As(err, &le) || le.Op == "" {
					t.Errorf("Resolve(%s) error %T is not a *link.Error with an Op", tt.target, err)
				}
			} else if err != nil {
				t.Fatalf("Resolve(%s) error: %v", tt.target, err)
			}
			if got.RTT < 0 || (got.RTT == 0 && err == nil && !got.Cached && !got.Local) {
				t.Errorf("Resolve(%s).RTT = %v; want > 0 for a probe", tt.target, got.RTT)
			}
			got.RTT = 0
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
				t.Errorf("Resolve(%s) mismatch (-want +got):\n%s", tt.target, diff)
			}
			var reqs []string
			for _, a := range f.requests {
				reqs = append(reqs, a.String())
			}
			if diff := cmp.Diff(tt.requests, reqs); diff != "" {
				t.Errorf("Resolve(%s) requests (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}

func TestResolveContext(t *testing.T) {
	t.Run("deadline earlier than the timeout wins", func(t *testing.T) {
		r := &Resolver{Host: newHost(newFake(), ""), Timeout: 10 * time.Second, Attempts: 5}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := r.Resolve(ctx, netip.MustParseAddr("203.0.113.99"))
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Resolve took %v; want about 50ms", el)
		}
		if !errors.Is(err, ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Resolve error = %v; want ErrTimeout or the context's deadline", err)
		}
	})
	t.Run("cancel stops a blocked read", func(t *testing.T) {
		r := &Resolver{Host: newHost(newFake(), ""), Timeout: 10 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		start := time.Now()
		_, err := r.Resolve(ctx, netip.MustParseAddr("203.0.113.99"))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Resolve error = %v; want context.Canceled", err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Resolve took %v after cancel; want about 30ms", el)
		}
	})
}

func TestScan(t *testing.T) {
	addr := netip.MustParseAddr
	f := newFake()
	f.live[addr("203.0.113.3")] = MustParseMAC("02:00:00:00:00:03")
	f.live[addr("203.0.113.200")] = MustParseMAC("02:00:00:00:00:c8")
	f.dropFirst[addr("203.0.113.200")] = 1 // answers only the retry
	// 250ms, not less: a live host is retried (and the request count
	// below is wrong) if the reader goroutine is starved that long, which
	// a loaded 2-core CI machine running -race can do for tens of ms.
	r := &Resolver{Host: newHost(f, ""), Timeout: 250 * time.Millisecond, Attempts: 2}
	var last [2]int
	got, err := r.Scan(context.Background(), netip.MustParsePrefix("203.0.113.77/24"), ScanOptions{
		Rate:     100000,
		Progress: func(s, n int) { last = [2]int{s, n} },
	})
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, x := range got {
		hosts = append(hosts, fmt.Sprintf("%s %s attempt %d", x.Target, x.MAC, x.Attempt))
	}
	want := []string{
		"203.0.113.2 02:00:00:00:00:02 attempt 1",
		"203.0.113.3 02:00:00:00:00:03 attempt 1",
		"203.0.113.200 02:00:00:00:00:c8 attempt 2",
		"203.0.113.254 00:1b:21:00:00:fe attempt 1",
	}
	if diff := cmp.Diff(want, hosts); diff != "" {
		t.Errorf("Scan mismatch (-want +got):\n%s", diff)
	}
	// 253 hosts (254 minus our own .1): 3 answer at once, 1 on the retry,
	// 249 never: 3 + 2 + 2*249 requests.
	if n := f.requestCount(); n != 3+2+2*249 {
		t.Errorf("Scan sent %d requests; want %d", n, 3+2+2*249)
	}
	for _, a := range f.requests {
		if a == addr("203.0.113.1") || a == addr("203.0.113.0") || a == addr("203.0.113.255") {
			t.Errorf("Scan asked %s (own, network or broadcast address)", a)
		}
	}
	if last != [2]int{506, 506} {
		t.Errorf("last progress = %v; want [506 506] (253 hosts × 2 attempts)", last)
	}
	if dl := f.dialed; len(dl) != 1 || dl[0] != "eth0 203.0.113.1" {
		t.Errorf("Scan dialed %q; want [eth0 203.0.113.1]", dl)
	}
}

func TestScanEarlyExit(t *testing.T) {
	f := newFake()
	f.live[netip.MustParseAddr("203.0.113.3")] = MustParseMAC("02:00:00:00:00:03")
	r := &Resolver{Host: newHost(f, ""), Timeout: 5 * time.Second, Attempts: 3}
	start := time.Now()
	got, err := r.Scan(context.Background(), netip.MustParsePrefix("203.0.113.2/31"), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("Scan(/31) = %+v; want .2 and .3 (a /31 has no network or broadcast address)", got)
	}
	// Both answer at once: Scan must not wait out the 5 s timeout.
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Scan(/31) took %v; want an early return once every host answered", el)
	}
	if n := f.requestCount(); n != 2 {
		t.Errorf("Scan(/31) sent %d requests; want 2", n)
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		opts    Resolver
		wantErr error
	}{
		{"IPv6", "2001:db8::/120", Resolver{}, ErrInvalidTarget},
		{"too large", "10.0.0.0/8", Resolver{}, ErrInvalidTarget},
		{"not on-link", "198.51.100.0/24", Resolver{}, ErrInvalidTarget},
		{"NOARP", "10.9.0.0/24", Resolver{}, ErrNotARPable},
		{"permission", "203.0.113.0/28", Resolver{}, ErrPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.dialFn = func(Interface, netip.Addr) error { return os.ErrPermission }
			r := tt.opts
			r.Host = newHost(f, "")
			_, err := r.Scan(context.Background(), netip.MustParsePrefix(tt.prefix), ScanOptions{})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Scan(%s) error = %v; want %v", tt.prefix, err, tt.wantErr)
			}
		})
	}
}

func TestRouteGet(t *testing.T) {
	h := newHost(newFake(), "")
	d, err := h.RouteGet(context.Background(), netip.MustParseAddr("203.0.113.9"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range d.Candidates {
		got = append(got, c.Dst.String())
	}
	if diff := cmp.Diff([]string{"203.0.113.0/24", "0.0.0.0/0"}, got); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
	if d.Winner != 0 || d.NextHop() != netip.MustParseAddr("203.0.113.9") {
		t.Errorf("Winner = %d, NextHop = %s; want 0 and the target itself", d.Winner, d.NextHop())
	}
	d, err = h.RouteGet(context.Background(), netip.MustParseAddr("198.51.100.1"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Winner != 0 || len(d.Candidates) != 1 || d.NextHop() != netip.MustParseAddr("203.0.113.254") {
		t.Errorf("RouteGet(off-link) = %+v; want the default route via 203.0.113.254", d)
	}
	if _, err := h.RouteGet(context.Background(), netip.Addr{}); !errors.Is(err, ErrInvalidTarget) {
		t.Errorf("RouteGet(zero) error = %v; want ErrInvalidTarget", err)
	}
}

// TestRouteGetKernelQuirks covers two ways the kernel's answer differs from
// the route table: a local address is answered "dev lo" although its local
// route is on the interface holding it, and a blackhole route is answered
// with a bare EINVAL.
func TestRouteGetKernelQuirks(t *testing.T) {
	f := newFake()
	f.rs = append(f.rs, Route{Dst: netip.MustParsePrefix("198.51.100.128/25"), Type: Blackhole, Table: 254})
	get := f.get
	f.get = func(dst, src netip.Addr, oif int) (Route, error) {
		switch dst {
		case netip.MustParseAddr("203.0.113.1"):
			return Route{Dst: netip.MustParsePrefix("203.0.113.1/32"), Type: Local, Interface: "lo", Index: 1, Source: dst, Table: 255}, nil
		case netip.MustParseAddr("198.51.100.130"):
			return Route{}, syscall.EINVAL
		}
		return get(dst, src, oif)
	}
	h := newHost(f, "")
	d, err := h.RouteGet(context.Background(), netip.MustParseAddr("203.0.113.1"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Winner < 0 || d.Candidates[d.Winner].Dst != netip.MustParsePrefix("203.0.113.1/32") {
		t.Errorf("RouteGet(own address) winner %d of %+v; want the local 203.0.113.1/32", d.Winner, d.Candidates)
	}
	_, err = h.RouteGet(context.Background(), netip.MustParseAddr("198.51.100.130"))
	if !errors.Is(err, ErrNoRoute) || !strings.Contains(err.Error(), "blackhole route 198.51.100.128/25 in table main") {
		t.Errorf("RouteGet(blackholed) error = %v; want ErrNoRoute naming the blackhole route", err)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"full", &Error{Op: "arp", Target: netip.MustParseAddr("203.0.113.9"), Iface: "eth0", Err: ErrTimeout, Detail: "3 × 1s", Cause: os.ErrDeadlineExceeded},
			"link: arp 203.0.113.9 on eth0: no reply (3 × 1s): i/o timeout"},
		{"bare", &Error{Op: "open", Err: ErrUnsupported}, "link: open: not supported on this OS (Linux only)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
			if !errors.Is(tt.err, tt.err.Err) {
				t.Errorf("errors.Is(err, %v) = false", tt.err.Err)
			}
		})
	}
}
