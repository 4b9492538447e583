package link

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
)

// Host is the link-layer view of one network namespace: its interfaces,
// addresses, routes and neighbours. Open one with Open; the zero Host is
// not usable. A Host is safe for concurrent use.
type Host struct {
	sys  system
	name string
}

// newHost returns a Host over any system; tests pass a fake.
func newHost(sys system, name string) *Host { return &Host{sys: sys, name: name} }

// Namespace returns the network namespace name given to Open, "" for the
// caller's own.
func (h *Host) Namespace() string { return h.name }

// Close releases the netlink sockets and namespace handle.
func (h *Host) Close() error { return h.sys.close() }

// Links returns every interface, sorted by index. Netlink dumps are not
// cancellable; ctx is only checked before the query.
func (h *Host) Links(ctx context.Context) ([]Interface, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ls, err := h.sys.links()
	if err != nil {
		return nil, &Error{Op: "links", Err: errors.New("listing interfaces"), Cause: err}
	}
	slices.SortFunc(ls, func(a, b Interface) int { return cmp.Compare(a.Index, b.Index) })
	return ls, nil
}

// Addrs returns every address of every interface, sorted by interface
// index, then IPv4 before IPv6, then address.
func (h *Host) Addrs(ctx context.Context) ([]Address, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	as, err := h.sys.addrs()
	if err != nil {
		return nil, &Error{Op: "addrs", Err: errors.New("listing addresses"), Cause: err}
	}
	slices.SortStableFunc(as, func(a, b Address) int {
		if c := cmp.Compare(a.Index, b.Index); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Prefix.Addr().BitLen(), b.Prefix.Addr().BitLen()); c != 0 {
			return c
		}
		return a.Prefix.Addr().Compare(b.Prefix.Addr())
	})
	return as, nil
}

// Neighbors returns the kernel's neighbour table (ARP and NDP), sorted by
// interface index and address. Reading it needs no privilege.
func (h *Host) Neighbors(ctx context.Context) ([]Neighbor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ns, err := h.sys.neighbors(0)
	if err != nil {
		return nil, &Error{Op: "neighbors", Err: errors.New("listing the neighbour table"), Cause: err}
	}
	slices.SortFunc(ns, func(a, b Neighbor) int {
		if c := cmp.Compare(a.Index, b.Index); c != 0 {
			return c
		}
		return a.Addr.Compare(b.Addr)
	})
	return ns, nil
}

// RouteGet asks the kernel which route it would use for target, as
// `ip route get` does, and lists the candidate routes of every table whose
// prefix contains target, most specific first, marking the one the answer
// came from. An IPv4-mapped IPv6 target is treated as IPv4. The error
// wraps ErrNoRoute when the kernel has no route and ErrInvalidTarget for
// the zero Addr.
func (h *Host) RouteGet(ctx context.Context, target netip.Addr) (RouteDecision, error) {
	return h.routeGet(ctx, target, netip.Addr{}, 0, true)
}

