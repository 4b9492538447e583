package link

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

func u32(v uint32) []byte { return nl.Uint32Attr(v) }

// routeMsg builds an RTM_NEWROUTE message as the kernel sends it: an IPv6
// multipath route in table 100 with a preference, an expiry and metrics.
func routeMsg() []byte {
	h := nl.NewRtMsg()
	h.Family = unix.AF_INET6
	h.Dst_len = 48
	h.Table = unix.RT_TABLE_UNSPEC
	h.Protocol = unix.RTPROT_STATIC
	h.Scope = unix.RT_SCOPE_UNIVERSE
	h.Type = unix.RTN_UNICAST
	h.Flags = unix.RTNH_F_ONLINK
	b := h.Serialize()
	add := func(a *nl.RtAttr) { b = append(b, a.Serialize()...) }
	add(nl.NewRtAttr(unix.RTA_TABLE, u32(100)))
	add(nl.NewRtAttr(unix.RTA_DST, netip.MustParseAddr("2001:db8:3::").AsSlice()))
	add(nl.NewRtAttr(unix.RTA_PRIORITY, u32(1024)))
	add(nl.NewRtAttr(unix.RTA_PREF, []byte{1}))
	ci := make([]byte, 32)
	binary.NativeEndian.PutUint32(ci[8:], 30000) // expires: 300 s in USER_HZ ticks
	add(nl.NewRtAttr(unix.RTA_CACHEINFO, ci))
	mx := nl.NewRtAttr(unix.RTA_METRICS, nil)
	mx.AddRtAttr(unix.RTAX_LOCK, u32(1<<unix.RTAX_MTU))
	mx.AddRtAttr(unix.RTAX_MTU, u32(1400))
	mx.AddRtAttr(unix.RTAX_RTT, u32(160)) // 20ms, stored times 8
	mx.AddRtAttr(unix.RTAX_CC_ALGO, []byte("reno\x00"))
	add(mx)
	var mp []byte
	for i, gw := range []string{"2001:db8:1::fa", "2001:db8:1::fb"} {
		gwa := nl.NewRtAttr(unix.RTA_GATEWAY, netip.MustParseAddr(gw).AsSlice()).Serialize()
		nh := make([]byte, unix.SizeofRtNexthop)
		binary.NativeEndian.PutUint16(nh, uint16(unix.SizeofRtNexthop+len(gwa)))
		nh[3] = byte(2 * i) // hops: weight - 1
		binary.NativeEndian.PutUint32(nh[4:], 2)
		mp = append(mp, append(nh, gwa...)...)
	}
	add(nl.NewRtAttr(unix.RTA_MULTIPATH, mp))
	return b
}

func TestDecodeRoute(t *testing.T) {
	got, ok, err := decodeRoute(routeMsg(), 6)
	if err != nil || !ok {
		t.Fatalf("decodeRoute = %v, %v", ok, err)
	}
	gw := netip.MustParseAddr
	want := Route{Dst: netip.MustParsePrefix("2001:db8:3::/48"), Type: Unicast, Table: 100, Metric: 1024, Protocol: "static",
		Scope: "global", Pref: "high", Flags: []string{"onlink"}, Expires: 300 * time.Second,
		Metrics:  []Metric{{Name: "mtu", Value: 1400, Locked: true}, {Name: "rtt", Value: 20}, {Name: "congctl", Algo: "reno"}},
		Nexthops: []Nexthop{{Gateway: gw("2001:db8:1::fa"), Index: 2, Weight: 1}, {Gateway: gw("2001:db8:1::fb"), Index: 2, Weight: 3}}}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("decodeRoute mismatch (-want +got):\n%s", diff)
	}
	if _, ok, _ := decodeRoute(routeMsg(), 4); ok {
		t.Errorf("decodeRoute of an IPv6 route for family 4: ok; want skipped")
	}
	cloned := routeMsg()
	binary.NativeEndian.PutUint32(cloned[8:], unix.RTM_F_CLONED)
	if _, ok, _ := decodeRoute(cloned, 6); ok {
		t.Errorf("decodeRoute of a cloned route: ok; want skipped")
	}
}

// neighMsg builds an RTM_NEWNEIGH message: a STALE IPv6 router entry.
func neighMsg() []byte {
	b := make([]byte, 12)
	b[0] = unix.AF_INET6
	binary.NativeEndian.PutUint32(b[4:], 3)
	binary.NativeEndian.PutUint16(b[8:], unix.NUD_STALE)
	b[10] = unix.NTF_ROUTER
	add := func(a *nl.RtAttr) { b = append(b, a.Serialize()...) }
	add(nl.NewRtAttr(unix.NDA_DST, netip.MustParseAddr("2001:db8:1::fe").AsSlice()))
	add(nl.NewRtAttr(unix.NDA_LLADDR, []byte{2, 0, 0x5e, 0x10, 0, 0xfe}))
	ci := make([]byte, 16)
	binary.NativeEndian.PutUint32(ci, 6000)     // confirmed 60 s ago
	binary.NativeEndian.PutUint32(ci[4:], 150)  // used 1.5 s ago
	binary.NativeEndian.PutUint32(ci[8:], 1000) // updated 10 s ago
	binary.NativeEndian.PutUint32(ci[12:], 1)
	add(nl.NewRtAttr(unix.NDA_CACHEINFO, ci))
	add(nl.NewRtAttr(unix.NDA_PROBES, u32(2)))
	return b
}

func TestDecodeNeighbor(t *testing.T) {
	got, ok, err := decodeNeighbor(neighMsg(), 0)
	if err != nil || !ok {
		t.Fatalf("decodeNeighbor = %v, %v", ok, err)
	}
	want := Neighbor{Addr: netip.MustParseAddr("2001:db8:1::fe"), MAC: MustParseMAC("02:00:5e:10:00:fe"), HasMAC: true, Index: 3,
		State: "STALE", Router: true, Confirmed: 60 * time.Second, Used: 1500 * time.Millisecond, Updated: 10 * time.Second, Probes: 2, Refs: 1}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("decodeNeighbor mismatch (-want +got):\n%s", diff)
	}
	if _, ok, _ := decodeNeighbor(neighMsg(), 4); ok {
		t.Errorf("decodeNeighbor of an IPv6 entry for family 4: ok; want skipped")
	}
}

// FuzzDecode feeds the route, neighbour and rule decoders arbitrary
// bytes: a malformed message is an error, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add(routeMsg())
	f.Add(neighMsg())
	f.Add(routeMsg()[:20])                // cut inside an attribute
	f.Add([]byte{unix.AF_INET6, 0, 0, 0}) // shorter than any header
	// An attribute claiming more bytes than remain (found by this fuzz
	// target): nl.ParseRouteAttr panicked on it, parseAttrs refuses it.
	f.Add([]byte("000000000000\x14\x00000000000000000000\n\x0000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeRoute(b, 6)
		decodeRoute(b, 4)
		decodeNeighbor(b, 0)
		decodeRule(b)
	})
}
