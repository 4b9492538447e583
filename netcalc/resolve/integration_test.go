package resolve_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/resolve"
	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

// TestDnsmasqMatchesDig resolves names against a real DNS server (dnsmasq
// on loopback, with the test zone testdata/resolve/dnsmasq.conf and no
// upstream) and checks that netcalc's answers are dig's, name by name.
// Skipped when dnsmasq or dig is missing (Debian dnsmasq-base,
// bind9-dnsutils; CI installs both).
func TestDnsmasqMatchesDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed (Debian: apt-get install bind9-dnsutils); skipping the integration test")
	}
	d := resolvetest.StartDnsmasq(t, filepath.Join("..", "..", "testdata", "resolve", "dnsmasq.conf"))
	r := &resolve.Resolver{Order: []resolve.Source{resolve.DNS}}
	r.Config = resolve.DefaultConfig()
	r.Config.Servers = append(r.Config.Servers, d.Addr)
	r.Config.Timeout = 2 * time.Second

	tests := []struct {
		name    string
		typ     string
		digArgs []string // instead of NAME TYPE
		wantErr error
	}{
		{name: "web.example.test.", typ: "A"},
		{name: "web.example.test.", typ: "AAAA"},
		{name: "www.example.test.", typ: "A"}, // CNAME, then A
		{name: "db.example.test.", typ: "AAAA", wantErr: resolve.ErrNoData},
		{name: "nope.example.test.", typ: "A", wantErr: resolve.ErrNotFound},
		{name: "example.test.", typ: "MX"},
		{name: "example.test.", typ: "TXT"},
		{name: "_http._tcp.example.test.", typ: "SRV"},
		{name: "xn--bcher-kva.example.test.", typ: "A"},
		{name: "bücher.example.test.", typ: "A", digArgs: []string{"xn--bcher-kva.example.test.", "A"}},
		{name: "big.example.test.", typ: "TXT"}, // truncated over UDP, complete over TCP
		{name: "198.51.100.10", typ: "PTR", digArgs: []string{"-x", "198.51.100.10"}},
		{name: "198.51.100.99", typ: "PTR", digArgs: []string{"-x", "198.51.100.99"}},
		{name: "2001:db8::10", typ: "PTR", digArgs: []string{"-x", "2001:db8::10"}},
		{name: "kubernetes.default.svc.cluster.local.", typ: "A"},
		// No upstream: dnsmasq refuses names outside its local domains.
		{name: "nothing.invalid.", typ: "A", wantErr: resolve.ErrServerFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.typ, func(t *testing.T) {
			args := tt.digArgs
			if args == nil {
				args = []string{tt.name, tt.typ}
			}
			out, err := exec.Command(dig, append([]string{"@127.0.0.1", "-p", strconv.Itoa(int(d.Addr.Port())), "+short", "+time=2", "+tries=1"}, args...)...).Output()
			if err != nil {
				t.Fatalf("dig %v: %v", args, err)
			}
			want := lines(string(out))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := r.Lookup(ctx, tt.name, resolve.MustParseType(tt.typ))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Lookup error = %v; want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			var got []string
			for _, a := range res.Answers {
				got = append(got, a.Data)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("netcalc vs dig +short %v (-dig +netcalc):\n%s", args, diff)
			}
			if tt.name == "big.example.test." && (len(res.Queries) != 2 || !res.Queries[0].Truncated || res.Transport != resolve.TCP) {
				t.Errorf("big TXT: queries %+v; want a truncated UDP query then TCP", res.Queries)
			}
		})
	}
}

// TestDnsmasqSearchSequence checks the Kubernetes ndots:5 query sequence
// as a real server logs it.
func TestDnsmasqSearchSequence(t *testing.T) {
	d := resolvetest.StartDnsmasq(t, filepath.Join("..", "..", "testdata", "resolve", "dnsmasq.conf"))
	conf, err := resolve.LoadResolvConf(filepath.Join("..", "..", "testdata", "resolve", "k8s.conf"), resolve.ConfEnv{})
	if err != nil {
		t.Fatal(err)
	}
	conf.Servers = append(conf.Servers[:0], d.Addr)
	conf.SingleRequest = true // A then AAAA, so that the log order is fixed
	r := &resolve.Resolver{Config: conf}
	before := len(d.Queries())
	res, err := r.Lookup(context.Background(), "api.corp.test")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"A api.corp.test.ns1.svc.cluster.local", "AAAA api.corp.test.ns1.svc.cluster.local",
		"A api.corp.test.svc.cluster.local", "AAAA api.corp.test.svc.cluster.local",
		"A api.corp.test.cluster.local", "AAAA api.corp.test.cluster.local",
		"A api.corp.test.example.test", "AAAA api.corp.test.example.test",
		"A api.corp.test", "AAAA api.corp.test",
	}
	got := d.WaitQueries(before + len(want))[before:]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dnsmasq query log mismatch (-want +got):\n%s", diff)
	}
	if res.Candidate != 5 || res.Addrs()[0].String() != "198.51.100.40" {
		t.Errorf("candidate %d, addrs %v; want 5, [198.51.100.40]", res.Candidate, res.Addrs())
	}
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}
