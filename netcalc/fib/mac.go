package fib

import (
	"fmt"
	"net"
)

// MAC is a 6-byte IEEE 802 (Ethernet) hardware address. It is a comparable
// value. The zero MAC is 00:00:00:00:00:00, which is what the kernel reports
// for loopback and for links without a hardware address; IsZero reports it.
type MAC [6]byte

// ParseMAC parses s as a 6-byte hardware address in any form net.ParseMAC
// accepts for 6 bytes: "02:00:5e:10:00:01", "02-00-5E-10-00-01" or
// "0200.5e10.0001". Longer addresses (EUI-64, InfiniBand) are rejected.
func ParseMAC(s string) (MAC, error) {
	hw, err := net.ParseMAC(s)
	if err != nil {
		return MAC{}, fmt.Errorf("fib: %q is not a MAC address, want six hex bytes like 02:00:5e:10:00:01", s)
	}
	if len(hw) != 6 {
		return MAC{}, fmt.Errorf("fib: %q is a %d-byte hardware address, want a 6-byte Ethernet MAC", s, len(hw))
	}
	return MAC(hw), nil
}

// MustParseMAC is ParseMAC that panics on error; for tests and literals.
func MustParseMAC(s string) MAC {
	m, err := ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

// MACFrom returns hw as a MAC and true when hw has exactly 6 bytes, else
// the zero MAC and false. It does not allocate.
func MACFrom(hw net.HardwareAddr) (MAC, bool) {
	if len(hw) != 6 {
		return MAC{}, false
	}
	return MAC(hw), true
}

// String returns m as six lower-case hex bytes separated by colons, as
// `ip link` prints it.
func (m MAC) String() string { return string(m.AppendTo(nil)) }

// AppendTo appends the String form of m to b.
func (m MAC) AppendTo(b []byte) []byte {
	const hex = "0123456789abcdef"
	for i, c := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[c>>4], hex[c&0xf])
	}
	return b
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (m MAC) MarshalText() ([]byte, error) { return m.AppendTo(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseMAC; empty
// text gives the zero MAC.
func (m *MAC) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*m = MAC{}
		return nil
	}
	v, err := ParseMAC(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// HardwareAddr returns m as a new net.HardwareAddr.
func (m MAC) HardwareAddr() net.HardwareAddr { return append(net.HardwareAddr(nil), m[:]...) }

// IsZero reports whether m is 00:00:00:00:00:00.
func (m MAC) IsZero() bool { return m == MAC{} }

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func (m MAC) IsBroadcast() bool { return m == MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff} }

// IsMulticast reports whether the I/G bit (least significant bit of the
// first byte) is set: a group address, broadcast included. Otherwise m is
// an individual (unicast) address.
func (m MAC) IsMulticast() bool { return m[0]&0x01 != 0 }

// IsLocal reports whether the U/L bit (second least significant bit of the
// first byte) is set: the address was assigned locally (by software, as for
// veth, bridges and most virtual machines) rather than being universally
// administered by an IEEE OUI holder.
func (m MAC) IsLocal() bool { return m[0]&0x02 != 0 }

// Kind returns "broadcast", "multicast" or "unicast".
func (m MAC) Kind() string {
	switch {
	case m.IsBroadcast():
		return "broadcast"
	case m.IsMulticast():
		return "multicast"
	}
	return "unicast"
}

// Admin returns "local" for a locally administered address, else
// "universal".
func (m MAC) Admin() string {
	if m.IsLocal() {
		return "local"
	}
	return "universal"
}
