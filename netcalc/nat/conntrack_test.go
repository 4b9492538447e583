package nat

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// Lines from the reference (real conntrack -L output) and netcalc's own.
var conntrackLines = []struct {
	name string
	line string
	want Conn
}{
	{
		name: "tcp established",
		line: "tcp      6 431999 ESTABLISHED src=10.0.13.67 dst=10.0.13.109 sport=63473 dport=22 src=10.0.13.109 dst=10.0.13.67 sport=22 dport=63473 [ASSURED] mark=0 use=1",
		want: Conn{
			Orig:    Tuple{Proto: packet.TCP, Src: netip.MustParseAddr("10.0.13.67"), Dst: netip.MustParseAddr("10.0.13.109"), SrcPort: 63473, DstPort: 22},
			Reply:   Tuple{Proto: packet.TCP, Src: netip.MustParseAddr("10.0.13.109"), Dst: netip.MustParseAddr("10.0.13.67"), SrcPort: 22, DstPort: 63473},
			State:   Established,
			Timeout: 431999,
			Assured: true,
		},
	},
	{
		name: "udp replied",
		line: "udp      17 29 src=192.168.0.42 dst=203.0.113.53 sport=51000 dport=53 src=203.0.113.53 dst=192.168.0.42 sport=53 dport=51000 mark=0 use=1",
		want: Conn{
			Orig:    Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("192.168.0.42"), Dst: netip.MustParseAddr("203.0.113.53"), SrcPort: 51000, DstPort: 53},
			Reply:   Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("203.0.113.53"), Dst: netip.MustParseAddr("192.168.0.42"), SrcPort: 53, DstPort: 51000},
			Timeout: 29,
		},
	},
	{
		name: "udp unreplied snat ipv6",
		line: "udp      17 30 src=2001:db8::5 dst=2001:db8:1::9 sport=5353 dport=53 [UNREPLIED] src=2001:db8:1::9 dst=2001:db8:ff::1 sport=53 dport=1024 mark=16384 use=2",
		want: Conn{
			Orig:      Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("2001:db8::5"), Dst: netip.MustParseAddr("2001:db8:1::9"), SrcPort: 5353, DstPort: 53},
			Reply:     Tuple{Proto: packet.UDP, Src: netip.MustParseAddr("2001:db8:1::9"), Dst: netip.MustParseAddr("2001:db8:ff::1"), SrcPort: 53, DstPort: 1024},
			Timeout:   30,
			Unreplied: true,
			Mark:      0x4000,
			Use:       2,
		},
	},
	{
		name: "icmp echo",
		line: "icmp     1 29 src=10.0.0.5 dst=198.51.100.1 type=8 code=0 id=7 src=198.51.100.1 dst=203.0.113.7 type=0 code=0 id=7 mark=0 use=1",
		want: Conn{
			Orig:    Tuple{Proto: packet.ICMP, Src: netip.MustParseAddr("10.0.0.5"), Dst: netip.MustParseAddr("198.51.100.1"), SrcPort: 7, Type: 8},
			Reply:   Tuple{Proto: packet.ICMP, Src: netip.MustParseAddr("198.51.100.1"), Dst: netip.MustParseAddr("203.0.113.7"), SrcPort: 7},
			Timeout: 29,
		},
	},
}

func TestConnString(t *testing.T) {
	for _, tt := range conntrackLines {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.want.String(); got != tt.line {
				t.Errorf("String() =\n%s\nwant\n%s", got, tt.line)
			}
		})
	}
}

