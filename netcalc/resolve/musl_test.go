package resolve_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve"
	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

func TestParseMuslResolvConf(t *testing.T) {
	long := "search " + strings.Repeat("a", 250) + ".test\n" // 262 characters: skipped whole
	in := "nameserver 127.1\n" +
		"nameserver   ::1\n" +
		"nameserver bogus\n" +
		"nameserver 198.51.100.53\n" +
		"nameserver 198.51.100.54\n" + // a fourth: ignored
		" nameserver 198.51.100.55\n" + // not in column 0
		"search corp.test . # comment\n" +
		long +
		"options rotate ndots:30 attempts:12 timeout:90 edns0\n"
	c, err := resolve.ParseMuslResolvConf(strings.NewReader(in), "resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	wantServers := []netip.AddrPort{
		netip.MustParseAddrPort("127.0.0.1:53"),
		netip.MustParseAddrPort("[::1]:53"),
		netip.MustParseAddrPort("198.51.100.53:53"),
	}
	if !slices.Equal(c.Servers, wantServers) {
		t.Errorf("Servers = %v; want %v", c.Servers, wantServers)
	}
	if want := []string{"corp.test", ".", "#", "comment"}; !slices.Equal(c.Search, want) {
		t.Errorf("Search = %q; want %q (musl keeps every word, the long search line skipped)", c.Search, want)
	}
	if c.Ndots != 15 || c.Attempts != 10 || c.Timeout != 60*time.Second {
		t.Errorf("ndots %d attempts %d timeout %v; want musl's caps 15, 10, 60s", c.Ndots, c.Attempts, c.Timeout)
	}
	var msgs []string
	for _, w := range c.Warnings {
		msgs = append(msgs, w.String())
	}
	for _, want := range []string{
		`resolv.conf:3: nameserver "bogus": not an IP address`,
		`resolv.conf:6: "nameserver": not a line musl reads`,
		"resolv.conf:8: line of 262 characters: musl skips",
		`resolv.conf:9: options "rotate": ignored by musl`,
	} {
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.HasPrefix(m, want) }) {
			t.Errorf("no warning starting %q in %q", want, msgs)
		}
	}

	// No nameserver: 127.0.0.1 only (glibc and Go add ::1); substring options.
	c, _ = resolve.ParseMuslResolvConf(strings.NewReader("options foo-ndots:3\n"), "r")
	if want := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:53")}; !slices.Equal(c.Servers, want) || c.Ndots != 3 {
		t.Errorf("Servers %v ndots %d; want %v and 3 (musl finds ndots: anywhere on the line)", c.Servers, c.Ndots, want)
	}
}

// muslResolver is a musl resolver asking the given servers.
func muslResolver(lib resolve.Libc, servers ...*resolvetest.Server) *resolve.Resolver {
	r := &resolve.Resolver{Libc: lib, Config: resolve.Config{Ndots: 1, Timeout: time.Second, Attempts: 2}}
	for _, s := range servers {
		r.Config.Servers = append(r.Config.Servers, s.Addr)
	}
	return r
}

const muslZone = `
web.example.test. 60 IN A 198.51.100.10
web.example.test. 60 IN AAAA 2001:db8::10
db.example.test. 60 IN A 198.51.100.20
`

