package link

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"
)

// fakeSystem is an in-memory host: a fixed set of links, addresses,
// routes and neighbours, and neighbours that answer probes.
type fakeSystem struct {
	ls     []Interface
	as     []Address
	rs     []Route
	ns     []Neighbor
	rls    []famRule // nil: the default rules
	get    func(dst, src netip.Addr, oif int) (Route, error)
	dialFn func(ifi Interface, src netip.Addr) error

	mu        sync.Mutex
	live      map[netip.Addr]MAC // who answers
	dropFirst map[netip.Addr]int // requests ignored before answering
	noise     []reply            // replies sent before any real one
	requests  []netip.Addr       // every request, in order
	dialed    []string           // "ifname src" per dial
}

var (
	_ system    = (*fakeSystem)(nil)
	_ neighConn = (*fakeConn)(nil)
)

type famRule struct {
	fam int
	Rule
}

type reply struct {
	from netip.Addr
	mac  MAC
}

func (f *fakeSystem) links() ([]Interface, error) { return slices.Clone(f.ls), nil }
func (f *fakeSystem) addrs() ([]Address, error)   { return slices.Clone(f.as), nil }
func (f *fakeSystem) routes(fam int) ([]Route, error) {
	var out []Route
	for _, r := range f.rs {
		if (fam == 4) == r.Dst.Addr().Is4() {
			out = append(out, r)
		}
	}
	return out, nil
}
func (f *fakeSystem) routeGet(req routeRequest) (Route, error) {
	return f.get(req.dst, req.src, req.oif)
}

// rules returns the fake's rules of one family, or the default ones.
func (f *fakeSystem) rules(fam int) ([]Rule, error) {
	if f.rls == nil {
		return DefaultRules(fam), nil
	}
	var out []Rule
	for _, r := range f.rls {
		if r.fam == fam {
			out = append(out, r.Rule)
		}
	}
	return out, nil
}
func (f *fakeSystem) neighbors(fam int) ([]Neighbor, error) {
	var out []Neighbor
	for _, n := range f.ns {
		if fam == 0 || (fam == 4) == n.Addr.Is4() {
			out = append(out, n)
		}
	}
	return out, nil
}
func (f *fakeSystem) close() error { return nil }

func (f *fakeSystem) dial(ifi Interface, src netip.Addr) (neighConn, error) {
	if f.dialFn != nil {
		if err := f.dialFn(ifi, src); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	f.dialed = append(f.dialed, ifi.Name+" "+src.String())
	f.mu.Unlock()
	return &fakeConn{sys: f, replies: make(chan reply, 1<<17), closed: make(chan struct{})}, nil
}

func (f *fakeSystem) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// fakeConn delivers the fake neighbours' replies.
type fakeConn struct {
	sys      *fakeSystem
	replies  chan reply
	closed   chan struct{}
	once     sync.Once
	mu       sync.Mutex
	deadline time.Time
}

func (c *fakeConn) request(target netip.Addr) error {
	select {
	case <-c.closed:
		return net.ErrClosed
	default:
	}
	c.mu.Lock()
	d := c.deadline
	c.mu.Unlock()
	if !d.IsZero() && !time.Now().Before(d) { // as a real socket's write
		return &net.OpError{Op: "write", Err: os.ErrDeadlineExceeded}
	}
	f := c.sys
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, target)
	for _, n := range f.noise {
		c.replies <- n
	}
	f.noise = nil
	if mac, ok := f.live[target]; ok {
		if f.dropFirst[target] > 0 {
			f.dropFirst[target]--
			return nil
		}
		c.replies <- reply{target, mac}
	}
	return nil
}

func (c *fakeConn) read() (netip.Addr, MAC, error) {
	c.mu.Lock()
	d := c.deadline
	c.mu.Unlock()
	var timeout <-chan time.Time
	if !d.IsZero() {
		t := time.NewTimer(time.Until(d))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case r := <-c.replies:
		return r.from, r.mac, nil
	case <-c.closed:
		return netip.Addr{}, MAC{}, net.ErrClosed
	case <-timeout:
		return netip.Addr{}, MAC{}, &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}
	}
}

func (c *fakeConn) setDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

func (c *fakeConn) close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// Lab addresses of the fake host: eth0 203.0.113.1/24 and 2001:db8::1/64,
// default route via 203.0.113.254; lo; a NOARP wg0; a down eth1.
var (
	macEth0 = MustParseMAC("02:00:00:00:00:01")
	macPeer = MustParseMAC("02:00:00:00:00:02")
	macGW   = MustParseMAC("00:1b:21:00:00:fe")
)

func newFake() *fakeSystem {
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	f := &fakeSystem{
		ls: []Interface{
			{Index: 1, Name: "lo", Kind: "device", MTU: 65536, State: "UNKNOWN", up: true, loopback: true},
			{Index: 2, Name: "eth0", Kind: "device", MAC: macEth0, HasMAC: true, MTU: 1500, State: "UP", up: true},
			{Index: 3, Name: "wg0", Kind: "wireguard", MTU: 1420, State: "UNKNOWN", up: true, noARP: true, pointToPoint: true},
			{Index: 4, Name: "eth1", Kind: "device", MAC: MustParseMAC("02:00:00:00:01:01"), HasMAC: true, MTU: 1500, State: "DOWN"},
		},
		as: []Address{
			{Interface: "lo", Index: 1, Prefix: pfx("127.0.0.1/8"), Scope: "host"},
			{Interface: "eth0", Index: 2, Prefix: pfx("203.0.113.1/24"), Scope: "global"},
			{Interface: "eth0", Index: 2, Prefix: pfx("2001:db8::1/64"), Scope: "global"},
		},
		rs: []Route{
			{Dst: pfx("0.0.0.0/0"), Type: Unicast, Gateway: addr("203.0.113.254"), Interface: "eth0", Index: 2, Table: 254},
			{Dst: pfx("203.0.113.0/24"), Type: Unicast, Interface: "eth0", Index: 2, Source: addr("203.0.113.1"), Table: 254},
			{Dst: pfx("203.0.113.1/32"), Type: Local, Interface: "eth0", Index: 2, Source: addr("203.0.113.1"), Table: 255},
			{Dst: pfx("127.0.0.0/8"), Type: Local, Interface: "lo", Index: 1, Source: addr("127.0.0.1"), Table: 255},
			{Dst: pfx("2001:db8::/64"), Type: Unicast, Interface: "eth0", Index: 2, Table: 254, Metric: 256},
			{Dst: pfx("10.9.0.0/16"), Type: Unicast, Interface: "wg0", Index: 3, Table: 254},
		},
		live: map[netip.Addr]MAC{
			addr("203.0.113.2"):   macPeer,
			addr("203.0.113.254"): macGW,
			addr("2001:db8::2"):   macPeer,
		},
		dropFirst: map[netip.Addr]int{},
	}
	f.get = func(dst, src netip.Addr, oif int) (Route, error) {
		var best Route
		found := false
		for _, r := range f.rs {
			if r.Dst.Contains(dst) && (!found || r.Dst.Bits() > best.Dst.Bits()) {
				best, found = r, true
			}
		}
		if !found {
			return Route{}, &Error{Op: "route", Target: dst, Err: ErrNoRoute, Detail: "network is unreachable"}
		}
		best.Dst = netip.PrefixFrom(dst, dst.BitLen())
		if !best.Source.IsValid() && best.Index == 2 {
			if dst.Is4() {
				best.Source = addr("203.0.113.1")
			} else {
				best.Source = addr("2001:db8::1")
			}
		}
		return best, nil
	}
	return f
}
