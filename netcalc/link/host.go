package link

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"os"
	"slices"

	"github.com/netcalc/netcalc/netcalc/fib"
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

// Neighbors returns the kernel's neighbour table (ARP and NDP) without its
// multicast entries, sorted by interface index and address. Reading it
// needs no privilege.
func (h *Host) Neighbors(ctx context.Context) ([]Neighbor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ns, err := h.NeighborTable(ctx, 0)
	if err != nil {
		return nil, err
	}
	ns = slices.DeleteFunc(ns, func(n Neighbor) bool { return n.Addr.IsMulticast() })
	slices.SortFunc(ns, func(a, b Neighbor) int {
		if c := cmp.Compare(a.Index, b.Index); c != 0 {
			return c
		}
		return a.Addr.Compare(b.Addr)
	})
	return ns, nil
}

// NeighborTable returns every entry of the kernel's neighbour table of one
// family (4 or 6, 0 for both), multicast and NOARP entries included, in
// the kernel's order, with their ages: what `ip -s neigh show nud all`
// lists. Reading it needs no privilege.
func (h *Host) NeighborTable(ctx context.Context, fam int) ([]Neighbor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fam != 0 && fam != 4 && fam != 6 {
		return nil, &Error{Op: "neighbors", Err: ErrInvalidTarget, Detail: "family must be 4, 6 or 0"}
	}
	ns, err := h.sys.neighbors(fam)
	if err != nil {
		return nil, &Error{Op: "neighbors", Err: errors.New("listing the neighbour table"), Cause: err}
	}
	return ns, nil
}

// Routes returns the routes of one family (4 or 6) in table (254 main,
// 255 local, ...; 0 for every table), in the kernel's order, as
// `ip route show table T` lists them. Reading them needs no privilege.
func (h *Host) Routes(ctx context.Context, fam, table int) ([]Route, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fam != 4 && fam != 6 {
		return nil, &Error{Op: "routes", Err: ErrInvalidTarget, Detail: "family must be 4 or 6"}
	}
	rs, err := h.sys.routes(fam)
	if err != nil {
		return nil, &Error{Op: "routes", Err: errors.New("listing routes"), Cause: err}
	}
	if table != 0 {
		rs = slices.DeleteFunc(rs, func(r Route) bool { return r.Table != table })
	}
	return rs, nil
}

// RouteGet asks the kernel which route it would use for a locally
// generated packet to target, as `ip route get` does, and explains the
// choice; see RouteGetQuery.
func (h *Host) RouteGet(ctx context.Context, target netip.Addr) (RouteDecision, error) {
	return h.RouteGetQuery(ctx, RouteQuery{Dst: target})
}

// RouteGetQuery asks the kernel which route it would use for the packet
// q (`ip route get DST from SRC iif DEV oif DEV mark N`) and explains the
// choice: it reads the policy routing rules and every table and walks the
// rules as the kernel does (WalkRules), recording which rule chose which
// table, that table's routes containing the destination and the winner.
// Where the walk and the kernel disagree (a selector the walk does not
// model), Note says so; the kernel's answer is the one returned. An
// IPv4-mapped IPv6 address is treated as IPv4. The error wraps ErrNoRoute
// when the kernel has no route (naming the rule or route that refused,
// when the walk finds one), ErrInvalidTarget for the zero Addr and
// ErrNoInterface for an unknown iif or oif.
func (h *Host) RouteGetQuery(ctx context.Context, q RouteQuery) (RouteDecision, error) {
	return h.routeGet(ctx, q, true)
}

