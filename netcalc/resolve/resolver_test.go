package resolve

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

// TestLookupSequence asserts the exact query sequence the server sees for
// search/ndots, hosts, NXDOMAIN vs NODATA and CNAME cases.
func TestLookupSequence(t *testing.T) {
	srv := resolvetest.Start(t, testZone)
	k8s := []string{"ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "example.test"}
	tests := []struct {
		name      string
		query     string
		types     []Type
		search    []string
		ndots     int
		single    bool
		order     []Source
		wantLog   []string // server log; sorted per candidate when queries run in parallel
		wantAddrs []netip.Addr
		wantData  []string // answer data when not addresses
		wantSrc   Source
		wantLine  int
		wantCand  int
		wantCanon string
		wantErr   error
	}{
		{
			name: "k8s ndots:5 amplification: 10 queries, bare name last", query: "api.corp.test", search: k8s, ndots: 5,
			wantLog: []string{
				"udp A api.corp.test.ns1.svc.cluster.local.", "udp AAAA api.corp.test.ns1.svc.cluster.local.",
				"udp A api.corp.test.svc.cluster.local.", "udp AAAA api.corp.test.svc.cluster.local.",
				"udp A api.corp.test.cluster.local.", "udp AAAA api.corp.test.cluster.local.",
				"udp A api.corp.test.example.test.", "udp AAAA api.corp.test.example.test.",
				"udp A api.corp.test.", "udp AAAA api.corp.test.",
			},
			wantAddrs: addrs("198.51.100.40"), wantSrc: DNS, wantCand: 5, wantCanon: "api.corp.test.",
		},
		{
			name: "rooted name: 2 queries, hosts file skipped", query: "web.example.test.", search: k8s, ndots: 5,
			wantLog:   []string{"udp A web.example.test.", "udp AAAA web.example.test."},
			wantAddrs: addrs("198.51.100.10", "2001:db8::10"), wantSrc: DNS, wantCand: 1, wantCanon: "web.example.test.",
		},
		{
			name: "single label searched first", query: "svc", search: k8s, ndots: 5, single: true,
			wantLog:   []string{"udp A svc.ns1.svc.cluster.local.", "udp AAAA svc.ns1.svc.cluster.local."},
			wantAddrs: addrs("203.0.113.11"), wantSrc: DNS, wantCand: 1, wantCanon: "svc.ns1.svc.cluster.local.",
		},
		{
			name: "NODATA continues the search (glibc)", query: "kubernetes.default", types: []Type{TypeAAAA}, search: k8s, ndots: 5,
			wantLog: []string{
				"udp AAAA kubernetes.default.ns1.svc.cluster.local.", "udp AAAA kubernetes.default.svc.cluster.local.",
				"udp AAAA kubernetes.default.cluster.local.", "udp AAAA kubernetes.default.example.test.", "udp AAAA kubernetes.default.",
			},
			wantErr: ErrNoData,
		},
		{
			name: "NXDOMAIN everywhere", query: "nope", search: []string{"example.test"}, ndots: 1, single: true,
			wantLog: []string{"udp A nope.example.test.", "udp AAAA nope.example.test.", "udp A nope.", "udp AAAA nope."},
			wantErr: ErrNotFound,
		},
		{
			name: "enough dots: as-is first", query: "db.example.test", search: []string{"example.test"}, ndots: 1, types: []Type{TypeA},
			wantLog:   []string{"udp A db.example.test."},
			wantAddrs: addrs("198.51.100.20"), wantSrc: DNS, wantCand: 1, wantCanon: "db.example.test.",
		},
		{
			name: "A-only name answers A+AAAA lookup", query: "db.example.test", ndots: 1, single: true,
			wantLog:   []string{"udp A db.example.test.", "udp AAAA db.example.test."},
			wantAddrs: addrs("198.51.100.20"), wantSrc: DNS, wantCand: 1, wantCanon: "db.example.test.",
		},
		{
			name: "hosts file first: no query", query: "FileHost", search: k8s, ndots: 5,
			wantAddrs: addrs("198.51.100.99"), wantSrc: Files, wantLine: 5, wantCanon: "filehost.example.test",
		},
		{
			name: "hosts hit ends both families", query: "web.example.test",
			wantAddrs: addrs("198.51.100.98"), wantSrc: Files, wantLine: 6, wantCanon: "Web.Example.Test",
		},
		{
			name: "dns before files", query: "filehost.example.test", order: []Source{DNS, Files}, types: []Type{TypeA},
			wantLog:   []string{"udp A filehost.example.test."},
			wantAddrs: addrs("198.51.100.199"), wantSrc: DNS, wantCand: 1, wantCanon: "filehost.example.test.",
		},
		{
			name: "files only: no query", query: "nope.example.test", order: []Source{Files},
			wantErr: ErrNotFound,
		},
		{
			name: "hosts file ignored for MX", query: "example.test", types: []Type{TypeMX},
			wantLog:  []string{"udp MX example.test."},
			wantData: []string{"10 mail.example.test."}, wantSrc: DNS, wantCand: 1, wantCanon: "example.test.",
		},
		{
			name: "CNAME chain followed in one answer", query: "alias.example.test", types: []Type{TypeA},
			wantLog:   []string{"udp A alias.example.test."},
			wantData:  []string{"www.example.test.", "web.example.test.", "198.51.100.10"},
			wantAddrs: addrs("198.51.100.10"), wantSrc: DNS, wantCand: 1, wantCanon: "web.example.test.",
		},
		{
			name: "CNAME leaving the zone is chased", query: "outside.example.test", types: []Type{TypeA},
			wantLog:  []string{"udp A outside.example.test.", "udp A api.corp.test."},
			wantData: []string{"api.corp.test.", "198.51.100.40"}, wantAddrs: addrs("198.51.100.40"), wantSrc: DNS, wantCand: 1, wantCanon: "api.corp.test.",
		},
		{
			name: "dangling CNAME", query: "dangling.example.test", types: []Type{TypeA},
			wantLog: []string{"udp A dangling.example.test.", "udp A nowhere.example.test."},
			wantErr: ErrNotFound,
		},
		{
			name: "CNAME loop", query: "loop1.example.test", types: []Type{TypeA},
			wantLog: []string{"udp A loop1.example.test."},
			wantErr: ErrCNAMELoop,
		},
		{
			name: "CNAME asked for directly", query: "www.example.test", types: []Type{TypeCNAME},
			wantLog:  []string{"udp CNAME www.example.test."},
			wantData: []string{"web.example.test."}, wantSrc: DNS, wantCand: 1, wantCanon: "web.example.test.",
		},
		{
			name: "IDN converted to A-labels", query: "bücher.example.test.", types: []Type{TypeA},
			wantLog:   []string{"udp A xn--bcher-kva.example.test."},
			wantAddrs: addrs("198.51.100.30"), wantSrc: DNS, wantCand: 1, wantCanon: "xn--bcher-kva.example.test.",
		},
		{
			name: "SRV with underscores", query: "_http._tcp.example.test", types: []Type{TypeSRV},
			wantLog:  []string{"udp SRV _http._tcp.example.test."},
			wantData: []string{"0 5 80 web.example.test."}, wantSrc: DNS, wantCand: 1, wantCanon: "_http._tcp.example.test.",
		},
		{
			name: "reverse IPv4 from the hosts file", query: "198.51.100.99",
			wantData: []string{"filehost.example.test", "filehost", "alias2"}, wantSrc: Files, wantLine: 5, wantCanon: "filehost.example.test",
		},
		{
			name: "reverse IPv4 PTR", query: "198.51.100.10",
			wantLog:  []string{"udp PTR 10.100.51.198.in-addr.arpa."},
			wantData: []string{"web.example.test."}, wantSrc: DNS, wantCand: 1, wantCanon: "10.100.51.198.in-addr.arpa.",
		},
		{
			name: "reverse IPv6 PTR, no search", query: "2001:db8::10", search: k8s, ndots: 5,
			wantLog:  []string{"udp PTR 0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
			wantData: []string{"web.example.test."}, wantSrc: DNS, wantCand: 1, wantCanon: "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
		},
		{
			name: "reverse miss", query: "203.0.113.99",
			wantLog: []string{"udp PTR 99.113.0.203.in-addr.arpa."},
			wantErr: ErrNotFound,
		},
		{
			name: ".onion never sent", query: "abc.onion",
			wantErr: ErrNotDNS,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset()
			r := newTestResolver(t, srv)
			r.Config.Search, r.Config.Ndots, r.Config.SingleRequest = tt.search, tt.ndots, tt.single
			r.Order = tt.order
			srv.SetRule("outside.example.test.", resolvetest.Rule{NoChase: true})
			res, err := r.Lookup(context.Background(), tt.query, tt.types...)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Lookup(%q) error = %v; want %v", tt.query, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.query) {
					t.Errorf("error %q does not name the original name %q", err, tt.query)
				}
			} else if err != nil {
				t.Fatalf("Lookup(%q) error = %v", tt.query, err)
			}
			got := srv.Log()
			if !tt.single && len(tt.types) != 1 {
				got = sortPairs(got)
			}
			if diff := cmp.Diff(tt.wantLog, got); diff != "" {
				t.Errorf("query sequence mismatch (-want +got):\n%s", diff)
			}
			if len(res.Queries) != len(tt.wantLog) {
				t.Errorf("Result.Queries has %d entries; want %d", len(res.Queries), len(tt.wantLog))
			}
			if tt.wantErr != nil {
				return
			}
			if diff := cmp.Diff(tt.wantAddrs, res.Addrs(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("addresses mismatch (-want +got):\n%s", diff)
			}
			if tt.wantData != nil {
				var data []string
				for _, a := range res.Answers {
					data = append(data, a.Data)
				}
				if diff := cmp.Diff(tt.wantData, data); diff != "" {
					t.Errorf("answer data mismatch (-want +got):\n%s", diff)
				}
			}
			if res.Source != tt.wantSrc || firstLine(res.HostsLines) != tt.wantLine || res.Candidate != tt.wantCand || res.CanonicalName != tt.wantCanon {
				t.Errorf("source, line, candidate, canonical = %q, %d, %d, %q; want %q, %d, %d, %q",
					res.Source, res.HostsLines, res.Candidate, res.CanonicalName, tt.wantSrc, tt.wantLine, tt.wantCand, tt.wantCanon)
			}
			if res.Source == DNS && res.Server != srv.Addr {
				t.Errorf("Server = %v; want %v", res.Server, srv.Addr)
			}
		})
	}
}

