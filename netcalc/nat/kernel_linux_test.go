//go:build linux

package nat

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// TestKernelMasquerade checks the simulator against the kernel. It builds
// three throw-away network namespaces — inside hosts 10.0.0.5 and
// 10.0.0.6, a router masquerading to 203.0.113.7, and an outside namespace
// answering nothing — sends UDP flows through the router, and compares
// the router's `conntrack -L` with the simulated table: same lines, except
// that a port the kernel had to search for is random there and seeded
// here, so for those only the reuse pattern must agree. Packets never
// leave the namespaces, which are deleted even on failure.
func TestKernelMasquerade(t *testing.T) {
	nsI, nsR, _ := kernelLab(t)

	flows := []string{
		"udp 10.0.0.5:40000 -> 198.51.100.7:443", // port preserved
		"udp 10.0.0.6:40000 -> 198.51.100.7:443", // same 5-tuple after NAT: moved
		"udp 10.0.0.6:40000 -> 198.51.100.8:443", // find_appropriate_src: reuses the moved port
		"udp 10.0.0.5:40000 -> 198.51.100.8:443", // its own mapping: 40000 again
		"udp 10.0.0.5:123 -> 198.51.100.7:123",   // low port preserved
		"udp 10.0.0.6:123 -> 198.51.100.7:123",   // moved, into 1-511
	}
	// The outside namespace does not answer these destinations: every
	// entry stays [UNREPLIED].
	sendFrom(t, nsI, flows)

	out, err := exec.Command("ip", "netns", "exec", nsR, "conntrack", "-L", "-p", "udp").Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	t.Logf("router conntrack -L:\n%s", out)
	kernel := map[Tuple]Conn{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c, err := ParseConn(line)
		if err != nil {
			t.Fatalf("ParseConn(%q) on real conntrack output: %v", line, err)
		}
		kernel[c.Orig] = c
	}

	cfg := preset(t, PresetLinux, "203.0.113.7")
	var evs []string
	for _, f := range flows {
		evs = append(evs, "0 out "+f)
	}
	_, tb := run(t, cfg, evs...)
	sim := tb.Conns()
	if len(kernel) != len(sim) {
		t.Fatalf("kernel has %d entries, simulation %d:\n%s", len(kernel), len(sim), out)
	}
	// moved maps a simulated port to the kernel's for ports both had to
	// search for, so that reuse can be compared.
	moved := map[uint16]uint16{}
	for _, s := range sim {
		k, ok := kernel[s.Orig]
		if !ok {
			t.Errorf("kernel has no entry for %v\n%s", s.Orig, out)
			continue
		}
		if k.Timeout < 28 || k.Timeout > 30 || !k.Unreplied {
			t.Errorf("kernel entry %q: want an [UNREPLIED] entry with about 30 s left", k)
		}
		ks, ss := k.Reply.DstPort, s.Reply.DstPort
		if ss != s.Orig.SrcPort || ks != k.Orig.SrcPort {
			// a searched port: the same range, and the same reuse
			if (ks < 1024) != (ss < 1024) || ks == k.Orig.SrcPort || ss == s.Orig.SrcPort {
				t.Errorf("%v: kernel port %d, simulated %d: want both moved within the same range", s.Orig, ks, ss)
			}
			if prev, ok := moved[ss]; ok && prev != ks {
				t.Errorf("%v: simulation reuses port %d but the kernel used %d, then %d", s.Orig, ss, prev, ks)
			}
			moved[ss] = ks
			k.Reply.DstPort = ss
		}
		k.Timeout, s.Timeout = 0, 0
		if k.String() != s.String() {
			t.Errorf("entries differ:\nkernel     %s\nsimulation %s", k, s)
		}
	}
	if len(moved) != 2 {
		t.Errorf("%d distinct searched ports; want 2 (one reused by find_appropriate_src)\n%s", len(moved), out)
	}
}

