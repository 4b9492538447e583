package resolve

import (
	"net/netip"
	"os"
	"path/filepath"
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
var testZone = func() string {
	b, err := os.ReadFile(fixture("zone.txt"))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

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
	r.Config.Timeout = 2 * time.Second
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
