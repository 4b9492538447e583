package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/netcalc/netcalc/internal/web"
)

// The browser test drives the page of "netcalc serve" in headless Chromium
// (Debian's chromium package; .ci/run installs it) and checks what it shows
// against the CLI's answers for the same inputs. Any console error or
// uncaught exception fails it. NETCALC_SCREENSHOTS=1 saves the screenshots
// of docs/serve.md into docs/img/.

type browser struct {
	t   *testing.T
	ctx context.Context
	url string

	mu       sync.Mutex
	console  []string
	expected []string // console errors a step provokes on purpose
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("NETCALC_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium, or set NETCALC_CHROMIUM): the browser test of netcalc serve is skipped")
	}
	if testing.Short() {
		t.Skip("-short: the browser test of netcalc serve is skipped")
	}
	srv := httptest.NewServer(web.New(ServeAPIs(), nil))
	t.Cleanup(srv.Close)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	b := &browser{t: t, ctx: ctx, url: srv.URL}
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.console = append(b.console, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(b.checkConsole)
	return b
}

// checkConsole fails on every console error that no step expected.
func (b *browser) checkConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		ok := false
		for _, e := range b.expected {
			ok = ok || strings.Contains(m, e)
		}
		if !ok {
			b.t.Errorf("console error: %s", m)
		}
	}
	b.console = nil
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// wait waits until the JavaScript expression is true.
func (b *browser) wait(what, expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		got := b.eval(`document.body.innerText.slice(0, 2000)`)
		b.t.Fatalf("%s: waiting for %s: %v\npage:\n%s", what, expr, err, got)
	}
}

