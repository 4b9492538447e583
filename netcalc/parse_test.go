package netcalc

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // Spec.String()
		mask     MaskForm
	}{
		{"length", "192.168.1.10/24", "192.168.1.10/24", MaskLength},
		{"netmask after slash", "192.168.1.10/255.255.255.0", "192.168.1.10/24", MaskNetmask},
		{"netmask after space", "192.168.1.10 255.255.255.0", "192.168.1.10/24", MaskNetmask},
		{"length after space (ipcalc)", "192.168.1.10 24", "192.168.1.10/24", MaskLength},
		{"length after tab", "192.168.1.10\t30", "192.168.1.10/30", MaskLength},
		{"v6 length after space", "2001:db8::1 64", "2001:db8::1/64", MaskLength},
		{"length 0 after space", "10.0.0.1 0", "10.0.0.1/0", MaskLength},
		{"wildcard", "192.168.1.10 0.0.0.255", "192.168.1.10/24", MaskWildcard},
		{"wildcard /30", "10.0.0.1 0.0.0.3", "10.0.0.1/30", MaskWildcard},
		{"netmask 0.0.0.0 is /0", "10.0.0.1 0.0.0.0", "10.0.0.1/0", MaskNetmask},
		{"netmask all ones is /32", "10.0.0.1/255.255.255.255", "10.0.0.1/32", MaskNetmask},
		{"bare v4", "10.1.2.3", "10.1.2.3/32", MaskImplicit},
		{"bare v6", "2001:db8::1", "2001:db8::1/128", MaskImplicit},
		{"surrounding space", "  10.0.0.1/8\t", "10.0.0.1/8", MaskLength},
		{"v6", "2001:db8::1/64", "2001:db8::1/64", MaskLength},
		{"v6 uppercase", "2001:DB8::A/64", "2001:db8::a/64", MaskLength},
		{"v6 full form", "2001:0db8:0000:0000:0000:0000:0000:0001/64", "2001:db8::1/64", MaskLength},
		{"v6 zone", "fe80::1%eth0/64", "fe80::1%eth0/64", MaskLength},
		{"v4-mapped", "::ffff:10.0.0.1/120", "::ffff:10.0.0.1/120", MaskLength},
		{"v4-compatible text", "::10.0.0.1/96", "::a00:1/96", MaskLength},
		{"/0", "0.0.0.0/0", "0.0.0.0/0", MaskLength},
		{"v6 /0", "::/0", "::/0", MaskLength},
		{"v6 /128", "::1/128", "::1/128", MaskLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSpec(tt.in)
			if err != nil {
				t.Fatalf("ParseSpec(%q) error: %v", tt.in, err)
			}
			if got.String() != tt.want || got.Mask != tt.mask {
				t.Errorf("ParseSpec(%q) = %s (%s); want %s (%s)", tt.in, got, got.Mask, tt.want, tt.mask)
			}
			// Round trip: the canonical text parses to the same Spec prefix.
			again, err := ParseSpec(got.String())
			if err != nil || again.Prefix != got.Prefix || again.Zone != got.Zone {
				t.Errorf("round trip of %s = %v, %v", got, again, err)
			}
			// MarshalText agrees with String, and UnmarshalText inverts it.
			text, err := got.MarshalText()
			if err != nil || string(text) != got.String() {
				t.Errorf("MarshalText(%s) = %q, %v; want String's %q", got, text, err, got.String())
			}
			var back Spec
			if err := back.UnmarshalText(text); err != nil || back.Prefix != got.Prefix || back.Zone != got.Zone {
				t.Errorf("UnmarshalText(%q) = %v, %v; want %v", text, back, err, got)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	tests := []struct {
		name, in string
		err      error
		msg      string // the exact message
	}{
		{"octet range", "192.168.1.300/24", ErrOctetRange, `netcalc: "192.168.1.300/24": octet 4 is 300, must be 0-255`},
		{"leading zero", "010.0.0.1", ErrLeadingZero, `netcalc: "010.0.0.1": octet 1 is "010": a leading zero is ambiguous (octal or decimal?), write 10`},
		{"leading zero in mask", "10.0.0.1 255.255.255.00", ErrLeadingZero, `netcalc: "10.0.0.1 255.255.255.00": octet 4 is "00": a leading zero is ambiguous (octal or decimal?), write 0`},
		{"prefix too long v4", "10.0.0.1/33", ErrPrefixLength, `netcalc: "10.0.0.1/33": prefix length 33 is out of range, must be 0-32 for IPv4`},
		{"prefix too long v6", "2001:db8::/129", ErrPrefixLength, `netcalc: "2001:db8::/129": prefix length 129 is out of range, must be 0-128 for IPv6`},
		{"huge prefix", "10.0.0.1/99999999999999999999", ErrPrefixLength, `netcalc: "10.0.0.1/99999999999999999999": prefix length 99999999999999999999 is out of range, must be 0-32 for IPv4`},
		{"negative prefix", "10.0.0.1/-1", ErrSyntax, `netcalc: "10.0.0.1/-1": prefix length "-1" is not a number, expected 0-32 or a dotted mask`},
		{"prefix leading zero", "10.0.0.1/024", ErrSyntax, `netcalc: "10.0.0.1/024": prefix length "024" has a leading zero, expected 0-32`},
		{"non-contiguous", "10.0.0.1/255.0.255.0", ErrMask, `netcalc: "10.0.0.1/255.0.255.0": mask 255.0.255.0 is not contiguous: a netmask is ones then zeros (255.255.255.0), a wildcard mask zeros then ones (0.0.0.255)`},
		{"trailing garbage", "10.0.0.1x", ErrSyntax, `netcalc: "10.0.0.1x": unexpected "x" after octet 4, expected a number 0-255`},
		{"trailing garbage after length", "10.0.0.1/24x", ErrSyntax, `netcalc: "10.0.0.1/24x": prefix length "24x" is not a number, expected 0-32 or a dotted mask`},
		{"trailing token", "10.0.0.1 255.255.255.0 junk", ErrSyntax, `netcalc: "10.0.0.1 255.255.255.0 junk": unexpected "junk" after the mask or length, expected ADDR/LEN, ADDR/MASK, ADDR MASK or ADDR LEN`},
		// "ADDR LEN" (issue 9, defect 8): the bare number is a prefix length, checked as one
		{"length after space too long v4", "192.168.1.10 33", ErrPrefixLength, `netcalc: "192.168.1.10 33": prefix length 33 is out of range, must be 0-32 for IPv4`},
		{"length after space too long v6", "2001:db8::1 129", ErrPrefixLength, `netcalc: "2001:db8::1 129": prefix length 129 is out of range, must be 0-128 for IPv6`},
		{"length after space leading zero", "10.0.0.1 08", ErrSyntax, `netcalc: "10.0.0.1 08": prefix length "08" has a leading zero, expected 0-32`},
		{"length after space and slash", "10.0.0.1/24 8", ErrSyntax, `netcalc: "10.0.0.1/24 8": unexpected "8" after "10.0.0.1/24", which already has a prefix length`},
		{"trailing token after length", "10.0.0.1 24 8", ErrSyntax, `netcalc: "10.0.0.1 24 8": unexpected "8" after the mask or length, expected ADDR/LEN, ADDR/MASK, ADDR MASK or ADDR LEN`},
		{"fifth octet", "1.2.3.4.5", ErrSyntax, `netcalc: "1.2.3.4.5": unexpected ".5" after the 4th octet of an IPv4 address`},
		{"three octets, bare", "10.0.0", ErrSyntax, `netcalc: "10.0.0": 3 octets, expected 4 (a.b.c.d)`},
		{"comma list", "10.0.0.0/8,10.0.0.1", ErrSyntax, `netcalc: "10.0.0.0/8,10.0.0.1": unexpected ",": give one address or prefix per argument or line`},
		{"three octets", "10.0.0/8", ErrSyntax, `netcalc: "10.0.0/8": "10.0.0" has 3 octets, expected 4 (a.b.c.d)`},
		{"empty", "", ErrEmpty, `netcalc: "": empty input, expected an address or prefix such as 192.168.1.10/24`},
		{"blank", "   ", ErrEmpty, `netcalc: "   ": empty input, expected an address or prefix such as 192.168.1.10/24`},
		{"empty octet", "10..0.1", ErrSyntax, `netcalc: "10..0.1": octet 2 is empty, expected a number 0-255`},
		{"word", "router", ErrSyntax, `netcalc: "router": not an IP address, expected IPv4 a.b.c.d or IPv6`},
		{"missing length", "10.0.0.1/", ErrSyntax, `netcalc: "10.0.0.1/": missing prefix length after "/"`},
		{"missing address", "/24", ErrSyntax, `netcalc: "/24": missing address, expected an IP address`},
		{"bad v6", "2001:db8:::1/64", ErrSyntax, `netcalc: "2001:db8:::1/64": not an IPv6 address: each colon-separated field must have at least one digit (at ":1")`},
		{"v6 dotted mask", "2001:db8::1/255.255.255.0", ErrSyntax, `netcalc: "2001:db8::1/255.255.255.0": dotted mask "255.255.255.0" needs an IPv4 address; write an IPv6 prefix length such as /64`},
		{"v4 zone", "10.0.0.1%eth0", ErrSyntax, `netcalc: "10.0.0.1%eth0": unexpected "%eth0" after octet 4, expected a number 0-255`},
		// found by FuzzParseSpec: a zone swallowed the "/" and the length became a mask field
		{"zone with slash", "fe80::%21/ 0", ErrSyntax, `netcalc: "fe80::%21/ 0": unexpected "0" after "fe80::%21/", which already has a prefix length`},
		{"zone with slash, no space", "fe80::%eth/0/64", ErrSyntax, `netcalc: "fe80::%eth/0/64": prefix length "0/64" is not a number, expected 0-128 or a dotted mask`},
		{"mapped leading zero", "::ffff:010.0.0.1", ErrSyntax, `netcalc: "::ffff:010.0.0.1": not an IPv6 address: IPv4 field has octet with leading zero`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSpec(tt.in)
			if err == nil {
				t.Fatalf("ParseSpec(%q) succeeded; want error %v", tt.in, tt.err)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseSpec(%q) error %v; want errors.Is %v", tt.in, err, tt.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Input != tt.in {
				t.Errorf("ParseSpec(%q) error %#v; want *ParseError with Input %q", tt.in, err, tt.in)
			}
			if err.Error() != tt.msg {
				t.Errorf("ParseSpec(%q) error =\n  %s\nwant\n  %s", tt.in, err, tt.msg)
			}
		})
	}
}

func TestParsePrefixRejectsZone(t *testing.T) {
	if _, err := ParsePrefix("fe80::1%eth0/64"); !errors.Is(err, ErrZone) {
		t.Errorf("ParsePrefix with zone = %v; want ErrZone", err)
	}
	if p := MustParsePrefix("10.1.2.3/8"); p != netip.MustParsePrefix("10.1.2.3/8") {
		t.Errorf("MustParsePrefix kept %v; want host bits kept", p)
	}
}

func TestSpecConstructors(t *testing.T) {
	if got := SpecFrom(netip.MustParseAddr("fe80::1%eth0"), 64); got != MustParseSpec("fe80::1%eth0/64") {
		t.Errorf("SpecFrom = %+v; want %+v", got, MustParseSpec("fe80::1%eth0/64"))
	}
	if SpecFrom(netip.MustParseAddr("10.0.0.1"), 33).IsValid() {
		t.Error("SpecFrom with /33 is valid")
	}
	var zero Spec
	if text, _ := zero.MarshalText(); len(text) != 0 {
		t.Errorf("zero Spec MarshalText = %q; want empty", text)
	}
	if err := zero.UnmarshalText([]byte("10.0.0.1/40")); err == nil {
		t.Error("UnmarshalText accepted /40")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseSpec did not panic on bad input")
		}
	}()
	MustParseSpec("010.0.0.1")
}

