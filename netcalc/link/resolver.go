package link

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"
)

// Resolver finds the hardware address a host would send a packet to a
// target to: it asks the kernel for the route, picks the next hop (the
// target when on-link, else the route's gateway, exactly as the kernel
// does) and probes it on the egress interface with ARP (IPv4) or Neighbor
// Discovery (IPv6). Probing needs root or CAP_NET_RAW; CacheOnly reads the
// kernel's neighbour table instead, which needs no privilege.
//
// A probe does not add an entry to the kernel's neighbour table (the
// peer, however, learns ours). Any reply whose sender is the next hop is
// accepted (RFC 5227), including one provoked by another host's request.
//
// The zero Resolver is not usable: Host is required. A Resolver is safe
// for concurrent use when its fields are not changed.
type Resolver struct {
	// Host is the namespace to work in. Required.
	Host *Host
	// Interface forces the egress interface by name. Default "": the one
	// the kernel's route chooses.
	Interface string
	// Source is the probe's sender address. Default zero: the route's
	// preferred source.
	Source netip.Addr
	// Timeout is how long each attempt waits for a reply. Default 1s. A
	// context deadline that comes earlier wins.
	Timeout time.Duration
	// Attempts is how many requests are sent before giving up, one at a
	// time (the next only after the previous timed out). Default 3.
	Attempts int
	// CacheOnly answers from the kernel's neighbour table without sending
	// anything. Default false.
	CacheOnly bool
	// Now returns the current time, for RTTs. Default time.Now.
	Now func() time.Time
}

func (r *Resolver) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return time.Second
}

