package link

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// ProbeOptions configures Resolver.Probe. The zero value sends one probe.
type ProbeOptions struct {
	// Count is the number of probes to send. Default 1.
	Count int
	// OnPermission, when set, turns a probe that needs a privilege the
	// process lacks (ErrPermission) into a cache-only answer, for that
	// probe and the rest (Probes.CacheOnly): it is called once, with the
	// error, before the neighbour table is read. When nil the error ends
	// the probing like any other.
	OnPermission func(err error)
	// Reply, when set, is called after each probe with its answer or its
	// error (i counts from 0), but not for a probe the context
	// interrupted.
	Reply func(i int, res Resolution, err error)
}

// Probes sums up Resolver.Probe, as ping does.
type Probes struct {
	// Sent counts the probes made, Received those answered.
	Sent, Received int
	// RTTs are the round-trip times of the answers that came from an
	// exchange, in order; cached and local answers have none.
	RTTs []time.Duration
	// Last is the last answer, or, before any, the first failed probe's
	// Resolution that names the next hop and interface.
	Last Resolution
	// Err is the error of the last probe when no probe was answered; nil
	// when the context interrupted the probing.
	Err error
	// CacheOnly reports whether the probing fell back to the neighbour
	// table (see ProbeOptions.OnPermission).
	CacheOnly bool
}

// RTTStats returns the smallest, mean and largest RTT; ok is false when
// there is none.
func (p Probes) RTTStats() (lo, avg, hi time.Duration, ok bool) {
	if len(p.RTTs) == 0 {
		return 0, 0, 0, false
	}
	lo, hi = p.RTTs[0], p.RTTs[0]
	var sum time.Duration
	for _, d := range p.RTTs {
		lo, hi, sum = min(lo, d), max(hi, d), sum+d
	}
	return lo, sum / time.Duration(len(p.RTTs)), hi, true
}

// Loss returns the percentage of probes not answered, rounded down; 0
// when none was sent.
func (p Probes) Loss() int {
	if p.Sent == 0 {
		return 0
	}
	return 100 * (p.Sent - p.Received) / p.Sent
}

// Probe resolves target up to opts.Count times, as `arping -c` does:
// probes after an answer are spaced by a second (or Timeout when that is
// shorter); a timeout goes on to the next probe at once, any other error
// ends the probing, and so do a cached or local answer (asking the table
// again says nothing new) and the end of ctx.
func (r *Resolver) Probe(ctx context.Context, target netip.Addr, opts ProbeOptions) Probes {
	var p Probes
	var lastErr error
	rr := *r
	for i := 0; i < max(opts.Count, 1) && ctx.Err() == nil; i++ {
		if i > 0 && lastErr == nil && !p.Last.Cached && !p.Last.Local {
			t := time.NewTimer(min(time.Second, rr.timeout()))
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
		res, err := rr.Resolve(ctx, target)
		if errors.Is(err, ErrPermission) && !rr.CacheOnly && opts.OnPermission != nil {
			opts.OnPermission(err)
			rr.CacheOnly, p.CacheOnly = true, true
			res, err = rr.Resolve(ctx, target)
		}
		p.Sent++
		lastErr = err
		if p.Received == 0 && res.NextHop.IsValid() {
			p.Last = res
		}
		if err != nil && ctx.Err() != nil {
			lastErr = nil // interrupted: the caller says so
			break
		}
		if opts.Reply != nil {
			opts.Reply(i, res, err)
		}
		if err != nil {
			if !errors.Is(err, ErrTimeout) {
				break
			}
			continue
		}
		p.Last = res
		p.Received++
		if res.Cached || res.Local {
			break
		}
		p.RTTs = append(p.RTTs, res.RTT)
	}
	if p.Received == 0 {
		p.Err = lastErr
	}
	return p
}

// ProbeReport is the record of the probes to one target that netcalc arp
// writes as JSON: the next hop, interface and source of the last answer
// (or of a failed probe), the MAC with its kind and administration when
// one answered, how it was answered, the counts, the round-trip times in
// nanoseconds and, when none answered, the error.
type ProbeReport struct {
	Target    string     `json:"target"`
	NextHop   netip.Addr `json:"next_hop,omitzero"`
	OnLink    bool       `json:"on_link"`
	Interface string     `json:"interface,omitempty"`
	Source    netip.Addr `json:"source,omitzero"`
	MAC       *MAC       `json:"mac,omitempty"`
	MACKind   string     `json:"mac_kind,omitempty"`
	MACAdmin  string     `json:"mac_admin,omitempty"`
	Protocol  string     `json:"protocol,omitempty"`
	Cached    bool       `json:"cached"`
	State     string     `json:"state,omitempty"`
	Local     bool       `json:"local"`
	Sent      int        `json:"probes"`
	Received  int        `json:"replies"`
	RTTs      []int64    `json:"rtt_ns"`
	Error     string     `json:"error,omitempty"`
}

// Report returns the probes to target as a ProbeReport.
func (p Probes) Report(target netip.Addr) ProbeReport {
	last := p.Last
	v := ProbeReport{Target: target.String(), RTTs: []int64{}, NextHop: last.NextHop, OnLink: last.OnLink, Interface: last.Interface,
		Source: last.Source, Protocol: last.Protocol, Sent: p.Sent, Received: p.Received}
	for _, d := range p.RTTs {
		v.RTTs = append(v.RTTs, d.Nanoseconds())
	}
	if p.Received > 0 {
		m := last.MAC
		v.MAC, v.MACKind, v.MACAdmin = &m, m.Kind(), m.Admin()
		v.Cached, v.State, v.Local = last.Cached, string(last.State), last.Local
	} else if p.Err != nil {
		v.Error = p.Err.Error()
	}
	return v
}

// ScanReport returns a host that Resolver.Scan found as a ProbeReport:
// one on-link target that answered once, after res.Attempt requests, in
// res.RTT.
func (res Resolution) ScanReport() ProbeReport {
	m := res.MAC
	return ProbeReport{Target: res.Target.String(), NextHop: res.NextHop, OnLink: true, Interface: res.Interface, Source: res.Source,
		MAC: &m, MACKind: m.Kind(), MACAdmin: m.Admin(), Protocol: res.Protocol, Sent: res.Attempt, Received: 1, RTTs: []int64{res.RTT.Nanoseconds()}}
}
