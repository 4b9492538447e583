package resolve

import (
	"bytes"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
)

// TestPackQuery checks that the hand-packed UDP query is byte for byte
// what dns.Msg packs for the same question and options.
func TestPackQuery(t *testing.T) {
	tests := []struct {
		name string
		q    wireQuery
	}{
		{name: "A", q: wireQuery{Name: "web.example.test.", Type: TypeA}},
		{name: "AAAA with AD", q: wireQuery{Name: "web.example.test.", Type: TypeAAAA, AD: true}},
		{name: "root", q: wireQuery{Name: ".", Type: TypeNS}},
		{name: "IDN A-labels, type above 255", q: wireQuery{Name: "xn--bcher-kva.example.test.", Type: TypeCAA}},
		{name: "escaped dot and byte in a label", q: wireQuery{Name: `a\.b\032c.example.test.`, Type: TypeTXT}},
		{name: "PTR", q: wireQuery{Name: "10.100.51.198.in-addr.arpa.", Type: TypePTR}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := new(dns.Msg)
			m.SetQuestion(tt.q.Name, uint16(tt.q.Type))
			m.Id = 0xbeef
			m.RecursionDesired = true
			m.AuthenticatedData = tt.q.AD
			m.SetEdns0(ednsSize, false)
			want, err := m.Pack()
			if err != nil {
				t.Fatal(err)
			}
			got, err := packQuery(make([]byte, ednsSize), 0xbeef, tt.q)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("packQuery(%+v) = %x, %v; want %x", tt.q, got, err, want)
			}
		})
	}
	if _, err := packQuery(make([]byte, ednsSize), 1, wireQuery{Name: strings.Repeat("a", 64) + ".test.", Type: TypeA}); err == nil {
		t.Error("packQuery with a 64-octet label: no error")
	}
}

// TestRdata checks the direct formatting of A and AAAA records against
// the records' String methods, and the generic path for another type.
func TestRdata(t *testing.T) {
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: "x.test.", Rrtype: t, Class: dns.ClassINET, Ttl: 60}
	}
	rrs := []dns.RR{
		&dns.A{Hdr: hdr(dns.TypeA), A: net.ParseIP("198.51.100.10").To4()},
		&dns.A{Hdr: hdr(dns.TypeA), A: net.ParseIP("198.51.100.10")}, // 16-byte form
		&dns.A{Hdr: hdr(dns.TypeA)},
		&dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: net.ParseIP("2001:db8::10")},
		&dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: net.ParseIP("::ffff:198.51.100.10")}, // IPv4-mapped
		&dns.AAAA{Hdr: hdr(dns.TypeAAAA)},
		&dns.MX{Hdr: hdr(dns.TypeMX), Preference: 10, Mx: "mail.example.test."},
	}
	for _, rr := range rrs {
		want := strings.TrimPrefix(rr.String(), rr.Header().String())
		if got := rdata(rr); got != want {
			t.Errorf("rdata(%s) = %q; want %q", rr, got, want)
		}
	}
}

// slowReply is what the exchange made of a reply before parseSimpleReply:
// dns.Msg.Unpack, then replyOf (its question check aside).
func slowReply(msg []byte) (wireReply, []dns.Question, uint16, error) {
	r := new(dns.Msg)
	if err := r.Unpack(msg); err != nil {
		return wireReply{}, nil, 0, err
	}
	rep, err := replyOf(wireQuery{Name: "x.test.", Type: TypeA}, r, 0)
	if errors.Is(err, ErrMismatch) {
		rep, _ = replyOf(wireQuery{Name: r.Question[0].Name, Type: Type(r.Question[0].Qtype)}, r, 0)
		if len(r.Question) != 1 || r.Question[0].Qclass != dns.ClassINET {
			rep = wireReply{Rcode: Rcode(r.Rcode), AA: r.Authoritative, RA: r.RecursionAvailable, TC: r.Truncated}
			for _, rr := range r.Answer {
				h := rr.Header()
				rep.Answers = append(rep.Answers, Answer{Name: h.Name, Type: Type(h.Rrtype), TTL: h.Ttl, Data: rdata(rr)})
			}
		}
	}
	return rep, r.Question, r.Id, nil
}

// checkSimpleReply fails when parseSimpleReply accepts msg and reads it
// otherwise than dns.Msg does.
func checkSimpleReply(t *testing.T, msg []byte) (accepted bool) {
	t.Helper()
	rep, qs, id, ok := parseSimpleReply(msg)
	if !ok {
		return false
	}
	want, wantQs, wantID, err := slowReply(msg)
	if err != nil {
		t.Fatalf("parseSimpleReply(%x) accepted what dns.Msg.Unpack refuses: %v", msg, err)
	}
	if len(want.Answers) == 0 {
		want.Answers = nil
	}
	if len(rep.Answers) == 0 {
		rep.Answers = nil
	}
	if diff := cmp.Diff(want, rep); diff != "" || id != wantID || !cmp.Equal(wantQs, qs[:]) {
		t.Fatalf("parseSimpleReply(%x) (-dns.Msg +parseSimpleReply):\n%s\nID %d, %d; question %v, %v", msg, diff, id, wantID, qs, wantQs)
	}
	return true
}