// sortPairs orders each "A, AAAA" pair of parallel queries for one
// candidate, which may reach the server in either order.
func sortPairs(log []string) []string {
	out := append([]string(nil), log...)
	for i := 0; i+1 < len(out); i++ {
		a, b := strings.Fields(out[i]), strings.Fields(out[i+1])
		if len(a) == 3 && len(b) == 3 && a[2] == b[2] && a[1] == "AAAA" && b[1] == "A" {
			out[i], out[i+1] = out[i+1], out[i]
			i++
		}
	}
	return out
}

// TestFailover checks that timeouts, SERVFAIL, REFUSED, lame and
// mismatched replies move to the next server, NXDOMAIN does not, and
// truncation moves to TCP.
func TestFailover(t *testing.T) {
	const name = "web.example.test."
	tests := []struct {
		name     string
		rule     resolvetest.Rule
		wantBad  []string // log of the misbehaving server
		wantGood []string // log of the second server
		wantErr  error
		wantTr   Transport
		outcome  string // first query's Outcome
	}{
		{"SERVFAIL", resolvetest.Rule{Rcode: 2}, []string{"udp A " + name}, []string{"udp A " + name}, nil, UDP, "SERVFAIL"},
		{"REFUSED", resolvetest.Rule{Rcode: 5}, []string{"udp A " + name}, []string{"udp A " + name}, nil, UDP, "REFUSED"},
		{"timeout", resolvetest.Rule{Drop: true}, []string{"udp A " + name}, []string{"udp A " + name}, nil, UDP, "TIMEOUT"},
		{"lame", resolvetest.Rule{Lame: true}, []string{"udp A " + name}, []string{"udp A " + name}, nil, UDP, "NODATA"},
		{"wrong question", resolvetest.Rule{WrongQ: true}, []string{"udp A " + name}, []string{"udp A " + name}, nil, UDP, "MISMATCH"},
		{"only wrong IDs: timeout", resolvetest.Rule{OnlyBad: true}, []string{"udp A " + name}, []string{"udp A " + name}, nil, UDP, "TIMEOUT"},
		{"NXDOMAIN is final", resolvetest.Rule{Rcode: 3}, []string{"udp A " + name}, nil, ErrNotFound, "", "NXDOMAIN"},
		{"wrong ID ignored, right one used", resolvetest.Rule{BadID: true}, []string{"udp A " + name}, nil, nil, UDP, "NOERROR"},
		{"truncated: retried over TCP", resolvetest.Rule{Truncate: true}, []string{"udp A " + name, "tcp A " + name}, nil, nil, TCP, "TRUNCATED"},
		{"truncated over TCP too: next server", resolvetest.Rule{Truncate: true, AlwaysTC: true}, []string{"udp A " + name, "tcp A " + name}, []string{"udp A " + name}, nil, UDP, "TRUNCATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := resolvetest.Start(t, testZone)
			good := resolvetest.Start(t, testZone)
			bad.SetRule("*", tt.rule)
			r := newTestResolver(t, bad, good)
			r.Config.Timeout = 500 * time.Millisecond
			res, err := r.Lookup(context.Background(), name, TypeA)
			if !errors.Is(err, tt.wantErr) && !(err == nil && tt.wantErr == nil) {
				t.Fatalf("Lookup error = %v; want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantBad, bad.Log()); diff != "" {
				t.Errorf("first server log mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantGood, good.Log()); diff != "" {
				t.Errorf("second server log mismatch (-want +got):\n%s", diff)
			}
			if got := res.Queries[0].Outcome(); got != tt.outcome {
				t.Errorf("first query outcome = %s; want %s", got, tt.outcome)
			}
			if tt.wantErr == nil {
				if res.Transport != tt.wantTr {
					t.Errorf("Transport = %s; want %s", res.Transport, tt.wantTr)
				}
				if got := res.Addrs(); len(got) != 1 || got[0] != netip.MustParseAddr("198.51.100.10") {
					t.Errorf("Addrs = %v; want [198.51.100.10]", got)
				}
			}
		})
	}
}

func TestAttemptsRotateAndAllFail(t *testing.T) {
	a := resolvetest.Start(t, testZone)
	b := resolvetest.Start(t, testZone)
	a.SetRule("*", resolvetest.Rule{Rcode: 2})
	b.SetRule("*", resolvetest.Rule{Drop: true})
	r := newTestResolver(t, a, b)
	r.Config.Attempts = 2
	r.Config.Timeout = 400 * time.Millisecond
	res, err := r.Lookup(context.Background(), "web.example.test.", TypeA)
	if !errors.Is(err, ErrServerFailure) {
		t.Fatalf("error = %v; want ErrServerFailure", err)
	}
	var order []string
	for _, q := range res.Queries {
		order = append(order, q.Server.String()+" "+q.Outcome())
	}
	want := []string{a.Addr.String() + " SERVFAIL", b.Addr.String() + " TIMEOUT", a.Addr.String() + " SERVFAIL", b.Addr.String() + " TIMEOUT"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("attempts × servers mismatch (-want +got):\n%s", diff)
	}

	// rotate: consecutive lookups start at the next server.
	a.SetRule("*", resolvetest.Rule{})
	b.SetRule("*", resolvetest.Rule{})
	r.Config.Rotate = true
	var firsts []netip.AddrPort
	for i := 0; i < 3; i++ {
		res, err := r.Lookup(context.Background(), "web.example.test.", TypeA)
		if err != nil {
			t.Fatal(err)
		}
		firsts = append(firsts, res.Server)
	}
	if firsts[0] == firsts[1] || firsts[0] != firsts[2] {
		t.Errorf("rotate: servers %v; want alternating", firsts)
	}
}

func TestNaturalTruncationAndUseVC(t *testing.T) {
	srv := resolvetest.Start(t, testZone)
	r := newTestResolver(t, srv)
	res, err := r.Lookup(context.Background(), "big.example.test.", TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"udp TXT big.example.test.", "tcp TXT big.example.test."}, srv.Log()); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
	if len(res.Answers) != 1 || len(res.Answers[0].Data) < 6*230 || res.Transport != TCP || !res.Queries[0].Truncated {
		t.Errorf("answers %d, transport %s, first truncated %v; want the full TXT over TCP", len(res.Answers), res.Transport, res.Queries[0].Truncated)
	}
	srv.Reset()
	r.Config.UseTCP = true
	if _, err := r.Lookup(context.Background(), "web.example.test.", TypeA); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"tcp A web.example.test."}, srv.Log()); diff != "" {
		t.Errorf("use-vc log mismatch (-want +got):\n%s", diff)
	}
}

