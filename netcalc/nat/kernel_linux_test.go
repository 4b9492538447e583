//go:build linux

package nat

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/internal/testlab"
	"github.com/netcalc/netcalc/netcalc/packet"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// TestKernelMasquerade checks the simulator against the kernel. It builds
// three throw-away network namespaces — inside hosts 203.0.113.133 and
// 203.0.113.134, a router masquerading to 203.0.113.7, and an outside namespace
// answering nothing — sends UDP flows through the router, and compares
// the router's `conntrack -L` with the simulated table: same lines, except
// that a port the kernel had to search for is random there and seeded
// here, so for those only the reuse pattern must agree. Packets never
// leave the namespaces, which are deleted even on failure.
func TestKernelMasquerade(t *testing.T) {
	l := kernelLab(t)

	flows := []string{
		"udp 203.0.113.133:40000 -> 198.51.100.7:443", // port preserved
		"udp 203.0.113.134:40000 -> 198.51.100.7:443", // same 5-tuple after NAT: moved
		"udp 203.0.113.134:40000 -> 198.51.100.8:443", // find_appropriate_src: reuses the moved port
		"udp 203.0.113.133:40000 -> 198.51.100.8:443", // its own mapping: 40000 again
		"udp 203.0.113.133:123 -> 198.51.100.7:123",   // low port preserved
		"udp 203.0.113.134:123 -> 198.51.100.7:123",   // moved, into 1-511
	}
	res, tb := run(t, preset(t, PresetLinux, "203.0.113.7"), outbound(flows)...)
	sim := tb.Conns()
	// The outside namespace does not answer these destinations: every
	// entry stays [UNREPLIED].
	start := time.Now()
	l.send(t, flows, res)
	kernel, out := l.conntrack(t, "udp")
	late := secondsSince(start)
	t.Logf("router conntrack -L:\n%s", out)

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
		// The kernel prints whole seconds left, rounded either way.
		if int64(k.Timeout) < 30-late-1 || k.Timeout > 30 || !k.Unreplied {
			t.Errorf("kernel entry %q, %d s after the first packet: want an [UNREPLIED] entry with about 30 s left", k, late)
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

// lab is the namespaces of the kernel tests: inside hosts 203.0.113.133 and
// 203.0.113.134 on veth "in0", a router masquerading from "rin" to "rout"
// (203.0.113.7), and an outside namespace holding 198.51.100.53 and
// 198.51.100.80 on its loopback (other 198.51.100.0/24 addresses are
// silently dropped there). The namespace names are unique to the lab
// (internal/testlab), so labs of other tests and other test binaries
// running at the same time never meet; they are deleted when the test
// ends, even on failure.
type lab struct {
	*testlab.Lab
	in, rtr, out string
	ct           *netlink.Handle // netlink in the router's namespace
}

// kernelLab builds a lab. It skips the test without root or the tools.
func kernelLab(t *testing.T) *lab {
	t.Helper()
	for _, bin := range []string{"ip", "iptables", "conntrack"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s (Debian packages iproute2, iptables, conntrack)", bin)
		}
	}
	tl := testlab.New(t)
	l := &lab{Lab: tl, in: tl.NS("in"), rtr: tl.NS("rtr"), out: tl.NS("out")}
	l.Veth(l.in, "in0", l.rtr, "rin")
	l.Veth(l.out, "out0", l.rtr, "rout")
	l.Addr(l.in, "in0", "203.0.113.133/25")
	l.Addr(l.in, "in0", "203.0.113.134/25")
	l.Route(l.in, "default", "via", "203.0.113.129")
	l.Addr(l.rtr, "rin", "203.0.113.129/25")
	l.Addr(l.rtr, "rout", "203.0.113.7/24")
	l.Route(l.rtr, "198.51.100.0/24", "via", "203.0.113.2")
	l.Addr(l.out, "out0", "203.0.113.2/24")
	l.Addr(l.out, "lo", "198.51.100.53/32")
	l.Addr(l.out, "lo", "198.51.100.80/32")
	l.Forward(l.rtr)
	l.nat("-A", "POSTROUTING", "-o", "rout", "-j", "MASQUERADE")
	ns, err := netns.GetFromName(l.rtr)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if l.ct, err = netlink.NewHandleAt(ns); err != nil {
		t.Fatalf("netlink in %s: %v", l.rtr, err)
	}
	t.Cleanup(l.ct.Close)
	return l
}

// nat runs iptables -t nat ARGS in the router (-w: legacy iptables shares
// one lock among all namespaces).
func (l *lab) nat(args ...string) {
	l.Exec(l.rtr, "iptables", append([]string{"-w", "5", "-t", "nat"}, args...)...)
}

// conntrack returns the router's conntrack table for proto ("udp",
// "icmp", or "" for all), keyed by original tuple, and the raw output.
func (l *lab) conntrack(t *testing.T, proto string) (map[Tuple]Conn, string) {
	t.Helper()
	args := []string{"netns", "exec", l.rtr, "conntrack", "-L"}
	if proto != "" {
		args = append(args, "-p", proto)
	}
	out, err := exec.Command("ip", args...).Output()
	if err != nil {
		t.Fatalf("conntrack -L: %v", err)
	}
	kernel := map[Tuple]Conn{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		c, err := ParseConn(line)
		if err != nil {
			t.Fatalf("ParseConn(%q) on real conntrack output: %v", line, err)
		}
		kernel[c.Orig] = c
	}
	return kernel, string(out)
}

// await waits until the router has dealt with the packet whose original
// tuple is orig: until its conntrack entry exists (for at most 5 s) or,
// when the simulation dropped the packet (tracked false), for 300 ms.
// Sending the next packet only then keeps the kernel's order the
// simulation's: a write returns before the router sees the datagram (it
// may wait for ARP, or sit in another CPU's backlog), and a port
// collision depends on which flow came first. It reads the table over
// netlink (an exec of conntrack per poll is slow on a loaded machine); an
// ICMP entry is recognised by its addresses alone.
func (l *lab) await(t *testing.T, orig Tuple, tracked bool) {
	t.Helper()
	wait := 5 * time.Second
	if !tracked {
		wait = 300 * time.Millisecond
	}
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		flows, err := l.ct.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
		if err != nil {
			t.Fatalf("listing the router's conntrack table: %v", err)
		}
		for _, f := range flows {
			ft := f.Forward
			src, _ := netip.AddrFromSlice(ft.SrcIP)
			dst, _ := netip.AddrFromSlice(ft.DstIP)
			if packet.Protocol(ft.Protocol) == orig.Proto && src.Unmap() == orig.Src && dst.Unmap() == orig.Dst &&
				(orig.Proto.IsICMP() || ft.SrcPort == orig.SrcPort && ft.DstPort == orig.DstPort) {
				return
			}
		}
	}
}

