package resolve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

// resultText is res as JSON with every query's RTT zeroed, and err's
// message: what must not differ between LookupAll's event loop and Lookup.
func resultText(t *testing.T, res *Result, err error) string {
	t.Helper()
	msg := "<nil>"
	if err != nil {
		msg = err.Error()
	}
	if res == nil {
		return "no result; error " + msg
	}
	c := *res
	c.Queries = append([]Query(nil), res.Queries...)
	for i := range c.Queries {
		c.Queries[i].RTT = 0
	}
	b, jerr := json.Marshal(&c)
	if jerr != nil {
		t.Fatal(jerr)
	}
	return string(b) + "; error " + msg
}

// checkOneLoop runs LookupAll over in (one type) and compares every
// result with Lookup's for the same name, made one name at a time.
func checkOneLoop(t *testing.T, r *Resolver, in []string, concurrency int, typ Type) {
	t.Helper()
	if !r.OneLoop(typ) {
		t.Fatalf("OneLoop(%s) = false; want the event loop for this configuration", typ)
	}
	var got []string
	for res, err := range r.LookupAll(context.Background(), names(in...), concurrency, typ) {
		got = append(got, resultText(t, res, err))
	}
	want := make([]string, len(in))
	var wg sync.WaitGroup
	for i, name := range in {
		wg.Go(func() {
			if name == "!BAD" {
				want[i] = resultText(t, nil, errBad)
				return
			}
			res, err := r.Lookup(context.Background(), name, typ)
			want[i] = resultText(t, res, err)
		})
	}
	wg.Wait()
	if len(got) != len(want) {
		t.Fatalf("LookupAll gave %d results for %d names", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("name %d %q, type %s:\nLookupAll: %s\nLookup:    %s", i, in[i], typ, got[i], want[i])
		}
	}
}

// TestOneLoopMatchesLookup checks that LookupAll on its event loop gives
// the results Lookup gives, query for query, when the first server times
// out, sends replies with a wrong ID or question, lame answers or
// SERVFAIL (the second server then answers, outside the loop), when
// answers are truncated (TCP), chains of CNAMEs are chased, names are
// searched, found in the hosts file, reversed or refused.
func TestOneLoopMatchesLookup(t *testing.T) {
	srv1 := resolvetest.Start(t, testZone)
	srv2 := resolvetest.Start(t, testZone)
	srv1.SetRule("db.example.test.", resolvetest.Rule{Drop: true})
	srv1.SetRule("mail.example.test.", resolvetest.Rule{BadID: true})
	srv1.SetRule("svc.ns1.svc.cluster.local.", resolvetest.Rule{OnlyBad: true})
	srv1.SetRule("api.corp.test.", resolvetest.Rule{WrongQ: true})
	srv1.SetRule("filehost.example.test.", resolvetest.Rule{Lame: true})
	srv1.SetRule("xn--bcher-kva.example.test.", resolvetest.Rule{Rcode: 2})
	srv1.SetRule("kubernetes.default.svc.cluster.local.", resolvetest.Rule{Delay: 20 * time.Millisecond})
	r := newTestResolver(t, srv1, srv2)
	r.Config.Timeout = 250 * time.Millisecond
	r.Config.Attempts = 2
	r.Config.Search = []string{"example.test"}

	base := []string{
		"web.example.test.", "web", "alias.example.test.", "outside.example.test.", "dangling.example.test.",
		"loop1.example.test.", "nope.example.test.", "db.example.test.", "api.corp.test.", "filehost.example.test.", "bücher.example.test.",
		"kubernetes.default.svc.cluster.local.", "FileHost", "198.51.100.10", "2001:db8::10", "!BAD",
		"bad..name", "hidden.onion", "big.example.test.", "example.test.",
	}
	var in []string
	for range 3 {
		in = append(in, base...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })

	before := len(srv1.Queries())
	for _, typ := range []Type{TypeA, TypeTXT, TypeMX} {
		checkOneLoop(t, r, in, 6, typ)
	}
	// The server's reply "with a wrong ID" carries the query's ID + 1,
	// which on the loop's shared socket may be another query's in flight
	// (then checked against that query, and a mismatch): one at a time
	// here, so that the comparison cannot depend on the IDs drawn.
	checkOneLoop(t, r, []string{"mail.example.test.", "svc.ns1.svc.cluster.local.", "web.example.test.", "mail.example.test."}, 1, TypeA)
	// The batch's UDP queries to the first server left from one socket
	// (one source port); Lookup's from sockets of their own.
	ports := map[uint16]bool{}
	for _, q := range srv1.Queries()[before:] {
		if q.Net == "udp" {
			ports[q.From.Port()] = true
		}
	}
	if len(ports) < 2 {
		t.Errorf("UDP queries came from %d source ports; want the loop's one and Lookup's", len(ports))
	}
}

// TestOneLoopRefused checks a server where nothing listens: every query
// fails with "connection refused", as in Lookup.
func TestOneLoopRefused(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParseAddrPort(c.LocalAddr().String())
	c.Close()
	r := &Resolver{Config: Config{Servers: []netip.AddrPort{addr}, Timeout: 2 * time.Second, Attempts: 2}, Order: []Source{DNS}}
	var in []string
	for i := range 40 {
		in = append(in, fmt.Sprintf("h%d.example.test.", i))
	}
	start := time.Now()
	checkOneLoop(t, r, in, 8, TypeA)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refused batch took %v; want no timeout", d)
	}
}

// TestOneLoopStops checks that breaking out of LookupAll's loop and
// cancelling its context end the lookups in flight at once.
func TestOneLoopStops(t *testing.T) {
	srv := resolvetest.Start(t, testZone)
	srv.SetRule("db.example.test.", resolvetest.Rule{Drop: true})
	r := newTestResolver(t, srv)
	r.Config.Timeout = 10 * time.Second
	in := []string{"web.example.test."}
	for range 50 {
		in = append(in, "db.example.test.")
	}
	start := time.Now()
	n := 0
	for res, err := range r.LookupAll(context.Background(), names(in...), 16, TypeA) {
		if err != nil || len(res.Answers) != 1 {
			t.Fatalf("first result: %v, %v", res, err)
		}
		n++
		break
	}
	if d := time.Since(start); n != 1 || d > 3*time.Second {
		t.Errorf("break: %d results, returned after %v; want 1, at once", n, d)
	}

	// Cancelled (not a deadline: a query's deadline would then be the
	// context's, and which of the two timers fires first is a race, in
	// Lookup too).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	n = 0
	for res, err := range r.LookupAll(ctx, names(in...), 16, TypeA) {
		if n > 0 && (res == nil || !errors.Is(err, context.Canceled)) {
			t.Errorf("result %d: %v; want ctx's error", n, err)
		}
		n++
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelled batch returned after %v; want at once", d)
	}
	if n == 0 || n > len(in) {
		t.Errorf("cancelled batch: %d results; want 1-%d (the names read)", n, len(in))
	}
}
