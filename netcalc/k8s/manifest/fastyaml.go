package manifest

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// fastYAML decodes the plain block YAML that scenario files are made of
// (mappings, sequences, one-line {k: v} and [a, b] flow collections, plain
// scalars, comments) straight into the values that yaml.YAMLToJSON followed
// by a json.Decoder with UseNumber gives: map[string]any, []any, string,
// json.Number and bool. That round trip was most of `kube-proxy rules` on a
// large file. Anything outside the subset it recognises with certainty
// (quotes, anchors, tags, block scalars, multi-line scalars, nulls, YAML 1.1
// booleans other than true/false, numbers other than plain decimal
// integers, duplicate keys, tabs ...) returns ok false, and the caller takes
// the general path, which also words every error. TestFastYAML compares the
// two on the test files and on generated variants.
func fastYAML(lines []string) (v any, ok bool) {
	fl := make([]fyLine, 0, len(lines))
	for _, l := range lines {
		if strings.ContainsAny(l, "\t\r") || !utf8.ValidString(l) {
			return nil, false
		}
		ind := len(l) - len(strings.TrimLeft(l, " "))
		t := l[ind:]
		if t == "" || t[0] == '#' {
			continue
		}
		if i := strings.Index(t, " #"); i >= 0 {
			t = t[:i]
		}
		t = strings.TrimRight(t, " ")
		if strings.IndexByte(t, '#') >= 0 {
			return nil, false
		}
		for i := 0; i < len(t); i++ {
			if c := t[i]; c < 0x20 || c == 0x7f {
				return nil, false
			}
		}
		fl = append(fl, fyLine{ind, t})
	}
	if len(fl) == 0 {
		return nil, false
	}
	p := &fyParser{lines: fl}
	v, ok = p.block(fl[0].indent)
	if !ok || p.i != len(fl) {
		return nil, false
	}
	return v, true
}

type fyLine struct {
	indent int
	text   string
}

type fyParser struct {
	lines []fyLine
	i     int
}

// block parses the mapping or sequence whose lines start at indent ind.
func (p *fyParser) block(ind int) (any, bool) {
	l := p.lines[p.i]
	if l.indent != ind {
		return nil, false
	}
	if strings.HasPrefix(l.text, "- ") || l.text == "-" {
		return p.seq(ind)
	}
	return p.mapping(ind, l.text)
}

// seq parses "- item" lines at indent ind.
func (p *fyParser) seq(ind int) (any, bool) {
	out := []any{}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < ind {
			break
		}
		if l.indent > ind {
			return nil, false
		}
		if !strings.HasPrefix(l.text, "- ") {
			break
		}
		rest := strings.TrimLeft(l.text[2:], " ")
		if rest == "" || rest[0] == '-' {
			return nil, false
		}
		if _, _, isKey := fyKey(rest); isKey {
			v, ok := p.mapping(ind+len(l.text)-len(rest), rest)
			if !ok {
				return nil, false
			}
			out = append(out, v)
			continue
		}
		v, ok := fyValue(rest)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		p.i++
		if p.i < len(p.lines) && p.lines[p.i].indent > ind {
			return nil, false
		}
	}
	return out, true
}

// mapping parses "key: value" lines at indent ind; first is the text of
// the first one (it may follow a "- " on its line).
func (p *fyParser) mapping(ind int, first string) (any, bool) {
	m := map[string]any{}
	text := first
	for {
		key, rest, isKey := fyKey(text)
		if !isKey {
			return nil, false
		}
		if _, dup := m[key]; dup {
			return nil, false
		}
		p.i++
		var v any
		if rest == "" {
			if p.i >= len(p.lines) {
				return nil, false // a null
			}
			next := p.lines[p.i]
			var ok bool
			switch {
			case next.indent > ind:
				v, ok = p.block(next.indent)
			case next.indent == ind && (strings.HasPrefix(next.text, "- ") || next.text == "-"):
				v, ok = p.seq(ind)
			}
			if !ok {
				return nil, false
			}
		} else {
			var ok bool
			if v, ok = fyValue(rest); !ok {
				return nil, false
			}
			if p.i < len(p.lines) && p.lines[p.i].indent > ind {
				return nil, false
			}
		}
		m[key] = v
		if p.i >= len(p.lines) {
			break
		}
		l := p.lines[p.i]
		if l.indent != ind || strings.HasPrefix(l.text, "- ") || l.text == "-" {
			if l.indent > ind {
				return nil, false
			}
			break
		}
		text = l.text
	}
	return m, true
}