// TestParseSimpleReply compares parseSimpleReply with dns.Msg on replies
// it must read (A, AAAA, IPv4-mapped AAAA, NXDOMAIN, NODATA, the EDNS0
// extended rcode, compressed names, escaped labels) and on replies it
// must leave to dns.Msg (other types, an authority section, EDNS0
// options, counts that lie, short messages).
func TestParseSimpleReply(t *testing.T) {
	mk := func(f func(m *dns.Msg)) []byte {
		m := new(dns.Msg)
		m.SetQuestion("web.example.test.", dns.TypeA)
		m.Id = 4242
		m.Response, m.RecursionAvailable = true, true
		m.SetEdns0(ednsSize, false)
		f(m)
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name   string
		msg    []byte
		simple bool
	}{
		{"A", mk(func(m *dns.Msg) { m.Answer = []dns.RR{rr("web.example.test. 60 IN A 198.51.100.10")} }), true},
		{"two A, compressed", mk(func(m *dns.Msg) {
			m.Compress = true
			m.Answer = []dns.RR{rr("web.example.test. 60 IN A 198.51.100.10"), rr("web.example.test. 60 IN A 198.51.100.11")}
		}), true},
		{"AAAA and mapped AAAA", mk(func(m *dns.Msg) {
			m.Question[0].Qtype = dns.TypeAAAA
			m.Answer = []dns.RR{rr("web.example.test. 60 IN AAAA 2001:db8::10"), rr("web.example.test. 60 IN AAAA ::ffff:198.51.100.1")}
		}), true},
		{"escaped label", mk(func(m *dns.Msg) { m.Answer = []dns.RR{rr(`a\.b\032c.example.test. 60 IN A 198.51.100.10`)} }), true},
		{"NXDOMAIN", mk(func(m *dns.Msg) { m.Rcode = dns.RcodeNameError }), true},
		{"NODATA, AA, TC", mk(func(m *dns.Msg) { m.Authoritative, m.Truncated = true, true }), true},
		{"no EDNS0", mk(func(m *dns.Msg) { m.Extra = nil; m.Answer = []dns.RR{rr("web.example.test. 60 IN A 198.51.100.10")} }), true},
		{"extended rcode BADVERS", mk(func(m *dns.Msg) { m.Rcode = dns.RcodeBadVers }), true},
		{"wrong question", mk(func(m *dns.Msg) { m.Question[0].Name = "other.test." }), true},
		{"CNAME", mk(func(m *dns.Msg) {
			m.Answer = []dns.RR{rr("www.example.test. 60 IN CNAME web.example.test."), rr("web.example.test. 60 IN A 198.51.100.10")}
		}), false},
		{"authority", mk(func(m *dns.Msg) { m.Ns = []dns.RR{rr("example.test. 60 IN SOA ns. h. 1 2 3 4 5")} }), false},
		{"EDNS0 option", mk(func(m *dns.Msg) {
			m.Extra[0].(*dns.OPT).Option = []dns.EDNS0{&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"}}
		}), false},
		{"MX", mk(func(m *dns.Msg) { m.Answer = []dns.RR{rr("example.test. 60 IN MX 10 mail.example.test.")} }), false},
	}
	tests = append(tests, struct {
		name   string
		msg    []byte
		simple bool
	}{"answer name a pointer to a question name of 126 pointers", pointerChain(), false})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkSimpleReply(t, tt.msg); got != tt.simple {
				t.Errorf("parseSimpleReply read it: %v; want %v", got, tt.simple)
			}
			// Every cut of the message: never read otherwise than dns.Msg.
			for n := range len(tt.msg) {
				checkSimpleReply(t, tt.msg[:n])
			}
			// A count that lies: one answer more than there are.
			b := slices.Clone(tt.msg)
			b[7]++
			checkSimpleReply(t, b)
		})
	}
}

// pointerChain is a reply whose question name is "a." behind 126
// compression pointers, dns.Msg's limit, and whose answer's owner is a
// pointer to the question's name: 127 pointers, which dns.Msg refuses.
func pointerChain() []byte {
	b := []byte{0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}
	b = append(b, 0xc0, 34, 0, 1, 0, 1)                                      // question: a pointer to offset 34, type A, class IN
	b = append(b, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 10) // answer at 18, owner: a pointer to the question's name
	for i := range 125 {
		to := 34 + 2*(i+1)
		b = append(b, 0xc0|byte(to>>8), byte(to)) // 125 more pointers from offset 34
	}
	return append(b, 1, 'a', 0)
}

// FuzzParseSimpleReply checks that parseSimpleReply never reads a message
// otherwise than dns.Msg.Unpack does.
func FuzzParseSimpleReply(f *testing.F) {
	m := new(dns.Msg)
	m.SetQuestion("web.example.test.", dns.TypeA)
	m.SetEdns0(ednsSize, false)
	m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "web.example.test.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP("198.51.100.10")}}
	b, _ := m.Pack()
	f.Add(b) // a plain answer
	m.Compress = true
	b, _ = m.Pack()
	f.Add(b)              // the owner name a compression pointer
	f.Add(pointerChain()) // one pointer too many through the question's name
	f.Fuzz(func(t *testing.T, msg []byte) { checkSimpleReply(t, msg) })
}
