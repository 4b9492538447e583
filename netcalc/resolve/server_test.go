package resolve

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		name, in string
		want     netip.AddrPort
		wantMsg  string // the *ServerError's Msg; "" for success
	}{
		{name: "IPv4, default port", in: "127.0.0.1", want: netip.MustParseAddrPort("127.0.0.1:53")},
		{name: "IPv4 and port", in: "127.0.0.1:5300", want: netip.MustParseAddrPort("127.0.0.1:5300")},
		{name: "bare IPv6", in: "::1", want: netip.MustParseAddrPort("[::1]:53")},
		{name: "bracketed IPv6 without port", in: "[2001:db8::1]", want: netip.MustParseAddrPort("[2001:db8::1]:53")},
		{name: "bracketed IPv6 with zone and port", in: "[fe80::1%eth0]:5300", want: netip.AddrPortFrom(netip.MustParseAddr("fe80::1%eth0"), 5300)},
		{name: "no closing bracket", in: "[::1", wantMsg: "no closing ], want [IPv6]:PORT"},
		{name: "junk after bracket", in: "[::1]x", wantMsg: `"x" after ], want :PORT`},
		{name: "host name", in: "dns.example.test", wantMsg: "not an IP address, want IP, IP:PORT or [IPv6]:PORT (a name cannot be resolved before the resolver exists)"},
		{name: "port not a number", in: "127.0.0.1:dns", wantMsg: `port "dns" is not a number, want 1-65535`},
		{name: "empty port", in: "127.0.0.1:", wantMsg: `port "" is not a number, want 1-65535`},
		{name: "port out of range", in: "127.0.0.1:65536", wantMsg: "port 65536 is out of range, want 1-65535"},
		{name: "port 0", in: "[::1]:0", wantMsg: "port 0 is not a DNS port, want 1-65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseServer(tt.in)
			var se *ServerError
			switch {
			case tt.wantMsg == "" && (err != nil || got != tt.want):
				t.Errorf("ParseServer(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			case tt.wantMsg != "" && (!errors.As(err, &se) || se.Msg != tt.wantMsg || se.Input != tt.in):
				t.Errorf("ParseServer(%q) error = %#v; want a *ServerError with Msg %q", tt.in, err, tt.wantMsg)
			}
		})
	}
}