// routeGet asks the kernel; with explain it also lists the candidates.
func (h *Host) routeGet(ctx context.Context, target, src netip.Addr, oif int, explain bool) (RouteDecision, error) {
	target = target.Unmap()
	if !target.IsValid() {
		return RouteDecision{}, &Error{Op: "route", Err: ErrInvalidTarget, Detail: "no address given"}
	}
	if err := ctx.Err(); err != nil {
		return RouteDecision{}, err
	}
	if oif == 0 && target.Zone() != "" {
		ifi, err := h.findLink(0, target.Zone())
		if err != nil {
			return RouteDecision{}, err
		}
		oif = ifi.Index
	}
	rt, err := h.sys.routeGet(target, src, oif)
	if err != nil {
		if rerr := h.refusedBy(target); rerr != nil {
			return RouteDecision{}, rerr
		}
		return RouteDecision{}, routeError(target, err)
	}
	switch rt.Type {
	case Unreachable, Blackhole, Prohibit, Throw:
		return RouteDecision{}, &Error{Op: "route", Target: target, Err: ErrNoRoute, Detail: "the route is of type " + string(rt.Type)}
	}
	d := RouteDecision{Target: target, Route: rt, Winner: -1}
	if !explain {
		return d, nil
	}
	fam := 4
	if target.Is6() {
		fam = 6
	}
	all, err := h.sys.routes(fam)
	if err != nil {
		return RouteDecision{}, &Error{Op: "route", Target: target, Err: errors.New("listing routes"), Cause: err}
	}
	for _, r := range all {
		if r.Dst.Contains(target.WithZone("")) {
			d.Candidates = append(d.Candidates, r)
		}
	}
	slices.SortStableFunc(d.Candidates, func(a, b Route) int {
		if c := cmp.Compare(b.Dst.Bits(), a.Dst.Bits()); c != 0 {
			return c
		}
		if c := cmp.Compare(tableOrder(a.Table), tableOrder(b.Table)); c != 0 {
			return c
		}
		return cmp.Compare(a.Metric, b.Metric)
	})
	// The kernel's answer carries the table it used (though for IPv4 local
	// routes the header names main); within that table the longest prefix
	// of the same type and interface won.
	match := func(c Route) bool {
		// A local route sits on the interface holding the address, but
		// the kernel's answer names lo as the device.
		return c.Type == rt.Type && (rt.Type == Local || rt.Index == 0 || c.Index == 0 || c.Index == rt.Index)
	}
	for i, c := range d.Candidates {
		if c.Table == rt.Table && match(c) {
			d.Winner = i
			break
		}
	}
	if d.Winner < 0 {
		for i, c := range d.Candidates {
			if match(c) {
				d.Winner = i
				d.Route.Table = c.Table
				break
			}
		}
	}
	return d, nil
}

// refusedBy explains a failed lookup when the most specific route
// containing target refuses traffic (blackhole, unreachable, prohibit,
// throw): the kernel answers those with a bare EINVAL, EHOSTUNREACH or
// EACCES. It returns nil when no such route is found.
func (h *Host) refusedBy(target netip.Addr) error {
	fam := 4
	if target.Is6() {
		fam = 6
	}
	all, err := h.sys.routes(fam)
	if err != nil {
		return nil
	}
	best := -1
	for i, r := range all {
		if r.Dst.Contains(target.WithZone("")) && r.Type != Local && (best < 0 || r.Dst.Bits() > all[best].Dst.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	switch r := all[best]; r.Type {
	case Unreachable, Blackhole, Prohibit, Throw:
		return &Error{Op: "route", Target: target, Err: ErrNoRoute, Detail: fmt.Sprintf("%s route %s in table %s", r.Type, r.Dst, r.TableName())}
	}
	return nil
}

// tableOrder sorts the local table first, as the kernel's default policy
// rules consult it first (priority 0), then main, then default, then the rest.
func tableOrder(t int) int {
	switch t {
	case 255:
		return 0
	case 254:
		return 1
	case 253:
		return 2
	}
	return 3 + t
}

func tableName(t int) string {
	switch t {
	case 255:
		return "local"
	case 254:
		return "main"
	case 253:
		return "default"
	}
	return itoa(t)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// routeError turns a route lookup failure into an *Error wrapping
// ErrNoRoute when the kernel says the network is unreachable.
func routeError(target netip.Addr, err error) error {
	var le *Error
	if errors.As(err, &le) {
		return err
	}
	if isUnreachable(err) {
		return &Error{Op: "route", Target: target, Err: ErrNoRoute, Detail: "network is unreachable"}
	}
	return &Error{Op: "route", Target: target, Err: errors.New("route lookup failed"), Cause: err}
}

// isPermission reports whether err is the kernel refusing a raw socket.
func isPermission(err error) bool { return errors.Is(err, os.ErrPermission) }
