package resolve_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve"
	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

// libcLab is the ground truth for `netcalc resolve --libc`: a real C
// library's getaddrinfo (testdata/resolve/musl/gai.c, or glibc's getent)
// run chrooted into a directory of the test's own, whose etc/ holds only
// the test's resolv.conf, hosts and nsswitch.conf (the program and the
// shared libraries it loads are copied in), against servers on loopback port 53
// (a C library cannot ask another port): dnsmasq on 127.53.N.1 and the
// in-process resolvetest server on 127.53.N.2 (SERVFAIL and truncation on
// demand); 127.53.N.9 is a dead server. Nothing is ever sent to the
// machine's resolver: every resolv.conf names only these addresses.
type libcLab struct {
	t       *testing.T
	dir     string
	root    string // the chroot: etc/ and the programs run
	net     string // "127.53.N."
	dm      *resolvetest.Dnsmasq
	srv     *resolvetest.Server
	dmSeen  int
	nsswich string
}

func newLibcLab(t *testing.T) *libcLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for chroot and port 53 on loopback; skipping the C library comparison")
	}
	for _, b := range []string{"chroot", "ldd", "dnsmasq"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed; skipping the C library comparison", b)
		}
	}
	l := &libcLab{t: t, dir: t.TempDir()}
	l.root = filepath.Join(l.dir, "root")
	if err := os.MkdirAll(filepath.Join(l.root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join("..", "..", "testdata", "resolve", "musl", "dnsmasq.conf")
	for try := 0; try < 20 && l.dm == nil; try++ {
		l.net = fmt.Sprintf("127.53.%d.", 1+rand.N(250))
		l.dm = resolvetest.StartDnsmasqAt(t, conf, netip.MustParseAddrPort(l.net+"1:53"))
	}
	if l.dm == nil {
		t.Fatal("no free 127.53.N.1:53 for dnsmasq after 20 tries")
	}
	var zone strings.Builder
	zone.WriteString("web.example.test. 60 IN A 198.51.100.10\nweb.example.test. 60 IN AAAA 2001:db8::10\n")
	zone.WriteString("api.shop.svc.cluster.local. 60 IN A 203.0.113.20\n")
	zone.WriteString("api.shop.ns1.svc.cluster.local. 60 IN A 203.0.113.99\n") // answered with SERVFAIL below
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&zone, "many.example.test. 60 IN A 198.51.100.%d\n", i)
	}
	srv, err := resolvetest.ListenAt(zone.String(), l.net+"2:53")
	if err != nil {
		t.Fatalf("in-process server on %s2:53: %v", l.net, err)
	}
	t.Cleanup(srv.Close)
	srv.SetRule("api.shop.ns1.svc.cluster.local.", resolvetest.Rule{Rcode: 2})
	srv.SetRule("silent.example.test.", resolvetest.Rule{Drop: true})
	l.srv = srv
	l.nsswich = l.write("nsswitch.conf", "hosts: files dns\n")
	return l
}

func (l *libcLab) write(name, content string) string {
	p := filepath.Join(l.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		l.t.Fatal(err)
	}
	return p
}

// conf replaces NS1, NS2 and DEAD in a resolv.conf template.
func (l *libcLab) conf(tmpl string) string {
	return strings.NewReplacer("NS1", l.net+"1", "NS2", l.net+"2", "DEAD", l.net+"9").Replace(tmpl)
}

// run runs argv chrooted into l.root, whose etc/resolv.conf, etc/hosts
// and etc/nsswitch.conf are copies of the test files given.
func (l *libcLab) run(resolvConf, hosts string, argv ...string) string {
	l.t.Helper()
	for dst, src := range map[string]string{"resolv.conf": resolvConf, "hosts": hosts, "nsswitch.conf": l.nsswich} {
		l.copyFile(src, filepath.Join(l.root, "etc", dst))
	}
	cmd := exec.Command("chroot", append([]string{l.root, l.install(argv[0])}, argv[1:]...)...)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		l.t.Fatalf("%v: %v", argv, err)
	}
	if ee != nil && len(ee.Stderr) > 0 {
		l.t.Logf("%v: stderr: %s", argv, ee.Stderr)
	}
	return string(out)
}

