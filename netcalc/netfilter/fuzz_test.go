package netfilter

import (
	"errors"
	"net/netip"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// FuzzParse checks that Parse never panics, that every error is a
// *ParseError, and that what it accepts is written as text that parses to
// the same model and is then written identically (the writer's output is a
// fixed point). Seeds: the round-trip fixtures, the inputs below (each says
// why it is tricky) and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, file := range roundTripFiles {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(string(b))
		}
	}
	// Quotes with escapes, an empty quoted argument and one that looks
	// like an option.
	f.Add("*filter\n:A - [0:0]\n-A A -m comment --comment \"a \\\"b\\\" \\\\\" -m comment --comment \"\" -m comment --comment \"-x\" -j ACCEPT\nCOMMIT\n")
	// No final newline, tabs and double spaces, CRLF line ends.
	f.Add("*nat\n:A\t-  [0:0]\n-A A  -j  ACCEPT\r\nCOMMIT")
	// "!" in every position, implicit modules from -p by name and number.
	f.Add("*filter\n-A INPUT ! -p 6 ! --dport 1:2 -m conntrack ! --ctstate NEW ! -s 1.2.3.4 -j DROP\nCOMMIT\n")
	// Comments and blank lines inside and between tables.
	f.Add("# a\n\n*raw\n# inside\n:PREROUTING ACCEPT [1:2]\n\n-A PREROUTING -j CT --notrack\nCOMMIT\n# end\n")
	// Counters on rules, unknown modules and targets with odd options.
	f.Add("*mangle\n[1:2] -A FORWARD -m foo --bar --baz 1 2 -m foo -j BAR --x -y \"z\"\nCOMMIT\n")
	// A backslash at the very end of a quoted argument.
	f.Add("*filter\n-A INPUT -m comment --comment \"\\\nCOMMIT\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ParseString(in)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) || pe.Line < 1 {
				t.Fatalf("Parse error %v (%T) is not a *ParseError with a line", err, err)
			}
			return
		}
		out := rs.String()
		back, err := ParseString(out)
		if err != nil {
			t.Fatalf("Parse(String()) = %v\ninput:\n%q\nwritten:\n%q", err, in, out)
		}
		if diff := cmp.Diff(rs, back, cmpopts.IgnoreUnexported(Table{}, Rule{}, Option{}), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("model changed by a write and a parse (-first +second):\n%s\nwritten:\n%q", diff, out)
		}
		if again := back.String(); again != out {
			t.Fatalf("writer output is not a fixed point:\n%q\n%q", out, again)
		}
		// The walker must not panic on anything the parser accepts.
		w := &Walker{Rules: rs, Random: func() float64 { return 0.5 }, Recent: &Recent{},
			AddrType: func(a netip.Addr) AddrType { return AddrLocal }}
		for _, tb := range rs.Tables {
			for _, h := range Hooks() {
				if hasHook(tb.Name, h) {
					w.Walk(tb.Name, h, Packet{Src: client, Dst: server, Proto: packet.TCP, SrcPort: 1, DstPort: 80, State: CTNew})
				}
			}
		}
	})
}
