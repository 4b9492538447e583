package kubeproxy

import (
	"bufio"
	"errors"
	"io"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// ErrNoKubeProxyTable means an `nft list ruleset` dump has no kube-proxy
// table of the wanted family.
var ErrNoKubeProxyTable = errors.New("no kube-proxy table")

// NFTDumpError is a line of an `nft list ruleset` dump that
// ReadNFTListing cannot read: its 1-based number, the offending token
// and what was expected.
type NFTDumpError struct {
	Line  int
	Token string
	Msg   string
}

// Error returns `kubeproxy: line N: "TOKEN": MSG`.
func (e *NFTDumpError) Error() string { return "kubeproxy: " + e.Message() }

// Message returns the error without the package prefix.
func (e *NFTDumpError) Message() string {
	return "line " + strconv.Itoa(e.Line) + ": " + strconv.Quote(cutToken(e.Token)) + ": " + e.Msg
}

func cutToken(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// ReadNFTListing reads what `nft list ruleset` (or `nft list table ip
// kube-proxy`) prints on a node running kube-proxy in nftables mode: the
// listing syntax, "table ip kube-proxy { chain NAME { RULE ... } map NAME
// { type ... ; elements = { ... } } }", not the "add ..." transaction
// kube-proxy hands to nft. It returns the table of node's family (table
// ip kube-proxy, or table ip6 kube-proxy when node.IPv6) as an
// NFTRuleset that NFTTracer walks; other tables are skipped. node gives
// what a dump does not hold: the node's addresses (what "fib ... type
// local" matches and the masquerade source); a nil node is an IPv4 node
// whose only local address is loopback. The masquerade mark and the
// cluster CIDR are read from the rules. The ruleset has no Objects and no
// Ports: it is for tracing. Errors are *NFTDumpError values, or wrap
// ErrNoKubeProxyTable.
func ReadNFTListing(r io.Reader, node *Config) (*NFTRuleset, error) {
	cfg := &Config{}
	if node != nil {
		c := *node
		c.Services = nil
		cfg = &c
	}
	rs := &NFTRuleset{Family: "ip", cfg: cfg, chainDecl: map[string]string{}, rules: map[string][]*nftRule{},
		sets: map[string]*nftSet{}, owner: map[string]string{}, endpointOf: map[string]netip.AddrPort{}, local: map[netip.Addr]bool{}}
	if cfg.IPv6 {
		rs.Family = "ip6"
	}
	for _, a := range cfg.NodeIPs {
		rs.local[a.Unmap()] = true
	}
	p := &nftDumpParser{rs: rs, sc: bufio.NewScanner(r)}
	p.sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	found, other, err := p.parse()
	if err != nil {
		return nil, err
	}
	if !found {
		if other != "" {
			return nil, &TableFamilyError{Family: rs.Family, Other: other}
		}
		return nil, ErrNoKubeProxyTable
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return rs, nil
}

// TableFamilyError reports a dump without table Family kube-proxy (ip,
// ip6) that has the other family's, Other: the trace asked for the other
// family (Config.IPv6). It wraps ErrNoKubeProxyTable.
type TableFamilyError struct{ Family, Other string }

func (e *TableFamilyError) Error() string {
	return "kubeproxy: no kube-proxy table of family " + e.Family + ", only table " + e.Other + " kube-proxy"
}

// Unwrap returns ErrNoKubeProxyTable.
func (e *TableFamilyError) Unwrap() error { return ErrNoKubeProxyTable }

type nftDumpParser struct {
	rs   *NFTRuleset
	sc   *bufio.Scanner
	line int
	// ruleLine is the line of each rule, for errors found after parsing.
	ruleLine map[*nftRule]int
}

func (p *nftDumpParser) errf(tok, msg string) error {
	return &NFTDumpError{Line: p.line, Token: tok, Msg: msg}
}

// next returns the next non-blank line, trimmed, without a trailing "#
// handle N" (nft -a); ok is false at the end.
func (p *nftDumpParser) next() (string, bool, error) {
	for p.sc.Scan() {
		p.line++
		l := strings.TrimSpace(p.sc.Text())
		if p.line == 1 {
			l = strings.TrimPrefix(l, "\ufeff")
		}
		if i := strings.Index(l, "# handle "); i >= 0 && !inQuotes(l, i) {
			l = strings.TrimSpace(l[:i])
		}
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		return l, true, nil
	}
	if err := p.sc.Err(); err != nil {
		return "", false, err
	}
	return "", false, nil
}

// inQuotes reports whether byte i of s is inside a "quoted" string.
func inQuotes(s string, i int) bool {
	return strings.Count(s[:i], `"`)%2 == 1
}

// braces returns the change in brace depth of a line, outside quotes.
func braces(s string) int {
	d, q := 0, false
	for _, c := range s {
		switch {
		case c == '"':
			q = !q
		case q:
		case c == '{':
			d++
		case c == '}':
			d--
		}
	}
	return d
}

// skipBlock skips lines until the block opened on the current line (depth
// d after it) is closed.
func (p *nftDumpParser) skipBlock(d int) error {
	for d > 0 {
		l, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return p.errf("", "the dump ends inside a block: want a closing }")
		}
		d += braces(l)
	}
	return nil
}

func (p *nftDumpParser) parse() (found bool, other string, err error) {
	for {
		l, ok, err := p.next()
		if err != nil || !ok {
			return found, other, err
		}
		f := strings.Fields(l)
		if strings.HasPrefix(f[0], "*") || strings.HasPrefix(f[0], ":") || strings.HasPrefix(f[0], "add") {
			return false, "", p.errf(f[0], "want nft list ruleset output (table ip kube-proxy { ... }); this is iptables-save output or an nft transaction: trace iptables-save output with --iptables-save, a manifest with --mode nftables")
		}
		if f[0] != "table" || len(f) < 4 || f[len(f)-1] != "{" {
			return false, "", p.errf(f[0], "want a table (table ip kube-proxy { ... }): nft list ruleset output")
		}
		if f[2] == NFTTable && f[1] == p.rs.Family && !found {
			found = true
			if err := p.table(); err != nil {
				return false, "", err
			}
			continue
		}
		if f[2] == NFTTable && (f[1] == "ip" || f[1] == "ip6") {
			other = f[1]
		}
		if err := p.skipBlock(braces(l)); err != nil {
			return false, "", err
		}
	}
}

// table reads the body of the kube-proxy table.
func (p *nftDumpParser) table() error {
	for {
		l, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return p.errf("", "the dump ends inside table "+p.rs.Family+" "+NFTTable+": want a closing }")
		}
		f := strings.Fields(l)
		switch {
		case l == "}":
			return nil
		case f[0] == "comment" || f[0] == "flags":
		case (f[0] == "set" || f[0] == "map") && len(f) == 3 && f[2] == "{":
			if err := p.set(f[0], f[1]); err != nil {
				return err
			}
		case f[0] == "chain" && len(f) == 3 && f[2] == "{":
			if err := p.chain(f[1]); err != nil {
				return err
			}
		case strings.HasSuffix(l, "{"):
			// counters, quotas, flowtables and other objects the
			// tracer does not use.
			if err := p.skipBlock(braces(l)); err != nil {
				return err
			}
		default:
			return p.errf(f[0], "want a set, map, chain or counter of table "+p.rs.Family+" "+NFTTable)
		}
	}
}

func (p *nftDumpParser) set(kind, name string) error {
	s := &nftSet{kind: kind, elems: map[string]string{}}
	p.rs.sets[name] = s
	p.rs.setOrder = append(p.rs.setOrder, name)
	for {
		l, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return p.errf("", "the dump ends inside "+kind+" "+name+": want a closing }")
		}
		if l == "}" {
			return nil
		}
		rest, isElems := strings.CutPrefix(l, "elements = {")
		if !isElems {
			f := strings.Fields(l)
			switch f[0] {
			case "type", "typeof", "flags", "size", "timeout", "gc-interval", "comment", "policy", "auto-merge", "counter":
				if f[0] == "timeout" && len(f) > 1 {
					s.timeout = nftSeconds(f[1])
				}
				continue
			}
			return p.errf(f[0], "want type, flags, size, timeout, comment or elements in "+kind+" "+name)
		}
		// Collect the element list up to its closing brace.
		text, d := rest, 1+braces(rest)
		for d > 0 {
			l, ok, err := p.next()
			if err != nil {
				return err
			}
			if !ok {
				return p.errf("", "the dump ends inside the elements of "+name+": want a closing }")
			}
			text += " " + l
			d += braces(l)
		}
		text = strings.TrimSpace(text)
		text = strings.TrimSpace(strings.TrimSuffix(text, "}"))
		for _, el := range splitTop(text, ',') {
			if err := p.element(s, name, el); err != nil {
				return err
			}
		}
	}
}

