package link

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ScanOptions configures Resolver.Scan. The zero value works.
type ScanOptions struct {
	// Rate is the most requests sent per second. Default 1000.
	Rate float64
	// Progress, if set, is called after each request, and once at the end,
	// with the work done and the total work, in requests: every host
	// counts Attempts, and a host that answered counts as fully done.
	Progress func(done, total int)
}

// MaxScanHosts is the largest number of addresses Scan probes: a /16.
const MaxScanHosts = 1 << 16

// Scan probes every host address of an on-link IPv4 prefix with ARP and
// returns the hosts that answered, sorted by address. Requests go out at
// most opts.Rate per second; a host that has not answered Timeout after a
// request is asked again, up to Attempts requests, so retries are
// interleaved with first requests (as arp-scan does). The network and
// broadcast addresses of prefixes shorter than /31 and the host's own
// address are skipped. Scan returns early when every host has answered.
//
// The prefix must be IPv4 (an IPv6 /64 cannot be swept; read the
// neighbour table instead) and at most MaxScanHosts addresses, and the
// kernel's route to it must be on-link. Errors are as for Resolve;
// finding no host is not an error.
func (r *Resolver) Scan(ctx context.Context, prefix netip.Prefix, opts ScanOptions) ([]Resolution, error) {
	prefix = prefix.Masked()
	if !prefix.IsValid() || !prefix.Addr().Is4() {
		return nil, &Error{Op: "scan", Err: ErrInvalidTarget, Detail: fmt.Sprintf("%s: scans are IPv4 only", prefix)}
	}
	if 32-prefix.Bits() > 16 {
		return nil, &Error{Op: "scan", Err: ErrInvalidTarget, Detail: fmt.Sprintf("%s has more than %d addresses", prefix, MaxScanHosts)}
	}
	hosts := scanHosts(prefix)
	rr := *r
	rr.CacheOnly = false
	p, local, err := rr.plan(ctx, "scan", hosts[0])
	if err != nil {
		return nil, err
	}
	if local != nil { // the first host is ours; plan with the last
		p, local, err = rr.plan(ctx, "scan", hosts[len(hosts)-1])
		if err != nil {
			return nil, err
		}
		if local != nil {
			return []Resolution{*local}, nil
		}
	}
	if p.route.Gateway.IsValid() {
		return nil, &Error{Op: "scan", Err: ErrInvalidTarget, Iface: p.ifi.Name,
			Detail: fmt.Sprintf("%s is not on-link: the route goes via %s", prefix, p.route.Gateway)}
	}
	hosts = slices.DeleteFunc(hosts, func(a netip.Addr) bool { return a == p.src })

	c, err := r.Host.sys.dial(p.ifi, p.src)
	if err != nil {
		if isPermission(err) {
			return nil, &Error{Op: "scan", Iface: p.ifi.Name, Err: ErrPermission, Cause: err}
		}
		return nil, &Error{Op: "scan", Iface: p.ifi.Name, Err: errors.New("opening a raw socket"), Cause: err}
	}
	s := &scanner{r: r, c: c, opts: opts, ifi: p.ifi, src: p.src, state: make(map[netip.Addr]*hostState, len(hosts))}
	for _, h := range hosts {
		s.state[h] = &hostState{}
	}
	return s.run(ctx, hosts)
}

// scanHosts lists the host addresses of an IPv4 prefix: all of them for
// a /31 or /32, else all but the network and broadcast addresses.
func scanHosts(p netip.Prefix) []netip.Addr {
	var out []netip.Addr
	for a := p.Addr(); a.IsValid() && p.Contains(a); a = a.Next() {
		out = append(out, a)
	}
	if p.Bits() < 31 {
		out = out[1 : len(out)-1]
	}
	return out
}

type hostState struct {
	sent     int
	lastSent time.Time
	answered bool
	res      Resolution
}

type scanner struct {
	r    *Resolver
	c    neighConn
	opts ScanOptions
	ifi  Interface
	src  netip.Addr

	closing  atomic.Bool // set before the connection is closed on purpose
	mu       sync.Mutex
	state    map[netip.Addr]*hostState
	answered int
	done     int // requests sent, plus the attempts answered hosts no longer need
	allDone  chan struct{}
}

