package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netcalc/netcalc/internal/web"
)

// cliRun runs one netcalc command line in process and returns its
// standard output, standard error and exit status.
func cliRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), NewEnv(strings.NewReader(""), &out, &errb, nil), args)
	return out.String(), errb.String(), code
}

func serveTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(web.New(ServeAPIs(), nil))
	t.Cleanup(srv.Close)
	return srv
}

type apiAnswer struct {
	status int
	body   string
	stderr string
	exit   int
	header http.Header
}

func apiGet(t *testing.T, srv *httptest.Server, path string) apiAnswer {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := apiAnswer{status: resp.StatusCode, body: string(b), header: resp.Header}
	a.exit, _ = strconv.Atoi(resp.Header.Get("Netcalc-Exit"))
	a.stderr, _ = url.PathUnescape(resp.Header.Get("Netcalc-Stderr"))
	return a
}

// TestServeAPIMatchesCLI: every API answer is byte for byte what the CLI
// prints with -o json for the same input, with the same standard error and
// exit status.
func TestServeAPIMatchesCLI(t *testing.T) {
	srv := serveTestServer(t)
	for _, c := range []struct {
		path string
		args []string
	}{
		{"/api/cidr?q=192.168.1.10/24", []string{"cidr", "-o", "json", "192.168.1.10/24"}},
		{"/api/cidr?q=" + url.QueryEscape("192.168.1.10 255.255.255.0"), []string{"cidr", "-o", "json", "192.168.1.10 255.255.255.0"}},
		{"/api/cidr?q=" + url.QueryEscape("2001:db8::1/64"), []string{"cidr", "-o", "json", "2001:db8::1/64"}},
		{"/api/cidr?q=" + url.QueryEscape("::ffff:10.0.0.1/120"), []string{"cidr", "-o", "json", "::ffff:10.0.0.1/120"}},
		{"/api/cidr?q=10.0.0.1/31&q=100.64.0.0/10", []string{"cidr", "-o", "json", "10.0.0.1/31", "100.64.0.0/10"}},
		{"/api/cidr?q=10.0.0.300/8", []string{"cidr", "-o", "json", "10.0.0.300/8"}},
		{"/api/cidr?q=10.0.0.1/8&q=nope&q=fe80::1/64", []string{"cidr", "-o", "json", "10.0.0.1/8", "nope", "fe80::1/64"}},
		{"/api/cidr?explain=1&q=" + url.QueryEscape("2001:db8::1/64"), []string{"cidr", "--explain", "2001:db8::1/64"}},
		{"/api/cidr?explain=1&q=10.0.0.1/30", []string{"cidr", "--explain", "10.0.0.1/30"}},
		{"/api/split?q=10.0.0.0/16&prefix=20", []string{"split", "-o", "json", "10.0.0.0/16", "--prefix", "20"}},
		{"/api/split?q=10.0.0.0/16&subnets=9", []string{"split", "-o", "json", "10.0.0.0/16", "--subnets", "9"}},
		{"/api/split?q=10.0.0.5/16&hosts=500", []string{"split", "-o", "json", "10.0.0.5/16", "--hosts", "500"}},
		{"/api/split?q=192.168.0.0/24&prefix=26&tree=true", []string{"split", "-o", "json", "192.168.0.0/24", "--prefix", "26", "--tree"}},
		{"/api/split?q=10.0.0.0/16&prefix=40", []string{"split", "-o", "json", "10.0.0.0/16", "--prefix", "40"}},
		{"/api/split?q=10.0.0.0/16&prefix=x", []string{"split", "-o", "json", "10.0.0.0/16", "--prefix", "x"}},
		{"/api/split?q=10.0.0.0/8&prefix=24&limit=100", []string{"split", "-o", "json", "10.0.0.0/8", "--prefix", "24", "--limit", "100"}},
		{"/api/vlsm?q=10.0.0.0/24&hosts=web=50&hosts=20&hosts=2", []string{"vlsm", "-o", "json", "10.0.0.0/24", "web=50", "20", "2"}},
		{"/api/vlsm?q=" + url.QueryEscape("2001:db8::/56") + "&hosts=lan=1000&hosts=mgmt=50", []string{"vlsm", "-o", "json", "2001:db8::/56", "lan=1000", "mgmt=50"}},
		{"/api/vlsm?q=10.0.0.0/28&hosts=50", []string{"vlsm", "-o", "json", "10.0.0.0/28", "50"}},
		{"/api/vlsm?q=10.0.0.0/24&hosts=50&max-prefix=30&tree=1", []string{"vlsm", "-o", "json", "10.0.0.0/24", "50", "--max-prefix", "30", "--tree"}},
		{"/api/vlsm?q=10.0.0.0/24", []string{"vlsm", "-o", "json", "10.0.0.0/24"}},
		{"/api/k8s-plan?profile=kind&nodes=50&cluster-cidr=10.244.0.0/16&node-index=3", []string{"k8s", "plan", "-o", "json", "--profile", "kind", "--nodes", "50", "--cluster-cidr", "10.244.0.0/16", "--node-index", "3"}},
		{"/api/k8s-plan?service-cidr=10.96.0.0/8&kube-version=1.33", []string{"k8s", "plan", "-o", "json", "--service-cidr", "10.96.0.0/8", "--kube-version", "1.33"}},
		{"/api/k8s-plan?suggest=true&profile=kubeadm&nodes=100&avoid=10.0.0.0/16", []string{"k8s", "plan", "-o", "json", "--suggest", "--profile", "kubeadm", "--nodes", "100", "--avoid", "10.0.0.0/16"}},
		{"/api/k8s-plan?profile=kind&cluster-cidr=" + url.QueryEscape("10.244.0.0/16,fd00:10:244::/56") + "&service-cidr=" + url.QueryEscape("10.96.0.0/16,fd00:10:96::/112"), []string{"k8s", "plan", "-o", "json", "--profile", "kind", "--cluster-cidr", "10.244.0.0/16,fd00:10:244::/56", "--service-cidr", "10.96.0.0/16,fd00:10:96::/112"}},
		{"/api/k8s-plan?nodes=x", []string{"k8s", "plan", "-o", "json", "--nodes", "x"}},
		{"/api/k8s-plan?profile=nope", []string{"k8s", "plan", "-o", "json", "--profile", "nope"}},
	} {
		t.Run(c.path, func(t *testing.T) {
			a := apiGet(t, srv, c.path)
			out, errs, code := cliRun(t, c.args...)
			if a.body != out {
				t.Errorf("body differs from netcalc %s\nAPI:\n%s\nCLI:\n%s", strings.Join(c.args, " "), a.body, out)
			}
			if a.exit != code {
				t.Errorf("Netcalc-Exit %d, CLI exit %d", a.exit, code)
			}
			if strings.TrimRight(a.stderr, "\n") != strings.TrimRight(errs, "\n") {
				t.Errorf("Netcalc-Stderr differs\nAPI: %q\nCLI: %q", a.stderr, errs)
			}
			want := http.StatusOK
			if code == ExitUsage {
				want = http.StatusBadRequest
			}
			if a.status != want {
				t.Errorf("HTTP status %d, want %d for exit %d", a.status, want, code)
			}
		})
	}
}