func TestParseConn(t *testing.T) {
	for _, tt := range conntrackLines {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConn(tt.line)
			if err != nil {
				t.Fatalf("ParseConn(%q) error: %v", tt.line, err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("ParseConn(%q) mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestParseConnOlderFormat(t *testing.T) {
	// Line 3 of the reference: conntrack without mark= and use=.
	line := "udp      17 30 src=192.168.9.13 dst=192.168.9.12 sport=12345 dport=25000 [UNREPLIED] src=192.168.9.11 dst=192.168.9.12 sport=25000 dport=12345"
	c, err := ParseConn(line)
	if err != nil {
		t.Fatalf("ParseConn(%q) error: %v", line, err)
	}
	if got, want := c.Reply.Src, netip.MustParseAddr("192.168.9.11"); got != want || !c.Unreplied {
		t.Errorf("ParseConn(%q): reply src %v unreplied %v; want %v true", line, got, c.Unreplied, want)
	}
}

func TestParseConnErrors(t *testing.T) {
	tests := []struct {
		name, line, token string
	}{
		{"empty", "", ""},
		{"bad proto", "tpc 6 1 src=1.2.3.4 dst=1.2.3.4 src=1.2.3.4 dst=1.2.3.4", "tpc"},
		{"wrong number", "tcp 17 1 ESTABLISHED src=1.2.3.4 dst=1.2.3.4 src=1.2.3.4 dst=1.2.3.4", "17"},
		{"no state", "tcp 6 1 src=1.2.3.4 dst=1.2.3.4 src=1.2.3.4 dst=1.2.3.4", "src=1.2.3.4"},
		{"bad addr", "udp 17 1 src=1.2.3.400 dst=1.2.3.4 src=1.2.3.4 dst=1.2.3.4", "src=1.2.3.400"},
		{"mixed family", "udp 17 1 src=1.2.3.4 dst=::1 src=1.2.3.4 dst=1.2.3.4", "dst=::1"},
		{"bad port", "udp 17 1 src=1.2.3.4 dst=1.2.3.4 sport=70000 src=1.2.3.4 dst=1.2.3.4", "sport=70000"},
		{"one tuple", "udp 17 1 src=1.2.3.4 dst=1.2.3.4 sport=1 dport=2", "udp 17 1 src=1.2.3.4 dst=1.2.3.4 sport=1 dport=2"},
		{"bad flag", "udp 17 1 src=1.2.3.4 dst=1.2.3.4 [FOO] src=1.2.3.4 dst=1.2.3.4", "[FOO]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConn(tt.line)
			var ce *ConntrackError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConntrackSyntax) {
				t.Fatalf("ParseConn(%q) = %v; want a *ConntrackError", tt.line, err)
			}
			if ce.Token != tt.token {
				t.Errorf("ParseConn(%q) token = %q; want %q", tt.line, ce.Token, tt.token)
			}
		})
	}
}

// FuzzParseConn checks that ParseConn never panics and that what it
// accepts prints back to a line it parses to the same entry.
func FuzzParseConn(f *testing.F) {
	for _, tt := range conntrackLines {
		f.Add(tt.line) // every real format: tcp with state, udp, unreplied, icmp
	}
	f.Add("tcp 6 1 NONE src=:: dst=:: sport=0 dport=0 src=:: dst=:: sport=0 dport=0") // zero values, IPv6 unspecified
	f.Add("udp 17 1 src=1.2.3.4 dst=1.2.3.4 src=1.2.3.4 dst=1.2.3.4 src=1.2.3.4")     // a third tuple
	f.Add("icmp 1 1 src=1.2.3.4 dst=1.2.3.4 id=1 id=2 src=1.2.3.4 dst=1.2.3.4")       // repeated fields
	f.Add("udp 17 1 src=fe80::1%eth0 dst=fe80::2 src=::1 dst=::1")                    // zones are not printed by conntrack
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseConn(line)
		if err != nil {
			return
		}
		s := c.String()
		c2, err := ParseConn(s)
		if err != nil {
			t.Fatalf("ParseConn(%q) ok, but its String %q does not parse: %v", line, s, err)
		}
		if c2 != c {
			t.Fatalf("round trip of %q: %+v != %+v", line, c2, c)
		}
	})
}

func TestParseConnICMPPorts(t *testing.T) {
	line := "icmp 1 1 src=1.2.3.4 dst=1.2.3.4 sport=1 src=1.2.3.4 dst=1.2.3.4"
	if _, err := ParseConn(line); !errors.Is(err, ErrConntrackSyntax) {
		t.Errorf("ParseConn(%q) = %v; want ErrConntrackSyntax (ICMP has no ports)", line, err)
	}
}
