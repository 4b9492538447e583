package netcalc

import (
	"errors"
	"math/rand/v2"
	"net"
	"testing"
)

func TestULAHelpers(t *testing.T) {
	r1, r2 := rand.New(rand.NewPCG(1, 0)), rand.New(rand.NewPCG(1, 0))
	n1, e1 := ULAInputFrom(r1)
	n2, e2 := ULAInputFrom(r2)
	if n1 != n2 || e1 != e2 || n1 == 0 {
		t.Errorf("ULAInputFrom of one seed = %x %x and %x %x; want equal and drawn", n1, e1, n2, e2)
	}
	p := ULA(n1, e1)
	for _, bits := range []int{48, 56, 64} {
		s, err := ULASubnet(p, bits, r1)
		if err != nil || s.Bits() != bits || !p.Contains(s.Addr()) {
			t.Errorf("ULASubnet(%s, %d) = %s, %v; want a /%d inside", p, bits, s, err, bits)
		}
	}
	if _, err := ULASubnet(p, 65, r1); !errors.Is(err, ErrPrefixLength) {
		t.Errorf("ULASubnet(/65) error = %v; want ErrPrefixLength", err)
	}
	ifs := []net.Interface{{Name: "lo"}, {Name: "zero", HardwareAddr: make(net.HardwareAddr, 6)},
		{Name: "ib", HardwareAddr: make(net.HardwareAddr, 20)}, {Name: "eth0", HardwareAddr: net.HardwareAddr{0x52, 0x54, 0, 0x12, 0x34, 0x56}}}
	if got := FirstMAC(ifs); got.String() != "52:54:00:12:34:56" {
		t.Errorf("FirstMAC = %s; want eth0's", got)
	}
	if got := FirstMAC(ifs[:3]); got != nil {
		t.Errorf("FirstMAC without a usable MAC = %s; want nil", got)
	}
}
