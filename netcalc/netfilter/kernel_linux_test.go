//go:build linux

package netfilter

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/netcalc/netcalc/internal/testlab"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// TestKernelRoundTrip loads rule sets with iptables-restore into a network
// namespace the test creates and deletes (internal/testlab), reads them
// back with iptables-save (plain and -c) and checks that Parse then WriteTo
// reproduces what iptables-save (ip6tables-save for IPv6 rules) printed
// byte for byte, and that the parsed
// rules are those that were loaded (same chains, same rule count per
// chain). It needs root, iproute2 and iptables; it sends no packets.
func TestKernelRoundTrip(t *testing.T) {
	for _, tool := range []string{"ip", "iptables-restore", "iptables-save", "ip6tables-restore", "ip6tables-save"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages iproute2, iptables)", tool)
		}
	}
	lab := testlab.New(t)
	read := func(f string) string {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	upstream, err := os.ReadFile(shared("kubeproxy", "upstream-overall.iptables"))
	if err != nil {
		t.Fatal(err)
	}
	labRules, err := os.ReadFile(filepath.Join("testdata", "lab.rules"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rules string
		v6    bool
	}{
		{name: "lab", rules: string(labRules)},
		// nfacct objects do not exist in a fresh namespace.
		{name: "kube-proxy upstream", rules: regexp.MustCompile(` -m nfacct --nfacct-name \S+`).ReplaceAllString(string(upstream), "")},
		{name: "kube-proxy cluster", rules: read(shared("kubeproxy", "cluster.golden"))},
		{name: "kube-proxy IPv6", rules: read(shared("kubeproxy", "ipv6.golden")), v6: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := lab.NS("nf" + string(rune('a'+i)))
			loaded, err := ParseString(tt.rules)
			if err != nil {
				t.Fatalf("Parse(rules to load): %v", err)
			}
			restore, save := "iptables-restore", "iptables-save"
			if tt.v6 {
				restore, save = "ip6tables-restore", "ip6tables-save"
			}
			cmd := exec.Command("ip", "netns", "exec", ns, restore, "-w", "5")
			cmd.Stdin = strings.NewReader(tt.rules)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", restore, err, out)
			}
			for _, args := range [][]string{nil, {"-c"}} {
				out := lab.Exec(ns, save, args...)
				rs, err := ParseString(out)
				if err != nil {
					t.Fatalf("Parse(iptables-save %v): %v\n%s", args, err, out)
				}
				var b bytes.Buffer
				if _, err := rs.WriteTo(&b); err != nil {
					t.Fatal(err)
				}
				if b.String() != out {
					t.Errorf("iptables-save %v: Parse+WriteTo differs (-kernel +ours):\n%s", args, cmp.Diff(out, b.String()))
				}
				if diff := cmp.Diff(shape(loaded), shape(rs)); diff != "" {
					t.Errorf("iptables-save %v holds other chains or rule counts than were loaded (-loaded +saved):\n%s", args, diff)
				}
			}
		})
	}
}

// shape maps "table chain" to the chain's rule count, for the user-defined
// chains and the built-in chains that have rules.
func shape(rs *Ruleset) map[string]int {
	m := map[string]int{}
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			if len(c.Rules) > 0 || !contains(BuiltinChains(t.Name), c.Name) {
				m[t.Name+" "+c.Name] = len(c.Rules)
			}
		}
	}
	return m
}