// TestServeAPIRefuses: parameters that are not the command's flags, the
// flags that would read files, and split beyond the page's limit.
func TestServeAPIRefuses(t *testing.T) {
	srv := serveTestServer(t)
	for _, c := range []struct{ path, want string }{
		{"/api/cidr?q=10.0.0.1/8&file=/etc/passwd", `"file": unknown parameter of /api/cidr`},
		{"/api/split?q=10.0.0.0/8&prefix=24&file=x", `"file": unknown parameter of /api/split, want q, prefix`},
		{"/api/k8s-plan?help=true", `"help": unknown parameter of /api/k8s-plan`},
		{"/api/vlsm?q=10.0.0.0/24&hosts=5&map=true", `"map": unknown parameter of /api/vlsm, want q, hosts, max-prefix, tree`},
		{"/api/split?q=10.0.0.0/8&prefix=24", "more than --limit 4096"},
		{"/api/split?q=10.0.0.0/8&prefix=24&limit=0", "limit: the page lists at most 4096 subnets"},
		{"/api/cidr?q=10.0.0.1/8&explain=maybe", `explain: "maybe" is not a boolean`},
	} {
		a := apiGet(t, srv, c.path)
		if a.status != http.StatusBadRequest || a.exit != 2 || !strings.Contains(a.stderr, c.want) {
			t.Errorf("%s: status %d exit %d stderr %q, want 400, exit 2 and %q", c.path, a.status, a.exit, a.stderr, c.want)
		}
	}
	// "@FILE" is an address that does not parse, never a file name
	a := apiGet(t, srv, "/api/cidr?q=@/etc/hostname")
	if a.exit != 2 || !strings.Contains(a.body, `"input":"@/etc/hostname","error"`) {
		t.Errorf("@FILE: exit %d body %q, want the bad-input line", a.exit, a.body)
	}
	// the split argument after -- is never a flag
	a = apiGet(t, srv, "/api/split?q=--help&prefix=24")
	if a.exit != 2 || strings.Contains(a.stderr, "Usage") {
		t.Errorf("q=--help: exit %d stderr %q, want a bad prefix", a.exit, a.stderr)
	}
}

