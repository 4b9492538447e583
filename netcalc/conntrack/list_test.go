package conntrack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestListFixtures checks the views of the listings TestKernelList
// captured from a real MASQUERADE router, without root.
func TestListFixtures(t *testing.T) {
	for _, name := range []string{"router-conntrack-L.txt", "router-nf_conntrack.txt"} {
		f, err := os.Open(filepath.Join("..", "..", "testdata", "conntrack", name))
		if err != nil {
			t.Fatal(err)
		}
		ents, bad, err := ParseList(f)
		f.Close()
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %v", name, err, bad)
		}
		checkKernelViews(t, name, ents)
	}
	f, err := os.Open(filepath.Join("..", "..", "testdata", "conntrack", "mixed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ents, bad, err := ParseList(f)
	if err != nil || len(bad) > 0 || len(ents) != 4 {
		t.Fatalf("mixed.txt: %d entries, %v %v", len(ents), err, bad)
	}
	v := View(ents, PortRange{})
	nat := ""
	for _, tr := range v.Translations {
		nat += tr.NAT + " "
	}
	// sctp forwarded inward, igmp (unknown) and icmpv6 untouched, gre
	// masqueraded; gre has no ports, so no port usage.
	if nat != "dnat none snat none " || len(v.PortUsage) != 0 || v.Translations[0].InsideLocal != "10.0.0.9:38412" {
		t.Errorf("mixed.txt: %q %+v", nat, v.Translations[0])
	}
}

func TestParseListedFields(t *testing.T) {
	for _, c := range []struct {
		line  string
		check func(Listed) bool
	}{
		{"sctp     132 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=38412 src=10.0.0.2 dst=10.0.0.1 sport=38412 dport=5000 [ASSURED] mark=0 use=1",
			func(e Listed) bool { return e.Proto == "sctp" && e.State == "ESTABLISHED" && e.Assured }},
		{"unknown  2 599 src=10.0.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.0.0.1 mark=0 use=1",
			func(e Listed) bool { return e.Proto == "unknown" && e.ProtoNum == 2 && e.Unreplied }},
		{"icmpv6   58 29 src=2001:db8::1 dst=2001:db8::2 type=128 code=0 id=7 src=2001:db8::2 dst=2001:db8::1 type=129 code=0 id=7 mark=0x10 zone=3 labels=0x1 secctx=system_u:object_r:unlabeled_t:s0 use=1 id=3141592",
			func(e Listed) bool {
				return e.Family == "ipv6" && e.Orig.SrcPort == 7 && e.Mark == 16 && e.Zone == 3 && e.Labels == "0x1" && strings.HasPrefix(e.Secctx, "system_u")
			}},
		{"ipv6     10 udp      17 25 src=2001:db8::1 dst=2001:db8::53 sport=4000 dport=53 packets=1 bytes=60 src=2001:db8::53 dst=2001:db8::1 sport=53 dport=4000 packets=1 bytes=90 mark=0 zone=0 use=2",
			func(e Listed) bool {
				return e.Family == "ipv6" && e.Packets == [2]uint64{1, 1} && e.Bytes == [2]uint64{60, 90}
			}},
		{"gre      47 179 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x0 src=10.0.0.2 dst=10.0.0.1 srckey=0x0 dstkey=0x0 [ASSURED] mark=0 use=1",
			func(e Listed) bool { return e.Proto == "gre" && e.Assured }},
	} {
		e, err := ParseListed(c.line)
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		if !c.check(e) {
			t.Errorf("%s: got %+v", c.line, e)
		}
	}
}

func TestParseListRefuses(t *testing.T) {
	in := "# comment\n" +
		"tcp      6 10 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1\n" +
		"tcp      6 10 BOGUS src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1\n" +
		"udp      6 10 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1\n" +
		"ipv4     10 udp 17 10 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1\n" +
		"udp      17 10 src=10.0.0.1 dst=2001:db8::2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1\n" +
		"udp      17 10 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [WEIRD] src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1\n" +
		"udp      17 10 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2\n" +
		"hello world\n"
	ents, bad, err := ParseList(strings.NewReader(in))
	if err != nil || len(ents) != 1 || ents[0].Line != 2 {
		t.Fatalf("ents %v err %v", ents, err)
	}
	want := []struct {
		line  int
		token string
	}{{3, "BOGUS"}, {4, "udp"}, {5, "10"}, {6, "dst=2001:db8::2"}, {7, "[WEIRD]"}, {8, "udp      17 10 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2"}, {9, "hello world"}}
	if len(bad) != len(want) {
		t.Fatalf("bad = %v", bad)
	}
	for i, w := range want {
		if bad[i].Line != w.line || bad[i].Err.Token != w.token || !errors.Is(bad[i], ErrSyntax) {
			t.Errorf("bad[%d] = line %d %q, want line %d %q", i, bad[i].Line, bad[i].Err.Token, w.line, w.token)
		}
	}
}

// TestViewPortRisk checks the exhaustion risk against a count made here:
// 3 ports toward one destination out of a 4-port --to-ports range.
func TestViewPortRisk(t *testing.T) {
	var b strings.Builder
	for _, p := range []string{"5000", "5001", "5002"} {
		b.WriteString("udp 17 30 src=10.0.0.1 dst=198.51.100.1 sport=" + p + " dport=53 src=198.51.100.1 dst=203.0.113.7 sport=53 dport=" + p + " mark=0 use=1\n")
	}
	b.WriteString("udp 17 30 src=10.0.0.1 dst=198.51.100.2 sport=5000 dport=53 src=198.51.100.2 dst=203.0.113.7 sport=53 dport=5000 mark=0 use=1\n")
	ents, bad, err := ParseList(strings.NewReader(b.String()))
	if err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	v := View(ents, PortRange{5000, 5003})
	if len(v.PortUsage) != 1 || v.PortUsage[0].PortsUsed != 3 || len(v.PortUsage[0].Destinations) != 2 {
		t.Fatalf("%+v", v.PortUsage)
	}
	d := v.PortUsage[0].Destinations[0]
	if d.Destination != "198.51.100.1:53" || d.PortsUsed != 3 || d.Capacity != 4 || d.UsedPct != 75 || d.Risk != "medium" {
		t.Errorf("%+v", d)
	}
	if r := View(ents, PortRange{}).PortUsage[0].Destinations[0]; r.Capacity != 64512 || r.Risk != "low" {
		t.Errorf("default range: %+v", r)
	}
}

func FuzzParseListed(f *testing.F) {
	f.Add("tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1")
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseListed(line)
		if err != nil {
			if err.Msg == "" {
				t.Fatalf("%q: empty message", line)
			}
			return
		}
		if !e.Orig.Src.IsValid() || !e.Reply.Dst.IsValid() || (e.Family != "ipv4" && e.Family != "ipv6") {
			t.Fatalf("%q: accepted without tuples: %+v", line, e)
		}
		v := View([]Listed{e}, PortRange{})
		if len(v.Translations) != 1 {
			t.Fatalf("%q: %d translations", line, len(v.Translations))
		}
	})
}

