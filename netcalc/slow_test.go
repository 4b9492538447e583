package netcalc

import (
	"bufio"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
)

// slowInfo is a deliberately naive reference: every value computed with
// math/big on the address as one integer, no bit tricks shared with the
// real implementation.
type slowInfo struct {
	network, broadcast, first, last, firstHost, lastHost, netmask, wildcard string
	addrs, usable                                                           string
}

func slowDescribe(p netip.Prefix) slowInfo {
	bitLen := p.Addr().BitLen()
	v := new(big.Int).SetBytes(p.Addr().AsSlice())
	one := big.NewInt(1)
	size := new(big.Int).Lsh(one, uint(bitLen-p.Bits()))
	all := new(big.Int).Sub(new(big.Int).Lsh(one, uint(bitLen)), one)
	hostmask := new(big.Int).Sub(size, one)
	netmask := new(big.Int).Xor(all, hostmask)
	network := new(big.Int).And(v, netmask)
	last := new(big.Int).Add(network, hostmask)
	toAddr := func(x *big.Int) string {
		b := x.FillBytes(make([]byte, bitLen/8))
		a, _ := netip.AddrFromSlice(b)
		return a.String()
	}
	toMask := func(x *big.Int) string { // hex groups, never dotted
		if bitLen == 32 {
			return toAddr(x)
		}
		var g []string
		for i := 7; i >= 0; i-- {
			g = append(g, new(big.Int).And(new(big.Int).Rsh(x, uint(16*i)), big.NewInt(0xffff)).Text(16))
		}
		return compress6(g)
	}
	s := slowInfo{
		network: toAddr(network) + fmt.Sprintf("/%d", p.Bits()),
		first:   toAddr(network), last: toAddr(last),
		netmask: toMask(netmask), wildcard: toMask(hostmask),
		addrs: size.String(),
	}
	h := bitLen - p.Bits()
	usable := new(big.Int).Set(size)
	fh, lh := new(big.Int).Set(network), new(big.Int).Set(last)
	switch {
	case h <= 1: // /31, /32, /127, /128: every address is a host
	case bitLen == 32:
		usable.Sub(usable, big.NewInt(2))
		fh.Add(fh, one)
		lh.Sub(lh, one)
		s.broadcast = toAddr(last)
	default:
		usable.Sub(usable, one)
		fh.Add(fh, one)
	}
	s.usable, s.firstHost, s.lastHost = usable.String(), toAddr(fh), toAddr(lh)
	return s
}

func randomPrefix(r *rand.Rand) netip.Prefix {
	if r.IntN(2) == 0 {
		var b [4]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return netip.PrefixFrom(netip.AddrFrom4(b), r.IntN(33))
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), r.IntN(129))
}

// TestDescribeAgainstSlowReference compares Describe with the math/big
// model on random prefixes of both families and every length.
func TestDescribeAgainstSlowReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		p := randomPrefix(r)
		in := Describe(p)
		got := slowInfo{
			network: in.Network.String(), broadcast: addrOrEmpty(in.Broadcast),
			first: in.First.String(), last: in.Last.String(),
			firstHost: in.FirstHost.String(), lastHost: in.LastHost.String(),
			netmask: MaskString(in.Netmask), wildcard: MaskString(in.Wildcard),
			addrs: in.Addresses.String(), usable: in.UsableHosts.String(),
		}
		if want := slowDescribe(p); got != want {
			t.Fatalf("Describe(%v):\n got %+v\nwant %+v", p, got, want)
		}
		if in.Addresses.Big().String() != in.Addresses.String() {
			t.Fatalf("Count.Big and String disagree for %v", p)
		}
	}
}

// TestDescribeAgainstPython compares network, broadcast, host range and
// counts with CPython's ipaddress module, an independent implementation of
// the same host rules, on random prefixes. Skipped when python3 is missing.
func TestDescribeAgainstPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: skipping the differential test against ipaddress")
	}
	const script = `
import ipaddress, sys
for line in sys.stdin:
    n = ipaddress.ip_network(line.strip(), strict=False)
    bits = n.max_prefixlen - n.prefixlen
    if n.version == 4:
        bc = str(n.broadcast_address) if bits >= 2 else ""
        first, last = (n.network_address + 1, n.broadcast_address - 1) if bits >= 2 else (n.network_address, n.broadcast_address)
        usable = n.num_addresses - 2 if bits >= 2 else n.num_addresses
    else:
        bc = ""
        first, last = (n.network_address + 1, n.broadcast_address) if bits >= 2 else (n.network_address, n.broadcast_address)
        usable = n.num_addresses - 1 if bits >= 2 else n.num_addresses
    def m(a):
        return str(a) if n.version == 4 else ipaddress.IPv6Address(int(a)).compressed
    print(n, bc, first, last, n.num_addresses, usable, m(n.netmask), m(n.hostmask), sep="|")
`
	r := rand.New(rand.NewPCG(3, 4))
	var prefixes []netip.Prefix
	var in strings.Builder
	for i := 0; i < 5000; i++ {
		p := randomPrefix(r)
		prefixes = append(prefixes, p)
		in.WriteString(p.String() + "\n")
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for i := 0; sc.Scan(); i++ {
		info := Describe(prefixes[i])
		got := strings.Join([]string{info.Network.String(), addrOrEmpty(info.Broadcast), info.FirstHost.String(), info.LastHost.String(),
			info.Addresses.String(), info.UsableHosts.String(), MaskString(info.Netmask), MaskString(info.Wildcard)}, "|")
		if got != sc.Text() {
			t.Fatalf("Describe(%v):\n  netcalc %s\n  python  %s", prefixes[i], got, sc.Text())
		}
	}
}

// compress6 applies RFC 5952: the longest run (>= 2) of zero groups, first
// on ties, becomes "::".
func compress6(g []string) string {
	best, bestLen := -1, 1
	for i := 0; i < 8; {
		if g[i] != "0" {
			i++
			continue
		}
		j := i
		for j < 8 && g[j] == "0" {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j
	}
	if best < 0 {
		return strings.Join(g, ":")
	}
	return strings.Join(g[:best], ":") + "::" + strings.Join(g[best+bestLen:], ":")
}
