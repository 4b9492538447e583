//go:build linux

package kubeproxy

import (
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/internal/testlab"
	"golang.org/x/sys/unix"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// nftKernelScenario is the kernel tests' node (kernelServices) plus a UDP
// Service with ClientIP affinity and two endpoints. The Service CIDR
// 203.0.113.192/26 makes 203.0.113.240 an unallocated ClusterIP.
const nftKernelScenario = kernelServices + `- namespace: shop
  name: sticky
  clusterIP: 203.0.113.220
  sessionAffinity: ClientIP
  ports: [{name: s, protocol: UDP, port: 7000}]
  endpoints:
  - {ip: 203.0.113.51, node: node-b}
  - {ip: 203.0.113.52, node: node-c}
`

// TestNFTKernelAgrees loads RenderNFT's transaction with nft -f into a
// "node" namespace whose only link is a veth to a silent namespace (so
// nothing leaves the test), opens connections from the node itself (the
// output path: filter-output-pre-dnat, nat-output, filter-output,
// nat-postrouting run within the send system call) and compares the
// kernel's conntrack table with NFTTracer: the DNAT target, the
// masquerade address (fully-random ports are not compared), the numgen
// spread, ClientIP affinity, and the reject and drop of filter-output. It
// needs root, ip, nft and conntrack (Debian packages iproute2, nftables,
// conntrack), and skips without them.
func TestNFTKernelAgrees(t *testing.T) {
	l, node := kernelLab(t, "iproute2, nftables, conntrack", "ip", "nft", "conntrack")

	cfg, err := Parse([]byte(nftKernelScenario), "kernel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs := RenderNFT(cfg, NFTOptions{ServiceCIDRs: []netip.Prefix{netip.MustParsePrefix("203.0.113.192/26")}})
	cmd := exec.Command("ip", "netns", "exec", node, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rs.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft -f: %v\n%s\n%s", err, out, rs)
	}

	var refused, dropErr error
	testlab.In(t, node, func() {
		// TCP: one SYN each to the ClusterIP and to the NodePort on the
		// node's own address; the SYNs are lost on the wire.
		for _, dst := range []string{"203.0.113.200:80", "198.51.100.10:30080"} {
			syn(t, dst)
		}
		// UDP: 300 datagrams to the numgen Service, 20 to the sticky one,
		// each from a new socket (a new source port).
		sendUDP(t, "203.0.113.210:53", 300)
		sendUDP(t, "203.0.113.220:7000", 20)
		// No endpoints: reject-chain answers the SYN with an ICMP port
		// unreachable, which fails the connect.
		fd := synSocket(t, "203.0.113.230:5432")
		refused = nftConnectError(fd, 3*time.Second)
		unix.Close(fd)
		// Unallocated ClusterIP: cluster-ips-check drops the SYN silently.
		fd = synSocket(t, "203.0.113.240:80")
		dropErr = nftConnectError(fd, 200*time.Millisecond)
		unix.Close(fd)
	})

	ct := l.Exec(node, "conntrack", "-L")
	replyDport := regexp.MustCompile(`(\[UNREPLIED\] src=\S+ dst=\S+ sport=\d+ dport=)\d+`)
	tr := NewNFTTracer(rs, 1)
	dns, sticky := map[string]int{}, map[string]int{}
	var expected []NFTChoice
	tcpSeen, stickyTraced := 0, 0
	var stickyFirst netip.AddrPort
	for _, f := range conntrackFlows(t, ct) {
		p, l := f.Packet, f.Line
		target := f.Reply[0] + ":" + f.Reply[2]
		// masquerade fully-random changes the port (the node's own
		// address stays the source): a reply port other than the
		// client's shows the kernel masqueraded.
		kernelMasq := f.Reply[3] != f.Orig[2]
		switch {
		case f.Proto == "udp" && f.Orig[1] == "203.0.113.210":
			r := tr.Trace(p)
			expected = r.Choices
			dns[target]++
			if !kernelMasq || !r.Masquerade || r.SNAT.Addr().String() != f.Reply[1] {
				t.Errorf("kernel masqueraded UDP to %s; trace: masquerade %v to %s", f.Reply[1], r.Masquerade, r.SNAT)
			}
		case f.Proto == "udp" && f.Orig[1] == "203.0.113.220":
			sticky[target]++
			r := tr.Trace(p)
			if kernelMasq != r.Masquerade {
				t.Errorf("kernel masquerade %v, trace %v: %s", kernelMasq, r.Masquerade, l)
			}
			stickyTraced++
			if stickyTraced == 1 {
				stickyFirst = r.Endpoint
			} else if !r.Affinity || r.Endpoint != stickyFirst {
				t.Errorf("trace of sticky connection %d: affinity %v endpoint %s; want affinity to %s", stickyTraced, r.Affinity, r.Endpoint, stickyFirst)
			}
		case f.Proto == "tcp":
			tcpSeen++
			r := tr.Trace(p)
			if r.Verdict != "DNAT" {
				t.Errorf("kernel DNATed %s; trace says %s", l, r.Verdict)
				continue
			}
			if kernelMasq != r.Masquerade {
				t.Errorf("kernel masquerade %v, trace %v: %s", kernelMasq, r.Masquerade, l)
			}
			// Compare all but the seconds left, the use count and the
			// masquerade port (fully-random).
			norm := func(s string) string {
				f := strings.Fields(replyDport.ReplaceAllString(s, "${1}P"))
				f[2], f[len(f)-1] = "T", "use"
				return strings.Join(f, " ")
			}
			if norm(l) != norm(r.ConntrackLine()) {
				t.Errorf("kernel conntrack:\n  %s\ntrace:\n  %s", l, r.ConntrackLine())
			}
		}
	}
	if tcpSeen != 2 {
		t.Errorf("kernel has %d TCP entries; want 2 (ClusterIP and NodePort; the rejected and dropped SYNs leave none)\n%s", tcpSeen, ct)
	}
	// numgen random mod 3: each endpoint gets about 1/3 of the flows
	// (binomial sd about 8 of 300; the kernel may reuse a source port,
	// folding two datagrams into one flow).
	if len(expected) != 3 {
		t.Fatalf("trace choices %+v; want 3", expected)
	}
	total := 0
	for _, n := range dns {
		total += n
	}
	if total < 290 || len(dns) != 3 {
		t.Fatalf("kernel tracked %d UDP flows to the numgen Service over %v; want about 300 over the three endpoints", total, dns)
	}
	for _, c := range expected {
		if got := float64(dns[c.Endpoint.String()]) / float64(total); got < c.Share-0.15 || got > c.Share+0.15 {
			t.Errorf("kernel sent %.3f of %d flows to %s; numgen promises %.4f", got, total, c.Endpoint, c.Share)
		}
	}
	// ClientIP affinity: every flow of the sticky Service went to one
	// endpoint, and the kernel's affinity set of that endpoint holds the
	// client, as the trace's update step says.
	if len(sticky) != 1 || stickyTraced < 15 {
		t.Errorf("kernel spread the sticky Service over %v; want one endpoint for about 20 flows", sticky)
	}
	for ep := range sticky {
		var set string
		for _, p := range rs.Ports {
			for _, e := range p.Endpoints {
				if e.Endpoint.String() == ep {
					set = e.Affinity
				}
			}
		}
		if out := l.Exec(node, "nft", "list", "set", "ip", NFTTable, set); !strings.Contains(out, "198.51.100.10") {
			t.Errorf("kernel affinity set %s lacks the client 198.51.100.10:\n%s", set, out)
		}
	}
	// Reject and drop: the kernel refused one and said nothing to the
	// other; the trace agrees.
	if refused != unix.ECONNREFUSED {
		t.Errorf("connect to shop/legacy (no endpoints): %v; want ECONNREFUSED from reject-chain", refused)
	}
	if dropErr != nil && dropErr != unix.ETIMEDOUT {
		t.Errorf("connect to the unallocated ClusterIP: %v; want no answer (dropped)", dropErr)
	}
	node1 := netip.MustParseAddrPort("198.51.100.10:40000")
	if r := tr.Trace(packet.Tuple{Src: node1, Dst: netip.MustParseAddrPort("203.0.113.230:5432")}); r.Verdict != "REJECT" {
		t.Errorf("trace to shop/legacy = %s; want REJECT", r.Verdict)
	}
	if r := tr.Trace(packet.Tuple{Src: node1, Dst: netip.MustParseAddrPort("203.0.113.240:80")}); r.Verdict != "DROP" {
		t.Errorf("trace to the unallocated ClusterIP = %s; want DROP", r.Verdict)
	}
}

// nftConnectError waits up to d for the pending connect on fd to end and
// returns its error (SO_ERROR), or ETIMEDOUT when it is still pending.
func nftConnectError(fd int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(pfd, 50)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n > 0 {
			v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
			if err != nil {
				return err
			}
			if v == 0 {
				return nil
			}
			return unix.Errno(v)
		}
	}
	return unix.ETIMEDOUT
}

// TestNFTKernelLoads loads the rendering of each upstream scenario of
// testdata/kubeproxy/nft (IPv4 and IPv6: affinity sets, firewall chains,
// localhost NodePort counters) with nft -f into a fresh namespace, so
// nft itself checks the syntax and the order. It needs root, ip and nft.
func TestNFTKernelLoads(t *testing.T) {
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft not installed (Debian package nftables)")
	}
	l := testlab.New(t)
	for _, n := range []string{"overall.yaml", "overall-ipv6.yaml", "startup.yaml"} {
		cfg := mustParseNFT(t, n)
		ns := l.NS(strings.TrimSuffix(n, ".yaml"))
		cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
		text := RenderNFT(cfg, upstreamNFTOptions(cfg.IPv6)).String()
		cmd.Stdin = strings.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("nft -f of %s: %v\n%s", n, err, out)
			continue
		}
		fam := "ip"
		if cfg.IPv6 {
			fam = "ip6"
		}
		// The kernel holds every rule: count them in its listing (a rule
		// line has a handle; a table, chain, set, map or counter opens a
		// block before its handle).
		list := l.Exec(ns, "nft", "-a", "list", "table", fam, NFTTable)
		got := 0
		for _, ln := range strings.Split(list, "\n") {
			if strings.Contains(ln, " # handle ") && !strings.Contains(ln, "{ # handle ") {
				got++
			}
		}
		if want := strings.Count(text, "\nadd rule "); got != want {
			t.Errorf("%s: the kernel lists %d rules; the transaction adds %d\n%s", n, got, want, list)
		}
	}
}
