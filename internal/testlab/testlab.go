// Package testlab builds throw-away network labs for tests: network
// namespaces joined by veth pairs, bridges and routers, using iproute2.
// Every namespace gets a name unique to the lab ("ncl" + process id +
// random tag + sequence number), so that labs of test binaries running in
// parallel, and leftovers of a killed run whose process id is reused, never
// clash; each is deleted in t.Cleanup, also when the test fails. Links are
// created directly inside namespaces, so the host's own interfaces are never
// touched. The Standard topology uses documentation prefixes only
// (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32); callers building their
// own should too.
package testlab

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vishvananda/netns"
)

// Lab is a set of namespaces owned by one test.
type Lab struct {
	t      testing.TB
	prefix string
	names  []string
}

var (
	seq atomic.Int64
	// tag tells this process's labs from those of an earlier process that
	// had the same id and was killed before its cleanup ran.
	tag = func() string {
		b := make([]byte, 3)
		rand.Read(b) // never fails (crypto/rand, Go 1.24+)
		return hex.EncodeToString(b)
	}()
)

// Skip reports why namespace labs cannot run here, or "" when they can.
func Skip() string {
	if os.Geteuid() != 0 {
		return "needs root to create network namespaces (CI runs as root)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "needs iproute2's ip command"
	}
	return ""
}

// New returns an empty lab, or skips the test when not root or without
// iproute2.
func New(t testing.TB) *Lab {
	t.Helper()
	if why := Skip(); why != "" {
		t.Skip("skipping namespace lab: " + why)
	}
	l := &Lab{t: t, prefix: fmt.Sprintf("ncl%d-%s-%d-", os.Getpid(), tag, seq.Add(1))}
	t.Cleanup(l.Close)
	return l
}

// Close deletes every namespace of the lab (and so its links). It is
// registered with t.Cleanup by New.
func (l *Lab) Close() {
	for _, n := range l.names {
		if out, err := exec.Command("ip", "netns", "del", n).CombinedOutput(); err != nil {
			l.t.Logf("testlab: deleting namespace %s: %v: %s", n, err, out)
		}
	}
	l.names = nil
}

// NS creates a namespace with its loopback up and returns its full name
// (short name prefixed with the lab's unique prefix). It skips the test
// when the kernel refuses to create namespaces (root without
// CAP_SYS_ADMIN, as in an unprivileged container). IPv6 duplicate
// address detection is off in it, so that link-local addresses are usable
// as soon as a link is up instead of after a second or two of DAD.
func (l *Lab) NS(short string) string {
	l.t.Helper()
	name := l.prefix + short
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		if bytes.Contains(out, []byte("Operation not permitted")) || bytes.Contains(out, []byte("Permission denied")) {
			// Root without CAP_SYS_ADMIN, as in an unprivileged container.
			l.t.Skipf("skipping namespace lab: cannot create a network namespace here: %s", bytes.TrimSpace(out))
		}
		l.t.Fatalf("testlab: ip netns add %s: %v\n%s", name, err, out)
	}
	l.names = append(l.names, name)
	l.IP("-n", name, "link", "set", "lo", "up")
	if l.ipv6() {
		l.Sysctl(name, "net.ipv6.conf.all.accept_dad", "0")
		l.Sysctl(name, "net.ipv6.conf.default.accept_dad", "0")
	}
	return name
}

// ipv6 reports whether the kernel has IPv6 (/proc/sys/net/ipv6 is absent
// when it was disabled at boot with ipv6.disable=1).
func (l *Lab) ipv6() bool {
	_, err := os.Stat("/proc/sys/net/ipv6")
	return err == nil
}

// Sysctl sets the kernel parameter key (dotted, as sysctl(8) names it) to
// value inside ns. It writes /proc/sys from a shell in the namespace, so
// it needs no procps; /proc/sys/net shows the writer's namespace.
func (l *Lab) Sysctl(ns, key, value string) {
	l.t.Helper()
	l.Exec(ns, "sh", "-c", `echo "$1" >"/proc/sys/$2"`, "sh", value, strings.ReplaceAll(key, ".", "/"))
}

// IP runs `ip ARGS...` and fails the test on error.
func (l *Lab) IP(args ...string) string {
	l.t.Helper()
	return l.Run("ip", args...)
}

