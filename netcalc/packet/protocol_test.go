package packet

import (
	"encoding/json"
	"net/netip"
	"testing"
)

func TestProtocolText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Protocol
		text string
	}{
		{"tcp", TCP, "tcp"}, {"TCP", TCP, "tcp"}, {"udp", UDP, "udp"}, {"icmp", ICMP, "icmp"},
		{"icmpv6", ICMPv6, "icmpv6"}, {"ipv6-icmp", ICMPv6, "icmpv6"}, {"58", ICMPv6, "icmpv6"},
		{"sctp", SCTP, "sctp"}, {"udplite", UDPLite, "udplite"}, {"dccp", DCCP, "dccp"}, {"47", 47, "47"},
	} {
		p, err := ParseProtocol(tt.in)
		if err != nil || p != tt.want {
			t.Errorf("ParseProtocol(%q) = %v, %v; want %v", tt.in, p, err, tt.want)
			continue
		}
		b, _ := p.MarshalText()
		if string(b) != tt.text {
			t.Errorf("%v.MarshalText() = %q; want %q", p, b, tt.text)
		}
		var back Protocol
		if err := back.UnmarshalText(b); err != nil || back != p {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, p)
		}
	}
	for _, bad := range []string{"", "0", "256", "tcpx", "-1"} {
		if p, err := ParseProtocol(bad); err == nil {
			t.Errorf("ParseProtocol(%q) = %v; want an error", bad, p)
		}
	}
	if Protocol(47).String() != "unknown" {
		t.Errorf("Protocol(47).String() = %q; want unknown", Protocol(47).String())
	}
}

func TestTupleJSON(t *testing.T) {
	tu := Tuple{Protocol: TCP, Src: netip.MustParseAddrPort("10.0.0.5:40000"), Dst: netip.MustParseAddrPort("198.51.100.7:443")}
	b, err := json.Marshal(tu)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"protocol":"tcp","src":"10.0.0.5:40000","dst":"198.51.100.7:443"}`; string(b) != want {
		t.Errorf("json = %s; want %s", b, want)
	}
	if s := tu.String(); s != "tcp 10.0.0.5:40000 -> 198.51.100.7:443" {
		t.Errorf("String() = %q", s)
	}
	ic := Tuple{Protocol: ICMP, Src: netip.MustParseAddrPort("10.0.0.5:7"), Dst: netip.MustParseAddrPort("198.51.100.7:0")}
	if s := ic.String(); s != "icmp 10.0.0.5 -> 198.51.100.7 id 7" {
		t.Errorf("String() = %q", s)
	}
}
