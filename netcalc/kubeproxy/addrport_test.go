package kubeproxy

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseAddrPort(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		portRequired bool
		want         netip.AddrPort
		problem      AddrPortProblem // "" means accepted
		token        string
	}{
		{"ipv4 with port", "10.96.0.10:53", true, netip.MustParseAddrPort("10.96.0.10:53"), "", ""},
		{"ipv6 with port", "[2001:db8::a]:80", true, netip.MustParseAddrPort("[2001:db8::a]:80"), "", ""},
		{"bare ip, port optional", "10.244.1.7", false, netip.MustParseAddrPort("10.244.1.7:0"), "", ""},
		{"4-in-6 is unmapped", "[::ffff:10.0.0.1]:80", true, netip.MustParseAddrPort("10.0.0.1:80"), "", ""},
		{"bare ip, port required", "10.96.0.10", true, netip.AddrPort{}, AddrPortNoPort, ""},
		{"not an address", "nowhere", false, netip.AddrPort{}, AddrPortNotAddress, ""},
		{"host not an ip", "dns:53", true, netip.AddrPort{}, AddrPortNotIP, "dns"},
		{"zone refused", "[fe80::1%eth0]:80", true, netip.AddrPort{}, AddrPortNotIP, "fe80::1%eth0"},
		{"port zero", "10.0.0.1:0", true, netip.AddrPort{}, AddrPortPortRange, "0"},
		{"port too big", "10.0.0.1:65536", false, netip.AddrPort{}, AddrPortPortRange, "65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddrPort(tt.in, tt.portRequired)
			var ae *AddrPortError
			switch {
			case tt.problem == "" && (err != nil || got != tt.want):
				t.Errorf("ParseAddrPort(%q, %v) = %v, %v; want %v", tt.in, tt.portRequired, got, err, tt.want)
			case tt.problem != "" && (!errors.As(err, &ae) || ae.Problem != tt.problem || ae.Token != tt.token || ae.Input != tt.in):
				t.Errorf("ParseAddrPort(%q, %v) error = %#v; want %s with token %q", tt.in, tt.portRequired, err, tt.problem, tt.token)
			}
		})
	}
}
