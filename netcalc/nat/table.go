package nat

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// rangeV is an inclusive address range.
type rangeV struct{ from, to netip.Addr }

func (r rangeV) contains(a netip.Addr) bool {
	return r.from.IsValid() && a.BitLen() == r.from.BitLen() && r.from.Compare(a) <= 0 && a.Compare(r.to) <= 0
}

// Hash tables an entry is linked into, like the kernel's: one table holds
// both directions' tuples (nf_conntrack_hash), one the internal endpoints
// (nf_nat_bysource), one the external endpoints.
const (
	lnOrig  = iota // link of the original tuple in the tuple table
	lnReply        // link of the reply tuple in the tuple table
	lnSrc          // link in the internal-endpoint table
	lnExt          // link in the external-endpoint table
	nLinks
)

const (
	fReplied uint8 = 1 << iota
	fAssured
	fInbound // created by an inbound packet (forward, static or filter)
)

// ktuple is a Tuple without pointers, so that a million entries cost the
// garbage collector nothing to scan, and compared in five words.
type ktuple struct {
	s0, s1, d0, d1 uint64 // source and destination, 16 bytes each, big-endian
	meta           uint64 // sport | dport<<16 | proto<<32 | type<<40 | code<<48 | v4<<56
}

func addrWords(a netip.Addr) (uint64, uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

func pack(t Tuple) ktuple {
	var k ktuple
	k.s0, k.s1 = addrWords(t.Src)
	k.d0, k.d1 = addrWords(t.Dst)
	k.meta = uint64(t.SrcPort) | uint64(t.DstPort)<<16 | uint64(t.Proto)<<32 | uint64(t.Type)<<40 | uint64(t.Code)<<48
	if t.Src.Is4() {
		k.meta |= 1 << 56
	}
	return k
}

func unpackAddr(w0, w1 uint64, v4 bool) netip.Addr {
	if v4 {
		return netip.AddrFrom4([4]byte{byte(w1 >> 24), byte(w1 >> 16), byte(w1 >> 8), byte(w1)})
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], w0)
	binary.BigEndian.PutUint64(b[8:], w1)
	a := netip.AddrFrom16(b)
	if v4 {
		return a.Unmap()
	}
	return a
}

func (k *ktuple) v4() bool        { return k.meta>>56&1 != 0 }
func (k *ktuple) sport() uint16   { return uint16(k.meta) }
func (k *ktuple) proto() Proto    { return Proto(k.meta >> 32) }
func (k *ktuple) src() netip.Addr { return unpackAddr(k.s0, k.s1, k.v4()) }
func (k *ktuple) dst() netip.Addr { return unpackAddr(k.d0, k.d1, k.v4()) }

func (k *ktuple) unpack() Tuple {
	return Tuple{Proto: k.proto(), Src: k.src(), Dst: k.dst(), SrcPort: k.sport(),
		DstPort: uint16(k.meta >> 16), Type: uint8(k.meta >> 40), Code: uint8(k.meta >> 48)}
}

// entry is one tracked connection. Entries live in Table.ents; index 0 is
// unused so that 0 can end a chain.
type entry struct {
	orig, reply    ktuple
	start, expires time.Duration
	seq            uint32 // creation order; 0 for a free slot
	state          TCPState
	flags          uint8
	next           [nLinks]uint64
}

// endpoint is a protocol, address and port (ICMP identifier).
type endpoint struct {
	proto Proto
	addr  netip.Addr
	port  uint16
}

func (p endpoint) addrPort() netip.AddrPort { return netip.AddrPortFrom(p.addr, p.port) }

// dport is the port naming a tuple's destination: the ICMP identifier for
// ICMP, whose tuples keep it in SrcPort.
func (t Tuple) dport() uint16 {
	if t.Proto.IsICMP() {
		return t.SrcPort
	}
	return t.DstPort
}

func (k *ktuple) dstPort() uint16 {
	if k.proto().IsICMP() {
		return k.sport()
	}
	return uint16(k.meta >> 16)
}

// withSrc returns t with its source rewritten.
func (t Tuple) withSrc(a netip.Addr, port uint16) Tuple {
	t.Src, t.SrcPort = a, port
	return t
}

// withDst returns t with its destination rewritten.
func (t Tuple) withDst(a netip.Addr, port uint16) Tuple {
	t.Dst = a
	if t.Proto.IsICMP() {
		t.SrcPort = port
	} else {
		t.DstPort = port
	}
	return t
}

func (e *entry) inbound() bool { return e.flags&fInbound != 0 }

