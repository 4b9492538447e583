package manifest

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Node is a decoded value of a document with its path, for errors that
// name the line. The typed reads (Str, Int, Addr...) of a Missing node
// return the zero value or the given default without error; a value of the
// wrong type is an *Error naming the node's line and path. The zero Node is
// Missing and belongs to no document: use the Nodes Document.Root returns.
type Node struct {
	v  any
	at *pathEl // the path up to this node (up to its parent when hasLeaf)
	// leaf is this node's key when it is not in at: Get does not allocate
	// a pathEl for the many leaves that are read and never descended into.
	leaf    string
	hasLeaf bool
	d       *Document
}

// pathEl is one step of a node's path: a key or a list index. The path is
// kept as a chain to the parent's and turned into a slice only for an error
// or a note (copying it at every step was a fifth of reading a large file).
type pathEl struct {
	up    *pathEl
	key   string
	index int
	isKey bool
}

// elem is n's own path element.
func (n Node) elem() *pathEl {
	if n.hasLeaf {
		return &pathEl{up: n.at, key: n.leaf, isKey: true}
	}
	return n.at
}

// path is n's path from the top: string keys and int indexes.
func (n Node) path() []any {
	depth := 0
	for e := n.at; e != nil; e = e.up {
		depth++
	}
	if n.hasLeaf {
		depth++
	}
	out := make([]any, depth)
	if n.hasLeaf {
		depth--
		out[depth] = n.leaf
	}
	for e := n.at; e != nil; e = e.up {
		depth--
		if e.isKey {
			out[depth] = e.key
		} else {
			out[depth] = e.index
		}
	}
	return out
}

// Value returns the decoded value: map[string]any, []any, string,
// json.Number, bool, or nil when Missing.
func (n Node) Value() any { return n.v }

// Get returns the value under key; it is Missing when n is not a mapping
// or has no such key.
func (n Node) Get(key string) Node {
	m, _ := n.v.(map[string]any)
	var v any
	if m != nil {
		v = m[key]
	}
	return Node{v: v, at: n.elem(), leaf: key, hasLeaf: true, d: n.d}
}

// Missing reports whether the value is absent (or null).
func (n Node) Missing() bool { return n.v == nil }

// Kind returns the value of the mapping's "kind" key, "" when it has none.
func (n Node) Kind() string {
	m, _ := n.v.(map[string]any)
	k, _ := m["kind"].(string)
	return k
}

// Path returns the node's path as written in errors: keys joined by dots,
// indexes in brackets ("services[0].ports[1].port"); "" for the top.
func (n Node) Path() string {
	var b strings.Builder
	for _, el := range n.path() {
		switch el := el.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(el)
		case int:
			fmt.Fprintf(&b, "[%d]", el)
		}
	}
	return b.String()
}

// Line returns the 1-based line of the node in the file: the line of its
// key, of its list item, or for a Missing value the line of the deepest
// part of its path that exists.
func (n Node) Line() int {
	if n.d == nil {
		return 0
	}
	return n.d.line(n.path())
}

// File returns the name of the node's file (Reader.File).
func (n Node) File() string {
	if n.d == nil || n.d.r == nil {
		return ""
	}
	return n.d.r.File
}