// TestParseErrorsQuoteAtMost80 checks that a huge token's parts are quoted
// cut to 80 characters with "…" in the message (issue 9, defect 3).
func TestParseErrorsQuoteAtMost80(t *testing.T) {
	long := strings.Repeat("1", 3000000)
	for _, in := range []string{
		"10.0.0.1/" + long + "x",        // not a number
		"10.0.0.1/" + long,              // out of range
		"10.0.0.1 " + long + " " + long, // trailing token
		"10.0.0." + long,                // octet out of range
		"10.0.0.1" + strings.Repeat("x", 1000),
		"fe80::1%" + strings.Repeat("e", 1000) + "/64 9",
		"2001:db8::" + strings.Repeat("g", 1000),
	} {
		_, err := ParseSpec(in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("ParseSpec(%.20q...) = %v; want a *ParseError", in, err)
		}
		if len(pe.Msg) > 300 || (len(in) > 200 && !strings.Contains(pe.Msg, "…")) {
			t.Errorf("ParseSpec(%.20q...) message is %d bytes: %.200s", in, len(pe.Msg), pe.Msg)
		}
	}
	if got := cut(strings.Repeat("é", 81)); got != strings.Repeat("é", 80)+"…" {
		t.Errorf("cut of 81 runes = %q", got)
	}
	if got := cut("short"); got != "short" {
		t.Errorf("cut(short) = %q", got)
	}
}

