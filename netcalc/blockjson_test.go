package netcalc

import (
	"encoding/json"
	"math/big"
	"net/netip"
	"strings"
	"testing"

	"go4.org/netipx"
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

func TestSetSummary(t *testing.T) {
	s := SetOfPrefixes(MustParsePrefix("198.51.100.0/25"), MustParsePrefix("198.51.100.128/26"), MustParsePrefix("2001:db8::/127"))
	got, err := json.Marshal(s.Summary())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"addresses":"194","ipv4":"192","ipv6":"2","cidrs":3,"ranges":2}`; string(got) != want {
		t.Errorf("Summary JSON = %s; want %s", got, want)
	}
	if got, want := SetOfPrefixes().Summary(), (SetSummary{Addresses: "0"}); got != want {
		t.Errorf("empty Summary = %+v; want %+v", got, want)
	}
}

func TestOverlapJSON(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string
	}{
		{"two CIDRs", "198.51.100.0/24", "198.51.100.64-198.51.100.191",
			`{"a":"198.51.100.0/24","b":"198.51.100.64-198.51.100.191","overlap":["198.51.100.64/26","198.51.100.128/26"],"addresses":"128"}`},
		{"one address, quoted text", "2001:db8::1", `2001:db8::/64 "x"`,
			`{"a":"2001:db8::1","b":"2001:db8::/64 \"x\"","overlap":["2001:db8::1/128"],"addresses":"1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ra := MustParseEntry(tt.a).Range
			rb := MustParseEntry(strings.Fields(tt.b)[0]).Range
			os := Overlaps([]netipx.IPRange{ra, rb})
			if len(os) != 1 {
				t.Fatalf("Overlaps(%s, %s) = %v; want one pair", tt.a, tt.b, os)
			}
			got := string(os[0].AppendJSON(nil, tt.a, tt.b))
			if got != tt.want || !json.Valid([]byte(got)) {
				t.Errorf("AppendJSON = %s; want %s", got, tt.want)
			}
		})
	}
}

func TestTreeLineJSON(t *testing.T) {
	tests := []struct {
		name string
		l    TreeLine
		want string
	}{
		{"branch", TreeLine{Prefix: MustParsePrefix("198.51.100.0/24"), Kind: TreeBranch}, `{"cidr":"198.51.100.0/24","depth":0,"kind":"branch"}`},
		{"labelled leaf", TreeLine{Prefix: MustParsePrefix("2001:db8::/64"), Depth: 3, Kind: TreeLeaf, Label: `#1 "web"`},
			`{"cidr":"2001:db8::/64","depth":3,"kind":"leaf","label":"#1 \"web\""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.l.AppendJSON(nil)); got != tt.want {
				t.Errorf("AppendJSON = %s; want %s", got, tt.want)
			}
		})
	}
}
