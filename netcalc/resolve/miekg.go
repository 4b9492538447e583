package resolve

// This file is the only one that imports github.com/miekg/dns (pinned at
// v1, which its author has frozen): the wire exchange, type names and the
// conversion of its records to netcalc's Answer.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// ednsSize is the EDNS0 UDP payload size netcalc advertises (DNS Flag Day
// 2020; also dnsmasq's and natesales/q's default).
const ednsSize = 1232

// wireQuery is one question to send.
type wireQuery struct {
	Name string // fully qualified, A-labels
	Type Type
	AD   bool // set the AD bit (options trust-ad)
	// Deadline ends the exchange: the earlier of the per-query timeout and
	// the caller's deadline. The zero Deadline means DefaultTimeout.
	Deadline time.Time
}

// wireReply is netcalc's view of a reply.
type wireReply struct {
	Rcode   Rcode
	AA, RA  bool
	TC      bool
	Answers []Answer
	RTT     time.Duration
}

// exchanger sends one query to one server over one transport and waits at
// most until q.Deadline for the matching reply; cancelling ctx ends it at
// once. It returns an error
// wrapping ErrTimeout when no reply came in time and ErrMismatch when the
// reply's ID or question differ from the query's.
type exchanger interface {
	exchange(ctx context.Context, q wireQuery, server netip.AddrPort, tr Transport) (wireReply, error)
}

// miekgExchanger is the production exchanger. pool keeps UDP sockets to
// loopback servers between queries; nil means a fresh socket every time.
type miekgExchanger struct{ pool *connPool }

var _ exchanger = miekgExchanger{}

func (x miekgExchanger) exchange(ctx context.Context, q wireQuery, server netip.AddrPort, tr Transport) (wireReply, error) {
	if tr == UDP {
		return x.exchangeUDP(ctx, q, server)
	}
	m := new(dns.Msg)
	m.SetQuestion(q.Name, uint16(q.Type))
	m.RecursionDesired = true
	m.AuthenticatedData = q.AD
	m.SetEdns0(ednsSize, false)

	// miekg/dns applies its own 2 s default to the dial, the write and the
	// read unless Client.Timeout is set, and takes the earlier of that and
	// ctx's deadline: without Timeout every query would end after 2 s
	// whatever resolv.conf or --timeout said. q.Deadline is the whole
	// budget of this exchange.
	c := &dns.Client{Net: string(tr), UDPSize: ednsSize, Timeout: budget(q.Deadline)}
	// server.String() brackets IPv6 and keeps zones ("[fe80::1%eth0]:53").
	co, err := c.DialContext(ctx, server.String())
	if err != nil {
		return wireReply{}, classify(ctx, err)
	}
	defer co.Close()
	// The client only honours deadlines; close the connection when ctx is
	// cancelled so that an interrupt ends the read at once.
	stop := context.AfterFunc(ctx, func() { co.Close() })
	defer stop()
	r, rtt, err := c.ExchangeWithConnContext(ctx, m, co)
	if err != nil {
		return wireReply{RTT: rtt}, classify(ctx, err)
	}
	return replyOf(q, r, rtt)
}

// exchangeUDP is exchange over UDP, done by hand rather than by
// dns.Client (which allocates a client, a message and a read buffer and
// sets two deadlines per query): the query is packed into a pooled
// buffer, the reply read into it, and replies with another ID are skipped
// until the deadline, as dns.Client does, because they may answer an
// earlier query. q.Deadline (or DefaultTimeout) is the whole budget.
func (x miekgExchanger) exchangeUDP(ctx context.Context, q wireQuery, server netip.AddrPort) (wireReply, error) {
	deadline := time.Now().Add(budget(q.Deadline))
	reuse := x.pool != nil && reusable(server, UDP)
	var co net.Conn
	if reuse {
		co = x.pool.get(server)
	}
	if co == nil {
		// server.String() brackets IPv6 and keeps zones ("[fe80::1%eth0]:53").
		var err error
		d := net.Dialer{Deadline: deadline}
		if co, err = d.DialContext(ctx, "udp", server.String()); err != nil {
			return wireReply{}, classify(ctx, err)
		}
	}
	// Deadlines only: close the socket when ctx is cancelled so that an
	// interrupt ends the read at once.
	stop := context.AfterFunc(ctx, func() { co.Close() })
	rep, rtt, err := roundTripUDP(co, q, deadline)
	if !stop() {
		reuse = false // ctx ended: the socket is closed or about to be
	}
	if err != nil {
		// A socket that timed out or got a reply for another question may
		// still receive the late reply: never reuse it.
		co.Close()
		if errors.Is(err, ErrMismatch) {
			return wireReply{RTT: rtt}, err
		}
		return wireReply{RTT: rtt}, classify(ctx, err)
	}
	if reuse {
		x.pool.put(server, co)
	} else {
		co.Close()
	}
	return rep, nil
}