// TestServeSecurity: headers, methods, sizes, Host check and the page.
func TestServeSecurity(t *testing.T) {
	h := web.New(ServeAPIs(), web.LoopbackHosts("127.0.0.1:8080"))
	do := func(method, target, host string, body io.Reader) *http.Response {
		r := httptest.NewRequest(method, target, body)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	for _, p := range []string{"/", "/app.js", "/app.css", "/api/cidr?q=1.2.3.4", "/nope"} {
		resp := do("GET", p, "127.0.0.1:8080", nil)
		if got := resp.Header.Get("Content-Security-Policy"); got != web.CSP || !strings.Contains(got, "script-src 'self'") || strings.Contains(got, "unsafe") {
			t.Errorf("%s: CSP %q", p, got)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
	}
	total := 0
	for _, p := range []string{"/", "/app.js", "/app.css"} {
		resp := do("GET", p, "localhost:8080", nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || len(b) == 0 {
			t.Errorf("%s: status %d, %d bytes", p, resp.StatusCode, len(b))
		}
		total += len(b)
	}
	if total >= 300<<10 {
		t.Errorf("the first view is %d bytes, want under 300 KB", total)
	}
	if resp := do("GET", "/app.js", "127.0.0.1:8080", nil); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js Content-Type %q", resp.Header.Get("Content-Type"))
	}
	if resp := do("GET", "/", "evil.example:8080", nil); resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: status %d, want 421", resp.StatusCode)
	}
	if resp := do("POST", "/", "127.0.0.1:8080", strings.NewReader("x")); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d, want 405", resp.StatusCode)
	}
	if resp := do("DELETE", "/api/cidr?q=1.2.3.4", "127.0.0.1:8080", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: status %d, want 405", resp.StatusCode)
	}
	big := strings.NewReader(strings.Repeat("x", web.MaxBody+1))
	r := httptest.NewRequest("GET", "/api/cidr?q=1.2.3.4", big)
	r.Host = "127.0.0.1:8080"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: status %d, want 413", w.Code)
	}
	if resp := do("GET", "/api/cidr?q="+strings.Repeat("1", web.MaxURL), "127.0.0.1:8080", nil); resp.StatusCode != http.StatusRequestURITooLong {
		t.Errorf("long URL: status %d, want 414", resp.StatusCode)
	}
	if resp := do("GET", "/api/resolve?q=example.com", "127.0.0.1:8080", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/api/resolve: status %d, want 404 (no lookups from the page)", resp.StatusCode)
	}
	if resp := do("GET", "/app.js", "127.0.0.1:8080", nil); resp.Header.Get("ETag") == "" {
		t.Error("no ETag on app.js")
	} else {
		r := httptest.NewRequest("GET", "/app.js", nil)
		r.Host = "127.0.0.1:8080"
		r.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNotModified {
			t.Errorf("If-None-Match: status %d, want 304", w.Code)
		}
	}
}