func (r *Resolver) attempts() int {
	if r.Attempts > 0 {
		return r.Attempts
	}
	return 3
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func protocol(a netip.Addr) string {
	if a.Is4() {
		return "arp"
	}
	return "ndp"
}

// plan is what a probe needs: the route decision, egress interface, next
// hop and source address.
type plan struct {
	route   Route
	ifi     Interface
	nextHop netip.Addr
	src     netip.Addr
}

// checkTarget rejects addresses no neighbour can own.
func checkTarget(op string, target netip.Addr) error {
	switch {
	case !target.IsValid():
		return &Error{Op: op, Err: ErrInvalidTarget, Detail: "no address given"}
	case target.IsUnspecified():
		return &Error{Op: op, Target: target, Err: ErrInvalidTarget, Detail: "the unspecified address"}
	case target.IsMulticast():
		return &Error{Op: op, Target: target, Err: ErrInvalidTarget, Detail: "a multicast address"}
	case target == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return &Error{Op: op, Target: target, Err: ErrInvalidTarget, Detail: "the broadcast address"}
	}
	return nil
}

// findLink returns the interface with the given index, or name when
// index is 0.
func (h *Host) findLink(index int, name string) (Interface, error) {
	ls, err := h.sys.links()
	if err != nil {
		return Interface{}, &Error{Op: "links", Err: errors.New("listing interfaces"), Cause: err}
	}
	for _, l := range ls {
		if (index != 0 && l.Index == index) || (index == 0 && l.Name == name) {
			return l, nil
		}
	}
	if index != 0 {
		return Interface{}, &Error{Op: "links", Err: ErrNoInterface, Detail: fmt.Sprintf("ifindex %d", index)}
	}
	return Interface{}, &Error{Op: "interface " + strconv.Quote(name), Err: ErrNoInterface, Detail: "see `netcalc link` for the names"}
}

// checkARPable refuses interfaces without link-layer address resolution.
func checkARPable(op string, target netip.Addr, ifi Interface) error {
	switch {
	case ifi.loopback:
		return &Error{Op: op, Target: target, Iface: ifi.Name, Err: ErrNotARPable, Detail: "loopback: there is no link layer to ask"}
	case ifi.noARP:
		return &Error{Op: op, Target: target, Iface: ifi.Name, Err: ErrNotARPable, Detail: "the link has the NOARP flag (" + ifi.Kind + ")"}
	case ifi.pointToPoint:
		return &Error{Op: op, Target: target, Iface: ifi.Name, Err: ErrNotARPable, Detail: "point-to-point link"}
	case !ifi.HasMAC:
		return &Error{Op: op, Target: target, Iface: ifi.Name, Err: ErrNotARPable, Detail: "no 6-byte Ethernet address"}
	case !ifi.up:
		return &Error{Op: op, Target: target, Iface: ifi.Name, Err: ErrNotARPable, Detail: "the interface is down"}
	}
	return nil
}

// plan resolves the route, interface, next hop and source for target. A
// local target returns a Resolution with Local set and a nil error in done.
func (r *Resolver) plan(ctx context.Context, op string, target netip.Addr) (p plan, done *Resolution, err error) {
	h := r.Host
	target = target.Unmap()
	if err := checkTarget(op, target); err != nil {
		return p, nil, err
	}
	if r.Source.IsValid() && r.Source.Unmap().Is4() != target.Is4() {
		return p, nil, &Error{Op: op, Target: target, Err: ErrNoSource, Detail: "source " + r.Source.String() + " is not of the target's family"}
	}
	if r.Source.IsValid() {
		// The kernel would only say "network is unreachable".
		_, ours, err := r.localAddr(r.Source.Unmap())
		if err != nil {
			return p, nil, err
		}
		if !ours {
			return p, nil, &Error{Op: op, Target: target, Err: ErrNoSource, Detail: r.Source.String() + " is not an address of this host; see `netcalc addr`"}
		}
	}
	ifname := r.Interface
	if ifname == "" && target.Zone() != "" {
		ifname = target.Zone() // fe80::1%eth0 names its interface
	}
	if ifname != "" {
		ifi, err := h.findLink(0, ifname)
		if err != nil {
			return p, nil, err
		}
		if err := checkARPable(op, target, ifi); err != nil {
			return p, nil, err
		}
	}
	d, err := h.routeGet(ctx, RouteQuery{Dst: target, Src: r.Source.Unmap(), Oif: ifname}, false)
	if err != nil {
		return p, nil, err
	}
	p.route = d.Route
	if d.Route.Type == Local {
		owner, err := r.owner(target)
		if err != nil {
			return p, nil, err
		}
		if owner.loopback {
			return p, nil, &Error{Op: op, Target: target, Iface: owner.Name, Err: ErrNotARPable, Detail: "a local address on loopback: there is no link layer to ask"}
		}
		return p, &Resolution{Target: target, NextHop: target, OnLink: true, Interface: owner.Name, MAC: owner.MAC, Protocol: protocol(target), Local: true}, nil
	}
	if d.Route.Type != Unicast {
		return p, nil, &Error{Op: op, Target: target, Err: ErrInvalidTarget, Detail: "the kernel routes it as " + string(d.Route.Type)}
	}
	p.ifi, err = h.findLink(d.Route.Index, "")
	if err != nil {
		return p, nil, err
	}
	if err := checkARPable(op, target, p.ifi); err != nil {
		return p, nil, err
	}
	p.nextHop = d.NextHop()
	p.src = r.Source.Unmap()
	if !p.src.IsValid() {
		p.src = d.Route.Source
	}
	if !p.src.IsValid() {
		p.src = r.firstAddr(p.ifi.Index, target.Is4())
	}
	if !p.src.IsValid() && !r.CacheOnly {
		return p, nil, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: ErrNoSource, Detail: "the interface has no address of the target's family"}
	}
	return p, nil, nil
}

// owner returns the interface that holds the local address a.
func (r *Resolver) owner(a netip.Addr) (Interface, error) {
	x, ok, err := r.localAddr(a)
	if err != nil {
		return Interface{}, err
	}
	if ok {
		return r.Host.findLink(x.Index, "")
	}
	// 127.0.0.2 and the like are local through a route on lo.
	return r.Host.findLink(0, "lo")
}

// localAddr returns the host's address entry for a, if a is one of the
// host's addresses.
func (r *Resolver) localAddr(a netip.Addr) (Address, bool, error) {
	as, err := r.Host.sys.addrs()
	if err != nil {
		return Address{}, false, &Error{Op: "addrs", Err: errors.New("listing addresses"), Cause: err}
	}
	for _, x := range as {
		if x.Prefix.Addr().WithZone("") == a.WithZone("") {
			return x, true, nil
		}
	}
	return Address{}, false, nil
}

func (r *Resolver) firstAddr(index int, v4 bool) netip.Addr {
	as, err := r.Host.sys.addrs()
	if err != nil {
		return netip.Addr{}
	}
	for _, x := range as {
		if x.Index == index && x.Prefix.Addr().Is4() == v4 {
			return x.Prefix.Addr()
		}
	}
	return netip.Addr{}
}

