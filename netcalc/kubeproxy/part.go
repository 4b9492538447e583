package kubeproxy

import (
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// A part renders a run of consecutive Service ports (or the fixed rules
// before and after them) on its own: its own Rules, text and chain ids, so
// that parts can be rendered by parallel goroutines. Render then merges
// the parts' chains in part order, which gives every chain its rules in
// the order one goroutine would have written them.
type part struct {
	rs     *Ruleset // read only while parts run
	cfg    *Config
	ports  []svcPort
	filter partTable
	nat    partTable
	b      ruleBuilder
	text   textArena
	hbuf   []byte
	probs  probCache
	slab   []Rule
	// slabNext is how many more Rules the part expects to need (sizeSlab):
	// a small config gets a small slab, not 4,096 Rules (450 KB).
	slabNext  int
	slabRules int
	endpoints int // after resolveEndpoints: the endpoints of its ports
	out       []PortChains
	notes     []Note
}

// maxSlab is the most Rules allocated at once.
const maxSlab = 4096

// chainID is a chain of a partTable: an index into its names.
type chainID int32

// The fixed chains, which every part's tables start with.
const (
	filterServices chainID = iota
	filterExternalServices
	filterForward
	filterNodePorts
	filterProxyFirewall
	filterFirewall
)

const (
	natServices chainID = iota
	natNodePorts
	natPostrouting
	natMarkMasq
)

func newPart(rs *Ruleset, ports []svcPort) *part {
	p := &part{rs: rs, cfg: rs.cfg, ports: ports}
	p.b.p = p
	p.filter = partTable{p: p, names: []string{ChainServices, ChainExternalServices, ChainForward, ChainNodePorts, ChainProxyFirewall, ChainFirewall}}
	p.filter.declared = make([]bool, len(p.filter.names))
	p.nat = partTable{p: p, names: []string{ChainServices, ChainNodePorts, ChainPostrouting, ChainMarkMasq}}
	p.nat.declared = make([]bool, len(p.nat.names))
	p.sizeSlab()
	return p
}

// sizeSlab estimates the rules the part writes (about three per endpoint
// and four per Service port, plus the fixed ones), so that the first slab
// is no bigger than the config needs, and makes the nat table's lists at
// their expected size.
func (p *part) sizeSlab() {
	n, chains := 16, 8
	for i := range p.ports {
		eps := len(p.ports[i].svc.Endpoints)
		n += 6 + 3*eps
		chains += 4 + eps
	}
	p.slabNext = n
	p.nat.rules = make([]*Rule, 0, n)
	p.nat.names = slices.Grow(p.nat.names, chains)
	p.nat.declared = slices.Grow(p.nat.declared, chains)
}

func (p *part) newRule() *Rule {
	if len(p.slab) == 0 {
		n := p.slabNext
		if n <= 0 || n > maxSlab {
			n = maxSlab
		}
		p.slab = make([]Rule, n)
		p.slabNext -= n
		p.slabRules += n
	}
	r := &p.slab[0]
	p.slab = p.slab[1:]
	return r
}

// partTable is a part's share of one table: its chains by id, declared or
// only named, and its rules in the order they were written.
type partTable struct {
	p        *part
	names    []string
	declared []bool
	rules    []*Rule
	// After sortChains: the chains in output order, and the rules of
	// chain c at byChain[start[c]:start[c+1]].
	sorted  []sortedChain
	start   []int32
	byChain []*Rule
	lines   []string
}

// chain names a chain of the table without declaring it.
func (t *partTable) chain(name string) chainID {
	t.names = append(t.names, name)
	t.declared = append(t.declared, false)
	return chainID(len(t.names) - 1)
}

// addChain declares chain c: it is listed in the output.
func (t *partTable) addChain(c chainID) { t.declared[c] = true }

// rule starts a rule in chain c; jump or done adds it to the table.
// Rules are built one at a time, so the builder and its buffer are reused;
// Rules come from a slab and their text from the part's textArena:
// rendering 100,000 endpoints allocates little more than a slab per 4,096
// Rules.
func (t *partTable) rule(c chainID) *ruleBuilder {
	b := &t.p.b
	r := t.p.newRule()
	r.Chain = t.names[c]
	r.cid = c
	b.t, b.r = t, r
	b.cs, b.ce = 0, 0
	b.buf = append(append(b.buf[:0], "-A "...), r.Chain...)
	return b
}

// ruleBuilder accumulates the rule text exactly as kube-proxy writes its
// arguments, and the parsed match.
type ruleBuilder struct {
	p      *part
	t      *partTable
	r      *Rule
	buf    []byte
	cs, ce int // the comment's text in buf; ce 0: none
}

func (b *ruleBuilder) raw(args ...string) *ruleBuilder {
	for _, a := range args {
		b.buf = append(append(b.buf, ' '), a...)
	}
	return b
}

// comment adds "-m comment --comment" with the concatenation of parts,
// quoted when it holds a blank.
func (b *ruleBuilder) comment(parts ...string) *ruleBuilder {
	quote := false
	for _, s := range parts {
		if strings.ContainsAny(s, " \t") {
			quote = true
			break
		}
	}
	b.buf = append(b.buf, " -m comment --comment "...)
	if quote {
		b.buf = append(b.buf, '"')
	}
	b.cs = len(b.buf)
	for _, s := range parts {
		b.buf = append(b.buf, s...)
	}
	b.ce = len(b.buf)
	if quote {
		b.buf = append(b.buf, '"')
	}
	return b
}

func (b *ruleBuilder) proto(p string) *ruleBuilder {
	return b.raw("-m", p, "-p", p)
}

func (b *ruleBuilder) dst(text string, neg bool) *ruleBuilder {
	if neg {
		b.buf = append(b.buf, " !"...)
	}
	return b.raw("-d", text)
}

func (b *ruleBuilder) src(text string, neg bool) *ruleBuilder {
	if neg {
		b.buf = append(b.buf, " !"...)
	}
	return b.raw("-s", text)
}

// dstIP is dst(a.String(), neg) without making the string.
func (b *ruleBuilder) dstIP(a netip.Addr, neg bool) *ruleBuilder {
	if neg {
		b.buf = append(b.buf, " !"...)
	}
	b.buf = a.AppendTo(append(b.buf, " -d "...))
	return b
}

// srcIP is src(a.String(), neg) without making the string.
func (b *ruleBuilder) srcIP(a netip.Addr, neg bool) *ruleBuilder {
	if neg {
		b.buf = append(b.buf, " !"...)
	}
	b.buf = a.AppendTo(append(b.buf, " -s "...))
	return b
}

// srcPrefix is src(p.String(), neg) without making the string.
func (b *ruleBuilder) srcPrefix(p netip.Prefix, neg bool) *ruleBuilder {
	if neg {
		b.buf = append(b.buf, " !"...)
	}
	b.buf = p.AppendTo(append(b.buf, " -s "...))
	return b
}

func (b *ruleBuilder) dport(n int) *ruleBuilder {
	b.buf = strconv.AppendInt(append(b.buf, " --dport "...), int64(n), 10)
	return b
}

func (b *ruleBuilder) dstTypeLocal() *ruleBuilder {
	return b.raw("-m", "addrtype", "--dst-type", "LOCAL")
}

func (b *ruleBuilder) srcTypeLocal() *ruleBuilder {
	return b.raw("-m", "addrtype", "--src-type", "LOCAL")
}

// jump ends the rule with "-j target" and extra arguments and adds it to
// its table.
func (b *ruleBuilder) jump(target string, extra ...string) *Rule {
	b.r.Target = target
	return b.raw("-j", target).raw(extra...).done()
}

// done ends the rule and adds it to its table.
func (b *ruleBuilder) done() *Rule {
	r := b.r
	r.Text = b.p.text.addLine(b.buf)
	if b.ce > 0 {
		r.comment = r.Text[b.cs:b.ce]
	}
	b.t.rules = append(b.t.rules, r)
	return r
}

// textArena makes strings in bulk: their bytes are copied into large
// chunks, which are never written again where a string was made, so that
// a rule's text or a chain name costs no allocation of its own and the
// garbage collector has a few pointer-free chunks to track instead of
// hundreds of thousands of strings.
//
// A rule's text is followed by a newline in its chunk (addLine), so that
// the rules of a chain written one after the other are one run of lines
// that WriteTo writes at once (see partTable.sortChains). A chunk's first
// byte is left unused: a run never continues from one chunk into another
// that happens to follow it in memory.
type textArena struct {
	chunk []byte
	size  int
}

// room makes sure the current chunk has n bytes free.
func (a *textArena) room(n int) {
	if cap(a.chunk)-len(a.chunk) < n {
		// Chunks grow from 4 KB to 256 KB: a small config stays small.
		a.size = min(max(2*a.size, 4<<10), 256<<10)
		a.chunk = make([]byte, 1, max(a.size, n+1))
	}
}

// add returns b as a string in the arena.
func (a *textArena) add(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	a.room(len(b))
	off := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return unsafe.String(&a.chunk[off], len(b))
}

// addLine returns b as a string in the arena, followed there by a newline
// that is not part of the string.
func (a *textArena) addLine(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	a.room(len(b) + 1)
	off := len(a.chunk)
	a.chunk = append(append(a.chunk, b...), '\n')
	return unsafe.String(&a.chunk[off], len(b))
}

// join returns the concatenation of parts, made in the arena.
func (a *textArena) join(parts ...string) string {
	n := 0
	for _, s := range parts {
		n += len(s)
	}
	if n == 0 {
		return ""
	}
	a.room(n)
	off := len(a.chunk)
	for _, s := range parts {
		a.chunk = append(a.chunk, s...)
	}
	return unsafe.String(&a.chunk[off], n)
}

// hostPort is joinHostPort made in the part's arena.
func (p *part) hostPort(a netip.Addr, port int) string {
	b := p.hbuf[:0]
	if a.Is4() {
		b = a.AppendTo(b)
	} else {
		b = append(a.AppendTo(append(b, '[')), ']')
	}
	b = strconv.AppendInt(append(b, ':'), int64(port), 10)
	p.hbuf = b
	return p.text.add(b)
}

// chainName returns prefix followed by the 16-character hash of parts
// (PortProtoHash, EndpointChain), made in the part's arena.
func (p *part) chainName(prefix string, parts ...string) string {
	b := p.hbuf[:0]
	for _, s := range parts {
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	b = append(b[:0], prefix...)
	b = appendHash16(b, &sum)
	p.hbuf = b
	return p.text.add(b)
}

// sortedChain is a chain of a part in output order (see sortChains).
type sortedChain struct {
	k1, k2   uint64 // the name's first 16 bytes after the rank prefix, for quick comparison
	id       chainID
	rank     uint8
	declared bool
}

// chainKey returns the rank of chain name in the output order
// (KUBE-NODEPORTS, KUBE-SERVICES, other KUBE- chains, the rest) and its
// first 16 bytes after "KUBE-" (or from the start when it has no such
// prefix), big-endian and zero-padded, so that comparing (rank, k1, k2)
// orders names as comparing them does, ties aside.
func chainKey(name string) (rank uint8, k1, k2 uint64) {
	rest := name
	switch {
	case name == ChainNodePorts:
		rank = 0
	case name == ChainServices:
		rank = 1
	case strings.HasPrefix(name, "KUBE-"):
		rank, rest = 2, name[len("KUBE-"):]
	default:
		rank = 3
	}
	var b [16]byte
	copy(b[:], rest)
	return rank, binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// compareChains orders chains a of table ta and b of tb by name in output
// order.
func compareChains(ta *partTable, a *sortedChain, tb *partTable, b *sortedChain) int {
	switch {
	case a.rank != b.rank:
		return int(a.rank) - int(b.rank)
	case a.k1 != b.k1:
		if a.k1 < b.k1 {
			return -1
		}
		return 1
	case a.k2 != b.k2:
		if a.k2 < b.k2 {
			return -1
		}
		return 1
	}
	return strings.Compare(ta.names[a.id], tb.names[b.id])
}

// sameChain reports whether chain a of table ta and chain b of tb have
// the same name, comparing the names only when their keys are equal.
func sameChain(ta *partTable, a *sortedChain, tb *partTable, b *sortedChain) bool {
	if a == b {
		return true
	}
	return a.rank == b.rank && a.k1 == b.k1 && a.k2 == b.k2 && ta.names[a.id] == tb.names[b.id]
}

// sortChains groups the rules of each of the part's tables by chain and
// sorts the chains into output order.
func (p *part) sortChains() {
	p.filter.sortChains()
	p.nat.sortChains()
}

func (t *partTable) sortChains() {
	n := len(t.names)
	// Counting sort of the rules by chain: each chain's rules are a run
	// of one array, in the order they were written.
	start := make([]int32, n+1)
	for _, r := range t.rules {
		start[r.cid+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	byChain := make([]*Rule, len(t.rules))
	next := slices.Clone(start[:n])
	// lines[c] is the text of chain c's rules, each followed by its
	// newline, when they lie one after the other in the arena, else "".
	lines := make([]string, n)
	for _, r := range t.rules {
		c := r.cid
		switch l := lines[c]; {
		case next[c] == start[c]:
			lines[c] = unsafe.String(unsafe.StringData(r.Text), len(r.Text)+1)
		case l != "" && uintptr(unsafe.Pointer(unsafe.StringData(l)))+uintptr(len(l)) == uintptr(unsafe.Pointer(unsafe.StringData(r.Text))):
			lines[c] = unsafe.String(unsafe.StringData(l), len(l)+len(r.Text)+1)
		default:
			lines[c] = "" // and stays so: l is "" from now on
		}
		byChain[next[c]] = r
		next[c]++
	}
	out := make([]sortedChain, 0, n)
	for id, name := range t.names {
		if !t.declared[id] && start[id] == start[id+1] {
			continue // named for a port that did not use it
		}
		c := sortedChain{id: chainID(id), declared: t.declared[id]}
		c.rank, c.k1, c.k2 = chainKey(name)
		out = append(out, c)
	}
	t.sortKeys(out)
	t.sorted, t.start, t.byChain, t.lines = out, start, byChain, lines
	t.rules = nil
}

// sortKeys sorts the table's chains cs into output order; equal names
// (ports that hash alike) stay in the order they were made. Large tables
// are sorted by (rank, k1) with a stable byte-wise radix sort, skipping
// the bytes all keys share (the "SEP-" of "KUBE-SEP-..."), and only runs
// of equal (rank, k1) are then compared in full.
func (t *partTable) sortKeys(cs []sortedChain) {
	full := func(a, b sortedChain) int {
		if c := compareChains(t, &a, t, &b); c != 0 {
			return c
		}
		return int(a.id - b.id)
	}
	if len(cs) < 1024 {
		slices.SortFunc(cs, full)
		return
	}
	src, dst := cs, make([]sortedChain, len(cs))
	for d := 0; d <= 8; d++ { // bytes of k1 from the last, then rank
		digit := func(c *sortedChain) byte {
			if d == 8 {
				return c.rank
			}
			return byte(c.k1 >> (8 * d))
		}
		var count [256]int
		for i := range src {
			count[digit(&src[i])]++
		}
		if count[digit(&src[0])] == len(src) {
			continue // every key has this byte
		}
		pos := 0
		for b, n := range count {
			count[b] = pos
			pos += n
		}
		for i := range src {
			b := digit(&src[i])
			dst[count[b]] = src[i]
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &cs[0] {
		copy(cs, src)
	}
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && cs[j].rank == cs[i].rank && cs[j].k1 == cs[i].k1 {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(cs[i:j], full)
		}
		i = j
	}
}

// rulesOf returns the rules of chain c after sortChains.
func (t *partTable) rulesOf(c chainID) []*Rule {
	lo, hi := t.start[c], t.start[c+1]
	if lo == hi {
		return nil
	}
	return t.byChain[lo:hi:hi]
}

// merge fills t from the parts' sorted chains: chains of one name are
// joined, their rules in part order, declared if any part declared them.
func (t *Table) merge(parts []*partTable) {
	total := 0
	for _, pt := range parts {
		total += len(pt.sorted)
	}
	t.chains = make([]string, 0, total)
	t.lists = make([][]*Rule, 0, total)
	t.lines = make([]string, 0, total)
	t.rules = make(map[string][]*Rule, total)
	t.declared = nil
	heads := make([]int, len(parts))
	for {
		var min *sortedChain
		var minT *partTable
		for i, pt := range parts {
			if h := heads[i]; h < len(pt.sorted) && (min == nil || compareChains(pt, &pt.sorted[h], minT, min) < 0) {
				min, minT = &pt.sorted[h], pt
			}
		}
		if min == nil {
			break
		}
		name := minT.names[min.id]
		var rules []*Rule
		var lines string
		declared, n := false, 0
		for i, pt := range parts {
			for ; heads[i] < len(pt.sorted) && sameChain(pt, &pt.sorted[heads[i]], minT, min); heads[i]++ {
				c := &pt.sorted[heads[i]]
				declared = declared || c.declared
				if n == 0 {
					rules, lines = pt.rulesOf(c.id), pt.lines[c.id]
				} else if rs := pt.rulesOf(c.id); len(rs) > 0 {
					rules = append(rules[:len(rules):len(rules)], rs...)
					lines = ""
				}
				n++
			}
		}
		if len(rules) > 0 {
			t.rules[name] = rules
		}
		if declared {
			t.chains = append(t.chains, name)
			t.lists = append(t.lists, rules)
			t.lines = append(t.lines, lines)
		}
	}
}
