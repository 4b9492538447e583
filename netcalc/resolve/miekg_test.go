package resolve

import (
	"bytes"
	"net"
	"strings"
	"testing"

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
