package conntrack

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/packet"
)

func tup(p packet.Protocol, src, dst string) Tuple {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return Tuple{Proto: p, Src: s.Addr(), Dst: d.Addr(), SrcPort: s.Port(), DstPort: d.Port()}
}

// TestTrackTCP walks a connection through the handshake and close as
// nf_conntrack_proto_tcp.c does, with the timeout of each state.
func TestTrackTCP(t *testing.T) {
	to := LinuxTimeouts()
	steps := []struct {
		f       TCPFlags
		reply   bool
		state   TCPState
		assured bool
		timeout time.Duration
	}{
		{SYN, false, SynSent, false, 120 * time.Second},
		{SYN | ACK, true, SynRecv, false, 60 * time.Second},
		{ACK, false, Established, true, 432000 * time.Second},
		{FIN | ACK, false, FinWait, true, 120 * time.Second},
		{ACK, true, CloseWait, true, 60 * time.Second},
		{FIN | ACK, true, LastAck, true, 30 * time.Second},
		{ACK, false, TimeWait, true, 120 * time.Second},
		{RST, false, Close, true, 10 * time.Second},
	}
	var s TCPState
	var st Status
	for i, x := range steps {
		var d time.Duration
		s, st, d = Track(packet.TCP, s, st, x.f, x.reply, i == 0, 0, &to)
		if s != x.state || (st&Assured != 0) != x.assured || d != x.timeout {
			t.Fatalf("step %d (%v, reply %v): %v assured=%v %v; want %v assured=%v %v", i, x.f, x.reply, s, st&Assured != 0, d, x.state, x.assured, x.timeout)
		}
	}
	// A first packet without SYN is picked up mid-stream.
	if s, _, _ := Track(packet.TCP, None, 0, ACK, false, true, 0, &to); s != Established {
		t.Errorf("mid-stream ACK: %v; want ESTABLISHED", s)
	}
}

// TestTrackUDP: 30 s until a reply comes more than 2 s after the first
// packet, then 120 s and [ASSURED].
func TestTrackUDP(t *testing.T) {
	to := LinuxTimeouts()
	_, st, d := Track(packet.UDP, None, 0, 0, false, true, 0, &to)
	if st != 0 || d != 30*time.Second {
		t.Fatalf("first packet: status %v, %v; want 0, 30s", st, d)
	}
	_, st, d = Track(packet.UDP, None, st, 0, true, false, time.Second, &to)
	if st != SeenReply || d != 30*time.Second {
		t.Fatalf("reply after 1 s: status %v, %v; want SeenReply, 30s", st, d)
	}
	_, st, d = Track(packet.UDP, None, st, 0, false, false, 3*time.Second, &to)
	if st != SeenReply|Assured || d != 120*time.Second {
		t.Fatalf("packet after 3 s: status %v, %v; want SeenReply|Assured, 120s", st, d)
	}
}

// TestFirst checks the entry a first packet creates against
// `conntrack -L` lines: DNAT recorded as the reply source, masquerade as
// the reply destination.
func TestFirst(t *testing.T) {
	orig := tup(packet.TCP, "10.0.0.5:40000", "10.96.0.10:80")
	reply := tup(packet.TCP, "10.244.1.7:8080", "192.168.1.10:40000")
	got := First(orig, reply, 0, Timeouts{}).String()
	want := "tcp      6 120 SYN_SENT src=10.0.0.5 dst=10.96.0.10 sport=40000 dport=80 [UNREPLIED] src=10.244.1.7 dst=192.168.1.10 sport=8080 dport=40000 mark=0 use=1"
	if got != want {
		t.Errorf("TCP:\n got %s\nwant %s", got, want)
	}
	u := tup(packet.UDP, "192.168.9.13:12345", "192.168.9.12:25000")
	got = First(u, u.Reverse().WithSrc(netip.MustParseAddr("192.168.9.11"), 25000), 0, Timeouts{}).String()
	want = "udp      17 30 src=192.168.9.13 dst=192.168.9.12 sport=12345 dport=25000 [UNREPLIED] src=192.168.9.11 dst=192.168.9.13 sport=25000 dport=12345 mark=0 use=1"
	if got != want {
		t.Errorf("UDP:\n got %s\nwant %s", got, want)
	}
	sc := tup(packet.SCTP, "10.0.0.5:5000", "10.96.0.20:9000")
	if c := First(sc, sc.Reverse(), 0, Timeouts{}); c.Timeout != 3 || c.State != None {
		t.Errorf("SCTP INIT: timeout %d state %v; want 3 s (COOKIE_WAIT), no TCP state", c.Timeout, c.State)
	}
	if c := First(orig, orig.Reverse(), 0, Timeouts{TCPSynSent: time.Minute}); c.Timeout != 60 {
		t.Errorf("TCPSynSent 1m: timeout %d; want 60", c.Timeout)
	}
}

func TestTimeoutsDefaults(t *testing.T) {
	d := Timeouts{UDP: time.Minute}.WithDefaults()
	if d.UDP != time.Minute || d.TCPEstablished != 432000*time.Second || d.ICMP != 30*time.Second || d.SCTPCookieWait != 3*time.Second {
		t.Errorf("WithDefaults = %+v", d)
	}
}