// send sends one UDP datagram per flow from the inside namespace, each
// after the router has dealt with the one before (await); res are the
// simulation's results for the flows, in order.
func (l *lab) send(t *testing.T, flows []string, res []Decision) {
	t.Helper()
	testlab.In(t, l.in, func() {
		for i, f := range flows {
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
			l.await(t, p, res[i].New)
		}
	})
}

// outbound returns the flows as events at time 0.
func outbound(flows []string) []string {
	evs := make([]string, len(flows))
	for i, f := range flows {
		evs[i] = "0 out " + f
	}
	return evs
}

// secondsSince is the time since start in whole seconds, rounded up: how
// far the kernel's timers may have run down.
func secondsSince(start time.Time) int64 {
	return int64((time.Since(start) + time.Second - 1) / time.Second)
}

// TestKernelReplies checks the states and timers of answered connections
// against the kernel: a UDP query with its answer (replied, not yet
// ASSURED: younger than 2 s, 30 s left) and a completed TCP handshake
// (ESTABLISHED, ASSURED, about 432000 s left). The answers themselves are
// the synchronisation: the UDP reply passed the router, and the server
// accepted the connection only after the handshake's last ACK did.
func TestKernelReplies(t *testing.T) {
	l := kernelLab(t)
	var tl net.Listener
	var uc *net.UDPConn
	testlab.In(t, l.out, func() {
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
	start := time.Now()
	var tc net.Conn
	testlab.In(t, l.in, func() {
		u, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("203.0.113.133:5353")),
			net.UDPAddrFromAddrPort(netip.MustParseAddrPort("198.51.100.53:53")))
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		if _, err := u.Write([]byte("query")); err != nil {
			t.Fatal(err)
		}
		_ = u.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := u.Read(make([]byte, 64)); err != nil {
			t.Fatalf("no UDP answer through the NAT: %v", err)
		}
		d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("203.0.113.133:41000"))}
		if tc, err = d.Dial("tcp", "198.51.100.80:80"); err != nil {
			t.Fatalf("TCP through the NAT: %v", err)
		}
	})
	defer tc.Close()
	select {
	case c, ok := <-accepted:
		if !ok {
			t.Fatal("the server accepted no connection")
		}
		defer c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the server accepted no connection within 10 s")
	}
	kernel, out := l.conntrack(t, "")
	late := secondsSince(start)
	t.Logf("router conntrack -L:\n%s", out)
	_, tb := run(t, preset(t, PresetLinux, "203.0.113.7"),
		"0 out udp 203.0.113.133:5353 -> 198.51.100.53:53",
		"0.001 in udp 198.51.100.53:53 -> 203.0.113.7:5353",
		"0.002 out tcp 203.0.113.133:41000 -> 198.51.100.80:80 syn",
		"0.003 in tcp 198.51.100.80:80 -> 203.0.113.7:41000 syn,ack",
		"0.004 out tcp 203.0.113.133:41000 -> 198.51.100.80:80 ack",
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
		// The kernel's timer ran for up to late seconds since the
		// packets; it prints whole seconds, rounded either way.
		if d := int64(s.Timeout) - int64(k.Timeout); d < -1 || d > late+1 {
			t.Errorf("timeout: kernel %d, simulation %d, %d s after the first packet", k.Timeout, s.Timeout, late)
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
	l := kernelLab(t)
	pings := []string{"icmp 203.0.113.133 -> 198.51.100.7 id=7", "icmp 203.0.113.134 -> 198.51.100.7 id=7"}
	res, tb := run(t, preset(t, PresetLinux, "203.0.113.7"), outbound(pings)...)
	testlab.In(t, l.in, func() {
		for i, src := range []string{"203.0.113.133", "203.0.113.134"} {
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
			l.await(t, res[i].Packet, res[i].New)
		}
	})
	kernel, out := l.conntrack(t, "icmp")
	t.Logf("router conntrack -L -p icmp:\n%s", out)
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
	l := kernelLab(t)
	var flows []string
	for h := 20; h < 28; h++ {
		src := fmt.Sprintf("203.0.113.%d", 128+h)
		l.Addr(l.in, "in0", src+"/25")
		for d := 1; d <= 4; d++ {
			flows = append(flows, fmt.Sprintf("udp %s:5000 -> 198.51.100.%d:53", src, d))
		}
	}
	l.nat("-F", "POSTROUTING")
	l.nat("-A", "POSTROUTING", "-o", "rout", "-j", "SNAT", "--to-source", "203.0.113.4-203.0.113.7")
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.Kind, cfg.External = SNAT, mustRange("203.0.113.4-203.0.113.7")
	res, tb := run(t, cfg, outbound(flows)...)
	l.send(t, flows, res)
	kernel, out := l.conntrack(t, "udp")
	t.Logf("router conntrack -L -p udp:\n%s", out)
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
}

// TestKernelExhaustion checks port exhaustion against the kernel: with
// MASQUERADE --to-ports 5000-5001, two hosts get the two ports toward one
// server, a third host's packet is dropped (no entry), and toward another
// server the ports serve again.
func TestKernelExhaustion(t *testing.T) {
	l := kernelLab(t)
	l.Addr(l.in, "in0", "203.0.113.135/25")
	l.nat("-F", "POSTROUTING")
	l.nat("-A", "POSTROUTING", "-o", "rout", "-p", "udp", "-j", "MASQUERADE", "--to-ports", "5000-5001")
	flows := []string{
		"udp 203.0.113.133:40000 -> 198.51.100.7:53",
		"udp 203.0.113.134:40000 -> 198.51.100.7:53",
		"udp 203.0.113.135:40000 -> 198.51.100.7:53", // no port left toward .7:53
		"udp 203.0.113.135:40001 -> 198.51.100.8:53", // the same ports toward another server
	}
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.PortMin, cfg.PortMax = 5000, 5001
	res, tb := run(t, cfg, outbound(flows)...)
	if res[2].Reason != PortExhausted {
		t.Fatalf("simulation: third flow %v %s; want port-exhausted", res[2].Verdict, res[2].Reason)
	}
	l.send(t, flows, res)
	kernel, out := l.conntrack(t, "udp")
	t.Logf("router conntrack -L -p udp:\n%s", out)
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