func TestServeListenAddr(t *testing.T) {
	for in, want := range map[string]string{"8080": "127.0.0.1:8080", "127.0.0.1:9000": "127.0.0.1:9000", "[::1]:80": "[::1]:80", ":8080": ":8080", "localhost:1": "localhost:1"} {
		if got, err := serveListenAddr(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "127.0.0.1", "example.com:80", "127.0.0.1:99999", "+80"} {
		if _, err := serveListenAddr(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:1": true, "localhost:1": true, ":8080": false, "0.0.0.0:80": false, "198.51.100.1:80": false} {
		if web.IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) != %v", addr, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeRun starts "netcalc serve" on a loopback port, asks it one
// question, and stops it with the context (as Ctrl-C does).
func TestServeRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errb syncBuffer
	var out bytes.Buffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, NewEnv(strings.NewReader(""), &out, &errb, nil), []string{"serve", "--listen", "127.0.0.1:0"})
	}()
	re := regexp.MustCompile(`serving http://(127\.0\.0\.1:\d+)/`)
	var addr string
	for i := 0; i < 200 && addr == ""; i++ {
		if m := re.FindStringSubmatch(errb.String()); m != nil {
			addr = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("no serving line on stderr: %q", errb.String())
	}
	if strings.Contains(errb.String(), "warning") {
		t.Errorf("a loopback address warns: %q", errb.String())
	}
	resp, err := http.Get("http://" + addr + "/api/cidr?q=10.1.2.3/8")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _, _ := cliRun(t, "cidr", "-o", "json", "10.1.2.3/8")
	if string(b) != want {
		t.Errorf("served %q, CLI %q", b, want)
	}
	// a browser reaching the port by a name that is not loopback is refused
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Host = "rebound.example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host rebound.example: %v %v, want 421", resp, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after the interrupt, want 0; stderr %q", code, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestServeWarnsOffLoopback: any other address prints a warning.
func TestServeWarnsOffLoopback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, NewEnv(strings.NewReader(""), io.Discard, &errb, nil), []string{"serve", "--listen", "0.0.0.0:0"})
	}()
	for i := 0; i < 200 && !strings.Contains(errb.String(), "serving"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(errb.String(), "netcalc: warning: listening on 0.0.0.0:") || !strings.Contains(errb.String(), "not a loopback address") {
		t.Errorf("stderr %q, want the warning", errb.String())
	}
}