// internal is the inside host's own endpoint.
func (e *entry) internal() endpoint {
	if e.inbound() {
		return endpoint{e.orig.proto(), e.reply.src(), e.reply.sport()}
	}
	return endpoint{e.orig.proto(), e.orig.src(), e.orig.sport()}
}

// external is the inside host's endpoint as the outside sees it.
func (e *entry) external() endpoint {
	if e.inbound() {
		return endpoint{e.orig.proto(), e.orig.dst(), e.orig.dstPort()}
	}
	return endpoint{e.orig.proto(), e.reply.dst(), e.reply.dstPort()}
}

// remote is the outside endpoint.
func (e *entry) remote() endpoint {
	if e.inbound() {
		return endpoint{e.orig.proto(), e.orig.src(), e.orig.sport()}
	}
	return endpoint{e.orig.proto(), e.orig.dst(), e.orig.dstPort()}
}

// Table is a NAT with its conntrack table and virtual clock. Feed it
// events in time order with Process. A Table is not safe for concurrent
// use.
type Table struct {
	cfg      Config
	ext      rangeV
	forwards map[endpoint]Forward
	static   map[netip.Addr]netip.Addr // inside → outside
	staticIn map[netip.Addr]netip.Addr // outside → inside
	rng      *rand.Rand
	now      time.Duration
	seq      uint32

	ents     []entry
	free     []uint32
	heads    [3][]uint64 // tuple, internal endpoint, external endpoint; see link
	mask     uint64      // of the endpoint tables: 1 bucket per entry of capacity
	mask0    uint64      // of the tuple table: 4 buckets per entry (two links each)
	capacity int         // entries the tables hold before they grow
	extW     [2]uint64   // t.ext.from as words
	live     int         // entries in the tables, expired or not

	stats Stats
	sink  uint64 // keeps prefetch loads alive

	// hashes computed while deciding, reused when linking
	memo  [2]ktuple
	memoH [2]uint64
}

// Stats counts what a Table did.
type Stats struct {
	Packets  int `json:"packets"`
	Accepted int `json:"accepted"`
	Dropped  int `json:"dropped"`
	// New is the number of connections created.
	New int `json:"new"`
	// Preserved counts new source-NAT connections that kept their
	// original port.
	Preserved int `json:"preserved"`
	// Reused counts new connections that reused an existing mapping of
	// the same internal endpoint (EIM/ADM).
	Reused int `json:"reused"`
	// Moved counts new source-NAT connections whose port was taken, so
	// the range was searched (collisions), plus random assignments.
	Moved int `json:"moved"`
	// Exhausted counts packets dropped because no port was free.
	Exhausted int `json:"exhausted"`
	// Drops counts dropped packets by reason.
	Drops map[Reason]int `json:"drops,omitempty"`
}

// New returns an empty NAT table for cfg at virtual time 0.
func New(cfg Config) (*Table, error) {
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	t := &Table{
		cfg:      c,
		ext:      rangeV{c.External.From(), c.External.To()},
		forwards: map[endpoint]Forward{},
		static:   map[netip.Addr]netip.Addr{},
		staticIn: map[netip.Addr]netip.Addr{},
		rng:      rand.New(rand.NewPCG(c.Seed, 0x6e657463616c63)), // "netcalc"
		stats:    Stats{Drops: map[Reason]int{}},
	}
	if t.ext.from.IsValid() {
		t.extW[0], t.extW[1] = addrWords(t.ext.from)
	}
	for _, f := range c.Forwards {
		t.forwards[endpoint{f.Proto, f.External.Addr(), f.External.Port()}] = f
	}
	for _, s := range c.Static {
		t.static[s.Inside] = s.Outside
		t.staticIn[s.Outside] = s.Inside
	}
	size := 64
	for size < c.SizeHint {
		size <<= 1
	}
	t.ents = make([]entry, 1, max(c.SizeHint, 16)+1)
	t.rehash(size)
	return t, nil
}

// Config returns the table's configuration with defaults filled in.
func (t *Table) Config() Config { return t.cfg }

// Now returns the virtual clock: the time of the last event, or the time
// given to Advance.
func (t *Table) Now() time.Duration { return t.now }

// Advance moves the virtual clock forward to at, expiring entries as time
// passes. Moving it backwards is an error wrapping ErrPacket.
func (t *Table) Advance(at time.Duration) error {
	if at < t.now {
		return fmt.Errorf("%w: time %v is before the clock (%v); events must be in time order", ErrPacket, at, t.now)
	}
	t.now = at
	return nil
}