// install copies the program at path into the chroot as /bin/NAME, with
// the shared libraries ldd names at their own paths (none for a static
// binary), and returns its path inside the chroot.
func (l *libcLab) install(path string) string {
	l.t.Helper()
	inside := "/bin/" + filepath.Base(path)
	if _, err := os.Stat(filepath.Join(l.root, inside)); err == nil {
		return inside
	}
	l.copyFile(path, filepath.Join(l.root, inside))
	out, _ := exec.Command("ldd", path).Output() // a static binary: "not a dynamic executable", exit 1
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "/") {
			l.copyFile(f, filepath.Join(l.root, f))
		}
	}
	return inside
}

func (l *libcLab) copyFile(src, dst string) {
	l.t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		l.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		l.t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		l.t.Fatal(err)
	}
}

// queries returns the queries both servers logged since the last call,
// each "SERVER TYPE NAME", sorted (A and AAAA go out together, and a
// resend may overtake an answer).
func (l *libcLab) queries() []string {
	var out []string
	all := l.dm.Queries()
	for _, q := range all[l.dmSeen:] {
		out = append(out, "dnsmasq "+q)
	}
	l.dmSeen = len(all)
	for _, q := range l.srv.Queries() {
		out = append(out, "resolvetest "+q.Type+" "+strings.TrimSuffix(q.Name, "."))
	}
	l.srv.Reset()
	slices.Sort(out)
	return out
}

// settle waits until both servers have logged what was sent (dnsmasq logs
// asynchronously).
func (l *libcLab) settle() {
	time.Sleep(150 * time.Millisecond)
}

// gaiFormat prints a netcalc result as gai.c prints getaddrinfo's.
func gaiFormat(res *resolve.Result, err error) string {
	var b strings.Builder
	if err != nil {
		var ge *resolve.GaiError
		if errors.As(err, &ge) {
			fmt.Fprintf(&b, "error %d %s\n", ge.Code, ge.Msg)
		} else {
			fmt.Fprintf(&b, "error ? %v\n", err)
		}
		return b.String()
	}
	if res.CanonicalName != "" {
		fmt.Fprintf(&b, "canon %s\n", strings.TrimSuffix(res.CanonicalName, "."))
	}
	for _, a := range res.Answers {
		if a.Type.IsAddress() {
			fmt.Fprintf(&b, "%s %s\n", a.Type, a.Data)
		}
	}
	return b.String()
}

type libcCase struct {
	name   string // subtest name
	query  string
	family string // "any", "4", "6"
	conf   string // resolv.conf template (NS1, NS2, DEAD)
	hosts  string
	want   string // the C library's output, checked too so that a broken lab cannot pass
	// anyType compares the queries without their types: SERVFAIL resends
	// share one budget (twice the number of queries), so how they split
	// between A and AAAA depends on which reply arrives first.
	anyType bool
}

// dropTypes turns "SERVER TYPE NAME" into "SERVER NAME", sorted.
func dropTypes(qs []string) []string {
	var out []string
	for _, q := range qs {
		f := strings.Fields(q)
		out = append(out, f[0]+" "+f[len(f)-1])
	}
	slices.Sort(out)
	return out
}

