package k8s

import (
	"context"
	"net"
	"net/netip"

	"github.com/miekg/dns"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

// ClusterDNSServeOptions are the options of ClusterDNS.Serve. The zero
// value serves UDP only and reports nothing.
type ClusterDNSServeOptions struct {
	// Listener, if set, also serves DNS over TCP on it. Default none.
	Listener net.Listener
	// OnQuery, if set, is called for each query just before its reply is written with the
	// client's address, the transport ("udp" or "tcp") and the answer.
	// It may be called from several goroutines at once.
	OnQuery func(from netip.AddrPort, transport string, a *ClusterDNSAnswer)
}

// Serve answers the DNS queries that arrive on pc (and on
// opts.Listener) with Answer, until ctx is done; it then shuts the
// server down and returns nil. Replies carry AA for the zones, echo EDNS0
// (1232 bytes) when the query has it, and are truncated (TC) when they do
// not fit a UDP reply. The caller owns pc and the listener and closes them
// after Serve returns.
func (c *ClusterDNS) Serve(ctx context.Context, pc net.PacketConn, opts ClusterDNSServeOptions) error {
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { c.serveDNS(w, r, opts.OnQuery) })
	servers := []*dns.Server{{PacketConn: pc, Handler: h}}
	if opts.Listener != nil {
		servers = append(servers, &dns.Server{Listener: opts.Listener, Handler: h})
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errc <- s.ActivateAndServe() }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	for _, s := range servers {
		_ = s.Shutdown()
	}
	return err
}

// serveDNS is the miekg/dns handler.
func (c *ClusterDNS) serveDNS(w dns.ResponseWriter, r *dns.Msg, onQuery func(netip.AddrPort, string, *ClusterDNSAnswer)) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = false
	if r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 {
		m.SetRcode(r, dns.RcodeNotImplemented)
		if len(r.Question) != 1 {
			m.SetRcode(r, dns.RcodeFormatError)
		}
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	a := c.Answer(q.Name, resolve.Type(q.Qtype))
	m.Authoritative = a.Authoritative
	m.Rcode = int(a.Rcode)
	for _, sec := range []struct {
		from []resolve.Answer
		to   *[]dns.RR
	}{{a.Answer, &m.Answer}, {a.Authority, &m.Ns}, {a.Additional, &m.Extra}} {
		for _, rr := range sec.from {
			if x, err := dns.NewRR(rr.String()); err == nil && x != nil {
				*sec.to = append(*sec.to, x)
			}
		}
	}
	size := dns.MinMsgSize
	if o := r.IsEdns0(); o != nil {
		m.SetEdns0(1232, false)
		size = max(int(o.UDPSize()), dns.MinMsgSize)
		size = min(size, 1232)
	}
	transport := "udp"
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		transport = "tcp"
	} else {
		m.Truncate(size)
	}
	if onQuery != nil {
		from, _ := netip.ParseAddrPort(w.RemoteAddr().String())
		onQuery(from, transport, a)
	}
	_ = w.WriteMsg(m)
}