// kernelLab builds the namespaces of the kernel tests: inside (10.0.0.5,
// 10.0.0.6), a router masquerading to 203.0.113.7, and an outside namespace
// holding 198.51.100.53 and 198.51.100.80 on its loopback (other
// 198.51.100.0/24 addresses are silently dropped there). They are deleted
// when the test ends, even on failure. It skips the test without root or
// the tools.
func kernelLab(t *testing.T) (nsI, nsR, nsO string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces and masquerade rules")
	}
	for _, bin := range []string{"ip", "iptables", "conntrack"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s (Debian packages iproute2, iptables, conntrack)", bin)
		}
	}
	labSeq++
	id := fmt.Sprintf("%d%d", os.Getpid()%10000, labSeq)
	nsI, nsR, nsO = "ncnat-i"+id, "ncnat-r"+id, "ncnat-o"+id
	vI, vRI, vO, vRO := "nni"+id, "nnri"+id, "nno"+id, "nnro"+id
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() {
		for _, ns := range []string{nsI, nsR, nsO} {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	for _, ns := range []string{nsI, nsR, nsO} {
		sh("ip", "netns", "add", ns)
	}
	sh("ip", "link", "add", vI, "netns", nsI, "type", "veth", "peer", "name", vRI, "netns", nsR)
	sh("ip", "link", "add", vO, "netns", nsO, "type", "veth", "peer", "name", vRO, "netns", nsR)
	for _, c := range [][]string{
		{nsI, "addr", "add", "10.0.0.5/24", "dev", vI},
		{nsI, "addr", "add", "10.0.0.6/24", "dev", vI},
		{nsI, "link", "set", vI, "up"},
		{nsI, "route", "add", "default", "via", "10.0.0.1"},
		{nsR, "addr", "add", "10.0.0.1/24", "dev", vRI},
		{nsR, "addr", "add", "203.0.113.7/24", "dev", vRO},
		{nsR, "link", "set", vRI, "up"},
		{nsR, "link", "set", vRO, "up"},
		{nsR, "route", "add", "198.51.100.0/24", "via", "203.0.113.2"},
		{nsO, "addr", "add", "203.0.113.2/24", "dev", vO},
		{nsO, "link", "set", vO, "up"},
		{nsO, "link", "set", "lo", "up"},
		{nsO, "addr", "add", "198.51.100.53/32", "dev", "lo"},
		{nsO, "addr", "add", "198.51.100.80/32", "dev", "lo"},
	} {
		sh(append([]string{"ip", "-n"}, c...)...)
	}
	sh("ip", "netns", "exec", nsR, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	sh("ip", "netns", "exec", nsR, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", vRO, "-j", "MASQUERADE")
	return nsI, nsR, nsO
}

var labSeq int

// sendFrom sends one UDP datagram per flow from inside namespace ns.
func sendFrom(t *testing.T, ns string, flows []string) {
	t.Helper()
	inNS(t, ns, func() {
		for _, f := range flows {
			p, _, err := ParsePacket(f, Outbound)
			if err != nil {
				t.Fatal(err)
			}
			c, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(p.SrcAddrPort()), net.UDPAddrFromAddrPort(p.DstAddrPort()))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if _, err := c.Write(bytes.Repeat([]byte{'x'}, 8)); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			c.Close()
		}
	})
}

// inNS runs f on a thread inside network namespace ns; sockets f opens
// stay in ns after it returns.
func inNS(t *testing.T, ns string, f func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := netns.Set(h); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			panic("cannot return to the test's network namespace: " + err.Error())
		}
	}()
	f()
}

