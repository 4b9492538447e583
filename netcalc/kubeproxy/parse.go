package kubeproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

// Parse reads a kube-proxy scenario: one or more YAML documents separated by
// "---" lines. A document without "kind" is netcalc's own format (node,
// nodeIPs, clusterCIDR, flags and services with their endpoints; several
// such documents merge, later keys winning, Services adding up); documents
// of kind Service (v1), EndpointSlice (discovery.k8s.io/v1) and List are
// read as Kubernetes manifests, EndpointSlices joining their Service through
// the kubernetes.io/service-name label; other kinds are skipped. file names
// the input in errors. Errors are *ParseError values naming the line.
func Parse(data []byte, file string) (*Config, error) {
	// localhostNodePorts defaults to true, as kube-proxy's
	// --iptables-localhost-nodeports does.
	p := &parser{file: file, cfg: &Config{LocalhostNodePorts: true}}
	docs := splitDocuments(data)
	for _, d := range docs {
		if err := p.document(d); err != nil {
			return nil, err
		}
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

// doc is one YAML document and where it starts.
type doc struct {
	text    []byte
	start   int // 1-based line of the document's first line
	lines   []string
	entries []yamlEntry
	scanned bool // entries holds scanEntries(lines)
}

// lineEntries returns the document's key and item lines, scanned on first
// use: only an error or a note needs them.
func (d *doc) lineEntries() []yamlEntry {
	if !d.scanned {
		d.entries, d.scanned = scanEntries(d.lines), true
	}
	return d.entries
}

// splitDocuments splits data on lines that start with "---".
func splitDocuments(data []byte) []*doc {
	lines := strings.Split(string(data), "\n")
	var docs []*doc
	// A document's text is its lines joined with newlines: the bytes of data
	// from its first line to the end of its last, sliced, not copied.
	cur, first, off, from := &doc{start: 1}, 0, 0, 0
	flush := func(i, end, next int) {
		cur.lines = lines[first:i:i]
		if len(cur.lines) > 0 {
			cur.text = data[from:end:end]
		}
		docs = append(docs, cur)
		cur = &doc{start: next}
	}
	for i, l := range lines {
		if l == "---" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t") || l == "---\r" {
			flush(i, max(off-1, from), i+2)
			first, from = i+1, off+len(l)+1
		}
		off += len(l) + 1
	}
	flush(len(lines), len(data), 0)
	return docs
}

type parser struct {
	file   string
	cfg    *Config
	slices []k8sSlice
	// noNodePort holds the Service ports ("ns/name:port/proto") whose
	// nodePort is an explicit 0: none wanted, none allocated.
	noNodePort map[string]bool
}

// yamlLine is compiled on first use (a YAML error), not at start-up.
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+)`) })

func (p *parser) document(d *doc) error {
	if len(bytes.TrimSpace(d.text)) == 0 {
		return nil
	}
	v, ok := fastYAML(d.lines)
	if !ok {
		var err error
		if v, err = p.decodeYAML(d); err != nil {
			return err
		}
	}
	if v == nil {
		return nil
	}
	n := node{v: v, d: d, p: p}
	m, err := n.object()
	if err != nil {
		return err
	}
	kind, _ := m["kind"].(string)
	switch kind {
	case "":
		return p.config(n)
	case "Service":
		return p.k8sService(n)
	case "EndpointSlice":
		return p.k8sEndpointSlice(n)
	case "List":
		items, err := n.get("items").list()
		if err != nil {
			return err
		}
		for _, it := range items {
			im, err := it.object()
			if err != nil {
				return err
			}
			switch im["kind"] {
			case "Service":
				err = p.k8sService(it)
			case "EndpointSlice":
				err = p.k8sEndpointSlice(it)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeYAML is the general path: sigs.k8s.io/yaml's YAML-to-JSON
// conversion, then JSON decoding with numbers kept as json.Number.
func (p *parser) decodeYAML(d *doc) (any, error) {
	js, err := yaml.YAMLToJSON(d.text)
	if err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
		msg = strings.TrimPrefix(msg, "yaml: ")
		line := d.start
		if m := yamlLine().FindStringSubmatchIndex(msg); m != nil {
			n, _ := strconv.Atoi(msg[m[2]:m[3]])
			line = d.start + n - 1
			msg = strings.TrimPrefix(msg[:m[0]]+msg[m[1]:], ": ")
		}
		if last := d.start + len(d.lines) - 1; line > last { // the parser reports end of input one line late
			line = last
		}
		if i := line - d.start; i >= 0 && i < len(d.lines) {
			l := d.lines[i]
			if strings.Contains(l[:len(l)-len(strings.TrimLeft(l, " \t"))], "\t") {
				msg += " (a tab in the indentation: YAML indents with spaces only)"
			}
		}
		return nil, &ParseError{File: p.file, Line: line, Msg: msg, Err: ErrSyntax}
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ParseError{File: p.file, Line: d.start, Msg: err.Error(), Err: ErrSyntax}
	}
	return v, nil
}

// node is a decoded YAML value with its path, for errors that name the line.
type node struct {
	v  any
	at *pathEl // the path up to this node (up to its parent when hasLeaf)
	// leaf is this node's key when it is not in at: get does not allocate
	// a pathEl for the many leaves that are read and never descended into.
	leaf    string
	hasLeaf bool
	d       *doc
	p       *parser
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
func (n node) elem() *pathEl {
	if n.hasLeaf {
		return &pathEl{up: n.at, key: n.leaf, isKey: true}
	}
	return n.at
}

// path is n's path from the top: string keys and int indexes.
func (n node) path() []any {
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

func (n node) get(key string) node {
	m, _ := n.v.(map[string]any)
	var v any
	if m != nil {
		v = m[key]
	}
	return node{v: v, at: n.elem(), leaf: key, hasLeaf: true, d: n.d, p: n.p}
}

func (n node) missing() bool { return n.v == nil }

func (n node) pathString() string {
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

func (n node) errf(sentinel error, format string, args ...any) error {
	line := n.d.start
	if entries := n.d.lineEntries(); entries != nil {
		line = n.d.start + locate(entries, n.path())
	}
	return &ParseError{File: n.p.file, Line: line, Path: n.pathString(), Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func describe(v any) string {
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

func (n node) object() (map[string]any, error) {
	m, ok := n.v.(map[string]any)
	if !ok {
		return nil, n.errf(ErrInvalid, "%s is not a mapping: want key: value lines", describe(n.v))
	}
	return m, nil
}

// fields checks that n is a mapping with only the allowed keys.
func (n node) fields(allowed ...string) error {
	m, err := n.object()
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
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			return n.get(k).errf(ErrUnknownField, "unknown field %q: want one of %s", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func (n node) list() ([]node, error) {
	if n.missing() {
		return nil, nil
	}
	l, ok := n.v.([]any)
	if !ok {
		return nil, n.errf(ErrInvalid, "%s is not a list: want \"- item\" lines", describe(n.v))
	}
	out := make([]node, len(l))
	els := make([]pathEl, len(l))
	up := n.elem()
	for i, v := range l {
		els[i] = pathEl{up: up, index: i}
		out[i] = node{v: v, at: &els[i], d: n.d, p: n.p}
	}
	return out, nil
}

func (n node) str() (string, error) {
	switch v := n.v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return "", n.errf(ErrInvalid, "%s is not a string", describe(n.v))
}

func (n node) boolean(def bool) (bool, error) {
	switch v := n.v.(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	}
	return false, n.errf(ErrInvalid, "%s is not a boolean: want true or false", describe(n.v))
}

func (n node) integer(lo, hi int, what string) (int, error) {
	if n.missing() {
		return 0, nil
	}
	num, ok := n.v.(json.Number)
	if !ok {
		return 0, n.errf(ErrInvalid, "%s is not %s: want an integer %d-%d", describe(n.v), what, lo, hi)
	}
	v, err := strconv.Atoi(num.String())
	if err != nil || v < lo || v > hi {
		return 0, n.errf(ErrInvalid, "%s is not %s: want an integer %d-%d", num, what, lo, hi)
	}
	return v, nil
}

func (n node) port(what string) (int, error) { return n.integer(1, 65535, what) }

func (n node) addr() (netip.Addr, error) {
	s, err := n.str()
	if err != nil || s == "" {
		return netip.Addr{}, err
	}
	a, perr := netip.ParseAddr(s)
	if perr != nil {
		if sa, ok := sloppyAddr(s); ok {
			n.sloppy(s, sa.String())
			return sa, nil
		}
	}
	if perr != nil || a.Zone() != "" {
		return netip.Addr{}, n.errf(ErrInvalid, "%q is not an IP address: want e.g. 10.96.0.10 or 2001:db8::a", s)
	}
	return a.Unmap(), nil
}

// strs reads a list of strings.
func (n node) strs() ([]string, error) {
	l, err := n.list()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range l {
		v, err := it.str()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
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

// sloppy notes that a value with leading zeros was read as canonical.
func (n node) sloppy(s, canonical string) {
	line := n.d.start
	if entries := n.d.lineEntries(); entries != nil {
		line = n.d.start + locate(entries, n.path())
	}
	n.p.cfg.Notes = append(n.p.cfg.Notes, fmt.Sprintf("%s:%d: %s %q has leading zeros: read as %s, as kube-proxy reads it (API servers before 1.22 stored such values)",
		n.p.file, line, n.pathString(), s, canonical))
}

func (n node) addrs() ([]netip.Addr, error) {
	l, err := n.list()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, it := range l {
		a, err := it.addr()
		if err != nil {
			return nil, err
		}
		if !a.IsValid() {
			return nil, it.errf(ErrInvalid, "empty address: want an IP address")
		}
		out = append(out, a)
	}
	return out, nil
}

func (n node) prefix() (netip.Prefix, error) {
	s, err := n.str()
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
				n.sloppy(s, pf.String())
				return pf, nil
			}
		}
	}
	if perr != nil {
		return netip.Prefix{}, n.errf(ErrInvalid, "%q is not a CIDR prefix: want e.g. 10.244.0.0/16", s)
	}
	return pf.Masked(), nil
}

func (n node) prefixes() ([]netip.Prefix, error) {
	l, err := n.list()
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, it := range l {
		pf, err := it.prefix()
		if err != nil {
			return nil, err
		}
		if pf.IsValid() {
			out = append(out, pf)
		}
	}
	return out, nil
}

func (n node) enum(def string, allowed ...string) (string, error) {
	s, err := n.str()
	if err != nil {
		return "", err
	}
	if s == "" {
		return def, nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", n.errf(ErrInvalid, "%q is not allowed: want %s", s, strings.Join(allowed, " or "))
}