func TestParseSpecMask(t *testing.T) {
	for _, tt := range []struct{ addr, mask, want string }{
		{"192.168.1.10", "255.255.255.0", "192.168.1.10/24"},
		{"192.168.1.10", "0.0.0.255", "192.168.1.10/24"},
		{"192.168.1.10", "/26", "192.168.1.10/26"},
		{"2001:db8::1", "48", "2001:db8::1/48"},
	} {
		got, err := ParseSpecMask(tt.addr, tt.mask)
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseSpecMask(%q, %q) = %v, %v; want %s", tt.addr, tt.mask, got, err, tt.want)
		}
	}
}

// TestParseAddrAgreesWithNetip checks the hand-written IPv4 parser against
// net/netip on every kind of dotted text, including leading zeros (both
// reject them).
func TestParseAddrAgreesWithNetip(t *testing.T) {
	inputs := []string{"0.0.0.0", "255.255.255.255", "1.2.3.4", "01.2.3.4", "1.2.3.04", "256.1.1.1",
		"1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.-4", "1.2.3.+4", "1.2.3.4 ", "१.2.3.4", "0x1.2.3.4", "1.2.3.0400"}
	for _, s := range inputs {
		want, werr := netip.ParseAddr(s)
		got, gerr := ParseAddr(s)
		if (werr == nil) != (gerr == nil) || got != want {
			t.Errorf("ParseAddr(%q) = %v, %v; netip says %v, %v", s, got, gerr, want, werr)
		}
	}
}