func (b *browser) eval(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func (b *browser) evalJSON(expr string, v any) {
	b.t.Helper()
	if err := json.Unmarshal([]byte(b.eval("JSON.stringify("+expr+")")), v); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) open(fragment string) {
	b.t.Helper()
	b.do("open "+fragment, chromedp.Navigate(b.url+"/"+fragment))
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	if os.Getenv("NETCALC_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join("..", "..", "docs", "img", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// cliJSON runs a netcalc command with -o json and returns its records.
func cliJSON(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	out, errs, code := cliRun(t, append(args, "-o", "json")...)
	if code > 1 && out == "" {
		t.Fatalf("netcalc %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		recs = append(recs, m)
	}
	return recs
}

func fact(b *browser, field string) string {
	return b.eval(`(document.querySelector('#cidr-facts dd[data-field="` + field + `"]') || {}).textContent || ''`)
}

func TestServeBrowser(t *testing.T) {
	b := newBrowser(t)

	// The first view: size transferred, then the CIDR explainer from a link.
	b.open("#cidr?q=192.168.1.10/24")
	b.wait("first view", `document.querySelector('#cidr-facts dd[data-field="block"]')?.textContent === '192.168.1.0/24'`)
	var size int
	b.evalJSON(`performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).filter(e => !e.name.includes('/api/')).reduce((s, e) => s + e.transferSize, 0)`, &size)
	t.Logf("the first view transferred %d bytes", size)
	if size == 0 || size >= 300<<10 {
		t.Errorf("the first view transferred %d bytes, want 1 to 300 KB", size)
	}
	want := cliJSON(t, "cidr", "192.168.1.10/24")[0]
	for field, key := range map[string]string{"netmask": "netmask", "wildcard": "wildcard", "broadcast": "broadcast", "first_host": "first_host", "last_host": "last_host", "usable_hosts": "usable_hosts", "addresses": "addresses", "ptr": "ptr", "class": "class"} {
		got := fact(b, field)
		if field == "netmask" {
			got = strings.TrimSuffix(got, " = /24")
		}
		if got != want[key] {
			t.Errorf("CIDR view %s = %q, CLI says %q", field, got, want[key])
		}
	}
	if n := b.eval(`String(document.querySelectorAll('#cidr-bits .b.net').length) + '/' + document.querySelectorAll('#cidr-bits .b').length`); n != "24/32" {
		t.Errorf("bits: %s network of all, want 24/32", n)
	}
	if got := b.eval(`[...document.querySelectorAll('#cidr-bits .b')].map(e => e.textContent).join('')`); got != "11000000101010000000000100001010" {
		t.Errorf("bits %s", got)
	}
	b.screenshot("serve-cidr.png")

	// Type an IPv6 prefix: the page follows the input.
	b.do("type IPv6", clearInput("#cidr-q"), chromedp.SendKeys("#cidr-q", "2001:db8::1/64"))
	b.wait("IPv6", `document.querySelector('#cidr-facts dd[data-field="block"]')?.textContent === '2001:db8::/64'`)
	want = cliJSON(t, "cidr", "2001:db8::1/64")[0]
	if got := fact(b, "usable_hosts"); got != want["usable_hosts"] {
		t.Errorf("IPv6 usable hosts %q, CLI %q", got, want["usable_hosts"])
	}
	explain, _, _ := cliRun(t, "cidr", "--explain", "2001:db8::1/64")
	var steps []string
	b.evalJSON(`[...document.querySelectorAll('#cidr-steps li')].map(e => e.textContent)`, &steps)
	if len(steps) < 5 {
		t.Errorf("%d explanation steps, want the CLI's", len(steps))
	}
	for i, s := range steps {
		if !strings.Contains(explain, "  "+strconv.Itoa(i+1)+". "+s+"\n") {
			t.Errorf("step %d %q is not the CLI's --explain step", i+1, s)
		}
	}
	// Arrow keys on the slider move the prefix length; the URL follows.
	b.do("slider", chromedp.Focus("#cidr-len"), chromedp.KeyEvent(kb.ArrowLeft))
	b.wait("slider /63", `document.querySelector('#cidr-facts dd[data-field="block"]')?.textContent === '2001:db8::/63'`)
	if h := b.eval(`decodeURIComponent(location.hash)`); h != "#cidr?q=2001:db8::1/63" {
		t.Errorf("URL fragment %q after the slider, want #cidr?q=2001:db8::1/63", h)
	}
	// Arrow up in the address box lengthens the prefix.
	b.do("arrow up", chromedp.Focus("#cidr-q"), chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.ArrowUp))
	b.wait("arrow up /65", `document.querySelector('#cidr-facts dd[data-field="block"]')?.textContent === '2001:db8::/65'`)
	if v := b.eval(`document.getElementById('cidr-len').value + ' ' + document.getElementById('cidr-len').max`); v != "65 128" {
		t.Errorf("slider %q, want 65 of 128", v)
	}
	// A bad input shows the CLI's error and no console error.
	b.do("bad input", clearInput("#cidr-q"), chromedp.SendKeys("#cidr-q", "10.0.0.300/8"))
	bad := cliJSON(t, "cidr", "10.0.0.300/8")
	b.expected = append(b.expected, "status of 400") // Chromium logs a 400 answer as a network error
	b.wait("error", `document.getElementById('cidr-error').textContent === `+jsString(bad[0]["error"].(string)))
	b.checkConsole()

	// The subnet planner: split by clicking, name, join, export.
	b.open("#plan?b=10.0.0.0/24")
	b.wait("planner", `document.querySelectorAll('#plan-table tbody tr').length === 1`)
	b.do("split /24", chromedp.Click(`#plan-table tbody tr:nth-child(1) button.split`))
	b.wait("two /25", `document.querySelectorAll('#plan-table tbody tr').length === 2`)
	b.do("split first /25", chromedp.Click(`#plan-table tbody tr:nth-child(1) button.split`))
	b.wait("three rows", `document.querySelectorAll('#plan-table tbody tr').length === 3`)
	var rows [][]string
	b.evalJSON(`[...document.querySelectorAll('#plan-table tbody tr')].map(r => [...r.cells].slice(0, 4).map(c => c.textContent))`, &rows)
	split26 := cliJSON(t, "split", "10.0.0.0/25", "--prefix", "26")
	split25 := cliJSON(t, "split", "10.0.0.0/24", "--prefix", "25")
	wantRows := []map[string]any{split26[0], split26[1], split25[1]}
	for i, r := range rows {
		w := wantRows[i]
		if r[0] != w["cidr"] || r[3] != w["usable_hosts"] {
			t.Errorf("planner row %d %v, CLI split says %v %v", i, r, w["cidr"], w["usable_hosts"])
		}
	}
	b.do("name", chromedp.SendKeys(`#plan-table tbody tr:nth-child(1) input`, "web"), chromedp.SendKeys(`#plan-table tbody tr:nth-child(3) input`, "db"))
	b.wait("names in URL", `decodeURIComponent(location.hash) === '#plan?b=10.0.0.0/24&l=26,26,25&n=web,,db'`)
	b.screenshot("serve-plan.png")
	b.do("join", chromedp.Click(`#plan-table tbody tr:nth-child(1) button.join`))
	b.wait("joined", `document.querySelectorAll('#plan-table tbody tr').length === 2 && document.querySelector('#plan-table tbody tr').dataset.cidr === '10.0.0.0/25'`)
	b.do("csv", chromedp.Click("#export-csv"))
	b.wait("csv", `document.getElementById('export-out').value.startsWith('name,cidr,')`)
	if got := b.eval(`document.getElementById('export-out').value`); got != "name,cidr,netmask,first_host,last_host,usable_hosts,addresses\nweb,10.0.0.0/25,255.255.255.128,10.0.0.1,10.0.0.126,126,128\ndb,10.0.0.128/25,255.255.255.128,10.0.0.129,10.0.0.254,126,128\n" {
		t.Errorf("CSV export:\n%s", got)
	}
	// The link reloads the same plan.
	b.do("reload", chromedp.Reload())
	b.wait("reloaded", `document.querySelectorAll('#plan-table tbody tr').length === 2 && document.querySelector('#plan-table tbody input').value === 'web'`)

	// VLSM from host counts: the rows are the CLI's allocations and unused blocks.
	b.do("vlsm", clearInput("#vlsm-hosts"), chromedp.SendKeys("#vlsm-hosts", "web=50 db=20 10"), chromedp.Click("#vlsm-go"))
	b.wait("vlsm rows", `document.getElementById('plan-note').textContent.startsWith('VLSM plan') && document.querySelector('#plan-table tbody tr').dataset.cidr === '10.0.0.0/26'`)
	vlsm := cliJSON(t, "vlsm", "10.0.0.0/24", "web=50", "db=20", "10")
	var got map[string]string // cidr -> name on the page
	b.evalJSON(`Object.fromEntries([...document.querySelectorAll('#plan-table tbody tr')].map(r => [r.dataset.cidr, r.querySelector('input').value]))`, &got)
	n := 0
	for _, r := range vlsm {
		switch r["type"] {
		case "allocation":
			name, _ := r["name"].(string)
			if name == "" {
				name = "#" + strconv.Itoa(int(r["order"].(float64))) + " (" + r["requested"].(string) + ")"
			}
			if got[r["cidr"].(string)] != name {
				t.Errorf("VLSM %v: page has %q", r, got[r["cidr"].(string)])
			}
			n++
		case "unused":
			for _, u := range r["unused"].([]any) {
				if v, ok := got[u.(string)]; !ok || v != "" {
					t.Errorf("VLSM unused %s: page has %q, %v", u, v, ok)
				}
				n++
			}
		}
	}
	if n != len(got) {
		t.Errorf("page has %d rows, CLI %d", len(got), n)
	}
	b.do("commands", chromedp.Click("#export-cmd"))
	b.wait("commands", `document.getElementById('export-out').value.includes('netcalc merge ')`)
	cmds := b.eval(`document.getElementById('export-out').value`)
	if !strings.Contains(cmds, "netcalc vlsm 10.0.0.0/24 web=50 db=20 10\n") {
		t.Errorf("commands export lacks the vlsm command:\n%s", cmds)
	}
	for _, l := range strings.Split(cmds, "\n") {
		if rest, ok := strings.CutPrefix(l, "netcalc merge "); ok {
			out, _, code := cliRun(t, append([]string{"merge"}, strings.Fields(rest)...)...)
			if code != 0 || out != "10.0.0.0/24\n" {
				t.Errorf("the exported merge prints %q (exit %d), want the block", out, code)
			}
		}
	}
	b.do("json", chromedp.Click("#export-json"))
	b.wait("json", `document.getElementById('export-out').value.startsWith('{')`)
	var exp struct {
		Block   string              `json:"block"`
		Subnets []map[string]string `json:"subnets"`
	}
	if err := json.Unmarshal([]byte(b.eval(`document.getElementById('export-out').value`)), &exp); err != nil || exp.Block != "10.0.0.0/24" || len(exp.Subnets) != n {
		t.Errorf("JSON export: %v %+v", err, exp)
	}

	// The Kubernetes planner from a link, then from the form.
	b.open("#k8s?profile=kind&cluster-cidr=10.244.0.0/16&nodes=50&node-index=3")
	b.wait("k8s", `!!document.getElementById('k8s-summary')`)
	recs := cliJSON(t, "k8s", "plan", "--profile", "kind", "--cluster-cidr", "10.244.0.0/16", "--nodes", "50", "--node-index", "3")
	var findings []string
	b.evalJSON(`[...document.querySelectorAll('#k8s-findings li')].map(li => li.dataset.severity + ' ' + li.querySelector('strong').textContent)`, &findings)
	var wantF []string
	for _, r := range recs {
		switch r["type"] {
		case "finding":
			wantF = append(wantF, r["severity"].(string)+" "+r["rule"].(string))
		case "node_cidrs":
			if got := b.eval(`document.querySelector('#k8s-node-cidrs code').textContent`); got != r["cidrs"].([]any)[0] {
				t.Errorf("node 3 pod CIDRs %q, CLI %v", got, r["cidrs"])
			}
		}
	}
	if strings.Join(findings, "\n") != strings.Join(wantF, "\n") {
		t.Errorf("findings on the page:\n%s\nCLI:\n%s", strings.Join(findings, "\n"), strings.Join(wantF, "\n"))
	}
	b.do("k8s form", chromedp.SetValue("#k8s-profile", "kubeadm"), clearInput("#k8s-cluster-cidr"), clearInput("#k8s-node-index"),
		clearInput("#k8s-service-cidr"), chromedp.SendKeys("#k8s-service-cidr", "10.96.0.0/8"),
		clearInput("#k8s-kube-version"), chromedp.SendKeys("#k8s-kube-version", "1.33"), chromedp.Click("#k8s-go"))
	b.wait("k8s errors", `document.getElementById('k8s-summary')?.textContent.startsWith('Findings: 1 errors') || document.querySelector('#k8s-findings li[data-severity="error"]') !== null`)
	recs = cliJSON(t, "k8s", "plan", "--profile", "kubeadm", "--nodes", "50", "--service-cidr", "10.96.0.0/8", "--kube-version", "1.33")
	sum := recs[len(recs)-1]
	if got := b.eval(`String(document.querySelectorAll('#k8s-findings li[data-severity="error"]').length)`); got != strconv.Itoa(int(sum["errors"].(float64))) {
		t.Errorf("%s error findings on the page, CLI summary %v", got, sum)
	}
	if h := b.eval(`decodeURIComponent(location.hash)`); h != "#k8s?profile=kubeadm&service-cidr=10.96.0.0/8&nodes=50&kube-version=1.33" {
		t.Errorf("k8s URL fragment %q", h)
	}
	b.screenshot("serve-k8s.png")

	// The topology view: an example drawn and checked, then a file typed in.
	b.open("#topo?example=k8s.yaml")
	b.wait("topo", `document.querySelectorAll('#topo-svg g.node').length > 0 && document.querySelector('#topo-findings p, #topo-findings table') !== null`)
	draw := cliJSON(t, "topo", "draw", "../../examples/topo/k8s.yaml")
	var wantNodes, wantLinks []string
	for _, r := range draw {
		if r["type"] == "node" {
			wantNodes = append(wantNodes, r["name"].(string))
		} else {
			wantLinks = append(wantLinks, r["endpoints"].([]any)[0].(string)+" "+r["endpoints"].([]any)[1].(string))
		}
	}
	var nodes, links []string
	b.evalJSON(`[...document.querySelectorAll('#topo-svg g.node')].map(g => g.dataset.node)`, &nodes)
	b.evalJSON(`[...document.querySelectorAll('#topo-svg line')].map(l => l.dataset.link)`, &links)
	if strings.Join(nodes, ",") != strings.Join(wantNodes, ",") || strings.Join(links, ",") != strings.Join(wantLinks, ",") {
		t.Errorf("topology drawing: nodes %v links %v; CLI nodes %v links %v", nodes, links, wantNodes, wantLinks)
	}
	if out, _, code := cliRun(t, "topo", "check", "-o", "json", "../../examples/topo/k8s.yaml"); code != 0 || out != "" {
		t.Fatalf("the k8s example has findings now (exit %d): %s; update the test", code, out)
	}
	if got := b.eval(`document.getElementById('topo-findings').textContent`); got != "No findings: topo check passes." {
		t.Errorf("k8s example findings: %q", got)
	}
	b.screenshot("serve-topo.png")

	// A trace on the k8s example: the steps and the disposition are the
	// CLI's; the keys step through it over the drawing; the URL keeps it.
	b.do("trace form", chromedp.SetValue("#trace-from", "client"), clearInput("#trace-to"), chromedp.SendKeys("#trace-to", "10.96.0.80:80"),
		chromedp.SetValue("#trace-proto", "tcp"), chromedp.Click("#trace-reply"), chromedp.Click("#trace-go"))
	b.wait("trace", `document.querySelectorAll('#trace-steps li').length > 0 && document.getElementById('trace-pos').value.startsWith('Step 1 of')`)
	trace := cliJSON(t, "topo", "trace", "../../examples/topo/k8s.yaml", "--from", "client", "--to", "10.96.0.80:80", "--proto", "tcp", "--reply", "--explain")
	var wantSteps, wantDisp []string
	var stepRecs []map[string]any
	for _, r := range trace {
		dir, _ := r["direction"].(string)
		if dir == "" {
			dir = "request"
		}
		if r["type"] == "step" {
			stepRecs = append(stepRecs, r)
			wantSteps = append(wantSteps, fmt.Sprintf("%s %v %s %s", dir, r["hop"], r["node"], r["action"]))
		} else {
			wantDisp = append(wantDisp, dir+" "+r["disposition"].(string))
		}
	}
	if len(wantDisp) != 2 || wantDisp[0] != "request ACCEPTED" || wantDisp[1] != "reply ACCEPTED" {
		t.Fatalf("the k8s trace is %v now; update the test", wantDisp)
	}
	var tsteps, disp []string
	b.evalJSON(`[...document.querySelectorAll('#trace-steps li')].map(li => li.dataset.direction + ' ' + li.dataset.hop + ' ' + li.dataset.node + ' ' + li.dataset.action)`, &tsteps)
	b.evalJSON(`[...document.querySelectorAll('#trace-disposition span')].map(s => s.dataset.direction + ' ' + s.textContent)`, &disp)
	if strings.Join(tsteps, "\n") != strings.Join(wantSteps, "\n") {
		t.Errorf("trace steps on the page:\n%s\nCLI:\n%s", strings.Join(tsteps, "\n"), strings.Join(wantSteps, "\n"))
	}
	if strings.Join(disp, ",") != strings.Join(wantDisp, ",") {
		t.Errorf("trace disposition on the page %v, CLI %v", disp, wantDisp)
	}
	// the keys: right arrow and j forward, left arrow and k back, End, Home
	here := func() string {
		return b.eval(`[document.getElementById('trace-pos').value, document.querySelector('#topo-svg g.node.here')?.dataset.node, document.getElementById('trace-current').textContent].join('|')`)
	}
	stepAt := func(i int) string {
		r := stepRecs[i]
		return fmt.Sprintf("Step %d of %d|%s|", i+1, len(stepRecs), r["node"])
	}
	checkAt := func(what string, i int) {
		t.Helper()
		got := here()
		why, _ := stepRecs[i]["why"].(string)
		if !strings.HasPrefix(got, stepAt(i)) || why != "" && !strings.Contains(got, "Why: "+why) {
			t.Errorf("%s: shown %q, want %q with the step's why %q", what, got, stepAt(i), stepRecs[i]["why"])
		}
	}
	checkAt("first step", 0)
	b.do("step with keys", chromedp.Focus("#trace-next"), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent("j"))
	checkAt("three steps on", 3)
	b.do("step back", chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent("k"))
	checkAt("two steps back", 1)
	// the first step on another node: the packet has crossed a link
	hop2 := 0
	for hop2 < len(stepRecs) && stepRecs[hop2]["node"] == stepRecs[0]["node"] {
		hop2++
	}
	for i := 1; i < hop2; i++ {
		b.do("next", chromedp.KeyEvent(kb.ArrowRight))
	}
	checkAt("hop 2", hop2)
	if n := b.eval(`String(document.querySelectorAll('#topo-svg line.link.now').length)`); n != "1" {
		t.Errorf("hop 2: %s links drawn as the one just crossed, want 1", n)
	}
	if h := b.eval(`decodeURIComponent(location.hash)`); h != "#topo?example=k8s.yaml&from=client&to=10.96.0.80:80&proto=tcp&reply=1&s="+strconv.Itoa(hop2) {
		t.Errorf("URL fragment %q after stepping", h)
	}
	if os.Getenv("NETCALC_SCREENSHOTS") == "1" {
		time.Sleep(time.Second) // the packet's move (a CSS transition) ends
	}
	b.screenshot("serve-trace.png")
	b.do("End on the page", chromedp.Focus("#h-topo"), chromedp.KeyEvent(kb.End))
	checkAt("End outside the trace (scrolls, does not step)", hop2)
	b.do("end", chromedp.Focus("#trace-next"), chromedp.KeyEvent(kb.End))
	checkAt("End", len(stepRecs)-1)
	b.do("home", chromedp.KeyEvent(kb.Home))
	checkAt("Home", 0)
	b.do("end again", chromedp.KeyEvent(kb.End))
	if strings.Contains(here(), "null") {
		t.Errorf("the shown step says null: %q", here())
	}
	// the link opens the same trace at the same step
	b.open("#topo?example=k8s.yaml&from=client&to=10.96.0.80:80&proto=tcp&reply=1&s=" + strconv.Itoa(hop2))
	b.wait("trace from a link", `document.getElementById('trace-pos').value === 'Step `+strconv.Itoa(hop2+1)+` of `+strconv.Itoa(len(stepRecs))+`'`)
	checkAt("from a link", hop2)
	// a bad destination shows the CLI's message
	b.do("bad trace", clearInput("#trace-to"), chromedp.SendKeys("#trace-to", "10.96.0.80"), chromedp.Click("#trace-go"))
	b.wait("trace error", `!document.getElementById('trace-error').hidden`)
	_, terr, _ := cliRun(t, "topo", "trace", "../../examples/topo/k8s.yaml", "--from", "client", "--to", "10.96.0.80", "--proto", "tcp")
	if got, want := b.eval(`document.getElementById('trace-error').textContent`), strings.TrimPrefix(strings.TrimSpace(strings.Split(terr, "\n")[0]), "netcalc: "); got != want {
		t.Errorf("trace error %q, CLI %q", got, want)
	}
	veth, _, _ := cliRun(t, "topo", "expand", "../../examples/topo/veth.yaml")
	if veth == "" {
		t.Fatal("topo expand veth.yaml printed nothing")
	}
	dup := "nodes:\n  a:\n    interfaces:\n      eth0: {addrs: [198.51.100.1/24]}\n  b:\n    interfaces:\n      eth0: {addrs: [198.51.100.1/24]}\nlinks:\n  - endpoints: [\"a:eth0\", \"b:eth0\"]\n"
	b.do("type a topology", clearInput("#topo-yaml"), chromedp.SendKeys("#topo-yaml", dup), chromedp.Click("#topo-go"))
	b.wait("topo finding", `document.querySelector('#topo-findings-table tbody tr') !== null`)
	var cout, cerr strings.Builder
	Run(context.Background(), NewEnv(strings.NewReader(dup), &cout, &cerr, nil), []string{"topo", "check", "-o", "json", "-"})
	var frows [][]string
	b.evalJSON(`[...document.querySelectorAll('#topo-findings-table tbody tr')].map(r => [...r.cells].map(c => c.textContent))`, &frows)
	cl := strings.Split(strings.TrimSpace(cout.String()), "\n")
	if len(frows) != len(cl) {
		t.Errorf("%d findings on the page, CLI %d: %s", len(frows), len(cl), cout.String())
	}
	for i, l := range cl {
		var f map[string]any
		json.Unmarshal([]byte(l), &f)
		if i < len(frows) && (frows[i][0] != f["severity"] || frows[i][3] != f["check"] || frows[i][4] != f["message"]) {
			t.Errorf("finding %d: page %v, CLI %v", i, frows[i], f)
		}
	}
	if h := b.eval(`location.hash`); !strings.HasPrefix(h, "#topo?yaml=") {
		t.Errorf("topo URL fragment %q, want the file in it", h)
	}

	// Dark mode and a phone-width window: no sideways scrolling on any view.
	b.do("dark", chromedp.Click("#theme"))
	if bg := b.eval(`getComputedStyle(document.body).backgroundColor`); bg != "rgb(15, 20, 25)" {
		t.Errorf("dark background %q", bg)
	}
	b.do("phone", chromedp.EmulateViewport(390, 844))
	for _, v := range []string{"#cidr?q=" + "2001:db8:1234:5678::1/64", "#plan?b=10.0.0.0/24&l=26,26,25&n=web,,db", "#k8s?profile=kind&cluster-cidr=10.244.0.0/16&nodes=50", "#topo?example=home-nat.yaml&from=laptop&to=203.0.113.200:80&proto=tcp&reply=1&s=12"} {
		b.open(v)
		b.wait("phone "+v, `document.querySelector('main section:not([hidden]) table, #cidr-facts dd') !== null && (!location.hash.includes('from=') || document.getElementById('trace-pos').value === 'Step 13 of ' + document.querySelectorAll('#trace-steps li').length)`)
		if w := b.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("%s at phone width: page is %s px wide, want 390", v, w)
		}
		if strings.HasPrefix(v, "#cidr") {
			b.screenshot("serve-phone-dark.png")
		}
	}
	// Keyboard: every control has a label a screen reader reads.
	var unlabeled []string
	b.evalJSON(`[...document.querySelectorAll('input, select, textarea, button')].filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()).map(e => e.outerHTML)`, &unlabeled)
	if len(unlabeled) > 0 {
		t.Errorf("controls without a label: %v", unlabeled)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// clearInput empties a text box (chromedp.Clear and SetValue with "" do
// not, in this chromedp).
func clearInput(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`(document.querySelector(`+jsString(sel)+`).value = '') === ''`)(ctx, t)
		return chromedp.Void{}, err
	}
}
