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

// kernelServices are the Services of the kernel tests' node: a NodePort
// Service with one remote endpoint (so the DNAT target is certain), a UDP
// Service with three endpoints for the statistic or numgen draws, and a
// Service without endpoints.
const kernelServices = `node: node-a
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

// kernelLab builds the network of the kernel tests: a "node" namespace
// whose only link, kp0 (198.51.100.10/24, the default route), is a veth
// to a second, silent namespace, so every packet the node sends is lost
// and nothing leaves the test. It returns the lab and the node's
// namespace. The names are unique to the run (internal/testlab). It skips
// the test unless every tool is installed (pkgs names their Debian
// packages).
func kernelLab(t *testing.T, pkgs string, tools ...string) (*testlab.Lab, string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages %s)", tool, pkgs)
		}
	}
	l := testlab.New(t)
	node, wire := l.NS("node"), l.NS("wire")
	l.Veth(node, "kp0", wire, "kp1")
	l.Addr(node, "kp0", "198.51.100.10/24")
	l.Route(node, "default", "dev", "kp0")
	return l, node
}

// sendUDP sends n datagrams to dst, each from a new socket (a new source
// port, so a new conntrack flow).
func sendUDP(t *testing.T, dst string, n int) {
	t.Helper()
	for range n {
		c, err := net.Dial("udp", dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("q")); err != nil {
			t.Errorf("send to %s: %v", dst, err)
		}
		c.Close()
	}
}

// synSocket sends one TCP SYN to dst from a new non-blocking socket and
// returns the socket: connect(2) sends the SYN through the output hooks
// (so conntrack and the nat table see it) before it returns EINPROGRESS;
// no dial timeout can expire before the SYN leaves, however loaded the
// machine.
func synSocket(t *testing.T, dst string) int {
	t.Helper()
	ap := netip.MustParseAddrPort(dst)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = unix.Connect(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()})
	if err != unix.EINPROGRESS {
		unix.Close(fd)
		t.Fatalf("connect to %s: %v; want EINPROGRESS (a SYN sent)", dst, err)
	}
	return fd
}

// syn sends one TCP SYN to dst from a new socket and closes the socket.
func syn(t *testing.T, dst string) {
	t.Helper()
	unix.Close(synSocket(t, dst))
}

// ctFlow is one TCP or UDP entry of `conntrack -L` as the kernel tests
// read it, with their own expressions rather than the package's parser.
type ctFlow struct {
	Line  string
	Proto string // "tcp", "udp"
	// Orig and Reply are the tuples' fields: src, dst, sport, dport.
	Orig, Reply [4]string
	// Packet is the original tuple as the tracers take it.
	Packet packet.Tuple
}

var (
	ctLine  = regexp.MustCompile(`^(\w+)\s+(\d+) (\d+) (.*) use=\d+$`)
	ctTuple = regexp.MustCompile(`src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)`)
)

// conntrackFlows reads the entries of `conntrack -L` output; it fails
// the test on an entry without two tuples with ports.
func conntrackFlows(t *testing.T, out string) []ctFlow {
	t.Helper()
	var flows []ctFlow
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		m := ctLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		tuples := ctTuple.FindAllStringSubmatch(m[4], -1)
		if len(tuples) != 2 {
			t.Fatalf("cannot read conntrack line %q", l)
		}
		f := ctFlow{Line: l, Proto: m[1]}
		copy(f.Orig[:], tuples[0][1:])
		copy(f.Reply[:], tuples[1][1:])
		sport, _ := strconv.Atoi(f.Orig[2])
		dport, _ := strconv.Atoi(f.Orig[3])
		f.Packet = packet.Tuple{Src: netip.AddrPortFrom(netip.MustParseAddr(f.Orig[0]), uint16(sport)),
			Dst: netip.AddrPortFrom(netip.MustParseAddr(f.Orig[1]), uint16(dport)), Protocol: packet.TCP}
		if f.Proto == "udp" {
			f.Packet.Protocol = packet.UDP
		}
		flows = append(flows, f)
	}
	return flows
}