// TestMuslMatchesRealMusl runs each case through musl's getaddrinfo
// (Debian's musl-tools, musl 1.2.3, static) and through netcalc's
// Libc: Musl123 with the same files and servers, and compares the
// answers (addresses, order, canonical name, EAI code) and the queries the
// servers received.
func TestMuslMatchesRealMusl(t *testing.T) {
	musl, err := exec.LookPath("musl-gcc")
	if err != nil {
		t.Skip("musl-gcc not installed (Debian: apt-get install musl-tools); skipping the comparison with real musl")
	}
	l := newLibcLab(t)
	gai := filepath.Join(l.dir, "gai-musl")
	if out, err := exec.Command(musl, "-static", "-O2", "-o", gai, filepath.Join("..", "..", "testdata", "resolve", "musl", "gai.c")).CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc: %v\n%s", err, out)
	}
	const k8s = "nameserver NS1\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n"
	const hosts = "127.0.0.1 localhost\n198.51.100.99 MixedCase.example.test mc # comment\n198.51.100.98 v4only.example.test\n"
	cases := []libcCase{
		{name: "search walk NXDOMAIN then answer", query: "kubernetes.default", conf: k8s,
			want: "canon kubernetes.default.svc.cluster.local\nA 203.0.113.1\n"},
		{name: "ndots dotted name asked as is only", query: "api.corp.test", conf: "nameserver NS1\nsearch svc.cluster.local cluster.local\n",
			want: "canon api.corp.test\nA 198.51.100.40\n"},
		{name: "all NXDOMAIN then REFUSED bare name", query: "nope.shop", conf: k8s,
			want: "error -3 Try again\n"},
		{name: "NODATA ends the walk", query: "api.cart", conf: "nameserver NS1\nsearch svc.cluster.local cluster.local svc.corp.test\noptions ndots:5\n",
			want: "error -2 Name does not resolve\n"},
		{name: "family 6 NODATA", query: "db.example.test", family: "6", conf: "nameserver NS1\n",
			want: "error -2 Name does not resolve\n"},
		{name: "rooted name", query: "web.example.test.", conf: k8s,
			want: "canon web.example.test\nA 198.51.100.10\nAAAA 2001:db8::10\n"},
		{name: "CNAME gives the canonical name", query: "www.example.test", conf: "nameserver NS1\n",
			want: "canon web.example.test\nA 198.51.100.10\nAAAA 2001:db8::10\n"},
		{name: "REFUSED is never accepted", query: "nothing.invalid", conf: "nameserver NS1\noptions timeout:1 attempts:1\n",
			want: "error -3 Try again\n"},
		{name: "dead first server", query: "web.example.test", conf: "nameserver DEAD\nnameserver NS1\noptions timeout:2\n",
			want: "canon web.example.test\nA 198.51.100.10\nAAAA 2001:db8::10\n"},
		{name: "SERVFAIL in the walk", query: "api.shop", conf: "nameserver NS2\nsearch ns1.svc.cluster.local svc.cluster.local\noptions ndots:5 timeout:1 attempts:1\n",
			want: "error -3 Try again\n", anyType: true},
		// No reply: A and AAAA resent every timeout/attempts (1500 ms) until
		// the 3 s timeout: sent at 0 and 1.5 s.
		{name: "silent server resent every timeout over attempts", query: "silent.example.test", conf: "nameserver NS2\noptions timeout:3 attempts:2\n",
			want: "error -3 Try again\n"},
		{name: "truncated answer used as is", query: "many.example.test", family: "4", conf: "nameserver NS2\n"},
		{name: "hosts exact case", query: "MixedCase.example.test", conf: "nameserver NS1\n", hosts: hosts,
			want: "canon MixedCase.example.test\nA 198.51.100.99\n"},
		{name: "hosts alias", query: "mc", conf: "nameserver NS1\n", hosts: hosts,
			want: "canon MixedCase.example.test\nA 198.51.100.99\n"},
		{name: "hosts other case goes to DNS", query: "mixedcase.example.test", conf: "nameserver NS1\n", hosts: hosts,
			want: "error -2 Name does not resolve\n"},
		{name: "hosts other family only", query: "v4only.example.test", family: "6", conf: "nameserver NS1\n", hosts: hosts,
			want: "error -2 Name does not resolve\n"},
		{name: "IP literal", query: "198.51.100.7", conf: "nameserver NS1\n",
			want: "canon 198.51.100.7\nA 198.51.100.7\n"},
		{name: "inet_aton short form", query: "127.1", conf: "nameserver NS1\n",
			want: "canon 127.1\nA 127.0.0.1\n"},
		{name: "search line with a comment word", query: "kubernetes", conf: "nameserver NS1\nsearch default.svc.cluster.local # k8s\noptions ndots:2 timeout:1 attempts:1\n",
			want: "canon kubernetes.default.svc.cluster.local\nA 203.0.113.1\n"},
		// Only the first three nameservers count: the fourth, the live one,
		// is never asked.
		{name: "three nameservers at most", query: "web.example.test", conf: "nameserver DEAD\nnameserver DEAD\nnameserver DEAD\nnameserver NS1\noptions timeout:1 attempts:1\n",
			want: "error -3 Try again\n"},
		// A search line of 255 characters or more is skipped whole: no
		// search list, the name alone is asked.
		{name: "long search line skipped", query: "kubernetes.default.svc.cluster.local", conf: "nameserver NS1\nsearch " + strings.Repeat("a.example.test ", 20) + "\noptions ndots:15\n",
			want: "canon kubernetes.default.svc.cluster.local\nA 203.0.113.1\n"},
		// "#" and "k8s" are search domains to musl: "nope.#" is REFUSED by
		// dnsmasq, never accepted, and the walk ends there.
		{name: "search comment words are domains", query: "nope", conf: "nameserver NS1\nsearch default.svc.cluster.local # k8s\noptions ndots:2 timeout:1 attempts:1\n",
			want: "error -3 Try again\n"},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			l.t = t
			conf := l.write("resolv.conf", l.conf(tc.conf))
			h := tc.hosts
			if h == "" {
				h = "127.0.0.1 localhost\n"
			}
			hostsFile := l.write("hosts", h)
			fam := tc.family
			if fam == "" {
				fam = "any"
			}
			l.settle()
			l.queries() // forget earlier traffic
			cOut := l.run(conf, hostsFile, gai, tc.query, fam)
			cDur := time.Duration(-1)
			if i := strings.LastIndex(cOut, "ms "); i >= 0 {
				var ms int
				if _, err := fmt.Sscanf(cOut[i:], "ms %d", &ms); err == nil {
					cDur = time.Duration(ms) * time.Millisecond
					cOut = cOut[:i]
				}
			}
			if cDur < 0 {
				t.Fatalf("gai printed no time: %q", cOut)
			}
			l.settle()
			cQueries := l.queries()
			t.Logf("real musl: %q, queries %q", cOut, cQueries)
			if tc.want != "" && cOut != tc.want {
				t.Errorf("real musl printed\n%s\nthe test expects\n%s", cOut, tc.want)
			}

			cfg, err := resolve.LoadMuslResolvConf(conf)
			if err != nil {
				t.Fatal(err)
			}
			hs, err := resolve.LoadHosts(hostsFile)
			if err != nil {
				t.Fatal(err)
			}
			r := &resolve.Resolver{Libc: resolve.Musl123, Config: cfg, Hosts: hs}
			var types []resolve.Type
			switch fam {
			case "4":
				types = []resolve.Type{resolve.TypeA}
			case "6":
				types = []resolve.Type{resolve.TypeAAAA}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			nStart := time.Now()
			res, err := r.Lookup(ctx, tc.query, types...)
			nDur := time.Since(nStart)
			got := gaiFormat(res, err)
			// Waiting is behaviour too: musl's timeout is per candidate, in all.
			if d := nDur - cDur; d > 700*time.Millisecond || d < -700*time.Millisecond {
				t.Errorf("netcalc took %v, real musl %v", nDur.Round(time.Millisecond), cDur.Round(time.Millisecond))
			}
			l.settle()
			nQueries := l.queries()
			if got != cOut {
				t.Errorf("answers differ:\nmusl 1.2.3:\n%s\nnetcalc --libc musl:\n%s\nsteps: %q", cOut, got, res.Steps)
			}
			if tc.anyType {
				cQueries, nQueries = dropTypes(cQueries), dropTypes(nQueries)
			}
			if !slices.Equal(nQueries, cQueries) {
				t.Errorf("queries differ:\nmusl 1.2.3:\n  %s\nnetcalc --libc musl:\n  %s", strings.Join(cQueries, "\n  "), strings.Join(nQueries, "\n  "))
			}
		})
	}
}

