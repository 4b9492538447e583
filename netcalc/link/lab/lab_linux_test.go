//go:build linux

package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/topo"
)

func TestCheckCapabilities(t *testing.T) {
	defer func(f func() (uint64, error)) { capEff = f }(capEff)
	for _, c := range []struct {
		eff  uint64
		want string
	}{
		{0, "needs CAP_NET_ADMIN and CAP_SYS_ADMIN"},
		{1 << 12, "needs CAP_SYS_ADMIN to "},
		{1 << 21, "needs CAP_NET_ADMIN to "},
		{1<<12 | 1<<21, ""},
	} {
		capEff = func() (uint64, error) { return c.eff, nil }
		err := CheckCapabilities("up")
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CapEff %#x: %v, want nil", c.eff, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrPermission)):
			t.Errorf("CapEff %#x: %v, want ErrPermission saying %q", c.eff, err, c.want)
		}
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("building namespaces needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN); skipped")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip(8) is not installed; skipped")
	}
}

// examples returns the example topologies (the k8s one expanded by Parse)
// and testdata/mix.yaml.
func examples(t *testing.T) map[string]*topo.Topology {
	dir := "../../../examples/topo"
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	files = append(files, "testdata/mix.yaml")
	out := map[string]*topo.Topology{}
	for _, f := range files {
		if strings.HasSuffix(f, "-services.yaml") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		top, err := topo.Parse(strings.NewReader(string(data)), topo.Options{File: f, ReadFile: func(n string) ([]byte, error) {
			return os.ReadFile(filepath.Join(dir, n))
		}})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".yaml")] = top
	}
	if len(out) < 6 {
		t.Fatalf("found %d example topologies in %s, want at least 5", len(out), dir)
	}
	return out
}

// prefix returns a prefix no other run uses.
func prefix(name string) string {
	return fmt.Sprintf("nct%d-%s", os.Getpid()%100000, name)
}

// leftovers returns the namespaces and marker of prefix p.
func leftovers(t *testing.T, p string) []string {
	t.Helper()
	var out []string
	ents, _ := os.ReadDir(NetnsDir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), p+"-") || e.Name() == UnpluggedNS(p) {
			out = append(out, e.Name())
		}
	}
	if _, err := os.Stat(MarkerPath(p)); err == nil {
		out = append(out, MarkerPath(p))
	}
	return out
}

func ipJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).Output()
	if err != nil {
		t.Fatalf("ip %s: %v", strings.Join(args, " "), err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// checkWithIP compares node n of the lab with what ip(8) and
// iptables-save report in its namespace.
func checkWithIP(t *testing.T, p string, n *topo.Node) {
	t.Helper()
	ns := NSName(p, n.Name)
	var links []struct {
		Ifname    string `json:"ifname"`
		Address   string `json:"address"`
		MTU       int    `json:"mtu"`
		Master    string `json:"master"`
		Operstate string `json:"operstate"`
		AddrInfo  []struct {
			Local     string `json:"local"`
			Prefixlen int    `json:"prefixlen"`
			Scope     string `json:"scope"`
		} `json:"addr_info"`
	}
	ipJSON(t, &links, "-n", ns, "-j", "addr", "show")
	seen := map[string]bool{}
	for _, l := range links {
		if l.Ifname == "lo" {
			continue
		}
		seen[l.Ifname] = true
		ifc := n.Interface(l.Ifname)
		if ifc == nil {
			t.Errorf("%s: ip shows interface %s, the file has none", ns, l.Ifname)
			continue
		}
		if l.Address != ifc.MAC.String() || l.MTU != ifc.MTU || l.Master != ifc.Master {
			t.Errorf("%s: %s: ip shows mac %s mtu %d master %q; want %s %d %q", ns, l.Ifname, l.Address, l.MTU, l.Master, ifc.MAC, ifc.MTU, ifc.Master)
		}
		var got, want []string
		for _, a := range l.AddrInfo {
			if a.Scope == "link" && strings.HasPrefix(a.Local, "fe80:") {
				if !ifc.LinkLocal.IsValid() || a.Local != ifc.LinkLocal.Addr().String() {
					t.Errorf("%s: %s: link-local %s, model %v", ns, l.Ifname, a.Local, ifc.LinkLocal)
				}
				continue
			}
			got = append(got, fmt.Sprintf("%s/%d", a.Local, a.Prefixlen))
		}
		for _, a := range ifc.Addrs {
			want = append(want, a.String())
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: %s: ip shows addresses %v, want %v", ns, l.Ifname, got, want)
		}
	}
	for _, ifc := range n.Interfaces {
		if !seen[ifc.Name] {
			t.Errorf("%s: interface %s missing from ip addr", ns, ifc.Name)
		}
		if ifc.Kind != topo.Bridge {
			continue
		}
		var br []struct {
			Linkinfo struct {
				InfoData struct {
					ForwardDelay *int `json:"forward_delay"`
				} `json:"info_data"`
			} `json:"linkinfo"`
		}
		ipJSON(t, &br, "-n", ns, "-d", "-j", "link", "show", ifc.Name)
		if len(br) != 1 || br[0].Linkinfo.InfoData.ForwardDelay == nil || *br[0].Linkinfo.InfoData.ForwardDelay != 0 {
			t.Errorf("%s: bridge %s: ip -d link shows %+v, want forward_delay 0", ns, ifc.Name, br)
		}
	}
	// Main table: same number of routes per family as the model, and every
	// static route's destination present with its gateway.
	for _, fam := range []string{"-4", "-6"} {
		var routes []struct {
			Dst     string `json:"dst"`
			Gateway string `json:"gateway"`
			Dev     string `json:"dev"`
			Type    string `json:"type"`
		}
		ipJSON(t, &routes, fam, "-n", ns, "-j", "route", "show", "table", "main")
		want := 0
		for _, r := range n.RoutingTable() {
			if r.Table == "main" && (r.Dst.Addr().Is6() == (fam == "-6")) {
				want++
			}
		}
		if len(routes) != want {
			t.Errorf("%s: ip %s route shows %d routes, model %d: %+v", ns, fam, len(routes), want, routes)
		}
		for _, r := range n.Routes {
			if r.Dst.Addr().Is6() != (fam == "-6") {
				continue
			}
			found := false
			for _, k := range routes {
				dst := k.Dst
				if dst == "default" {
					dst = netip.PrefixFrom(r.Dst.Addr(), 0).String()
				} else if !strings.Contains(dst, "/") {
					a := netip.MustParseAddr(dst)
					dst = netip.PrefixFrom(a, a.BitLen()).String()
				}
				gwOK := !r.Via.IsValid() || k.Gateway == r.Via.String()
				if dst == r.Dst.String() && gwOK {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: route %q not in ip %s route: %+v", ns, r.String(), fam, routes)
			}
		}
	}
	if strings.TrimSpace(n.IPTables) != "" {
		save := strings.Replace(iptablesTool(n.IPTables), "-restore", "-save", 1)
		out, err := exec.Command("ip", "netns", "exec", ns, save).Output()
		if err != nil {
			t.Fatalf("%s: %s: %v", ns, save, err)
		}
		got, want := RuleCounts(string(out)), RuleCounts(n.IPTables)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: iptables-save has %d rules in %s, the file %d", ns, got[k], k, v)
			}
		}
	}
}

// statusClean waits (at most 3 s) for Status to report no difference: a
// lab built by a script has its link-local addresses only once the kernel's
// link watcher ran.
func statusClean(t *testing.T, top *topo.Topology, p string) {
	t.Helper()
	var diffs []Diff
	var err error
	for deadline := time.Now().Add(3 * time.Second); ; {
		diffs, err = Status(top, p)
		if err == nil && len(diffs) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for _, d := range diffs {
		t.Errorf("status: %s", d)
	}
}

func down(t *testing.T, p string) {
	t.Helper()
	if _, err := Down(p); err != nil {
		t.Errorf("Down(%s): %v", p, err)
	}
	if left := leftovers(t, p); len(left) > 0 {
		t.Errorf("after Down(%s): left %v", p, left)
	}
}

func TestUpExamples(t *testing.T) {
	needRoot(t)
	for name, top := range examples(t) {
		t.Run(name, func(t *testing.T) {
			p := prefix(name)
			t.Cleanup(func() { Down(p) })
			res, err := Up(top, Options{Prefix: p})
			if err != nil {
				t.Fatalf("Up: %v", err)
			}
			if res.Namespaces != len(top.Nodes) {
				t.Errorf("Up built %d namespaces, want %d", res.Namespaces, len(top.Nodes))
			}
			// Status reads at once: Up returns a ready lab.
			diffs, err := Status(top, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diffs {
				t.Errorf("status right after up: %s", d)
			}
			for _, n := range top.Nodes {
				checkWithIP(t, p, n)
			}
			// a second up of the same prefix is refused, and changes nothing
			if _, err := Up(top, Options{Prefix: p}); !errors.Is(err, ErrRefused) {
				t.Errorf("second Up: %v, want ErrRefused", err)
			}
			statusClean(t, top, p)
			down(t, p)
			// down is idempotent
			res2, err := Down(p)
			if err != nil || len(res2.Removed) != 0 {
				t.Errorf("second Down: %+v, %v; want nothing removed", res2, err)
			}
		})
	}
}

func TestStatusFindsDifferences(t *testing.T) {
	needRoot(t)
	top := examples(t)["gateway"]
	p := prefix("diff")
	t.Cleanup(func() { Down(p) })
	if _, err := Up(top, Options{Prefix: p}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-n", NSName(p, "a"), "addr", "del", "198.51.100.10/24", "dev", "eth0"},
		{"-n", NSName(p, "b"), "link", "set", "eth0", "mtu", "1400"},
		{"-n", NSName(p, "r"), "route", "add", "198.51.100.128/25", "dev", "eth0"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v %s", args, err, out)
		}
	}
	diffs, err := Status(top, p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.String())
	}
	want := []string{
		"a: missing address 198.51.100.10/24 on eth0",
		// the kernel drops the routes that needed the address
		"a: missing route default via 198.51.100.1",
		"a: missing route 198.51.100.0/24 dev eth0 proto kernel scope link src 198.51.100.10",
		"r: extra route 198.51.100.128/25 dev eth0",
		"b: different interface eth0 mtu: want 1500, have 1400",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("status:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestUpFailureRollsBack fails Up at every step of a topology with a
// bridge, NAT rules and an interface on no link: each failure names the
// object and leaves nothing behind.
func TestUpFailureRollsBack(t *testing.T) {
	needRoot(t)
	top := examples(t)["home-nat"]
	p := prefix("fail")
	t.Cleanup(func() { Down(p) })
	res, err := Up(top, Options{Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	down(t, p)
	for step := 1; step <= res.Steps; step++ {
		_, err := Up(top, Options{Prefix: p, FailAt: step})
		var le *Error
		if !errors.As(err, &le) || !errors.Is(err, ErrInjected) || le.Object == "" {
			t.Fatalf("FailAt %d: %v, want an *Error naming the object, wrapping ErrInjected", step, err)
		}
		if left := leftovers(t, p); len(left) > 0 {
			t.Fatalf("FailAt %d (%s): left %v", step, le.Object, left)
		}
	}
	if _, err := Up(top, Options{Prefix: p, FailAt: res.Steps + 1}); err != nil {
		t.Errorf("FailAt past the last step: %v", err)
	}
	down(t, p)
}

// TestInterruptedUp leaves what an Up killed at each step leaves, and
// checks that Down removes all of it.
func TestInterruptedUp(t *testing.T) {
	needRoot(t)
	tops := examples(t)
	for _, name := range []string{"k8s", "bridge"} {
		top := tops[name]
		p := prefix("int-" + name)
		t.Cleanup(func() { Down(p) })
		res, err := Up(top, Options{Prefix: p})
		if err != nil {
			t.Fatal(err)
		}
		down(t, p)
		for _, step := range []int{1, 2, res.Steps / 3, res.Steps / 2, res.Steps - 1} {
			if _, err := Up(top, Options{Prefix: p, FailAt: step, KeepOnFailure: true}); !errors.Is(err, ErrInjected) {
				t.Fatalf("%s FailAt %d: %v", name, step, err)
			}
			if _, err := os.Stat(MarkerPath(p)); err != nil {
				t.Fatalf("%s FailAt %d: no marker after an interrupted up: %v", name, step, err)
			}
			down(t, p)
		}
	}
}

// TestDownLeavesForeignNamespaces: a namespace with the prefix that
// netcalc did not create makes Up refuse and survives Down.
func TestDownLeavesForeignNamespaces(t *testing.T) {
	needRoot(t)
	top := examples(t)["veth"]
	p := prefix("foreign")
	foreign := NSName(p, "b")
	if out, err := exec.Command("ip", "netns", "add", foreign).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", foreign).Run() })
	if _, err := Up(top, Options{Prefix: p}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), foreign) {
		t.Fatalf("Up over a foreign namespace: %v, want ErrRefused naming %s", err, foreign)
	}
	if _, err := os.Stat(MarkerPath(p)); err == nil {
		t.Fatalf("a refused Up left a marker")
	}
	res, err := Down(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 0 || len(res.LeftAlone) != 1 || res.LeftAlone[0] != foreign {
		t.Errorf("Down: %+v, want nothing removed and %s left alone", res, foreign)
	}
	if !nsExists(foreign) {
		t.Errorf("Down deleted %s, which netcalc did not create", foreign)
	}
	// A marker that lists a name outside its prefix does not make Down
	// delete it.
	if err := writeMarker(&Marker{Prefix: p + "x", Namespaces: []string{foreign, p + "x-a"}}, true); err != nil {
		t.Fatal(err)
	}
	if res, err := Down(p + "x"); err != nil || len(res.Removed) != 0 || !nsExists(foreign) {
		t.Errorf("Down of a marker naming %s: %+v, %v; want it kept", foreign, res, err)
	}
}

func TestDo(t *testing.T) {
	needRoot(t)
	top := examples(t)["veth"]
	p := prefix("do")
	t.Cleanup(func() { Down(p) })
	if _, err := Up(top, Options{Prefix: p}); err != nil {
		t.Fatal(err)
	}
	var names []string
	err := Do(p, "b", func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		return err
	})
	if err != nil || strings.Join(names, " ") != "lo eth0" {
		t.Errorf("Do in b: interfaces %v, %v; want lo eth0", names, err)
	}
	if err := Do(p, "zz", func() error { return nil }); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Do in a missing node: %v, want ErrNotBuilt", err)
	}
}

// TestEmitScript runs Emit's script with bash: the lab it builds has no
// difference from the file, and Down removes it.
func TestEmitScript(t *testing.T) {
	needRoot(t)
	for name, top := range examples(t) {
		t.Run(name, func(t *testing.T) {
			p := prefix("emit-" + name)
			t.Cleanup(func() { Down(p) })
			var b strings.Builder
			if err := Emit(&b, top, p); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", "-e")
			cmd.Stdin = strings.NewReader(b.String())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			statusClean(t, top, p)
			for _, n := range top.Nodes {
				checkWithIP(t, p, n)
			}
			down(t, p)
		})
	}
}

func TestExec(t *testing.T) {
	needRoot(t)
	top := examples(t)["gateway"]
	p := prefix("exec")
	t.Cleanup(func() { Down(p) })
	if _, err := Up(top, Options{Prefix: p}); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code, err := Exec(p, "a", []string{"ip", "-4", "-br", "addr", "show", "eth0"}, nil, &out, &errb)
	if err != nil || code != 0 || !strings.Contains(out.String(), "198.51.100.10/24") {
		t.Errorf("Exec ip addr in a: code %d, %v, out %q", code, err, out.String())
	}
	if code, err := Exec(p, "a", []string{"sh", "-c", "exit 7"}, nil, &out, &errb); err != nil || code != 7 {
		t.Errorf("Exec exit 7: code %d, %v", code, err)
	}
	if _, err := Exec(p, "zz", []string{"true"}, nil, &out, &errb); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Exec in a missing node: %v, want ErrNotBuilt", err)
	}
	if _, err := Exec(p, "a", []string{"no-such-command-netcalc"}, nil, &out, &errb); !errors.Is(err, ErrNoCommand) {
		t.Errorf("Exec of a missing command: %v, want ErrNoCommand", err)
	}
}

// TestWithoutCapabilities runs this test binary again without
// CAP_NET_ADMIN and CAP_SYS_ADMIN (setpriv): Up, Down, Status and Exec say
// which capabilities are missing and build nothing.
func TestWithoutCapabilities(t *testing.T) {
	top := examples(t)["veth"]
	p := prefix("nocap")
	if os.Getenv("NETCALC_LAB_NOCAP") == "1" {
		const want = "needs CAP_NET_ADMIN and CAP_SYS_ADMIN to manage network namespaces and their devices: run as root"
		_, err1 := Up(top, Options{Prefix: p})
		_, err2 := Down(p)
		_, err3 := Status(top, p)
		_, err4 := Exec(p, "a", []string{"true"}, nil, nil, nil)
		for i, err := range []error{err1, err2, err3, err4} {
			if !errors.Is(err, ErrPermission) || !strings.HasSuffix(err.Error(), ": "+want) {
				t.Errorf("call %d without capabilities: %v, want ErrPermission %q", i+1, err, want)
			}
		}
		return
	}
	needRoot(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed; skipped")
	}
	cmd := exec.Command("setpriv", "--inh-caps=-all", "--bounding-set=-net_admin,-sys_admin", os.Args[0], "-test.run=^TestWithoutCapabilities$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NETCALC_LAB_NOCAP=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("without capabilities: %v\n%s", err, out)
	}
	if left := leftovers(t, p); len(left) > 0 {
		t.Errorf("Up without capabilities left %v", left)
	}
}

// TestKilledUp kills (SIGKILL) a process in the middle of Up, at several
// steps, and checks that Down removes everything it left.
func TestKilledUp(t *testing.T) {
	top := examples(t)["k8s"]
	if step := os.Getenv("NETCALC_LAB_KILL_AT"); step != "" {
		var at int
		fmt.Sscan(step, &at)
		stepHook = func(n int, object string) {
			if n == at {
				fmt.Printf("READY %s\n", object)
				time.Sleep(time.Minute) // killed here
			}
		}
		Up(top, Options{Prefix: os.Getenv("NETCALC_LAB_PREFIX")})
		return
	}
	needRoot(t)
	p := prefix("kill")
	t.Cleanup(func() { Down(p) })
	res, err := Up(top, Options{Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	down(t, p)
	for _, at := range []int{2, res.Steps / 4, res.Steps / 2, res.Steps - 2} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledUp$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("NETCALC_LAB_KILL_AT=%d", at), "NETCALC_LAB_PREFIX="+p)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufioReadLine(out)
		cmd.Process.Kill()
		cmd.Wait()
		if !strings.HasPrefix(line, "READY ") {
			t.Fatalf("step %d: child said %q", at, line)
		}
		t.Logf("killed at step %d (%s): left %d objects", at, strings.TrimPrefix(line, "READY "), len(leftovers(t, p)))
		if len(leftovers(t, p)) == 0 {
			t.Errorf("killed at step %d (%s): nothing left behind; the test kills too late", at, line[6:])
		}
		down(t, p)
	}
}

func bufioReadLine(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				return string(b), nil
			}
			b = append(b, one[0])
		}
		if err != nil {
			return string(b), err
		}
	}
}

// TestUpKernelRefuses: a route the kernel refuses fails Up with the route,
// the node and the kernel's own reason, and leaves nothing.
func TestUpKernelRefuses(t *testing.T) {
	needRoot(t)
	for _, c := range []struct{ route, want string }{
		{"203.0.113.0/24 via 10.9.9.9", `up: route "203.0.113.0/24 via 10.9.9.9" of a (routes[0]): network is unreachable: Nexthop has invalid gateway`},
		{"203.0.113.0/24 dev eth0 src 198.51.100.99", `up: route "203.0.113.0/24 dev eth0 src 198.51.100.99" of a (routes[0]): invalid argument: Invalid prefsrc address`},
	} {
		top, err := topo.Parse(strings.NewReader("name: bad\nnodes:\n  a:\n    interfaces:\n      eth0: {addrs: [198.51.100.1/24]}\n    routes:\n      - "+c.route+"\n"), topo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := prefix("refused")
		_, err = Up(top, Options{Prefix: p})
		if err == nil || err.Error() != c.want {
			t.Errorf("Up with %q:\n got %v\nwant %s", c.route, err, c.want)
		}
		if left := leftovers(t, p); len(left) > 0 {
			t.Errorf("refused Up left %v", left)
			Down(p)
		}
	}
}
