package resolve

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseHosts checks that ParseHosts never fails on in-memory input,
// that every entry is found again by each of its names and by its address,
// that String round-trips, and that it agrees with a slow line-by-line
// reference (slowHostsLookup).
func FuzzParseHosts(f *testing.F) {
	seeds := []string{
		"127.0.0.1 localhost\n",                     // the simplest line
		"198.51.100.1 A a\n198.51.100.2 a\n",        // same name twice, different case, several lines
		"198.51.100.1 x#comment y\n",                // '#' glued to a name ends the line
		"fe80::1%eth0 ll\n",                         // IPv6 zone
		"::ffff:198.51.100.1 mapped\n",              // 4-in-6 stays IPv6
		"198.51.100.1\n",                            // one field: skipped
		"300.1.1.1 bad\n",                           // unparsable address: skipped
		"\t 198.51.100.1 \t tabbed \r\n",            // tabs, CR
		"198.51.100.1 \xff\xfe\n",                   // invalid UTF-8 name
		"198.51.100.1 bücher.example a a a\n",       // U-label and repeated alias
		"# only a comment\n\n   \n",                 // no entries
		"198.51.100.1 " + strings.Repeat("n", 5000), // long line, no newline
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ParseHosts(strings.NewReader(in), "fuzz")
		if err != nil {
			if len(in) > 64<<10 { // a line over the scanner's buffer
				return
			}
			t.Fatalf("ParseHosts error %v", err)
		}
		for _, e := range h.Entries {
			for _, n := range e.Names {
				if !containsEntry(h.Lookup(upperASCII(n)), e) {
					t.Errorf("Lookup(%q) misses line %d", n, e.Line)
				}
				if got, want := len(h.Lookup(n)), slowHostsLookup(in, n); got != want {
					t.Errorf("Lookup(%q) = %d entries; slow reference %d", n, got, want)
				}
			}
			if !containsEntry(h.LookupAddr(e.Addr), e) {
				t.Errorf("LookupAddr(%v) misses line %d", e.Addr, e.Line)
			}
		}
		h2, err := ParseHosts(strings.NewReader(h.String()), "again")
		if err != nil {
			t.Fatal(err)
		}
		if len(h2.Entries) != len(h.Entries) {
			t.Fatalf("round trip: %d entries, want %d", len(h2.Entries), len(h.Entries))
		}
		for i := range h.Entries {
			if h.Entries[i].Addr != h2.Entries[i].Addr || strings.Join(h.Entries[i].Names, " ") != strings.Join(h2.Entries[i].Names, " ") {
				t.Errorf("round trip entry %d: %v, want %v", i, h2.Entries[i], h.Entries[i])
			}
		}
	})
}

func containsEntry(es []HostsEntry, e HostsEntry) bool {
	for _, x := range es {
		if x.Line == e.Line {
			return true
		}
	}
	return false
}

// slowHostsLookup counts the lines naming name, re-reading the text the
// simplest way: split on '\n', cut at '#', split on blanks.
func slowHostsLookup(text, name string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if _, err := netip.ParseAddr(f[0]); err != nil {
			continue
		}
		for _, x := range f[1:] {
			if equalFoldASCII(x, name) {
				n++
				break
			}
		}
	}
	return n
}

// FuzzParseResolvConf checks that ParseResolvConf never fails on
// in-memory input, always respects glibc's limits, produces valid search
// domains, and that String round-trips.
func FuzzParseResolvConf(f *testing.F) {
	seeds := []string{
		"nameserver 127.0.0.1\n", // one server
		"nameserver 203.0.113.1\nnameserver ::1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\n", // a fourth server is ignored
		"search . a.test. # comment\n",                          // root entry, rooted domain, inline comment
		"domain a.test\nsearch b.test c.test\ndomain d.test\n",  // last of search/domain wins
		"options ndots:99 timeout:0 attempts:100\n",             // out-of-range values are capped
		"options ndots: timeout:x attempts:-3 rotate:yes\n",     // malformed numbers
		"nameserver fe80::1%eth0\nnameserver bogus\n",           // zone kept, host name refused
		"  nameserver 127.0.0.1\n;nameserver 10.0.0.1\n",        // leading blanks, ';' comment
		"search a..b " + strings.Repeat("x", 300) + "\n",        // empty label, overlong domain
		"options use-vc single-request-reopen trust-ad edns0\n", // flags
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseResolvConf(strings.NewReader(in), "fuzz", ConfEnv{})
		if err != nil {
			if len(in) > 64<<10 {
				return
			}
			t.Fatalf("ParseResolvConf error %v", err)
		}
		if len(c.Servers) > MaxNameservers || c.Ndots < 0 || c.Ndots > MaxNdots ||
			c.Timeout < 1e9 || c.Timeout > MaxTimeout || c.Attempts < 1 || c.Attempts > MaxAttempts {
			t.Fatalf("limits broken: %+v", c)
		}
		for _, d := range c.Search {
			if d == "" || strings.HasSuffix(d, ".") || strings.ContainsAny(d, " \t#;") {
				t.Fatalf("bad search domain %q", d)
			}
		}
		for _, s := range c.Servers {
			if !s.IsValid() || s.Port() != 53 {
				t.Fatalf("bad server %v", s)
			}
		}
		c.Warnings = nil
		again, err := ParseResolvConf(strings.NewReader(c.String()), "again", ConfEnv{})
		if err != nil {
			t.Fatal(err)
		}
		again.Warnings = nil
		if c.String() != again.String() {
			t.Fatalf("round trip:\n%s\nbecame\n%s", c.String(), again.String())
		}
		// The name list never yields an invalid or overlong name.
		for _, n := range c.NameList("web") {
			if len(n) > MaxNameLen+1 || checkName(n) != "" {
				t.Fatalf("NameList gave %q", n)
			}
		}
	})
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// equalFoldASCII compares byte by byte, folding only ASCII letters.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
