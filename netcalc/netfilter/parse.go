package netfilter

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// maxChainName is the longest chain name iptables accepts
// (XT_EXTENSION_MAXNAMELEN - 1).
const maxChainName = 28

// Parse reads iptables-save (or iptables-restore) text: comment lines,
// "*table" blocks of ":CHAIN POLICY [packets:bytes]" declarations and
// "[packets:bytes] -A CHAIN ..." rules, each ended by COMMIT. It accepts the
// output of iptables-save and ip6tables-save (with or without -c) and
// restore input such as kube-proxy's, whose rules may use built-in chains
// that have no declaration line. Other restore commands (-I, -N, -P, ...)
// are not accepted. A malformed line is a *ParseError giving its line
// number, the token at fault and what was expected; Parse never panics.
//
// Writing the result with WriteTo reproduces the input byte for byte when
// the input ends with a newline and separates tokens with one space, as
// iptables-save and kube-proxy do.
func Parse(r io.Reader) (*Ruleset, error) {
	p := parser{rs: &Ruleset{}}
	br := bufio.NewReader(r)
	for {
		s, err := br.ReadString('\n')
		if s == "" && err != nil {
			if err != io.EOF {
				return nil, err
			}
			break
		}
		p.line++
		s = strings.TrimSuffix(s, "\n")
		if perr := p.parseLine(s); perr != nil {
			return nil, perr
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
	}
	if p.t != nil {
		return nil, &ParseError{Line: p.tableLine, Token: "*" + p.t.Name,
			Expected: "table has no COMMIT line: expected COMMIT at its end", Err: ErrSyntax}
	}
	p.rs.Trailer = p.pending
	return p.rs, nil
}

// ParseString parses s as Parse does.
func ParseString(s string) (*Ruleset, error) { return Parse(strings.NewReader(s)) }

type parser struct {
	rs        *Ruleset
	t         *Table // the open table, nil between tables
	line      int
	tableLine int
	pending   []string       // comment lines not yet given to a table
	chainIdx  map[string]int // the open table's chains by name
}

func (p *parser) errf(token, expected string) *ParseError {
	return &ParseError{Line: p.line, Token: token, Expected: expected, Err: ErrSyntax}
}

// knownTables are the tables the kernel has.
var knownTables = []string{"filter", "nat", "mangle", "raw", "security"}

func isBlank(s string) bool { return strings.Trim(s, " \t") == "" }

func (p *parser) parseLine(s string) *ParseError {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return p.errf(s, "expected text: the line holds a NUL byte at column "+strconv.Itoa(i+1))
	}
	if strings.HasPrefix(s, "#") || isBlank(s) {
		if p.t != nil {
			p.t.layout = append(p.t.layout, line{kind: lineComment, text: s})
		} else {
			p.pending = append(p.pending, s)
		}
		return nil
	}
	if p.t == nil {
		if !strings.HasPrefix(s, "*") {
			return p.errf(firstField(s), "expected a table line (*filter, *nat, ...) or a comment")
		}
		name := s[1:]
		if !slices.Contains(knownTables, name) {
			return p.errf(s, "expected a table: one of *filter, *nat, *mangle, *raw, *security")
		}
		if p.rs.Table(name) != nil {
			return p.errf(s, "table appears twice: expected each table once")
		}
		p.t = &Table{Name: name, Comments: p.pending, layout: []line{}}
		p.chainIdx = map[string]int{}
		p.pending = nil
		p.tableLine = p.line
		return nil
	}
	switch {
	case s == "COMMIT":
		p.t.shape = p.t.currentShape()
		p.rs.Tables = append(p.rs.Tables, p.t)
		p.t = nil
		return nil
	case strings.HasPrefix(s, "*"):
		return p.errf(firstField(s), "expected COMMIT to end table "+quote(p.t.Name)+" before the next table")
	case strings.HasPrefix(s, ":"):
		return p.parseChain(s)
	}
	return p.parseRule(s)
}

func firstField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return s
	}
	return f[0]
}

