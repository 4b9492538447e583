package netcalc

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"go4.org/netipx"
)

func TestParseEntry(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		rng      string // want Range
		prefix   string // want Prefix, "" for a range
		hostBits bool
	}{
		{"address", "10.0.0.1", "10.0.0.1-10.0.0.1", "10.0.0.1/32", false},
		{"prefix", "10.0.0.0/24", "10.0.0.0-10.0.0.255", "10.0.0.0/24", false},
		{"host bits", "10.0.0.1/24", "10.0.0.0-10.0.0.255", "10.0.0.1/24", true},
		{"slash zero", "1.2.3.4/0", "0.0.0.0-255.255.255.255", "1.2.3.4/0", true},
		{"netmask", "10.0.0.0/255.255.255.0", "10.0.0.0-10.0.0.255", "10.0.0.0/24", false},
		{"space netmask", "10.0.0.0 255.255.0.0", "10.0.0.0-10.0.255.255", "10.0.0.0/16", false},
		{"range", "10.0.0.3-10.0.0.77", "10.0.0.3-10.0.0.77", "", false},
		{"range with spaces", "10.0.0.3 - 10.0.0.77", "10.0.0.3-10.0.0.77", "", false},
		{"one-address range", "10.0.0.3-10.0.0.3", "10.0.0.3-10.0.0.3", "", false},
		{"IPv6 address", "2001:db8::1", "2001:db8::1-2001:db8::1", "2001:db8::1/128", false},
		{"IPv6 prefix", "2001:db8::/32", "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32", false},
		{"IPv6 range", "2001:db8::1-2001:db8::ff", "2001:db8::1-2001:db8::ff", "", false},
		{"IPv4-mapped stays IPv6", "::ffff:10.0.0.1", "::ffff:10.0.0.1-::ffff:10.0.0.1", "::ffff:10.0.0.1/128", false},
		{"surrounding space", "  10.0.0.1/32\t", "10.0.0.1-10.0.0.1", "10.0.0.1/32", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEntry(tt.in)
			if err != nil {
				t.Fatalf("ParseEntry(%q) error %v", tt.in, err)
			}
			if got := e.Range.String(); got != tt.rng {
				t.Errorf("ParseEntry(%q).Range = %s; want %s", tt.in, got, tt.rng)
			}
			gotP := ""
			if e.Prefix.IsValid() {
				gotP = e.Prefix.String()
			}
			if gotP != tt.prefix {
				t.Errorf("ParseEntry(%q).Prefix = %q; want %q", tt.in, gotP, tt.prefix)
			}
			if got := e.HostBits(); got != tt.hostBits {
				t.Errorf("ParseEntry(%q).HostBits() = %v; want %v", tt.in, got, tt.hostBits)
			}
			// round trips: String parses back to the same entry, and
			// MarshalText agrees with String
			back, err := ParseEntry(e.String())
			if err != nil || back != e {
				t.Errorf("ParseEntry(%q) = %v, %v; want %v", e.String(), back, err, e)
			}
			text, _ := e.MarshalText()
			if string(text) != e.String() {
				t.Errorf("MarshalText() = %q; String() = %q", text, e.String())
			}
			var u ListEntry
			if err := u.UnmarshalText(text); err != nil || u != e {
				t.Errorf("UnmarshalText(%q) = %v, %v; want %v", text, u, err, e)
			}
		})
	}
}

func TestParseEntryErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
		msg  string
	}{
		{"empty", "", ErrEmpty, `netcalc: "": empty input`},
		{"octet range", "10.0.0.300", ErrOctetRange, `netcalc: "10.0.0.300": octet 4 is 300, must be 0-255`},
		{"leading zero", "010.0.0.1", ErrLeadingZero, `octet 1 is "010": a leading zero is ambiguous`},
		{"length", "10.0.0.0/33", ErrPrefixLength, `prefix length 33 is out of range, must be 0-32 for IPv4`},
		{"word", "example.com", ErrSyntax, `"example.com": not an IP address`},
		{"backwards range", "10.0.0.9-10.0.0.1", ErrRange, `"10.0.0.9-10.0.0.1": range is backwards: 10.0.0.9 comes after 10.0.0.1`},
		{"mixed range", "10.0.0.1-2001:db8::1", ErrRange, "cannot mix IPv4 and IPv6"},
		{"half range", "10.0.0.1-", ErrSyntax, "a range needs two addresses"},
		{"bad range end", "10.0.0.1-10.0.0.256", ErrOctetRange, `"10.0.0.1-10.0.0.256": octet 4 is 256`},
		{"zone", "fe80::1%eth0", ErrZone, "zone"},
		{"zone in range", "fe80::1%eth0-fe80::2", ErrZone, "zone"},
		{"two ranges", "10.0.0.1-10.0.0.2-10.0.0.3", ErrSyntax, `"10.0.0.1-10.0.0.2-10.0.0.3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEntry(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseEntry(%q) error = %v; want %v", tt.in, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseEntry(%q) error = %q; want it to contain %q", tt.in, err, tt.msg)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Input != tt.in {
				t.Errorf("ParseEntry(%q) error is not a *ParseError with the input: %#v", tt.in, err)
			}
		})
	}
}

func TestListEntryZero(t *testing.T) {
	var e ListEntry
	if text, err := e.MarshalText(); err != nil || len(text) != 0 {
		t.Errorf("zero ListEntry MarshalText() = %q, %v; want empty", text, err)
	}
	if e.IsValid() || e.HostBits() || e.String() != "invalid ListEntry" {
		t.Errorf("zero ListEntry: IsValid %v, HostBits %v, String %q", e.IsValid(), e.HostBits(), e.String())
	}
	u := MustParseEntry("10.0.0.1")
	if err := u.UnmarshalText(nil); err != nil || u.IsValid() {
		t.Errorf("UnmarshalText(nil) = %v, %v; want the zero entry", u, err)
	}
	if err := u.UnmarshalText([]byte("10.0.0.256")); !errors.Is(err, ErrOctetRange) {
		t.Errorf("UnmarshalText(10.0.0.256) error = %v; want ErrOctetRange", err)
	}
}

func TestListEntryUnmap(t *testing.T) {
	tests := []struct{ in, want string }{
		{"::ffff:10.0.0.1", "10.0.0.1/32"},
		{"::ffff:10.0.0.0/120", "10.0.0.0/24"},
		{"::ffff:10.0.0.1/120", "10.0.0.1/24"}, // host bits kept as written
		{"::ffff:10.0.0.1-::ffff:10.0.0.9", "10.0.0.1-10.0.0.9"},
		{"::ffff:0:0/96", "0.0.0.0/0"},
		{"::ffff:0:0/95", "::ffff:0.0.0.0/95"}, // wider than the mapped block
		{"::fffe:0:0-::ffff:0:5", "::fffe:0:0-::ffff:0.0.0.5"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"10.0.0.1", "10.0.0.1/32"},
	}
	for _, tt := range tests {
		if got := MustParseEntry(tt.in).Unmap().String(); got != tt.want {
			t.Errorf("ParseEntry(%q).Unmap() = %s; want %s", tt.in, got, tt.want)
		}
	}
}

func readAll(t *testing.T, r io.Reader, source string) (entries []ListEntry, errs []string) {
	t.Helper()
	lr := NewListReader(r, source)
	for {
		e, err := lr.Next()
		if err == io.EOF {
			return entries, errs
		}
		var le *ListError
		if errors.As(err, &le) {
			errs = append(errs, err.Error())
			continue
		}
		if err != nil {
			t.Fatalf("Next() read error %v", err)
		}
		entries = append(entries, e)
	}
}

func TestListReader(t *testing.T) {
	in := "# header comment\n" +
		"10.0.0.0/24\n" +
		"\n" +
		"   \t\n" +
		"10.0.1.5 # trailing comment\r\n" +
		"10.0.0.300\n" +
		"2001:db8::/32\n" +
		"10.0.2.0-10.0.2.9\n" +
		"bogus\n" +
		"10.0.3.1/24" // no final newline
	entries, errs := readAll(t, iotest.OneByteReader(strings.NewReader(in)), "list.txt")
	var got []string
	for _, e := range entries {
		got = append(got, e.String()+"@"+itoaTest(e.Line))
	}
	want := "10.0.0.0/24@2 10.0.1.5/32@5 2001:db8::/32@7 10.0.2.0-10.0.2.9@8 10.0.3.1/24@10"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("entries = %s; want %s", s, want)
	}
	wantErrs := []string{
		`netcalc: list.txt:6: "10.0.0.300": octet 4 is 300, must be 0-255`,
		`netcalc: list.txt:9: "bogus": not an IP address, expected IPv4 a.b.c.d or IPv6`,
	}
	if strings.Join(errs, "\n") != strings.Join(wantErrs, "\n") {
		t.Errorf("errors =\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(wantErrs, "\n"))
	}
	// a UTF-8 byte order mark (Windows editors) starts line 1 only
	entries, errs = readAll(t, strings.NewReader("\ufeff10.0.0.1\r\n\ufeff10.0.0.2\r\n"), "bom.txt")
	if len(entries) != 1 || entries[0].String() != "10.0.0.1/32" || len(errs) != 1 || !strings.HasPrefix(errs[0], "netcalc: bom.txt:2: ") {
		t.Errorf("with a byte order mark: entries %v, errors %q; want 10.0.0.1/32 and an error on line 2", entries, errs)
	}
	_, errs = readAll(t, strings.NewReader("\n\nfoo\n"), "stdin")
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "netcalc: line 3: ") {
		t.Errorf("stdin errors = %q; want one starting with \"netcalc: line 3: \"", errs)
	}
}

func TestListReaderLongLine(t *testing.T) {
	in := "10.0.0.1\n" + strings.Repeat("1", 300<<10) + "\n10.0.0.2\n" + strings.Repeat("9", MaxListLine+1) + "\n10.0.0.3\n"
	entries, errs := readAll(t, strings.NewReader(in), "big")
	if len(entries) != 3 || entries[2].Line != 5 {
		t.Errorf("entries = %v; want 10.0.0.1, 10.0.0.2 and 10.0.0.3 on line 5", entries)
	}
	if len(errs) != 2 || errs[0] != "netcalc: big:2: longer than 65536 bytes" || errs[1] != "netcalc: big:4: longer than 65536 bytes" {
		t.Errorf("errors = %q; want longer than 65536 bytes on lines 2 and 4", errs)
	}
}

func TestLineReader(t *testing.T) {
	long := "  " + strings.Repeat("é", 200<<10) + "\n"
	in := "\ufeff a.example \r\n\n# note\n" + long + "b.example\n" + strings.Repeat("x", MaxListLine+1) + "\nc"
	lr := NewLineReader(strings.NewReader(in), "names.txt")
	type line struct {
		text  string
		n     int
		err   string
		input string
	}
	var got []line
	for {
		b, n, err := lr.Next()
		if err == io.EOF {
			break
		}
		l := line{text: string(b), n: n}
		if err != nil {
			var le *ListError
			if !errors.As(err, &le) || !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("line %d: error %v; want a *ListError wrapping ErrLineTooLong", n, err)
			}
			l.err, l.input = err.Error(), le.Input
		}
		got = append(got, l)
	}
	want := []line{
		{text: "a.example", n: 1},
		{text: "", n: 2},
		{text: "# note", n: 3},
		{n: 4, err: "netcalc: names.txt:4: longer than 65536 bytes", input: strings.Repeat("é", 80) + "…"},
		{text: "b.example", n: 5},
		{n: 6, err: "netcalc: names.txt:6: longer than 65536 bytes", input: strings.Repeat("x", 80) + "…"},
		{text: "c", n: 7},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(line{})); diff != "" {
		t.Errorf("LineReader lines (-want +got):\n%s", diff)
	}
}

type failReader struct{ n int }

func (f *failReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		f.n++
		return copy(p, "10.0.0.1\n10.0.0"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestListReaderReadError(t *testing.T) {
	lr := NewListReader(&failReader{}, "f")
	if e, err := lr.Next(); err != nil || e.String() != "10.0.0.1/32" {
		t.Fatalf("Next() = %v, %v; want 10.0.0.1/32", e, err)
	}
	// the partial last line is still parsed (and fails), then the read error
	_, err := lr.Next()
	var le *ListError
	if !errors.As(err, &le) {
		t.Fatalf("Next() error = %v; want a *ListError for the partial line", err)
	}
	if _, err := lr.Next(); err == nil || err.Error() != "disk on fire" {
		t.Fatalf("Next() error = %v; want the read error", err)
	}
}

func itoaTest(n int) string { return CountFromUint64(uint64(n)).String() }

// checkLine is the fuzz oracle for one line: the fast IPv4 path and the
// general parser (ParsePrefix, ParseAddr) agree, and String round-trips.
func checkLine(t *testing.T, line []byte) {
	fast, fastOK := parseEntry4(line)
	slow, slowErr := parseEntrySlow(string(line))
	if fastOK {
		if slowErr != nil {
			t.Fatalf("fast path accepts %q as %v, general parser says %v", line, fast, slowErr)
		}
		if fast != slow {
			t.Fatalf("fast path gives %#v for %q, general parser %#v", fast, line, slow)
		}
	}
	if slowErr != nil {
		var pe *ParseError
		if !errors.As(slowErr, &pe) || pe.Input != string(line) {
			t.Fatalf("error for %q is %#v; want a *ParseError with the input", line, slowErr)
		}
		return
	}
	if !slow.Range.IsValid() {
		t.Fatalf("entry for %q has an invalid range", line)
	}
	if slow.Prefix.IsValid() && netipx.RangeOfPrefix(slow.Prefix.Masked()) != slow.Range {
		t.Fatalf("entry for %q: range %v is not prefix %v", line, slow.Range, slow.Prefix)
	}
	back, err := ParseEntry(slow.String())
	if err != nil || back != slow {
		t.Fatalf("round trip of %q: ParseEntry(%q) = %v, %v", line, slow.String(), back, err)
	}
}

func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1",               // plain address: fast path
		"10.0.0.0/24",            // prefix: fast path
		"10.0.0.1/24",            // host bits set
		"10.0.0.3-10.0.0.77",     // range: fast path
		"10.0.0.9-10.0.0.1",      // backwards range: fast path refuses, slow explains
		"010.0.0.1",              // leading zero: must be refused by both paths
		"1.2.3.4/08",             // leading zero in the length
		"1.2.3.4/33",             // length out of range
		"255.255.255.255/32",     // top of the space
		"1.2.3.4 255.255.255.0",  // netmask after a space: slow path only
		"1.2.3.4/0.0.0.255",      // wildcard mask
		"2001:db8::1-2001:db8::", // backwards IPv6 range
		"::ffff:1.2.3.4/120",     // IPv4-mapped
		"1.2.3.4-::1",            // mixed-family range
		"1.2.3.4 - 1.2.3.5",      // spaces around the dash
		"1.2.3.4444",             // too many digits in an octet
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkLine(t, []byte(strings.TrimSpace(s)))
	})
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"10.0.0.0/24\n10.0.1.0/24\n",       // two lines
		"# comment\n\n10.0.0.1 # note\r\n", // comments, blank line, CRLF
		"10.0.0.1",                         // no final newline
		"2001:db8::/32\n10.0.0.300\n",      // mixed family and an error
		"\n\n\n",                           // only blank lines
		"10.0.0.1-10.0.0.5\n\x00\n",        // NUL byte
		"\ufeff10.0.0.1\n\ufeff10.0.0.2\n", // byte order mark: skipped on line 1 only
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lr := NewListReader(strings.NewReader(s), "fuzz")
		lines := strings.Split(s, "\n")
		for n := 0; ; n++ {
			if n > len(lines) {
				t.Fatalf("more entries than lines in %q", s)
			}
			e, err := lr.Next()
			if err == io.EOF {
				break
			}
			var le *ListError
			line := 0
			switch {
			case errors.As(err, &le):
				line = le.Line
			case err != nil:
				t.Fatalf("Next() = %v for %q", err, s)
			default:
				line = e.Line
			}
			if line < 1 || line > len(lines) {
				t.Fatalf("line %d out of range 1-%d in %q", line, len(lines), s)
			}
			text := lines[line-1]
			if line == 1 {
				text = strings.TrimPrefix(text, "\ufeff")
			}
			if i := strings.IndexByte(text, '#'); i >= 0 {
				text = text[:i]
			}
			text = string(bytes.Trim([]byte(text), " \t\r"))
			if text == "" {
				t.Fatalf("entry or error %v for blank line %d of %q", err, line, s)
			}
			if err == nil {
				want, werr := parseEntrySlow(text)
				e.Line = 0
				if werr != nil || want != e {
					t.Fatalf("line %d %q: ListReader gives %v; ParseEntry gives %v, %v", line, text, e, want, werr)
				}
			}
			if len(text) <= MaxListLine {
				checkLine(t, []byte(text))
			}
		}
	})
}

// TestAddToMatchesNext checks ListReader.AddTo, which parses blocks of
// lines on several goroutines and adds plain entries without ListEntry
// values, against the ListReader.Next loop: same set, and the same
// entries and errors passed on in the same order, on a list of several
// blocks with a byte order mark, CRs, comments, blank, bad, IPv6,
// IPv4-mapped, host-bits and too-long lines, with and without a final
// newline and with a line longer than a block (the serial fallback).
func TestAddToMatchesNext(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ip := func() string {
		return netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}).String()
	}
	for _, variant := range []string{"newline", "no final newline", "giant line", "small"} {
		var sb strings.Builder
		sb.WriteString("\ufeff" + ip() + "\n")
		n := 250000
		if variant == "small" {
			n = 300
		}
		for i := 0; i < n; i++ {
			switch x := r.IntN(1000); {
			case x < 2:
				sb.WriteString("bad" + strconv.Itoa(i))
			case x < 3:
				sb.WriteString(strings.Repeat("x", MaxListLine+1+r.IntN(3)*200000))
			case x < 10:
				sb.WriteString("  " + ip() + "/" + strconv.Itoa(r.IntN(33)) + " # c\r")
			case x < 20:
				sb.WriteString("2001:db8:" + strconv.FormatInt(int64(r.IntN(65536)), 16) + "::/" + strconv.Itoa(32+r.IntN(97)))
			case x < 25:
				sb.WriteString("::ffff:" + ip())
			case x < 30:
				sb.WriteString(ip() + "-" + ip())
			case x < 35:
			case x < 40:
				sb.WriteString("# comment")
			default:
				sb.WriteString(ip())
			}
			if variant == "giant line" && i == n/2 {
				sb.WriteString("\n" + strings.Repeat("y", 3*addBlockSize))
			}
			if i < n-1 || variant != "no final newline" {
				sb.WriteString("\n")
			}
		}
		text := sb.String()

		var want SetBuilder
		var wantItems []string
		lr := NewListReader(strings.NewReader(text), "f")
		wantN := 0
		for {
			e, err := lr.Next()
			if err == io.EOF {
				break
			}
			wantN++
			if err != nil {
				wantItems = append(wantItems, err.Error())
				continue
			}
			want.AddEntry(e)
			// what AddTo passes on: every entry but the plain ones (the
			// generated IPv4 and IPv6 lines without host bits)
			if e.HostBits() || e.Range.From().Is4In6() {
				wantItems = append(wantItems, e.String()+"@"+strconv.Itoa(e.Line))
			}
		}
		var got SetBuilder
		var gotItems []string
		gotN, err := NewListReader(strings.NewReader(text), "f").AddTo(&got, func(e ListEntry, err error) {
			if err != nil {
				gotItems = append(gotItems, err.Error())
				return
			}
			got.AddEntry(e)
			gotItems = append(gotItems, e.String()+"@"+strconv.Itoa(e.Line))
		})
		if err != nil {
			t.Fatalf("%s: AddTo: %v", variant, err)
		}
		if gotN != wantN {
			t.Errorf("%s: AddTo counted %d items, Next %d", variant, gotN, wantN)
		}
		if diff := cmp.Diff(wantItems, gotItems); diff != "" {
			t.Errorf("%s: items passed on differ (-Next +AddTo):\n%s", variant, diff)
		}
		if a, b := want.Set(), got.Set(); !a.Equal(b) {
			t.Errorf("%s: sets differ: %d ranges from Next, %d from AddTo", variant, a.NumRanges(), b.NumRanges())
		}
	}
}

// TestFastPathsAgreeWithSlowPath feeds random short strings of digits,
// dots, slashes and dashes to the IPv4 fast paths (parseEntry4, packLine4)
// and checks that whatever they accept the general parser accepts with
// the same range.
func TestFastPathsAgreeWithSlowPath(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	octet := func() string {
		switch r.IntN(6) {
		case 0:
			return strconv.Itoa(r.IntN(10))
		case 1:
			return strconv.Itoa(250 + r.IntN(10)) // around 255
		case 2:
			return "0" + strconv.Itoa(r.IntN(100)) // leading zero
		case 3:
			return strconv.Itoa(r.IntN(1200))
		default:
			return strconv.Itoa(r.IntN(256))
		}
	}
	quad := func() string {
		n := 4
		if r.IntN(10) == 0 {
			n = 3 + 2*r.IntN(2) // 3 or 5 octets
		}
		q := octet()
		for k := 1; k < n; k++ {
			q += "." + octet()
		}
		return q
	}
	accepted := 0
	defer func() {
		if accepted < 1000 {
			t.Errorf("only %d random strings took the fast path: the test says little", accepted)
		}
	}()
	for i := 0; i < 300000; i++ {
		s := quad()
		switch r.IntN(4) {
		case 1:
			s += "/" + strconv.Itoa(r.IntN(40))
		case 2:
			s += "-" + quad()
		case 3:
			s += []string{"/", "/0" + strconv.Itoa(r.IntN(10)), "-", ".", "/33", "x"}[r.IntN(6)]
		}
		b := []byte(s)
		fast, ok := parseEntry4(b)
		if ok {
			accepted++
		}
		slow, err := parseEntrySlow(string(b))
		if ok && (err != nil || fast.Range != slow.Range || fast.Prefix != slow.Prefix) {
			t.Fatalf("%q: fast path %v, general parser %v, %v", b, fast, slow, err)
		}
		if k, ok := packLine4(b); ok {
			if err != nil || k != uint64(toA4(slow.Range.From()))<<32|uint64(toA4(slow.Range.To())) || slow.HostBits() {
				t.Fatalf("%q: packLine4 %x, general parser %v, %v", b, k, slow, err)
			}
		}
	}
}