// routeGet asks the kernel; with explain it also walks the rules.
func (h *Host) routeGet(ctx context.Context, q RouteQuery, explain bool) (RouteDecision, error) {
	target := q.Dst.Unmap()
	q.Dst = target
	q.Src = q.Src.Unmap()
	if !target.IsValid() {
		return RouteDecision{}, &Error{Op: "route", Err: ErrInvalidTarget, Detail: "no address given"}
	}
	if q.Src.IsValid() && q.Src.Is4() != target.Is4() {
		return RouteDecision{}, &Error{Op: "route", Target: target, Err: ErrInvalidTarget, Detail: "from " + q.Src.String() + " is of the other address family"}
	}
	if err := ctx.Err(); err != nil {
		return RouteDecision{}, err
	}
	if q.Iif != "" {
		q.UID = ^uint32(0) // the kernel's INVALID_UID: a forwarded packet has no user
	}
	req := routeRequest{dst: target, src: q.Src, mark: q.Mark}
	if q.Oif == "" && target.Zone() != "" {
		q.Oif = target.Zone()
	}
	if q.Oif != "" {
		ifi, err := h.findLink(0, q.Oif)
		if err != nil {
			return RouteDecision{}, err
		}
		req.oif = ifi.Index
	}
	if q.Iif != "" {
		ifi, err := h.findLink(0, q.Iif)
		if err != nil {
			return RouteDecision{}, err
		}
		req.iif = ifi.Index
	}
	fam := 4
	if target.Is6() {
		fam = 6
	}
	walk := func() (Walk, error) {
		rules, err := h.sys.rules(fam)
		if err != nil {
			return Walk{}, &Error{Op: "route", Target: target, Err: errors.New("listing the policy rules"), Cause: err}
		}
		all, err := h.sys.routes(fam)
		if err != nil {
			return Walk{}, &Error{Op: "route", Target: target, Err: errors.New("listing routes"), Cause: err}
		}
		// IPv6 multicast routes (ff00::/8 in table local) explain nothing
		// about a unicast lookup.
		all = slices.DeleteFunc(all, func(r Route) bool { return r.Dst.Addr().Is6() && r.Dst.Addr().IsMulticast() })
		return WalkRules(rules, all, q), nil
	}
	rt, err := h.sys.routeGet(req)
	if err != nil {
		if w, werr := walk(); werr == nil && !w.OK() && w.Decided >= 0 {
			return RouteDecision{}, &Error{Op: "route", Target: target, Err: ErrNoRoute, Detail: w.refusal()}
		}
		if q.Src.IsValid() && q.Iif == "" && isUnreachable(err) && !h.owns(q.Src) {
			return RouteDecision{}, &Error{Op: "route", Target: target, Err: ErrNoRoute,
				Detail: "from " + q.Src.String() + " is not an address of this host: a locally generated packet has one of its own (see `netcalc addr`); for a forwarded packet give iif DEV"}
		}
		return RouteDecision{}, routeError(target, err)
	}
	switch rt.Type {
	case Unreachable, Blackhole, Prohibit, Throw:
		return RouteDecision{}, &Error{Op: "route", Target: target, Err: ErrNoRoute, Detail: "the route is of type " + string(rt.Type)}
	}
	d := RouteDecision{Target: target, From: q.Src, Iif: q.Iif, Oif: q.Oif, Mark: q.Mark, UID: q.UID, Route: rt, Winner: -1, Decided: -1}
	if !explain {
		return d, nil
	}
	w, err := walk()
	if err != nil {
		return RouteDecision{}, err
	}
	d.Rules, d.Decided, d.Unmodelled = w.Steps, w.Decided, w.Unmodelled
	if w.OK() {
		st := w.Steps[w.Decided]
		d.Candidates, d.Winner = st.Candidates, st.Winner
		c := w.Route
		// A local (or broadcast) route sits on the interface holding the
		// address, but the kernel's answer names lo as the device, and
		// for IPv4 the table main.
		if rt.Type == c.Type && (c.Type == Local || c.Type == Broadcast) {
			d.Route.Table = c.Table
		}
		d.Mismatch = !sameRoute(d.Route, c)
	} else {
		d.Mismatch = true
	}
	return d, nil
}

// owns reports whether a is one of the host's addresses (true when the
// addresses cannot be listed, so that no wrong advice is given).
func (h *Host) owns(a netip.Addr) bool {
	as, err := h.sys.addrs()
	if err != nil {
		return true
	}
	for _, x := range as {
		if x.Prefix.Addr().WithZone("") == a.WithZone("") {
			return true
		}
	}
	return false
}

// sameRoute reports whether the kernel's answer k came from table route c.
func sameRoute(k, c Route) bool {
	if k.Type != c.Type || k.Table != c.Table {
		return false
	}
	if k.Type == Local || k.Type == Broadcast {
		return true
	}
	if c.Gateway.IsValid() && k.Gateway != c.Gateway {
		return false
	}
	return k.Index == 0 || c.Index == 0 || k.Index == c.Index
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

// Rules returns the policy routing rules (`ip rule`) of one family, 4 or
// 6, in priority order (the order the kernel tries them). Reading them
// needs no privilege.
func (h *Host) Rules(ctx context.Context, fam int) ([]Rule, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fam != 4 && fam != 6 {
		return nil, &Error{Op: "rules", Err: ErrInvalidTarget, Detail: "family must be 4 or 6"}
	}
	rs, err := h.sys.rules(fam)
	if err != nil {
		return nil, &Error{Op: "rules", Err: errors.New("listing the policy rules"), Cause: err}
	}
	slices.SortStableFunc(rs, func(a, b Rule) int { return cmp.Compare(a.Priority, b.Priority) })
	return rs, nil
}

// State reads the namespace's whole forwarding state into a fib.State:
// the interfaces with their addresses, the routes of every table and the
// policy rules of both families, and the neighbour table. A simulator can
// then make lookups (fib.State.Lookup) without asking the kernel. Reading
// it needs no privilege.
func (h *Host) State(ctx context.Context) (fib.State, error) {
	ls, err := h.Links(ctx)
	if err != nil {
		return fib.State{}, err
	}
	as, err := h.Addrs(ctx)
	if err != nil {
		return fib.State{}, err
	}
	t := fib.State{Interfaces: make([]fib.Interface, 0, len(ls))}
	for _, l := range ls {
		fi := fib.Interface{Index: l.Index, Name: l.Name, MAC: l.MAC, HasMAC: l.HasMAC, MTU: l.MTU,
			Up: l.up, Loopback: l.loopback, PointToPoint: l.pointToPoint, NoARP: l.noARP}
		for _, a := range as {
			if a.Index == l.Index {
				fi.Addrs = append(fi.Addrs, netip.PrefixFrom(a.Prefix.Addr().WithZone(""), a.Prefix.Bits()))
			}
		}
		t.Interfaces = append(t.Interfaces, fi)
	}
	for _, fam := range []int{4, 6} {
		rs, err := h.Routes(ctx, fam, 0)
		if err != nil {
			return fib.State{}, err
		}
		t.Routes = append(t.Routes, rs...)
		rules, err := h.Rules(ctx, fam)
		if err != nil {
			return fib.State{}, err
		}
		if rules == nil {
			rules = []Rule{} // no rules at all, not the defaults
		}
		if fam == 4 {
			t.Rules4 = rules
		} else {
			t.Rules6 = rules
		}
	}
	t.Neighbors, err = h.NeighborTable(ctx, 0)
	if err != nil {
		return fib.State{}, err
	}
	return t, nil
}
