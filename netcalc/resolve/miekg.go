package resolve

// This file is the only one that imports github.com/miekg/dns (pinned at
// v1, which its author has frozen): the wire exchange, type names and the
// conversion of its records to netcalc's Answer.

import (
	"context"
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
// most until ctx's deadline for the matching reply. It returns an error
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
	m := new(dns.Msg)
	m.SetQuestion(q.Name, uint16(q.Type))
	m.RecursionDesired = true
	m.AuthenticatedData = q.AD
	m.SetEdns0(ednsSize, false)

	// miekg/dns applies its own 2 s default to the dial, the write and the
	// read unless Client.Timeout is set, and takes the earlier of that and
	// ctx's deadline: without Timeout every query would end after 2 s
	// whatever resolv.conf or --timeout said. The caller's deadline is the
	// per-attempt timeout, so it is the whole budget of this exchange.
	c := &dns.Client{Net: string(tr), UDPSize: ednsSize, Timeout: exchangeBudget(ctx)}
	reuse := x.pool != nil && reusable(server, tr)
	var co *dns.Conn
	if reuse {
		co = x.pool.get(server)
	}
	if co == nil {
		// server.String() brackets IPv6 and keeps zones ("[fe80::1%eth0]:53").
		var err error
		if co, err = c.DialContext(ctx, server.String()); err != nil {
			return wireReply{}, classify(ctx, err)
		}
	}
	// The client only honours deadlines; close the connection when ctx is
	// cancelled so that an interrupt ends the read at once.
	stop := context.AfterFunc(ctx, func() { co.Close() })
	r, rtt, err := c.ExchangeWithConnContext(ctx, m, co)
	if !stop() {
		reuse = false // ctx ended: the socket is closed or about to be
	}
	if err == nil && (len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, q.Name) ||
		r.Question[0].Qtype != uint16(q.Type) || r.Question[0].Qclass != dns.ClassINET) {
		got := "no question"
		if len(r.Question) > 0 {
			got = fmt.Sprintf("%s %s", r.Question[0].Name, Type(r.Question[0].Qtype))
		}
		co.Close()
		return wireReply{RTT: rtt}, fmt.Errorf("%w: asked %s %s, reply is for %s", ErrMismatch, q.Name, q.Type, got)
	}
	if err != nil {
		// A socket that timed out may still receive the late reply: never
		// reuse it.
		co.Close()
		return wireReply{RTT: rtt}, classify(ctx, err)
	}
	if reuse {
		x.pool.put(server, co)
	} else {
		co.Close()
	}
	rep := wireReply{
		Rcode: Rcode(r.Rcode),
		AA:    r.Authoritative,
		RA:    r.RecursionAvailable,
		TC:    r.Truncated,
		RTT:   rtt,
	}
	for _, rr := range r.Answer {
		h := rr.Header()
		rep.Answers = append(rep.Answers, Answer{
			Name: h.Name,
			Type: Type(h.Rrtype),
			TTL:  h.Ttl,
			Data: strings.TrimPrefix(rr.String(), h.String()),
		})
	}
	return rep, nil
}

// exchangeBudget is the time left before ctx's deadline (at least 1 ns,
// so that an expired deadline still fails at once instead of meaning "no
// limit"), or DefaultTimeout when ctx has no deadline.
func exchangeBudget(ctx context.Context) time.Duration {
	d, ok := ctx.Deadline()
	if !ok {
		return DefaultTimeout
	}
	return max(time.Until(d), time.Nanosecond)
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
	idle map[netip.AddrPort][]*dns.Conn
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

func (p *connPool) get(server netip.AddrPort) *dns.Conn {
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

func (p *connPool) put(server netip.AddrPort, co *dns.Conn) {
	p.mu.Lock()
	if len(p.idle[server]) < maxIdlePerServer {
		if p.idle == nil {
			p.idle = map[netip.AddrPort][]*dns.Conn{}
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
