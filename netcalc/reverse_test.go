package netcalc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

func TestReverseZones(t *testing.T) {
	tests := []struct {
		prefix string
		want   []string // "PREFIX ZONE [PARENT]"
	}{
		{"192.0.2.0/24", []string{"192.0.2.0/24 2.0.192.in-addr.arpa."}},
		{"10.0.0.0/8", []string{"10.0.0.0/8 10.in-addr.arpa."}},
		{"0.0.0.0/0", []string{"0.0.0.0/0 in-addr.arpa."}},
		{"192.0.2.1/32", []string{"192.0.2.1/32 1.2.0.192.in-addr.arpa."}},
		{"198.51.100.0/22", []string{
			"198.51.100.0/24 100.51.198.in-addr.arpa.", "198.51.101.0/24 101.51.198.in-addr.arpa.",
			"198.51.102.0/24 102.51.198.in-addr.arpa.", "198.51.103.0/24 103.51.198.in-addr.arpa.",
		}},
		{"172.16.0.0/15", []string{"172.16.0.0/16 16.172.in-addr.arpa.", "172.17.0.0/16 17.172.in-addr.arpa."}},
		// RFC 2317 section 4's example delegations.
		{"192.0.2.0/25", []string{"192.0.2.0/25 0/25.2.0.192.in-addr.arpa. 2.0.192.in-addr.arpa."}},
		{"192.0.2.128/26", []string{"192.0.2.128/26 128/26.2.0.192.in-addr.arpa. 2.0.192.in-addr.arpa."}},
		{"192.0.2.200/26", []string{"192.0.2.192/26 192/26.2.0.192.in-addr.arpa. 2.0.192.in-addr.arpa."}},
		{"2001:db8::/32", []string{"2001:db8::/32 8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"2001:db8::/34", []string{"2001:db8::/36 0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:1000::/36 1.8.b.d.0.1.0.0.2.ip6.arpa.",
			"2001:db8:2000::/36 2.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:3000::/36 3.8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"2001:db8:0:8::/63", []string{"2001:db8:0:8::/64 8.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8:0:9::/64 9.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"::/0", []string{"::/0 ip6.arpa."}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			var got []string
			for _, z := range ReverseZones(netip.MustParsePrefix(tt.prefix)) {
				got = append(got, strings.TrimSpace(fmt.Sprintf("%s %s %s", z.Prefix, z.Zone, z.Parent)))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("ReverseZones(%s) =\n%s\nwant\n%s", tt.prefix, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestClasslessCNAMEsRFC2317 checks the records of RFC 2317 section 4's
// example zone file for 192.0.2.0/25 and 192.0.2.128/26.
func TestClasslessCNAMEsRFC2317(t *testing.T) {
	cs := ClasslessCNAMEs(netip.MustParsePrefix("192.0.2.0/25"))
	if len(cs) != 128 {
		t.Fatalf("ClasslessCNAMEs(/25) gave %d records, want 128", len(cs))
	}
	if got, want := cs[1].String(), "1.2.0.192.in-addr.arpa.\tCNAME\t1.0/25.2.0.192.in-addr.arpa."; got != want {
		t.Errorf("record 1 = %q; want %q", got, want)
	}
	cs = ClasslessCNAMEs(netip.MustParsePrefix("192.0.2.128/26"))
	if got, want := cs[1].String(), "129.2.0.192.in-addr.arpa.\tCNAME\t129.128/26.2.0.192.in-addr.arpa."; len(cs) != 64 || got != want {
		t.Errorf("ClasslessCNAMEs(192.0.2.128/26)[1] = %q (of %d); want %q (of 64)", got, len(cs), want)
	}
	for _, p := range []string{"192.0.2.0/24", "192.0.2.1/32", "2001:db8::/126"} {
		if cs := ClasslessCNAMEs(netip.MustParsePrefix(p)); cs != nil {
			t.Errorf("ClasslessCNAMEs(%s) = %v; want nil", p, cs)
		}
	}
}

// TestReverseZonesCoverExactly checks, on random prefixes, that the zones
// partition the prefix, and that every address's PTR name ends in the
// zone of the part holding it (except RFC 2317 zones, reached by CNAME).
func TestReverseZonesCoverExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(2317, 0))
	for i := 0; i < 3000; i++ {
		p := randomPrefix(r).Masked()
		zs := ReverseZones(p)
		var b SetBuilder
		total := Count{}
		for _, z := range zs {
			b.AddPrefix(z.Prefix)
			total = total.Add(PrefixCount(z.Prefix))
			a := z.Prefix.Addr()
			ptr := PTR(a)
			if z.Classless() {
				if !strings.HasSuffix(ptr, "."+z.Parent) || z.Prefix.Bits() <= 24 || z.Prefix.Bits() >= 32 {
					t.Fatalf("ReverseZones(%v): classless zone %+v does not fit %s", p, z, ptr)
				}
				continue
			}
			if !strings.HasSuffix("."+ptr, "."+z.Zone) {
				t.Fatalf("ReverseZones(%v): %s is not under zone %s", p, ptr, z.Zone)
			}
		}
		if !b.Set().Equal(SetOfPrefixes(p)) || total.Cmp(PrefixCount(p)) != 0 {
			t.Fatalf("ReverseZones(%v) = %v: the parts are not the prefix exactly", p, zs)
		}
	}
}