// udpBufs holds the buffers of UDP exchanges: ednsSize bytes, the largest
// reply netcalc asks for (dns.Client reads into as much).
var udpBufs = sync.Pool{New: func() any { return new([ednsSize]byte) }}

// roundTripUDP sends q over co with a random ID and returns the first
// reply with that ID, converted (see replyOf), and the time from sending to
// that reply.
func roundTripUDP(co net.Conn, q wireQuery, deadline time.Time) (wireReply, time.Duration, error) {
	buf := udpBufs.Get().(*[ednsSize]byte)
	defer udpBufs.Put(buf)
	var idb [2]byte
	rand.Read(idb[:]) // never fails (crypto/rand)
	id := uint16(idb[0])<<8 | uint16(idb[1])
	out, err := packQuery(buf[:], id, q)
	if err != nil {
		return wireReply{}, 0, err
	}
	start := time.Now()
	co.SetDeadline(deadline)
	if _, err := co.Write(out); err != nil {
		return wireReply{}, time.Since(start), err
	}
	for {
		n, err := co.Read(buf[:])
		switch {
		case err != nil:
			return wireReply{}, time.Since(start), err
		case n < 12:
			return wireReply{}, time.Since(start), dns.ErrShortRead
		}
		if rep, qs, rid, ok := parseSimpleReply(buf[:n]); ok {
			if rid == id {
				rtt := time.Since(start)
				rep.RTT = rtt
				return rep, rtt, checkQuestion(q, qs[:])
			}
			continue
		}
		r := new(dns.Msg)
		if err := r.Unpack(buf[:n]); err != nil {
			return wireReply{}, time.Since(start), err
		}
		if r.Id == id {
			rtt := time.Since(start)
			rep, err := replyOf(q, r, rtt)
			return rep, rtt, err
		}
	}
}

