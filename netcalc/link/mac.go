package link

import (
	"net"

	"github.com/netcalc/netcalc/netcalc/fib"
)

// MAC is a 6-byte IEEE 802 (Ethernet) hardware address, a comparable value
// (see fib.MAC). The zero MAC is 00:00:00:00:00:00, which is what the
// kernel reports for loopback and for links without a hardware address.
type MAC = fib.MAC

// ParseMAC parses s as a 6-byte hardware address in any form net.ParseMAC
// accepts for 6 bytes: "02:00:5e:10:00:01", "02-00-5E-10-00-01" or
// "0200.5e10.0001". Longer addresses (EUI-64, InfiniBand) are rejected.
func ParseMAC(s string) (MAC, error) { return fib.ParseMAC(s) }

// MustParseMAC is ParseMAC that panics on error; for tests and literals.
func MustParseMAC(s string) MAC { return fib.MustParseMAC(s) }

// MACFrom returns hw as a MAC and true when hw has exactly 6 bytes, else
// the zero MAC and false. It does not allocate.
func MACFrom(hw net.HardwareAddr) (MAC, bool) { return fib.MACFrom(hw) }
