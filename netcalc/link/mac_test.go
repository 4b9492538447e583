package link_test

import (
	"bytes"
	"encoding/json"
	"net"
	"testing"

	"github.com/netcalc/netcalc/netcalc/link"
)

func TestParseMAC(t *testing.T) {
	tests := []struct {
		name, in, want  string
		ok              bool
		kind, admin     string
		multicast, zero bool
	}{
		{"colons", "02:00:5e:10:00:01", "02:00:5e:10:00:01", true, "unicast", "local", false, false},
		{"dashes upper", "00-1B-21-0A-0B-0C", "00:1b:21:0a:0b:0c", true, "unicast", "universal", false, false},
		{"cisco dots", "0200.5e10.0001", "02:00:5e:10:00:01", true, "unicast", "local", false, false},
		{"broadcast", "ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff", true, "broadcast", "local", true, false},
		{"ipv4 multicast", "01:00:5e:00:00:fb", "01:00:5e:00:00:fb", true, "multicast", "universal", true, false},
		{"zero", "00:00:00:00:00:00", "00:00:00:00:00:00", true, "unicast", "universal", false, true},
		{"EUI-64 is too long", "02:00:5e:ff:fe:10:00:01", "", false, "", "", false, false},
		{"short", "02:00:5e:10:00", "", false, "", "", false, false},
		{"not hex", "02:00:5e:10:00:zz", "", false, "", "", false, false},
		{"empty", "", "", false, "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := link.ParseMAC(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseMAC(%q) error = %v; want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if got := m.String(); got != tt.want {
				t.Errorf("ParseMAC(%q) = %s; want %s", tt.in, got, tt.want)
			}
			if m.Kind() != tt.kind || m.Admin() != tt.admin || m.IsMulticast() != tt.multicast || m.IsZero() != tt.zero {
				t.Errorf("ParseMAC(%q): Kind %s Admin %s IsMulticast %v IsZero %v; want %s %s %v %v",
					tt.in, m.Kind(), m.Admin(), m.IsMulticast(), m.IsZero(), tt.kind, tt.admin, tt.multicast, tt.zero)
			}
			// Round trips: String -> Parse, MarshalText -> UnmarshalText, JSON.
			if back, err := link.ParseMAC(m.String()); err != nil || back != m {
				t.Errorf("ParseMAC(String()) = %v, %v; want %v", back, err, m)
			}
			txt, _ := m.MarshalText()
			var u link.MAC
			if err := u.UnmarshalText(txt); err != nil || u != m || string(txt) != m.String() {
				t.Errorf("UnmarshalText(MarshalText()) = %v, %v (text %q); want %v", u, err, txt, m)
			}
			js, _ := json.Marshal(m)
			var j link.MAC
			if err := json.Unmarshal(js, &j); err != nil || j != m {
				t.Errorf("JSON round trip of %v via %s = %v, %v", m, js, j, err)
			}
		})
	}
}

func TestMACFrom(t *testing.T) {
	if m, ok := link.MACFrom(net.HardwareAddr{2, 0, 0, 0, 0, 1}); !ok || m != link.MustParseMAC("02:00:00:00:00:01") {
		t.Errorf("MACFrom(6 bytes) = %v, %v", m, ok)
	}
	if _, ok := link.MACFrom(make(net.HardwareAddr, 20)); ok {
		t.Errorf("MACFrom(20 bytes) ok; want false")
	}
}

// FuzzParseMAC checks ParseMAC against net.ParseMAC (the oracle) and the
// String round trip.
func FuzzParseMAC(f *testing.F) {
	for _, s := range []string{
		"02:00:5e:10:00:01",       // plain
		"02-00-5E-10-00-01",       // dashes, upper case
		"0200.5e10.0001",          // Cisco dotted form
		"02:00:5e:ff:fe:10:00:01", // EUI-64: valid for net.ParseMAC, rejected here
		"02:00:5e:10:00:1",        // one short digit
		"02:00:5e:10:00:01:",      // trailing separator
		"02:00-5e:10:00:01",       // mixed separators
		"",                        // empty
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := link.ParseMAC(s)
		hw, herr := net.ParseMAC(s)
		wantOK := herr == nil && len(hw) == 6
		if (err == nil) != wantOK {
			t.Fatalf("ParseMAC(%q) error = %v; net.ParseMAC = %v, %v", s, err, hw, herr)
		}
		if err != nil {
			return
		}
		if !bytes.Equal(m[:], hw) {
			t.Fatalf("ParseMAC(%q) = %v; net.ParseMAC = %v", s, m, hw)
		}
		if m.String() != hw.String() {
			t.Fatalf("String() = %q; net.HardwareAddr.String() = %q", m, hw)
		}
		if back, err := link.ParseMAC(m.String()); err != nil || back != m {
			t.Fatalf("round trip of %q: %v, %v", s, back, err)
		}
	})
}
