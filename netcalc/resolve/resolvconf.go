package resolve

import (
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

// glibc's limits (resolv.conf(5), resolv/resolv.h).
const (
	MaxNameservers = 3  // MAXNS: further nameserver lines are ignored
	MaxNdots       = 15 // RES_MAXNDOTS
	MaxTimeout     = 30 * time.Second
	MaxAttempts    = 5
	// DefaultTimeout, DefaultAttempts and DefaultNdots are glibc's defaults.
	DefaultTimeout  = 5 * time.Second
	DefaultAttempts = 2
	DefaultNdots    = 1
)

// Config is the DNS part of a resolver configuration, what resolv.conf(5)
// says. The zero Config asks the local machine (127.0.0.1:53, then
// [::1]:53) with no search list, ndots 0, glibc's timeout and attempts.
type Config struct {
	// Servers are tried in order (rotated with Rotate). Default: 127.0.0.1:53
	// and [::1]:53, as glibc and Go do without nameserver lines.
	Servers []netip.AddrPort
	// Search is the search list, domains without a trailing dot, in order.
	// Default: none.
	Search []string
	// Ndots is the number of dots from which a name is tried as-is before
	// the search list (0-15). Default 0 in the zero Config; DefaultConfig
	// and ParseResolvConf start from glibc's 1.
	Ndots int
	// Timeout is the time allowed for one query to one server, every server
	// alike (glibc, with three servers, scales it to 2/3 and 4/3 for the
	// second and third; netcalc does not). Default 5 s;
	// a context deadline that comes earlier wins.
	Timeout time.Duration
	// Attempts is how many times the whole server list is tried. Default 2.
	Attempts int
	// Rotate starts each lookup at the next server (options rotate).
	Rotate bool
	// UseTCP sends every query over TCP (options use-vc). Default UDP with
	// TCP only after a truncated answer.
	UseTCP bool
	// SingleRequest sends the queries for one candidate name one after the
	// other instead of in parallel (options single-request).
	SingleRequest bool
	// TrustAD sets the AD bit in queries (options trust-ad).
	TrustAD bool
	// NoTLDQuery never sends a single-label name as-is (options no-tld-query).
	NoTLDQuery bool
	// Warnings are remarks from parsing: ignored lines, capped values,
	// options netcalc does not implement.
	Warnings []Warning
}

// DefaultConfig returns glibc's configuration when resolv.conf is empty:
// the local machine as the server, ndots 1, timeout 5 s, 2 attempts.
func DefaultConfig() Config {
	return Config{Ndots: DefaultNdots, Timeout: DefaultTimeout, Attempts: DefaultAttempts}
}

// servers returns the configured servers or the local defaults.
func (c *Config) servers() []netip.AddrPort {
	if len(c.Servers) > 0 {
		return c.Servers
	}
	return []netip.AddrPort{
		netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53),
		netip.AddrPortFrom(netip.IPv6Loopback(), 53),
	}
}

func (c *Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c *Config) attempts() int {
	if c.Attempts <= 0 {
		return DefaultAttempts
	}
	return c.Attempts
}

// ConfEnv is the process state resolv.conf semantics depend on besides the
// file. The zero ConfEnv has no environment variables and no host name.
type ConfEnv struct {
	// Getenv reads LOCALDOMAIN (replaces the search list) and RES_OPTIONS
	// (amends the options line). Default: no variables.
	Getenv func(string) string
	// Hostname gives the default search domain (the part after the first
	// dot) when the file has no search or domain line. Default: none.
	Hostname string
}

// HostConfEnv returns the running process's ConfEnv: os.Getenv and
// os.Hostname.
func HostConfEnv() ConfEnv {
	h, _ := os.Hostname()
	return ConfEnv{Getenv: os.Getenv, Hostname: h}
}

// LoadResolvConf reads the resolv.conf file at path and applies env. A
// missing file gives DefaultConfig (as glibc does) with a warning.
func LoadResolvConf(path string, env ConfEnv) (Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		c, _ := ParseResolvConf(strings.NewReader(""), path, env)
		c.Warnings = append(c.Warnings, Warning{File: path, Msg: "file not found; using the local machine as the server"})
		return c, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("resolve: resolv.conf: %w", err)
	}
	defer f.Close()
	return ParseResolvConf(f, path, env)
}

