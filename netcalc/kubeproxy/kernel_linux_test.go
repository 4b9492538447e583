//go:build linux

package kubeproxy

import (
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"
	"golang.org/x/sys/unix"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// kernelScenario is a node with one remote endpoint per TCP Service (so the
// DNAT choice is deterministic), a UDP Service with three endpoints for the
// statistic draws, and a Service without endpoints.
const kernelScenario = `
# kube-proxy 1.36 writes MASQUERADE without --random-fully (iptables
# without support), so the kernel keeps the source port and the whole
# conntrack line can be compared (TestKernelAgrees also runs 1.37).
kubeVersion: "1.36"
node: node-a
nodeIPs: [198.51.100.10]
clusterCIDR: 203.0.113.0/25
services:
- namespace: shop
  name: web
  type: NodePort
  clusterIP: 203.0.113.200
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}]
  endpoints:
  - {ip: 203.0.113.21, node: node-b}
- namespace: kube-system
  name: dns
  clusterIP: 203.0.113.210
  ports: [{name: dns, protocol: UDP, port: 53}]
  endpoints:
  - {ip: 203.0.113.25, node: node-b}
  - {ip: 203.0.113.35, node: node-c}
  - {ip: 203.0.113.45, node: node-d}
- namespace: shop
  name: legacy
  clusterIP: 203.0.113.230
  ports: [{port: 5432}]
`

// TestKernelAgrees runs real connections through the rendered rules in the
// Linux kernel and compares with Trace. The test builds a "node" network
// namespace whose only interface is a veth to a second, silent namespace
// (so every packet it sends is lost: nothing leaves the test), loads the
// rules plus kube-proxy's jumps from the built-in chains, and from the
// node itself (the OUTPUT path) opens connections from sockets in that
// namespace. A locally sent packet goes through conntrack and the nat
// table within the send system call, so conntrack -L afterwards shows
// what the kernel decided: the DNAT target, the masquerade address and
// port. The namespace names are unique to the run (internal/testlab). It
// needs root, ip, iptables and conntrack, and skips without them.
func TestKernelAgrees(t *testing.T) {
	// kube-proxy 1.36 without --random-fully: the whole conntrack line
	// agrees. 1.37 always writes MASQUERADE --random-fully, which the
	// kernel must accept; the masquerade port is then random on both
	// sides and left out of the comparison.
	for _, v := range []string{"1.36", "1.37"} {
		t.Run(v, func(t *testing.T) { kernelAgrees(t, v) })
	}
}

func kernelAgrees(t *testing.T, version string) {
	for _, tool := range []string{"ip", "iptables-restore", "iptables", "iptables-save", "conntrack"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages iproute2, iptables, conntrack)", tool)
		}
	}
	l := testlab.New(t)
	node, wire := l.NS("node"), l.NS("wire")
	run := func(args ...string) string {
		t.Helper()
		return l.Run(args[0], args[1:]...)
	}
	l.Veth(node, "kp0", wire, "kp1")
	l.Addr(node, "kp0", "198.51.100.10/24")
	l.Route(node, "default", "dev", "kp0")

	cfg, err := Parse([]byte(strings.Replace(kernelScenario, `kubeVersion: "1.36"`, `kubeVersion: "`+version+`"`, 1)), "kernel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs := Render(cfg)
	var in strings.Builder
	rs.WriteTo(&in)
	cmd := exec.Command("ip", "netns", "exec", node, "iptables-restore", "-w", "5")
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("iptables-restore: %v\n%s", err, out)
	}
	// The jumps kube-proxy installs in the built-in chains (EnsureRule).
	for _, j := range [][]string{
		{"-t", "nat", "-A", "OUTPUT", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"},
		{"-t", "nat", "-A", "POSTROUTING", "-m", "comment", "--comment", "kubernetes postrouting rules", "-j", "KUBE-POSTROUTING"},
		{"-t", "filter", "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"},
	} {
		run(append([]string{"ip", "netns", "exec", node, "iptables", "-w", "5"}, j...)...)
	}

	testlab.In(t, node, func() {
		// TCP: one SYN each to a ClusterIP and to the NodePort on the
		// node's own address. The SYN is lost.
		for _, dst := range []string{"203.0.113.200:80", "198.51.100.10:30080"} {
			syn(t, dst)
		}
		// UDP: 300 datagrams, each from a new socket (a new source port).
		for range 300 {
			c, err := net.Dial("udp", "203.0.113.210:53")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write([]byte("q")); err != nil {
				t.Errorf("send to 203.0.113.210:53: %v", err)
			}
			c.Close()
		}
		// No endpoints: REJECTed in the filter table (counted below).
		syn(t, "203.0.113.230:5432")
	})

	ct := run("ip", "netns", "exec", node, "conntrack", "-L")
	line := regexp.MustCompile(`^(\w+)\s+(\d+) (\d+) (.*) use=\d+$`)
	entry := regexp.MustCompile(`src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)`)
	tr := NewTracer(rs, 1)
	udp := map[string]int{}
	var expected []Choice
	tcpSeen := 0
	for _, l := range strings.Split(strings.TrimSpace(ct), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		tuples := entry.FindAllStringSubmatch(m[4], -1)
		if len(tuples) != 2 {
			t.Fatalf("cannot read conntrack line %q", l)
		}
		sport, _ := strconv.Atoi(tuples[0][3])
		dport, _ := strconv.Atoi(tuples[0][4])
		p := packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(tuples[0][1]), uint16(sport)),
			Dst: netip.AddrPortFrom(netip.MustParseAddr(tuples[0][2]), uint16(dport)), Protocol: packet.TCP}
		switch m[1] {
		case "udp":
			p.Protocol = packet.UDP
			r := tr.Trace(p)
			expected = r.Choices
			udp[tuples[1][1]+":"+tuples[1][3]]++
			if !r.Masquerade || r.SNAT.Addr().String() != tuples[1][2] {
				t.Errorf("kernel masqueraded UDP to %s; Trace: masquerade %v to %s", tuples[1][2], r.Masquerade, r.SNAT)
			}
		case "tcp":
			tcpSeen++
			r := tr.Trace(p)
			if r.Verdict != "DNAT" {
				t.Errorf("kernel DNATed %s; Trace says %s", l, r.Verdict)
				continue
			}
			// Compare everything but the seconds left and the use count.
			want := strings.Fields(r.ConntrackLine())
			got := strings.Fields(l)
			want[2], got[2] = "T", "T"
			if cfg.minor() >= 37 && r.Masquerade {
				// The reply tuple's dport is the masquerade port.
				for _, f := range [][]string{want, got} {
					if i := lastIndexPrefix(f, "dport="); i >= 0 {
						f[i] = "dport=RANDOM"
					}
				}
			}
			want[len(want)-1], got[len(got)-1] = "use", "use"
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("kernel conntrack:\n  %s\nTrace:\n  %s", l, r.ConntrackLine())
			}
		}
	}
	if tcpSeen != 2 {
		t.Errorf("kernel has %d TCP entries; want 2 (ClusterIP and NodePort)\n%s", tcpSeen, ct)
	}
	// The statistic rules: each of the three endpoints gets about 1/3 of
	// the flows. (The kernel may hand out a source port twice, folding
	// two datagrams into one flow, so count flows, not datagrams; binomial
	// sd ≈ 8 of 300.)
	if len(expected) != 3 {
		t.Fatalf("Trace choices %+v; want 3", expected)
	}
	total := 0
	for _, n := range udp {
		total += n
	}
	if total < 290 {
		t.Fatalf("kernel tracked %d UDP flows to the Service (%v); want about 300", total, udp)
	}
	for _, c := range expected {
		got := float64(udp[c.Endpoint]) / float64(total)
		if got < c.Share-0.15 || got > c.Share+0.15 {
			t.Errorf("kernel sent %.3f of %d flows to %s; rules promise %.4f", got, total, c.Endpoint, c.Share)
		}
	}
	if len(udp) != 3 {
		t.Errorf("kernel DNAT targets %v; want the three endpoints", udp)
	}
	// The REJECT rule counted the SYN, and Trace agrees.
	save := run("ip", "netns", "exec", node, "iptables-save", "-c", "-t", "filter")
	rej := regexp.MustCompile(`(?m)^\[(\d+):\d+\] .*shop/legacy has no endpoints.*-j REJECT`).FindStringSubmatch(save)
	if rej == nil || rej[1] == "0" {
		t.Errorf("filter REJECT for shop/legacy did not count a packet:\n%s", save)
	}
	if r := tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("198.51.100.10:40000"), Dst: netip.MustParseAddrPort("203.0.113.230:5432")}); r.Verdict != "REJECT" {
		t.Errorf("Trace to shop/legacy = %s; want REJECT", r.Verdict)
	}
}

// syn sends one TCP SYN to dst from a new socket and closes the socket.
// A non-blocking connect(2) sends the SYN (through the OUTPUT hooks, so
// conntrack and the nat table see it) before it returns EINPROGRESS; no
// dial timeout can expire before the SYN leaves, however loaded the
// machine.
// lastIndexPrefix returns the index of the last field starting with
// prefix, or -1.
func lastIndexPrefix(fields []string, prefix string) int {
	for i := len(fields) - 1; i >= 0; i-- {
		if strings.HasPrefix(fields[i], prefix) {
			return i
		}
	}
	return -1
}

func syn(t *testing.T, dst string) {
	t.Helper()
	ap := netip.MustParseAddrPort(dst)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	err = unix.Connect(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()})
	if err != unix.EINPROGRESS {
		t.Fatalf("connect to %s: %v; want EINPROGRESS (a SYN sent)", dst, err)
	}
}
