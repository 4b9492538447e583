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

// miekgExchanger is the production exchanger.
type miekgExchanger struct{}

var _ exchanger = miekgExchanger{}

func (miekgExchanger) exchange(ctx context.Context, q wireQuery, server netip.AddrPort, tr Transport) (wireReply, error) {
	m := new(dns.Msg)
	m.SetQuestion(q.Name, uint16(q.Type))
	m.RecursionDesired = true
	m.AuthenticatedData = q.AD
	m.SetEdns0(ednsSize, false)

	c := &dns.Client{Net: string(tr), UDPSize: ednsSize}
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
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, q.Name) ||
		r.Question[0].Qtype != uint16(q.Type) || r.Question[0].Qclass != dns.ClassINET {
		got := "no question"
		if len(r.Question) > 0 {
			got = fmt.Sprintf("%s %s", r.Question[0].Name, Type(r.Question[0].Qtype))
		}
		return wireReply{RTT: rtt}, fmt.Errorf("%w: asked %s %s, reply is for %s", ErrMismatch, q.Name, q.Type, got)
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