// TestKernelReplies checks the states and timers of answered connections
// against the kernel: a UDP query with its answer (replied, not yet
// ASSURED: younger than 2 s, 30 s left) and a completed TCP handshake
// (ESTABLISHED, ASSURED, about 432000 s left).
func TestKernelReplies(t *testing.T) {
	nsI, nsR, nsO := kernelLab(t)
	var tl net.Listener
	var uc *net.UDPConn
	inNS(t, nsO, func() {
		var err error
		if tl, err = net.Listen("tcp", "198.51.100.80:80"); err != nil {
			t.Fatal(err)
		}
		if uc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("198.51.100.53:53"))); err != nil {
			t.Fatal(err)
		}
	})
	defer tl.Close()
	defer uc.Close()
	go func() { // the DNS server: echo one datagram
		buf := make([]byte, 64)
		n, from, err := uc.ReadFromUDPAddrPort(buf)
		if err == nil {
			_, _ = uc.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := tl.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	var tc net.Conn
	inNS(t, nsI, func() {
		u, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("10.0.0.5:5353")),
			net.UDPAddrFromAddrPort(netip.MustParseAddrPort("198.51.100.53:53")))
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		if _, err := u.Write([]byte("query")); err != nil {
			t.Fatal(err)
		}
		_ = u.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := u.Read(make([]byte, 64)); err != nil {
			t.Fatalf("no UDP answer through the NAT: %v", err)
		}
		d := net.Dialer{Timeout: 3 * time.Second, LocalAddr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("10.0.0.5:41000"))}
		if tc, err = d.Dial("tcp", "198.51.100.80:80"); err != nil {
			t.Fatalf("TCP through the NAT: %v", err)
		}
	})
	defer tc.Close()
	if c, ok := <-accepted; ok {
		defer c.Close()
	}
	out, err := exec.Command("ip", "netns", "exec", nsR, "conntrack", "-L").Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	t.Logf("router conntrack -L:\n%s", out)
	kernel := map[Tuple]Conn{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c, err := ParseConn(line)
		if err != nil {
			t.Fatalf("ParseConn(%q) on real conntrack output: %v", line, err)
		}
		kernel[c.Orig] = c
	}
	_, tb := run(t, preset(t, PresetLinux, "203.0.113.7"),
		"0 out udp 10.0.0.5:5353 -> 198.51.100.53:53",
		"0.001 in udp 198.51.100.53:53 -> 203.0.113.7:5353",
		"0.002 out tcp 10.0.0.5:41000 -> 198.51.100.80:80 syn",
		"0.003 in tcp 198.51.100.80:80 -> 203.0.113.7:41000 syn,ack",
		"0.004 out tcp 10.0.0.5:41000 -> 198.51.100.80:80 ack",
	)
	sim := tb.Conns()
	if len(sim) != 2 {
		t.Fatalf("simulation has %d entries; want 2", len(sim))
	}
	for _, s := range sim {
		k, ok := kernel[s.Orig]
		if !ok {
			t.Errorf("kernel has no entry for %v", s.Orig)
			continue
		}
		if d := int64(s.Timeout) - int64(k.Timeout); d < -2 || d > 2 {
			t.Errorf("timeout: kernel %d, simulation %d", k.Timeout, s.Timeout)
		}
		k.Timeout, s.Timeout = 0, 0
		if k.String() != s.String() {
			t.Errorf("entries differ:\nkernel     %s\nsimulation %s", k, s)
		}
	}
}