func TestContextDeadlineWins(t *testing.T) {
	srv := resolvetest.Start(t, testZone)
	srv.SetRule("*", resolvetest.Rule{Drop: true})
	r := newTestResolver(t, srv)
	r.Config.Timeout = 10 * time.Second
	r.Config.Attempts = 5
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Lookup(ctx, "web.example.test.", TypeA)
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("lookup took %v; the context deadline (150ms) should win over timeout 10s", el)
	}
	if err == nil {
		t.Fatal("no error; want a deadline error")
	}
}

func TestBadNames(t *testing.T) {
	r := &Resolver{}
	for _, n := range []string{"", "a..b", strings.Repeat("x", 64) + ".test", "bad name"} {
		_, err := r.Lookup(context.Background(), n)
		var ne *NameError
		if !errors.As(err, &ne) || !errors.Is(err, ErrBadName) {
			t.Errorf("Lookup(%q) error = %v; want a *NameError wrapping ErrBadName", n, err)
		}
	}
}

// TestFakeExchanger drives the resolver through the unexported seam
// without a network.
func TestFakeExchanger(t *testing.T) {
	f := &fakeExchanger{reply: wireReply{Rcode: RcodeSuccess, RA: true, Answers: []Answer{{Name: "x.test.", Type: TypeA, TTL: 5, Data: "203.0.113.5"}}}}
	r := &Resolver{ex: f}
	res, err := r.Lookup(context.Background(), "x.test.", TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Addrs(); len(got) != 1 || got[0].String() != "203.0.113.5" {
		t.Errorf("Addrs = %v", got)
	}
	if f.calls != 1 || f.last.Name != "x.test." || f.server != netip.MustParseAddrPort("127.0.0.1:53") {
		t.Errorf("calls %d, query %+v, server %v; want one query to 127.0.0.1:53", f.calls, f.last, f.server)
	}
}

type fakeExchanger struct {
	reply  wireReply
	calls  int
	last   wireQuery
	server netip.AddrPort
}

var _ exchanger = (*fakeExchanger)(nil)

func (f *fakeExchanger) exchange(_ context.Context, q wireQuery, s netip.AddrPort, _ Transport) (wireReply, error) {
	f.calls++
	f.last, f.server = q, s
	return f.reply, nil
}

// TestTimeoutIsPerAttempt checks that a query to a server that never
// answers waits exactly the configured per-attempt timeout, from the
// Config or from resolv.conf's "options timeout:3", over UDP and TCP.
// miekg/dns's own 2 s default read deadline used to end every query after
// 2 s whatever the configuration said.
func TestTimeoutIsPerAttempt(t *testing.T) {
	const want = 3 * time.Second
	fromConf, err := ParseResolvConf(strings.NewReader("nameserver 127.0.0.1\noptions timeout:3 attempts:1\n"), "resolv.conf", ConfEnv{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  func(c *Config)
	}{
		{"Config.Timeout over UDP", func(c *Config) { c.Timeout, c.Attempts = want, 1 }},
		{"Config.Timeout over TCP", func(c *Config) { c.Timeout, c.Attempts, c.UseTCP = want, 1, true }},
		{"resolv.conf options timeout:3", func(c *Config) { c.Timeout, c.Attempts = fromConf.Timeout, fromConf.Attempts }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := resolvetest.Start(t, testZone)
			srv.SetRule("*", resolvetest.Rule{Drop: true})
			r := newTestResolver(t, srv)
			tt.cfg(&r.Config)
			start := time.Now()
			res, err := r.Lookup(context.Background(), "web.example.test.", TypeA)
			took := time.Since(start)
			if !errors.Is(err, ErrServerFailure) {
				t.Fatalf("Lookup error = %v; want ErrServerFailure", err)
			}
			if took < 2800*time.Millisecond || took > 4*time.Second {
				t.Errorf("Lookup took %v; want about %v (2.8-4 s)", took, want)
			}
			if len(res.Queries) != 1 || res.Queries[0].Outcome() != "TIMEOUT" {
				t.Fatalf("queries = %+v; want one TIMEOUT", res.Queries)
			}
			if q := res.Queries[0].RTT; q < 2800*time.Millisecond || q > 4*time.Second {
				t.Errorf("query RTT %v; want about %v", q, want)
			}
		})
	}
}

// TestLookupANY checks that -t ANY keeps every record the server returned,
// whatever its type: a full answer, a CNAME (not followed) and an RFC 8482
// minimal HINFO answer. ANY used to keep only records of type 255, which
// no record has, and report "no records of the requested type".
func TestLookupANY(t *testing.T) {
	srv := resolvetest.Start(t, testZone)
	minimal := resolvetest.Start(t, testZone)
	minimal.SetRule("*", resolvetest.Rule{MinimalANY: true})
	tests := []struct {
		name     string
		server   *resolvetest.Server
		query    string
		wantData []string
		wantErr  error
	}{
		{name: "every type of the name", server: srv, query: "web.example.test.",
			wantData: []string{"A 198.51.100.10", "AAAA 2001:db8::10"}},
		{name: "MX and TXT at the apex", server: srv, query: "example.test.",
			wantData: []string{"MX 10 mail.example.test.", `TXT "v=spf1 -all"`}},
		{name: "a CNAME is one of the records, not followed", server: srv, query: "www.example.test.",
			wantData: []string{"CNAME web.example.test."}},
		{name: "RFC 8482 minimal answer", server: minimal, query: "web.example.test.",
			wantData: []string{`HINFO "RFC8482" ""`}},
		{name: "NXDOMAIN stays NXDOMAIN", server: srv, query: "nope.example.test.", wantErr: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestResolver(t, tt.server)
			res, err := r.Lookup(context.Background(), tt.query, TypeANY)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Lookup(%q, ANY) error = %v; want %v", tt.query, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lookup(%q, ANY) error = %v", tt.query, err)
			}
			var got []string
			for _, a := range res.Answers {
				got = append(got, a.Type.String()+" "+a.Data)
			}
			if diff := cmp.Diff(tt.wantData, got); diff != "" {
				t.Errorf("Lookup(%q, ANY) answers (-want +got):\n%s", tt.query, diff)
			}
			if res.Source != DNS || res.Name != tt.query {
				t.Errorf("source %q name %q; want dns %q", res.Source, res.Name, tt.query)
			}
		})
	}
}