// parseSimpleReply reads the replies a batch gets most, without dns.Msg
// and its records: one question, answers of type A or AAAA only, no
// authority section, and at most an OPT record without options in the
// additional section. For anything else ok is false and the caller
// unpacks the message with dns.Msg; so that the two agree, every check
// dns.Msg.Unpack makes on such a message is made here too, and any doubt
// (a short record, a count that overruns the message, an empty rdata)
// also gives ok false. FuzzParseSimpleReply compares the two.
func parseSimpleReply(msg []byte) (rep wireReply, qs [1]dns.Question, id uint16, ok bool) {
	u16 := func(off int) uint16 { return uint16(msg[off])<<8 | uint16(msg[off+1]) }
	if len(msg) < 12 || u16(4) != 1 || u16(8) != 0 || u16(10) > 1 {
		return rep, qs, 0, false
	}
	id, bits, an, ar := u16(0), u16(2), int(u16(6)), u16(10)
	name, off, err := dns.UnpackDomainName(msg, 12)
	if err != nil || off+4 > len(msg) {
		return rep, qs, 0, false
	}
	qs[0] = dns.Question{Name: name, Qtype: u16(off), Qclass: u16(off + 2)}
	// Whether the question's name is written out in full (no pointer), so
	// that a pointer to it is the name again, within dns.Msg's limit of
	// pointers per name.
	plain := true
	for o := 12; plain && o < off && msg[o] != 0; o += int(msg[o]) + 1 {
		plain = plain && msg[o]&0xc0 == 0
	}
	off += 4
	rep.Rcode = Rcode(bits & 0xf)
	rep.AA, rep.TC, rep.RA = bits&(1<<10) != 0, bits&(1<<9) != 0, bits&(1<<7) != 0
	if an > 0 {
		rep.Answers = make([]Answer, 0, min(an, 16)) // the count is the sender's word
	}
	for i := 0; i < an+int(ar); i++ {
		if off == len(msg) {
			return rep, qs, 0, false // dns.Msg stops at a count that lies
		}
		var h dns.RR_Header
		if plain && off+2 <= len(msg) && msg[off] == 0xc0 && msg[off+1] == 12 {
			// A pointer to the question's name, as servers write an
			// answer's owner: the same name, without a new string.
			h.Name, off = name, off+2
		} else if h.Name, off, err = dns.UnpackDomainName(msg, off); err != nil {
			return rep, qs, 0, false
		}
		if off+10 > len(msg) {
			return rep, qs, 0, false
		}
		h.Rrtype, h.Ttl, h.Rdlength = u16(off), uint32(u16(off+4))<<16|uint32(u16(off+6)), u16(off+8)
		off += 10
		end := off + int(h.Rdlength)
		if end > len(msg) {
			return rep, qs, 0, false
		}
		switch {
		case i < an && h.Rrtype == dns.TypeA && h.Rdlength == 4:
			rep.Answers = append(rep.Answers, Answer{Name: h.Name, Type: TypeA, TTL: h.Ttl, Data: netip.AddrFrom4([4]byte(msg[off:end])).String()})
		case i < an && h.Rrtype == dns.TypeAAAA && h.Rdlength == 16:
			rep.Answers = append(rep.Answers, Answer{Name: h.Name, Type: TypeAAAA, TTL: h.Ttl, Data: netip.AddrFrom16([16]byte(msg[off:end])).String()})
		case i == an && h.Rrtype == dns.TypeOPT && h.Rdlength == 0:
			rep.Rcode |= Rcode(h.Ttl>>24) << 4 // the extended rcode (RFC 6891 §6.1.3)
		default:
			return rep, qs, 0, false
		}
		off = end
	}
	return rep, qs, id, true
}

// packQuery writes into buf the query dns.Msg packs for SetQuestion(name,
// type), RecursionDesired, AuthenticatedData = q.AD and SetEdns0(ednsSize,
// false), and returns it (TestPackQuery compares the two).
func packQuery(buf []byte, id uint16, q wireQuery) ([]byte, error) {
	flags := byte(0x01) // RD
	ad := byte(0)
	if q.AD {
		ad = 0x20
	}
	copy(buf, []byte{byte(id >> 8), byte(id), flags, ad, 0, 1, 0, 0, 0, 0, 0, 1})
	off, err := dns.PackDomainName(q.Name, buf, 12, nil, false)
	if err != nil {
		return nil, err
	}
	// QTYPE, QCLASS IN, then the OPT record: root name, type 41, the UDP
	// size as its class, TTL 0 (no DO bit), no options.
	tail := []byte{byte(q.Type >> 8), byte(q.Type), 0, 1, 0, 0, 41, ednsSize >> 8, ednsSize & 0xff, 0, 0, 0, 0, 0, 0}
	if off+len(tail) > len(buf) {
		return nil, dns.ErrBuf
	}
	return buf[:off+copy(buf[off:], tail)], nil
}

// checkQuestion returns an error wrapping ErrMismatch unless qs is q's
// question alone.
func checkQuestion(q wireQuery, qs []dns.Question) error {
	if len(qs) != 1 || !strings.EqualFold(qs[0].Name, q.Name) || qs[0].Qtype != uint16(q.Type) || qs[0].Qclass != dns.ClassINET {
		got := "no question"
		if len(qs) > 0 {
			got = fmt.Sprintf("%s %s", qs[0].Name, Type(qs[0].Qtype))
		}
		return fmt.Errorf("%w: asked %s %s, reply is for %s", ErrMismatch, q.Name, q.Type, got)
	}
	return nil
}

// replyOf checks that r answers q and converts it.
func replyOf(q wireQuery, r *dns.Msg, rtt time.Duration) (wireReply, error) {
	if err := checkQuestion(q, r.Question); err != nil {
		return wireReply{RTT: rtt}, err
	}
	rep := wireReply{
		Rcode:   Rcode(r.Rcode),
		AA:      r.Authoritative,
		RA:      r.RecursionAvailable,
		TC:      r.Truncated,
		RTT:     rtt,
		Answers: make([]Answer, 0, len(r.Answer)),
	}
	for _, rr := range r.Answer {
		h := rr.Header()
		rep.Answers = append(rep.Answers, Answer{Name: h.Name, Type: Type(h.Rrtype), TTL: h.Ttl, Data: rdata(rr)})
	}
	return rep, nil
}