// TestKernelICMPIdentifiers checks ICMP echo against the kernel: the first
// ping keeps its identifier, a second host pinging the same server with
// the same identifier gets another one, and conntrack prints both as the
// simulation does.
func TestKernelICMPIdentifiers(t *testing.T) {
	nsI, nsR, _ := kernelLab(t)
	inNS(t, nsI, func() {
		for _, src := range []string{"10.0.0.5", "10.0.0.6"} {
			c, err := icmp.ListenPacket("ip4:icmp", src)
			if err != nil {
				t.Skipf("raw ICMP socket: %v", err)
			}
			msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: 7, Seq: 1, Data: []byte("netcalc")}}
			b, err := msg.Marshal(nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.WriteTo(b, &net.IPAddr{IP: net.ParseIP("198.51.100.7")}); err != nil {
				t.Fatalf("ping from %s: %v", src, err)
			}
			c.Close()
		}
	})
	out, err := exec.Command("ip", "netns", "exec", nsR, "conntrack", "-L", "-p", "icmp").Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	t.Logf("router conntrack -L -p icmp:\n%s", out)
	kernel := map[Tuple]Conn{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c, err := ParseConn(line)
		if err != nil {
			t.Fatalf("ParseConn(%q) on real conntrack output: %v", line, err)
		}
		kernel[c.Orig] = c
	}
	_, tb := run(t, preset(t, PresetLinux, "203.0.113.7"),
		"0 out icmp 10.0.0.5 -> 198.51.100.7 id=7",
		"0 out icmp 10.0.0.6 -> 198.51.100.7 id=7",
	)
	for i, s := range tb.Conns() {
		k, ok := kernel[s.Orig]
		if !ok {
			t.Fatalf("kernel has no entry for %v", s.Orig)
		}
		if i == 1 { // a searched identifier: random in the kernel, seeded here
			if k.Reply.SrcPort == 7 || s.Reply.SrcPort == 7 {
				t.Errorf("second ping: kernel id %d, simulated %d; want both moved off 7", k.Reply.SrcPort, s.Reply.SrcPort)
			}
			k.Reply.SrcPort = s.Reply.SrcPort
		}
		k.Timeout, s.Timeout = 0, 0
		if k.String() != s.String() {
			t.Errorf("entries differ:\nkernel     %s\nsimulation %s", k, s)
		}
	}
}

// TestKernelSNATPool checks the external address the kernel picks from an
// SNAT pool against the simulation, for 8 clients each talking to 4
// servers: a client's first connection gets the address of
// find_best_ips_proto (a jhash2 of the source address seeded with the
// destination: bestIP), later ones reuse that mapping
// (find_appropriate_src), and ports are kept or moved alike.
func TestKernelSNATPool(t *testing.T) {
	nsI, nsR, _ := kernelLab(t)
	var flows []string
	for h := 20; h < 28; h++ {
		src := fmt.Sprintf("10.0.0.%d", h)
		if out, err := exec.Command("ip", "-n", nsI, "addr", "add", src+"/24", "dev", nicOf(t, nsI)).CombinedOutput(); err != nil {
			t.Fatalf("ip addr add %s: %v\n%s", src, err, out)
		}
		for d := 1; d <= 4; d++ {
			flows = append(flows, fmt.Sprintf("udp %s:5000 -> 198.51.100.%d:53", src, d))
		}
	}
	for _, args := range [][]string{
		{"iptables", "-t", "nat", "-F", "POSTROUTING"},
		{"iptables", "-t", "nat", "-A", "POSTROUTING", "-o", nicOf(t, nsR), "-j", "SNAT", "--to-source", "203.0.113.4-203.0.113.7"},
	} {
		if out, err := exec.Command("ip", append([]string{"netns", "exec", nsR}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	sendFrom(t, nsI, flows)
	out, err := exec.Command("ip", "netns", "exec", nsR, "conntrack", "-L", "-p", "udp").Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	kernel := map[Tuple]Conn{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c, err := ParseConn(line)
		if err != nil {
			t.Fatalf("ParseConn(%q): %v", line, err)
		}
		kernel[c.Orig] = c
	}
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.Kind, cfg.External = SNAT, mustRange("203.0.113.4-203.0.113.7")
	var evs []string
	for _, f := range flows {
		evs = append(evs, "0 out "+f)
	}
	_, tb := run(t, cfg, evs...)
	sim := tb.Conns()
	if len(sim) != len(kernel) {
		t.Fatalf("kernel %d entries, simulation %d\n%s", len(kernel), len(sim), out)
	}
	used := map[netip.Addr]bool{}
	moved := map[netip.AddrPort]netip.AddrPort{} // simulated -> kernel external endpoint
	for _, s := range sim {
		k, ok := kernel[s.Orig]
		if !ok {
			t.Fatalf("kernel has no entry for %v", s.Orig)
		}
		used[k.Reply.Dst] = true
		if k.Reply.Dst != s.Reply.Dst {
			t.Errorf("%v -> %v: kernel chose %v, simulation %v", s.Orig.Src, s.Orig.Dst, k.Reply.Dst, s.Reply.Dst)
		}
		kp, sp := k.Reply.DstAddrPort(), s.Reply.DstAddrPort()
		if (kp.Port() == 5000) != (sp.Port() == 5000) {
			t.Errorf("%v: kernel port %d, simulation %d: want both kept or both moved", s.Orig, kp.Port(), sp.Port())
		}
		if sp.Port() != 5000 {
			if prev, ok := moved[sp]; ok && prev != kp {
				t.Errorf("%v: simulation reuses %v, the kernel used %v then %v", s.Orig, sp, prev, kp)
			}
			moved[sp] = kp
		}
	}
	if len(used) < 2 {
		t.Errorf("%d pool addresses used; want a spread\n%s", len(used), out)
	}
	t.Logf("router conntrack -L -p udp:\n%s", out)
}

// nicOf returns the name of the veth interface in namespace ns.
func nicOf(t *testing.T, ns string) string {
	t.Helper()
	out, err := exec.Command("ip", "-n", ns, "-o", "link", "show", "type", "veth").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], "nn") && (strings.HasPrefix(f[1], "nnro") || !strings.HasPrefix(f[1], "nnr")) {
			return strings.SplitN(strings.TrimSuffix(f[1], ":"), "@", 2)[0]
		}
	}
	t.Fatalf("no veth in %s:\n%s", ns, out)
	return ""
}

