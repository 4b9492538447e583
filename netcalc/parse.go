package netcalc

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// MaskForm says how an input wrote its prefix length.
type MaskForm string

// The ways a prefix length can be written.
const (
	MaskImplicit MaskForm = "implicit" // bare address: /32 or /128
	MaskLength   MaskForm = "length"   // "/24"
	MaskNetmask  MaskForm = "netmask"  // "/255.255.255.0" or "ADDR 255.255.255.0"
	MaskWildcard MaskForm = "wildcard" // Cisco inverse mask "0.0.0.255"
)

// Spec is a parsed address specification as a person writes it for a host
// or interface: an address, the length of its network's prefix, the IPv6
// zone if any, and how the length was written. The zero Spec is invalid.
type Spec struct {
	// Prefix holds the address with its host bits kept (192.168.1.10/24,
	// not 192.168.1.0/24) and without zone.
	Prefix netip.Prefix
	// Zone is the IPv6 zone ("eth0" in fe80::1%eth0/64), or "".
	Zone string
	// Mask says how the length was written.
	Mask MaskForm
}

// Addr returns the address with its zone.
func (s Spec) Addr() netip.Addr { return s.Prefix.Addr().WithZone(s.Zone) }

// IsValid reports whether s holds a parsed specification.
func (s Spec) IsValid() bool { return s.Prefix.IsValid() }

// String returns the address with zone and "/len".
func (s Spec) String() string {
	return s.Addr().String() + "/" + strconv.Itoa(s.Prefix.Bits())
}

// ParseAddr parses an IPv4 or IPv6 address strictly: IPv4 must be four
// decimal octets 0-255 without leading zeros; IPv6 takes every RFC 4291 and
// RFC 5952 text form, embedded IPv4 included, and an optional %zone.
// Errors are *ParseError naming the token and what was expected.
func ParseAddr(s string) (netip.Addr, error) {
	return parseAddr(s, s)
}

func parseAddr(s, input string) (netip.Addr, error) {
	if strings.TrimSpace(s) == "" {
		if input == "" {
			return netip.Addr{}, parseErr(input, ErrEmpty, "empty input, expected an IP address")
		}
		return netip.Addr{}, parseErr(input, ErrSyntax, "missing address, expected an IP address")
	}
	if strings.IndexByte(s, ':') >= 0 {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Addr{}, parseErr(input, ErrSyntax, "not an IPv6 address: "+cut(netipReason(err)))
		}
		if z := a.Zone(); strings.ContainsAny(z, "/% \t") {
			return netip.Addr{}, parseErr(input, ErrSyntax, fmt.Sprintf("zone %s is not an interface name", quotePart(z)))
		}
		return a, nil
	}
	if i := strings.IndexByte(s, ','); i >= 0 {
		return netip.Addr{}, parseErr(input, ErrSyntax, "unexpected \",\": give one address per argument or line")
	}
	if strings.IndexByte(s, '.') < 0 || s[0] < '0' || s[0] > '9' {
		return netip.Addr{}, parseErr(input, ErrSyntax, quoteIfPart(s, input)+"not an IP address, expected IPv4 a.b.c.d or IPv6")
	}
	return parseIPv4(s, input)
}

