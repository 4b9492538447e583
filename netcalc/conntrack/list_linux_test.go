package conntrack

import (
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netcalc/netcalc/internal/testlab"
)

var update = flag.Bool("update", false, "rewrite testdata/conntrack/router-*.txt from a real router")

// The flows TestKernelList makes through a MASQUERADE router: kernelTCP
// TCP connections from .133 to the server's port 80 (left open),
// kernelUDP datagrams from .134 to port 53 of which the server answers
// kernelUDPAnswered, and one ICMP echo from .133.
const (
	kernelTCP         = 3
	kernelUDP         = 4
	kernelUDPAnswered = 2
)

// TestKernelList builds a router that masquerades 203.0.113.128/25
// behind 203.0.113.7, makes known flows through it, and checks ParseList
// and View on its `conntrack -L` and /proc/net/nf_conntrack against the
// counts of what was sent. With -update it writes both listings to
// testdata/conntrack, where the CLI tests read them.
func TestKernelList(t *testing.T) {
	for _, bin := range []string{"ip", "iptables", "conntrack"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("needs %s (Debian packages iproute2, iptables, conntrack)", bin)
		}
	}
	l := testlab.New(t)
	in, rtr, out := l.NS("in"), l.NS("rtr"), l.NS("out")
	l.Veth(in, "in0", rtr, "rin")
	l.Veth(out, "out0", rtr, "rout")
	l.Addr(in, "in0", "203.0.113.133/25")
	l.Addr(in, "in0", "203.0.113.134/25")
	l.Route(in, "default", "via", "203.0.113.129")
	l.Addr(rtr, "rin", "203.0.113.129/25")
	l.Addr(rtr, "rout", "203.0.113.7/24")
	l.Route(rtr, "198.51.100.0/24", "via", "203.0.113.2")
	l.Addr(out, "out0", "203.0.113.2/24")
	l.Addr(out, "lo", "198.51.100.53/32")
	l.Addr(out, "lo", "198.51.100.80/32")
	l.Forward(rtr)
	l.Exec(rtr, "iptables", "-w", "5", "-t", "nat", "-A", "POSTROUTING", "-o", "rout", "-j", "MASQUERADE")

	var ln net.Listener
	var pc net.PacketConn
	testlab.In(t, out, func() {
		var err error
		if ln, err = net.Listen("tcp4", "198.51.100.80:80"); err != nil {
			t.Fatal(err)
		}
		if pc, err = net.ListenPacket("udp4", "198.51.100.53:53"); err != nil {
			t.Fatal(err)
		}
	})
	defer ln.Close()
	defer pc.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	go func() {
		buf := make([]byte, 64)
		for answered := 0; ; {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if answered < kernelUDPAnswered {
				answered++
				pc.WriteTo(buf[:n], from)
			}
		}
	}()
	var conns []net.Conn
	testlab.In(t, in, func() {
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP("203.0.113.133")}}
		for range kernelTCP {
			c, err := d.Dial("tcp4", "198.51.100.80:80")
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i := range kernelUDP {
			c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP("203.0.113.134")}, &net.UDPAddr{IP: net.ParseIP("198.51.100.53"), Port: 53})
			if err != nil {
				t.Fatal(err)
			}
			c.Write([]byte{byte(i)})
			if i < kernelUDPAnswered {
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Read(make([]byte, 8)); err != nil {
					t.Fatalf("udp answer %d: %v", i, err)
				}
			} else {
				time.Sleep(100 * time.Millisecond)
			}
			conns = append(conns, c)
		}
		ic, err := net.ListenPacket("ip4:icmp", "203.0.113.133")
		if err != nil {
			t.Fatal(err)
		}
		defer ic.Close()
		echo := []byte{8, 0, 0, 0, 0x12, 0x34, 0, 1}
		sum := uint32(0)
		for i := 0; i < len(echo); i += 2 {
			sum += uint32(echo[i])<<8 | uint32(echo[i+1])
		}
		sum = ^(sum + sum>>16) & 0xffff
		echo[2], echo[3] = byte(sum>>8), byte(sum)
		if _, err := ic.WriteTo(echo, &net.IPAddr{IP: net.ParseIP("198.51.100.80")}); err != nil {
			t.Fatal(err)
		}
		ic.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := ic.ReadFrom(make([]byte, 64)); err != nil {
			t.Fatalf("icmp echo reply: %v", err)
		}
	})
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond)

	listings := map[string]string{
		"router-conntrack-L.txt":  l.Exec(rtr, "conntrack", "-L"),
		"router-nf_conntrack.txt": l.Exec(rtr, "cat", "/proc/net/nf_conntrack"),
	}
	for name, text := range listings {
		t.Logf("%s:\n%s", name, text)
		ents, bad, err := ParseList(strings.NewReader(text))
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: ParseList: %v %v", name, err, bad)
		}
		checkKernelViews(t, name, ents)
		if *update {
			// conntrack -L writes its summary on standard error; keep the
			// committed file as a node would show it with 2>&1.
			if err := os.WriteFile(filepath.Join("..", "..", "testdata", "conntrack", name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkKernelViews checks the views of a listing of TestKernelList's
// router against what the test sent.
func checkKernelViews(t *testing.T, name string, ents []Listed) {
	t.Helper()
	// Only this test's flows: the router sees nothing else.
	if len(ents) != kernelTCP+kernelUDP+1 {
		t.Fatalf("%s: %d entries, want %d", name, len(ents), kernelTCP+kernelUDP+1)
	}
	v := View(ents, PortRange{})
	got := map[string]int{}
	for _, s := range v.States {
		got[s.Proto+"/"+s.State] = s.Entries
		if s.Proto == "udp" && s.Unreplied != kernelUDP-kernelUDPAnswered {
			t.Errorf("%s: %d unreplied udp entries, want %d", name, s.Unreplied, kernelUDP-kernelUDPAnswered)
		}
	}
	want := map[string]int{"tcp/ESTABLISHED": kernelTCP, "udp/": kernelUDP, "icmp/": 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %s: %d entries, want %d (all: %v)", name, k, got[k], n, got)
		}
	}
	for _, tr := range v.Translations {
		if tr.NAT != "snat" || !strings.HasPrefix(tr.InsideGlobal, "203.0.113.7:") {
			t.Errorf("%s: line %d: %s to %s, want snat to 203.0.113.7", name, tr.Line, tr.NAT, tr.InsideGlobal)
		}
	}
	use := map[string]int{}
	for _, pu := range v.PortUsage {
		for _, d := range pu.Destinations {
			use[pu.Proto+" "+d.Destination] = d.PortsUsed
		}
	}
	if use["tcp 198.51.100.80:80"] != kernelTCP || use["udp 198.51.100.53:53"] != kernelUDP || use["icmp 198.51.100.80"] != 1 {
		t.Errorf("%s: port usage %v", name, use)
	}
	srcs := map[string]int{}
	for _, s := range v.Sources {
		srcs[s.Addr] = s.Entries
	}
	if srcs["203.0.113.133"] != kernelTCP+1 || srcs["203.0.113.134"] != kernelUDP {
		t.Errorf("%s: sources %v", name, srcs)
	}
}