// getentFormat turns `getent ahosts` output into gaiFormat's: the STREAM
// lines' addresses in order, the canonical name from the first one.
func getentFormat(out string) string {
	var b strings.Builder
	first := true
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[1] != "STREAM" {
			continue
		}
		if first && len(f) > 2 {
			fmt.Fprintf(&b, "canon %s\n", f[2])
		}
		first = false
		a, err := netip.ParseAddr(f[0])
		t := "AAAA"
		if err == nil && a.Is4() {
			t = "A"
		}
		fmt.Fprintf(&b, "%s %s\n", t, f[0])
	}
	if b.Len() == 0 {
		return "error\n"
	}
	return b.String()
}

// TestGlibcMatchesGetent runs each case through glibc's getaddrinfo
// (`getent ahosts`, nsswitch "hosts: files dns") and through netcalc's
// default resolver with the same files and servers, and compares the
// addresses, their order, the canonical name, success or failure, and
// the queries the servers received.
func TestGlibcMatchesGetent(t *testing.T) {
	getent, err := exec.LookPath("getent")
	if err != nil {
		t.Skip("getent not installed (Debian: libc-bin); skipping the comparison with glibc")
	}
	l := newLibcLab(t)
	const k8s = "nameserver NS1\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n"
	const hosts = "127.0.0.1 localhost\n198.51.100.99 MixedCase.example.test mc # comment\n"
	cases := []libcCase{
		{name: "search walk NXDOMAIN then answer", query: "kubernetes.default", conf: k8s,
			want: "canon kubernetes.default.svc.cluster.local\nA 203.0.113.1\n"},
		{name: "ndots dotted name as is first then search", query: "api.corp.test", conf: "nameserver NS1\nsearch svc.cluster.local cluster.local\n",
			want: "canon api.corp.test\nA 198.51.100.40\n"},
		// musl stops at the NODATA of api.cart.cluster.local; glibc goes on.
		{name: "NODATA continues the walk", query: "api.cart", conf: "nameserver NS1\nsearch svc.cluster.local cluster.local svc.corp.test\noptions ndots:5\n",
			want: "canon api.cart.svc.corp.test\nA 198.51.100.41\n"},
		{name: "rooted name", query: "web.example.test.", conf: k8s,
			want: "canon web.example.test\nA 198.51.100.10\nAAAA 2001:db8::10\n"},
		{name: "CNAME gives the canonical name", query: "www.example.test", conf: "nameserver NS1\n",
			want: "canon web.example.test\nA 198.51.100.10\nAAAA 2001:db8::10\n"},
		{name: "all NXDOMAIN", query: "nope.example.test", conf: "nameserver NS1\nsearch svc.cluster.local\n",
			want: "error\n"},
		{name: "dead first server", query: "web.example.test", conf: "nameserver DEAD\nnameserver NS1\noptions timeout:1 attempts:1\n",
			want: "canon web.example.test\nA 198.51.100.10\nAAAA 2001:db8::10\n"},
		{name: "SERVFAIL in the walk", query: "api.shop", conf: "nameserver NS2\nsearch ns1.svc.cluster.local svc.cluster.local\noptions ndots:5 timeout:1 attempts:1\n",
			want: "canon api.shop.svc.cluster.local\nA 203.0.113.20\n"},
		{name: "REFUSED", query: "nothing.invalid", conf: "nameserver NS1\noptions timeout:1 attempts:2\n",
			want: "error\n"},
		{name: "hosts any case", query: "mixedcase.example.test", conf: "nameserver NS1\n", hosts: hosts,
			want: "canon MixedCase.example.test\nA 198.51.100.99\n"},
		{name: "hosts alias", query: "mc", conf: "nameserver NS1\n", hosts: hosts,
			want: "canon MixedCase.example.test\nA 198.51.100.99\n"},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			l.t = t
			conf := l.write("resolv.conf", l.conf(tc.conf))
			h := tc.hosts
			if h == "" {
				h = "127.0.0.1 localhost\n"
			}
			hostsFile := l.write("hosts", h)
			l.settle()
			l.queries()
			cOut := getentFormat(l.run(conf, hostsFile, getent, "ahosts", tc.query))
			l.settle()
			cQueries := l.queries()
			t.Logf("glibc: %q, queries %q", cOut, cQueries)
			if cOut != tc.want {
				t.Errorf("getent ahosts printed\n%s\nthe test expects\n%s", cOut, tc.want)
			}

			r, err := resolve.FromFiles(resolve.Paths{ResolvConf: conf, Hosts: hostsFile, NSSwitch: l.nsswich, Env: resolve.HostConfEnv()})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := r.Lookup(ctx, tc.query)
			got := "error\n"
			if err == nil {
				got = gaiFormat(res, nil)
			}
			l.settle()
			nQueries := l.queries()
			if got != cOut {
				t.Errorf("answers differ:\nglibc (getent ahosts):\n%s\nnetcalc:\n%s", cOut, got)
			}
			if !slices.Equal(nQueries, cQueries) {
				t.Errorf("queries differ:\nglibc:\n  %s\nnetcalc:\n  %s", strings.Join(cQueries, "\n  "), strings.Join(nQueries, "\n  "))
			}
		})
	}
}
