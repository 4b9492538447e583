package nat

import (
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// This file is the source-NAT choice (SNAT and MASQUERADE): which
// external address and port a new connection gets, after nf_nat_core.c
// get_unique_tuple, find_appropriate_src, find_best_ips_proto and
// nf_nat_l4proto_unique_tuple. Translator uses it for every new outbound
// connection; ChooseSource offers it to simulators that keep their own
// connection list (kube-proxy's trace).

// Allocation says how source NAT chose a connection's external endpoint.
type Allocation uint8

// The allocations, in the order get_unique_tuple tries them.
const (
	// AllocNone: no source NAT was decided.
	AllocNone Allocation = iota
	// AllocKept: the original source is already in the range and its
	// reply tuple is unused, so it is kept (step 1a).
	AllocKept
	// AllocReused: an existing mapping of the same internal endpoint was
	// reused (find_appropriate_src, by mapping behaviour).
	AllocReused
	// AllocPreserved: the original port was kept on the chosen address.
	AllocPreserved
	// AllocMoved: the original port was taken; the range was searched.
	AllocMoved
	// AllocOutside: the original port is outside --to-ports; the range
	// was searched.
	AllocOutside
	// AllocRandom: --random or --random-fully: the range was searched
	// from a random offset without trying the original port.
	AllocRandom
)

var allocNames = [...]string{"none", "kept", "reused", "preserved", "moved", "outside", "random"}

// String returns the allocation's name: "kept", "reused", "preserved",
// "moved", "outside", "random" ("none" for AllocNone).
func (a Allocation) String() string {
	if int(a) < len(allocNames) {
		return allocNames[a]
	}
	return fmt.Sprintf("Allocation(%d)", uint8(a))
}

// MarshalText returns the name String returns.
func (a Allocation) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// portRange returns the source-NAT port range for an original port: the
// configured --to-ports, else Linux's range for the port's class.
func (c *Config) portRange(p packet.Protocol, port uint16) (lo, hi uint16, specified bool) {
	if c.PortMax != 0 {
		return c.PortMin, c.PortMax, true
	}
	switch {
	case p.IsICMP():
		return 0, 65535, false
	case port < 512:
		return 1, 511, false
	case port < 1024:
		return 600, 1023, false
	}
	return 1024, 65535, false
}

// A picker is what the choice needs from the connections that already
// exist: whether an external endpoint may serve the new connection, an
// existing mapping to reuse, and random numbers. With t set they come
// from a Translator; otherwise from ChooseSource's caller. (One concrete type,
// not an interface, so that the hot path's calls are direct and o stays
// on the stack.)
type picker struct {
	t  *Translator
	o  *Tuple
	ow *ktuple // o packed, with t

	taken func(reply Tuple) bool // without t
	rng   func() uint32          // without t
}

func (p *picker) used(x endpoint) bool {
	if p.t != nil {
		return p.t.extUsed(p.o, p.ow, x)
	}
	return p.taken != nil && p.taken(p.o.WithSrc(x.addr, x.port).Reverse())
}

func (p *picker) random() uint32 {
	switch {
	case p.t != nil:
		return p.t.rng.Uint32()
	case p.rng != nil:
		return p.rng()
	}
	return 0
}

// chooseSource chooses the external endpoint for a new outbound
// connection o under c (its Ports, Mapping, Persistent, Seed, port
// range) from the addresses ext.
func chooseSource(c *Config, ext *rangeV, o *Tuple, pk *picker) (endpoint, Allocation, error) {
	fully := c.Ports != Preserve
	lo, hi, specified := c.portRange(o.Proto, o.SrcPort)
	inPorts := func(p uint16) bool { return lo <= p && p <= hi }
	if !fully {
		// 1a: the original tuple is already in range and unique.
		if ext.contains(o.Src) {
			x := endpoint{o.Proto, o.Src, o.SrcPort}
			if inPorts(o.SrcPort) && !pk.used(x) {
				return x, AllocKept, nil
			}
		} else if c.Mapping != APDM {
			// 1b: find_appropriate_src, by mapping behaviour.
			if x, ok := pk.reuse(lo, hi); ok {
				return x, AllocReused, nil
			}
		}
	}
	// 2: the address, hashed from source (and destination).
	ip := bestIP(*ext, o.Src, o.Dst, c.Persistent)
	// 3: keep the port if it is in range and unique.
	if !fully && (!specified || inPorts(o.SrcPort)) {
		if x := (endpoint{o.Proto, ip, o.SrcPort}); !pk.used(x) {
			return x, AllocPreserved, nil
		}
	}
	// 4: search from an offset with shrinking windows.
	size := uint32(hi) - uint32(lo) + 1
	var off uint16
	switch c.Ports {
	case Random:
		off = uint16(hashAddr(hashAddr(c.Seed^uint64(o.DstID()), o.Src), o.Dst))
	default:
		off = uint16(pk.random())
	}
	attempts := min(size, 128)
	tries := 0
	for {
		for i := uint32(0); i < attempts; i, off = i+1, off+1 {
			tries++
			x := endpoint{o.Proto, ip, uint16(uint32(lo) + uint32(off)%size)}
			if !pk.used(x) {
				switch {
				case fully:
					return x, AllocRandom, nil
				case !inPorts(o.SrcPort):
					return x, AllocOutside, nil
				}
				return x, AllocMoved, nil
			}
		}
		if attempts >= size || attempts < 16 {
			return endpoint{}, AllocNone, &ExhaustedError{Packet: *o, Addr: ip, Min: lo, Max: hi, Tries: tries}
		}
		attempts /= 2
		off = uint16(pk.random())
	}
}

// reuse is find_appropriate_src: an existing mapping of the internal
// endpoint, by mapping behaviour, whose external endpoint is in range and
// may serve the new connection. Only a Translator has mappings.
func (p *picker) reuse(lo, hi uint16) (endpoint, bool) {
	t, o, ow := p.t, p.o, p.ow
	if t == nil {
		return endpoint{}, false
	}
	h := hashEPw(o.Proto, ow.S0, ow.S1, o.SrcPort) // hashEP(internal endpoint)
	for v := t.ct.Index(idxSrc, h); v != 0; v = t.ct.Next(idxSrc, v) {
		if !conntrack.SameTag(v, h) {
			continue
		}
		e := t.at(uint32(v))
		in := endpoint{o.Proto, o.Src, o.SrcPort}
		rem := endpoint{o.Proto, o.Dst, o.DstID()}
		if !t.alive(e) || !t.sameMapping(e, in, rem) {
			continue
		}
		x := e.external()
		if t.ext.contains(x.addr) && lo <= x.port && x.port <= hi && !t.extUsed(o, ow, x) {
			return x, true
		}
	}
	return endpoint{}, false
}

// allocSrc chooses the external endpoint for a new outbound connection o
// of the table, whose packed form is ow.
func (t *Translator) allocSrc(o *Tuple, ow *ktuple) (endpoint, Allocation, error) {
	return chooseSource(&t.cfg, &t.ext, o, &picker{t: t, o: o, ow: ow})
}

// sameMapping reports whether a connection e belongs to the mapping the
// new connection from in toward rem would use.
func (t *Translator) sameMapping(e entry, in, rem endpoint) bool {
	if e.internal() != in {
		return false
	}
	switch t.cfg.Mapping {
	case ADM:
		return e.remote().addr == rem.addr
	case APDM:
		return e.remote() == rem
	}
	return true
}

// extUsed reports whether the external endpoint x may not serve the new
// connection o → its reply tuple is taken, or, outside APDF, x belongs to
// another mapping or a port forward.
func (t *Translator) extUsed(o *Tuple, ow *ktuple, x endpoint) bool {
	var rk ktuple
	if o.Proto.IsICMP() {
		rk = pack(o.WithSrc(x.addr, x.port).Reverse())
	} else {
		// the reply of o translated to x, built without netip
		rk.S0, rk.S1 = ow.D0, ow.D1
		if x.addr == t.ext.from {
			rk.D0, rk.D1 = t.extW[0], t.extW[1]
		} else {
			rk.D0, rk.D1 = addrWords(x.addr)
		}
		rk.Meta = uint64(o.DstPort) | uint64(x.port)<<16 | ow.Meta&^0xffffffff
	}
	h := hashK(&rk)
	t.ct.Hint(true, &rk, h)
	if i, _, _ := t.ct.Find(&rk, h); i != 0 {
		return true
	}
	if t.cfg.Filtering == APDF {
		return false
	}
	if _, ok := t.forwards[x]; ok {
		return true
	}
	in := endpoint{o.Proto, o.Src, o.SrcPort}
	rem := endpoint{o.Proto, o.Dst, o.DstID()}
	h = hashEP(x)
	for v := t.ct.Index(idxExt, h); v != 0; v = t.ct.Next(idxExt, v) {
		if !conntrack.SameTag(v, h) {
			continue
		}
		e := t.at(uint32(v))
		if t.alive(e) && e.external() == x && !t.sameMapping(e, in, rem) {
			return true
		}
	}
	return false
}

// ChooseSource returns the source a new connection orig gets under
// source NAT (SNAT or MASQUERADE) configured by cfg: from cfg.External
// (for MASQUERADE the outgoing interface's primary address), cfg.PortMin
// and cfg.PortMax (--to-ports; zero: Linux's ranges), cfg.Ports
// (preserve, --random, --random-fully), cfg.Persistent and cfg.Seed; the
// other fields are ignored. It is the choice Translator makes for a new
// outbound connection, with the table replaced by taken, which reports
// whether a reply tuple already belongs to a connection (nil: none does),
// and by rnd, the random numbers for search offsets (nil: offset 0, the
// first free port of the range); existing mappings are not reused
// (find_appropriate_src needs the table). When no port is free the error
// is an *ExhaustedError wrapping ErrPortExhausted; a cfg.External that is
// not a valid range of orig's family is a *ConfigError.
func ChooseSource(cfg Config, orig Tuple, taken func(reply Tuple) bool, rnd func() uint32) (netip.AddrPort, Allocation, error) {
	ext := rangeV{cfg.External.From(), cfg.External.To()}
	if !ext.from.IsValid() || ext.from.BitLen() != orig.Src.BitLen() {
		e := &ConfigError{Field: "external", Msg: "want an address range of the family of " + orig.Src.String()}
		if ext.from.IsValid() {
			e.Value = cfg.External.String()
		}
		return netip.AddrPort{}, AllocNone, e
	}
	if cfg.Ports == "" {
		cfg.Ports = Preserve
	}
	if cfg.Mapping == "" {
		cfg.Mapping = EIM
	}
	x, a, err := chooseSource(&cfg, &ext, &orig, &picker{o: &orig, taken: taken, rng: rnd})
	return x.addrPort(), a, err
}
