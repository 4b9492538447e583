package resolve

import (
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// Name limits (RFC 1035 §2.3.4): 253 octets in presentation form without
// the root dot, 63 per label.
const (
	MaxNameLen  = 253
	MaxLabelLen = 63
)

// ToASCII returns name with every U-label converted to an A-label with the
// IDNA2008 lookup profile ("bücher.example" → "xn--bcher-kva.example"),
// lower-casing only the converted labels. Pure-ASCII names are returned
// unchanged (so that "_http._tcp" SRV names keep working). It returns a
// *NameError wrapping ErrBadName for an empty name, an empty label, a label
// over 63 octets, a name over 253 octets or an invalid IDN.
func ToASCII(name string) (string, error) {
	if name == "" {
		return "", &NameError{Name: name, Msg: "empty name, want a host name or an IP address", Err: ErrBadName}
	}
	ascii := name
	if !isASCII(name) {
		a, err := idna.Lookup.ToASCII(name)
		if err != nil {
			return "", &NameError{Name: name, Msg: "not a valid internationalized domain name: " + err.Error(), Err: ErrBadName}
		}
		ascii = a
	}
	if err := checkName(ascii); err != "" {
		return "", &NameError{Name: name, Msg: err, Err: ErrBadName}
	}
	return ascii, nil
}

// ToUnicode returns name with A-labels shown as U-labels, for display; it
// returns name unchanged when it has no valid A-label.
func ToUnicode(name string) string {
	if !strings.Contains(name, "xn--") {
		return name
	}
	u, err := idna.Display.ToUnicode(name)
	if err != nil {
		return name
	}
	return u
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// checkName returns "" for a valid presentation-form name (optionally
// rooted), else what is wrong with it.
func checkName(n string) string {
	if n == "." {
		return ""
	}
	n = strings.TrimSuffix(n, ".")
	if n == "" {
		return "empty name, want a host name or an IP address"
	}
	if len(n) > MaxNameLen {
		return "name of " + strconv.Itoa(len(n)) + " characters, want at most 253"
	}
	for l := range strings.SplitSeq(n, ".") {
		if l == "" {
			return "empty label (two dots in a row or a leading dot), want 1-63 characters between dots"
		}
		if len(l) > MaxLabelLen {
			return "label \"" + l[:10] + "...\" of " + strconv.Itoa(len(l)) + " characters, want at most 63"
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; c <= ' ' || c == 0x7f || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$' {
				return "character " + quoteByte(c) + " is not allowed in a domain name (no blanks, control characters or \\ \" ( ) ; @ $)"
			}
		}
	}
	return ""
}

func quoteByte(c byte) string {
	if c > ' ' && c < 0x7f {
		return "'" + string(c) + "'"
	}
	const hex = "0123456789abcdef"
	return "0x" + string(hex[c>>4]) + string(hex[c&15])
}

// NameList returns the names a lookup of name tries, in order, fully
// qualified (RFC 1535, glibc res_nsearch, Go's nameList):
//   - a rooted name ("web.example.test.") is tried as-is only;
//   - a name with at least c.Ndots dots is tried as-is first, then with
//     each search domain appended;
//   - otherwise with each search domain first and as-is last (not at all
//     for a single label when c.NoTLDQuery is set);
//   - candidates longer than 253 characters are skipped.
//
// name must already be in A-labels (see ToASCII).
func (c *Config) NameList(name string) []string {
	if strings.HasSuffix(name, ".") {
		if len(name) > MaxNameLen+1 {
			return nil
		}
		return []string{name}
	}
	var out []string
	add := func(n string) {
		if len(n) <= MaxNameLen && checkName(n) == "" {
			out = append(out, n+".")
		}
	}
	dots := strings.Count(name, ".")
	asIs := dots >= c.Ndots
	if asIs {
		add(name)
	}
	for _, d := range c.Search {
		add(name + "." + d)
	}
	if !asIs && !(c.NoTLDQuery && dots == 0) {
		add(name)
	}
	return out
}