func firstLine(lines []int) int {
	if len(lines) == 0 {
		return 0
	}
	return lines[0]
}

// TestHostsLinesAll checks that an answer from several hosts-file lines
// cites every one of them, for a reverse and a forward lookup; only the
// first line used to be named.
func TestHostsLinesAll(t *testing.T) {
	r := newTestResolver(t)
	r.Order = []Source{Files}
	tests := []struct {
		name      string
		query     string
		wantLines []int
		wantData  []string
	}{
		{"reverse from three lines", "203.0.113.50", []int{15, 16, 17},
			[]string{"rev-a.example.test", "rev-a", "rev-b.example.test", "rev-c.example.test"}},
		{"forward from two lines", "multi.example.test", []int{8, 9}, []string{"203.0.113.7", "2001:db8::7"}},
		{"one line", "filehost", []int{5}, []string{"198.51.100.99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Lookup(context.Background(), tt.query)
			if err != nil {
				t.Fatalf("Lookup(%q) error = %v", tt.query, err)
			}
			if diff := cmp.Diff(tt.wantLines, res.HostsLines); diff != "" {
				t.Errorf("Lookup(%q).HostsLines (-want +got):\n%s", tt.query, diff)
			}
			var got []string
			for _, a := range res.Answers {
				got = append(got, a.Data)
			}
			if diff := cmp.Diff(tt.wantData, got); diff != "" {
				t.Errorf("Lookup(%q) answers (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

// TestResultJSON checks the one JSON schema of a Result (the CLI marshals
// this struct): snake_case names, "files"/"dns" sources, a query's rcode
// null and its error set when no reply came.
func TestResultJSON(t *testing.T) {
	srv := resolvetest.Start(t, testZone)
	r := newTestResolver(t, srv)
	r.Order = []Source{Files, DNS}
	tests := []struct {
		name  string
		query string
		types []Type
		drop  bool
		want  string
	}{
		{name: "hosts file", query: "203.0.113.50",
			want: `{"query":"203.0.113.50","types":["PTR"],"source":"files","hosts_file":"HOSTS","hosts_lines":[15,16,17],"canonical_name":"rev-a.example.test","candidates":[],"answers":[{"name":"50.113.0.203.in-addr.arpa.","type":"PTR","ttl":0,"data":"rev-a.example.test"},{"name":"50.113.0.203.in-addr.arpa.","type":"PTR","ttl":0,"data":"rev-a"},{"name":"50.113.0.203.in-addr.arpa.","type":"PTR","ttl":0,"data":"rev-b.example.test"},{"name":"50.113.0.203.in-addr.arpa.","type":"PTR","ttl":0,"data":"rev-c.example.test"}],"queries":[]}`},
		{name: "dns", query: "db.example.test.", types: []Type{TypeA},
			want: `{"query":"db.example.test.","types":["A"],"source":"dns","server":"SERVER","transport":"udp","name":"db.example.test.","canonical_name":"db.example.test.","candidates":["db.example.test."],"candidate":1,"answers":[{"name":"db.example.test.","type":"A","ttl":60,"data":"198.51.100.20"}],"queries":[{"name":"db.example.test.","type":"A","server":"SERVER","transport":"udp","rcode":"NOERROR","outcome":"NOERROR","answers":1,"rtt_ms":RTT,"truncated":false}]}`},
		{name: "timeout", query: "db.example.test.", types: []Type{TypeA}, drop: true,
			want: `{"query":"db.example.test.","types":["A"],"candidates":["db.example.test."],"answers":[],"queries":[{"name":"db.example.test.","type":"A","server":"SERVER","transport":"udp","rcode":null,"outcome":"TIMEOUT","answers":0,"rtt_ms":RTT,"truncated":false,"error":"timed out"}],"error":"db.example.test.: no server gave an answer (last: SERVER: timed out)"}`},
	}
	rtt := regexp.MustCompile(`"rtt_ms":[0-9.]+`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.Config.Timeout = 2 * time.Second
			if tt.drop {
				srv.SetRule("*", resolvetest.Rule{Drop: true})
				defer srv.SetRule("*", resolvetest.Rule{})
				r.Config.Timeout = 100 * time.Millisecond
			}
			res, _ := r.Lookup(context.Background(), tt.query, tt.types...)
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(string(b), srv.Addr.String(), "SERVER")
			got = strings.ReplaceAll(got, r.Hosts.File, "HOSTS")
			got = rtt.ReplaceAllString(got, `"rtt_ms":RTT`)
			if got != tt.want {
				t.Errorf("json.Marshal(Lookup(%q)) =\n%s\nwant\n%s", tt.query, got, tt.want)
			}
		})
	}
}
