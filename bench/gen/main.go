// Command gen writes benchmark inputs for bench/compare: random address
// lists from a fixed seed, so every run measures the same file.
//
//	go run ./bench/gen -kind ips -n 1000000 -seed 42 > ips.txt
//
// Kinds: ips (uniform random IPv4 /32s, bare addresses), pfxr (random
// aligned IPv4 /24-/32 prefixes), mixed (half IPv4 addresses and prefixes,
// half IPv6 /48-/128 prefixes inside 2001:db8::/32), clus (random /32s
// inside 10.0.0.0/12).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
)

func main() {
	kind := flag.String("kind", "ips", "ips, pfxr, mixed or clus")
	n := flag.Int("n", 1000000, "number of lines")
	seed := flag.Uint64("seed", 42, "random seed")
	flag.Parse()
	rng := rand.New(rand.NewPCG(*seed, 0))
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	defer w.Flush()
	var buf []byte
	for i := 0; i < *n; i++ {
		buf = buf[:0]
		switch *kind {
		case "ips":
			buf = v4(rng.Uint32()).AppendTo(buf)
		case "clus":
			buf = v4(10<<24 | rng.Uint32N(1<<20)).AppendTo(buf)
		case "pfxr":
			buf = pfx4(rng, 24+rng.IntN(9)).AppendTo(buf)
		case "mixed":
			if i%2 == 0 {
				if rng.IntN(2) == 0 {
					buf = v4(rng.Uint32()).AppendTo(buf)
				} else {
					buf = pfx4(rng, 16+rng.IntN(17)).AppendTo(buf)
				}
			} else {
				var b [16]byte
				b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
				for j := 4; j < 16; j++ {
					b[j] = byte(rng.Uint32())
				}
				p, _ := netip.AddrFrom16(b).Prefix(48 + rng.IntN(81))
				buf = p.AppendTo(buf)
			}
		default:
			fmt.Fprintf(os.Stderr, "gen: unknown -kind %q, want ips, pfxr, mixed or clus\n", *kind)
			os.Exit(2)
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
}

func v4(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

func pfx4(rng *rand.Rand, bits int) netip.Prefix {
	p, _ := v4(rng.Uint32()).Prefix(bits)
	return p
}