// parseChain reads ":NAME POLICY [packets:bytes]".
func (p *parser) parseChain(s string) *ParseError {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
	name := f[0][1:]
	if perr := p.checkChainName(f[0], name); perr != nil {
		return perr
	}
	if _, dup := p.chainIdx[name]; dup {
		return p.errf(f[0], "chain declared twice: expected each chain once per table")
	}
	if len(f) < 2 {
		return p.errf(s, "expected a policy after the chain name (ACCEPT, DROP or -)")
	}
	builtin := slices.Contains(chainsOf(p.t.Name), name)
	c := &Chain{Name: name}
	switch pol := f[1]; {
	case pol == "-":
	case !builtin:
		return p.errf(pol, "expected - as the policy of user-defined chain "+quote(name)+" (only built-in chains have a policy)")
	case pol == "ACCEPT" || pol == "DROP":
		c.Policy = pol
	default:
		return p.errf(pol, "expected a policy: ACCEPT, DROP or -")
	}
	if len(f) > 2 {
		ctr, ok := parseCounters(f[2])
		if !ok {
			return p.errf(f[2], "expected counters [packets:bytes]")
		}
		c.Counters = &ctr
	}
	if len(f) > 3 {
		return p.errf(f[3], "expected the end of the chain line")
	}
	p.t.Chains = append(p.t.Chains, c)
	p.chainIdx[name] = len(p.t.Chains) - 1
	p.t.layout = append(p.t.layout, line{kind: lineChain, a: len(p.t.Chains) - 1})
	return nil
}

func (p *parser) checkChainName(tok, name string) *ParseError {
	switch {
	case name == "":
		return p.errf(tok, "expected a chain name")
	case len(name) > maxChainName:
		return p.errf(name, "expected a chain name of at most 28 characters")
	case name[0] == '-' || name[0] == '!' || strings.ContainsAny(name, "\"\\"):
		return p.errf(name, "expected a chain name (not an option, not quoted)")
	}
	return nil
}

// parseCounters reads "[packets:bytes]".
func parseCounters(s string) (Counters, bool) {
	if len(s) < 5 || s[0] != '[' || s[len(s)-1] != ']' {
		return Counters{}, false
	}
	a, b, ok := strings.Cut(s[1:len(s)-1], ":")
	if !ok {
		return Counters{}, false
	}
	pk, err1 := parseDecimal(a)
	by, err2 := parseDecimal(b)
	if err1 != nil || err2 != nil {
		return Counters{}, false
	}
	return Counters{Packets: pk, Bytes: by}, true
}

// parseDecimal parses plain decimal digits only (no sign, no 0x, no
// underscores), so that every accepted counter is written back as read.
func parseDecimal(s string) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not canonical")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a number")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// token is one word of a rule line: its value and the text it was written
// as (with quotes and backslashes).
type token struct {
	val, raw string
	quoted   bool
}

// tokenize splits a rule line as iptables-restore does: on spaces and tabs,
// with "double quotes" grouping words and a backslash inside quotes
// escaping the next character. A quote must start and end a word.
func (p *parser) tokenize(s string) ([]token, *ParseError) {
	var toks []token
	i := 0
	for i < len(s) {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		start := i
		if s[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, p.errf(s[start:], "expected a closing double quote")
			}
			if i < len(s) && s[i] != ' ' && s[i] != '\t' {
				return nil, p.errf(s[start:i+1], "expected a space after the closing quote")
			}
			toks = append(toks, token{val: b.String(), raw: s[start:i], quoted: true})
			continue
		}
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			if s[i] == '"' {
				j := i
				for j < len(s) && s[j] != ' ' && s[j] != '\t' {
					j++
				}
				return nil, p.errf(s[start:j], "expected a quote only at the start of a word")
			}
			i++
		}
		toks = append(toks, token{val: s[start:i], raw: s[start:i]})
	}
	return toks, nil
}

// isOption reports whether t names an option: unquoted, "-" and at least
// one more character.
func (t token) isOption() bool {
	return !t.quoted && len(t.val) > 1 && t.val[0] == '-'
}

func (t token) isBang() bool { return !t.quoted && t.val == "!" }

