package netcalc

import (
	"encoding/json"
	"math/big"
	"net/netip"
	"strings"
	"testing"
)

func TestBlockJSON(t *testing.T) {
	p := MustParsePrefix("198.51.100.0/30")
	if got, want := string(AppendSubnetJSON(nil, p)), `{"cidr":"198.51.100.0/30","first":"198.51.100.0","last":"198.51.100.3","addresses":"4","usable_hosts":"2"}`; got != want {
		t.Errorf("AppendSubnetJSON = %s; want %s", got, want)
	}
	r := MustParseEntry("2001:db8::1-2001:db8::10").Range
	if got, want := string(AppendRangeJSON(nil, r)), `{"first":"2001:db8::1","last":"2001:db8::10","addresses":"16"}`; got != want {
		t.Errorf("AppendRangeJSON = %s; want %s", got, want)
	}
	for _, s := range []string{string(AppendPrefixJSON(nil, p)), string(AppendSubnetJSON(nil, MustParsePrefix("::/0")))} {
		if !json.Valid([]byte(s)) {
			t.Errorf("invalid JSON %s", s)
		}
	}
}

func TestSetCounts(t *testing.T) {
	all := SetOfPrefixes(MustParsePrefix("::/0"), MustParsePrefix("10.0.0.0/8"), MustParsePrefix("192.0.2.0/24"))
	want := new(big.Int).Lsh(big.NewInt(1), 128)
	want.Add(want, big.NewInt(1<<24+256))
	if got := all.BigCount(); got.Cmp(want) != 0 {
		t.Errorf("BigCount = %s; want %s", got, want)
	}
	if got := all.NumPrefixes(); got != 3 {
		t.Errorf("NumPrefixes = %d; want 3", got)
	}
	c, ok := SetOfPrefixes(MustParsePrefix("10.0.0.0/24"), MustParsePrefix("10.0.3.0/24")).Cover()
	if !ok || c.Prefix != MustParsePrefix("10.0.0.0/22") || c.Extra.String() != "512" || c.Inputs.String() != "512" || c.Last != netip.MustParseAddr("10.0.3.255") {
		t.Errorf("Cover = %+v, %v; want 10.0.0.0/22 with 512 extra", c, ok)
	}
	if _, ok := all.Cover(); ok {
		t.Errorf("Cover of both families: ok = true; want false")
	}
}

func TestSplitMap(t *testing.T) {
	s, _ := SplitPrefix(MustParsePrefix("10.0.0.0/24"), 26)
	m, per := s.Map(6)
	if !per.IsZero() || !strings.HasPrefix(m.String(), "[0000") {
		t.Errorf("Map of 4 subnets = %q, %s per cell; want labels 0-3, not grouped", m.String(), per)
	}
	s, _ = SplitPrefix(MustParsePrefix("10.0.0.0/16"), 24)
	m, per = s.Map(6)
	if per.String() != "4" || !strings.Contains(m.String(), "####") {
		t.Errorf("Map of 256 subnets = %q, %s per cell; want groups of 4", m.String(), per)
	}
}