// nftSeconds parses an nft duration such as "3h", "10800s", "1d2h3m4s".
func nftSeconds(s string) int {
	total, n := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
		case c == 'd':
			total, n = total+n*86400, 0
		case c == 'h':
			total, n = total+n*3600, 0
		case c == 'm':
			total, n = total+n*60, 0
		case c == 's':
			total, n = total+n, 0
		}
	}
	return total + n
}

// splitTop splits s at sep outside quotes and braces.
func splitTop(s string, sep rune) []string {
	var out []string
	d, q, start := 0, false, 0
	for i, c := range s {
		switch {
		case c == '"':
			q = !q
		case q:
		case c == '{':
			d++
		case c == '}':
			d--
		case c == sep && d == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

// element adds one element, "KEY [timeout T] [expires E] [comment "C"]
// [: VALUE]", to set s.
func (p *nftDumpParser) element(s *nftSet, name, el string) error {
	key, value, _ := strings.Cut(el, " : ")
	if s.kind == "map" && value == "" {
		return p.errf(el, "want KEY : VALUE in map "+name)
	}
	comment := ""
	if i := strings.Index(key, ` comment "`); i >= 0 {
		c := key[i+len(` comment "`):]
		j := strings.IndexByte(c, '"')
		if j < 0 {
			return p.errf(el, "an unterminated comment")
		}
		comment, key = c[:j], key[:i]+c[j+1:]
	}
	f := strings.Fields(key)
	var kf []string
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case "timeout", "expires":
			i++
			continue
		case "counter":
			// counter packets N bytes N
			i += 4
			continue
		}
		kf = append(kf, f[i])
	}
	if len(kf) == 0 {
		return p.errf(el, "want an element key in "+name)
	}
	k := strings.Join(kf, " ")
	s.elems[k] = strings.Join(strings.Fields(value), " ")
	if comment != "" {
		if s.comments == nil {
			s.comments = map[string]string{}
		}
		s.comments[k] = comment
	}
	return nil
}

func (p *nftDumpParser) chain(name string) error {
	p.rs.chainOrder = append(p.rs.chainOrder, name)
	if p.rs.rules[name] == nil {
		p.rs.rules[name] = nil
	}
	if svc := ownerOf(name); svc != "" {
		p.rs.owner[name] = svc
	}
	for {
		l, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return p.errf("", "the dump ends inside chain "+name+": want a closing }")
		}
		switch {
		case l == "}":
			return nil
		case strings.HasPrefix(l, "type ") && strings.Contains(l, " hook "):
			continue
		case strings.HasPrefix(l, "comment ") && !strings.Contains(l[len("comment "):], " "+`"`):
			continue
		case strings.HasPrefix(l, "policy "):
			continue
		}
		r, err := p.rule(name, l)
		if err != nil {
			return err
		}
		p.rs.rules[name] = append(p.rs.rules[name], r)
		if p.ruleLine == nil {
			p.ruleLine = map[*nftRule]int{}
		}
		p.ruleLine[r] = p.line
	}
}

