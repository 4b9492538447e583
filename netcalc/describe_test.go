package netcalc

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDescribeHostRules(t *testing.T) {
	tests := []struct {
		name, in                      string
		network, broadcast            string // "" = none
		first, last, addrs, usable    string
		netmask, wildcard, class, ptr string
	}{
		{"classic /24", "192.168.1.10/24", "192.168.1.0/24", "192.168.1.255", "192.168.1.1", "192.168.1.254", "256", "254", "255.255.255.0", "0.0.0.255", "C", "10.1.168.192.in-addr.arpa."},
		{"/30", "10.0.0.5/30", "10.0.0.4/30", "10.0.0.7", "10.0.0.5", "10.0.0.6", "4", "2", "255.255.255.252", "0.0.0.3", "A", "5.0.0.10.in-addr.arpa."},
		{"/31 RFC 3021", "10.0.0.1/31", "10.0.0.0/31", "", "10.0.0.0", "10.0.0.1", "2", "2", "255.255.255.254", "0.0.0.1", "A", "1.0.0.10.in-addr.arpa."},
		{"/32", "172.16.0.1/32", "172.16.0.1/32", "", "172.16.0.1", "172.16.0.1", "1", "1", "255.255.255.255", "0.0.0.0", "B", "1.0.16.172.in-addr.arpa."},
		{"/0", "11.22.33.44/0", "0.0.0.0/0", "255.255.255.255", "0.0.0.1", "255.255.255.254", "4294967296", "4294967294", "0.0.0.0", "255.255.255.255", "A", "44.33.22.11.in-addr.arpa."},
		{"class D", "224.0.0.1/4", "224.0.0.0/4", "239.255.255.255", "224.0.0.1", "239.255.255.254", "268435456", "268435454", "240.0.0.0", "15.255.255.255", "D", "1.0.0.224.in-addr.arpa."},
		{"class E", "250.1.1.1/8", "250.0.0.0/8", "250.255.255.255", "250.0.0.1", "250.255.255.254", "16777216", "16777214", "255.0.0.0", "0.255.255.255", "E", "1.1.1.250.in-addr.arpa."},
		{"v6 /64", "2001:db8::1/64", "2001:db8::/64", "", "2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff", "18446744073709551616", "18446744073709551615", "ffff:ffff:ffff:ffff::", "::ffff:ffff:ffff:ffff", "", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"v6 /126", "2001:db8::2/126", "2001:db8::/126", "", "2001:db8::1", "2001:db8::3", "4", "3", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc", "::3", "", "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"v6 /127 RFC 6164", "2001:db8::1/127", "2001:db8::/127", "", "2001:db8::", "2001:db8::1", "2", "2", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "::1", "", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"v6 /128", "::1/128", "::1/128", "", "::1", "::1", "1", "1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", "", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."},
		{"v6 /0", "::/0", "::/0", "", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "340282366920938463463374607431768211456", "340282366920938463463374607431768211455", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := ParseSpec(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			in := DescribeSpec(sp)
			got := []string{in.Network.String(), addrOrEmpty(in.Broadcast), in.FirstHost.String(), in.LastHost.String(),
				in.Addresses.String(), in.UsableHosts.String(), in.Netmask.String(), in.Wildcard.String(), in.Class, in.PTR}
			want := []string{tt.network, tt.broadcast, tt.first, tt.last, tt.addrs, tt.usable, tt.netmask, tt.wildcard, tt.class, tt.ptr}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Describe(%s) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if in.Address != sp.Addr() {
				t.Errorf("Describe(%s).Address = %v; want the input address kept", tt.in, in.Address)
			}
		})
	}
}

func addrOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func TestClassify(t *testing.T) {
	tests := []struct {
		addr   string
		names  []string // most specific first
		global bool
	}{
		{"192.0.0.9", []string{"Port Control Protocol Anycast", "IETF Protocol Assignments"}, true},
		{"192.0.0.10", []string{"Traversal Using Relays around NAT Anycast", "IETF Protocol Assignments"}, true},
		{"192.0.0.1", []string{"IPv4 Service Continuity Prefix", "IETF Protocol Assignments"}, false},
		{"192.0.0.200", []string{"IETF Protocol Assignments"}, false},
		{"10.1.2.3", []string{"Private-Use"}, false},
		{"100.64.0.1", []string{"Shared Address Space"}, false},
		{"0.0.0.0", []string{`"This host on this network"`, `"This network"`}, false},
		{"255.255.255.255", []string{"Limited Broadcast", "Reserved"}, false},
		{"198.51.100.7", []string{"Documentation (TEST-NET-2)"}, false},
		{"192.88.99.1", []string{"Deprecated (6to4 Relay Anycast)"}, false},
		{"192.88.99.2", []string{"6a44-relay anycast address", "Deprecated (6to4 Relay Anycast)"}, false},
		{"192.31.196.1", []string{"AS112-v4"}, true},
		{"11.22.33.44", nil, true},
		{"224.0.0.1", []string{"Multicast"}, false},
		{"239.1.1.1", []string{"Multicast"}, false},
		{"232.1.1.1", []string{"Multicast"}, true},
		{"2001:1::3", []string{"DNS-SD Service Registration Protocol Anycast", "IETF Protocol Assignments"}, true},
		{"2001:1::4", []string{"IETF Protocol Assignments"}, false},
		{"2001::1", []string{"TEREDO", "IETF Protocol Assignments"}, false},
		{"2001:20::1", []string{"ORCHIDv2", "IETF Protocol Assignments"}, true},
		{"2001:db8::1", []string{"Documentation"}, false},
		{"3fff::1", []string{"Documentation"}, false},
		{"64:ff9b::11.22.33.44", []string{"IPv4-IPv6 Translation"}, true},
		{"::ffff:11.22.33.44", []string{"IPv4-mapped Address"}, false},
		{"fd00::1", []string{"Unique-Local"}, false},
		{"fe80::1%eth0", []string{"Link-Local Unicast"}, false},
		{"2606:4700::1111", nil, true},
		// Outside 2000::/3 (issue 9, defect 4): reserved space is not
		// global unicast and not globally reachable.
		{"fec0::1", nil, false},
		{"1::1", nil, false},
		{"4000::1", nil, false},
		{"::1.2.3.4", nil, false},
		{"fe00::1", nil, false},
		{"e000::1", nil, false},
		{"ff02::1", []string{"Multicast"}, false},
		{"ff0e::1", []string{"Multicast"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			es, global := Classify(netip.MustParseAddr(tt.addr))
			var names []string
			for _, e := range es {
				names = append(names, e.Name)
			}
			if diff := cmp.Diff(tt.names, names); diff != "" || global != tt.global {
				t.Errorf("Classify(%s) = %v, %v; want %v, %v", tt.addr, names, global, tt.names, tt.global)
			}
		})
	}
}

func TestEmbeddedIPv4(t *testing.T) {
	tests := []struct{ in, kind, addr string }{
		{"::ffff:10.0.0.1/120", "ipv4-mapped", "10.0.0.1"},
		{"64:ff9b::c633:6401", "nat64", "198.51.100.1"},
		{"2002:cb00:7101::1/48", "6to4", "203.0.113.1"},
	}
	for _, tt := range tests {
		in := DescribeSpec(mustSpec(t, tt.in))
		if in.Embedded == nil || in.Embedded.Kind != tt.kind || in.Embedded.Address.String() != tt.addr {
			t.Errorf("Describe(%s).Embedded = %+v; want %s %s", tt.in, in.Embedded, tt.kind, tt.addr)
		}
		if in.Embedded != nil && (len(in.Embedded.Registry) == 0 || in.Embedded.GloballyReachable) {
			t.Errorf("Describe(%s): embedded %s should be classified as non-global special-purpose", tt.in, tt.addr)
		}
	}
	if in := DescribeSpec(mustSpec(t, "::ffff:10.0.0.1/120")); in.IPv4Mapped.String() != "10.0.0.1" {
		t.Errorf("IPv4Mapped = %v; want 10.0.0.1", in.IPv4Mapped)
	}
	if in := DescribeSpec(mustSpec(t, "2001:db8::1/64")); in.Embedded != nil || in.IPv4Mapped.IsValid() {
		t.Errorf("2001:db8::1 has no embedded IPv4, got %+v %v", in.Embedded, in.IPv4Mapped)
	}
}

func mustSpec(t *testing.T, s string) Spec {
	t.Helper()
	sp, err := ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func TestBinary(t *testing.T) {
	a := netip.MustParseAddr("192.168.1.10")
	if got, want := Binary(a, 24), "11000000.10101000.00000001 | 00001010"; got != want {
		t.Errorf("Binary(%v, 24) = %q; want %q", a, got, want)
	}
	if got, want := Binary(a, 26), "11000000.10101000.00000001.00 | 001010"; got != want {
		t.Errorf("Binary(%v, 26) = %q; want %q", a, got, want)
	}
	if got, want := Binary(a, 32), "11000000.10101000.00000001.00001010"; got != want {
		t.Errorf("Binary(%v, 32) = %q; want %q", a, got, want)
	}
	v6 := Binary(netip.MustParseAddr("2001:db8::1"), 64)
	if !strings.HasPrefix(v6, "0010000000000001:0000110110111000:") || !strings.Contains(v6, "0000000000000000 | 0000000000000000") || !strings.HasSuffix(v6, "0000000000000001") {
		t.Errorf("Binary(2001:db8::1, 64) = %q", v6)
	}
}

func TestInfoJSON(t *testing.T) {
	b, err := DescribeSpec(mustSpec(t, "10.0.0.1/31")).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":4,"address":"10.0.0.1","prefix_length":31,"netmask":"255.255.255.254","wildcard":"0.0.0.1","network":"10.0.0.0","cidr":"10.0.0.0/31","broadcast":null,"first_host":"10.0.0.0","last_host":"10.0.0.1","addresses":"2","usable_hosts":"2","class":"A","registry":[{"prefix":"10.0.0.0/8","name":"Private-Use","rfc":"RFC 1918","globally_reachable":false}],"globally_reachable":false,"ptr":"1.0.0.10.in-addr.arpa.","exploded":"10.0.0.1","ipv4_mapped":null,"mask_form":"length","host_rule":"RFC 3021 point-to-point /31: no network or broadcast address, both addresses are hosts","embedded_ipv4":null,"address_space":null,"decided_by":{"registry":"iana-ipv4-special-registry","prefix":"10.0.0.0/8","name":"Private-Use","rfc":"RFC 1918","rule":"Globally Reachable = False, the most specific entry with a value"}}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		`a"b\c`:       `"a\"b\\c"`,
		"tab\there":   `"tab\there"`,
		"\x01":        `"\u0001"`,
		"<html>&":     `"<html>&"`,
		"caf\xc3\xa9": "\"caf\xc3\xa9\"",
		"bad\xff":     `"bad\ufffd"`,
	} {
		if got := string(AppendJSONString(nil, in)); got != want {
			t.Errorf("AppendJSONString(%q) = %s; want %s", in, got, want)
		}
	}
}

func TestSpecialPurposeTable(t *testing.T) {
	rows := SpecialPurpose()
	if len(rows) < 50 {
		t.Fatalf("SpecialPurpose() has %d rows; want both registries (over 50)", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Prefix.Bits() > rows[i-1].Prefix.Bits() {
			t.Fatalf("row %d (%v) is more specific than row %d (%v): want most specific first", i, rows[i].Prefix, i-1, rows[i-1].Prefix)
		}
	}
	for _, r := range rows {
		if r.Prefix != r.Prefix.Masked() || r.Name == "" || !strings.HasPrefix(r.RFC, "RFC ") {
			t.Errorf("malformed registry row %+v", r)
		}
		// Every row classifies its own first address, at the head of the list
		// unless a more specific row covers that address too.
		es, _ := Classify(r.Prefix.Addr())
		found := false
		for _, e := range es {
			found = found || e.Prefix == r.Prefix
		}
		if !found {
			t.Errorf("Classify(%v) misses its own row %v", r.Prefix.Addr(), r.Prefix)
		}
	}
	rows[0].Name = "changed"
	if SpecialPurpose()[0].Name == "changed" {
		t.Error("SpecialPurpose returns the shared table, not a copy")
	}
}

// TestAppendAddrTextMatchesNetip checks the IPv6 formatter against
// net/netip on random addresses biased to zero groups (where the "::" rule
// decides) and on the IPv4-mapped and zoned forms it hands over.
func TestAppendAddrTextMatchesNetip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		var b [16]byte
		for g := 0; g < 8; g++ {
			switch r.IntN(4) {
			case 0, 1: // zero group
			case 2:
				b[2*g+1] = byte(r.IntN(256))
			default:
				b[2*g], b[2*g+1] = byte(r.IntN(256)), byte(r.IntN(256))
			}
		}
		a := netip.AddrFrom16(b)
		if i%50 == 0 {
			a = a.WithZone("eth0")
		}
		if got, want := string(appendAddrText(nil, a)), a.String(); got != want {
			t.Fatalf("appendAddrText(%x) = %q, net/netip says %q", b, got, want)
		}
	}
	for i := 0; i < 100000; i++ {
		a := netip.AddrFrom4([4]byte{byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))})
		if got := string(appendAddrText(nil, a)); got != a.String() {
			t.Fatalf("appendAddrText(%s) = %q", a, got)
		}
	}
	for _, s := range []string{"0.0.0.0", "255.255.255.255", "100.10.9.0", "::", "::1", "1::", "::ffff:1.2.3.4", "1:0:0:1:0:0:0:1", "1:0:0:0:1:0:0:1", "0:0:1:0:0:1::", "10.1.2.3", "2001:db8::"} {
		a := netip.MustParseAddr(s)
		if got := string(appendAddrText(nil, a)); got != a.String() {
			t.Errorf("appendAddrText(%s) = %q", s, got)
		}
	}
}

// TestAppendJSONStringMatchesEncodingJSON checks the escaper, whose fast
// path reads eight bytes at a time, against encoding/json (the oracle) on
// random strings of every length around the 8-byte boundaries, with every
// byte class that needs care. encodingJSONString maps the few places
// where AppendJSONString chooses another spelling of the same string.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := []byte("\"\\\x00\x08\x0c\x1f\x7f\x80\xff\t\n\r\x20\x21\x7e\xc3\xa9\xe2\x80\xa8")
	for i := 0; i < 200000; i++ {
		b := make([]byte, r.IntN(40))
		for j := range b {
			if r.IntN(10) == 0 {
				b[j] = special[r.IntN(len(special))]
			} else {
				b[j] = byte(0x20 + r.IntN(0x5f))
			}
		}
		if got, want := string(AppendJSONString(nil, string(b))), encodingJSONString(t, string(b)); got != want {
			t.Fatalf("AppendJSONString(%q) = %s, want %s", b, got, want)
		}
	}
}

// jsonEscape is one escape sequence of encoding/json's output.
var jsonEscape = regexp.MustCompile(`\\(u[0-9a-f]{4}|.)`)

// encodingJSONString is s as encoding/json writes it without HTML
// escaping, respelt where AppendJSONString writes the same string
// otherwise: \b and \f as \u0008 and \u000c, U+2028 and U+2029 as
// themselves, and DEL as \u007f.
func encodingJSONString(t *testing.T, s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	out := jsonEscape.ReplaceAllStringFunc(strings.TrimSuffix(buf.String(), "\n"), func(e string) string {
		switch e {
		case `\b`:
			return `\u0008`
		case `\f`:
			return `\u000c`
		case `\u2028`:
			return "\u2028"
		case `\u2029`:
			return "\u2029"
		}
		return e
	})
	return strings.ReplaceAll(out, "\x7f", `\u007f`)
}

// TestFixedTextsNeedNoEscaping guards appendFixedStr, which copies these
// texts into JSON as they are.
func TestFixedTextsNeedNoEscaping(t *testing.T) {
	for _, s := range []string{rule31, rule32, ruleV4, rule127, rule128, ruleV6, reachF, reachT, reachNA, noEntry4, global6, outside6} {
		if got, want := string(appendFixedStr(nil, "", s)), string(AppendJSONString(nil, s)); got != want {
			t.Errorf("fixed text %q: copied as %s, escaped as %s", s, got, want)
		}
	}
}

// TestDescribePTRAndExploded checks the PTR name and exploded form that
// Describe writes by index against PTR and net/netip's StringExpanded.
func TestDescribePTRAndExploded(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for i := 0; i < 50000; i++ {
		var b [16]byte
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		a := netip.AddrFrom16(b)
		if i%2 == 0 {
			a = netip.AddrFrom4([4]byte(b[:4]))
		}
		in := Describe(netip.PrefixFrom(a, r.IntN(a.BitLen()+1)))
		if in.PTR != PTR(a) || in.Exploded != a.StringExpanded() {
			t.Fatalf("Describe(%s): PTR %q exploded %q, want %q and %q", a, in.PTR, in.Exploded, PTR(a), a.StringExpanded())
		}
	}
}
