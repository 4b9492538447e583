package nat

import (
	"errors"
	"testing"
)

func TestParsePacket(t *testing.T) {
	tests := []struct {
		name, in string
		dir      Direction
		want     string // FormatPacket of the result
		flags    TCPFlags
	}{
		{"tcp", "tcp 10.0.0.5:40000 -> 198.51.100.7:443", Outbound, "tcp 10.0.0.5:40000 -> 198.51.100.7:443", 0},
		{"short arrow and flags", "TCP 10.0.0.5:1 > 198.51.100.7:2 syn,ack", Inbound, "tcp 10.0.0.5:1 -> 198.51.100.7:2", SYN | ACK},
		{"flag list", "tcp 10.0.0.5:1 -> 198.51.100.7:2 fin ack", Outbound, "tcp 10.0.0.5:1 -> 198.51.100.7:2", FIN | ACK},
		{"udp ipv6", "udp [2001:db8::5]:53 -> [2001:db8:1::1]:53", Outbound, "udp [2001:db8::5]:53 -> [2001:db8:1::1]:53", 0},
		{"icmp out is a request", "icmp 10.0.0.5 -> 198.51.100.1 id=7", Outbound, "icmp 10.0.0.5 -> 198.51.100.1 id=7 request", 0},
		{"icmp in is a reply", "icmp 198.51.100.1 -> 203.0.113.7 id=7", Inbound, "icmp 198.51.100.1 -> 203.0.113.7 id=7 reply", 0},
		{"icmp explicit request inbound", "icmp 198.51.100.1 -> 203.0.113.7 request", Inbound, "icmp 198.51.100.1 -> 203.0.113.7 id=0 request", 0},
		{"icmpv6", "icmpv6 2001:db8::5 -> 2001:db8:1::1 id=1", Outbound, "icmpv6 2001:db8::5 -> 2001:db8:1::1 id=1 request", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f, err := ParsePacket(tt.in, tt.dir)
			if err != nil {
				t.Fatalf("ParsePacket(%q) error: %v", tt.in, err)
			}
			if got := FormatPacket(p); got != tt.want || f != tt.flags {
				t.Errorf("ParsePacket(%q) = %q flags %v; want %q flags %v", tt.in, got, f, tt.want, tt.flags)
			}
		})
	}
}

func TestParsePacketErrors(t *testing.T) {
	tests := []struct{ name, in, token string }{
		{"too short", "tcp 1.2.3.4:1 ->", "tcp 1.2.3.4:1 ->"},
		{"protocol", "gre 1.2.3.4:1 -> 1.2.3.5:2", "gre"},
		{"arrow", "tcp 1.2.3.4:1 to 1.2.3.5:2", "to"},
		{"no port", "tcp 1.2.3.4 -> 1.2.3.5:2", "1.2.3.4"},
		{"icmp port", "icmp 1.2.3.4:1 -> 1.2.3.5", "1.2.3.4:1"},
		{"families", "udp 1.2.3.4:1 -> [2001:db8::1]:2", "[2001:db8::1]:2"},
		{"icmp over v6", "icmp 2001:db8::1 -> 2001:db8::2", "icmp"},
		{"flag", "tcp 1.2.3.4:1 -> 1.2.3.5:2 psh", "psh"},
		{"udp trailing", "udp 1.2.3.4:1 -> 1.2.3.5:2 syn", "syn"},
		{"icmp id", "icmp 1.2.3.4 -> 1.2.3.5 id=70000", "id=70000"},
		{"zone", "udp [fe80::1%eth0]:1 -> [fe80::2]:2", "[fe80::1%eth0]:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParsePacket(tt.in, Outbound)
			var pe *PacketError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPacket) || pe.Token != tt.token {
				t.Errorf("ParsePacket(%q) = %v; want a PacketError on %q", tt.in, err, tt.token)
			}
		})
	}
}

// FuzzParsePacket checks that ParsePacket never panics and that what it
// accepts formats back to text it parses to the same packet.
func FuzzParsePacket(f *testing.F) {
	f.Add("tcp 10.0.0.5:40000 -> 198.51.100.7:443 syn,ack") // flags
	f.Add("udp [2001:db8::5]:53 > [2001:db8:1::1]:53")      // IPv6 and the short arrow
	f.Add("icmp 10.0.0.5 -> 198.51.100.1 id=7 reply")       // ICMP keywords
	f.Add("udp [::ffff:1.2.3.4]:1 -> [::ffff:1.2.3.5]:2")   // 4-in-6 addresses
	f.Add("tcp 0.0.0.0:0 -> 0.0.0.0:0 synack+rst")          // zero values, combined flags
	f.Fuzz(func(t *testing.T, s string) {
		for _, dir := range []Direction{Outbound, Inbound} {
			p, _, err := ParsePacket(s, dir)
			if err != nil {
				continue
			}
			back, _, err := ParsePacket(FormatPacket(p), dir)
			if err != nil || back != p {
				t.Fatalf("ParsePacket(%q) = %+v, formats as %q, parses back as %+v, %v", s, p, FormatPacket(p), back, err)
			}
		}
	})
}