// Stats returns the counters so far.
func (t *Table) Stats() Stats {
	s := t.stats
	s.Drops = make(map[Reason]int, len(t.stats.Drops))
	for k, v := range t.stats.Drops {
		s.Drops[k] = v
	}
	return s
}

// Len returns the number of live (unexpired) connections.
func (t *Table) Len() int {
	n := 0
	for i := 1; i < len(t.ents); i++ {
		if t.ents[i].seq != 0 && t.ents[i].expires > t.now {
			n++
		}
	}
	return n
}

func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func hashAddr(h uint64, a netip.Addr) uint64 {
	w0, w1 := addrWords(a)
	return mix64(h ^ w1 ^ mix64(w0+0x9e3779b97f4a7c15))
}

func hashK(k *ktuple) uint64 {
	h := mix64(k.meta ^ k.s1 ^ mix64(k.s0+0x9e3779b97f4a7c15))
	return mix64(h ^ k.d1 ^ mix64(k.d0^h))
}

func hashEP(p endpoint) uint64 {
	w0, w1 := addrWords(p.addr)
	return hashEPw(p.proto, w0, w1, p.port)
}

func hashEPw(proto Proto, w0, w1 uint64, port uint16) uint64 {
	return mix64(uint64(proto)<<16 | uint64(port) | 1<<60 ^ w1 ^ mix64(w0+0x9e3779b97f4a7c15))
}

// internalHash and externalHash are hashEP(e.internal()) and
// hashEP(e.external()) without building addresses.
func (e *entry) internalHash() uint64 {
	if e.inbound() {
		return hashEPw(e.orig.proto(), e.reply.s0, e.reply.s1, e.reply.sport())
	}
	return hashEPw(e.orig.proto(), e.orig.s0, e.orig.s1, e.orig.sport())
}

func (e *entry) externalHash() uint64 {
	if e.inbound() {
		return hashEPw(e.orig.proto(), e.orig.d0, e.orig.d1, e.orig.dstPort())
	}
	return hashEPw(e.orig.proto(), e.reply.d0, e.reply.d1, e.reply.dstPort())
}

// hashOf returns the hash entry e is filed under for link l.
func (e *entry) hashOf(l int) uint64 {
	switch l {
	case lnOrig:
		return hashK(&e.orig)
	case lnReply:
		return hashK(&e.reply)
	case lnSrc:
		return e.internalHash()
	}
	return e.externalHash()
}

// A link (a chain head or an entry's next pointer) packs the entry it
// points to with the upper half of that entry's hash, so that walking a
// chain only touches entries whose hash matches: bits 0-31 hold the index
// (in the tuple table index<<1 | lnOrig or lnReply), bits 32-63 the hash
// tag. 0 ends a chain.
func mkLink(i uint32, h uint64) uint64 { return uint64(i) | h&^0xffffffff }

func tagOf(h uint64) uint64 { return h &^ 0xffffffff }

func (t *Table) table(l int) []uint64 {
	if l <= lnReply {
		return t.heads[0]
	}
	return t.heads[l-1]
}

func (t *Table) maskOf(l int) uint64 {
	if l <= lnReply {
		return t.mask0
	}
	return t.mask
}

func linkVal(i uint32, l int) uint32 {
	if l <= lnReply {
		return i<<1 | uint32(l)
	}
	return i
}

func (t *Table) rehash(size int) {
	t.heads[0] = make([]uint64, 4*size)
	t.heads[1] = make([]uint64, size)
	t.heads[2] = make([]uint64, size)
	t.mask, t.mask0 = uint64(size-1), uint64(4*size-1)
	t.capacity = size
	for i := 1; i < len(t.ents); i++ {
		if t.ents[i].seq != 0 {
			t.link(uint32(i))
		}
	}
}

func (t *Table) link(i uint32) {
	e := &t.ents[i]
	for l := 0; l < nLinks; l++ {
		var h uint64
		switch {
		case l == lnOrig && e.orig == t.memo[0]:
			h = t.memoH[0]
		case l == lnReply && e.reply == t.memo[1]:
			h = t.memoH[1]
		default:
			h = e.hashOf(l)
		}
		p := &t.table(l)[h&t.maskOf(l)]
		e.next[l] = *p
		*p = mkLink(linkVal(i, l), h)
	}
}

// nextOf returns the next pointer that follows link v in chain l.
func (t *Table) nextOf(v uint64, l int) *uint64 {
	if l <= lnReply {
		return &t.ents[uint32(v)>>1].next[uint32(v)&1]
	}
	return &t.ents[uint32(v)].next[l]
}

