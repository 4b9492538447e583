//go:build linux

package nat

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netns"
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
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces and masquerade rules")
	}
	for _, bin := range []string{"ip", "iptables", "conntrack"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s (Debian packages iproute2, iptables, conntrack)", bin)
		}
	}
	id := fmt.Sprintf("%d", os.Getpid()%100000)
	nsI, nsR, nsO := "ncnat-i"+id, "ncnat-r"+id, "ncnat-o"+id
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
	} {
		sh(append([]string{"ip", "-n"}, c...)...)
	}
	sh("ip", "netns", "exec", nsR, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	sh("ip", "netns", "exec", nsR, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", vRO, "-j", "MASQUERADE")
	// The outside namespace neither routes back nor answers: every entry
	// stays [UNREPLIED], which is all this test needs.

	flows := []string{
		"udp 10.0.0.5:40000 -> 198.51.100.7:443", // port preserved
		"udp 10.0.0.6:40000 -> 198.51.100.7:443", // same 5-tuple after NAT: moved
		"udp 10.0.0.6:40000 -> 198.51.100.8:443", // find_appropriate_src: reuses the moved port
		"udp 10.0.0.5:40000 -> 198.51.100.8:443", // its own mapping: 40000 again
		"udp 10.0.0.5:123 -> 198.51.100.7:123",   // low port preserved
		"udp 10.0.0.6:123 -> 198.51.100.7:123",   // moved, into 1-511
	}
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

// sendFrom sends one UDP datagram per flow from inside namespace ns.
func sendFrom(t *testing.T, ns string, flows []string) {
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
}
