package resolve

// musl's reading of resolv.conf and /etc/hosts (src/network/resolvconf.c,
// lookup_name.c name_from_hosts, lookup_ipliteral.c, inet_aton.c), the same
// in musl 1.2.3 to 1.2.6.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Libc selects whose getaddrinfo Lookup reproduces. The zero Libc is
// glibc.
type Libc string

// The C libraries netcalc reproduces.
const (
	Glibc   Libc = "glibc"
	Musl123 Libc = "musl-1.2.3" // Debian 12's musl-tools: no TCP fallback, 512-byte answers
	Musl124 Libc = "musl-1.2.4" // TCP fallback after a truncated answer, 768-byte answers
	Musl125 Libc = "musl-1.2.5" // as 1.2.4 with 4800-byte answers (also 1.2.6)
)

// ParseLibc reads a --libc value: "glibc", "musl" (= musl-1.2.3, the musl
// Debian ships), "musl-1.2.3", "musl-1.2.4", "musl-1.2.5" or "musl-1.2.6"
// (the same resolver as 1.2.5), case-insensitively.
func ParseLibc(s string) (Libc, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "glibc", "gnu":
		return Glibc, nil
	case "musl", "musl-1.2.3", "musl1.2.3":
		return Musl123, nil
	case "musl-1.2.4", "musl1.2.4":
		return Musl124, nil
	case "musl-1.2.5", "musl1.2.5", "musl-1.2.6", "musl1.2.6":
		return Musl125, nil
	}
	return "", fmt.Errorf("%s is not a C library netcalc reproduces, want glibc, musl (1.2.3), musl-1.2.4 or musl-1.2.5", quoteName(s))
}

// IsMusl reports whether l is one of the musl versions.
func (l Libc) IsMusl() bool { return strings.HasPrefix(string(l), "musl") }

// tcpFallback reports whether a truncated UDP answer is asked again over
// TCP (musl 1.2.4 and later).
func (l Libc) tcpFallback() bool { return l == Musl124 || l == Musl125 }

// answerSize is the buffer musl reads one answer into.
func (l Libc) answerSize() int {
	switch l {
	case Musl124:
		return 768
	case Musl125:
		return 4800
	}
	return 512
}

// musl's limits (resolvconf.c, lookup.h).
const (
	muslMaxNdots    = 15
	muslMaxAttempts = 10
	muslMaxTimeout  = 60 // seconds
	muslMaxAddrs    = 48 // MAXADDRS
	muslLineBuf     = 256
)

// LoadMuslResolvConf reads path the way musl does; a missing file gives
// musl's defaults (127.0.0.1, ndots 1, timeout 5, attempts 2) with a
// warning.
func LoadMuslResolvConf(path string) (Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		c, _ := ParseMuslResolvConf(strings.NewReader(""), path)
		c.Warnings = append(c.Warnings, Warning{File: path, Msg: "file not found; musl asks 127.0.0.1"})
		return c, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("resolve: resolv.conf: %w", err)
	}
	defer f.Close()
	return ParseMuslResolvConf(f, path)
}