func (t *Table) unlink(i uint32) {
	e := &t.ents[i]
	for l := 0; l < nLinks; l++ {
		want := linkVal(i, l)
		p := &t.table(l)[e.hashOf(l)&t.maskOf(l)]
		for *p != 0 && uint32(*p) != want {
			p = t.nextOf(*p, l)
		}
		if *p != 0 {
			*p = e.next[l]
		}
	}
	*e = entry{}
	t.free = append(t.free, i)
	t.live--
}

// sweep drops expired entries, as the kernel's conntrack GC does; it runs
// before the tables grow.
func (t *Table) sweep() {
	for i := 1; i < len(t.ents); i++ {
		if e := &t.ents[i]; e.seq != 0 && !t.alive(e) {
			t.unlink(uint32(i))
		}
	}
}

func (t *Table) insert(e entry) uint32 {
	if t.live+1 > t.capacity {
		t.sweep()
		if t.live+1 > t.capacity*3/4 { // keep room, or churn would sweep on every insert
			t.rehash(4 * t.capacity) // 4x: fewer rehashes of a growing table
		}
	}
	t.seq++
	e.seq = t.seq
	var i uint32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		t.ents[i] = e
	} else {
		i = uint32(len(t.ents))
		if len(t.ents) == cap(t.ents) {
			// grow with the hash tables (4x), at least double: append's
			// 1.25x growth copies a large table too often
			grown := make([]entry, len(t.ents), max(2*cap(t.ents), t.capacity+1))
			copy(grown, t.ents)
			t.ents = grown
		}
		t.ents = append(t.ents, e)
	}
	t.live++
	t.link(i)
	return i
}

func (t *Table) alive(e *entry) bool { return e.expires > t.now }

// findH looks k, whose hash is h, up in the tuple table, in both
// directions. It returns the live entry's index and whether k is its reply
// tuple, and reports whether an expired entry matched too.
func (t *Table) findH(k *ktuple, h uint64) (i uint32, reply, dead bool) {
	tag := tagOf(h)
	for v := t.heads[0][h&t.mask0]; v != 0; {
		idx, dir := uint32(v)>>1, uint32(v)&1
		e := &t.ents[idx]
		if tagOf(v) == tag {
			key := &e.orig
			if dir == lnReply {
				key = &e.reply
			}
			if key.s0 == k.s0 && key.s1 == k.s1 && key.d0 == k.d0 && key.d1 == k.d1 && key.meta == k.meta {
				if t.alive(e) {
					return idx, dir == lnReply, dead
				}
				dead = true
			}
		}
		v = e.next[dir]
	}
	return 0, false, dead
}