// TestTable inserts entries, finds them by either tuple, walks a
// secondary index, lets them expire and checks that the slots are reused.
func TestTable(t *testing.T) {
	bySrc := func(e *Entry) uint64 { return Mix64(e.Orig.S1 ^ uint64(e.Orig.SrcPort())) }
	tb := NewTable(0, Timeouts{}, bySrc, nil)
	var keys []Key
	for i := range 1000 {
		o := tup(packet.UDP, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 5000).String(), "198.51.100.1:53")
		e := Entry{Orig: Pack(o), Reply: Pack(o.Reverse()), Start: tb.Now()}
		if i, _, _ := tb.Find(&e.Orig, e.Orig.Hash()); i != 0 {
			t.Fatalf("%v found before insertion", o)
		}
		tb.Update(tb.Insert(e), false, 0, true)
		keys = append(keys, e.Orig)
	}
	if tb.Len() != 1000 || len(tb.Conns()) != 1000 {
		t.Fatalf("Len %d, %d conns; want 1000", tb.Len(), len(tb.Conns()))
	}
	for _, k := range keys {
		i, reply, _ := tb.Find(&k, k.Hash())
		if i == 0 || reply || tb.At(i).Orig != k {
			t.Fatalf("original tuple %v: index %d reply %v", k.Tuple(), i, reply)
		}
		r := Pack(k.Tuple().Reverse())
		if j, reply, _ := tb.Find(&r, r.Hash()); j != i || !reply {
			t.Fatalf("reply tuple %v: index %d reply %v; want %d true", r.Tuple(), j, reply, i)
		}
		h, n := bySrc(tb.At(i)), 0
		for v := tb.Index(0, h); v != 0; v = tb.Next(0, v) {
			if SameTag(v, h) && tb.At(uint32(v)).Orig == k {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%v is %d times in its index chain; want once", k.Tuple(), n)
		}
	}
	if c := tb.Conns()[0]; c.Timeout != 30 || !c.Unreplied {
		t.Errorf("first entry %v; want 30 s [UNREPLIED]", c)
	}
	// 31 s later every entry is dead but still found as such.
	tb.SetNow(31 * time.Second)
	if i, _, dead := tb.Find(&keys[0], keys[0].Hash()); i != 0 || !dead || tb.Len() != 0 {
		t.Fatalf("after expiry: index %d dead %v Len %d; want 0 true 0", i, dead, tb.Len())
	}
	// New entries reuse the expired slots once the table sweeps.
	slots := tb.Slots()
	for i := range 1000 {
		o := tup(packet.TCP, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 6000).String(), "198.51.100.2:443")
		e := Entry{Orig: Pack(o), Reply: Pack(o.Reverse()), Start: tb.Now()}
		tb.Update(tb.Insert(e), false, 0, true)
	}
	if tb.Len() != 1000 || tb.Slots() >= 2*slots {
		t.Errorf("Len %d slots %d; want 1000 live in fewer than %d slots (the expired ones reused)", tb.Len(), tb.Slots(), 2*slots)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	for _, tu := range []Tuple{
		tup(packet.TCP, "10.0.0.5:40000", "198.51.100.7:443"),
		tup(packet.UDP, "[2001:db8::5]:53000", "[2001:db8:1::53]:53"),
		{Proto: packet.ICMP, Src: netip.MustParseAddr("10.0.0.5"), Dst: netip.MustParseAddr("198.51.100.1"), SrcPort: 7, Type: 8},
		{Proto: packet.ICMPv6, Src: netip.MustParseAddr("2001:db8::5"), Dst: netip.MustParseAddr("2001:db8:1::1"), SrcPort: 9, Type: 129, Code: 0},
	} {
		k := Pack(tu)
		if got := k.Tuple(); got != tu {
			t.Errorf("Pack(%v).Tuple() = %v", tu, got)
		}
		if r := k.Reverse(); r != Pack(tu.Reverse()) {
			t.Errorf("%v: Key.Reverse %v; want %v", tu, r.Tuple(), tu.Reverse())
		}
		if k.DstID() != tu.DstID() {
			t.Errorf("%v: DstID %d; want %d", tu, k.DstID(), tu.DstID())
		}
	}
}

func TestParseConnReference(t *testing.T) {
	// nf_conntrack reference lines (reference/nat.md §1.5)
	for _, line := range []string{
		"tcp      6 431999 ESTABLISHED src=10.0.13.67 dst=10.0.13.109 sport=63473 dport=22 src=10.0.13.109 dst=10.0.13.67 sport=22 dport=63473 [ASSURED] mark=0 use=1",
		"udp      17 29 src=192.168.0.42 dst=198.51.100.53 sport=51000 dport=53 src=198.51.100.53 dst=192.168.0.42 sport=53 dport=51000 mark=0 use=1",
	} {
		c, err := ParseConn(line)
		if err != nil || c.String() != line {
			t.Errorf("ParseConn(%q) = %v, %v", line, c, err)
		}
	}
	_, err := ParseConn("tcp 6 10 NOPE src=203.0.113.4")
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) || se.Token != "NOPE" {
		t.Errorf("bad state: %v; want a SyntaxError on NOPE", err)
	}
	if _, err := ParseTCPFlags("syn,urg"); !errors.Is(err, ErrFlags) {
		t.Errorf("ParseTCPFlags(syn,urg) = %v; want ErrFlags", err)
	}
}