func manyZone() string {
	var b strings.Builder
	b.WriteString(muslZone)
	for i := 1; i <= 40; i++ {
		b.WriteString("many.example.test. 60 IN A 198.51.100." + itoa(i) + "\n")
	}
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestMuslTruncation: 1.2.3 keeps the records of a truncated UDP answer
// and never uses TCP; 1.2.4+ asks again over TCP and gets all of them.
func TestMuslTruncation(t *testing.T) {
	srv := resolvetest.Start(t, manyZone())
	ctx := context.Background()

	res, err := muslResolver(resolve.Musl123, srv).Lookup(ctx, "many.example.test", resolve.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Addrs()); n == 0 || n >= 40 {
		t.Errorf("musl 1.2.3: %d addresses; want the part of 40 that fits in 512 bytes", n)
	}
	for _, l := range srv.Log() {
		if strings.HasPrefix(l, "tcp") {
			t.Errorf("musl 1.2.3 used TCP: %v", srv.Log())
		}
	}
	if !slices.ContainsFunc(res.Steps, func(s string) bool { return strings.Contains(s, "no TCP fallback") }) {
		t.Errorf("steps %q do not say 1.2.3 has no TCP fallback", res.Steps)
	}

	srv.Reset()
	res, err = muslResolver(resolve.Musl125, srv).Lookup(ctx, "many.example.test", resolve.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Addrs()); n != 40 {
		t.Errorf("musl 1.2.5: %d addresses; want all 40 over TCP", n)
	}
	if want := []string{"udp A many.example.test.", "tcp A many.example.test."}; !slices.Equal(srv.Log(), want) {
		t.Errorf("musl 1.2.5 queries %q; want %q", srv.Log(), want)
	}
	if res.Transport != resolve.TCP {
		t.Errorf("Transport = %q; want tcp", res.Transport)
	}
}

// TestMuslFirstAnswerWins: every server is asked at once and the first
// accepted answer is taken, here from the second server, while the first
// one is slow; SERVFAIL is never accepted.
func TestMuslFirstAnswerWins(t *testing.T) {
	slow := resolvetest.Start(t, muslZone)
	fast := resolvetest.Start(t, muslZone)
	slow.SetRule("*", resolvetest.Rule{Delay: 300 * time.Millisecond})
	res, err := muslResolver(resolve.Musl123, slow, fast).Lookup(context.Background(), "web.example.test")
	if err != nil {
		t.Fatal(err)
	}
	if res.Server != fast.Addr {
		t.Errorf("answer from %v; want the fast second server %v", res.Server, fast.Addr)
	}
	// The slow server logs a query when its handler runs: give it time.
	for deadline := time.Now().Add(time.Second); len(slow.Log()) < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if len(slow.Log()) != 2 {
		t.Errorf("slow server got %q; want A and AAAA at once, as the fast one", slow.Log())
	}
	var notAwaited int
	for _, q := range res.Queries {
		if q.Server == slow.Addr && errors.Is(q.Err, resolve.ErrNotAwaited) && q.Outcome() == "NOT-AWAITED" {
			notAwaited++
		}
	}
	if notAwaited != 2 {
		t.Errorf("queries %+v; want the slow server's two marked NOT-AWAITED", res.Queries)
	}

	// SERVFAIL from the first server: the second one's answer is taken.
	bad := resolvetest.Start(t, muslZone)
	bad.SetRule("*", resolvetest.Rule{Rcode: 2})
	res, err = muslResolver(resolve.Musl123, bad, fast).Lookup(context.Background(), "db.example.test", resolve.TypeA)
	if err != nil || res.Server != fast.Addr {
		t.Errorf("Lookup = %v from %v; want an answer from %v", err, res.Server, fast.Addr)
	}

	// Only SERVFAIL: no answer is ever accepted; EAI_AGAIN after the
	// timeout (not after the first reply), with the SERVFAIL resends.
	// A fresh server: late resends of the lookup above must not count.
	bad = resolvetest.Start(t, muslZone)
	bad.SetRule("*", resolvetest.Rule{Rcode: 2})
	r := muslResolver(resolve.Musl123, bad)
	r.Config.Timeout, r.Config.Attempts = 400*time.Millisecond, 1
	start := time.Now()
	_, err = r.Lookup(context.Background(), "db.example.test", resolve.TypeA)
	var ge *resolve.GaiError
	if !errors.As(err, &ge) || ge.Name != "EAI_AGAIN" || !errors.Is(err, resolve.ErrServerFailure) {
		t.Errorf("error %v; want EAI_AGAIN wrapping ErrServerFailure", err)
	}
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Errorf("gave up after %v; musl waits the whole timeout (400ms)", d)
	}
	if n := len(bad.Log()); n != 3 {
		t.Errorf("%d queries %q; want 3 (one, then two SERVFAIL resends: the budget is twice the number of queries)", n, bad.Log())
	}
}

// TestMuslNodataVersions: NODATA ends the walk with EAI_NONAME in 1.2.3
// and EAI_NODATA in 1.2.4+; an over-long candidate stops 1.2.3 and is
// skipped by 1.2.4+.
func TestMuslNodataVersions(t *testing.T) {
	srv := resolvetest.Start(t, muslZone)
	for _, tc := range []struct {
		lib  resolve.Libc
		want string
	}{{resolve.Musl123, "EAI_NONAME"}, {resolve.Musl124, "EAI_NODATA"}, {resolve.Musl125, "EAI_NODATA"}} {
		_, err := muslResolver(tc.lib, srv).Lookup(context.Background(), "db.example.test", resolve.TypeAAAA)
		var ge *resolve.GaiError
		if !errors.As(err, &ge) || ge.Name != tc.want || !errors.Is(err, resolve.ErrNoData) {
			t.Errorf("%s: error %v; want %s wrapping ErrNoData", tc.lib, err, tc.want)
		}
	}

	for _, tc := range []struct {
		lib     resolve.Libc
		wantErr string
		queries int
	}{{resolve.Musl123, "EAI_NONAME", 0}, {resolve.Musl125, "", 2}} {
		srv.Reset()
		r := muslResolver(tc.lib, srv)
		r.Config.Search = []string{strings.Repeat("y", 64) + ".test"}
		r.Config.Ndots = 5
		_, err := r.Lookup(context.Background(), "web.example.test")
		var ge *resolve.GaiError
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v; want the over-long candidate skipped and web.example.test answered", tc.lib, err)
		case tc.wantErr != "" && (!errors.As(err, &ge) || ge.Name != tc.wantErr):
			t.Errorf("%s: error %v; want %s", tc.lib, err, tc.wantErr)
		}
		if n := len(srv.Log()); n != tc.queries {
			t.Errorf("%s: queries %q; want %d", tc.lib, srv.Log(), tc.queries)
		}
	}
}