// BenchmarkServeCidr is one /api/cidr request through the handler, without
// the network (bench/compare.d/serve.sh measures it over loopback).
func BenchmarkServeCidr(b *testing.B) {
	h := web.New(ServeAPIs(), nil)
	for _, q := range []string{"192.168.1.10/24", "2001:db8::1/64"} {
		b.Run(q, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/api/cidr?q="+url.QueryEscape(q), nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// TestServeTopo: /api/topo-check and /api/topo-draw answer as netcalc topo
// check|draw -o json, for the embedded examples and for a POSTed file.
func TestServeTopo(t *testing.T) {
	srv := serveTestServer(t)
	for _, ex := range serveTopoExamples {
		for _, sub := range []string{"check", "draw"} {
			a := apiGet(t, srv, "/api/topo-"+sub+"?example="+ex)
			out, errs, code := cliRun(t, "topo", sub, "-o", "json", filepath.Join("..", "..", "examples", "topo", ex))
			if a.body != out || a.exit != code {
				t.Errorf("topo %s %s: API exit %d\n%s\nCLI exit %d\n%s", sub, ex, a.exit, a.body, code, out)
			}
			if strings.TrimSpace(a.stderr) != strings.TrimSpace(strings.ReplaceAll(errs, "../../examples/topo/", "")) {
				t.Errorf("topo %s %s: stderr %q, CLI %q", sub, ex, a.stderr, errs)
			}
		}
	}
	post := func(path, body string) apiAnswer {
		resp, err := http.Post(srv.URL+path, "application/yaml", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		a := apiAnswer{status: resp.StatusCode, body: string(b)}
		a.exit, _ = strconv.Atoi(resp.Header.Get("Netcalc-Exit"))
		a.stderr, _ = url.PathUnescape(resp.Header.Get("Netcalc-Stderr"))
		return a
	}
	veth, err := os.ReadFile("../../examples/topo/veth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dup := strings.Replace(string(veth), "198.51.100.2/24", "198.51.100.1/24", 1)
	for _, in := range []string{dup, "nodes:\n  a: [\n"} {
		a := post("/api/topo-check", in)
		var out, errb bytes.Buffer
		code := Run(context.Background(), NewEnv(strings.NewReader(in), &out, &errb, nil), []string{"topo", "check", "-o", "json", "-"})
		if a.body != out.String() || a.exit != code {
			t.Errorf("POST %q: API exit %d %q, CLI exit %d %q", in, a.exit, a.body, code, out.String())
		}
		if strings.TrimSpace(a.stderr) != strings.TrimSpace(strings.ReplaceAll(errb.String(), "stdin:", "topology.yaml:")) {
			t.Errorf("POST %q: stderr %q, CLI %q", in, a.stderr, errb.String())
		}
	}
	if a := post("/api/topo-check", string(veth)); a.exit != 0 || a.status != 200 {
		t.Errorf("POST veth.yaml: exit %d status %d", a.exit, a.status)
	}
	// a Services file is looked up among the examples only, never on disk
	k8s, _ := web.ExampleFile("k8s.yaml")
	if a := post("/api/topo-check", strings.Replace(string(k8s), "k8s-services.yaml", "/etc/hostname", 1)); a.exit != 2 || !strings.Contains(a.stderr, "the page reads no files") {
		t.Errorf("services file on disk: exit %d stderr %q", a.exit, a.stderr)
	}
	if a := post("/api/topo-check", strings.Repeat("#", web.MaxBody+1)); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over %d bytes: status %d, want 413", web.MaxBody, a.status)
	}
	if a := apiGet(t, srv, "/api/topo-check?example=../../go.mod"); a.exit != 2 || !strings.Contains(a.stderr, "is not an example") {
		t.Errorf("example=../../go.mod: exit %d stderr %q", a.exit, a.stderr)
	}
	if a := apiGet(t, srv, "/api/topo-check?example=k8s-services.yaml"); a.exit != 2 || !strings.Contains(a.stderr, "is not an example") {
		t.Errorf("example=k8s-services.yaml: exit %d stderr %q", a.exit, a.stderr)
	}
}

// TestServeTopoExamplesMatch: the page's copies of examples/topo are the
// files themselves (go:embed cannot reach outside its package).
func TestServeTopoExamplesMatch(t *testing.T) {
	files, _ := filepath.Glob("../../examples/topo/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples/topo/*.yaml")
	}
	for _, f := range files {
		want, _ := os.ReadFile(f)
		got, ok := web.ExampleFile(filepath.Base(f))
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("internal/web/static/examples/%s differs from %s: cp examples/topo/*.yaml internal/web/static/examples/", filepath.Base(f), f)
		}
	}
}

// TestServeTopoTrace: /api/topo-trace answers as netcalc topo trace -o json
// for the same topology and flags: body, standard error and exit status.
func TestServeTopoTrace(t *testing.T) {
	srv := serveTestServer(t)
	for _, c := range []struct {
		ex, q string
		flags []string
	}{
		{"gateway.yaml", "from=a&to=203.0.113.20", []string{"--from", "a", "--to", "203.0.113.20"}},
		{"gateway.yaml", "from=a&to=203.0.113.20&explain=true", []string{"--from", "a", "--to", "203.0.113.20", "--explain"}},
		{"home-nat.yaml", "from=laptop&to=203.0.113.200:80&proto=tcp&reply=1", []string{"--from", "laptop", "--to", "203.0.113.200:80", "--proto", "tcp", "--reply"}},
		{"k8s.yaml", "from=client&to=10.96.0.80:80&proto=tcp&reply=1&explain=1", []string{"--from", "client", "--to", "10.96.0.80:80", "--proto", "tcp", "--reply", "--explain"}},
		{"k8s.yaml", "from=client&to=10.96.0.80:80&proto=tcp&seed=7&br-netfilter=1", []string{"--from", "client", "--to", "10.96.0.80:80", "--proto", "tcp", "--seed", "7", "--br-netfilter"}},
		{"bridge.yaml", "from=a&to=198.51.100.99", []string{"--from", "a", "--to", "198.51.100.99"}},
		{"veth.yaml", "from=nosuch&to=198.51.100.2", []string{"--from", "nosuch", "--to", "198.51.100.2"}},
		{"veth.yaml", "to=198.51.100.2", []string{"--to", "198.51.100.2"}},
		{"veth.yaml", "from=a&to=198.51.100.2:80", []string{"--from", "a", "--to", "198.51.100.2:80"}},
		{"veth.yaml", "from=a&to=198.51.100.2&sport=x", []string{"--from", "a", "--to", "198.51.100.2", "--sport", "x"}},
	} {
		a := apiGet(t, srv, "/api/topo-trace?example="+c.ex+"&"+c.q)
		args := append([]string{"topo", "trace", "-o", "json", filepath.Join("..", "..", "examples", "topo", c.ex)}, c.flags...)
		out, errs, code := cliRun(t, args...)
		if a.body != out || a.exit != code {
			t.Errorf("%s %s: API exit %d\n%s\nCLI exit %d\n%s", c.ex, c.q, a.exit, a.body, code, out)
		}
		if strings.TrimSpace(a.stderr) != strings.TrimSpace(strings.ReplaceAll(errs, "../../examples/topo/", "")) {
			t.Errorf("%s %s: stderr %q, CLI %q", c.ex, c.q, a.stderr, errs)
		}
		if code == 2 && a.status != http.StatusBadRequest {
			t.Errorf("%s %s: status %d, want 400", c.ex, c.q, a.status)
		}
	}
	// a POSTed file, as the CLI reads it from standard input
	gw, _ := web.ExampleFile("gateway.yaml")
	resp, err := http.Post(srv.URL+"/api/topo-trace?from=a&to=203.0.113.20&reply=1", "application/yaml", bytes.NewReader(gw))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out, errb bytes.Buffer
	code := Run(context.Background(), NewEnv(bytes.NewReader(gw), &out, &errb, nil), []string{"topo", "trace", "-o", "json", "-", "--from", "a", "--to", "203.0.113.20", "--reply"})
	if string(b) != out.String() || resp.Header.Get("Netcalc-Exit") != strconv.Itoa(code) || code != 0 {
		t.Errorf("POST gateway.yaml: API exit %s %q, CLI exit %d %q", resp.Header.Get("Netcalc-Exit"), b, code, out.String())
	}
	if a := apiGet(t, srv, "/api/topo-trace?example=k8s.yaml&from=client&to=10.96.0.80:80&file=/etc/passwd"); a.exit != 2 || !strings.Contains(a.stderr, `"file": unknown parameter`) {
		t.Errorf("file=: exit %d stderr %q", a.exit, a.stderr)
	}
	if a := apiGet(t, srv, "/api/topo-trace?from=a&to=203.0.113.20"); a.exit != 2 || !strings.Contains(a.stderr, "POST the topology") {
		t.Errorf("no topology: exit %d stderr %q", a.exit, a.stderr)
	}
}

// BenchmarkServeTopoTrace: the cost of one /api/topo-trace answer (parse
// the example, walk the packet and its reply, print JSON Lines).
func BenchmarkServeTopoTrace(b *testing.B) {
	h := web.New(ServeAPIs(), nil)
	for _, q := range []string{
		"example=gateway.yaml&from=a&to=203.0.113.20&explain=1",
		"example=k8s.yaml&from=client&to=10.96.0.80:80&proto=tcp&reply=1&explain=1",
	} {
		b.Run(strings.SplitN(strings.TrimPrefix(q, "example="), "&", 2)[0], func(b *testing.B) {
			r := httptest.NewRequest("GET", "/api/topo-trace?"+q, nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 || w.Header().Get("Netcalc-Exit") != "0" {
					b.Fatal(w.Code, w.Header().Get("Netcalc-Exit"))
				}
			}
		})
	}
}
