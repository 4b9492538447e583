package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/internal/cli"
	"github.com/netcalc/netcalc/internal/testlab"
)

// runCLI runs one netcalc command line in-process and returns its output
// and exit status.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := cli.NewEnv(strings.NewReader(""), &out, &errb, func(string) string { return "" })
	code = cli.Run(context.Background(), env, args)
	return out.String(), errb.String(), code
}

// TestLinkLabChild is not a test: the lab tests run the test binary as a
// child process (with dropped credentials) and this function turns it into
// netcalc when NETCALC_LAB_CHILD holds the arguments as a JSON array.
func TestLinkLabChild(t *testing.T) {
	args := os.Getenv("NETCALC_LAB_CHILD")
	if args == "" {
		t.Skip("helper process for TestLinkLab")
	}
	var argv []string
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		t.Fatalf("NETCALC_LAB_CHILD: %v", err)
	}
	os.Exit(cli.Main(argv, os.Stdin, os.Stdout, os.Stderr))
}

// TestLinkLab runs arp, link, addr and route get end to end inside a lab
// of network namespaces (veth pair, router, bridge with three hosts).
func TestLinkLab(t *testing.T) {
	l := testlab.New(t)
	tp := l.Standard()
	macB := l.MAC(tp.B, "veth-b")

	tests := []struct {
		name string
		args []string
		code int
		out  string // regexp the whole stdout must match
		err  string // regexp stderr must match ("" = empty)
	}{
		{"on-link", []string{"arp", "--netns", tp.A, "203.0.113.2"}, 0,
			`^203\.0\.113\.2 is-at ` + macB + ` on veth-a \(rtt [0-9.]+(µs|ms); unicast, locally administered\)\n$`, ""},
		{"off-link names the gateway", []string{"arp", "--netns", tp.A, "198.51.100.2"}, 0,
			`^198\.51\.100\.2 is not on-link; next hop 203\.0\.113\.2 on veth-a is-at ` + macB + ` \(rtt [^;]+; unicast, locally administered\)\n$`, ""},
		{"across the bridge", []string{"arp", "--netns", tp.B, "198.51.100.3"}, 0,
			`^198\.51\.100\.3 is-at ` + l.MAC(tp.E, "veth-e") + ` on veth-d \(rtt `, ""},
		{"ndp", []string{"arp", "--netns", tp.A, "2001:db8::2"}, 0,
			`^2001:db8::2 is-at ` + macB + ` on veth-a \(rtt `, ""},
		{"count and summary", []string{"arp", "--netns", tp.A, "-c", "3", "--timeout", "0.5", "203.0.113.2"}, 0,
			`^(203\.0\.113\.2 is-at ` + macB + ` on veth-a \(rtt [^\n]+\n){3}--- 203\.0\.113\.2: 3 probes, 3 replies, 0% lost, rtt min/avg/max \S+/\S+/\S+ ---\n$`, ""},
		{"absent host", []string{"arp", "--netns", tp.A, "--timeout", "200ms", "-r", "1", "203.0.113.99"}, 1,
			`^$`, `^netcalc: link: arp 203\.0\.113\.99 on veth-a: no reply \(2 × 200ms\)\n$`},
		{"no route", []string{"arp", "--netns", tp.A, "10.0.0.1"}, 1,
			`^$`, `^netcalc: link: route 10\.0\.0\.1: no route \(network is unreachable\)\n$`},
		{"loopback refused", []string{"arp", "--netns", tp.A, "-i", "lo", "203.0.113.2"}, 2,
			`^$`, `loopback: there is no link layer to ask`},
		{"scan finds exactly the live hosts", []string{"arp", "--netns", tp.C, "--scan", "198.51.100.0/24", "--timeout", "500ms", "-r", "1", "--rate", "5000"}, 0,
			`^198\.51\.100\.1\t` + l.MAC(tp.B, "veth-d") + `\t[^\n]+\tveth-c\tunicast, local\n` +
				`198\.51\.100\.3\t` + l.MAC(tp.E, "veth-e") + `\t[^\n]+\n` +
				`198\.51\.100\.4\t` + l.MAC(tp.F, "veth-f") + `\t[^\n]+\n$`, ""},
		{"scan off-link refused", []string{"arp", "--netns", tp.A, "--scan", "198.51.100.0/24"}, 2,
			`^$`, `198\.51\.100\.0/24 is not on-link: the route goes via 203\.0\.113\.2`},
		{"route get", []string{"route", "get", "--netns", tp.A, "198.51.100.2"}, 0,
			`^198\.51\.100\.2 via 203\.0\.113\.2 dev veth-a src 203\.0\.113\.1 table main\n` +
				`why: [^\n]+\n  0:      from all lookup local  matched \(all\): no route in table local, next rule\n` +
				`  32766:  from all lookup main   matched \(all\): chosen\n` +
				`the routes of table main [^\n]+\n \*  198\.51\.100\.0/24  via 203\.0\.113\.2 dev veth-a  table main  metric 0  /24  <- chosen\n$`, ""},
		{"addr", []string{"addr", "--netns", tp.A, "veth-a"}, 0,
			`^veth-a\t203\.0\.113\.1/24\tglobal\t203\.0\.113\.0/24\t203\.0\.113\.255\t203\.0\.113\.1-203\.0\.113\.254\t254\tpermanent\n` +
				`veth-a\t2001:db8::1/64\tglobal\t2001:db8::/64\t-\t2001:db8::1-2001:db8::ffff:ffff:ffff:ffff\t18446744073709551615\tnodad,permanent\n` +
				`veth-a\tfe80::[^\n]+\n$`, ""},
		{"link shows the bridge", []string{"link", "--netns", tp.R, "br0", "veth-cr"}, 0,
			`^\d+\tbr0\tbridge\tUP\t[0-9a-f:]{17}\t1500\t<[A-Z_,]+>\t-\t-\n\d+\tveth-cr\tveth\tUP\t` + l.MAC(tp.R, "veth-cr") + `\t1500\t<[A-Z_,]+>\tbr0\tifindex \d+ in another namespace\n$`, ""},
		{"unknown namespace", []string{"link", "--netns", "netcalc-missing-" + tp.A}, 2,
			`^$`, `^netcalc: link: --netns "netcalc-missing-` + tp.A + `": no such network namespace; 'ip netns list' lists them\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, errOut, code := runCLI(t, tt.args...)
			el := time.Since(start)
			if code != tt.code {
				t.Errorf("netcalc %s: exit %d; want %d\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), code, tt.code, out, errOut)
			}
			if !regexp.MustCompile(tt.out).MatchString(out) {
				t.Errorf("netcalc %s: stdout\n%s\nwant match for %q", strings.Join(tt.args, " "), out, tt.out)
			}
			if (tt.err == "" && errOut != "") || (tt.err != "" && !regexp.MustCompile(tt.err).MatchString(errOut)) {
				t.Errorf("netcalc %s: stderr %q; want match for %q", strings.Join(tt.args, " "), errOut, tt.err)
			}
			if tt.name == "absent host" && (el < 400*time.Millisecond || el > 2500*time.Millisecond) {
				t.Errorf("absent host took %v; want about 2 × 200ms", el)
			}
		})
	}

	t.Run("json matches iproute2", func(t *testing.T) {
		out, _, code := runCLI(t, "-o", "json", "link", "--netns", tp.R)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var v struct{ IfName, Address string }
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("bad JSON line %q: %v", line, err)
			}
			got = append(got, v.IfName+" "+v.Address)
		}
		var ip []struct{ IfName, Address string }
		if err := json.Unmarshal([]byte(l.IP("-j", "-n", tp.R, "link")), &ip); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, v := range ip {
			want = append(want, v.IfName+" "+v.Address)
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("netcalc link -o json = %q; ip -j link = %q", got, want)
		}

		out, _, _ = runCLI(t, "-o", "json", "arp", "--netns", tp.A, "2001:db8::2")
		var a struct {
			MAC, Protocol, Interface, MACAdmin string
			Replies                            int
		}
		if err := json.Unmarshal([]byte(out), &a); err != nil || a.MAC != macB || a.Protocol != "ndp" || a.Replies != 1 {
			t.Errorf("arp -o json 2001:db8::2 = %s (%v); want mac %s by ndp", out, err, macB)
		}
	})

	t.Run("json for a local address has no rtt", func(t *testing.T) {
		out, _, code := runCLI(t, "-o", "json", "arp", "--netns", tp.A, "203.0.113.1")
		if code != 0 || !strings.Contains(out, `"mac":"`+l.MAC(tp.A, "veth-a")+`"`) || !strings.Contains(out, `"local":true`) || !strings.Contains(out, `"rtt_ns":[]`) {
			t.Errorf("arp -o json 203.0.113.1 (own address): exit %d, %s; want veth-a's MAC, local, no RTT", code, out)
		}
	})

	t.Run("json for a silent host names the next hop", func(t *testing.T) {
		out, _, code := runCLI(t, "-o", "json", "arp", "--netns", tp.A, "--timeout", "100ms", "-r", "0", "198.51.100.99")
		// 198.51.100.99 is off-link from A; the gateway answers for it.
		if code != 0 || !strings.Contains(out, `"next_hop":"203.0.113.2","on_link":false,"interface":"veth-a"`) {
			t.Errorf("arp -o json 198.51.100.99: exit %d, %s; want the gateway's answer", code, out)
		}
		out, _, code = runCLI(t, "-o", "json", "arp", "--netns", tp.A, "--timeout", "100ms", "-r", "0", "203.0.113.99")
		if code != 1 || !strings.Contains(out, `"next_hop":"203.0.113.99","on_link":true,"interface":"veth-a"`) || !strings.Contains(out, `"replies":0`) || !strings.Contains(out, `"error":"link: arp 203.0.113.99 on veth-a: no reply (1 × 100ms)"`) {
			t.Errorf("arp -o json 203.0.113.99: exit %d, %s; want exit 1, the next hop, 0 replies and the error", code, out)
		}
	})

	t.Run("without CAP_NET_RAW", func(t *testing.T) {
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("needs setpriv (util-linux) to drop privileges")
		}
		bin := childBinary(t)
		child := func(args ...string) (string, string, int) {
			cmd := exec.Command("ip", "netns", "exec", tp.A, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-test.run=^TestLinkLabChild$")
			argv, _ := json.Marshal(args)
			cmd.Env = append(os.Environ(), "NETCALC_LAB_CHILD="+string(argv))
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			return out.String(), errb.String(), code
		}
		const msg = "netcalc: arp: needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep $(which netcalc)`; answering from the kernel's neighbour table\n"

		// Nothing cached yet: the message, then no answer: exit 2.
		out, errOut, code := child("arp", "203.0.113.2")
		if code != 2 || out != "" || !strings.HasPrefix(errOut, msg) || !strings.Contains(errOut, "not in the neighbour table") {
			t.Errorf("unprivileged arp, empty cache: exit %d, stdout %q, stderr %q; want exit 2 and the CAP_NET_RAW message", code, out, errOut)
		}
		// B probes A, so A's kernel learns B's MAC (a STALE entry).
		if _, _, code := runCLI(t, "arp", "--netns", tp.B, "203.0.113.1"); code != 0 {
			t.Fatalf("seeding probe from B failed: exit %d", code)
		}
		out, errOut, code = child("arp", "203.0.113.2", "198.51.100.9")
		want := regexp.MustCompile(`^203\.0\.113\.2 is-at ` + macB + ` on veth-a \(cached, [A-Z]+; unicast, locally administered\)\n` +
			`198\.51\.100\.9 is not on-link; next hop 203\.0\.113\.2 on veth-a is-at ` + macB + ` \(cached, [A-Z]+; `)
		if code != 0 || errOut != msg || !want.MatchString(out) {
			t.Errorf("unprivileged arp, cached: exit %d\nstdout %q\nstderr %q\nwant exit 0, cached answers and the message once", code, out, errOut)
		}
		out, errOut, code = child("arp", "--cache", "-o", "json", "203.0.113.2")
		if code != 0 || errOut != "" || !strings.Contains(out, `"cached":true`) || !strings.Contains(out, `"mac":"`+macB+`"`) || !strings.Contains(out, `"rtt_ns":[]`) {
			t.Errorf("unprivileged arp --cache -o json: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		// Scans cannot fall back: exit 2 with the message.
		_, errOut, code = child("arp", "--scan", "203.0.113.0/28")
		if code != 2 || !strings.Contains(errOut, "needs CAP_NET_RAW") {
			t.Errorf("unprivileged scan: exit %d, stderr %q; want 2 and the CAP_NET_RAW message", code, errOut)
		}
		// Entering another namespace does.
		_, errOut, code = child("link", "--netns", tp.B)
		if code != 2 || !strings.Contains(errOut, "entering another network namespace needs root (CAP_SYS_ADMIN)") {
			t.Errorf("unprivileged link --netns: exit %d, stderr %q; want 2 and the CAP_SYS_ADMIN message", code, errOut)
		}
		// Netlink queries need no privilege.
		out, _, code = child("route", "get", "198.51.100.2")
		if code != 0 || !strings.HasPrefix(out, "198.51.100.2 via 203.0.113.2 dev veth-a src 203.0.113.1") {
			t.Errorf("unprivileged route get: exit %d, stdout %q", code, out)
		}
	})
}

// childBinary copies the running test binary where uid 65534 can execute it.
func childBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "netcalc-lab-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin := filepath.Join(dir, "cli.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestRouteGetPolicyLab is the regression test of defect 7 of issue 9:
// route get must follow the policy routing rules as the kernel does. In a
// namespace with `ip rule add from 203.0.113.1 lookup 100` (and fwmark,
// iif and unreachable rules, see testlab.PolicyRouting), netcalc's answer
// and its rule walk are compared with `ip -j route get` in that namespace:
// the kernel is the oracle. The old code read no rules and took no 'from',
// so it named the main table's /26 for a packet from 203.0.113.1.
func TestRouteGetPolicyLab(t *testing.T) {
	l := testlab.New(t)
	ns := l.PolicyRouting()
	_, v6err := os.Stat("/proc/sys/net/ipv6")

	tests := []struct {
		args  []string // after the address: from, iif, mark
		table string   // the table the kernel must use (a check on the lab itself)
	}{
		{[]string{"198.51.100.70"}, "main"},
		{[]string{"198.51.100.70", "from", "203.0.113.1"}, "100"},
		{[]string{"198.51.100.70", "from", "203.0.113.5"}, "main"},
		{[]string{"198.51.100.70", "mark", "0x310"}, "200"},
		{[]string{"198.51.100.70", "mark", "17"}, "main"},
		{[]string{"198.51.100.70", "from", "203.0.113.1", "mark", "0x10"}, "100"},
		{[]string{"198.51.100.70", "from", "203.0.113.5", "mark", "0x10"}, "200"},
		{[]string{"198.51.100.70", "from", "198.51.100.9", "iif", "d1"}, "300"},
		{[]string{"198.51.100.70", "from", "198.51.100.9", "iif", "d0"}, "main"},
		{[]string{"198.51.100.66", "from", "203.0.113.1"}, "100"},
		{[]string{"2001:db8:2::9", "from", "2001:db8:1::1"}, "100"},
		{[]string{"2001:db8:2::9", "from", "2001:db8:1::5"}, "main"},
		{[]string{"2001:db8:2::9"}, "main"},
	}
	for _, tt := range tests {
		name := strings.Join(tt.args, " ")
		t.Run(name, func(t *testing.T) {
			if strings.Contains(tt.args[0], ":") && v6err != nil {
				t.Skip("the kernel has no IPv6")
			}
			compareRouteGet(t, l, ns, tt.args, tt.table)
		})
	}

	t.Run("text names the rule and the table", func(t *testing.T) {
		out, _, code := runCLI(t, "route", "get", "--netns", ns, "198.51.100.70", "from", "203.0.113.1")
		want := "198.51.100.70 from 203.0.113.1 via 203.0.113.253 dev d0 table 100\n" +
			"why: the policy rules (ip rule) in priority order, up to the one whose table answered:\n" +
			"  0:    from all lookup local        matched (all): no route in table local, next rule\n" +
			"  100:  from 203.0.113.1 lookup 100  matched (from 203.0.113.1): chosen\n" +
			"the routes of table 100 containing 198.51.100.70, most specific first; the longest prefix wins:\n" +
			" *  198.51.100.64/27  via 203.0.113.253 dev d0  table 100  metric 0  /27  <- chosen\n"
		if code != 0 || out != want {
			t.Errorf("route get 198.51.100.70 from 203.0.113.1: exit %d\n%s\nwant\n%s", code, out, want)
		}
		// The same question by flags.
		out2, _, _ := runCLI(t, "route", "get", "--netns", ns, "--src", "203.0.113.1", "198.51.100.70")
		if out2 != want {
			t.Errorf("route get --src 203.0.113.1 198.51.100.70:\n%s\nwant\n%s", out2, want)
		}
	})

	t.Run("unreachable rule", func(t *testing.T) {
		if out, err := exec.Command("ip", "-n", ns, "route", "get", "198.51.100.200").CombinedOutput(); err == nil {
			t.Fatalf("lab broken: ip route get 198.51.100.200 succeeded: %s", out)
		}
		_, errOut, code := runCLI(t, "route", "get", "--netns", ns, "198.51.100.200")
		if code != 1 || errOut != "netcalc: link: route 198.51.100.200: no route (unreachable rule 400)\n" {
			t.Errorf("route get 198.51.100.200: exit %d, stderr %q; want exit 1 naming unreachable rule 400", code, errOut)
		}
	})

	t.Run("from an address the host does not own", func(t *testing.T) {
		if out, err := exec.Command("ip", "-n", ns, "route", "get", "198.51.100.70", "from", "198.51.100.9").CombinedOutput(); err == nil {
			t.Fatalf("lab broken: ip route get from a foreign address succeeded: %s", out)
		}
		_, errOut, code := runCLI(t, "route", "get", "--netns", ns, "198.51.100.70", "from", "198.51.100.9")
		if code != 1 || !strings.Contains(errOut, "from 198.51.100.9 is not an address of this host") || !strings.Contains(errOut, "give iif DEV") {
			t.Errorf("route get from 198.51.100.9: exit %d, stderr %q; want exit 1 explaining that the source is not local", code, errOut)
		}
	})

	t.Run("bad tokens are named", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"198.51.100.70", "iif", "nosuch"}, `^netcalc: route get: iif "nosuch": no such interface; the interfaces are lo, `},
			{[]string{"198.51.100.70", "mark", "0xfoo"}, `^netcalc: route get: mark "0xfoo": not a firewall mark, expected a number 0-4294967295 \(decimal or 0x hex\)\n$`},
			{[]string{"198.51.100.70", "from", "203.0.113"}, `^netcalc: route get: from: "203\.0\.113": `},
			{[]string{"198.51.100.70", "from"}, `^netcalc: route get: "from" wants a value after it \(a source address\); run 'netcalc route get --help' for usage\n$`},
		} {
			_, errOut, code := runCLI(t, append([]string{"route", "get", "--netns", ns}, c.args...)...)
			if code != 2 || !regexp.MustCompile(c.want).MatchString(errOut) {
				t.Errorf("route get %s: exit %d, stderr %q; want exit 2 matching %q", strings.Join(c.args, " "), code, errOut, c.want)
			}
		}
	})
}

