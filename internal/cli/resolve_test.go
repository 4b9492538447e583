package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/resolve/resolvetest"
)

// The -update flag may already be defined by another test file of this
// package; define it only when it is not.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func resolveFixture(name string) string {
	return filepath.Join("..", "..", "testdata", "resolve", name)
}

var (
	rttRE     = regexp.MustCompile(`\d+\.\d+ms`)
	rttJSONRE = regexp.MustCompile(`"rtt_ms":[0-9.]+`)
)

// TestResolveCLI runs `netcalc resolve` in-process against in-process DNS
// servers and compares stdout, stderr and the exit status with golden
// files in testdata/resolve/golden (ports and RTTs normalised).
func TestResolveCLI(t *testing.T) {
	zone, err := os.ReadFile(resolveFixture("zone.txt"))
	if err != nil {
		t.Fatal(err)
	}
	srv := resolvetest.Start(t, string(zone))
	bad := resolvetest.Start(t, string(zone)) // misbehaves as each case says
	files := []string{
		"--hosts-file", resolveFixture("hosts"),
		"--nsswitch", resolveFixture("nsswitch-dns-first.conf"),
	}
	k8s := append([]string{"--resolv-conf", resolveFixture("k8s.conf"), "--server", srv.Addr.String()}, files...)
	basic := append([]string{"--resolv-conf", resolveFixture("basic.conf"), "--server", srv.Addr.String()}, files...)
	tests := []struct {
		name    string
		args    []string
		stdin   string
		badRule *resolvetest.Rule // when set, bad is asked first with this rule
		onlyBad bool              // ask only bad
		wantLog []string          // queries srv must see, in order (nil: not checked)
	}{
		{name: "k8s-ndots5-explain", args: append([]string{"api.corp.test", "--explain"}, k8s...)},
		{name: "k8s-ndots5-json", args: append([]string{"-o", "json", "api.corp.test", "-t", "A"}, k8s...),
			wantLog: []string{"udp A api.corp.test.ns1.svc.cluster.local.", "udp A api.corp.test.svc.cluster.local.",
				"udp A api.corp.test.cluster.local.", "udp A api.corp.test.example.test.", "udp A api.corp.test."}},
		{name: "k8s-rooted", args: append([]string{"api.corp.test.", "-t", "A", "--explain"}, k8s...),
			wantLog: []string{"udp A api.corp.test."}},
		{name: "search-flags", args: append([]string{"web", "-t", "A", "--search", "nope.test", "--search", "example.test", "--ndots", "1", "--explain"}, basic...),
			wantLog: []string{"udp A web.nope.test.", "udp A web.example.test."}},
		{name: "no-search", args: append([]string{"web", "-t", "A", "--no-search"}, basic...),
			wantLog: []string{"udp A web."}},
		{name: "nxdomain", args: append([]string{"nope.example.test", "-t", "A"}, basic...)},
		{name: "nodata", args: append([]string{"db.example.test", "-t", "AAAA"}, basic...)},
		{name: "types", args: append([]string{"example.test", "-t", "MX", "-t", "TXT"}, basic...)},
		{name: "srv-short", args: append([]string{"_http._tcp.example.test", "-t", "SRV", "--short"}, basic...)},
		{name: "cname-chain", args: append([]string{"alias.example.test", "-t", "A", "--explain"}, basic...)},
		{name: "cname-loop", args: append([]string{"loop1.example.test", "-t", "A"}, basic...)},
		{name: "idn", args: append([]string{"bücher.example.test", "-t", "A", "--explain"}, basic...),
			wantLog: []string{"udp A xn--bcher-kva.example.test."}},
		{name: "reverse", args: append([]string{"198.51.100.10", "2001:db8::10", "198.51.100.99", "--explain"}, basic...)},
		{name: "truncated-tcp", args: append([]string{"big.example.test", "-t", "TXT", "-o", "json"}, basic...),
			wantLog: []string{"udp TXT big.example.test.", "tcp TXT big.example.test."}},
		{name: "tcp-flag", args: append([]string{"web.example.test", "-t", "A", "--tcp", "--short"}, basic...),
			wantLog: []string{"tcp A web.example.test."}},
		{name: "servfail-failover", badRule: &resolvetest.Rule{Rcode: 2}, args: []string{"web.example.test", "-t", "A", "--explain"}},
		{name: "timeout-failover", badRule: &resolvetest.Rule{Drop: true}, args: []string{"web.example.test", "-t", "A", "--explain", "--timeout", "500ms"}},
		{name: "mismatch-failover", badRule: &resolvetest.Rule{WrongQ: true}, args: []string{"web.example.test", "-t", "A", "--explain"}},
		{name: "dns-refused-then-files", badRule: &resolvetest.Rule{Rcode: 5}, onlyBad: true, args: []string{"web.example.test", "-t", "A", "--attempts", "2", "--explain"}},
		{name: "all-fail", badRule: &resolvetest.Rule{Rcode: 5}, onlyBad: true, args: []string{"db.example.test.", "--attempts", "2"}},
		{name: "hosts-first", args: []string{"filehost", "--server", srv.Addr.String(), "--resolv-conf", resolveFixture("basic.conf"),
			"--hosts-file", resolveFixture("hosts"), "--nsswitch", resolveFixture("nsswitch.conf"), "--explain"}},
		{name: "batch-stdin", args: append([]string{"--file", "-", "--short", "-t", "A", "--concurrency", "4"}, basic...),
			stdin: "web\nnope\n# comment\nwww\n\ndb\nmail.example.test.\na..b\napi.corp.test.\n"},
		{name: "batch-json", args: append([]string{"--file", "-", "-t", "A", "-o", "json"}, basic...),
			stdin: "web\ndb\n"},
		// -t ANY keeps every record the server returned (it used to drop them all).
		{name: "any", args: append([]string{"example.test.", "-t", "ANY", "--explain"}, basic...),
			wantLog: []string{"udp ANY example.test."}},
		{name: "any-rfc8482", badRule: &resolvetest.Rule{MinimalANY: true}, onlyBad: true,
			args: []string{"web.example.test.", "-t", "any"}},
		{name: "any-json", args: append([]string{"www.example.test.", "-t", "ANY", "-o", "json"}, basic...)},
		// @SERVER as in dig is --server.
		{name: "at-server", args: []string{"@" + srv.Addr.String(), "web.example.test.", "-t", "A", "--explain",
			"--resolv-conf", resolveFixture("basic.conf"), "--no-hosts", "--nsswitch", resolveFixture("nsswitch-dns-first.conf")},
			wantLog: []string{"udp A web.example.test."}},
		// A reverse lookup answered by three hosts-file lines names all three.
		{name: "reverse-hosts-lines", args: []string{"203.0.113.50", "--resolv-conf", resolveFixture("basic.conf"),
			"--hosts-file", resolveFixture("hosts"), "--nsswitch", resolveFixture("nsswitch.conf"), "--server", srv.Addr.String()}},
		{name: "reverse-hosts-lines-json", args: []string{"-o", "json", "203.0.113.50", "--resolv-conf", resolveFixture("basic.conf"),
			"--hosts-file", resolveFixture("hosts"), "--nsswitch", resolveFixture("nsswitch.conf"), "--server", srv.Addr.String()}},
		// In -o json a bad line is {"input", "line", "error"} on stdout, in input order.
		{name: "batch-json-bad-lines", args: append([]string{"--file", "-", "-t", "A", "-o", "json"}, basic...),
			stdin: "web\na..b\n" + strings.Repeat("x", 70000) + "\ndb\n"},
		{name: "batch-text-bad-lines", args: append([]string{"--file", "-", "-t", "A", "--short"}, basic...),
			stdin: "\uFEFFweb\n" + strings.Repeat("x", 3000000) + "\n" + strings.Repeat("y", 200) + ".test\ndb\n"},
		{name: "empty-stdin", args: append([]string{"--file", "-"}, basic...), stdin: ""},
		{name: "empty-stdin-json", args: append([]string{"-o", "json"}, basic...), stdin: "# only a comment\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"resolve"}, tt.args...)
			if tt.badRule != nil {
				bad.SetRule("*", *tt.badRule)
				args = append(args, "--server", bad.Addr.String())
				if !tt.onlyBad {
					args = append(args, "--server", srv.Addr.String())
				}
				args = append(args, "--resolv-conf", resolveFixture("basic.conf"))
				args = append(args, files...)
			}
			srv.Reset()
			bad.Reset()
			var stdout, stderr bytes.Buffer
			env := NewEnv(strings.NewReader(tt.stdin), &stdout, &stderr, func(string) string { return "" })
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code := Run(ctx, env, args)
			got := fmt.Sprintf("# netcalc %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", strings.Join(tt.args, " "), code, stdout.String(), stderr.String())
			got = normaliseResolve(got, srv.Addr.String(), bad.Addr.String())
			golden := resolveFixture(filepath.Join("golden", tt.name+".txt"))
			if updateGolden() {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("netcalc %s mismatch (-want +got):\n%s", strings.Join(args, " "), diff)
			}
			if tt.wantLog != nil {
				if diff := cmp.Diff(tt.wantLog, srv.Log()); diff != "" {
					t.Errorf("server query log mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// normaliseResolve replaces the servers' random ports, the fixture
// directory and RTTs, which change from run to run.
func normaliseResolve(s, srv, bad string) string {
	s = strings.ReplaceAll(s, srv, "127.0.0.1:SERVER")
	s = strings.ReplaceAll(s, bad, "127.0.0.1:BAD")
	s = strings.ReplaceAll(s, resolveFixture("")+string(filepath.Separator), "FIXTURES/")
	s = rttRE.ReplaceAllString(s, "RTTms")
	s = rttJSONRE.ReplaceAllString(s, `"rtt_ms":RTT`)
	return s
}

// TestResolveBatchOrder checks that a large batch keeps the input order
// whatever the concurrency, and that every query reached the server once.
func TestResolveBatchOrder(t *testing.T) {
	var zone strings.Builder
	var names strings.Builder
	var want strings.Builder
	const n = 500
	for i := 0; i < n; i++ {
		fmt.Fprintf(&zone, "h%d.example.test. 60 IN A 198.51.100.%d\n", i, i%250+1)
		fmt.Fprintf(&names, "h%d.example.test.\n", i)
		fmt.Fprintf(&want, "198.51.100.%d\n", i%250+1)
	}
	srv := resolvetest.Start(t, zone.String())
	for _, conc := range []string{"1", "7", "64"} {
		t.Run("concurrency="+conc, func(t *testing.T) {
			srv.Reset()
			var stdout, stderr bytes.Buffer
			env := NewEnv(strings.NewReader(names.String()), &stdout, &stderr, nil)
			code := Run(context.Background(), env, []string{"resolve", "--file", "-", "--short", "-t", "A",
				"--server", srv.Addr.String(), "--no-hosts", "--resolv-conf", resolveFixture("basic.conf"),
				"--nsswitch", resolveFixture("nsswitch-dns-first.conf"), "--concurrency", conc})
			if code != 0 || stderr.Len() > 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr.String())
			}
			if stdout.String() != want.String() {
				t.Errorf("answers out of input order")
			}
			if got := len(srv.Queries()); got != n {
				t.Errorf("server saw %d queries; want %d", got, n)
			}
		})
	}
}

// TestResolveDnsmasqBatchMatchesDig runs a --file batch against a real
// dnsmasq on loopback and compares the output with `dig -f` on the same
// names. Skipped without dnsmasq or dig (CI installs both).
func TestResolveDnsmasqBatchMatchesDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed (Debian: apt-get install bind9-dnsutils); skipping the integration test")
	}
	d := resolvetest.StartDnsmasq(t, resolveFixture("dnsmasq.conf"))
	names := []string{"web.example.test.", "www.example.test.", "db.example.test.", "nope.example.test.",
		"api.corp.test.", "mail.example.test.", "kubernetes.default.svc.cluster.local.", "xn--bcher-kva.example.test."}
	var digIn strings.Builder
	for _, n := range names {
		digIn.WriteString(n + " A\n")
	}
	dir := t.TempDir()
	namesFile := filepath.Join(dir, "names.txt")
	digFile := filepath.Join(dir, "dig.txt")
	if err := os.WriteFile(namesFile, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(digFile, []byte(digIn.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command(dig, "@127.0.0.1", "-p", strconv.Itoa(int(d.Addr.Port())), "+short", "+time=2", "+tries=1", "-f", digFile).Output()
	if err != nil {
		t.Fatalf("dig -f: %v", err)
	}
	var stdout, stderr bytes.Buffer
	env := NewEnv(strings.NewReader(""), &stdout, &stderr, nil)
	code := Run(context.Background(), env, []string{"resolve", "--file", namesFile, "--short", "-t", "A",
		"--server", d.Addr.String(), "--no-hosts", "--no-search", "--resolv-conf", resolveFixture("basic.conf"),
		"--nsswitch", resolveFixture("nsswitch-dns-first.conf")})
	if code != 1 {
		t.Errorf("exit %d; want 1 (nope.example.test. does not exist)", code)
	}
	if diff := cmp.Diff(string(want), stdout.String()); diff != "" {
		t.Errorf("netcalc --short vs dig -f +short (-dig +netcalc):\n%s", diff)
	}
	if !strings.Contains(stderr.String(), "names.txt:4: resolve: nope.example.test.: no such host") {
		t.Errorf("stderr %q; want the NXDOMAIN of line 4", stderr.String())
	}
}

// TestResolveProgress checks the progress count on a terminal's standard
// error in batch mode, and its absence when standard error is a pipe.
func TestResolveProgress(t *testing.T) {
	zone, err := os.ReadFile(resolveFixture("zone.txt"))
	if err != nil {
		t.Fatal(err)
	}
	srv := resolvetest.Start(t, string(zone))
	args := []string{"resolve", "--file", "-", "--short", "-t", "A", "--server", srv.Addr.String(), "--no-hosts",
		"--resolv-conf", resolveFixture("basic.conf"), "--nsswitch", resolveFixture("nsswitch-dns-first.conf")}
	for _, tty := range []bool{true, false} {
		var stdout, stderr bytes.Buffer
		getenv := func(k string) string {
			if k == "NETCALC_FORCE_TTY" && tty {
				return "1"
			}
			return ""
		}
		env := NewEnv(strings.NewReader("web\ndb\nmail\n"), &stdout, &stderr, getenv)
		if code := Run(context.Background(), env, args); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if got, want := stdout.String(), "198.51.100.10\n198.51.100.20\n198.51.100.25\n"; got != want {
			t.Errorf("tty=%v: stdout %q; want %q", tty, got, want)
		}
		has := strings.HasSuffix(stderr.String(), "\rresolved 3 names\n")
		if has != tty {
			t.Errorf("tty=%v: stderr %q; want a progress count only on a terminal", tty, stderr.String())
		}
	}
}

// TestResolveTimeoutCLI proves that the per-attempt timeout is what
// --timeout (a bare number is seconds) or resolv.conf's "options timeout:3"
// says, against a loopback server that never answers: about 3 s, where
// miekg/dns's default read deadline used to end every query after 2 s.
func TestResolveTimeoutCLI(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(conf, []byte("nameserver 127.0.0.1\noptions timeout:3 attempts:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantLine string
	}{
		{"--timeout 3", []string{"--timeout", "3", "--attempts", "1", "--resolv-conf", resolveFixture("basic.conf")}, "; timeout 3s per query (--timeout), 1 attempt over 1 server"},
		{"resolv.conf timeout:3", []string{"--resolv-conf", conf}, "; timeout 3s per query (resolv.conf " + conf + "), 1 attempt over 1 server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := resolvetest.Start(t, "")
			srv.SetRule("*", resolvetest.Rule{Drop: true})
			args := append([]string{"resolve", "web.example.test.", "-t", "A", "--explain", "--no-hosts",
				"--nsswitch", resolveFixture("nsswitch-dns-first.conf"), "--server", srv.Addr.String()}, tt.args...)
			var stdout, stderr bytes.Buffer
			env := NewEnv(strings.NewReader(""), &stdout, &stderr, nil)
			start := time.Now()
			code := Run(context.Background(), env, args)
			took := time.Since(start)
			if code != 1 {
				t.Errorf("exit %d; want 1 (stderr %q)", code, stderr.String())
			}
			if took < 2800*time.Millisecond || took > 4*time.Second {
				t.Errorf("netcalc %s took %v; want about 3s (2.8-4 s)", strings.Join(args, " "), took)
			}
			if !strings.Contains(stdout.String(), tt.wantLine+"\n") {
				t.Errorf("stdout %q; want the line %q", stdout.String(), tt.wantLine)
			}
			if !strings.Contains(stdout.String(), "TIMEOUT") {
				t.Errorf("stdout %q; want a TIMEOUT query", stdout.String())
			}
		})
	}
}

// TestResolveNoNameOnTerminal checks that with no name and standard input
// a terminal, resolve is a usage error instead of waiting for input; with
// standard input a pipe it reads the names from it.
func TestResolveNoNameOnTerminal(t *testing.T) {
	for _, tty := range []bool{true, false} {
		var stdout, stderr bytes.Buffer
		env := NewEnv(strings.NewReader("localhost\n"), &stdout, &stderr, nil)
		env.StdinTTY = tty
		code := Run(context.Background(), env, []string{"resolve", "--short", "-t", "A", "--hosts-file", resolveFixture("hosts"),
			"--nsswitch", resolveFixture("nsswitch.conf"), "--resolv-conf", resolveFixture("basic.conf")})
		switch {
		case tty && (code != 2 || !strings.Contains(stderr.String(), "netcalc: no name: give NAME..., --file FILE or names on standard input")):
			t.Errorf("terminal: exit %d, stderr %q; want exit 2 and the no-name usage error", code, stderr.String())
		case !tty && (code != 0 || stdout.String() != "127.0.0.1\n"):
			t.Errorf("pipe: exit %d, stdout %q, stderr %q; want 127.0.0.1 from the hosts file", code, stdout.String(), stderr.String())
		}
	}
}

// TestResolveConfigFiles checks how resolve reads the files its flags
// name (through resolve.FromFiles): a missing or directory file named by a
// flag is bad input naming the flag, --no-hosts reads no hosts file even
// when one is named, and musl reads no nsswitch.conf and says so. Every
// file is a fixture or a temporary path.
func TestResolveConfigFiles(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	nsswitch := filepath.Join(dir, "nsswitch.conf")
	if err := os.WriteFile(nsswitch, []byte("hosts: files dns\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"filehost.example.test", "-t", "A", "--short", "--resolv-conf", resolveFixture("basic.conf")}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantStderr string
	}{
		{name: "missing nsswitch.conf", args: []string{"--nsswitch", missing, "--hosts-file", resolveFixture("hosts")}, wantCode: 2,
			wantStderr: "netcalc: --nsswitch: " + missing + ": no such file or directory\n"},
		{name: "nsswitch.conf is a directory", args: []string{"--nsswitch", dir, "--hosts-file", resolveFixture("hosts")}, wantCode: 2,
			wantStderr: "netcalc: --nsswitch: " + dir + ": is a directory, want a file\n"},
		{name: "missing resolv.conf", args: []string{"--resolv-conf", missing, "--nsswitch", nsswitch}, wantCode: 2,
			wantStderr: "netcalc: --resolv-conf: " + missing + ": no such file or directory\n"},
		{name: "no hosts file read with --no-hosts", args: []string{"--hosts-file", missing, "--no-hosts", "--nsswitch", nsswitch, "--timeout", "50ms", "--attempts", "1"},
			wantCode: 1, wantStderr: "netcalc: resolve: filehost.example.test: no server gave an answer"},
		{name: "hosts file named", args: []string{"--hosts-file", resolveFixture("hosts"), "--nsswitch", nsswitch},
			wantOut: "198.51.100.99\n"},
		{name: "musl reads no nsswitch.conf", args: []string{"--libc", "musl", "--hosts-file", resolveFixture("hosts"), "--nsswitch", missing},
			wantOut: "198.51.100.99\n", wantStderr: "netcalc: warning: " + missing + ": --nsswitch ignored: musl-1.2.3 reads no nsswitch.conf (hosts file, then DNS)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := resolvetest.Start(t, "")
			srv.SetRule("*", resolvetest.Rule{Drop: true}) // DNS never answers here
			args := append(append([]string{"resolve", "--server", srv.Addr.String()}, base...), tt.args...)
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), NewEnv(strings.NewReader(""), &stdout, &stderr, nil), args)
			if code != tt.wantCode || stdout.String() != tt.wantOut || !strings.HasPrefix(stderr.String(), tt.wantStderr) || (tt.wantStderr == "" && stderr.Len() > 0) {
				t.Errorf("netcalc %s: exit %d, stdout %q, stderr %q; want exit %d, %q, stderr starting %q",
					strings.Join(args, " "), code, stdout.String(), stderr.String(), tt.wantCode, tt.wantOut, tt.wantStderr)
			}
		})
	}
}