// rdata is the record's data in zone-file form: rr.String() without the
// header's text. A and AAAA are formatted directly, as their String
// methods do, without building the header's text first.
func rdata(rr dns.RR) string {
	switch rr := rr.(type) {
	case *dns.A:
		if rr.A != nil {
			return rr.A.String()
		}
		return ""
	case *dns.AAAA:
		switch {
		case rr.AAAA == nil:
			return ""
		case rr.AAAA.To4() != nil:
			return "::ffff:" + rr.AAAA.String()
		}
		return rr.AAAA.String()
	}
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// budget is the time left before deadline (at least 1 ns, so that an
// expired deadline still fails at once instead of meaning "no limit"), or
// DefaultTimeout for the zero deadline.
func budget(deadline time.Time) time.Duration {
	if deadline.IsZero() {
		return DefaultTimeout
	}
	return max(time.Until(deadline), time.Nanosecond)
}

// connPool keeps idle connected UDP sockets to loopback servers, so that a
// batch does not pay socket, connect and close for every query (they were
// half of netcalc's system calls per name). Only loopback servers qualify:
// RFC 5452's defence against forged replies is an unpredictable ID and
// source port per query, and a reused socket keeps its port. Over loopback
// the port protects nothing: Linux drops packets from outside whose source
// is 127.0.0.0/8 or ::1 (martians), so no off-path attacker can reach the
// socket, and a process on the host can read the port from /proc/net/udp.
// Every socket still gets a kernel-chosen random port when it is opened,
// and each query a random ID. A socket goes back to the pool only after a
// clean exchange (a matching reply); after a timeout, a mismatch or a
// cancellation it is closed, so that a late reply cannot meet a later
// query. The zero connPool is empty and ready.
type connPool struct {
	mu   sync.Mutex
	idle map[netip.AddrPort][]net.Conn
}

// reusable reports whether a socket to server over tr may serve several
// queries: UDP to 127.0.0.0/8 or ::1 only (not ::ffff:127.0.0.1, which a
// packet from outside could carry).
func reusable(server netip.AddrPort, tr Transport) bool {
	return tr == UDP && server.Addr().IsLoopback() && !server.Addr().Is4In6()
}

// maxIdlePerServer bounds the idle sockets kept per server (--concurrency
// is at most 1024 names with two types each; beyond this the extra sockets
// are closed).
const maxIdlePerServer = 256

func (p *connPool) get(server netip.AddrPort) net.Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.idle[server]
	if len(l) == 0 {
		return nil
	}
	co := l[len(l)-1]
	p.idle[server] = l[:len(l)-1]
	return co
}

func (p *connPool) put(server netip.AddrPort, co net.Conn) {
	p.mu.Lock()
	if len(p.idle[server]) < maxIdlePerServer {
		if p.idle == nil {
			p.idle = map[netip.AddrPort][]net.Conn{}
		}
		p.idle[server] = append(p.idle[server], co)
		co = nil
	}
	p.mu.Unlock()
	if co != nil {
		co.Close()
	}
}

// closeIdle closes every idle socket and reports how many there were.
func (p *connPool) closeIdle() int {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	n := 0
	for _, l := range idle {
		for _, co := range l {
			co.Close()
			n++
		}
	}
	return n
}

// classify maps transport errors to netcalc's sentinels.
func classify(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("%w", ErrTimeout)
		}
		return cerr
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w", ErrTimeout)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		// "read udp [::1]:54850->[::1]:5300: read: connection refused"
		// says the same with socket details the user did not ask for.
		return errors.New("connection refused (nothing listens on that port)")
	}
	if errors.Is(err, dns.ErrId) {
		return fmt.Errorf("%w: reply ID differs from the query's", ErrMismatch)
	}
	return err
}

func typeByName(s string) (Type, bool) {
	t, ok := dns.StringToType[s]
	return Type(t), ok && t != 0
}

func typeName(t Type) (string, bool) {
	s, ok := dns.TypeToString[uint16(t)]
	return s, ok
}