// compareRouteGet runs `ip -j route get ARGS` and `netcalc -o json route
// get ARGS` in namespace ns and fails unless both name the same route and
// table (want, as ip names it), and netcalc's rule walk ends at a rule
// that looked up that table and chose that route.
func compareRouteGet(t *testing.T, l *testlab.Lab, ns string, args []string, table string) {
	t.Helper()
	name := strings.Join(args, " ")
	var kernel []struct{ Gateway, Dev, Table string }
	if err := json.Unmarshal([]byte(l.IP(append([]string{"-j", "-n", ns, "route", "get"}, args...)...)), &kernel); err != nil || len(kernel) != 1 {
		t.Fatalf("ip -j route get %s: %v %+v", name, err, kernel)
	}
	k := kernel[0]
	if k.Table == "" {
		k.Table = "main"
	}
	if k.Table != table {
		t.Fatalf("lab broken: the kernel uses table %s for %s; want %s", k.Table, name, table)
	}

	out, errOut, code := runCLI(t, append([]string{"-o", "json", "route", "get", "--netns", ns}, args...)...)
	if code != 0 {
		t.Fatalf("netcalc route get %s: exit %d, stderr %s", name, code, errOut)
	}
	var got struct {
		Route struct {
			Gateway, Dev string
			Table        int
		}
		Rules []struct {
			Rule struct { // as netcalc rule writes it: ip -j rule's names
				Priority int
				Table    string
			}
			Matched bool
			Result  string
		}
		Candidates []struct{ Gateway, Dev string }
		Winner     int
		Note       string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("netcalc -o json route get %s: %v\n%s", name, err, out)
	}
	tableName := func(n int) string {
		if n == 254 {
			return "main"
		}
		return strconv.Itoa(n)
	}
	// The kernel's answer as netcalc reports it.
	if got.Route.Gateway != k.Gateway || got.Route.Dev != k.Dev || tableName(got.Route.Table) != k.Table {
		t.Errorf("netcalc route get %s = via %s dev %s table %s; ip route get says via %s dev %s table %s",
			name, got.Route.Gateway, got.Route.Dev, tableName(got.Route.Table), k.Gateway, k.Dev, k.Table)
	}
	// The rule walk: the last rule looked up the kernel's table, and
	// its winner is the kernel's route.
	if len(got.Rules) == 0 {
		t.Fatalf("netcalc route get %s: no rule walk\n%s", name, out)
	}
	last := got.Rules[len(got.Rules)-1]
	if !last.Matched || last.Result != "chosen" || last.Rule.Table != k.Table {
		t.Errorf("netcalc route get %s: the walk ended at rule %d (table %s, %q); the kernel used table %s\n%s",
			name, last.Rule.Priority, last.Rule.Table, last.Result, k.Table, out)
	}
	if got.Winner < 0 || got.Winner >= len(got.Candidates) || got.Candidates[got.Winner].Gateway != k.Gateway {
		t.Errorf("netcalc route get %s: winner %d of %+v; the kernel's route is via %s", name, got.Winner, got.Candidates, k.Gateway)
	}
	if got.Note != "" {
		t.Errorf("netcalc route get %s: note %q; want the walk to agree with the kernel", name, got.Note)
	}
}