// sameMapping reports whether a connection e belongs to the mapping the
// new connection from in toward rem would use.
func (t *Table) sameMapping(e *entry, in, rem endpoint) bool {
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
func (t *Table) extUsed(o Tuple, ow *ktuple, x endpoint) bool {
	var rk ktuple
	if o.Proto.IsICMP() {
		rk = pack(o.withSrc(x.addr, x.port).Reverse())
	} else {
		// the reply of o translated to x, built without netip
		rk.s0, rk.s1 = ow.d0, ow.d1
		if x.addr == t.ext.from {
			rk.d0, rk.d1 = t.extW[0], t.extW[1]
		} else {
			rk.d0, rk.d1 = addrWords(x.addr)
		}
		rk.meta = uint64(o.DstPort) | uint64(x.port)<<16 | ow.meta&^0xffffffff
	}
	h := hashK(&rk)
	t.memo[1], t.memoH[1] = rk, h
	if i, _, _ := t.findH(&rk, h); i != 0 {
		return true
	}
	if t.cfg.Filtering == APDF {
		return false
	}
	if _, ok := t.forwards[x]; ok {
		return true
	}
	in := endpoint{o.Proto, o.Src, o.SrcPort}
	rem := endpoint{o.Proto, o.Dst, o.dport()}
	h = hashEP(x)
	for v := t.heads[2][h&t.mask]; v != 0; v = t.ents[uint32(v)].next[lnExt] {
		if tagOf(v) != tagOf(h) {
			continue
		}
		e := &t.ents[uint32(v)]
		if t.alive(e) && e.external() == x && !t.sameMapping(e, in, rem) {
			return true
		}
	}
	return false
}

// portRange returns the source-NAT port range for an original port.
func (t *Table) portRange(p Proto, port uint16) (lo, hi uint16, specified bool) {
	if t.cfg.PortMax != 0 {
		return t.cfg.PortMin, t.cfg.PortMax, true
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

// how a source-NAT endpoint was chosen
const (
	howPreserved = "port preserved"
	howKept      = "source already in range, kept"
	howReused    = "reused mapping"
	howMoved     = "port taken, searched the range"
	howOutside   = "port outside the range, searched it"
	howRandom    = "random port"
)

// allocSrc chooses the external endpoint for a new outbound connection o,
// following nf_nat_core.c get_unique_tuple and nf_nat_l4proto_unique_tuple.
func (t *Table) allocSrc(o Tuple, ow *ktuple) (endpoint, string, error) {
	fully := t.cfg.Ports != Preserve
	lo, hi, specified := t.portRange(o.Proto, o.SrcPort)
	inPorts := func(p uint16) bool { return lo <= p && p <= hi }
	if !fully {
		// 1a: the original tuple is already in range and unique.
		if t.ext.contains(o.Src) {
			x := endpoint{o.Proto, o.Src, o.SrcPort}
			if inPorts(o.SrcPort) && !t.extUsed(o, ow, x) {
				return x, howKept, nil
			}
		} else if t.cfg.Mapping != APDM {
			// 1b: find_appropriate_src, by mapping behaviour.
			in := endpoint{o.Proto, o.Src, o.SrcPort}
			rem := endpoint{o.Proto, o.Dst, o.dport()}
			h := hashEPw(o.Proto, ow.s0, ow.s1, o.SrcPort) // hashEP(in)
			for v := t.heads[1][h&t.mask]; v != 0; v = t.ents[uint32(v)].next[lnSrc] {
				if tagOf(v) != tagOf(h) {
					continue
				}
				e := &t.ents[uint32(v)]
				if !t.alive(e) || !t.sameMapping(e, in, rem) {
					continue
				}
				x := e.external()
				if t.ext.contains(x.addr) && inPorts(x.port) && !t.extUsed(o, ow, x) {
					return x, howReused, nil
				}
			}
		}
	}
	// 2: the address, hashed from source (and destination).
	ip := bestIP(t.ext, o.Src, o.Dst, t.cfg.Persistent)
	// 3: keep the port if it is in range and unique.
	if !fully && (!specified || inPorts(o.SrcPort)) {
		if x := (endpoint{o.Proto, ip, o.SrcPort}); !t.extUsed(o, ow, x) {
			return x, howPreserved, nil
		}
	}
	// 4: search from an offset with shrinking windows.
	size := uint32(hi) - uint32(lo) + 1
	var off uint16
	switch t.cfg.Ports {
	case Random:
		off = uint16(hashAddr(hashAddr(t.cfg.Seed^uint64(o.dport()), o.Src), o.Dst))
	default:
		off = uint16(t.rng.Uint32())
	}
	attempts := min(size, 128)
	tries := 0
	for {
		for i := uint32(0); i < attempts; i, off = i+1, off+1 {
			tries++
			x := endpoint{o.Proto, ip, uint16(uint32(lo) + uint32(off)%size)}
			if !t.extUsed(o, ow, x) {
				switch {
				case fully:
					return x, howRandom, nil
				case !inPorts(o.SrcPort):
					return x, howOutside, nil
				}
				return x, howMoved, nil
			}
		}
		if attempts >= size || attempts < 16 {
			return endpoint{}, "", &ExhaustedError{Packet: o, Addr: ip, Min: lo, Max: hi, Tries: tries}
		}
		attempts /= 2
		off = uint16(t.rng.Uint32())
	}
}

// isOurs reports whether a is an external address of the NAT.
func (t *Table) isOurs(p Proto, a netip.Addr, port uint16) bool {
	if t.ext.contains(a) {
		return true
	}
	if _, ok := t.staticIn[a]; ok {
		return true
	}
	_, ok := t.forwards[endpoint{p, a, port}]
	return ok
}

// prefetch loads, back to back, the chain heads a new outbound
// connection will read and write: its original tuple, its internal
// endpoint, and the reply tuple and external endpoint it gets if its port
// is preserved on the (first) external address; then the first entry of
// each chain. The loads of each round are independent, so the processor
// overlaps their cache misses instead of paying them one after the other
// when allocSrc and link reach them.
func (t *Table) prefetch(kp *ktuple, hk uint64) {
	if kp.proto().IsICMP() || !t.ext.from.IsValid() || kp.v4() != t.ext.from.Is4() {
		return
	}
	proto, sport := kp.proto(), kp.sport()
	x0, x1 := t.extW[0], t.extW[1]
	rk := ktuple{s0: kp.d0, s1: kp.d1, d0: x0, d1: x1,
		meta: uint64(uint16(kp.meta>>16)) | uint64(sport)<<16 | kp.meta&^0xffffffff}
	m, m0 := t.mask, t.mask0
	a, b := t.heads[0][hk&m0], t.heads[1][hashEPw(proto, kp.s0, kp.s1, sport)&m]
	c, d := t.heads[0][hashK(&rk)&m0], t.heads[2][hashEPw(proto, x0, x1, sport)&m]
	t.sink += t.ents[uint32(a)>>1].next[0] ^ t.ents[uint32(b)].next[0] ^ t.ents[uint32(c)>>1].next[0] ^ d
}

// resolveIn finds the inside endpoint for a new inbound packet q: port
// forward, static entry, or a mapping that the filtering lets q through.
func (t *Table) resolveIn(q Tuple) (endpoint, string, Reason) {
	if f, ok := t.forwards[endpoint{q.Proto, q.Dst, q.dport()}]; ok {
		port := f.Internal.Port()
		if port == 0 {
			port = q.dport()
		}
		return endpoint{q.Proto, f.Internal.Addr(), port}, "port forward to " + netip.AddrPortFrom(f.Internal.Addr(), port).String(), ""
	}
	if in, ok := t.staticIn[q.Dst]; ok {
		return endpoint{q.Proto, in, q.dport()}, "static " + q.Dst.String() + " <-> " + in.String(), ""
	}
	x := endpoint{q.Proto, q.Dst, q.dport()}
	var mapped, dead bool
	h := hashEP(x)
	for v := t.heads[2][h&t.mask]; v != 0; v = t.ents[uint32(v)].next[lnExt] {
		e := &t.ents[uint32(v)]
		if tagOf(v) != tagOf(h) || e.external() != x {
			continue
		}
		if !t.alive(e) {
			dead = true
			continue
		}
		mapped = true
		switch t.cfg.Filtering {
		case EIF:
			return e.internal(), "eif: mapping of " + e.internal().addrPort().String(), ""
		case ADF:
			if e.remote().addr == q.Src {
				return e.internal(), "adf: " + e.internal().addrPort().String() + " sent to " + q.Src.String(), ""
			}
		}
	}
	switch {
	case mapped:
		return endpoint{}, fmt.Sprintf("%s: %v is not a peer of %v", t.cfg.Filtering, remoteName(q, t.cfg.Filtering), x.addrPort()), Filtered
	case dead:
		return endpoint{}, "mapping of " + x.addrPort().String() + " timed out", Expired
	}
	return endpoint{}, "nothing maps " + x.addrPort().String(), NoMapping
}

func remoteName(q Tuple, f Filtering) string {
	if f == ADF {
		return q.Src.String()
	}
	return q.SrcAddrPort().String()
}

// Process runs one packet through the NAT at ev.At and returns the
// decision. The clock first advances to ev.At (an earlier time is an
// ErrPacket error). A packet that cannot get an external port is dropped
// with Reason PortExhausted and the error is an *ExhaustedError; other
// drops are decisions, not errors.
func (t *Table) Process(ev Event) (Result, error) {
	var r Result
	err := t.process(&r, ev)
	return r, err
}

func (t *Table) process(r *Result, ev Event) error {
	r.Event = ev
	p := ev.Packet
	if err := t.check(ev); err != nil {
		return err
	}
	t.now = ev.At
	t.stats.Packets++

	// An existing connection, in either direction.
	kp := pack(p)
	hk := hashK(&kp)
	t.memo[0], t.memoH[0] = kp, hk
	if ev.Dir == Outbound {
		t.prefetch(&kp, hk)
	}
	i, reply, deadExact := t.findH(&kp, hk)
	if i != 0 {
		t.established(r, i, reply)
		return nil
	}

	if ev.Dir == Inbound {
		in, note, reason := t.resolveIn(p)
		if reason != "" {
			if reason == NoMapping && deadExact {
				reason, note = Expired, "connection timed out"
			}
			t.drop(r, reason, note)
			return nil
		}
		e := entry{orig: kp, reply: pack(p.withDst(in.addr, in.port).Reverse()), flags: fInbound}
		if t.clash(r, &e) {
			return nil
		}
		t.created(r, e, note)
		return nil
	}

	// A new outbound connection.
	hairpin := t.isOurs(p.Proto, p.Dst, p.dport())
	if hairpin && p.Proto.IsICMP() {
		// an echo has one identifier for both ends: nothing to hairpin to
		t.drop(r, NoMapping, "the NAT itself answers a ping to "+p.Dst.String())
		return nil
	}
	if hairpin && !t.cfg.Hairpin {
		t.drop(r, HairpinOff, p.DstAddrPort().String()+" is this NAT's own address")
		return nil
	}
	src := endpoint{p.Proto, p.Src, p.SrcPort}
	how := "not translated"
	allocated := "" // how allocSrc chose the source, if it did
	switch out, ok := t.static[p.Src]; {
	case ok:
		src.addr, how = out, "static "+p.Src.String()+" <-> "+out.String()
	case t.cfg.Kind == Static:
		t.drop(r, NoMapping, "no static entry for "+p.Src.String())
		return nil
	case t.cfg.Kind == SNAT || t.cfg.Kind == Masquerade:
		if p.Src.BitLen() != t.ext.from.BitLen() {
			return fmt.Errorf("%w: %v: source NAT to %v cannot translate an %s source", ErrPacket, p, t.cfg.External, family(p.Src))
		}
		x, h, err := t.allocSrc(p, &kp)
		if err != nil {
			t.stats.Exhausted++
			t.drop(r, PortExhausted, err.Error())
			return err
		}
		src, how, allocated = x, h, h
		if p.Proto.IsICMP() {
			how = strings.Replace(how, "port", "id", 1)
		}
	}
	translated := p.withSrc(src.addr, src.port)
	if hairpin {
		in, note, reason := t.resolveIn(translated)
		if reason != "" {
			t.drop(r, reason, "hairpin: "+note)
			return nil
		}
		translated = translated.withDst(in.addr, in.port)
		how = "hairpin: " + note + ", source " + src.addrPort().String()
	}
	e := entry{orig: kp, reply: pack(translated.Reverse())}
	if (allocated == "" || hairpin) && t.clash(r, &e) {
		return nil // allocSrc already made a plain source NAT's reply unique
	}
	switch allocated { // counted only once the connection exists
	case "":
	case howPreserved, howKept:
		t.stats.Preserved++
	case howReused:
		t.stats.Reused++
	default:
		t.stats.Moved++
	}
	t.created(r, e, how)
	return nil
}

// clash drops the packet when the new entry's reply tuple is already
// used by a live connection, as conntrack refuses to confirm a clashing
// entry (the kernel counts it as insert_failed). It happens when a
// filtering behaviour lets in a packet that, de-NATed, would look like
// another connection of the same inside endpoint (APDM with EIF), or with
// static and untranslated connections.
func (t *Table) clash(r *Result, e *entry) bool {
	i, _, _ := t.findH(&e.reply, hashK(&e.reply))
	if i == 0 {
		return false
	}
	t.drop(r, Clash, "would duplicate "+t.ents[i].orig.unpack().String())
	return true
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

func (t *Table) check(ev Event) error {
	p := ev.Packet
	switch {
	case ev.At < t.now:
		return fmt.Errorf("%w: time %v is before the previous event (%v); events must be in time order", ErrPacket, ev.At, t.now)
	case ev.Dir != Outbound && ev.Dir != Inbound:
		return fmt.Errorf("%w: direction %q, want out or in", ErrPacket, ev.Dir)
	case p.Proto != TCP && p.Proto != UDP && !p.Proto.IsICMP():
		return fmt.Errorf("%w: protocol %v, want tcp, udp, icmp or icmpv6", ErrPacket, p.Proto)
	case !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4():
		return fmt.Errorf("%w: %v: want source and destination of one address family", ErrPacket, p)
	case p.Proto == ICMP && !p.Src.Is4(), p.Proto == ICMPv6 && p.Src.Is4():
		return fmt.Errorf("%w: %v over %s", ErrPacket, p.Proto, family(p.Src))
	case p.Src.Zone() != "" || p.Dst.Zone() != "":
		return fmt.Errorf("%w: %v: addresses with zones are not simulated", ErrPacket, p)
	}
	return nil
}

func (t *Table) drop(r *Result, reason Reason, note string) {
	r.Verdict, r.Reason, r.Note = Drop, reason, note
	t.stats.Dropped++
	t.stats.Drops[reason]++
}

func (t *Table) created(r *Result, e entry, note string) {
	e.start = t.now
	i := t.insert(e)
	t.stats.New++
	r.New = true
	t.accepted(r, i, false, note)
}

func (t *Table) established(r *Result, i uint32, reply bool) {
	note := "established"
	if reply {
		note = "reply"
	}
	t.accepted(r, i, reply, note)
}

func (t *Table) accepted(r *Result, i uint32, reply bool, note string) {
	e := &t.ents[i]
	t.update(e, reply, r.Flags, r.New)
	r.Conn = t.conn(e)
	if reply {
		r.Out = r.Conn.Orig.Reverse()
	} else {
		r.Out = r.Conn.Reply.Reverse()
	}
	r.Verdict, r.Note = Accept, note
	t.stats.Accepted++
}

// update runs conntrack's per-protocol state machine for one packet and
// refreshes the timeout.
func (t *Table) update(e *entry, reply bool, f TCPFlags, isNew bool) {
	to := &t.cfg.Timeouts
	if reply {
		e.flags |= fReplied
	}
	var d time.Duration
	switch e.orig.proto() {
	case TCP:
		if f == 0 {
			switch {
			case isNew:
				f = SYN
			case reply && e.state == SynSent:
				f = SYN | ACK
			default:
				f = ACK
			}
		}
		s := e.state
		switch {
		case f&RST != 0:
			s = Close
		case isNew && f&SYN != 0:
			s = SynSent
		case isNew:
			s = Established // picked up mid-stream (nf_conntrack_tcp_loose)
		case f&SYN != 0 && f&ACK != 0 && reply && s == SynSent:
			s = SynRecv
		case f&FIN != 0:
			switch s {
			case Established, SynRecv:
				s = FinWait
			case FinWait, CloseWait:
				s = LastAck
			}
		case f&ACK != 0:
			switch s {
			case SynRecv:
				if !reply {
					s = Established
				}
			case FinWait:
				s = CloseWait
			case LastAck:
				s = TimeWait
			}
		}
		e.state = s
		if s == Established && e.flags&fReplied != 0 {
			e.flags |= fAssured
		}
		d = to.tcp(s)
	case UDP:
		d = to.UDP
		if e.flags&fReplied != 0 && t.now > e.start+2*time.Second {
			d = to.UDPStream
			e.flags |= fAssured
		}
	default:
		d = to.ICMP
	}
	e.expires = t.now + d
}

func (t *Table) conn(e *entry) Conn {
	left := (e.expires - t.now) / time.Second
	if left < 0 {
		left = 0
	}
	c := Conn{Orig: e.orig.unpack(), Reply: e.reply.unpack(), Timeout: uint32(left),
		Unreplied: e.flags&fReplied == 0, Assured: e.flags&fAssured != 0}
	if e.orig.proto() == TCP {
		c.State = e.state
	}
	return c
}

// Conns returns the live connections in creation order, as `conntrack -L`
// would list them at the current virtual time.
func (t *Table) Conns() []Conn {
	idx := t.liveIndexes()
	out := make([]Conn, len(idx))
	for k, i := range idx {
		out[k] = t.conn(&t.ents[i])
	}
	return out
}

func (t *Table) liveIndexes() []uint32 {
	var idx []uint32
	for i := 1; i < len(t.ents); i++ {
		if e := &t.ents[i]; e.seq != 0 && t.alive(e) {
			idx = append(idx, uint32(i))
		}
	}
	slices.SortFunc(idx, func(a, b uint32) int { return cmp.Compare(t.ents[a].seq, t.ents[b].seq) })
	return idx
}

// Translation is one live connection in the router view (Cisco "show ip
// nat translations"): inside local is the inside host's own endpoint,
// inside global the endpoint the outside sees, outside global the remote
// endpoint, and outside local the remote endpoint as the inside host
// addresses it (different only for hairpinned connections, where it is
// the external endpoint the inside host sent to).
type Translation struct {
	Proto         Proto          `json:"proto"`
	InsideLocal   netip.AddrPort `json:"inside_local"`
	InsideGlobal  netip.AddrPort `json:"inside_global"`
	OutsideLocal  netip.AddrPort `json:"outside_local"`
	OutsideGlobal netip.AddrPort `json:"outside_global"`
	Conn          Conn           `json:"conn"`
}

// Translations returns the live connections in the router view, in
// creation order.
func (t *Table) Translations() []Translation {
	idx := t.liveIndexes()
	out := make([]Translation, len(idx))
	for k, i := range idx {
		e := &t.ents[i]
		og := e.remote().addrPort()
		ol := og
		if !e.inbound() && (e.reply.s0 != e.orig.d0 || e.reply.s1 != e.orig.d1) {
			// hairpin: the remote is really the reply's source.
			og = netip.AddrPortFrom(e.reply.src(), e.reply.sport())
		}
		out[k] = Translation{
			Proto:         e.orig.proto(),
			InsideLocal:   e.internal().addrPort(),
			InsideGlobal:  e.external().addrPort(),
			OutsideLocal:  ol,
			OutsideGlobal: og,
			Conn:          t.conn(e),
		}
	}
	return out
}