// FuzzParseSpec checks that the parser never panics, that what it accepts
// round-trips through String, and that it agrees with net/netip on the
// ADDR/LEN form.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"192.168.1.10/24",             // the classic
		"010.0.0.1",                   // octal ambiguity
		"1.2.3.4/255.255.255.0",       // dotted netmask
		"1.2.3.4 0.0.0.255",           // wildcard mask, space form
		"1.2.3.4/255.0.255.0",         // non-contiguous
		"fe80::1%eth0/64",             // zone
		"::ffff:10.0.0.1/120",         // IPv4-mapped
		"2001:db8::/129",              // out of range
		"1.2.3.4/4294967328",          // overflows 32-bit length
		"::%/0",                       // empty zone
		"1.2.3.4  255.255.255.255  x", // extra field
		"",                            // empty
		"192.168.1.10 24",             // ADDR LEN, as ipcalc reads it
		"2001:db8::1 64",              // ADDR LEN, IPv6
		"10.0.0.1 33",                 // ADDR LEN out of range
		"10.0.0.1/24 8",               // a length twice
		"10.0.0.1 024",                // ADDR LEN with a leading zero
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpec(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Input != s {
				t.Fatalf("ParseSpec(%q) error %v is not a *ParseError for the input", s, err)
			}
			return
		}
		if !sp.IsValid() {
			t.Fatalf("ParseSpec(%q) = invalid Spec without error", s)
		}
		again, err := ParseSpec(sp.String())
		if err != nil || again.Prefix != sp.Prefix || again.Zone != sp.Zone {
			t.Fatalf("ParseSpec(%q) = %v; re-parsing %q gave %v, %v", s, sp, sp.String(), again, err)
		}
		if !strings.ContainsAny(s, "% \t") && strings.Count(s, "/") == 1 && !strings.Contains(s[strings.Index(s, "/"):], ".") {
			if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil && p != sp.Prefix {
				t.Fatalf("ParseSpec(%q) = %v; netip.ParsePrefix = %v", s, sp.Prefix, p)
			}
		}
		// "ADDR LEN" means exactly "ADDR/LEN".
		if f := strings.Fields(s); len(f) == 2 && !strings.Contains(f[0], "/") && f[1] != "" && strings.Trim(f[1], "0123456789") == "" {
			if slash, err := ParseSpec(f[0] + "/" + f[1]); err != nil || slash.Prefix != sp.Prefix || slash.Zone != sp.Zone || sp.Mask != MaskLength {
				t.Fatalf("ParseSpec(%q) = %v (%s); ParseSpec(%q) = %v, %v", s, sp, sp.Mask, f[0]+"/"+f[1], slash, err)
			}
		}
		_ = DescribeSpec(sp) // must not panic for any accepted input
	})
}