// ParseResolvConf parses a resolv.conf file per resolv.conf(5) with glibc's
// rules and limits:
//   - comments are lines whose first character is ';' or '#'; a ';' or '#'
//     after a value also ends the line (glibc stops at them too);
//   - "nameserver IP": IPv4 or IPv6 literal (a zone is kept), port 53, at
//     most MaxNameservers, others ignored with a warning;
//   - "search" and "domain": the last one wins; a "." entry is dropped;
//   - "options": ndots:n (capped at 15), timeout:n (1-30 s), attempts:n
//     (1-5), rotate, use-vc, single-request, single-request-reopen,
//     trust-ad, no-tld-query, edns0 (EDNS0 is always on); inet6, no-aaaa,
//     no-reload, debug and unknown options are warned about;
//   - env.Getenv("LOCALDOMAIN") replaces the search list and
//     env.Getenv("RES_OPTIONS") is applied after the file's options;
//   - with no search or domain line, the domain of env.Hostname is used.
//
// Malformed lines are skipped with a Warning rather than failing, as glibc
// does. ParseResolvConf fails only when reading r fails.
func ParseResolvConf(r io.Reader, file string, env ConfEnv) (Config, error) {
	c := DefaultConfig()
	searchSet := false
	warn := func(line int, format string, args ...any) {
		c.Warnings = append(c.Warnings, Warning{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	sc := newLineScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || text[0] == ';' || text[0] == '#' {
			continue
		}
		if i := strings.IndexAny(text, ";#"); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) < 2 {
				warn(line, "nameserver: missing address")
				continue
			}
			addr, err := netip.ParseAddr(f[1])
			if err != nil {
				warn(line, "nameserver %s: not an IP address (resolv.conf takes no host names or ports); ignored", quoteName(f[1]))
				continue
			}
			if len(c.Servers) >= MaxNameservers {
				warn(line, "nameserver %s: more than %d nameservers; ignored, as glibc does", f[1], MaxNameservers)
				continue
			}
			c.Servers = append(c.Servers, netip.AddrPortFrom(addr, 53))
		case "domain":
			searchSet = true
			c.Search = nil
			if len(f) > 1 {
				c.Search = cleanSearch(f[1:2])
			}
		case "search":
			searchSet = true
			c.Search = cleanSearch(f[1:])
		case "options":
			for _, o := range f[1:] {
				c.applyOption(o, func(format string, args ...any) { warn(line, format, args...) })
			}
		case "sortlist", "lookup", "family":
			warn(line, "%s: not implemented by netcalc; ignored", f[0])
		default:
			warn(line, "%s: unknown keyword; ignored", quoteName(f[0]))
		}
	}
	if err := sc.Err(); err != nil {
		return Config{}, fmt.Errorf("resolve: reading %s: line %d: %w", file, line+1, err)
	}
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if ld := getenv("LOCALDOMAIN"); ld != "" {
		c.Search = cleanSearch(strings.Fields(ld))
		searchSet = true
	}
	if ro := getenv("RES_OPTIONS"); ro != "" {
		for _, o := range strings.Fields(ro) {
			c.applyOption(o, func(format string, args ...any) {
				c.Warnings = append(c.Warnings, Warning{File: "RES_OPTIONS", Msg: fmt.Sprintf(format, args...)})
			})
		}
	}
	if !searchSet {
		if _, dom, ok := strings.Cut(env.Hostname, "."); ok && dom != "" {
			c.Search = cleanSearch([]string{dom})
		}
	}
	return c, nil
}

// cleanSearch drops "." entries, invalid domains (empty or overlong
// labels) and one trailing dot.
func cleanSearch(ds []string) []string {
	var out []string
	for _, d := range ds {
		d = strings.TrimSuffix(d, ".")
		if d == "" || strings.HasSuffix(d, ".") || checkName(d) != "" {
			continue
		}
		out = append(out, d)
	}
	return out
}

// applyOption applies one "options" word.
func (c *Config) applyOption(o string, warn func(string, ...any)) {
	name, val, hasVal := strings.Cut(o, ":")
	num := func(lo, hi int) (int, bool) {
		n, err := strconv.Atoi(val)
		if !hasVal || err != nil || n < 0 {
			warn("options %s: %s is not a number; ignored", name, quoteName(val))
			return 0, false
		}
		if n < lo {
			warn("options %s:%d raised to %d", name, n, lo)
			n = lo
		}
		if n > hi {
			warn("options %s:%d capped at %d, as glibc does", name, n, hi)
			n = hi
		}
		return n, true
	}
	switch name {
	case "ndots":
		if n, ok := num(0, MaxNdots); ok {
			c.Ndots = n
		}
	case "timeout":
		if n, ok := num(1, int(MaxTimeout/time.Second)); ok {
			c.Timeout = time.Duration(n) * time.Second
		}
	case "attempts":
		if n, ok := num(1, MaxAttempts); ok {
			c.Attempts = n
		}
	case "rotate":
		c.Rotate = true
	case "use-vc", "usevc":
		c.UseTCP = true
	case "single-request", "single-request-reopen":
		c.SingleRequest = true
	case "trust-ad":
		c.TrustAD = true
	case "no-tld-query":
		c.NoTLDQuery = true
	case "edns0":
		// EDNS0 (1232-byte buffer) is always sent.
	case "inet6", "no-aaaa", "no-reload", "debug", "no-check-names", "no_check_names", "ip6-bytestring", "ip6-dotint", "no-ip6-dotint", "insecure1", "insecure2":
		warn("options %s: not implemented by netcalc; ignored", name)
	default:
		warn("options %s: unknown option; ignored", quoteName(o))
	}
}

// String returns c in resolv.conf form; ParseResolvConf of it yields the
// same servers, search list and options (ports other than 53 and the zero
// Config's ndots 0 are written too, as ndots:0).
func (c Config) String() string {
	var b strings.Builder
	for _, s := range c.Servers {
		b.WriteString("nameserver " + s.Addr().String() + "\n")
	}
	if len(c.Search) > 0 {
		b.WriteString("search " + strings.Join(c.Search, " ") + "\n")
	}
	opts := []string{"ndots:" + strconv.Itoa(c.Ndots)}
	if c.Timeout > 0 {
		opts = append(opts, "timeout:"+strconv.Itoa(int(c.Timeout/time.Second)))
	}
	if c.Attempts > 0 {
		opts = append(opts, "attempts:"+strconv.Itoa(c.Attempts))
	}
	for _, o := range []struct {
		on   bool
		name string
	}{{c.Rotate, "rotate"}, {c.UseTCP, "use-vc"}, {c.SingleRequest, "single-request"}, {c.TrustAD, "trust-ad"}, {c.NoTLDQuery, "no-tld-query"}} {
		if o.on {
			opts = append(opts, o.name)
		}
	}
	b.WriteString("options " + strings.Join(opts, " ") + "\n")
	return b.String()
}
