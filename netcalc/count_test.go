package netcalc

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestCountArithmetic(t *testing.T) {
	max := new(big.Int).Lsh(big.NewInt(1), 128)
	clamp := func(v *big.Int) *big.Int {
		if v.Sign() < 0 {
			return new(big.Int)
		}
		if v.Cmp(max) > 0 {
			return new(big.Int).Set(max)
		}
		return v
	}
	r := rand.New(rand.NewPCG(5, 6))
	random := func() Count {
		switch r.IntN(4) {
		case 0:
			return PowerOfTwo(r.IntN(129))
		case 1:
			return CountFromUint64(r.Uint64())
		case 2:
			return PowerOfTwo(r.IntN(129)).Sub(CountFromUint64(uint64(r.IntN(3))))
		}
		return Count{hi: r.Uint64(), lo: r.Uint64()}
	}
	for i := 0; i < 20000; i++ {
		a, b := random(), random()
		if got, want := a.Add(b).Big(), clamp(new(big.Int).Add(a.Big(), b.Big())); got.Cmp(want) != 0 {
			t.Fatalf("%v + %v = %v; want %v", a, b, got, want)
		}
		if got, want := a.Sub(b).Big(), clamp(new(big.Int).Sub(a.Big(), b.Big())); got.Cmp(want) != 0 {
			t.Fatalf("%v - %v = %v; want %v", a, b, got, want)
		}
		if got, want := a.Cmp(b), a.Big().Cmp(b.Big()); got != want {
			t.Fatalf("Cmp(%v, %v) = %d; want %d", a, b, got, want)
		}
		var back Count
		if err := back.UnmarshalText([]byte(a.String())); err != nil || back != a {
			t.Fatalf("UnmarshalText(%s) = %v, %v", a, back, err)
		}
	}
}

func TestCountValues(t *testing.T) {
	tests := []struct {
		name string
		c    Count
		want string
	}{
		{"zero value", Count{}, "0"},
		{"2^0", PowerOfTwo(0), "1"},
		{"2^64", PowerOfTwo(64), "18446744073709551616"},
		{"2^128", PowerOfTwo(128), "340282366920938463463374607431768211456"},
		{"out of range", PowerOfTwo(129), "0"},
		{"v6 /0", PrefixCount(netip.MustParsePrefix("::/0")), "340282366920938463463374607431768211456"},
		{"whole v6 range", RangeCount(netip.MustParseAddr("::"), netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), "340282366920938463463374607431768211456"},
		{"v4 range", RangeCount(netip.MustParseAddr("10.0.0.3"), netip.MustParseAddr("10.0.0.77")), "75"},
		{"reversed range", RangeCount(netip.MustParseAddr("10.0.0.77"), netip.MustParseAddr("10.0.0.3")), "0"},
		{"mixed families", RangeCount(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::1")), "0"},
		{"saturating add", PowerOfTwo(128).Add(PowerOfTwo(3)), "340282366920938463463374607431768211456"},
		{"2^128 - 1", PowerOfTwo(128).Sub(CountFromUint64(1)), "340282366920938463463374607431768211455"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.String(); got != tt.want {
				t.Errorf("%s = %s; want %s", tt.name, got, tt.want)
			}
			b, _ := json.Marshal(tt.c)
			if string(b) != `"`+tt.want+`"` {
				t.Errorf("json.Marshal = %s; want the decimal string", b)
			}
		})
	}
	if _, ok := PowerOfTwo(64).Uint64(); ok {
		t.Error("PowerOfTwo(64).Uint64() reported it fits")
	}
	if v, ok := CountFromUint64(42).Uint64(); !ok || v != 42 {
		t.Errorf("Uint64 = %d, %v", v, ok)
	}
	var c Count
	for _, bad := range []string{"-1", "x", "340282366920938463463374607431768211457"} {
		if err := c.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) succeeded", bad)
		}
	}
}