// TestParse6MatchesNetip checks the IPv6 fast parser against net/netip:
// whatever parse6 accepts, net/netip accepts as the same address. The
// inputs are net/netip's own text of random addresses (with runs of zero
// groups), their expanded and upper-case forms, and those mutated by a
// random insertion, deletion or replacement from the IPv6 alphabet.
func TestParse6MatchesNetip(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const alphabet = "0123456789abcdefABCDEF:::..%x"
	accepted := 0
	for i := 0; i < 300000; i++ {
		var b [16]byte
		for g := 0; g < 8; g++ {
			if r.IntN(3) > 0 {
				b[2*g], b[2*g+1] = byte(r.IntN(256)), byte(r.IntN(256)>>uint(r.IntN(8)))
			}
		}
		a := netip.AddrFrom16(b)
		s := a.String()
		switch r.IntN(4) {
		case 1:
			s = a.StringExpanded()
		case 2:
			s = strings.ToUpper(s)
		}
		if r.IntN(2) == 0 && len(s) > 0 {
			k := r.IntN(len(s))
			c := string(alphabet[r.IntN(len(alphabet))])
			switch r.IntN(3) {
			case 0:
				s = s[:k] + c + s[k:]
			case 1:
				s = s[:k] + s[k+1:]
			default:
				s = s[:k] + c + s[k+1:]
			}
		}
		got, ok := parse6(s)
		if !ok {
			continue
		}
		accepted++
		want, err := netip.ParseAddr(s)
		if err != nil || got != want {
			t.Fatalf("parse6(%q) = %v; net/netip: %v, %v", s, got, want, err)
		}
	}
	if accepted < 100000 {
		t.Errorf("parse6 accepted only %d inputs: the test says little", accepted)
	}
}
