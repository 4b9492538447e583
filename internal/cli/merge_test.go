package cli

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go4.org/netipx"
)

// randListLine returns a random list line (address, prefix with or
// without host bits, range, comment or blank) in small windows so that
// entries overlap, and the range it stands for (invalid for no entry).
func randListLine(rng *rand.Rand) (string, netipx.IPRange) {
	v4 := rng.IntN(2) == 0
	addr := func() netip.Addr {
		n := rng.Uint32N(1 << 10)
		if v4 {
			return netip.AddrFrom4([4]byte{198, 51, 100 + byte(n>>8), byte(n)})
		}
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(n >> 8), 15: byte(n)})
	}
	switch rng.IntN(8) {
	case 0:
		return "# comment", netipx.IPRange{}
	case 1:
		return "", netipx.IPRange{}
	case 2, 3: // range
		a, b := addr(), addr()
		if b.Less(a) {
			a, b = b, a
		}
		return a.String() + "-" + b.String(), netipx.IPRangeFrom(a, b)
	default: // prefix, host bits kept as written
		a := addr()
		p := netip.PrefixFrom(a, a.BitLen()-rng.IntN(9))
		return p.String() + "  # note", netipx.RangeOfPrefix(p.Masked())
	}
}

func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := NewEnv(strings.NewReader(stdin), &out, &errb, nil)
	code = Run(context.Background(), env, args)
	return out.String(), errb.String(), code
}

func prefixLines(s *netipx.IPSet) string {
	var b strings.Builder
	for _, p := range s.Prefixes() {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// TestMergeAgainstNetipx runs merge, merge --exclude @FILE, intersect and
// range end to end on random lists and compares them with netipx.
func TestMergeAgainstNetipx(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	dir := t.TempDir()
	for i := 0; i < 60; i++ {
		var lists [2]string
		var sets [2]*netipx.IPSet
		for k := range lists {
			var lines []string
			var b netipx.IPSetBuilder
			for range 1 + rng.IntN(40) {
				line, r := randListLine(rng)
				lines = append(lines, line)
				if r.IsValid() {
					b.AddRange(r)
				}
			}
			lists[k] = strings.Join(lines, "\n") + "\n"
			sets[k], _ = b.IPSet()
		}
		fa, fb := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
		os.WriteFile(fa, []byte(lists[0]), 0o644)
		os.WriteFile(fb, []byte(lists[1]), 0o644)

		got, stderr, code := runCLI(t, lists[0], "merge")
		if want := prefixLines(sets[0]); code != 0 || got != want {
			t.Fatalf("case %d: merge of\n%s= %q (exit %d, %s); want %q", i, lists[0], got, code, stderr, want)
		}

		var sub netipx.IPSetBuilder
		sub.AddSet(sets[0])
		sub.RemoveSet(sets[1])
		want, _ := sub.IPSet()
		got, stderr, code = runCLI(t, "", "merge", fa, "--exclude", "@"+fb)
		if code != 0 || got != prefixLines(want) {
			t.Fatalf("case %d: merge --exclude @b = %q (exit %d, %s); want %q", i, got, code, stderr, prefixLines(want))
		}

		var in netipx.IPSetBuilder
		in.AddSet(sets[0])
		in.Intersect(sets[1])
		want, _ = in.IPSet()
		got, stderr, code = runCLI(t, "", "intersect", fa, fb)
		wantCode := 0
		if len(want.Prefixes()) == 0 {
			wantCode = 1
		}
		if code != wantCode || got != prefixLines(want) {
			t.Fatalf("case %d: intersect = %q (exit %d, %s); want %q exit %d", i, got, code, stderr, prefixLines(want), wantCode)
		}

		line, r := randListLine(rng)
		if r.IsValid() {
			text, _, _ := strings.Cut(line, " ")
			got, stderr, code = runCLI(t, "", "range", text)
			var b netipx.IPSetBuilder
			b.AddRange(r)
			want, _ := b.IPSet()
			if code != 0 || got != prefixLines(want) {
				t.Fatalf("case %d: range %s = %q (exit %d, %s); want %q", i, text, got, code, stderr, prefixLines(want))
			}
		}
	}
}
