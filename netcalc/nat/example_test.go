package nat_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// A Linux masquerade keeps the source port when it can, and a second host
// using the same port toward the same server is moved to another port.
func ExampleTranslator_Process() {
	cfg, _ := nat.PresetLinux.Config()
	cfg.External, _ = nat.ParseRange("203.0.113.7")
	cfg.Seed = 1
	t, _ := nat.New(cfg)
	for _, s := range []string{
		"tcp 10.0.0.5:40000 -> 198.51.100.7:443",
		"tcp 10.0.0.6:40000 -> 198.51.100.7:443",
	} {
		p, _, _ := nat.ParsePacket(s, nat.Outbound)
		r, _ := t.Process(nat.Event{Dir: nat.Outbound, Packet: p})
		fmt.Printf("%s => %s (%s %s)\n", s, nat.FormatPacket(r.Out), r.Cause, r.Alloc)
	}
	for _, c := range t.Conns() {
		fmt.Println(c)
	}
	// Output:
	// tcp 10.0.0.5:40000 -> 198.51.100.7:443 => tcp 203.0.113.7:40000 -> 198.51.100.7:443 (source-nat preserved)
	// tcp 10.0.0.6:40000 -> 198.51.100.7:443 => tcp 203.0.113.7:8896 -> 198.51.100.7:443 (source-nat moved)
	// tcp      6 120 SYN_SENT src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 [UNREPLIED] src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 mark=0 use=1
	// tcp      6 120 SYN_SENT src=10.0.0.6 dst=198.51.100.7 sport=40000 dport=443 [UNREPLIED] src=198.51.100.7 dst=203.0.113.7 sport=443 dport=8896 mark=0 use=1
}

// Filtering decides who may use a mapping: a stranger gets through a full
// cone but not a port-restricted cone.
func ExamplePreset() {
	out, _, _ := nat.ParsePacket("udp 10.0.0.5:5000 -> 198.51.100.7:3478", nat.Outbound)
	in, _, _ := nat.ParsePacket("udp 198.51.100.99:4444 -> 203.0.113.7:5000", nat.Inbound)
	for _, p := range []nat.Preset{nat.PresetFullCone, nat.PresetRestrictedCone, nat.PresetPortRestrictedCone} {
		cfg, _ := p.Config()
		cfg.External, _ = nat.ParseRange("203.0.113.7")
		t, _ := nat.New(cfg)
		t.Process(nat.Event{Dir: nat.Outbound, Packet: out})
		r, _ := t.Process(nat.Event{At: 1e9, Dir: nat.Inbound, Packet: in})
		fmt.Printf("%-21s %s\n", p, strings.TrimSpace(string(r.Verdict)+" "+string(r.Reason)))
	}
	// Output:
	// full-cone             accept
	// restricted-cone       drop filtered
	// port-restricted-cone  drop filtered
}

// Conn prints an entry exactly as conntrack -L does.
func ExampleConn_String() {
	c := nat.Conn{
		Orig:    nat.Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("10.0.0.5"), Dst: netip.MustParseAddr("198.51.100.53"), SrcPort: 5353, DstPort: 53},
		Reply:   nat.Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("198.51.100.53"), Dst: netip.MustParseAddr("203.0.113.7"), SrcPort: 53, DstPort: 5353},
		Timeout: 29,
	}
	fmt.Println(c)
	// Output:
	// udp      17 29 src=10.0.0.5 dst=198.51.100.53 sport=5353 dport=53 src=198.51.100.53 dst=203.0.113.7 sport=53 dport=5353 mark=0 use=1
}

// ParseConn reads conntrack -L output back.
func ExampleParseConn() {
	c, err := nat.ParseConn("tcp      6 431999 ESTABLISHED src=10.0.13.67 dst=10.0.13.109 sport=63473 dport=22 src=10.0.13.109 dst=10.0.13.67 sport=22 dport=63473 [ASSURED] mark=0 use=1")
	fmt.Println(c.State, c.Timeout, c.Assured, c.Orig.SrcAddrPort(), err)
	// Output:
	// ESTABLISHED 431999 true 10.0.13.67:63473 <nil>
}
