package resolve

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseHosts(t *testing.T) {
	h, err := LoadHosts(fixture("hosts"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		query string
		want  []string // "ADDR@LINE"
	}{
		{"canonical", "filehost.example.test", []string{"198.51.100.99@5"}},
		{"alias", "alias2", []string{"198.51.100.99@5"}},
		{"case-insensitive", "FILEHOST.Example.TEST", []string{"198.51.100.99@5"}},
		{"mixed-case file", "web.example.test", []string{"198.51.100.98@6"}},
		{"several lines", "multi.example.test", []string{"203.0.113.7@8", "2001:db8::7@9"}},
		{"alias on one line only", "multi", []string{"2001:db8::7@9"}},
		{"zone kept", "linklocal.example.test", []string{"fe80::1%eth0@10"}},
		{"bad address skipped", "broken.example.test", nil},
		{"no search expansion", "filehost.example", nil},
		{"rooted name is literal", "filehost.example.test.", nil},
		{"comment text is not a name", "inline", nil},
		{"U-label as written", "bücher.example.test", []string{"203.0.113.200@13"}},
		{"only ASCII letters fold (glibc C locale, Go)", "BÜCHER.Example.Test", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range h.Lookup(tt.query) {
				got = append(got, e.Addr.String()+"@"+strconv.Itoa(e.Line))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
	if got := h.LookupAddr(netip.MustParseAddr("fe80::1")); len(got) != 1 || got[0].Names[0] != "linklocal.example.test" {
		t.Errorf("LookupAddr(fe80::1) = %v; want the linklocal line", got)
	}
	var nilHosts *Hosts
	if got := nilHosts.Lookup("localhost"); got != nil {
		t.Errorf("nil Hosts Lookup = %v; want nil", got)
	}
}

func TestHostsRoundTrip(t *testing.T) {
	h, err := LoadHosts(fixture("hosts"))
	if err != nil {
		t.Fatal(err)
	}
	h2, err := ParseHosts(strings.NewReader(h.String()), "round-trip")
	if err != nil {
		t.Fatal(err)
	}
	strip := func(es []HostsEntry) []HostsEntry {
		out := append([]HostsEntry(nil), es...)
		for i := range out {
			out[i].Line = 0
		}
		return out
	}
	if diff := cmp.Diff(strip(h.Entries), strip(h2.Entries), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("ParseHosts(String()) mismatch (-want +got):\n%s", diff)
	}
}

func TestParseResolvConf(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		text  string
		env   ConfEnv
		want  Config
		warns int
	}{
		{
			name: "k8s",
			file: "k8s.conf",
			want: Config{Servers: aps("127.0.0.1:53"), Search: []string{"ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "example.test"},
				Ndots: 5, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name: "glibc limits",
			file: "glibc-limits.conf",
			want: Config{Servers: aps("127.0.0.1:53", "[::1]:53", "127.0.0.2:53"), Search: []string{"a.test", "b.test"},
				Ndots: 15, Timeout: 30 * time.Second, Attempts: 5, Rotate: true, UseTCP: true, SingleRequest: true, TrustAD: true},
			// 4th nameserver, bogus nameserver, ndots, timeout, attempts capped, inet6, frobnicate
			warns: 7,
		},
		{
			name: "empty file: glibc defaults",
			text: "",
			want: Config{Ndots: 1, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name: "domain after search wins",
			text: "search a.test b.test\ndomain c.test\n",
			want: Config{Search: []string{"c.test"}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name: "search after domain wins",
			text: "domain c.test\nsearch a.test b.test\n",
			want: Config{Search: []string{"a.test", "b.test"}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name: "comments only in first column; rooted search domains",
			text: "# c\n; c\nsearch a.test. b.test\n",
			want: Config{Search: []string{"a.test", "b.test"}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name: "hostname gives the default domain",
			text: "nameserver 2001:db8::53\n",
			env:  ConfEnv{Hostname: "box.lab.example.test"},
			want: Config{Servers: aps("[2001:db8::53]:53"), Search: []string{"lab.example.test"}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name: "hostname without a dot: no domain",
			text: "",
			env:  ConfEnv{Hostname: "box"},
			want: Config{Ndots: 1, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name: "LOCALDOMAIN and RES_OPTIONS",
			text: "search a.test\noptions ndots:2 timeout:3\n",
			env: ConfEnv{Hostname: "box.lab.test", Getenv: func(k string) string {
				return map[string]string{"LOCALDOMAIN": "x.test y.test", "RES_OPTIONS": "ndots:4 attempts:1 rotate"}[k]
			}},
			want: Config{Search: []string{"x.test", "y.test"}, Ndots: 4, Timeout: 3 * time.Second, Attempts: 1, Rotate: true},
		},
		{
			name: "scoped link-local server keeps its zone",
			text: "nameserver fe80::1%eth0\n",
			want: Config{Servers: aps("[fe80::1%eth0]:53"), Ndots: 1, Timeout: 5 * time.Second, Attempts: 2},
		},
		{
			name:  "bad numbers ignored",
			text:  "options ndots:x timeout:0 attempts:-1\n",
			want:  Config{Ndots: 1, Timeout: 1 * time.Second, Attempts: 2},
			warns: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if tt.file != "" {
				text = readFixture(t, tt.file)
			}
			got, err := ParseResolvConf(strings.NewReader(text), "test.conf", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Warnings) != tt.warns {
				t.Errorf("warnings = %d %v; want %d", len(got.Warnings), got.Warnings, tt.warns)
			}
			got.Warnings = nil
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("ParseResolvConf mismatch (-want +got):\n%s", diff)
			}
			// Round trip: String then Parse gives the same configuration.
			again, err := ParseResolvConf(strings.NewReader(got.String()), "again", ConfEnv{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Search) == 0 {
				again.Search = nil
			}
			again.Warnings = nil
			if diff := cmp.Diff(got, again, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("Parse(String()) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func aps(ss ...string) []netip.AddrPort {
	var out []netip.AddrPort
	for _, s := range ss {
		out = append(out, netip.MustParseAddrPort(s))
	}
	return out
}

func TestParseNSSwitch(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		want  []Source
		warns []string
	}{
		{"debian mdns", readFixture(t, "nsswitch.conf"), []Source{Files, DNS},
			[]string{"test:3: hosts: mdns4_minimal [NOTFOUND=return] myhostname: not implemented by netcalc (only files and dns); ignored"}},
		{"dns first", "hosts: dns files\n", []Source{DNS, Files}, nil},
		{"dns only", "hosts: dns # comment files\n", []Source{DNS}, nil},
		{"no hosts line", "passwd: files\n", []Source{Files, DNS}, nil},
		{"last line wins", "hosts: files\nhosts: dns\n", []Source{DNS}, nil},
		{"nothing usable", "hosts: resolve\n", []Source{Files, DNS}, []string{
			"test:1: hosts: resolve: not implemented by netcalc (only files and dns); ignored",
			"test: hosts line names neither files nor dns; using files dns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns, err := ParseNSSwitch(strings.NewReader(tt.text), "test")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order mismatch (-want +got):\n%s", diff)
			}
			var ws []string
			for _, w := range warns {
				ws = append(ws, w.String())
			}
			if diff := cmp.Diff(tt.warns, ws); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNameList(t *testing.T) {
	k8s := Config{Search: []string{"ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "example.test"}, Ndots: 5}
	long := strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60)
	tests := []struct {
		name string
		cfg  Config
		in   string
		want []string
	}{
		{"k8s ndots:5, 2 dots: search first", k8s, "api.corp.test", []string{
			"api.corp.test.ns1.svc.cluster.local.", "api.corp.test.svc.cluster.local.", "api.corp.test.cluster.local.", "api.corp.test.example.test.", "api.corp.test."}},
		{"rooted: as-is only", k8s, "api.corp.test.", []string{"api.corp.test."}},
		{"enough dots: as-is first", Config{Search: []string{"example.test"}, Ndots: 1}, "web.example", []string{"web.example.", "web.example.example.test."}},
		{"single label", Config{Search: []string{"example.test"}, Ndots: 1}, "web", []string{"web.example.test.", "web."}},
		{"no-tld-query", Config{Search: []string{"example.test"}, Ndots: 1, NoTLDQuery: true}, "web", []string{"web.example.test."}},
		{"ndots 0", Config{Search: []string{"example.test"}}, "web", []string{"web.", "web.example.test."}},
		{"overlong candidates skipped", Config{Search: []string{"example.test"}, Ndots: 5}, long, []string{long + "."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cfg.NameList(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NameList(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestToASCII(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{"ascii unchanged", "Web.Example.Test", "Web.Example.Test", false},
		{"underscore kept", "_http._tcp.example.test", "_http._tcp.example.test", false},
		{"U-label", "bücher.example.test", "xn--bcher-kva.example.test", false},
		{"rooted", "bücher.example.test.", "xn--bcher-kva.example.test.", false},
		{"empty", "", "", true},
		{"empty label", "a..b", "", true},
		{"long label", strings.Repeat("x", 64) + ".test", "", true},
		{"space", "a b.test", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToASCII(tt.in)
			if (err != nil) != tt.bad || got != tt.want {
				t.Errorf("ToASCII(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.bad)
			}
		})
	}
	if got := ToUnicode("xn--bcher-kva.example.test."); got != "bücher.example.test." {
		t.Errorf("ToUnicode = %q; want bücher.example.test.", got)
	}
}

func TestParseType(t *testing.T) {
	for _, s := range []string{"A", "aaaa", "MX", "caa", "TXT", "SRV", "PTR", "SOA", "NS", "CNAME", "HTTPS", "TYPE65"} {
		ty, err := ParseType(s)
		if err != nil {
			t.Errorf("ParseType(%q) error %v", s, err)
			continue
		}
		again, err := ParseType(ty.String())
		if err != nil || again != ty {
			t.Errorf("ParseType(%q).String() = %q does not round-trip", s, ty)
		}
	}
	if MustParseType("TYPE65") != MustParseType("HTTPS") {
		t.Errorf("TYPE65 != HTTPS")
	}
	for _, s := range []string{"", "BOGUS", "TYPE0", "TYPE70000"} {
		if _, err := ParseType(s); err == nil {
			t.Errorf("ParseType(%q) succeeded; want ErrBadType", s)
		}
	}
}

func TestReverseName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"198.51.100.10", "10.100.51.198.in-addr.arpa."},
		{"2001:db8::10", "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
	}
	for _, tt := range tests {
		if got := ReverseName(netip.MustParseAddr(tt.in)); got != tt.want {
			t.Errorf("ReverseName(%s) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

// TestLongConfigLines checks that a configuration line longer than
// bufio.Scanner's limit is one more line, as in glibc, not a read error
// ("bufio.Scanner: token too long"), and that line numbers stay right.
func TestLongConfigLines(t *testing.T) {
	long := "# " + strings.Repeat("x", 3_000_000) + "\n"
	h, err := ParseHosts(strings.NewReader(long+"198.51.100.7\tafter.example.test\r\n"), "hosts")
	if err != nil {
		t.Fatalf("ParseHosts with a 3 MB comment line: %v", err)
	}
	if e := h.Lookup("after.example.test"); len(e) != 1 || e[0].Line != 2 {
		t.Errorf("ParseHosts: after.example.test = %+v; want one entry on line 2", e)
	}
	c, err := ParseResolvConf(strings.NewReader(long+"nameserver 198.51.100.53\n"), "resolv.conf", ConfEnv{})
	if err != nil {
		t.Fatalf("ParseResolvConf with a 3 MB comment line: %v", err)
	}
	if want := netip.MustParseAddrPort("198.51.100.53:53"); len(c.Servers) != 1 || c.Servers[0] != want {
		t.Errorf("ParseResolvConf: servers %v; want [%v]", c.Servers, want)
	}
	o, _, err := ParseNSSwitch(strings.NewReader(long+"hosts: dns files\n"), "nsswitch.conf")
	if err != nil {
		t.Fatalf("ParseNSSwitch with a 3 MB comment line: %v", err)
	}
	if diff := cmp.Diff([]Source{DNS, Files}, o); diff != "" {
		t.Errorf("ParseNSSwitch order (-want +got):\n%s", diff)
	}
}
