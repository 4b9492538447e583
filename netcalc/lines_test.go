package netcalc

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// TestDecimalTable checks the literal table that replaced one built with
// strconv at init.
func TestDecimalTable(t *testing.T) {
	for i, s := range decimal {
		if s != strconv.Itoa(i) {
			t.Errorf("decimal[%d] = %q", i, s)
		}
	}
}

// TestAppendAddrLines compares AppendAddrLines, called again from the
// address it returns until it is done, with netip's formatter address by
// address, on random ranges of both families (octet and family
// boundaries included) and random limits.
func TestAppendAddrLines(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	ranges := [][2]string{{"0.0.0.0", "0.0.1.3"}, {"10.0.0.250", "10.0.2.5"}, {"255.255.254.200", "255.255.255.255"},
		{"198.51.100.7", "198.51.100.7"}, {"2001:db8::fffe", "2001:db8::1:3"}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}}
	for i := 0; i < 50; i++ {
		lo := netip.AddrFrom4([4]byte{byte(rnd.IntN(256)), byte(rnd.IntN(256)), byte(rnd.IntN(256)), byte(rnd.IntN(256))})
		hi := lo
		for n := rnd.IntN(700); n > 0 && hi.Next().IsValid(); n-- {
			hi = hi.Next()
		}
		ranges = append(ranges, [2]string{lo.String(), hi.String()})
	}
	for _, r := range ranges {
		first, last := netip.MustParseAddr(r[0]), netip.MustParseAddr(r[1])
		var want strings.Builder
		for a := first; ; a = a.Next() {
			want.WriteString("<" + a.String() + ">\n")
			if a == last {
				break
			}
		}
		limit := 1 + rnd.IntN(4000)
		var got []byte
		calls := 0
		for a := first; a.IsValid(); calls++ {
			got, a = AppendAddrLines(got, a, last, "<", ">\n", len(got)+limit)
		}
		if string(got) != want.String() {
			t.Errorf("AppendAddrLines(%s-%s, limit %d) in %d calls = %q...; want %q...", first, last, limit, calls, got[:min(len(got), 60)], want.String()[:min(want.Len(), 60)])
		}
	}
}