// parseIPv4 parses a dotted quad, explaining the first thing wrong.
func parseIPv4(s, input string) (netip.Addr, error) {
	var b [4]byte
	field := 0
	for i := 0; ; field++ {
		j := i
		for j < len(s) && s[j] != '.' {
			j++
		}
		if field == 4 {
			return netip.Addr{}, parseErr(input, ErrSyntax, fmt.Sprintf("unexpected %s after the 4th octet of an IPv4 address", quotePart(s[i-1:])))
		}
		oct, n, last := s[i:j], field+1, j == len(s)
		v, ok := 0, true
		for k := 0; k < len(oct); k++ {
			c := oct[k]
			if c < '0' || c > '9' {
				ok = false
				if k > 0 && last {
					return netip.Addr{}, parseErr(input, ErrSyntax, fmt.Sprintf("unexpected %s after octet %d, expected a number 0-255", quotePart(oct[k:]), n))
				}
				break
			}
			if v <= 255 {
				v = v*10 + int(c-'0')
			}
		}
		switch {
		case oct == "":
			return netip.Addr{}, parseErr(input, ErrSyntax, fmt.Sprintf("octet %d is empty, expected a number 0-255", n))
		case !ok:
			return netip.Addr{}, parseErr(input, ErrSyntax, fmt.Sprintf("octet %d is %s, expected a number 0-255", n, quotePart(oct)))
		case len(oct) > 1 && oct[0] == '0':
			return netip.Addr{}, parseErr(input, ErrLeadingZero, fmt.Sprintf("octet %d is %s: a leading zero is ambiguous (octal or decimal?), write %s", n, quotePart(oct), cut(trimZeros(oct))))
		case v > 255:
			return netip.Addr{}, parseErr(input, ErrOctetRange, fmt.Sprintf("octet %d is %s, must be 0-255", n, cut(oct)))
		}
		b[field] = byte(v)
		if last {
			break
		}
		i = j + 1
	}
	if field < 3 {
		return netip.Addr{}, parseErr(input, ErrSyntax, strings.TrimPrefix(fmt.Sprintf("%shas %d octets, expected 4 (a.b.c.d)", quoteIfPart(s, input), field+1), "has "))
	}
	return netip.AddrFrom4(b), nil
}

// quoteIfPart returns `"s" ` when s is only part of the input, so that
// messages name the part; "" when s is the whole input, already quoted by
// ParseError.
func quoteIfPart(s, input string) string {
	if s == input {
		return ""
	}
	return quotePart(s) + " "
}

// maxPart is how many characters of a token part an error message quotes.
const maxPart = 80