// TestKernelExhaustion checks port exhaustion against the kernel: with
// MASQUERADE --to-ports 5000-5001, two hosts get the two ports toward one
// server, a third host's packet is dropped (no entry), and toward another
// server the ports serve again.
func TestKernelExhaustion(t *testing.T) {
	nsI, nsR, _ := kernelLab(t)
	if out, err := exec.Command("ip", "-n", nsI, "addr", "add", "10.0.0.7/24", "dev", nicOf(t, nsI)).CombinedOutput(); err != nil {
		t.Fatalf("ip addr add: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"iptables", "-t", "nat", "-F", "POSTROUTING"},
		{"iptables", "-t", "nat", "-A", "POSTROUTING", "-o", nicOf(t, nsR), "-p", "udp", "-j", "MASQUERADE", "--to-ports", "5000-5001"},
	} {
		if out, err := exec.Command("ip", append([]string{"netns", "exec", nsR}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	flows := []string{
		"udp 10.0.0.5:40000 -> 198.51.100.7:53",
		"udp 10.0.0.6:40000 -> 198.51.100.7:53",
		"udp 10.0.0.7:40000 -> 198.51.100.7:53", // no port left toward .7:53
		"udp 10.0.0.7:40001 -> 198.51.100.8:53", // the same ports toward another server
	}
	sendFrom(t, nsI, flows)
	out, err := exec.Command("ip", "netns", "exec", nsR, "conntrack", "-L", "-p", "udp").Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	t.Logf("router conntrack -L -p udp:\n%s", out)
	kernel := map[Tuple]Conn{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c, err := ParseConn(line)
		if err != nil {
			t.Fatalf("ParseConn(%q): %v", line, err)
		}
		kernel[c.Orig] = c
	}
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.PortMin, cfg.PortMax = 5000, 5001
	var evs []string
	for _, f := range flows {
		evs = append(evs, "0 out "+f)
	}
	res, tb := run(t, cfg, evs...)
	if res[2].Reason != PortExhausted {
		t.Fatalf("simulation: third flow %v %s; want port-exhausted", res[2].Verdict, res[2].Reason)
	}
	sim := tb.Conns()
	if len(kernel) != len(sim) {
		t.Fatalf("kernel %d entries, simulation %d; want the exhausted flow absent from both\n%s", len(kernel), len(sim), out)
	}
	for _, s := range sim {
		k, ok := kernel[s.Orig]
		if !ok {
			t.Fatalf("kernel has no entry for %v", s.Orig)
		}
		if p := k.Reply.DstPort; p != 5000 && p != 5001 {
			t.Errorf("kernel gave %v port %d; want 5000 or 5001", s.Orig, p)
		}
	}
}