// parseRule reads "[packets:bytes] -A CHAIN OPTIONS...".
func (p *parser) parseRule(s string) *ParseError {
	toks, perr := p.tokenize(s)
	if perr != nil {
		return perr
	}
	var r Rule
	if len(toks) > 0 && strings.HasPrefix(toks[0].raw, "[") {
		ctr, ok := parseCounters(toks[0].raw)
		if !ok {
			return p.errf(toks[0].raw, "expected counters [packets:bytes] before -A")
		}
		r.Counters = &ctr
		toks = toks[1:]
	}
	if len(toks) == 0 || toks[0].quoted || (toks[0].val != "-A" && toks[0].val != "--append") {
		tok := s
		if len(toks) > 0 {
			tok = toks[0].raw
		}
		return p.errf(tok, "expected a rule (-A CHAIN ...), a chain (:CHAIN POLICY [0:0]), COMMIT or a comment")
	}
	if toks[0].val != "-A" {
		// Only the short form is written back.
		return p.errf(toks[0].raw, "expected -A (iptables-save writes the short form)")
	}
	if len(toks) < 2 {
		return p.errf(toks[0].raw, "expected a chain name after -A")
	}
	name := toks[1].val
	if toks[1].quoted {
		return p.errf(toks[1].raw, "expected a chain name (not quoted)")
	}
	if perr := p.checkChainName(toks[1].raw, name); perr != nil {
		return perr
	}
	ci, ok := p.chainIdx[name]
	if !ok {
		if !slices.Contains(chainsOf(p.t.Name), name) {
			return p.errf(name, "chain is not declared in table "+quote(p.t.Name)+": expected a :"+name+" line before its rules")
		}
		p.t.Chains = append(p.t.Chains, &Chain{Name: name})
		ci = len(p.t.Chains) - 1
		p.chainIdx[name] = ci
	}
	if perr := p.parseOptions(&r, toks[2:]); perr != nil {
		return perr
	}
	c := p.t.Chains[ci]
	c.Rules = append(c.Rules, r)
	p.t.layout = append(p.t.layout, line{kind: lineRule, a: ci, b: len(c.Rules) - 1})
	return nil
}

// parseOptions reads the matches and the target of a rule.
func (p *parser) parseOptions(r *Rule, toks []token) *ParseError {
	proto := "" // the -p protocol, for implicit modules
	implicit := -1
	inTarget := false
	for i := 0; i < len(toks); {
		t := toks[i]
		neg := false
		if t.isBang() {
			if inTarget {
				return p.errf(t.raw, "expected a target option: a target's options cannot be negated")
			}
			neg = true
			i++
			if i == len(toks) || !toks[i].isOption() {
				tok := "!"
				if i < len(toks) {
					tok = toks[i].raw
				}
				return p.errf(tok, "expected an option after \"!\" (iptables-save writes \"! -s ADDR\", \"! --ctstate STATE\")")
			}
			t = toks[i]
		}
		if !t.isOption() {
			return p.errf(t.raw, "expected an option (-m, -j, -s, --dport, ...)")
		}
		i++
		o := Option{Negated: neg, Name: t.val}
		for i < len(toks) && !toks[i].isOption() && !toks[i].isBang() {
			o.Args = append(o.Args, toks[i].val)
			o.raw = append(o.raw, toks[i].raw)
			i++
		}
		if inTarget {
			if builtinOption(o.Name) != "" || isMatchFlag(o.Name) || isTargetFlag(o.Name) {
				return p.errf(t.raw, "expected an option of target "+quote(r.Target.Name)+": matches and a second target cannot follow the target")
			}
			r.Target.Options = append(r.Target.Options, o)
			continue
		}
		switch {
		case isMatchFlag(o.Name):
			if neg {
				return p.errf(t.raw, "expected an option after \"!\": a match module cannot be negated, its options can")
			}
			if len(o.Args) != 1 || o.raw[0] != o.Args[0] || o.Args[0] == "" {
				return p.errf(t.raw, "expected one match module name after "+t.val)
			}
			if t.val != "-m" {
				return p.errf(t.raw, "expected -m (iptables-save writes the short form)")
			}
			r.Matches = append(r.Matches, Match{Name: o.Args[0]})
			r.order = append(r.order, [2]int{len(r.Matches) - 1, -1})
		case isTargetFlag(o.Name):
			if neg {
				return p.errf(t.raw, "expected a target without \"!\"")
			}
			if len(o.Args) != 1 || o.raw[0] != o.Args[0] || o.Args[0] == "" {
				return p.errf(t.raw, "expected one target name after "+t.val)
			}
			if perr := p.checkChainName(o.raw[0], o.Args[0]); perr != nil {
				return perr
			}
			if t.val != "-j" && t.val != "-g" {
				return p.errf(t.raw, "expected -j or -g (iptables-save writes the short form)")
			}
			r.Target = Target{Name: o.Args[0], Goto: o.Name == "-g"}
			inTarget = true
		default:
			if short := builtinOption(o.Name); short != "" {
				want := 1
				if short == "-f" {
					want = 0
				}
				if len(o.Args) != want {
					return p.errf(t.raw, "expected "+plural(want, "argument")+" after "+t.val+", found "+strconv.Itoa(len(o.Args))+bangHint(toks, i, t.val))
				}
				if short == "-p" && !neg {
					proto = strings.ToLower(o.Args[0])
					if n, err := strconv.ParseUint(proto, 10, 8); err == nil {
						proto = protoName(packet.Protocol(n))
					}
				}
				r.Matches = append(r.Matches, Match{Options: []Option{o}})
				r.order = append(r.order, [2]int{len(r.Matches) - 1, 0})
				continue
			}
			mi, perr := p.owner(r, o, t.raw, proto, &implicit)
			if perr != nil {
				return perr
			}
			m := &r.Matches[mi]
			if want, ok := moduleOptions()[m.Name][o.Name]; ok && len(o.Args) != want {
				return p.errf(t.raw, "expected "+plural(want, "argument")+" after "+t.val+" (-m "+m.Name+"), found "+strconv.Itoa(len(o.Args))+bangHint(toks, i, t.val))
			}
			m.Options = append(m.Options, o)
			r.order = append(r.order, [2]int{mi, len(m.Options) - 1})
		}
	}
	return nil
}