// Errorf returns an *Error at n wrapping sentinel.
func (n Node) Errorf(sentinel error, format string, args ...any) error {
	return &Error{File: n.File(), Line: n.Line(), Path: n.Path(), Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// Describe words a decoded value for an error: "a mapping", "a list", a
// quoted string, a number or a boolean.
func Describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// Object returns the mapping n holds; anything else (Missing included) is
// an error.
func (n Node) Object() (map[string]any, error) {
	m, ok := n.v.(map[string]any)
	if !ok {
		return nil, n.Errorf(ErrInvalid, "%s is not a mapping: want key: value lines", Describe(n.v))
	}
	return m, nil
}

// Fields checks that n is a mapping with only the allowed keys; the first
// unknown key in sorted order is an error wrapping ErrUnknownField.
func (n Node) Fields(allowed ...string) error {
	m, err := n.Object()
	if err != nil {
		return err
	}
	unknown := false
	for k := range m {
		if !slices.Contains(allowed, k) {
			unknown = true
			break
		}
	}
	if !unknown {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return n.Get(k).Errorf(ErrUnknownField, "unknown field %q: want one of %s", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// List returns the items of a list; nil for a Missing one.
func (n Node) List() ([]Node, error) {
	if n.Missing() {
		return nil, nil
	}
	l, ok := n.v.([]any)
	if !ok {
		return nil, n.Errorf(ErrInvalid, "%s is not a list: want \"- item\" lines", Describe(n.v))
	}
	out := make([]Node, len(l))
	els := make([]pathEl, len(l))
	up := n.elem()
	for i, v := range l {
		els[i] = pathEl{up: up, index: i}
		out[i] = Node{v: v, at: &els[i], d: n.d}
	}
	return out, nil
}

// Items returns the items of a kubectl List (kind: List); check each with
// Object before reading it.
func (n Node) Items() ([]Node, error) { return n.Get("items").List() }

// Str returns a string; a number is read as written; "" when Missing.
func (n Node) Str() (string, error) {
	switch v := n.v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return "", n.Errorf(ErrInvalid, "%s is not a string", Describe(n.v))
}

// Strs reads a list of strings.
func (n Node) Strs() ([]string, error) {
	l, err := n.List()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range l {
		v, err := it.Str()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Bool returns a boolean, def when Missing.
func (n Node) Bool(def bool) (bool, error) {
	switch v := n.v.(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	}
	return false, n.Errorf(ErrInvalid, "%s is not a boolean: want true or false", Describe(n.v))
}

// Int returns an integer lo-hi, 0 when Missing; what words the value in
// the error ("a port").
func (n Node) Int(lo, hi int, what string) (int, error) {
	if n.Missing() {
		return 0, nil
	}
	num, ok := n.v.(json.Number)
	if !ok {
		return 0, n.Errorf(ErrInvalid, "%s is not %s: want an integer %d-%d", Describe(n.v), what, lo, hi)
	}
	v, err := strconv.Atoi(num.String())
	if err != nil || v < lo || v > hi {
		return 0, n.Errorf(ErrInvalid, "%s is not %s: want an integer %d-%d", num, what, lo, hi)
	}
	return v, nil
}

// Port returns a port number 1-65535, 0 when Missing.
func (n Node) Port(what string) (int, error) { return n.Int(1, 65535, what) }

// Enum returns one of allowed, def when Missing or "".
func (n Node) Enum(def string, allowed ...string) (string, error) {
	s, err := n.Str()
	if err != nil {
		return "", err
	}
	if s == "" {
		return def, nil
	}
	if slices.Contains(allowed, s) {
		return s, nil
	}
	return "", n.Errorf(ErrInvalid, "%q is not allowed: want %s", s, strings.Join(allowed, " or "))
}

// Addr returns an IP address without zone (4-in-6 unmapped), the zero Addr
// when Missing or "". An IPv4 address whose parts have leading zeros is
// read as decimal, as Kubernetes reads it, with a Note.
func (n Node) Addr() (netip.Addr, error) {
	s, err := n.Str()
	if err != nil || s == "" {
		return netip.Addr{}, err
	}
	a, perr := netip.ParseAddr(s)
	if perr != nil {
		if sa, ok := sloppyAddr(s); ok {
			n.note(s, sa.String())
			return sa, nil
		}
	}
	if perr != nil || a.Zone() != "" {
		return netip.Addr{}, n.Errorf(ErrInvalid, "%q is not an IP address: want e.g. 10.96.0.10 or 2001:db8::a", s)
	}
	return a.Unmap(), nil
}

// Addrs reads a list of IP addresses; an empty one is an error.
func (n Node) Addrs() ([]netip.Addr, error) {
	l, err := n.List()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, it := range l {
		a, err := it.Addr()
		if err != nil {
			return nil, err
		}
		if !a.IsValid() {
			return nil, it.Errorf(ErrInvalid, "empty address: want an IP address")
		}
		out = append(out, a)
	}
	return out, nil
}

// Prefix returns a CIDR prefix, masked; the zero Prefix when Missing or
// "". Leading zeros in an IPv4 prefix are read as Addr reads them.
func (n Node) Prefix() (netip.Prefix, error) {
	s, err := n.Str()
	if err != nil || s == "" {
		return netip.Prefix{}, err
	}
	pf, perr := netip.ParsePrefix(strings.TrimSpace(s))
	if perr != nil {
		if a, bits, ok := strings.Cut(strings.TrimSpace(s), "/"); ok {
			sa, aok := sloppyAddr(a)
			nb, err := strconv.Atoi(bits)
			if aok && err == nil && nb >= 0 && nb <= 32 && len(bits) <= 3 {
				pf = netip.PrefixFrom(sa, nb).Masked()
				n.note(s, pf.String())
				return pf, nil
			}
		}
	}
	if perr != nil {
		return netip.Prefix{}, n.Errorf(ErrInvalid, "%q is not a CIDR prefix: want e.g. 10.244.0.0/16", s)
	}
	return pf.Masked(), nil
}

// Prefixes reads a list of CIDR prefixes, skipping empty ones.
func (n Node) Prefixes() ([]netip.Prefix, error) {
	l, err := n.List()
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, it := range l {
		pf, err := it.Prefix()
		if err != nil {
			return nil, err
		}
		if pf.IsValid() {
			out = append(out, pf)
		}
	}
	return out, nil
}

// sloppyAddr reads an IPv4 address whose parts have leading zeros
// ("172.30.0.041") as kube-proxy's netutils.ParseIPSloppy does, as decimal
// numbers. It reports false for anything else.
func sloppyAddr(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i, p := range parts {
		if p == "" || len(p) > 3 {
			return netip.Addr{}, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n > 255 || strings.TrimLeft(p, "0123456789") != "" {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), true
}

// note reports a value read leniently to the Reader's Note.
func (n Node) note(s, canonical string) {
	if n.d == nil || n.d.r == nil || n.d.r.Note == nil {
		return
	}
	n.d.r.Note(Note{File: n.File(), Line: n.Line(), Path: n.Path(), Value: s, Canonical: canonical})
}