// fyKey splits "key: rest" or "key:".
func fyKey(s string) (key, rest string, ok bool) {
	i := strings.Index(s, ": ")
	if i < 0 {
		if !strings.HasSuffix(s, ":") {
			return "", "", false
		}
		i = len(s) - 1
	}
	key = s[:i]
	if !fySafeKey(key) {
		return "", "", false
	}
	return key, strings.TrimLeft(s[i+1:], " "), true
}

// fySafeKey: a key that YAML reads as that string and nothing else.
func fySafeKey(k string) bool {
	if k == "" || !fyLetter(k[0]) || fyReserved(k) {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !fyLetter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '.' && c != '/' {
			return false
		}
	}
	return true
}

func fyLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// fyReserved: words YAML 1.1 resolves to a boolean or null in some case.
func fyReserved(s string) bool {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return true
	}
	return false
}

// fyValue is a value on the rest of a line: a flow collection or a scalar.
func fyValue(s string) (any, bool) {
	switch s[0] {
	case '{':
		if !strings.HasSuffix(s, "}") {
			return nil, false
		}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		m := map[string]any{}
		if inner == "" {
			return m, true
		}
		for _, part := range strings.Split(inner, ",") {
			part = strings.TrimSpace(part)
			k, rest, ok := fyKey(part)
			if !ok || rest == "" {
				return nil, false
			}
			if _, dup := m[k]; dup {
				return nil, false
			}
			v, ok := fyScalar(rest)
			if !ok {
				return nil, false
			}
			m[k] = v
		}
		return m, true
	case '[':
		if !strings.HasSuffix(s, "]") {
			return nil, false
		}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		out := []any{}
		if inner == "" {
			return out, true
		}
		for _, part := range strings.Split(inner, ",") {
			v, ok := fyScalar(strings.TrimSpace(part))
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	}
	return fyScalar(s)
}

// fyScalar resolves a plain scalar: true, false, a decimal integer, or a
// string that cannot be read as anything else.
func fyScalar(s string) (any, bool) {
	if s == "" || strings.ContainsAny(s, "{}[],:\"'&*!|>%@`?\\") && !fyAddrLike(s) {
		return nil, false
	}
	if s == "true" {
		return true, true
	}
	if s == "false" {
		return false, true
	}
	c := s[0]
	switch {
	case fyLetter(c):
		if fyReserved(s) || strings.Contains(s, ": ") {
			return nil, false
		}
		return s, true
	case c >= '0' && c <= '9':
		digits := true
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				digits = false
				break
			}
		}
		if digits {
			if len(s) > 1 && s[0] == '0' || len(s) > 18 {
				return nil, false
			}
			return json.Number(s), true
		}
		if fyAddrLike(s) {
			return s, true
		}
	}
	return nil, false
}

// fyAddrLike: an IPv4 address or prefix (three dots, digits) or an IPv6
// one (hex digits, two or more colons, dots, one slash), which YAML reads as
// strings.
func fyAddrLike(s string) bool {
	dots, colons, slashes := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			dots++
		case c == ':':
			colons++
		case c == '/':
			slashes++
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	if slashes > 1 || s[0] == '.' || s[0] == ':' && !strings.HasPrefix(s, "::") || s[len(s)-1] == '.' {
		return false
	}
	if colons == 0 {
		return dots == 3 && s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "abcdefABCDEF")
	}
	return colons >= 2
}