// kernelRules exercises every match and target the walker simulates that
// a single UDP datagram can reach: jump, goto, RETURN in a user chain and
// at the end of a goto, MARK and -m mark, conntrack state, addrtype,
// multiport, port ranges, negation, comments and the policy.
const kernelRules = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:CHK - [0:0]
:PORTS - [0:0]
:LAST - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p udp -m udp --dport 9 -j DROP
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -s 203.0.113.1/32 -i veth-b -p udp -j CHK
-A INPUT -p udp -m multiport --dports 7000:7010,8080 -j ACCEPT
-A INPUT -m mark --mark 0x1/0x1 -j ACCEPT
-A INPUT ! -s 198.51.100.0/24 -p udp -g LAST
-A CHK -m comment --comment "lab check" -m addrtype ! --dst-type LOCAL -j DROP
-A CHK -p udp -m udp --dport 5000:5999 -j PORTS
-A CHK -p udp -m udp ! --sport 40000:40099 -j RETURN
-A CHK -j MARK --set-xmark 0x1/0xffffffff
-A CHK -p udp -m udp --dport 6000 -j RETURN
-A CHK -j MARK --set-xmark 0x0/0x1
-A PORTS -p udp -m udp --dport 5001 -j RETURN
-A PORTS -j ACCEPT
-A LAST -m addrtype --src-type UNICAST -j RETURN
-A LAST -j DROP
COMMIT
`

// TestKernelWalk is the kernel's opinion of the walker: it loads
// kernelRules into a namespace (B of a two-namespace lab, A—veth—B on
// 203.0.113.0/24), sends UDP datagrams from A, and for each compares the
// rules whose packet counters moved (iptables-save -c), and whether the
// INPUT policy counted it, with the rules the walker matched for the same
// packet and whether its verdict came from the policy.
func TestKernelWalk(t *testing.T) {
	for _, tool := range []string{"ip", "iptables-restore", "iptables-save", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages iproute2, iptables)", tool)
		}
	}
	lab := testlab.New(t)
	a, b := lab.NS("wa"), lab.NS("wb")
	lab.Veth(a, "veth-a", b, "veth-b")
	lab.Addr(a, "veth-a", "203.0.113.1/24")
	lab.Addr(b, "veth-b", "203.0.113.2/24")
	cmd := exec.Command("ip", "netns", "exec", b, "iptables-restore", "-w", "5")
	cmd.Stdin = strings.NewReader(kernelRules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("iptables-restore: %v\n%s", err, out)
	}
	src, dst := netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2")
	w := &Walker{Rules: mustParse(t, kernelRules), AddrType: func(x netip.Addr) AddrType {
		if x == dst {
			return AddrLocal
		}
		return AddrUnicast
	}}
	sport := uint16(40000)
	for _, dport := range []uint16{9, 4000, 5001, 5002, 6000, 6001, 7005, 8080} {
		// One source port inside 40000:40099 and one outside; each
		// datagram has its own ports, so each is a NEW connection.
		sport++
		for _, sp := range []uint16{sport, sport + 1000} {
			t.Run(fmt.Sprintf("sport %d dport %d", sp, dport), func(t *testing.T) {
				lab.Exec(b, "iptables", "-w", "5", "-Z")
				testlab.In(t, a, func() {
					c, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, sp)), net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, dport)))
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					if _, err := c.Write([]byte("netfilter walk")); err != nil {
						t.Fatal(err)
					}
				})
				got := counted(t, lab, b)
				res, err := w.Walk("filter", Input, Packet{Src: src, Dst: dst, Proto: packet.UDP, SrcPort: sp, DstPort: dport,
					In: "veth-b", State: CTNew})
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, s := range res.Steps {
					if s.Matched {
						want = append(want, fmt.Sprintf("%s/%d", s.Chain, s.Rule))
					}
				}
				if res.Verdict.Policy {
					want = append(want, "INPUT policy")
				}
				sort.Strings(want)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("rules that counted the datagram (-walker +kernel):\n%s\nwalk: %v", diff, steps(res))
				}
			})
		}
	}
}

// counted returns the rules of ns's filter table whose packet counter is
// not zero, as "CHAIN/INDEX", sorted, with "INPUT policy" when INPUT's
// policy counted. It waits briefly for the datagram to arrive.
func counted(t *testing.T, lab *testlab.Lab, ns string) []string {
	t.Helper()
	for try := 0; try < 50; try++ {
		rs, err := ParseString(lab.Exec(ns, "iptables-save", "-c", "-t", "filter"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range rs.Table("filter").Chains {
			for i, r := range c.Rules {
				if r.Counters != nil && r.Counters.Packets > 0 {
					out = append(out, fmt.Sprintf("%s/%d", c.Name, i))
				}
			}
			if c.Name == "INPUT" && c.Counters != nil && c.Counters.Packets > 0 {
				out = append(out, "INPUT policy")
			}
		}
		if len(out) > 0 {
			sort.Strings(out)
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no rule counted the datagram")
	return nil
}
