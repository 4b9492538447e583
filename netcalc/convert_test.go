package netcalc

import (
	"bufio"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pythonLines runs script with python3, feeding it in, and returns its
// output lines; it skips the test when python3 is missing.
func pythonLines(t *testing.T, script, in string) []string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: skipping the differential test against ipaddress")
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// randomAddr returns a random address of either family, a third of them
// next to the ends of the address space where wrapping bugs live.
func randomAddr(r *rand.Rand) netip.Addr {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	switch r.IntN(6) {
	case 0:
		for i := range b[:15] {
			b[i] = 0xff
		}
	case 1:
		for i := range b[:15] {
			b[i] = 0
		}
	}
	if r.IntN(2) == 0 {
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrFrom16(b)
}

func randomOffset(r *rand.Rand, a netip.Addr) *big.Int {
	n := new(big.Int)
	switch r.IntN(4) {
	case 0:
		n.SetInt64(int64(r.IntN(600)) - 300)
	case 1:
		n.Lsh(big.NewInt(1), uint(r.IntN(a.BitLen()+1)))
	default:
		n.SetUint64(r.Uint64())
		if a.Is6() {
			n.Lsh(n, uint(r.IntN(65)))
		} else {
			n.Rsh(n, 31)
		}
	}
	if r.IntN(2) == 0 {
		n.Neg(n)
	}
	return n
}

func TestIntegerFormsAgainstPython(t *testing.T) {
	const script = `
import ipaddress, sys
for line in sys.stdin:
    a = ipaddress.ip_address(line.strip())
    n = int(a)
    w = a.max_prefixlen
    b = format(n, '0%db' % w)
    g = 8 if w == 32 else 16
    dotted = ('.' if w == 32 else ':').join(b[i:i+g] for i in range(0, w, g))
    back = ipaddress.ip_address(n) if w == 32 else ipaddress.IPv6Address(n)
    print(n, '0x' + format(n, '0%dx' % (w // 4)), '0b' + b, dotted, back, sep='|')
`
	r := rand.New(rand.NewPCG(15, 1))
	var addrs []netip.Addr
	var in strings.Builder
	for i := 0; i < 3000; i++ {
		a := randomAddr(r)
		addrs = append(addrs, a)
		in.WriteString(a.String() + "\n")
	}
	lines := pythonLines(t, script, in.String())
	if len(lines) != len(addrs) {
		t.Fatalf("python printed %d lines for %d addresses", len(lines), len(addrs))
	}
	for i, a := range addrs {
		got := strings.Join([]string{AddrInt(a).String(), AddrHex(a), AddrBinary(a), AddrDottedBinary(a), a.String()}, "|")
		if got != lines[i] {
			t.Fatalf("forms of %v:\n  netcalc %s\n  python  %s", a, got, lines[i])
		}
		for _, form := range strings.Split(got, "|") {
			back, err := ParseAddrAny(form, a.Is6())
			if err != nil || back != a {
				t.Fatalf("ParseAddrAny(%q, %v) = %v, %v; want %v", form, a.Is6(), back, err, a)
			}
		}
	}
}

func TestParseAddrAny(t *testing.T) {
	tests := []struct {
		name string
		in   string
		six  bool
		want string
		err  error
	}{
		{"decimal IPv4", "3221225985", false, "192.0.2.1", nil},
		{"decimal zero", "0", false, "0.0.0.0", nil},
		{"decimal read as IPv6", "1", true, "::1", nil},
		{"decimal above 2^32 is IPv6", "4294967296", false, "::1:0:0", nil},
		{"hex upper case", "0XC0000201", false, "192.0.2.1", nil},
		{"hex IPv6", "0x20010db8000000000000000000000001", false, "2001:db8::1", nil},
		{"binary", "0b11000000000000000000001000000001", false, "192.0.2.1", nil},
		{"dotted binary", "11000000.00000000.00000010.00000001", false, "192.0.2.1", nil},
		{"address passes through", "2001:db8::1", false, "2001:db8::1", nil},
		{"largest IPv6", "340282366920938463463374607431768211455", false, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", nil},
		{"2^128 is too big", "340282366920938463463374607431768211456", false, "", ErrOutOfRange},
		{"leading zero", "0123", false, "", ErrLeadingZero},
		{"hex without digits", "0x", false, "", ErrSyntax},
		{"bad hex", "0xfg", false, "", ErrSyntax},
		{"word", "hello", false, "", ErrSyntax},
		{"bad octet keeps its message", "10.0.0.256", false, "", ErrOctetRange},
		{"empty", " ", false, "", ErrEmpty},
		{"dotted binary with a 2 is read as a dotted quad", "11000000.00000000.00000010.00000002", false, "", ErrOctetRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddrAny(tt.in, tt.six)
			if tt.err != nil {
				var pe *ParseError
				if !errors.Is(err, tt.err) || !errors.As(err, &pe) || pe.Input != tt.in {
					t.Fatalf("ParseAddrAny(%q) = %v, %v; want a *ParseError for the input wrapping %v", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ParseAddrAny(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestAddrFromIntRejects(t *testing.T) {
	for _, tt := range []struct {
		n    *big.Int
		ipv6 bool
	}{{big.NewInt(-1), false}, {big.NewInt(1 << 32), false}, {new(big.Int).Lsh(big.NewInt(1), 128), true}} {
		if a, err := AddrFromInt(tt.n, tt.ipv6); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("AddrFromInt(%v, %v) = %v, %v; want ErrOutOfRange", tt.n, tt.ipv6, a, err)
		}
	}
}

// TestNAT64RFC6052Table checks NAT64Embed and NAT64Extract against the
// table of RFC 6052 section 2.4 (and the well-known prefix of 2.1).
func TestNAT64RFC6052Table(t *testing.T) {
	tests := []struct{ prefix, v4, v6 string }{
		{"2001:db8::/32", "192.0.2.33", "2001:db8:c000:221::"},
		{"2001:db8:100::/40", "192.0.2.33", "2001:db8:1c0:2:21::"},
		{"2001:db8:122::/48", "192.0.2.33", "2001:db8:122:c000:2:2100::"},
		{"2001:db8:122:300::/56", "192.0.2.33", "2001:db8:122:3c0:0:221::"},
		{"2001:db8:122:344::/64", "192.0.2.33", "2001:db8:122:344:c0:2:2100::"},
		{"2001:db8:122:344::/96", "192.0.2.33", "2001:db8:122:344::192.0.2.33"},
		{"64:ff9b::/96", "192.0.2.33", "64:ff9b::192.0.2.33"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			p, v4, v6 := netip.MustParsePrefix(tt.prefix), netip.MustParseAddr(tt.v4), netip.MustParseAddr(tt.v6)
			if got, err := NAT64Embed(p, v4); err != nil || got != v6 {
				t.Errorf("NAT64Embed(%v, %v) = %v, %v; want %v", p, v4, got, err, v6)
			}
			if got, err := NAT64Extract(p, v6); err != nil || got != v4 {
				t.Errorf("NAT64Extract(%v, %v) = %v, %v; want %v", p, v6, got, err, v4)
			}
		})
	}
}

func TestNAT64Errors(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		addr   string
		err    error
	}{
		{"length 33", "2001:db8::/33", "2001:db8::1", ErrNAT64Prefix},
		{"IPv4 prefix", "192.0.2.0/24", "2001:db8::1", ErrNAT64Prefix},
		{"u octet set in a /96", "2001:db8:0:0:100::/96", "2001:db8::100:0:c000:221", ErrNAT64Prefix},
		{"outside", "64:ff9b::/96", "2001:db8::c000:221", ErrNotEmbedded},
		{"u octet set in the address", "2001:db8::/32", "2001:db8:c000:221:100::", ErrNotEmbedded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := NAT64Extract(netip.MustParsePrefix(tt.prefix), netip.MustParseAddr(tt.addr)); !errors.Is(err, tt.err) {
				t.Errorf("NAT64Extract(%s, %s) = %v, %v; want %v", tt.prefix, tt.addr, got, err, tt.err)
			}
		})
	}
}

// TestNAT64RoundTrip embeds random IPv4 addresses under random valid
// prefixes and extracts them back.
func TestNAT64RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(6052, 0))
	lengths := []int{32, 40, 48, 56, 64, 96}
	for i := 0; i < 5000; i++ {
		a6 := randomAddr(r)
		for !a6.Is6() {
			a6 = randomAddr(r)
		}
		b := a6.As16()
		b[8] = 0
		p := netip.PrefixFrom(netip.AddrFrom16(b), lengths[r.IntN(len(lengths))])
		v4 := netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
		e, err := NAT64Embed(p, v4)
		if err != nil {
			t.Fatalf("NAT64Embed(%v, %v): %v", p, v4, err)
		}
		if !p.Masked().Contains(e) {
			t.Fatalf("NAT64Embed(%v, %v) = %v, outside the prefix", p, v4, e)
		}
		if back, err := NAT64Extract(p, e); err != nil || back != v4 {
			t.Fatalf("NAT64Extract(%v, %v) = %v, %v; want %v", p, e, back, err, v4)
		}
	}
}

func TestSixToFourAndMappedAgainstPython(t *testing.T) {
	const script = `
import ipaddress, sys
for line in sys.stdin:
    a = ipaddress.ip_address(line.strip())
    if a.version == 4:
        n = int(a)
        print(ipaddress.IPv6Address((0xffff << 32) | n).exploded, ipaddress.IPv6Network(((0x2002 << 112) | (n << 80), 48)).exploded, sep='|')
    else:
        print(a.sixtofour or '', a.ipv4_mapped or '', sep='|')
`
	r := rand.New(rand.NewPCG(3056, 0))
	var addrs []netip.Addr
	var in strings.Builder
	for i := 0; i < 2000; i++ {
		a := randomAddr(r)
		if a.Is6() && i%3 == 0 { // make some real 6to4 and mapped ones
			b := a.As16()
			if i%2 == 0 {
				b[0], b[1] = 0x20, 0x02
			} else {
				b = netip.AddrFrom4([4]byte(b[12:])).As16()
			}
			a = netip.AddrFrom16(b)
		}
		addrs = append(addrs, a)
		in.WriteString(a.String() + "\n")
	}
	lines := pythonLines(t, script, in.String())
	for i, a := range addrs {
		var got string
		if a.Is4() {
			m, _ := IPv4Mapped(a)
			p, _ := SixToFourPrefix(a)
			got = m.StringExpanded() + "|" + p.Addr().StringExpanded() + "/48"
			if back, ok := SixToFourAddr(p.Addr()); !ok || back != a {
				t.Fatalf("SixToFourAddr(%v) = %v, %v; want %v", p.Addr(), back, ok, a)
			}
		} else {
			s, m := "", ""
			if v4, ok := SixToFourAddr(a); ok {
				s = v4.String()
			}
			if a.Is4In6() {
				m = a.Unmap().String()
			}
			got = s + "|" + m
		}
		if got != lines[i] {
			t.Fatalf("embeddings of %v:\n  netcalc %s\n  python  %s", a, got, lines[i])
		}
	}
}

// FuzzParseAddrAny checks that every accepted input round-trips through
// each printed form and that errors are *ParseError naming the input.
func FuzzParseAddrAny(f *testing.F) {
	for _, s := range []string{
		"3221225985",                          // decimal IPv4
		"4294967295",                          // the largest IPv4 integer
		"4294967296",                          // the smallest integer read as IPv6
		"0x",                                  // prefix without digits
		"0b102",                               // a non-binary digit
		"00",                                  // a leading zero
		"11111111.11111111.11111111.11111111", // dotted binary, all ones
		"1111111.111111111.11111111.11111111", // dotted binary with a group of the wrong width
		"::ffff:1.2.3.4",                      // IPv4-mapped passes through as IPv6
		"340282366920938463463374607431768211456", // 2^128, one too many
		"-1", // a negative number
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, six bool) {
		a, err := ParseAddrAny(s, six)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Input != s {
				t.Fatalf("ParseAddrAny(%q) error %v is not a *ParseError for the input", s, err)
			}
			return
		}
		for _, form := range []string{AddrInt(a).String(), AddrHex(a), AddrBinary(a), AddrDottedBinary(a)} {
			back, err := ParseAddrAny(form, a.Is6())
			if err != nil || back != a.WithZone("") {
				t.Fatalf("ParseAddrAny(%q) = %v; its form %q reads back as %v, %v", s, a, form, back, err)
			}
		}
	})
}

func TestInterfaceIDRFC4291AppendixA(t *testing.T) {
	// Appendix A: cccccc0g cccccccc cccccccc mmmmmmmm mmmmmmmm mmmmmmmm
	// becomes cccccc1g cccccccc cccccccc 11111111 11111110 mmmmmmmm ...
	tests := []struct{ mac, id string }{
		{"00:00:00:00:00:00", "02:00:00:ff:fe:00:00:00"},
		{"02:00:00:00:00:00", "00:00:00:ff:fe:00:00:00"}, // a local MAC gets the bit cleared
		{"34:56:78:9a:bc:de", "36:56:78:ff:fe:9a:bc:de"},
		{"fd:ff:ff:ff:ff:ff", "ff:ff:ff:ff:fe:ff:ff:ff"},
		{"00:11:22:33:44:55:66:77", "02:11:22:33:44:55:66:77"}, // an EUI-64 keeps its bytes
	}
	for _, tt := range tests {
		t.Run(tt.mac, func(t *testing.T) {
			mac, err := ParseMAC(tt.mac)
			if err != nil {
				t.Fatal(err)
			}
			id, err := InterfaceID(mac)
			if got := net.HardwareAddr(id[:]).String(); err != nil || got != tt.id {
				t.Fatalf("InterfaceID(%s) = %s, %v; want %s", tt.mac, got, err, tt.id)
			}
		})
	}
}

func TestSLAACAndBack(t *testing.T) {
	tests := []struct {
		name, prefix, mac, want string
	}{
		{"RFC 4291 style", "2001:db8:1:2::/64", "00:1a:2b:3c:4d:5e", "2001:db8:1:2:21a:2bff:fe3c:4d5e"},
		{"host bits ignored", "2001:db8:1:2::99/64", "0011.2233.4455", "2001:db8:1:2:211:22ff:fe33:4455"},
		{"bare hex MAC", "2001:db8::/64", "001122334455", "2001:db8::211:22ff:fe33:4455"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mac, err := ParseMAC(tt.mac)
			if err != nil {
				t.Fatal(err)
			}
			got, err := SLAAC(netip.MustParsePrefix(tt.prefix), mac)
			if err != nil || got.String() != tt.want {
				t.Fatalf("SLAAC(%s, %s) = %v, %v; want %s", tt.prefix, tt.mac, got, err, tt.want)
			}
			back, err := MACFromEUI64(got)
			if err != nil || back.String() != mac.String() {
				t.Fatalf("MACFromEUI64(%v) = %v, %v; want %v", got, back, err, mac)
			}
		})
	}
	ll, err := LinkLocal(net.HardwareAddr{0x52, 0x54, 0, 0x12, 0x34, 0x56})
	if err != nil || ll.String() != "fe80::5054:ff:fe12:3456" {
		t.Errorf("LinkLocal(52:54:00:12:34:56) = %v, %v; want fe80::5054:ff:fe12:3456", ll, err)
	}
	if _, err := SLAAC(netip.MustParsePrefix("2001:db8::/48"), net.HardwareAddr{1, 2, 3, 4, 5, 6}); !errors.Is(err, ErrPrefixLength) {
		t.Errorf("SLAAC of a /48: %v; want ErrPrefixLength", err)
	}
	for _, a := range []string{"2001:db8::1", "192.0.2.1", "::ffff:192.0.2.1"} {
		if m, err := MACFromEUI64(netip.MustParseAddr(a)); !errors.Is(err, ErrNotEUI64) {
			t.Errorf("MACFromEUI64(%s) = %v, %v; want ErrNotEUI64", a, m, err)
		}
	}
	for _, s := range []string{"00:11:22:33:44", "00:11:22:33:44:55:66:77:88:99", "zz:11:22:33:44:55", "0011223344"} {
		var pe *ParseError
		if m, err := ParseMAC(s); !errors.Is(err, ErrMAC) || !errors.As(err, &pe) || pe.Input != s {
			t.Errorf("ParseMAC(%q) = %v, %v; want a *ParseError wrapping ErrMAC", s, m, err)
		}
	}
}

func FuzzParseMAC(f *testing.F) {
	for _, s := range []string{
		"00:11:22:33:44:55",       // colon form
		"00-11-22-33-44-55",       // dash form
		"0011.2233.4455",          // Cisco dot form
		"001122334455",            // bare hex
		"0011223344556677",        // bare hex EUI-64
		"00:00:5e:00:53:01:02:03", // EUI-64
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33", // 20-byte InfiniBand, refused
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mac, err := ParseMAC(s)
		if err != nil {
			return
		}
		back, err := ParseMAC(mac.String())
		if err != nil || back.String() != mac.String() {
			t.Fatalf("ParseMAC(%q) = %v; String reads back as %v, %v", s, mac, back, err)
		}
		if len(mac) == 6 {
			a, err := LinkLocal(mac)
			if err != nil {
				t.Fatal(err)
			}
			if m, err := MACFromEUI64(a); err != nil || m.String() != mac.String() {
				t.Fatalf("MACFromEUI64(LinkLocal(%v)) = %v, %v", mac, m, err)
			}
		}
	})
}