func (s *scanner) run(ctx context.Context, hosts []netip.Addr) ([]Resolution, error) {
	s.allDone = make(chan struct{})
	readerDone := make(chan error, 1)
	go func() { readerDone <- s.read() }()
	stop := context.AfterFunc(ctx, func() { s.c.close() })
	defer stop()

	sendErr := s.send(ctx, hosts)
	if s.opts.Progress != nil && sendErr == nil && ctx.Err() == nil {
		n := len(hosts) * s.r.attempts()
		s.opts.Progress(n, n)
	}
	s.closing.Store(true)
	s.c.close()
	rerr := <-readerDone
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if sendErr != nil {
		return nil, &Error{Op: "scan", Iface: s.ifi.Name, Err: errors.New("sending requests"), Cause: sendErr}
	}
	if rerr != nil {
		return nil, &Error{Op: "scan", Iface: s.ifi.Name, Err: errors.New("reading replies"), Cause: rerr}
	}
	var out []Resolution
	for _, st := range s.state {
		if st.answered {
			out = append(out, st.res)
		}
	}
	slices.SortFunc(out, func(a, b Resolution) int { return a.Target.Compare(b.Target) })
	return out, nil
}

// read records replies until the connection is closed.
func (s *scanner) read() error {
	for {
		from, mac, err := s.c.read()
		if err != nil {
			if s.closing.Load() || isClosed(err) {
				return nil
			}
			return err
		}
		now := s.r.now()
		s.mu.Lock()
		st, ok := s.state[from]
		if ok && !st.answered && st.sent > 0 {
			st.answered = true
			st.res = Resolution{Target: from, NextHop: from, OnLink: true, Interface: s.ifi.Name, Source: s.src,
				MAC: mac, Protocol: "arp", RTT: now.Sub(st.lastSent), Attempt: st.sent}
			s.answered++
			s.done += s.r.attempts() - st.sent
			if s.answered == len(s.state) {
				close(s.allDone)
			}
		}
		s.mu.Unlock()
	}
}

type retry struct {
	addr netip.Addr
	due  time.Time
}

// send sends the first requests in address order, interleaving retries as
// they fall due, then waits Timeout after the last request.
func (s *scanner) send(ctx context.Context, hosts []netip.Addr) error {
	rps := s.opts.Rate
	if rps <= 0 {
		rps = 1000
	}
	lim := rate.NewLimiter(rate.Limit(rps), 1)
	attempts, timeout := s.r.attempts(), s.r.timeout()
	var queue []retry
	next := 0
	total := len(hosts) * attempts
	var last time.Time
	wait := func(d time.Duration) bool {
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-s.allDone:
			return false
		case <-ctx.Done():
			return false
		}
	}
	for {
		var target netip.Addr
		now := s.r.now()
		switch {
		case len(queue) > 0 && !queue[0].due.After(now):
			target, queue = queue[0].addr, queue[1:]
		case next < len(hosts):
			target, next = hosts[next], next+1
		case len(queue) > 0:
			if !wait(queue[0].due.Sub(now)) {
				return nil
			}
			continue
		default:
			if !last.IsZero() {
				wait(last.Add(timeout).Sub(s.r.now()))
			}
			return nil
		}
		s.mu.Lock()
		st := s.state[target]
		skip := st.answered
		s.mu.Unlock()
		if skip {
			continue
		}
		if err := lim.Wait(ctx); err != nil {
			return nil // cancelled; run reports ctx.Err
		}
		s.mu.Lock()
		st.sent++
		st.lastSent = s.r.now()
		last = st.lastSent
		s.done++
		done := s.done
		s.mu.Unlock()
		if err := s.c.request(target); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if st.sent < attempts {
			queue = append(queue, retry{target, last.Add(timeout)})
		}
		if s.opts.Progress != nil {
			s.opts.Progress(done, total)
		}
	}
}
