//go:build linux

package lab

import (
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
	"github.com/netcalc/netcalc/netcalc/topo"
)

func needVerifyTools(t *testing.T) {
	t.Helper()
	needRoot(t)
	for _, tool := range []string{"conntrack", "iptables-save", "iptables-restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed; skipped", tool)
		}
	}
}

func readTopo(t *testing.T, path string) *topo.Topology {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	top, err := topo.Parse(strings.NewReader(string(data)), topo.Options{File: path, ReadFile: func(n string) ([]byte, error) {
		return os.ReadFile(filepath.Join(filepath.Dir(path), n))
	}})
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// extraFlows are TCP and UDP flows through the NAT examples, on top of
// the ICMP default.
var extraFlows = map[string]string{
	"k8s": `client 10.96.0.80:80 tcp 40000
client 10.96.0.80:80 udp 40001
client 10.244.1.2:8080 tcp 40002
node-1 10.96.0.80:80 tcp 40003
client 10.96.0.99:80 tcp 40004
`,
	"home-nat": `laptop 203.0.113.200:80 tcp 40000
phone 203.0.113.200:53 udp 5353
web 198.51.100.10:22 tcp 40001
`,
	"gateway": `a [2001:db8:2::20]:443 tcp 40000
b 198.51.100.10:53 udp 40001
`,
	// A pod reaching its own Service: dropped by the bridge without
	// hairpin mode (with br_netfilter), masqueraded back to itself with.
	"hairpin": `web-1 10.96.0.90:80 tcp 40000
web-2 10.96.0.90:80 tcp 40001
`,
	"hairpin-on": `web-1 10.96.0.90:80 tcp 40000
web-2 10.96.0.90:80 tcp 40001
`,
}

func verifyAll(t *testing.T, top *topo.Topology, p string, flows []topo.Flow) []FlowResult {
	t.Helper()
	res, err := Verify(top, p, flows)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(flows) {
		t.Fatalf("%d results for %d flows", len(res), len(flows))
	}
	return res
}

// TestVerifyExamples builds every example topology (the generated
// two-node Kubernetes cluster included) and the dispositions file, sends
// every node's packet to every address plus TCP and UDP flows through the
// NAT examples, and asserts that the kernel agrees with the simulation on
// each: disposition and node, the source the destination saw, each hop's
// route get, the neighbour entries and the conntrack entries.
func TestVerifyExamples(t *testing.T) {
	needVerifyTools(t)
	tops := examples(t)
	for _, n := range []string{"dispositions", "hairpin", "hairpin-on"} {
		tops[n] = readTopo(t, "../../../testdata/topo/trace/"+n+".yaml")
	}
	names := make([]string, 0, len(tops))
	for n := range tops {
		names = append(names, n)
	}
	sort.Strings(names)
	kinds := map[topo.Disposition]map[bool]bool{}
	for _, name := range names {
		top := tops[name]
		t.Run(name, func(t *testing.T) {
			p := prefix("v" + name)
			if _, err := Up(top, Options{Prefix: p}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { down(t, p) })
			flows := DefaultFlows(top)
			extra := extraFlows[name]
			if name == "dispositions" {
				b, err := os.ReadFile("../../../testdata/topo/trace/dispositions.flows")
				if err != nil {
					t.Fatal(err)
				}
				extra = string(b)
			}
			more, err := ParseFlows(extra, top)
			if err != nil {
				t.Fatal(err)
			}
			flows = append(flows, more...)
			for _, r := range verifyAll(t, top, p, flows) {
				if kinds[r.Kernel.Disposition] == nil {
					kinds[r.Kernel.Disposition] = map[bool]bool{}
				}
				kinds[r.Kernel.Disposition][r.Flow.Dst.Is4()] = true
				if !r.Agree {
					t.Errorf("%s -> %s %s: %s", r.Flow.From, r.Flow.Dst, r.Flow.Proto, r.Diff)
				}
			}
		})
	}
	for _, d := range []topo.Disposition{topo.Accepted, topo.NoRoute, topo.NullRouted, topo.NeighborUnreachable, topo.Loop} {
		if !kinds[d][true] || !kinds[d][false] {
			t.Errorf("disposition %s seen for IPv4 %v, IPv6 %v: want both", d, kinds[d][true], kinds[d][false])
		}
	}
	for _, d := range []topo.Disposition{topo.Denied, topo.ForwardingDisabled} {
		if !kinds[d][true] {
			t.Errorf("disposition %s never seen", d)
		}
	}
}

// TestVerifyDisagrees: a file that differs from the lab (the DROP rule of
// r and h's address taken out after the lab was built from the original)
// makes verify report the flows it changes, with the first difference.
func TestVerifyDisagrees(t *testing.T) {
	needVerifyTools(t)
	path := "../../../testdata/topo/trace/dispositions.yaml"
	built := readTopo(t, path)
	p := prefix("vdiff")
	if _, err := Up(built, Options{Prefix: p}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { down(t, p) })
	data, _ := os.ReadFile(path)
	changed := strings.Replace(string(data), "      -A FORWARD -d 203.0.113.50/32 -p icmp -j DROP\n", "", 1)
	changed = strings.Replace(changed, "      - blackhole 203.0.113.128/25\n", "", 1)
	if changed == string(data) {
		t.Fatal("the test's edits did not apply")
	}
	top, err := topo.Parse(strings.NewReader(changed), topo.Options{File: filepath.Base(path)})
	if err != nil {
		t.Fatal(err)
	}
	flows := []topo.Flow{
		{From: "a", Dst: netip.MustParseAddr("203.0.113.50"), Proto: packet.ICMP, SrcPort: 1},
		{From: "a", Dst: netip.MustParseAddr("203.0.113.200"), Proto: packet.ICMP, SrcPort: 2},
		{From: "a", Dst: netip.MustParseAddr("203.0.113.20"), Proto: packet.ICMP, SrcPort: 3},
	}
	res := verifyAll(t, top, p, flows)
	if res[0].Agree || res[0].Kernel.Disposition != topo.Denied || !strings.Contains(res[0].Diff, "DENIED at r") {
		t.Errorf("dropped flow: agree %v, kernel %+v, diff %q", res[0].Agree, res[0].Kernel, res[0].Diff)
	}
	if res[1].Agree || res[1].Kernel.Disposition != topo.NullRouted || res[1].Sim.Disposition == topo.NullRouted {
		t.Errorf("blackholed flow: agree %v, kernel %+v, sim %s", res[1].Agree, res[1].Kernel, res[1].Sim.Disposition)
	}
	if !res[2].Agree {
		t.Errorf("unchanged flow disagrees: %s", res[2].Diff)
	}
}

func TestParseFlows(t *testing.T) {
	top := readTopo(t, "../../../testdata/topo/trace/dispositions.yaml")
	fs, err := ParseFlows("# c\n a 203.0.113.20 \nb [2001:db8:1::10]:80 TCP 99\n", top)
	if err != nil || len(fs) != 2 || fs[1].Proto != packet.TCP || fs[1].DstPort != 80 || fs[1].SrcPort != 99 {
		t.Fatalf("%+v %v", fs, err)
	}
	for _, bad := range []string{"zz 203.0.113.20", "a 203.0.113.300", "a 203.0.113.20:80", "a 203.0.113.20 tcp", "a 203.0.113.20:1 sctp", "a", "a 203.0.113.20:1 udp 0"} {
		if _, err := ParseFlows(bad, top); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: err %v, want one naming line 1", bad, err)
		}
	}
	// topo.ParseFlowLine's errors, numbered; the lab's own rule for the
	// source port (the kernel binds it).
	for _, c := range []struct{ text, want string }{
		{"# c\nzz 203.0.113.20", `line 2: "zz": no such node in the topology`},
		{"a 203.0.113.20:1 udp 0 # the kernel would pick one", `line 1: "0": want a source port 1-65535`},
		{"a 203.0.113.20:1 udp 70000", `line 1: "70000": want a source port 1-65535`},
		{"a 203.0.113.20 tcp", `line 1: "203.0.113.20": tcp needs a port: ADDR:PORT`},
	} {
		_, err := ParseFlows(c.text, top)
		var fe *FlowsError
		if !errors.As(err, &fe) || err.Error() != c.want {
			t.Errorf("ParseFlows(%q) = %v; want a *FlowsError %q", c.text, err, c.want)
		}
	}
}
