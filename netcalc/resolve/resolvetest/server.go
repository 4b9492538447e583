// Package resolvetest runs an in-process DNS server on a loopback port (UDP
// and TCP on the same port) for tests of netcalc/resolve and its CLI. It
// answers from a zone given as zone-file lines, logs every query in order,
// and can be told to misbehave per name: fail with an rcode, stay silent,
// truncate, send mismatched replies or lame answers.
package resolvetest

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Rule makes the server misbehave for one name. The zero Rule answers
// normally.
type Rule struct {
	Rcode    int           // reply with this rcode and no records (2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED)
	Drop     bool          // never reply: the client times out
	Truncate bool          // over UDP, reply with TC set and no records
	AlwaysTC bool          // set TC over TCP too
	BadID    bool          // over UDP, first send a reply with a wrong ID, then the right one
	OnlyBad  bool          // over UDP, send only a reply with a wrong ID (the client times out)
	WrongQ   bool          // reply with a different question name
	Lame     bool          // NOERROR without AA, RA or records
	NoChase  bool          // answer a CNAME without following it, as a server that does not know the target
	Delay    time.Duration // wait this long before replying
	// MinimalANY answers an ANY query as RFC 8482 §4.2 allows (Cloudflare
	// and BIND's minimal-any): one synthesised HINFO "RFC8482" "" record
	// instead of every record of the name.
	MinimalANY bool
}

// Query is one query the server received.
type Query struct {
	Net  string         // "udp" or "tcp"
	Name string         // as received, fully qualified
	Type string         // mnemonic, "A"
	From netip.AddrPort // the client's address and source port
}

// String returns "NET TYPE NAME".
func (q Query) String() string { return q.Net + " " + q.Type + " " + q.Name }

// Server is a running test DNS server.
type Server struct {
	// Addr is the loopback address and port it listens on (UDP and TCP).
	Addr netip.AddrPort

	mu    sync.Mutex
	rrs   []dns.RR
	names map[string]bool
	rules map[string]Rule // lower-case FQDN; "*" for every name
	log   []Query
	udp   *dns.Server
	tcp   *dns.Server
}

// Start starts a server on 127.0.0.1 answering from zone (zone-file lines
// with fully qualified owner names, "$TTL" not needed: "web.example.test.
// 60 IN A 198.51.100.10"; '#' and ';' lines are comments) and stops it when
// the test ends.
func Start(t testing.TB, zone string) *Server {
	t.Helper()
	s, err := Listen(zone)
	if err != nil {
		t.Fatalf("resolvetest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen starts a server like Start without a testing.TB; call Close.
func Listen(zone string) (*Server, error) { return ListenAt(zone, "127.0.0.1:0") }

// ListenAt is Listen on addr, a loopback address and port ("127.53.7.2:53"
// for a C library that asks only port 53; port 0 picks a free one).
func ListenAt(zone, addr string) (*Server, error) {
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("ListenAt: %q is not a loopback address and port", addr)
	}
	s := &Server{names: map[string]bool{}, rules: map[string]Rule{}}
	for i, line := range strings.Split(zone, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			return nil, fmt.Errorf("zone line %d: %v", i+1, err)
		}
		s.rrs = append(s.rrs, rr)
		n := strings.ToLower(rr.Header().Name)
		s.names[n] = true
	}
	var pc net.PacketConn
	var l net.Listener
	var err error
	for try := 0; try < 20; try++ {
		pc, err = net.ListenPacket("udp", addr)
		if err != nil {
			return nil, err
		}
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("no free UDP+TCP port: %v", err)
	}
	s.Addr = netip.MustParseAddrPort(pc.LocalAddr().String())
	h := dns.HandlerFunc(s.serve)
	var wg sync.WaitGroup
	wg.Add(2)
	s.udp = &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: wg.Done}
	s.tcp = &dns.Server{Listener: l, Handler: h, NotifyStartedFunc: wg.Done}
	go s.udp.ActivateAndServe()
	go s.tcp.ActivateAndServe()
	wg.Wait()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

// SetRule makes the server misbehave for name (fully qualified,
// case-insensitive), or for every name when name is "*".
func (s *Server) SetRule(name string, r Rule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules[strings.ToLower(name)] = r
}

// Queries returns the queries received so far, in arrival order.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.log...)
}

// Log returns Queries as strings ("udp A web.example.test.").
func (s *Server) Log() []string {
	var out []string
	for _, q := range s.Queries() {
		out = append(out, q.String())
	}
	return out
}

// Reset forgets the queries received so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	network := w.LocalAddr().Network()
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	from, _ := netip.ParseAddrPort(w.RemoteAddr().String())
	s.log = append(s.log, Query{Net: network, Name: q.Name, Type: dns.TypeToString[q.Qtype], From: from})
	rule, ok := s.rules[name]
	if !ok {
		rule = s.rules["*"]
	}
	s.mu.Unlock()

	if rule.Delay > 0 {
		time.Sleep(rule.Delay)
	}
	if rule.Drop {
		return
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative, m.RecursionAvailable = true, true
	size := uint16(dns.MinMsgSize)
	if opt := req.IsEdns0(); opt != nil {
		size = opt.UDPSize()
		if size > 1232 {
			size = 1232
		}
		m.SetEdns0(size, false)
	}
	switch {
	case rule.Rcode != 0:
		m.Rcode = rule.Rcode
	case rule.Lame:
		m.Authoritative, m.RecursionAvailable = false, false
	case network == "udp" && rule.Truncate, rule.AlwaysTC:
		m.Truncated = true
	case rule.MinimalANY && q.Qtype == dns.TypeANY:
		m.Answer = append(m.Answer, &dns.HINFO{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeHINFO, Class: dns.ClassINET, Ttl: 3789},
			Cpu: "RFC8482",
		})
	default:
		s.answer(m, name, q.Qtype, !rule.NoChase)
	}
	if rule.WrongQ {
		m.Question[0].Name = "wrong." + m.Question[0].Name
	}
	if network == "udp" {
		if !m.Truncated {
			m.Truncate(int(size))
		}
		if rule.BadID || rule.OnlyBad {
			bad := m.Copy()
			bad.Id++
			w.WriteMsg(bad)
			if rule.OnlyBad {
				return
			}
		}
	}
	w.WriteMsg(m)
}

// answer fills m from the zone, following CNAMEs inside it as an
// authoritative server does.
func (s *Server) answer(m *dns.Msg, name string, qtype uint16, chase bool) {
	if !s.names[name] {
		m.Rcode = dns.RcodeNameError
		return
	}
	seen := map[string]bool{}
	for cur := name; !seen[cur]; {
		seen[cur] = true
		var next string
		found := false
		for _, rr := range s.rrs {
			h := rr.Header()
			if strings.ToLower(h.Name) != cur {
				continue
			}
			if h.Rrtype == qtype || qtype == dns.TypeANY {
				m.Answer = append(m.Answer, dns.Copy(rr))
				found = true
			} else if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				m.Answer = append(m.Answer, dns.Copy(rr))
				next = strings.ToLower(c.Target)
			}
		}
		if found || next == "" || !chase || !s.names[next] {
			return
		}
		cur = next
	}
}
