package kubeproxy

import (
	"net/netip"
	"sort"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// Share is one row of a Distribution: how many of the simulated
// connections reached an endpoint (or ended with a verdict such as REJECT)
// against the share the rules promise.
type Share struct {
	Target   string  `json:"target"` // "IP:port", or REJECT / DROP / ACCEPT / NONE
	Count    int     `json:"count"`
	Observed float64 `json:"observed"`
	Expected float64 `json:"expected"`
}

// Distribution is the result of Distribute.
type Distribution struct {
	Connections int     `json:"connections"`
	Seed        uint64  `json:"seed"`
	Service     string  `json:"service,omitempty"`
	Affinity    bool    `json:"affinity"` // some connections were pinned by ClientIP affinity
	Masqueraded int     `json:"masqueraded"`
	Shares      []Share `json:"shares"`
}

// Distribute traces n connections of p, each from the next source port
// (the client address stays, so ClientIP affinity applies), and counts
// where they went. Expected shares come from the balancing chain: 1/n per
// endpoint. A Tracer built with the same seed gives the same counts.
func (t *Tracer) Distribute(p packet.Tuple, n int) Distribution {
	return distribute(p, n, t.seed, func(q packet.Tuple, first bool) distSample {
		r := t.Trace(q)
		s := distSample{key: verdictKey(r), service: r.Service, affinity: r.Affinity, masquerade: r.Masquerade}
		if first {
			for _, c := range r.Choices {
				s.choices = append(s.choices, Share{Target: c.Endpoint, Expected: c.Share})
			}
		}
		return s
	})
}

// distSample is what Distribute counts of one traced connection.
type distSample struct {
	// key is the endpoint "IP:port" of a DNAT, else the verdict.
	key, service         string
	affinity, masquerade bool
	// choices are the endpoints the balancing chain offers, with the
	// share it promises each (Target and Expected), on the first trace.
	choices []Share
}

// distribute is Distribute of both proxiers: it traces n connections of p
// with trace, each from the next source port, and counts where they went
// against the shares the first trace's choices promise (all to its key
// when it has none).
func distribute(p packet.Tuple, n int, seed uint64, trace func(q packet.Tuple, first bool) distSample) Distribution {
	d := Distribution{Connections: n, Seed: seed}
	counts, expected := map[string]int{}, map[string]float64{}
	base := int(p.Src.Port())
	if base == 0 {
		base = DefaultSourcePort
	}
	for i := 0; i < n; i++ {
		q := p
		port := 1024 + (base-1024+i)%(65536-1024)
		q.Src = netip.AddrPortFrom(p.Src.Addr(), uint16(port))
		r := trace(q, i == 0)
		if i == 0 {
			d.Service = r.service
			for _, c := range r.choices {
				expected[c.Target] += c.Expected
			}
			if len(r.choices) == 0 {
				expected[r.key] = 1
			}
		}
		d.Affinity = d.Affinity || r.affinity
		if r.masquerade {
			d.Masqueraded++
		}
		counts[r.key]++
	}
	keys := map[string]bool{}
	for k := range counts {
		keys[k] = true
	}
	for k := range expected {
		keys[k] = true
	}
	for k := range keys {
		s := Share{Target: k, Count: counts[k], Expected: expected[k]}
		if n > 0 {
			s.Observed = float64(s.Count) / float64(n)
		}
		d.Shares = append(d.Shares, s)
	}
	sort.Slice(d.Shares, func(i, j int) bool { return d.Shares[i].Target < d.Shares[j].Target })
	return d
}

func verdictKey(r TraceResult) string {
	if r.Verdict == "DNAT" {
		return r.Endpoint.String()
	}
	return r.Verdict
}