// ownerOf returns the Service port "namespace/name:port" of a per-port or
// per-endpoint chain from its name ("service-HASH-ns/name/proto/port"),
// or "".
func ownerOf(chain string) string {
	for _, pre := range []string{NFTPrefixService, NFTPrefixLocal, NFTPrefixExternal, NFTPrefixFirewall, NFTPrefixEndpoint} {
		rest, ok := strings.CutPrefix(chain, pre)
		if !ok {
			continue
		}
		_, base, ok := strings.Cut(rest, "-")
		if !ok || strings.HasSuffix(base, "...") {
			return ""
		}
		if i := strings.Index(base, "__"); i >= 0 && pre == NFTPrefixEndpoint {
			base = base[:i]
		}
		f := strings.Split(base, "/")
		if len(f) != 4 {
			return ""
		}
		if f[3] == "" {
			return f[0] + "/" + f[1]
		}
		return f[0] + "/" + f[1] + ":" + f[3]
	}
	return ""
}

// tokens splits a rule into words, keeping "quoted strings" and
// { brace lists } whole.
func tokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				out = append(out, s[i:])
				return out
			}
			out = append(out, s[i:i+j+2])
			i += j + 2
		case c == '{':
			d, j := 0, i
			for ; j < len(s); j++ {
				if s[j] == '{' {
					d++
				} else if s[j] == '}' {
					d--
					if d == 0 {
						break
					}
				}
			}
			if j == len(s) {
				out = append(out, s[i:])
				return out
			}
			out = append(out, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

// rule parses one rule of chain as nft lists it.
func (p *nftDumpParser) rule(chain, text string) (*nftRule, error) {
	r := &nftRule{chain: chain, text: text}
	t := tokens(text)
	ipX := p.rs.Family
	at := func(i int, want ...string) bool {
		if i+len(want) > len(t) {
			return false
		}
		for k, w := range want {
			if t[i+k] != w {
				return false
			}
		}
		return true
	}
	bad := func(i int, msg string) (*nftRule, error) {
		return nil, p.errf(strings.Join(t[i:], " "), msg)
	}
	for i := 0; i < len(t); {
		switch {
		case at(i, "ct", "state", "new"):
			r.ctNew = true
			i += 3
		case at(i, "ct", "status", "dnat"):
			r.ctDNAT = true
			i += 3
		case at(i, ipX, "saddr", ".", ipX, "daddr", ".", "meta", "l4proto", ".", "th", "dport"):
			i += 11
			if i >= len(t) || t[i] != "@"+NFTHairpinConnections {
				return bad(i-11, "want @"+NFTHairpinConnections+" after the hairpin match")
			}
			r.hairpin = true
			i++
		case at(i, ipX, "daddr", ".", "meta", "l4proto", ".", "th", "dport", "vmap"):
			i += 9
			if i >= len(t) || !strings.HasPrefix(t[i], "@") {
				return bad(i-9, "want vmap @MAP")
			}
			r.verdict, r.target = "vmap", t[i][1:]
			i++
		case at(i, "meta", "l4proto", ".", "th", "dport", "vmap"):
			i += 6
			if i >= len(t) || !strings.HasPrefix(t[i], "@") {
				return bad(i-6, "want vmap @MAP")
			}
			r.verdict, r.target, r.portKey = "vmap", t[i][1:], true
			i++
		case at(i, ipX, "daddr") || at(i, ipX, "saddr"):
			src := t[i+1] == "saddr"
			i += 2
			neg := at(i, "!=")
			if neg {
				i++
			}
			if i >= len(t) {
				return bad(i-2, "want an address, a prefix, { a list } or @SET")
			}
			if set, ok := strings.CutPrefix(t[i], "@"); ok {
				if neg {
					return bad(i, "a negated set match kube-proxy does not write")
				}
				if src {
					r.saddrSet = set
				} else {
					r.daddrSet = set
				}
				i++
				continue
			}
			ps, err := prefixes(t[i], ipX == "ip6")
			if err != nil {
				return bad(i, err.Error())
			}
			if src {
				r.saddr, r.saddrNeg = ps, neg
			} else {
				r.daddr, r.daddrNeg = ps, neg
			}
			i++
		case at(i, "meta", "l4proto") && i+2 < len(t) && t[i+2] != ".":
			switch t[i+2] {
			case "tcp", "udp", "sctp":
				r.l4proto = t[i+2]
			default:
				return bad(i+2, "want tcp, udp or sctp")
			}
			i += 3
		case at(i, "meta", "mark", "set", "meta", "mark") && i+6 < len(t) && (t[i+5] == "|" || t[i+5] == "^"):
			if err := p.mark(t[i+6]); err != nil {
				return bad(i+6, err.Error())
			}
			if t[i+5] == "|" {
				r.markOr = true
			} else {
				r.markXor = true
			}
			i += 7
		case at(i, "meta", "mark", "&") && i+5 < len(t) && t[i+4] == "!=":
			if err := p.mark(t[i+3]); err != nil {
				return bad(i+3, err.Error())
			}
			if v, err := strconv.ParseUint(t[i+5], 0, 32); err != nil || v != 0 {
				return bad(i+5, "want != 0x00000000")
			}
			r.markNonZero = true
			i += 6
		case at(i, "fib", "daddr", "type", "local"):
			r.fibDaddrLocal = true
			i += 4
		case at(i, "fib", "saddr", "type", "local"):
			r.fibSaddrLocal = true
			i += 4
		case at(i, "counter"):
			i++
			if at(i, "packets") {
				i += 4 // packets N bytes N
			} else if at(i, "name") {
				i += 2
			}
		case at(i, "comment") && i+1 < len(t):
			i += 2
		case at(i, "update") && i+2 < len(t) && strings.HasPrefix(t[i+1], "@"):
			r.update = t[i+1][1:]
			i += 3
		case at(i, "masquerade"):
			r.verdict = "masquerade"
			i++
			for i < len(t) && (t[i] == "fully-random" || t[i] == "random" || t[i] == "persistent") {
				i++
			}
		case at(i, "jump") || at(i, "goto"):
			if i+1 >= len(t) {
				return bad(i, "want a chain name")
			}
			r.verdict, r.target = t[i], t[i+1]
			i += 2
		case at(i, "drop"):
			r.verdict = "drop"
			i++
		case at(i, "reject"):
			r.verdict = "reject"
			i++
			if at(i, "with") {
				i += 3 // with icmp[x] type T
			}
		case at(i, "dnat"):
			i++
			if at(i, ipX) || at(i, "ip") || at(i, "ip6") {
				i++
			}
			if at(i, "addr", ".", "port") {
				i += 3
			}
			if !at(i, "to") || i+1 >= len(t) {
				return bad(i, "want dnat to ADDRESS:PORT or to numgen ... map { ... }")
			}
			i++
			if at(i, "numgen", "random", "mod") && i+5 < len(t) && t[i+4] == "map" {
				eps, err := numgenMap(t[i+5], t[i+3])
				if err != nil {
					return bad(i+5, err.Error())
				}
				r.verdict, r.eps = "numgen-dnat", eps
				i += 6
				continue
			}
			ep, err := netip.ParseAddrPort(t[i])
			if err != nil {
				return bad(i, "want ADDRESS:PORT")
			}
			r.verdict, r.dnat = "dnat", ep
			i++
		case at(i, "numgen", "random", "mod") && i+5 < len(t) && t[i+4] == "vmap":
			n, err := strconv.Atoi(t[i+3])
			if err != nil || n < 1 {
				return bad(i+3, "want a modulus of at least 1")
			}
			els := splitTop(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t[i+5], "{"), "}")), ',')
			if len(els) != n {
				return bad(i+5, "want "+strconv.Itoa(n)+" elements 0 : goto CHAIN ...")
			}
			r.numgen = make([]string, n)
			for _, el := range els {
				f := strings.Fields(el)
				k, err := strconv.Atoi(f[0])
				if len(f) != 4 || err != nil || k < 0 || k >= n || f[1] != ":" || f[2] != "goto" {
					return bad(i+5, "want elements N : goto CHAIN with N below "+strconv.Itoa(n))
				}
				r.numgen[k] = f[3]
			}
			r.verdict = "numgen-vmap"
			i += 6
		default:
			return bad(i, "not a match or statement kube-proxy writes")
		}
	}
	// Which kube-proxy rule asks for masquerading.
	switch {
	case r.markOr && chain == NFTServices && len(r.saddr) > 0:
		r.masqReason = MasqOffCluster
		if !p.rs.cfg.ClusterCIDR.IsValid() {
			p.rs.cfg.ClusterCIDR = r.saddr[0]
		}
	case r.markOr && chain == NFTServices:
		r.masqReason = MasqAll
	case r.markOr && r.fibSaddrLocal:
		r.masqReason = MasqLocalExternal
	case r.markOr:
		r.masqReason = MasqExternalCluster
	case r.verdict == "masquerade" && r.hairpin:
		r.masqReason = MasqHairpin
	}
	return r, nil
}