// Run runs a command and fails the test on error, returning its output.
func (l *Lab) Run(name string, args ...string) string {
	l.t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("testlab: %s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Exec runs `ip netns exec NS CMD ARGS...` and fails the test on error.
func (l *Lab) Exec(ns, name string, args ...string) string {
	l.t.Helper()
	return l.Run("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// Veth creates a veth pair with one end, devA, in nsA and the other, devB,
// in nsB, both up. Nothing is created in the caller's namespace.
func (l *Lab) Veth(nsA, devA, nsB, devB string) {
	l.t.Helper()
	l.IP("link", "add", devA, "netns", nsA, "type", "veth", "peer", "name", devB, "netns", nsB)
	l.IP("-n", nsA, "link", "set", devA, "up")
	l.IP("-n", nsB, "link", "set", devB, "up")
}

// Bridge creates bridge dev in ns, up.
func (l *Lab) Bridge(ns, dev string) {
	l.t.Helper()
	l.IP("-n", ns, "link", "add", dev, "type", "bridge")
	l.IP("-n", ns, "link", "set", dev, "up")
}

// Port makes dev (in ns) a port of bridge br (in ns).
func (l *Lab) Port(ns, dev, br string) {
	l.t.Helper()
	l.IP("-n", ns, "link", "set", dev, "master", br)
}

// Addr adds an address (CIDR) to dev in ns; IPv6 addresses get nodad so
// that they are usable at once.
func (l *Lab) Addr(ns, dev, cidr string) {
	l.t.Helper()
	args := []string{"-n", ns, "addr", "add", cidr, "dev", dev}
	if strings.Contains(cidr, ":") {
		args = append(args, "nodad")
	}
	l.IP(args...)
}

// Route adds a route in ns: Route(ns, "default", "via", "198.51.100.1").
func (l *Lab) Route(ns string, args ...string) {
	l.t.Helper()
	l.IP(append([]string{"-n", ns, "route", "add"}, args...)...)
}

// Forward turns on IPv4 forwarding in ns, and IPv6 forwarding when the
// kernel has IPv6.
func (l *Lab) Forward(ns string) {
	l.t.Helper()
	l.Sysctl(ns, "net.ipv4.ip_forward", "1")
	if l.ipv6() {
		l.Sysctl(ns, "net.ipv6.conf.all.forwarding", "1")
	}
}

// MAC returns dev's hardware address in ns as `ip link` prints it.
func (l *Lab) MAC(ns, dev string) string {
	l.t.Helper()
	out := l.IP("-j", "-n", ns, "link", "show", "dev", dev)
	var v []struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v) != 1 {
		l.t.Fatalf("testlab: parsing ip -j link show %s: %v: %s", dev, err, out)
	}
	return v[0].Address
}

// Topology is the standard lab (all names are full namespace names):
//
//	A (veth-a 203.0.113.1/24, 2001:db8::1/64)
//	  ── veth ── B router (veth-b 203.0.113.2/24, 2001:db8::2/64 | veth-d 198.51.100.1/24)
//	                └── bridge br0 in R ── C (veth-c 198.51.100.2/24, default via .1)
//	                                    ├─ E (veth-e 198.51.100.3/24)
//	                                    └─ F (veth-f 198.51.100.4/24)
//
// A routes 198.51.100.0/24 via B; B forwards. So from C the live hosts of
// 198.51.100.0/24 are exactly .1, .3 and .4.
type Topology struct {
	A, B, R, C, E, F string
}

// Standard builds the standard topology.
func (l *Lab) Standard() Topology {
	l.t.Helper()
	tp := Topology{A: l.NS("a"), B: l.NS("b"), R: l.NS("r"), C: l.NS("c"), E: l.NS("e"), F: l.NS("f")}
	l.Veth(tp.A, "veth-a", tp.B, "veth-b")
	l.Addr(tp.A, "veth-a", "203.0.113.1/24")
	l.Addr(tp.B, "veth-b", "203.0.113.2/24")
	l.Addr(tp.A, "veth-a", "2001:db8::1/64")
	l.Addr(tp.B, "veth-b", "2001:db8::2/64")
	l.Bridge(tp.R, "br0")
	for _, x := range []struct{ ns, dev, port, addr string }{
		{tp.B, "veth-d", "veth-dr", "198.51.100.1/24"},
		{tp.C, "veth-c", "veth-cr", "198.51.100.2/24"},
		{tp.E, "veth-e", "veth-er", "198.51.100.3/24"},
		{tp.F, "veth-f", "veth-fr", "198.51.100.4/24"},
	} {
		l.Veth(x.ns, x.dev, tp.R, x.port)
		l.Port(tp.R, x.port, "br0")
		l.Addr(x.ns, x.dev, x.addr)
	}
	l.Forward(tp.B)
	l.Route(tp.A, "198.51.100.0/24", "via", "203.0.113.2")
	l.Route(tp.C, "default", "via", "198.51.100.1")
	return tp
}

// PolicyRouting builds one namespace with policy routing rules and returns
// its name. Interfaces: d0 (203.0.113.1/24 and 203.0.113.5/24,
// 2001:db8:1::1/64 and 2001:db8:1::5/64) and d1 (198.51.100.1/26), each a
// veth whose peer (d0p, d1p) stays in the namespace; IPv4 forwarding on.
// Routes to 198.51.100.64/26, ever more specific per table:
//
//	main   198.51.100.64/26 via 203.0.113.254    2001:db8:2::/48 via 2001:db8:1::fe
//	100    198.51.100.64/27 via 203.0.113.253    2001:db8:2::/64 via 2001:db8:1::fd
//	200    198.51.100.64/28 via 203.0.113.252
//	300    198.51.100.64/29 via 203.0.113.251
//
// Rules (priority: rule):
//
//	100: from 203.0.113.1 lookup 100      (IPv6: from 2001:db8:1::1 lookup 100)
//	200: fwmark 0x10/0xff lookup 200
//	300: iif d1 lookup 300
//	400: to 198.51.100.200 unreachable
func (l *Lab) PolicyRouting() string {
	l.t.Helper()
	ns := l.NS("policy")
	for _, d := range []string{"d0", "d1"} {
		l.IP("-n", ns, "link", "add", d, "type", "veth", "peer", "name", d+"p")
		l.IP("-n", ns, "link", "set", d, "up")
		l.IP("-n", ns, "link", "set", d+"p", "up")
	}
	l.Addr(ns, "d0", "203.0.113.1/24")
	l.Addr(ns, "d0", "203.0.113.5/24")
	l.Addr(ns, "d1", "198.51.100.1/26")
	l.Sysctl(ns, "net.ipv4.ip_forward", "1")
	l.Route(ns, "198.51.100.64/26", "via", "203.0.113.254")
	l.Route(ns, "198.51.100.64/27", "via", "203.0.113.253", "table", "100")
	l.Route(ns, "198.51.100.64/28", "via", "203.0.113.252", "table", "200")
	l.Route(ns, "198.51.100.64/29", "via", "203.0.113.251", "table", "300")
	l.IP("-n", ns, "rule", "add", "from", "203.0.113.1", "lookup", "100", "pref", "100")
	l.IP("-n", ns, "rule", "add", "fwmark", "0x10/0xff", "lookup", "200", "pref", "200")
	l.IP("-n", ns, "rule", "add", "iif", "d1", "lookup", "300", "pref", "300")
	l.IP("-n", ns, "rule", "add", "to", "198.51.100.200", "unreachable", "pref", "400")
	if l.ipv6() {
		l.Addr(ns, "d0", "2001:db8:1::1/64")
		l.Addr(ns, "d0", "2001:db8:1::5/64")
		l.Route(ns, "2001:db8:2::/48", "via", "2001:db8:1::fe")
		l.Route(ns, "2001:db8:2::/64", "via", "2001:db8:1::fd", "table", "100")
		l.IP("-6", "-n", ns, "rule", "add", "from", "2001:db8:1::1", "lookup", "100", "pref", "100")
	}
	return ns
}

// Tables builds one namespace whose routing tables and neighbour cache
// hold every kind of entry that `ip route` and `ip neigh` print, and
// returns its name. Interfaces: d0 (203.0.113.1/24, 2001:db8:1::1/64) and
// d1 (198.51.100.225/28, its peer down, so its routes are linkdown), each
// a veth whose peer (d0p, d1p) stays in the namespace. Routes:
//
//	main  default: multipath via 203.0.113.250 (weight 1) and .251 (weight 2)
//	      198.51.100.0/24 via 203.0.113.254 proto static metric 5
//	      blackhole 198.51.100.128/25, prohibit 198.51.100.64/27
//	      2001:db8:2::/48 via 2001:db8:1::fe
//	      2001:db8:3::/48 multipath via 2001:db8:1::fa (1) and ::fb (3)
//	      2001:db8:4::/48 via 2001:db8:1::fe onlink, blackhole 2001:db8:5::/48
//	100   unreachable 198.51.100.32/27, throw 198.51.100.16/28,
//	      198.51.100.0/24 via 203.0.113.254 dev d0 onlink metric 7,
//	      198.51.100.192/28 via 203.0.113.254 with every kind of metric
//	      (mtu lock 1400, advmss, hoplimit, initcwnd, rtt, rttvar, rto_min,
//	      features ecn, congctl reno),
//	      unreachable 2001:db8:6::/48, prohibit 2001:db8:7::/48
//	200   2001:db8:8::/48 via 2001:db8:1::fe proto dhcp pref high,
//	      2001:db8:9::/48 via 2001:db8:1::fe expires 3000 mtu 1300
//
// Neighbours on d0: 203.0.113.9 PERMANENT, .10 NOARP, .11 INCOMPLETE,
// .12 STALE, .13 REACHABLE, .14 DELAY, .15 PROBE, .16 FAILED, and
// 2001:db8:1::9 STALE with the router flag. The transient states move on
// (DELAY to PROBE to FAILED) within seconds, as on any host.
func (l *Lab) Tables() string {
	l.t.Helper()
	ns := l.NS("tables")
	for _, d := range []string{"d0", "d1"} {
		l.IP("-n", ns, "link", "add", d, "type", "veth", "peer", "name", d+"p")
		l.IP("-n", ns, "link", "set", d, "up")
	}
	l.IP("-n", ns, "link", "set", "d0p", "up")
	l.Addr(ns, "d0", "203.0.113.1/24")
	l.Addr(ns, "d1", "198.51.100.225/28")
	l.Route(ns, "default", "nexthop", "via", "203.0.113.250", "weight", "1", "nexthop", "via", "203.0.113.251", "weight", "2")
	l.Route(ns, "198.51.100.0/24", "via", "203.0.113.254", "proto", "static", "metric", "5")
	l.Route(ns, "blackhole", "198.51.100.128/25")
	l.Route(ns, "prohibit", "198.51.100.64/27")
	l.Route(ns, "unreachable", "198.51.100.32/27", "table", "100")
	l.Route(ns, "throw", "198.51.100.16/28", "table", "100")
	l.Route(ns, "198.51.100.0/24", "via", "203.0.113.254", "dev", "d0", "onlink", "metric", "7", "table", "100")
	l.Route(ns, "198.51.100.192/28", "via", "203.0.113.254", "mtu", "lock", "1400", "advmss", "1360", "hoplimit", "64", "initcwnd", "10",
		"rtt", "20ms", "rttvar", "2s", "rto_min", "300ms", "features", "ecn", "congctl", "reno", "table", "100")
	neigh := func(args ...string) { l.IP(append([]string{"-n", ns, "neigh", "add"}, args...)...) }
	neigh("203.0.113.9", "dev", "d0", "lladdr", "02:00:00:00:00:09")
	neigh("203.0.113.10", "dev", "d0", "lladdr", "02:00:00:00:00:0a", "nud", "noarp")
	neigh("203.0.113.11", "dev", "d0", "nud", "incomplete")
	neigh("203.0.113.12", "dev", "d0", "lladdr", "02:00:00:00:00:0c", "nud", "stale")
	neigh("203.0.113.13", "dev", "d0", "lladdr", "02:00:00:00:00:0d", "nud", "reachable")
	neigh("203.0.113.14", "dev", "d0", "lladdr", "02:00:00:00:00:0e", "nud", "delay")
	neigh("203.0.113.15", "dev", "d0", "lladdr", "02:00:00:00:00:0f", "nud", "probe")
	neigh("203.0.113.16", "dev", "d0", "nud", "failed")
	if l.ipv6() {
		l.Addr(ns, "d0", "2001:db8:1::1/64")
		l.Route(ns, "2001:db8:2::/48", "via", "2001:db8:1::fe")
		l.Route(ns, "2001:db8:3::/48", "nexthop", "via", "2001:db8:1::fa", "dev", "d0", "weight", "1", "nexthop", "via", "2001:db8:1::fb", "dev", "d0", "weight", "3")
		l.Route(ns, "2001:db8:4::/48", "via", "2001:db8:1::fe", "dev", "d0", "onlink")
		l.Route(ns, "blackhole", "2001:db8:5::/48")
		l.Route(ns, "unreachable", "2001:db8:6::/48", "table", "100")
		l.Route(ns, "prohibit", "2001:db8:7::/48", "table", "100")
		l.Route(ns, "2001:db8:8::/48", "via", "2001:db8:1::fe", "proto", "dhcp", "pref", "high", "table", "200")
		l.Route(ns, "2001:db8:9::/48", "via", "2001:db8:1::fe", "expires", "3000", "mtu", "1300", "table", "200")
		neigh("2001:db8:1::9", "dev", "d0", "lladdr", "02:00:00:00:00:19", "router", "nud", "stale")
	}
	return ns
}

// In runs f on an OS thread switched into network namespace ns (a name
// under /run/netns, as NS returns) and switches the thread back before
// returning. Sockets f opens stay in ns after In returns; goroutines f
// starts do not run in ns. It fails the test when ns cannot be entered, and
// panics when the thread cannot return to the test's namespace (the thread
// would otherwise be reused by other goroutines in the wrong namespace).
func In(t testing.TB, ns string, f func()) {
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
			panic("testlab: cannot return to the test's network namespace: " + err.Error())
		}
	}()
	f()
}