// TestULAAgainstPython recomputes RFC 4193 section 3.2.2 with Python's
// hashlib: SHA-1 of the 64-bit NTP time then the EUI-64, the low 40 bits
// after fd.
func TestULAAgainstPython(t *testing.T) {
	const script = `
import hashlib, ipaddress, sys
for line in sys.stdin:
    ntp, eui = line.split()
    key = int(ntp).to_bytes(8, 'big') + bytes.fromhex(eui)
    gid = int.from_bytes(hashlib.sha1(key).digest(), 'big') & ((1 << 40) - 1)
    print(ipaddress.IPv6Network(((0xfd << 120) | (gid << 80), 48)))
`
	r := rand.New(rand.NewPCG(4193, 0))
	type in struct {
		ntp uint64
		eui [8]byte
	}
	var ins []in
	var sb strings.Builder
	for i := 0; i < 500; i++ {
		x := in{ntp: r.Uint64()}
		binary.BigEndian.PutUint64(x.eui[:], r.Uint64())
		ins = append(ins, x)
		fmt.Fprintf(&sb, "%d %x\n", x.ntp, x.eui)
	}
	lines := pythonLines(t, script, sb.String())
	for i, x := range ins {
		if got := ULA(x.ntp, x.eui).String(); got != lines[i] {
			t.Fatalf("ULA(%d, %x) = %s; python %s", x.ntp, x.eui, got, lines[i])
		}
	}
}

