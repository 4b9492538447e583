package resolve

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

// fixture returns the path of a shared test fixture in testdata/resolve.
func fixture(name string) string { return filepath.Join("..", "..", "testdata", "resolve", name) }

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testZone is the zone the in-process server answers from.
var testZone = `
web.example.test.        60 IN A     198.51.100.10
web.example.test.        60 IN AAAA  2001:db8::10
db.example.test.         60 IN A     198.51.100.20
www.example.test.        60 IN CNAME web.example.test.
alias.example.test.      60 IN CNAME www.example.test.
outside.example.test.    60 IN CNAME api.corp.test.
dangling.example.test.   60 IN CNAME nowhere.example.test.
loop1.example.test.      60 IN CNAME loop2.example.test.
loop2.example.test.      60 IN CNAME loop1.example.test.
example.test.            60 IN MX    10 mail.example.test.
example.test.            60 IN TXT   "v=spf1 -all"
mail.example.test.       60 IN A     198.51.100.25
_http._tcp.example.test. 60 IN SRV   0 5 80 web.example.test.
api.corp.test.           60 IN A     198.51.100.40
kubernetes.default.svc.cluster.local. 60 IN A 203.0.113.1
svc.ns1.svc.cluster.local.            60 IN A 203.0.113.11
xn--bcher-kva.example.test. 60 IN A  198.51.100.30
filehost.example.test.   60 IN A     198.51.100.199
10.100.51.198.in-addr.arpa. 60 IN PTR web.example.test.
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 60 IN PTR web.example.test.
` + bigTXT()

// bigTXT returns six 230-character strings for big.example.test: about
// 1.4 kB, more than the 1232-byte EDNS0 buffer, so UDP truncates.
func bigTXT() string {
	var b strings.Builder
	b.WriteString("big.example.test. 60 IN TXT")
	for i := 0; i < 6; i++ {
		b.WriteString(` "` + strings.Repeat(string(rune('a'+i)), 230) + `"`)
	}
	return b.String()
}

// newTestResolver returns a resolver asking only the given servers, with
// the test hosts file, a short timeout and one attempt.
func newTestResolver(t *testing.T, servers ...*resolvetest.Server) *Resolver {
	t.Helper()
	h, err := LoadHosts(fixture("hosts"))
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Hosts: h}
	r.Config = DefaultConfig()
	r.Config.Timeout = 300 * time.Millisecond
	r.Config.Attempts = 1
	for _, s := range servers {
		r.Config.Servers = append(r.Config.Servers, s.Addr)
	}
	return r
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}