// cut shortens s to maxPart characters (runes), adding "…" when it cut, so
// that a 3 MB token does not become a 3 MB message.
func cut(s string) string {
	n := 0
	for i := range s {
		if n == maxPart {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// quotePart quotes a part of a token for a message, cut to maxPart
// characters.
func quotePart(s string) string { return strconv.Quote(cut(s)) }

// trimZeros drops leading zeros, keeping one digit.
func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

// netipReason strips net/netip's `ParseAddr("..."): ` prefix.
func netipReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "): "); i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}

// ParsePrefix parses "ADDR/LEN", "ADDR/NETMASK" (IPv4 dotted netmask or
// wildcard mask) or a bare address (/32 or /128). Host bits are kept: call
// Masked for the network. Zones are rejected; use ParseSpec for interface
// addresses such as fe80::1%eth0/64.
func ParsePrefix(s string) (netip.Prefix, error) {
	sp, err := ParseSpec(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if sp.Zone != "" {
		return netip.Prefix{}, parseErr(s, ErrZone, "an IPv6 zone (%"+cut(sp.Zone)+") is not allowed in a prefix")
	}
	return sp.Prefix, nil
}

// MustParsePrefix is ParsePrefix that panics on error; for tests and
// literals only.
func MustParsePrefix(s string) netip.Prefix {
	p, err := ParsePrefix(s)
	if err != nil {
		panic(err)
	}
	return p
}

// ParseSpec parses one token: "ADDR/LEN", "ADDR/MASK", "ADDR MASK" or
// "ADDR LEN" (one space-separated string, as read from a line; a bare
// number after the address is a prefix length, as ipcalc reads it) or a
// bare ADDR. MASK may be a
// dotted netmask (255.255.255.0) or a Cisco wildcard mask (0.0.0.255); the
// Spec says which. A mask that reads both ways (0.0.0.0, 255.255.255.255) is
// taken as a netmask.
func ParseSpec(s string) (Spec, error) {
	if sp, ok := parseSpecFast(s); ok {
		return sp, nil
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return Spec{}, parseErr(s, ErrEmpty, "empty input, expected an address or prefix such as 192.168.1.10/24")
	}
	if strings.IndexByte(t, ',') >= 0 {
		return Spec{}, parseErr(s, ErrSyntax, "unexpected \",\": give one address or prefix per argument or line")
	}
	if !strings.ContainsAny(t, " \t\n\r\v\f") {
		// the common case: one token, no allocation for splitting
	} else if f := strings.Fields(t); len(f) == 2 {
		if strings.Contains(f[0], "/") {
			return Spec{}, parseErr(s, ErrSyntax, fmt.Sprintf("unexpected %s after %s, which already has a prefix length", quotePart(f[1]), quotePart(f[0])))
		}
		return parseSpec(f[0], f[1], s)
	} else if len(f) > 2 {
		return Spec{}, parseErr(s, ErrSyntax, fmt.Sprintf("unexpected %s after the mask or length, expected ADDR/LEN, ADDR/MASK, ADDR MASK or ADDR LEN", quotePart(strings.Join(f[2:], " "))))
	}
	addr, length, ok := strings.Cut(t, "/")
	if !ok {
		return parseSpec(addr, "", s)
	}
	if length == "" {
		return Spec{}, parseErr(s, ErrSyntax, "missing prefix length after \"/\"")
	}
	return parseSpec(addr, length, s)
}

// MustParseSpec is ParseSpec that panics on error; for tests and literals
// only.
func MustParseSpec(s string) Spec {
	sp, err := ParseSpec(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// SpecFrom returns the Spec of address a (its zone kept) with prefix length
// bits, written as a length. It does not validate bits: an out-of-range
// length gives an invalid Spec, as netip.PrefixFrom does.
func SpecFrom(a netip.Addr, bits int) Spec {
	return Spec{Prefix: netip.PrefixFrom(a, bits), Zone: a.Zone(), Mask: MaskLength}
}

// MarshalText implements encoding.TextMarshaler with String's form; the
// zero Spec gives empty text.
func (s Spec) MarshalText() ([]byte, error) {
	if !s.IsValid() {
		return []byte{}, nil
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseSpec; empty
// text gives the zero Spec.
func (s *Spec) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*s = Spec{}
		return nil
	}
	sp, err := ParseSpec(string(text))
	if err != nil {
		return err
	}
	*s = sp
	return nil
}

// ParseSpecMask parses an address and a separate mask or length, as in the
// two-argument form `netcalc cidr 192.168.1.10 255.255.255.0`. mask may be
// "24", "/24", a netmask or a wildcard mask.
func ParseSpecMask(addr, mask string) (Spec, error) {
	return parseSpec(addr, strings.TrimPrefix(mask, "/"), addr+" "+mask)
}

func parseSpec(addrText, mask, input string) (Spec, error) {
	a, err := parseAddr(addrText, input)
	if err != nil {
		return Spec{}, err
	}
	zone := a.Zone()
	a = a.WithZone("")
	maxBits := a.BitLen()
	if mask == "" {
		return Spec{Prefix: netip.PrefixFrom(a, maxBits), Zone: zone, Mask: MaskImplicit}, nil
	}
	if strings.IndexByte(mask, '.') >= 0 {
		if !a.Is4() {
			return Spec{}, parseErr(input, ErrSyntax, fmt.Sprintf("dotted mask %s needs an IPv4 address; write an IPv6 prefix length such as /64", quotePart(mask)))
		}
		m, err := parseIPv4(mask, input)
		if err != nil {
			return Spec{}, err
		}
		bitsLen, form, ok := maskLength(m)
		if !ok {
			return Spec{}, parseErr(input, ErrMask, fmt.Sprintf("mask %s is not contiguous: a netmask is ones then zeros (255.255.255.0), a wildcard mask zeros then ones (0.0.0.255)", cut(mask)))
		}
		return Spec{Prefix: netip.PrefixFrom(a, bitsLen), Zone: zone, Mask: form}, nil
	}
	for _, r := range mask {
		if r < '0' || r > '9' {
			return Spec{}, parseErr(input, ErrSyntax, fmt.Sprintf("prefix length %s is not a number, expected 0-%d or a dotted mask", quotePart(mask), maxBits))
		}
	}
	if len(mask) > 1 && mask[0] == '0' {
		return Spec{}, parseErr(input, ErrSyntax, fmt.Sprintf("prefix length %s has a leading zero, expected 0-%d", quotePart(mask), maxBits))
	}
	n, err := strconv.Atoi(mask)
	if err != nil || n > maxBits {
		return Spec{}, parseErr(input, ErrPrefixLength, fmt.Sprintf("prefix length %s is out of range, must be 0-%d for IPv%d", cut(mask), maxBits, family(a)))
	}
	return Spec{Prefix: netip.PrefixFrom(a, n), Zone: zone, Mask: MaskLength}, nil
}

// maskLength returns the prefix length a dotted mask stands for and whether
// it is a netmask or a wildcard mask.
func maskLength(m netip.Addr) (int, MaskForm, bool) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	if n := bits.LeadingZeros32(^v); v<<n == 0 { // ones then zeros
		return n, MaskNetmask, true
	}
	if n := bits.LeadingZeros32(v); v == (1<<(32-n))-1 { // zeros then ones
		return n, MaskWildcard, true
	}
	return 0, "", false
}

func family(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// parseSpecFast is ParseSpec's path for the common forms a.b.c.d[/n] and
// IPv6[/n] without zone, spaces or a dotted mask. It reports false for
// anything else, errors included, which the general path explains; what
// it accepts, the general path accepts with the same result.
func parseSpecFast(s string) (Spec, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == ',' || c == '%' || c >= 0x7f {
			return Spec{}, false
		}
	}
	addr, length, hasLen := strings.Cut(s, "/")
	var a netip.Addr
	if strings.IndexByte(addr, ':') >= 0 {
		var ok bool
		if a, ok = parse6(addr); !ok {
			var err error
			if a, err = netip.ParseAddr(addr); err != nil {
				return Spec{}, false
			}
		}
	} else {
		v, rest, ok := scan4(addr)
		if !ok || len(rest) != 0 {
			return Spec{}, false
		}
		a = v.addr()
	}
	maxBits := a.BitLen()
	if !hasLen {
		return Spec{Prefix: netip.PrefixFrom(a, maxBits), Mask: MaskImplicit}, true
	}
	n := 0
	switch {
	case len(length) == 0 || len(length) > 3 || (len(length) > 1 && length[0] == '0'):
		return Spec{}, false
	default:
		for i := 0; i < len(length); i++ {
			c := length[i]
			if c < '0' || c > '9' {
				return Spec{}, false
			}
			n = n*10 + int(c-'0')
		}
	}
	if n > maxBits {
		return Spec{}, false
	}
	return Spec{Prefix: netip.PrefixFrom(a, n), Mask: MaskLength}, true
}

// parse6 parses the plain IPv6 forms, hex groups and at most one "::",
// as net/netip does, a quarter of the cost of a line of `cidr` otherwise.
// It reports false for anything else (an embedded IPv4 address, a zone,
// any error), which net/netip then reads or explains.
func parse6(s string) (netip.Addr, bool) {
	var g [8]uint16
	n, ell, i := 0, -1, 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ell, i = 0, 2
		if i == len(s) {
			return netip.IPv6Unspecified(), true
		}
	}
	for {
		if n == 8 {
			return netip.Addr{}, false
		}
		var v uint32
		d := 0
	digits:
		for ; i < len(s) && d < 5; i, d = i+1, d+1 {
			h := hexPlus1[s[i]]
			if h == 0 {
				break digits
			}
			v = v<<4 | uint32(h-1)
		}
		if d == 0 || d > 4 {
			return netip.Addr{}, false
		}
		g[n] = uint16(v)
		n++
		if i == len(s) {
			break
		}
		if s[i] != ':' || i+1 == len(s) {
			return netip.Addr{}, false
		}
		i++
		if s[i] == ':' {
			if ell >= 0 {
				return netip.Addr{}, false
			}
			ell = n
			i++
			if i == len(s) {
				break
			}
		}
	}
	switch {
	case n < 8 && ell < 0, n == 8 && ell >= 0:
		return netip.Addr{}, false
	case n < 8:
		shift := 8 - n
		copy(g[ell+shift:], g[ell:n])
		clear(g[ell : ell+shift])
	}
	var b [16]byte
	for k, v := range g {
		b[2*k], b[2*k+1] = byte(v>>8), byte(v)
	}
	return netip.AddrFrom16(b), true
}

// hexPlus1 maps a hex digit (either case) to its value plus one, any
// other byte to 0 (a static table: nothing to build at start-up).
var hexPlus1 = [256]byte{
	'0': 1, '1': 2, '2': 3, '3': 4, '4': 5, '5': 6, '6': 7, '7': 8, '8': 9, '9': 10,
	'a': 11, 'b': 12, 'c': 13, 'd': 14, 'e': 15, 'f': 16,
	'A': 11, 'B': 12, 'C': 13, 'D': 14, 'E': 15, 'F': 16,
}