// mark records the masquerade mark bit from a mark value.
func (p *nftDumpParser) mark(s string) error {
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil || bits.OnesCount64(v) != 1 {
		return errors.New("want the one-bit masquerade mark, such as 0x00004000")
	}
	bit := bits.TrailingZeros64(v)
	if p.rs.mark == "" {
		p.rs.mark = s
		p.rs.cfg.MasqueradeBit = bit
	} else if p.rs.cfg.MasqueradeBit != bit {
		return errors.New("a second masquerade mark: want one bit throughout")
	}
	return nil
}

// prefixes parses an address, a prefix or { a list } of them.
func prefixes(s string, v6 bool) ([]netip.Prefix, error) {
	items := []string{s}
	if strings.HasPrefix(s, "{") {
		items = splitTop(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")), ',')
	}
	var out []netip.Prefix
	for _, it := range items {
		var p netip.Prefix
		var err error
		if strings.Contains(it, "/") {
			p, err = netip.ParsePrefix(it)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(it); err == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || p.Addr().Is6() != v6 {
			return nil, errors.New("want an address or prefix of the table's family")
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// numgenMap parses "{ 0 : 10.180.0.4 . 80, 1 : 10.180.0.5 . 80 }".
func numgenMap(s, mod string) ([]netip.AddrPort, error) {
	n, err := strconv.Atoi(mod)
	if err != nil || n < 1 {
		return nil, errors.New("want a modulus of at least 1")
	}
	els := splitTop(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")), ',')
	if len(els) != n {
		return nil, errors.New("want " + mod + " elements N : ADDRESS . PORT")
	}
	eps := make([]netip.AddrPort, n)
	for _, el := range els {
		f := strings.Fields(el)
		if len(f) != 5 || f[1] != ":" || f[3] != "." {
			return nil, errors.New("want elements N : ADDRESS . PORT")
		}
		k, err1 := strconv.Atoi(f[0])
		a, err2 := netip.ParseAddr(f[2])
		port, err3 := strconv.ParseUint(f[4], 10, 16)
		if err1 != nil || err2 != nil || err3 != nil || k < 0 || k >= n {
			return nil, errors.New("want elements N : ADDRESS . PORT with N below " + mod)
		}
		eps[k] = netip.AddrPortFrom(a, uint16(port))
	}
	return eps, nil
}

// finish resolves what needs the whole table: the endpoints behind a
// numgen verdict map (each endpoint- chain's dnat), and checks that every
// chain, set and map a rule names exists.
func (p *nftDumpParser) finish() error {
	rs := p.rs
	for _, c := range rs.chainOrder {
		for _, r := range rs.rules[c] {
			if r.verdict == "dnat" && strings.HasPrefix(c, NFTPrefixEndpoint) {
				rs.endpointOf[c] = r.dnat
			}
		}
	}
	for _, c := range rs.chainOrder {
		for _, r := range rs.rules[c] {
			p.line = p.ruleLine[r]
			var targets []string
			switch r.verdict {
			case "jump", "goto":
				targets = []string{r.target}
			case "numgen-vmap":
				targets = r.numgen
				r.eps = r.eps[:0]
				for _, t := range r.numgen {
					r.eps = append(r.eps, rs.endpointOf[t])
				}
			}
			for _, t := range targets {
				if _, ok := rs.rules[t]; !ok {
					return p.errf(t, "a chain the dump does not have")
				}
			}
			for _, s := range []string{r.daddrSet, r.saddrSet, r.update, map[bool]string{true: r.target}[r.verdict == "vmap"]} {
				if s == "" || strings.HasPrefix(s, NFTPrefixAffinity) && r.update == s {
					continue
				}
				if rs.sets[s] == nil {
					return p.errf("@"+s, "a set or map the dump does not have")
				}
			}
		}
	}
	if rs.mark == "" {
		rs.mark = "0x4000"
	}
	return p.noLoops()
}

// targets returns the chains rule r can continue in: its jump or goto,
// its numgen elements, or the chains its verdict map's elements name.
func (rs *NFTRuleset) targets(r *nftRule) []string {
	switch r.verdict {
	case "jump", "goto":
		return []string{r.target}
	case "numgen-vmap":
		return r.numgen
	case "vmap":
		var out []string
		if s := rs.sets[r.target]; s != nil {
			for _, v := range s.elems {
				if _, c, ok := strings.Cut(v, " "); ok && (strings.HasPrefix(v, "goto ") || strings.HasPrefix(v, "jump ")) {
					out = append(out, c)
				}
			}
		}
		return out
	}
	return nil
}

// noLoops checks that every chain a verdict map names exists and that no
// chain reaches itself (nft refuses such a ruleset; the tracer would not
// end).
func (p *nftDumpParser) noLoops() error {
	rs := p.rs
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var visit func(c string) error
	visit = func(c string) error {
		switch state[c] {
		case active:
			return &NFTDumpError{Line: 0, Token: c, Msg: "a chain that reaches itself through jumps, gotos or verdict maps"}
		case done:
			return nil
		}
		state[c] = active
		for _, r := range rs.rules[c] {
			for _, t := range rs.targets(r) {
				if _, ok := rs.rules[t]; !ok {
					return &NFTDumpError{Line: p.ruleLine[r], Token: t, Msg: "a chain the dump does not have (named by @" + r.target + ")"}
				}
				if err := visit(t); err != nil {
					if de := err.(*NFTDumpError); de.Line == 0 {
						de.Line = p.ruleLine[r]
					}
					return err
				}
			}
		}
		state[c] = done
		return nil
	}
	for _, c := range rs.chainOrder {
		if err := visit(c); err != nil {
			return err
		}
	}
	return nil
}

// Node returns the node settings a ruleset was rendered or read with;
// for a ruleset ReadNFTListing read, with the masquerade bit and the
// cluster CIDR found in its rules. The Services are not included.
func (rs *NFTRuleset) Node() Config {
	c := *rs.cfg
	c.Services = nil
	return c
}
