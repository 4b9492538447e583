package netcalc

import "testing"

func TestInterfaceIDString(t *testing.T) {
	for mac, want := range map[string]string{"52:54:00:12:34:56": "5054:ff:fe12:3456", "02:00:00:00:00:01": "0:ff:fe00:1"} {
		m, _ := ParseMAC(mac)
		id, _ := InterfaceID(m)
		if got := InterfaceIDString(id); got != want {
			t.Errorf("InterfaceIDString(InterfaceID(%s)) = %s; want %s", mac, got, want)
		}
	}
}