// TestViewSortsNumerically: equal counts are listed by address, then
// port, as numbers (10.0.0.9 before 10.0.0.10).
func TestViewSortsNumerically(t *testing.T) {
	var b strings.Builder
	for _, src := range []string{"10.0.0.10", "10.0.0.9"} {
		b.WriteString("udp 17 30 src=" + src + " dst=198.51.100.1 sport=5000 dport=53 src=198.51.100.1 dst=" + src + " sport=53 dport=5000 mark=0 use=1\n")
	}
	ents, _, _ := ParseList(strings.NewReader(b.String()))
	v := View(ents, PortRange{})
	if v.Sources[0].Addr != "10.0.0.9" || v.Externals[0].Addr != "10.0.0.9:5000" {
		t.Errorf("%+v %+v", v.Sources, v.Externals)
	}
}

// TestViewsRecords checks the JSON Lines order: the summary, then each
// view's elements in the order the fields are declared.
func TestViewsRecords(t *testing.T) {
	v := Views{
		States:       []StateCount{{Proto: "tcp"}, {Proto: "udp"}},
		Sources:      []AddrCount{{Addr: "10.0.0.5"}},
		Externals:    []AddrCount{{Addr: "203.0.113.7:40000"}},
		Translations: []Translation{{Line: 3}},
		PortUsage:    []PortUsage{{Proto: "tcp"}},
	}
	got := v.Records("stdin", 7)
	want := []any{ListSummary{Type: "summary", Source: "stdin", Entries: 7}, v.States[0], v.States[1],
		v.Sources[0], v.Externals[0], v.Translations[0], v.PortUsage[0]}
	if len(got) != len(want) {
		t.Fatalf("Records() has %d records; want %d", len(got), len(want))
	}
	for i := range want {
		if g, w := fmt.Sprintf("%T %+v", got[i], got[i]), fmt.Sprintf("%T %+v", want[i], want[i]); g != w {
			t.Errorf("Records()[%d] = %s; want %s", i, g, w)
		}
	}
}

// Equal counts order by address, then port, as numbers: 10.0.0.9 before
// 10.0.0.10, port 5353 before 40000.
func TestCountsNumericOrder(t *testing.T) {
	got := counts("external", map[string]int{"10.0.0.10:1": 1, "10.0.0.9:40000": 1, "10.0.0.9:5353": 1, "10.0.0.1:9": 2})
	var addrs []string
	for _, c := range got {
		addrs = append(addrs, c.Addr)
	}
	want := []string{"10.0.0.1:9", "10.0.0.9:5353", "10.0.0.9:40000", "10.0.0.10:1"}
	if !slices.Equal(addrs, want) {
		t.Errorf("counts order %v, want %v", addrs, want)
	}
}
