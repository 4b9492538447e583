package kubeproxy

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// TestMasqueradeIsNATsChoice checks the adapter the trace's MASQUERADE
// step is to call: nat's source choice gives the port kube-proxy's rules
// give (preserved, or 1024 + the draw with --random-fully) and, for a
// privileged client port, the kernel's 1-511 class instead of 1024-65535.
func TestMasqueradeIsNATsChoice(t *testing.T) {
	node := netip.MustParseAddr("192.168.1.10")
	ep := netip.MustParseAddrPort("10.244.1.7:8080")
	pkt := func(src string) packet.Tuple {
		return packet.Tuple{Protocol: packet.TCP, Src: netip.MustParseAddrPort(src), Dst: netip.MustParseAddrPort("10.96.0.10:80")}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	if got := masquerade(node, pkt("10.0.0.5:40000"), ep, false, rng); got != netip.MustParseAddrPort("192.168.1.10:40000") {
		t.Errorf("without --random-fully: %v; want the port preserved", got)
	}
	a, b := rand.New(rand.NewPCG(3, 4)), rand.New(rand.NewPCG(3, 4))
	for range 200 {
		got := masquerade(node, pkt("10.0.0.5:40000"), ep, true, a)
		if want := uint16(1024 + b.IntN(65536-1024)); got.Port() != want || got.Addr() != node {
			t.Fatalf("--random-fully: %v; want %v:%d", got, node, want)
		}
	}
	for range 200 {
		if got := masquerade(node, pkt("10.0.0.5:80"), ep, true, a); got.Port() < 1 || got.Port() > 511 {
			t.Fatalf("--random-fully from port 80: %v; want a port in 1-511 (nf_nat_l4proto_unique_tuple)", got)
		}
	}
	if got := masquerade(netip.Addr{}, pkt("10.0.0.5:40000"), ep, false, rng); got.Addr().IsValid() || got.Port() != 40000 {
		t.Errorf("no node address: %v; want an invalid address with port 40000", got)
	}
}