// ParseMuslResolvConf parses resolv.conf with musl's __get_resolv_conf:
//   - a line of 255 characters or more (before its newline) is skipped
//     whole, whatever it says;
//   - keywords must start the line and be followed by a blank; there are
//     no comments as such, but a "#" line matches no keyword;
//   - "nameserver": the first word after it, an IPv4 literal in any form
//     inet_aton takes ("127.1") or an IPv6 literal (a %scope allowed);
//     at most 3, others ignored; port 53;
//   - "search" and "domain" alike: the last one wins, and the rest of the
//     line is split on blanks, "." and a trailing "# comment" included;
//   - "options": only ndots:N (capped at 15), attempts:N (capped at 10) and
//     timeout:N (seconds, capped at 60), found anywhere on the line;
//     everything else (rotate, edns0, single-request, use-vc, trust-ad,
//     no-aaaa...) is ignored;
//   - no LOCALDOMAIN, RES_OPTIONS or host name default;
//   - no nameserver: 127.0.0.1 only.
//
// Config.Search holds the raw words; Timeout is whole seconds. Lines musl
// ignores give a Warning. timeout:0 is kept as 0 (musl then sends nothing
// and fails at once); attempts:0 makes real musl divide by zero (SIGFPE),
// which netcalc reports as a warning and replaces with 1.
func ParseMuslResolvConf(r io.Reader, file string) (Config, error) {
	c := Config{Ndots: 1, Timeout: 5 * time.Second, Attempts: 2}
	warn := func(line int, format string, args ...any) {
		c.Warnings = append(c.Warnings, Warning{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		raw, err := br.ReadString('\n')
		if raw == "" && err != nil {
			if err != io.EOF {
				return Config{}, fmt.Errorf("resolve: reading %s: line %d: %w", file, n, err)
			}
			break
		}
		content := strings.TrimSuffix(raw, "\n")
		// fgets into 256 bytes: a line whose newline does not fit (255
		// characters or more) is dropped, unless it ends the file.
		if len(content) >= muslLineBuf-1 && (strings.HasSuffix(raw, "\n") || len(content) >= muslLineBuf) {
			warn(n, "line of %d characters: musl skips lines of 255 characters or more", len(content))
			continue
		}
		line := raw
		kw := func(k string) bool {
			return strings.HasPrefix(line, k) && len(line) > len(k) && isCSpace(line[len(k)])
		}
		switch {
		case kw("options"):
			num := func(key string, digitsOnly bool) (int, bool) {
				i := strings.Index(line, key)
				if i < 0 {
					return 0, false
				}
				p := line[i+len(key):]
				if p == "" || !(isDigit(p[0]) || (!digitsOnly && p[0] == '.')) {
					return 0, false
				}
				j := 0
				for j < len(p) && isDigit(p[j]) {
					j++
				}
				if j == 0 {
					return 0, false // strtoul read nothing (timeout:.5)
				}
				v, err := strconv.ParseUint(p[:j], 10, 64)
				if err != nil {
					v = 1 << 62
				}
				return int(min(v, 1<<30)), true
			}
			if v, ok := num("ndots:", true); ok {
				c.Ndots = min(v, muslMaxNdots)
			}
			if v, ok := num("attempts:", true); ok {
				c.Attempts = min(v, muslMaxAttempts)
				if c.Attempts == 0 {
					warn(n, "options attempts:0: real musl divides by zero and dies (SIGFPE); netcalc uses 1")
					c.Attempts = 1
				}
			}
			if v, ok := num("timeout:", false); ok {
				c.Timeout = time.Duration(min(v, muslMaxTimeout)) * time.Second
				if v == 0 {
					c.Timeout = muslZeroTimeout
					warn(n, "options timeout:0: musl sends no query and fails at once (EAI_AGAIN)")
				}
			}
			for _, o := range strings.Fields(line)[1:] {
				name, _, _ := strings.Cut(o, ":")
				switch name {
				case "ndots", "attempts", "timeout":
				default:
					warn(n, "options %s: ignored by musl", quoteName(o))
				}
			}
		case kw("nameserver"):
			if len(c.Servers) >= MaxNameservers {
				warn(n, "more than %d nameservers; ignored, as musl does", MaxNameservers)
				continue
			}
			f := strings.Fields(line[len("nameserver"):])
			word := ""
			if len(f) > 0 {
				word = f[0]
			}
			a, ok := muslIPLiteral(word)
			if !ok {
				warn(n, "nameserver %s: not an IP address; ignored, as musl does", quoteName(word))
				continue
			}
			c.Servers = append(c.Servers, netip.AddrPortFrom(a, 53))
		case kw("search"), kw("domain"):
			c.Search = strings.Fields(line[7:])
			for _, d := range c.Search {
				if d == "." || strings.HasPrefix(d, "#") {
					warn(n, "search word %s: musl uses it as a search domain", quoteName(d))
				}
			}
		default:
			if t := strings.TrimSpace(line); t != "" && t[0] != '#' && t[0] != ';' {
				warn(n, "%s: not a line musl reads; ignored", quoteName(strings.Fields(t)[0]))
			}
		}
		if err != nil {
			break
		}
	}
	if len(c.Servers) == 0 {
		c.Servers = []netip.AddrPort{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53)}
	}
	return c, nil
}

// muslZeroTimeout stands for musl's timeout:0 in Config.Timeout (whose
// zero means the default).
const muslZeroTimeout = time.Nanosecond

func isCSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// muslIPLiteral is musl's __lookup_ipliteral for AF_UNSPEC: inet_aton's
// IPv4 forms, else an IPv6 literal with an optional %scope (numeric, or an
// interface name for link-local addresses).
func muslIPLiteral(s string) (netip.Addr, bool) {
	if a, ok := muslInetAton(s); ok {
		return a, true
	}
	host, zone, hasZone := strings.Cut(s, "%")
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, false
	}
	if hasZone {
		if zone == "" || (!isDigit(zone[0]) && !a.IsLinkLocalUnicast() && !a.IsLinkLocalMulticast()) {
			return netip.Addr{}, false
		}
		a = a.WithZone(zone)
	}
	return a, true
}