// Resolve returns the hardware address of target's next hop: target itself
// when it is on-link, else the gateway of the route to it (Resolution.OnLink
// says which). It sends up to Attempts requests, each waiting Timeout or
// until ctx's deadline if that is earlier, and returns at the first reply.
// With CacheOnly it reads the neighbour table instead. A target that is
// one of the host's own addresses is answered with its interface's MAC
// (Resolution.Local).
//
// With ErrTimeout and ErrNotCached the Resolution still names the target, next
// hop, interface and protocol (its MAC is zero); with other errors it is
// the zero Resolution.
//
// Errors are *Error values wrapping ErrTimeout (no reply), ErrNoRoute,
// ErrPermission (no CAP_NET_RAW: retry with CacheOnly), ErrNotCached,
// ErrNotARPable (loopback, NOARP, point-to-point or down interface),
// ErrNoSource, ErrNoInterface or ErrInvalidTarget, or ctx's error.
func (r *Resolver) Resolve(ctx context.Context, target netip.Addr) (Resolution, error) {
	op := protocol(target.Unmap())
	p, local, err := r.plan(ctx, op, target)
	if err != nil {
		return Resolution{}, err
	}
	if local != nil {
		return *local, nil
	}
	target = target.Unmap()
	res := Resolution{Target: target, NextHop: p.nextHop, OnLink: p.nextHop == target, Interface: p.ifi.Name, Protocol: op}
	if r.CacheOnly {
		return r.cached(res, p)
	}
	res.Source = p.src
	c, err := r.Host.sys.dial(p.ifi, p.src)
	if err != nil {
		if isPermission(err) {
			return Resolution{}, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: ErrPermission, Cause: err}
		}
		return Resolution{}, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: errors.New("opening a raw socket"), Cause: err}
	}
	defer c.close()
	stop := context.AfterFunc(ctx, func() { c.close() })
	defer stop()

	for attempt := 1; attempt <= r.attempts(); attempt++ {
		// The deadline covers the wait for a reply, not the send: a
		// deadline set before the write (or left from the previous
		// attempt) would fail the write itself with "i/o timeout" when the
		// timeout is tiny. A cancelled ctx still ends a stuck write by
		// closing the socket.
		if err := c.setDeadline(time.Time{}); err != nil {
			return Resolution{}, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: errors.New("setting a deadline"), Cause: err}
		}
		start := r.now()
		if err := c.request(p.nextHop); err != nil {
			if ctx.Err() != nil {
				return Resolution{}, ctx.Err()
			}
			return Resolution{}, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: errors.New("sending the request"), Cause: err}
		}
		deadline := start.Add(r.timeout())
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		if err := c.setDeadline(deadline); err != nil {
			return Resolution{}, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: errors.New("setting a deadline"), Cause: err}
		}
		for {
			from, mac, err := c.read()
			if err != nil {
				if ctx.Err() != nil {
					return Resolution{}, ctx.Err()
				}
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break // next attempt
				}
				return Resolution{}, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: errors.New("reading replies"), Cause: err}
			}
			if from.WithZone("") != p.nextHop.WithZone("") {
				continue
			}
			res.MAC = mac
			res.RTT = r.now().Sub(start)
			res.Attempt = attempt
			return res, nil
		}
		if d, ok := ctx.Deadline(); ok && !r.now().Before(d) {
			break
		}
	}
	detail := fmt.Sprintf("%d × %v", r.attempts(), r.timeout())
	if !res.OnLink {
		detail = "asked the gateway " + p.nextHop.String() + ", " + detail
	}
	return res, &Error{Op: op, Target: target, Iface: p.ifi.Name, Err: ErrTimeout, Detail: detail}
}

// cached answers from the neighbour table.
func (r *Resolver) cached(res Resolution, p plan) (Resolution, error) {
	fam := 4
	if res.Target.Is6() {
		fam = 6
	}
	ns, err := r.Host.sys.neighbors(fam)
	if err != nil {
		return Resolution{}, &Error{Op: res.Protocol, Target: res.Target, Iface: p.ifi.Name, Err: errors.New("reading the neighbour table"), Cause: err}
	}
	for _, n := range ns {
		if n.Index == p.ifi.Index && n.Addr.WithZone("") == p.nextHop.WithZone("") && n.HasMAC {
			res.MAC = n.MAC
			res.Cached = true
			res.State = n.State
			return res, nil
		}
	}
	detail := "no entry with a MAC for " + p.nextHop.String()
	return res, &Error{Op: res.Protocol, Target: res.Target, Iface: p.ifi.Name, Err: ErrNotCached, Detail: detail}
}
