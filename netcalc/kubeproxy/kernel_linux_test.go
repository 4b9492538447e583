//go:build linux

package kubeproxy

import (
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// kernelScenario is the kernel tests' node with one remote endpoint per
// TCP Service (so the DNAT choice is deterministic), a UDP Service with
// three endpoints for the statistic draws, and a Service without
// endpoints.
const kernelScenario = `
# kube-proxy 1.36 writes MASQUERADE without --random-fully (iptables
# without support), so the kernel keeps the source port and the whole
# conntrack line can be compared (TestKernelAgrees also runs 1.37).
kubeVersion: "1.36"
` + kernelServices

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
	l, node := kernelLab(t, "iproute2, iptables, conntrack", "ip", "iptables-restore", "iptables", "iptables-save", "conntrack")

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
		l.Exec(node, "iptables", append([]string{"-w", "5"}, j...)...)
	}

	testlab.In(t, node, func() {
		// TCP: one SYN each to a ClusterIP and to the NodePort on the
		// node's own address. The SYN is lost.
		for _, dst := range []string{"203.0.113.200:80", "198.51.100.10:30080"} {
			syn(t, dst)
		}
		// UDP: 300 datagrams, each from a new socket (a new source port).
		sendUDP(t, "203.0.113.210:53", 300)
		// No endpoints: REJECTed in the filter table (counted below).
		syn(t, "203.0.113.230:5432")
	})

	ct := l.Exec(node, "conntrack", "-L")
	tr := NewTracer(rs, 1)
	udp := map[string]int{}
	var expected []Choice
	tcpSeen := 0
	for _, f := range conntrackFlows(t, ct) {
		p, l := f.Packet, f.Line
		switch f.Proto {
		case "udp":
			r := tr.Trace(p)
			expected = r.Choices
			udp[f.Reply[0]+":"+f.Reply[2]]++
			if !r.Masquerade || r.SNAT.Addr().String() != f.Reply[1] {
				t.Errorf("kernel masqueraded UDP to %s; Trace: masquerade %v to %s", f.Reply[1], r.Masquerade, r.SNAT)
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
	save := l.Exec(node, "iptables-save", "-c", "-t", "filter")
	rej := regexp.MustCompile(`(?m)^\[(\d+):\d+\] .*shop/legacy has no endpoints.*-j REJECT`).FindStringSubmatch(save)
	if rej == nil || rej[1] == "0" {
		t.Errorf("filter REJECT for shop/legacy did not count a packet:\n%s", save)
	}
	if r := tr.Trace(packet.Tuple{Src: netip.MustParseAddrPort("198.51.100.10:40000"), Dst: netip.MustParseAddrPort("203.0.113.230:5432")}); r.Verdict != "REJECT" {
		t.Errorf("Trace to shop/legacy = %s; want REJECT", r.Verdict)
	}
}

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
