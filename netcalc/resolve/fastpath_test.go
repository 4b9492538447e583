package resolve

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseAddr checks that parseAddr agrees with netip.ParseAddr on
// success, whatever the shortcut for names that cannot be addresses.
func TestParseAddr(t *testing.T) {
	for _, s := range []string{"198.51.100.10", "2001:db8::1", "fe80::1%eth0", "::ffff:198.51.100.1",
		"1.2.3", "1.2.3.4.", "01.2.3.4", "", ".", "web.example.test", "n1.bench.test.", "1e2.3.4.5",
		"198.51.100.10%eth0", "[::1]", "2001:db8::g", "12345", "1..2.3"} {
		want, wantErr := netip.ParseAddr(s)
		got, err := parseAddr(s)
		if got != want || (err == nil) != (wantErr == nil) {
			t.Errorf("parseAddr(%q) = %v, %v; want %v, %v", s, got, err, want, wantErr)
		}
	}
}

// TestAppendNew checks the de-duplication of answers across types, with
// a scan for few answers and a map for many.
func TestAppendNew(t *testing.T) {
	a := func(i int) Answer {
		return Answer{Name: "x.test.", Type: TypeA, TTL: 60, Data: fmt.Sprintf("198.51.100.%d", i)}
	}
	for _, n := range []int{3, 40} {
		var first, second, want []Answer
		for i := range n {
			first = append(first, a(i), a(i)) // each twice
			second = append(second, a(i+n/2))
			want = append(want, a(i))
		}
		for i := n; i < n+n/2; i++ {
			want = append(want, a(i))
		}
		got := appendNew(nil, []outcome{{answers: first}, {answers: second}})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("appendNew with %d answers (-want +got):\n%s", 3*n, diff)
		}
	}
}
