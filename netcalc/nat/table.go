package nat

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// This file is NAT policy over a conntrack table: which external endpoint
// a new connection gets (source.go holds the port and address choice),
// which inbound packets a mapping lets in, hairpinning, static and
// forwarded endpoints. The table, its tuples and the state machine are
// netcalc/conntrack's.

// rangeV is an inclusive address range.
type rangeV struct{ from, to netip.Addr }

func (r rangeV) contains(a netip.Addr) bool {
	return r.from.IsValid() && a.BitLen() == r.from.BitLen() && r.from.Compare(a) <= 0 && a.Compare(r.to) <= 0
}

// Secondary indexes of the conntrack table: the internal endpoints (the
// kernel's nf_nat_bysource) and the external endpoints.
const (
	idxSrc = 0
	idxExt = 1
)

// fInbound marks a connection created by an inbound packet (forward,
// static or filter), so that its inside endpoint is the reply's source.
const fInbound = conntrack.StatusOwner

// ktuple is a packed tuple (conntrack.Key).
type ktuple = conntrack.Key

func pack(t Tuple) ktuple { return conntrack.Pack(t) }

func addrWords(a netip.Addr) (uint64, uint64) { return conntrack.AddrWords(a) }

func hashK(k *ktuple) uint64 { return k.Hash() }

func mix64(x uint64) uint64 { return conntrack.Mix64(x) }

// entry is a conntrack entry seen as a NAT connection.
type entry struct{ *conntrack.Entry }

// endpoint is a protocol, address and port (ICMP identifier).
type endpoint struct {
	proto packet.Protocol
	addr  netip.Addr
	port  uint16
}

func (p endpoint) addrPort() netip.AddrPort { return netip.AddrPortFrom(p.addr, p.port) }

func (e entry) inbound() bool { return e.Status&fInbound != 0 }

// internal is the inside host's own endpoint.
func (e entry) internal() endpoint {
	if e.inbound() {
		return endpoint{e.Orig.Proto(), e.Reply.Src(), e.Reply.SrcPort()}
	}
	return endpoint{e.Orig.Proto(), e.Orig.Src(), e.Orig.SrcPort()}
}

// external is the inside host's endpoint as the outside sees it.
func (e entry) external() endpoint {
	if e.inbound() {
		return endpoint{e.Orig.Proto(), e.Orig.Dst(), e.Orig.DstID()}
	}
	return endpoint{e.Orig.Proto(), e.Reply.Dst(), e.Reply.DstID()}
}

// remote is the outside endpoint.
func (e entry) remote() endpoint {
	if e.inbound() {
		return endpoint{e.Orig.Proto(), e.Orig.Src(), e.Orig.SrcPort()}
	}
	return endpoint{e.Orig.Proto(), e.Orig.Dst(), e.Orig.DstID()}
}

// Translator is a simulated network address translator (RFC 2663's
// "NAT"): its configuration, its conntrack table and its virtual clock.
// Feed it events in time order with Process. A Translator is not safe for
// concurrent use.
type Translator struct {
	cfg      Config
	ext      rangeV
	forwards map[endpoint]Forward
	static   map[netip.Addr]netip.Addr // inside → outside
	staticIn map[netip.Addr]netip.Addr // outside → inside
	rng      *rand.Rand
	extW     [2]uint64 // t.ext.from as words

	ct    *conntrack.Table
	stats Stats
}

// Stats counts what a Translator did.
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
	Drops map[packet.Reason]int `json:"drops,omitempty"`
}

// DropCount is how many packets were dropped for one Reason.
type DropCount struct {
	Reason packet.Reason
	Count  int
}

// DropCounts returns the Drops that are not zero, in the order the drop
// reasons are declared (PortExhausted, NoMapping, Filtered, Expired,
// HairpinOff, Clash); nil when nothing was dropped.
func (s Stats) DropCounts() []DropCount {
	var out []DropCount
	for _, r := range []packet.Reason{PortExhausted, NoMapping, Filtered, Expired, HairpinOff, Clash} {
		if n := s.Drops[r]; n > 0 {
			out = append(out, DropCount{Reason: r, Count: n})
		}
	}
	return out
}

