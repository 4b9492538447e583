package resolve

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParseServer parses a DNS server address as dig's @SERVER takes it: IP,
// IP:PORT or [IPv6]:PORT, an IPv6 zone allowed ("[fe80::1%eth0]:53");
// the port defaults to 53 and must be 1-65535. A host name is refused (it
// cannot be resolved before the resolver exists). Anything else is a
// *ServerError.
func ParseServer(s string) (netip.AddrPort, error) {
	bad := func(format string, args ...any) (netip.AddrPort, error) {
		return netip.AddrPort{}, &ServerError{Input: s, Msg: fmt.Sprintf(format, args...)}
	}
	host, port, hasPort := s, "", false
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return bad("no closing ], want [IPv6]:PORT")
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			var ok bool
			if port, ok = strings.CutPrefix(rest, ":"); !ok {
				return bad("%s after ], want :PORT", quoteName(rest))
			}
			hasPort = true
		}
	case strings.Count(s, ":") == 1:
		host, port, hasPort = strings.Cut(s, ":")
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return bad("not an IP address, want IP, IP:PORT or [IPv6]:PORT (a name cannot be resolved before the resolver exists)")
	}
	if !hasPort {
		return netip.AddrPortFrom(a, 53), nil
	}
	n, err := strconv.ParseUint(port, 10, 64)
	switch {
	case port == "" || strings.TrimLeft(port, "0123456789") != "":
		return bad("port %s is not a number, want 1-65535", quoteName(port))
	case err != nil || n > 65535:
		return bad("port %s is out of range, want 1-65535", cutName(port))
	case n == 0:
		return bad("port 0 is not a DNS port, want 1-65535")
	}
	return netip.AddrPortFrom(a, uint16(n)), nil
}

// ServerError reports a server address ParseServer refused: Input is the
// text as given, Msg says what is wrong and what was expected.
type ServerError struct {
	Input string
	Msg   string
}

// Error returns `resolve: server "INPUT": MSG`, INPUT cut to 80
// characters.
func (e *ServerError) Error() string {
	return "resolve: server " + quoteName(e.Input) + ": " + e.Msg
}