// muslInetAton is musl's __inet_aton: one to four parts, each decimal,
// octal (0...) or hex (0x...), the last filling the remaining bytes
// ("127.1" is 127.0.0.1).
func muslInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	var v [4]uint64
	for i, p := range parts {
		if p == "" || !isDigit(p[0]) {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(p, 0, 64)
		if err != nil {
			// strtoul base 0 accepts what ParseUint(0) does, except "0x"
			// and "08"-style prefixes it reads partly; musl then sees
			// trailing garbage and fails too.
			return netip.Addr{}, false
		}
		v[i] = n
	}
	var b [4]byte
	switch len(parts) {
	case 1:
		if v[0] > 0xffffffff {
			return netip.Addr{}, false
		}
		b = [4]byte{byte(v[0] >> 24), byte(v[0] >> 16), byte(v[0] >> 8), byte(v[0])}
	case 2:
		if v[0] > 255 || v[1] > 0xffffff {
			return netip.Addr{}, false
		}
		b = [4]byte{byte(v[0]), byte(v[1] >> 16), byte(v[1] >> 8), byte(v[1])}
	case 3:
		if v[0] > 255 || v[1] > 255 || v[2] > 0xffff {
			return netip.Addr{}, false
		}
		b = [4]byte{byte(v[0]), byte(v[1]), byte(v[2] >> 8), byte(v[2])}
	case 4:
		for i := range v {
			if v[i] > 255 {
				return netip.Addr{}, false
			}
			b[i] = byte(v[i])
		}
	}
	return netip.AddrFrom4(b), true
}

// muslHosts is musl's name_from_hosts over a parsed hosts file: every line
// naming name exactly (case-sensitively; aliases count), in file order, at
// most 48 addresses; the canonical name is the first name of the first
// matching line of the wanted family. badFamily reports that the name is
// known only with the other family (musl then stops, without DNS).
func muslHosts(h *Hosts, name string, want func(netip.Addr) bool) (hits []HostsEntry, canon string, badFamily bool) {
	if h == nil {
		return nil, "", false
	}
	for _, e := range h.Entries {
		if len(hits) >= muslMaxAddrs {
			break
		}
		found := false
		for _, n := range e.Names {
			if n == name {
				found = true
				break
			}
		}
		if !found {
			continue
		}
		if !want(e.Addr) {
			badFamily = true
			continue
		}
		hits = append(hits, e)
		if canon == "" && muslValidHostname(e.Names[0]) {
			canon = e.Names[0]
		}
	}
	return hits, canon, badFamily
}

// muslValidHostname is musl's is_valid_hostname: 1-253 bytes of letters,
// digits, '.', '-' or bytes >= 0x80.
func muslValidHostname(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 0x80 || c == '.' || c == '-' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return bytes.IndexByte([]byte(s), 0) < 0
}