// TestRuleLab compares `netcalc rule` with `ip rule` (text and JSON) on a
// namespace with every kind of rule, and route get's walk through them
// (goto, nop, not, suppress_prefixlength, oif, prohibit) with the kernel's.
func TestRuleLab(t *testing.T) {
	l := testlab.New(t)
	ns := l.PolicyRouting()
	for _, r := range [][]string{
		{"from", "203.0.113.0/24", "to", "198.51.100.0/24", "goto", "32766", "pref", "50"},
		{"iif", "lo", "oif", "d0", "lookup", "100", "pref", "60"},
		{"ipproto", "tcp", "dport", "80-90", "lookup", "100", "pref", "70"},
		{"uidrange", "1000-2000", "blackhole", "pref", "80"},
		{"fwmark", "5", "prohibit", "pref", "90"},
		{"nop", "pref", "95"},
		{"not", "fwmark", "0x20", "table", "500", "suppress_prefixlength", "0", "pref", "500"},
	} {
		l.IP(append([]string{"-n", ns, "rule", "add"}, r...)...)
	}
	l.Route(ns, "default", "via", "203.0.113.250", "table", "500")
	l.Route(ns, "198.51.100.64/30", "via", "203.0.113.249", "table", "500")

	t.Run("text is ip rule's", func(t *testing.T) {
		for _, fam := range []string{"4", "6"} {
			out, errOut, code := runCLI(t, "rule", "--netns", ns, "--ipv"+fam)
			want := l.IP("-"+fam, "-n", ns, "rule")
			if code != 0 || out != want {
				t.Errorf("netcalc rule --ipv%s: exit %d, stderr %q\n%s\nip -%s rule:\n%s", fam, code, errOut, out, fam, want)
			}
		}
		out, _, _ := runCLI(t, "rule", "--netns", ns)
		if want := "IPv4:\n" + l.IP("-n", ns, "rule") + "\nIPv6:\n" + l.IP("-6", "-n", ns, "rule"); out != want {
			t.Errorf("netcalc rule:\n%s\nwant\n%s", out, want)
		}
	})

	t.Run("json has ip -j rule's fields", func(t *testing.T) {
		out, _, code := runCLI(t, "-o", "json", "rule", "--netns", ns, "--ipv4")
		var ip []map[string]any
		if err := json.Unmarshal([]byte(l.IP("-j", "-n", ns, "rule")), &ip); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != len(ip) {
			t.Fatalf("netcalc -o json rule: exit %d, %d lines; ip -j rule has %d rules\n%s", code, len(lines), len(ip), out)
		}
		for i, line := range lines {
			var got map[string]any
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			for k, v := range ip[i] {
				g, ok := got[k]
				// ip writes switches such as "not" and "nop" as null.
				if !ok || (v != nil && g != v) || (v == nil && g != true) {
					t.Errorf("rule %v: %s = %v; ip -j rule says %v\n%s", ip[i]["priority"], k, g, v, line)
				}
			}
			for k := range got {
				if _, ok := ip[i][k]; !ok && k != "family" {
					t.Errorf("rule %v: field %s that ip -j rule does not have\n%s", ip[i]["priority"], k, line)
				}
			}
		}
	})

	for _, c := range []struct {
		args  []string
		table string
	}{
		{[]string{"198.51.100.66"}, "500"},                                         // not fwmark 0x20: table 500's /30
		{[]string{"198.51.100.70"}, "main"},                                        // table 500's default route suppressed
		{[]string{"198.51.100.70", "from", "203.0.113.1"}, "main"},                 // goto 32766 skips rule 100
		{[]string{"198.51.100.70", "mark", "0x20"}, "main"},                        // not fwmark 0x20 does not match
		{[]string{"198.51.100.70", "oif", "d0"}, "100"},                            // iif lo oif d0
		{[]string{"198.51.100.70", "from", "203.0.113.5", "mark", "0x10"}, "main"}, // goto 32766 first
		{[]string{"198.51.100.70", "from", "198.51.100.9", "iif", "d1", "mark", "0x10"}, "200"},
	} {
		t.Run("route get "+strings.Join(c.args, " "), func(t *testing.T) {
			compareRouteGet(t, l, ns, c.args, c.table)
		})
	}

	t.Run("prohibit rule", func(t *testing.T) {
		if out, err := exec.Command("ip", "-n", ns, "route", "get", "198.51.100.70", "mark", "5").CombinedOutput(); err == nil {
			t.Fatalf("lab broken: ip route get mark 5 succeeded: %s", out)
		}
		_, errOut, code := runCLI(t, "route", "get", "--netns", ns, "198.51.100.70", "mark", "5")
		if code != 1 || errOut != "netcalc: link: route 198.51.100.70: no route (prohibit rule 90)\n" {
			t.Errorf("route get mark 5: exit %d, stderr %q; want exit 1 naming prohibit rule 90", code, errOut)
		}
	})
}