// owner returns the index of the match that option o belongs to: the last
// module that defines it, else the module -p loads implicitly, else the
// last module the parser does not know.
func (p *parser) owner(r *Rule, o Option, raw, proto string, implicit *int) (int, *ParseError) {
	for i := len(r.Matches) - 1; i >= 0; i-- {
		if _, ok := moduleOptions()[r.Matches[i].Name][o.Name]; ok {
			return i, nil
		}
	}
	if mod := protoModule(proto); mod != "" {
		if _, ok := moduleOptions()[mod][o.Name]; ok {
			if *implicit < 0 {
				r.Matches = append(r.Matches, Match{Name: mod, Implicit: true})
				*implicit = len(r.Matches) - 1
			}
			return *implicit, nil
		}
	}
	for i := len(r.Matches) - 1; i >= 0; i-- {
		if n := r.Matches[i].Name; n != "" {
			if _, known := moduleOptions()[n]; !known {
				return i, nil
			}
		}
	}
	var mods []string
	for _, m := range r.Matches {
		if m.Name != "" {
			mods = append(mods, "-m "+m.Name)
		}
	}
	if len(mods) == 0 {
		return 0, p.errf(raw, "expected a built-in option (-s, -d, -p, -i, -o, -f), a match module (-m NAME) before its options, or a target (-j, -g)")
	}
	return 0, p.errf(raw, "expected an option of "+strings.Join(mods, ", ")+": no loaded match module has this option")
}

func isMatchFlag(s string) bool  { return s == "-m" || s == "--match" }
func isTargetFlag(s string) bool { return s == "-j" || s == "--jump" || s == "-g" || s == "--goto" }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// protoName returns the name of the implicit match module of protocol n,
// or "".
func protoName(n packet.Protocol) string {
	for _, pn := range protoNames {
		if mod := protoModule(pn.name); pn.proto == n && mod != "" {
			return mod
		}
	}
	return ""
}

// bangHint explains a "!" written after an option (iptables' old
// "--opt ! value" form) when toks[i] is one.
func bangHint(toks []token, i int, opt string) string {
	if i < len(toks) && toks[i].isBang() {
		return "; write \"! " + opt + " VALUE\": the \"!\" goes before the option"
	}
	return ""
}