func TestULAStructure(t *testing.T) {
	eui := [8]byte{0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}
	ntp := NTPTime(time.Date(2026, 12, 4, 12, 0, 0, 500_000_000, time.UTC))
	if ntp>>32 != uint64(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC).Unix()+2208988800) || uint32(ntp) != 1<<31 {
		t.Fatalf("NTPTime = %#x; want the seconds since 1900 and a half-second fraction 0x80000000", ntp)
	}
	p := ULA(ntp, eui)
	var key [16]byte
	binary.BigEndian.PutUint64(key[:8], ntp)
	copy(key[8:], eui[:])
	sum := sha1.Sum(key[:])
	b := p.Addr().As16()
	if p.Bits() != 48 || b[0] != 0xfd || string(b[1:6]) != string(sum[15:]) || string(b[6:]) != string(make([]byte, 10)) {
		t.Fatalf("ULA = %v; want fd + the last 40 bits of %x, /48", p, sum)
	}
}

func TestRandomPrivate(t *testing.T) {
	r := rand.New(rand.NewPCG(1918, 0))
	private := SetOfPrefixes(PrivateBlocks()...)
	avoid := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/9"), netip.MustParsePrefix("192.168.0.0/17"), netip.MustParsePrefix("2001:db8::/32")}
	seen := map[netip.Prefix]bool{}
	for i := 0; i < 2000; i++ {
		bits := 8 + r.IntN(25)
		p, err := RandomPrivate(r, bits, avoid)
		if bits == 8 {
			if !errors.Is(err, ErrNoRoom) {
				t.Fatalf("RandomPrivate(/8) avoiding 10.0.0.0/9 = %v, %v; want ErrNoRoom", p, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("RandomPrivate(/%d): %v", bits, err)
		}
		if p.Bits() != bits || p != p.Masked() || !private.ContainsPrefix(p) {
			t.Fatalf("RandomPrivate(/%d) = %v: not a private /%d network", bits, p, bits)
		}
		for _, a := range avoid {
			if a.Overlaps(p) {
				t.Fatalf("RandomPrivate(/%d) = %v overlaps %v", bits, p, a)
			}
		}
		if bits == 24 {
			seen[p] = true
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct /24s in many draws: not random", len(seen))
	}
	// the only free /24 is the one left
	full := PrivateBlocks()
	rest := SetOfPrefixes(full...).Subtract(SetOfPrefixes(netip.MustParsePrefix("172.20.5.0/24"))).Prefixes()
	if p, err := RandomPrivate(r, 24, rest); err != nil || p.String() != "172.20.5.0/24" {
		t.Errorf("RandomPrivate with one /24 left = %v, %v; want 172.20.5.0/24", p, err)
	}
	for _, bits := range []int{7, 33} {
		if _, err := RandomPrivate(r, bits, nil); !errors.Is(err, ErrPrefixLength) {
			t.Errorf("RandomPrivate(/%d): %v; want ErrPrefixLength", bits, err)
		}
	}
}

func TestConvertForms(t *testing.T) {
	wk := NAT64WellKnown()
	tests := []struct {
		in       string
		nat64    netip.Prefix
		version  int
		embedded string // "kind address" or ""
		nat      string
	}{
		{"192.0.2.1", wk, 4, "", "64:ff9b::c000:201"},
		{"192.0.2.1", MustParsePrefix("2001:db8:100::/40"), 4, "", "2001:db8:1c0:2:1::"},
		{"::ffff:10.0.0.1", wk, 6, "ipv4-mapped 10.0.0.1", ""},
		{"64:ff9b::c000:221", wk, 6, "nat64 192.0.2.33", ""},
		{"2001:db8:1c0:2:21::", MustParsePrefix("2001:db8:100::/40"), 6, "nat64 192.0.2.33", ""},
		{"2002:c000:201::1", wk, 6, "6to4 192.0.2.1", ""},
		{"2001:db8::1", wk, 6, "", ""},
	}
	for _, tt := range tests {
		f := Convert(netip.MustParseAddr(tt.in), tt.nat64)
		emb := ""
		if f.Embedded != nil {
			emb = f.Embedded.Kind + " " + f.Embedded.Address.String()
		}
		nat := ""
		if f.NAT64.IsValid() {
			nat = f.NAT64.String()
		}
		if f.Version != tt.version || emb != tt.embedded || nat != tt.nat || f.Decimal != AddrInt(f.Address).String() {
			t.Errorf("Convert(%s, %s) = version %d, embedded %q, nat64 %q; want %d, %q, %q", tt.in, tt.nat64, f.Version, emb, nat, tt.version, tt.embedded, tt.nat)
		}
	}
}