// New returns an empty NAT table for cfg at virtual time 0.
func New(cfg Config) (*Translator, error) {
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	t := &Translator{
		cfg:      c,
		ext:      rangeV{c.External.From(), c.External.To()},
		forwards: map[endpoint]Forward{},
		static:   map[netip.Addr]netip.Addr{},
		staticIn: map[netip.Addr]netip.Addr{},
		rng:      rand.New(rand.NewPCG(c.Seed, 0x6e657463616c63)), // "netcalc"
		stats:    Stats{Drops: map[packet.Reason]int{}},
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
	t.ct = conntrack.NewTable(c.SizeHint, c.Timeouts,
		func(e *conntrack.Entry) uint64 { return entry{e}.internalHash() },
		func(e *conntrack.Entry) uint64 { return entry{e}.externalHash() })
	return t, nil
}

// Config returns the table's configuration with defaults filled in.
func (t *Translator) Config() Config { return t.cfg }

// Now returns the virtual clock: the time of the last event, or the time
// given to Advance.
func (t *Translator) Now() time.Duration { return t.ct.Now() }

// Advance moves the virtual clock forward to at, expiring entries as time
// passes. Moving it backwards is an error wrapping ErrPacket.
func (t *Translator) Advance(at time.Duration) error {
	if now := t.ct.Now(); at < now {
		return &EventError{Event: Event{At: at}, Msg: fmt.Sprintf("time %v is before the clock (%v); events must be in time order", at, now)}
	}
	t.ct.SetNow(at)
	return nil
}

// Stats returns the counters so far.
func (t *Translator) Stats() Stats {
	s := t.stats
	s.Drops = make(map[packet.Reason]int, len(t.stats.Drops))
	for k, v := range t.stats.Drops {
		s.Drops[k] = v
	}
	return s
}

// Len returns the number of live (unexpired) connections.
func (t *Translator) Len() int { return t.ct.Len() }

func hashAddr(h uint64, a netip.Addr) uint64 {
	w0, w1 := addrWords(a)
	return mix64(h ^ w1 ^ mix64(w0+0x9e3779b97f4a7c15))
}

func hashEP(p endpoint) uint64 {
	w0, w1 := addrWords(p.addr)
	return hashEPw(p.proto, w0, w1, p.port)
}

func hashEPw(proto packet.Protocol, w0, w1 uint64, port uint16) uint64 {
	return mix64(uint64(proto)<<16 | uint64(port) | 1<<60 ^ w1 ^ mix64(w0+0x9e3779b97f4a7c15))
}

// internalHash and externalHash are hashEP(e.internal()) and
// hashEP(e.external()) without building addresses.
func (e entry) internalHash() uint64 {
	if e.inbound() {
		return hashEPw(e.Orig.Proto(), e.Reply.S0, e.Reply.S1, e.Reply.SrcPort())
	}
	return hashEPw(e.Orig.Proto(), e.Orig.S0, e.Orig.S1, e.Orig.SrcPort())
}

func (e entry) externalHash() uint64 {
	if e.inbound() {
		return hashEPw(e.Orig.Proto(), e.Orig.D0, e.Orig.D1, e.Orig.DstID())
	}
	return hashEPw(e.Orig.Proto(), e.Reply.D0, e.Reply.D1, e.Reply.DstID())
}

// at returns entry i of the conntrack table.
func (t *Translator) at(i uint32) entry { return entry{t.ct.At(i)} }

func (t *Translator) alive(e entry) bool { return t.ct.Alive(e.Entry) }

// isOurs reports whether a is an external address of the NAT.
func (t *Translator) isOurs(p packet.Protocol, a netip.Addr, port uint16) bool {
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
func (t *Translator) prefetch(kp *ktuple, hk uint64) {
	if kp.Proto().IsICMP() || !t.ext.from.IsValid() || kp.V4() != t.ext.from.Is4() {
		return
	}
	proto, sport := kp.Proto(), kp.SrcPort()
	x0, x1 := t.extW[0], t.extW[1]
	rk := ktuple{S0: kp.D0, S1: kp.D1, D0: x0, D1: x1,
		Meta: uint64(uint16(kp.Meta>>16)) | uint64(sport)<<16 | kp.Meta&^0xffffffff}
	t.ct.Prefetch(hk, rk.Hash(), hashEPw(proto, kp.S0, kp.S1, sport), hashEPw(proto, x0, x1, sport))
}

// resolveIn finds the inside endpoint for a new inbound packet q: port
// forward, static entry, or a mapping that the filtering lets q through.
// It records in r what decided (Cause and the endpoints it names) and
// returns the drop reason ("" when q may enter).
func (t *Translator) resolveIn(r *Decision, q Tuple) (endpoint, packet.Reason) {
	x := endpoint{q.Proto, q.Dst, q.DstID()}
	r.External = x.addrPort()
	if f, ok := t.forwards[x]; ok {
		port := f.Internal.Port()
		if port == 0 {
			port = q.DstID()
		}
		in := endpoint{q.Proto, f.Internal.Addr(), port}
		r.Cause, r.Inside = CauseForward, in.addrPort()
		return in, ""
	}
	if in, ok := t.staticIn[q.Dst]; ok {
		r.Cause, r.Inside = CauseStatic, netip.AddrPortFrom(in, q.DstID())
		return endpoint{q.Proto, in, q.DstID()}, ""
	}
	var mapped, dead bool
	h := hashEP(x)
	for v := t.ct.Index(idxExt, h); v != 0; v = t.ct.Next(idxExt, v) {
		e := t.at(uint32(v))
		if !conntrack.SameTag(v, h) || e.external() != x {
			continue
		}
		if !t.alive(e) {
			dead = true
			continue
		}
		mapped = true
		in := e.internal()
		switch f := t.cfg.Filtering; {
		case f == EIF, f == ADF && e.remote().addr == q.Src:
			r.Cause, r.Filtering, r.Inside, r.Remote = CauseMapping, f, in.addrPort(), q.SrcAddrPort()
			return in, ""
		}
	}
	switch {
	case mapped:
		r.Cause, r.Filtering, r.Remote = CauseNotPeer, t.cfg.Filtering, q.SrcAddrPort()
		return endpoint{}, Filtered
	case dead:
		r.Cause = CauseMappingExpired
		return endpoint{}, Expired
	}
	r.Cause = CauseNoMapping
	return endpoint{}, NoMapping
}

// Process runs one packet through the NAT at ev.At and returns the
// decision. The clock first advances to ev.At (an earlier time is an
// ErrPacket error). A packet that cannot get an external port is dropped
// with Reason PortExhausted and the error is an *ExhaustedError (also in
// Decision.Exhausted); other drops are decisions, not errors. Errors for
// events it cannot simulate are *EventError.
func (t *Translator) Process(ev Event) (Decision, error) {
	var r Decision
	err := t.process(&r, ev)
	return r, err
}

func (t *Translator) process(r *Decision, ev Event) error {
	r.Event = ev
	p := ev.Packet
	if err := t.check(ev); err != nil {
		return err
	}
	t.ct.SetNow(ev.At)
	t.stats.Packets++

	// An existing connection, in either direction.
	kp := pack(p)
	hk := hashK(&kp)
	t.ct.Hint(false, &kp, hk)
	if ev.Dir == Outbound {
		t.prefetch(&kp, hk)
	}
	i, reply, deadExact := t.ct.Find(&kp, hk)
	if i != 0 {
		t.established(r, i, reply)
		return nil
	}

	if ev.Dir == Inbound {
		in, reason := t.resolveIn(r, p)
		if reason != "" {
			if reason == NoMapping && deadExact {
				reason, r.Cause, r.External = Expired, CauseConnExpired, netip.AddrPort{}
			}
			t.drop(r, reason, r.Cause)
			return nil
		}
		e := conntrack.Entry{Orig: kp, Reply: pack(p.WithDst(in.addr, in.port).Reverse()), Status: fInbound}
		if t.clash(r, &e) {
			return nil
		}
		t.created(r, e)
		return nil
	}

	// A new outbound connection.
	hairpin := t.isOurs(p.Proto, p.Dst, p.DstID())
	if hairpin && p.Proto.IsICMP() {
		// an echo has one identifier for both ends: nothing to hairpin to
		t.drop(r, NoMapping, CauseOwnPing)
		return nil
	}
	if hairpin && !t.cfg.Hairpin {
		t.drop(r, HairpinOff, CauseOwnAddress)
		return nil
	}
	src := endpoint{p.Proto, p.Src, p.SrcPort}
	r.Cause, r.Inside = CauseUntranslated, src.addrPort()
	allocated := AllocNone // how allocSrc chose the source, if it did
	switch out, ok := t.static[p.Src]; {
	case ok:
		src.addr, r.Cause = out, CauseStatic
	case t.cfg.Kind == Static:
		t.drop(r, NoMapping, CauseNoStatic)
		return nil
	case t.cfg.Kind == SNAT || t.cfg.Kind == Masquerade:
		if p.Src.BitLen() != t.ext.from.BitLen() {
			return &EventError{Event: ev, Msg: fmt.Sprintf("%v: source NAT to %v cannot translate an %s source", p, t.cfg.External, family(p.Src))}
		}
		x, h, err := t.allocSrc(&p, &kp)
		if err != nil {
			t.stats.Exhausted++
			r.Exhausted, _ = err.(*ExhaustedError)
			t.drop(r, PortExhausted, CausePortExhausted)
			return err
		}
		src, allocated, r.Cause = x, h, CauseSourceNAT
	}
	r.External = src.addrPort()
	translated := p.WithSrc(src.addr, src.port)
	if hairpin {
		r.Hairpin, r.Inside, r.External = true, netip.AddrPort{}, netip.AddrPort{}
		in, reason := t.resolveIn(r, translated)
		if reason != "" {
			t.drop(r, reason, r.Cause)
			return nil
		}
		translated = translated.WithDst(in.addr, in.port)
	}
	e := conntrack.Entry{Orig: kp, Reply: pack(translated.Reverse())}
	if (allocated == AllocNone || hairpin) && t.clash(r, &e) {
		return nil // allocSrc already made a plain source NAT's reply unique
	}
	switch allocated { // counted only once the connection exists
	case AllocNone:
	case AllocPreserved, AllocKept:
		t.stats.Preserved++
	case AllocReused:
		t.stats.Reused++
	default:
		t.stats.Moved++
	}
	r.Alloc = allocated
	t.created(r, e)
	return nil
}

// clash drops the packet when the new entry's reply tuple is already
// used by a live connection, as conntrack refuses to confirm a clashing
// entry (the kernel counts it as insert_failed). It happens when a
// filtering behaviour lets in a packet that, de-NATed, would look like
// another connection of the same inside endpoint (APDM with EIF), or with
// static and untranslated connections.
func (t *Translator) clash(r *Decision, e *conntrack.Entry) bool {
	i, _, _ := t.ct.Find(&e.Reply, e.Reply.Hash())
	if i == 0 {
		return false
	}
	orig := t.ct.At(i).Orig.Tuple()
	r.Clash = &orig
	r.Inside, r.External, r.Remote, r.Filtering, r.Hairpin = netip.AddrPort{}, netip.AddrPort{}, netip.AddrPort{}, "", false
	t.drop(r, Clash, CauseClash)
	return true
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

func (t *Translator) check(ev Event) error {
	p := ev.Packet
	bad := func(format string, a ...any) error { return &EventError{Event: ev, Msg: fmt.Sprintf(format, a...)} }
	switch {
	case ev.At < t.ct.Now():
		return bad("time %v is before the previous event (%v); events must be in time order", ev.At, t.ct.Now())
	case ev.Dir != Outbound && ev.Dir != Inbound:
		return bad("direction %q, want out or in", ev.Dir)
	case p.Proto != packet.TCP && p.Proto != packet.UDP && !p.Proto.IsICMP():
		return bad("protocol %v, want tcp, udp, icmp or icmpv6", p.Proto)
	case !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Is4() != p.Dst.Is4():
		return bad("%v: want source and destination of one address family", p)
	case p.Proto == packet.ICMP && !p.Src.Is4(), p.Proto == packet.ICMPv6 && p.Src.Is4():
		return bad("%v over %s", p.Proto, family(p.Src))
	case p.Src.Zone() != "" || p.Dst.Zone() != "":
		return bad("%v: addresses with zones are not simulated", p)
	}
	return nil
}

func (t *Translator) drop(r *Decision, reason packet.Reason, c Cause) {
	r.Verdict, r.Reason, r.Cause = Drop, reason, c
	t.stats.Dropped++
	t.stats.Drops[reason]++
}

func (t *Translator) created(r *Decision, e conntrack.Entry) {
	e.Start = t.ct.Now()
	i := t.ct.InsertIndexed(e, entry{&e}.internalHash(), entry{&e}.externalHash())
	t.stats.New++
	r.New = true
	t.accepted(r, i, false)
}

func (t *Translator) established(r *Decision, i uint32, reply bool) {
	r.Cause = CauseEstablished
	if reply {
		r.Cause = CauseReply
	}
	t.accepted(r, i, reply)
}

func (t *Translator) accepted(r *Decision, i uint32, reply bool) {
	t.ct.Update(i, reply, r.Flags, r.New)
	r.Conn = t.ct.Conn(t.ct.At(i))
	if reply {
		r.Out = r.Conn.Orig.Reverse()
	} else {
		r.Out = r.Conn.Reply.Reverse()
	}
	r.Verdict = Accept
	t.stats.Accepted++
}

// Conns returns the live connections in creation order, as `conntrack -L`
// would list them at the current virtual time.
func (t *Translator) Conns() []Conn { return t.ct.Conns() }

// Translation is one live connection in the router view (Cisco "show ip
// nat translations"): inside local is the inside host's own endpoint,
// inside global the endpoint the outside sees, outside global the remote
// endpoint, and outside local the remote endpoint as the inside host
// addresses it (different only for hairpinned connections, where it is
// the external endpoint the inside host sent to). Its JSON form is the
// flat record MarshalJSON writes.
type Translation struct {
	// Proto is the connection's protocol (Conn.Orig.Proto).
	Proto         packet.Protocol
	InsideLocal   netip.AddrPort
	InsideGlobal  netip.AddrPort
	OutsideLocal  netip.AddrPort
	OutsideGlobal netip.AddrPort
	Conn          Conn
}

// MarshalJSON writes the translation as one flat object, the record
// netcalc prints for a table entry: "type": "conn", the fields of Conn
// (use 1 when Use is 0, as the conntrack line prints it), the four
// endpoints, and "conntrack", the entry as one `conntrack -L` line.
func (tr Translation) MarshalJSON() ([]byte, error) {
	c := tr.Conn
	c.Use = max(c.Use, 1)
	return json.Marshal(struct {
		Type string `json:"type"`
		Conn
		InsideLocal   netip.AddrPort `json:"inside_local"`
		InsideGlobal  netip.AddrPort `json:"inside_global"`
		OutsideLocal  netip.AddrPort `json:"outside_local"`
		OutsideGlobal netip.AddrPort `json:"outside_global"`
		Line          string         `json:"conntrack"`
	}{"conn", c, tr.InsideLocal, tr.InsideGlobal, tr.OutsideLocal, tr.OutsideGlobal, c.String()})
}

// Translations returns the live connections in the router view, in
// creation order.
func (t *Translator) Translations() []Translation {
	idx := t.ct.Live()
	out := make([]Translation, len(idx))
	for k, i := range idx {
		e := t.at(i)
		og := e.remote().addrPort()
		ol := og
		if !e.inbound() && (e.Reply.S0 != e.Orig.D0 || e.Reply.S1 != e.Orig.D1) {
			// hairpin: the remote is really the reply's source.
			og = netip.AddrPortFrom(e.Reply.Src(), e.Reply.SrcPort())
		}
		out[k] = Translation{
			Proto:         e.Orig.Proto(),
			InsideLocal:   e.internal().addrPort(),
			InsideGlobal:  e.external().addrPort(),
			OutsideLocal:  ol,
			OutsideGlobal: og,
			Conn:          t.ct.Conn(e.Entry),
		}
	}
	return out
}
