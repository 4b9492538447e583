package netfilter

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netcalc/netcalc/netcalc/packet"
)

//go:generate go run golang.org/x/tools/cmd/stringer@v0.51.0 -type=Action,VerdictKind -linecomment -output=walk_string.go

// Action is what a step of a walk did.
type Action uint8

const (
	// ActionNone is a rule that did not match.
	ActionNone Action = iota // none
	// ActionContinue is a rule that matched with no target or with one
	// that lets the walk go on (LOG, NFLOG).
	ActionContinue // continue
	// ActionMark is a MARK rule that matched: Step.Mark is the new mark.
	ActionMark // mark
	// ActionJump is a -j to a user-defined chain: the walk enters it and
	// comes back after it.
	ActionJump // jump
	// ActionGoto is a -g to a user-defined chain: the walk enters it and
	// does not come back to this chain.
	ActionGoto // goto
	// ActionReturn is a RETURN target: back to the calling chain, or to
	// the policy in a built-in chain.
	ActionReturn // return
	// ActionVerdict is a terminating target (ACCEPT, DROP, REJECT, DNAT,
	// SNAT, MASQUERADE, REDIRECT): the walk ends.
	ActionVerdict // verdict
	// ActionEnd is the end of a user-defined chain: back to the caller.
	ActionEnd // end
	// ActionPolicy is the end of the built-in chain (also reached by a
	// RETURN in it, or by the end of a chain it went to by goto): the
	// chain's policy is the verdict. Its Step has Rule -1 and the policy
	// as Target.
	ActionPolicy // policy
)

// MarshalText returns the action's name ("jump").
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// VerdictKind is how a walk ends. The zero VerdictKind is VerdictAccept.
type VerdictKind uint8

const (
	VerdictAccept     VerdictKind = iota // ACCEPT
	VerdictDrop                          // DROP
	VerdictReject                        // REJECT
	VerdictDNAT                          // DNAT
	VerdictSNAT                          // SNAT
	VerdictMasquerade                    // MASQUERADE
	VerdictRedirect                      // REDIRECT
)

// MarshalText returns the verdict's target name ("DNAT").
func (v VerdictKind) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Step is one rule (or chain end) the walker evaluated.
type Step struct {
	Table string `json:"table"`
	Chain string `json:"chain"`
	// Depth is 0 in the built-in chain and one more per jump (a goto
	// keeps the depth of the chain it replaces).
	Depth int `json:"depth"`
	// Rule is the 0-based index of the rule in Chain; -1 for ActionEnd
	// and ActionPolicy steps.
	Rule int `json:"rule"`
	// Text is the rule as iptables-save writes it ("-A CHAIN ..."); ""
	// for ActionEnd and ActionPolicy steps.
	Text    string `json:"text,omitempty"`
	Matched bool   `json:"matched"`
	// Miss is the first match that was false: a built-in option as
	// written ("-d") or a match module ("statistic"); "" when Matched.
	Miss   string `json:"miss,omitempty"`
	Action Action `json:"action"`
	// Target is the rule's target (a chain for jump and goto), matched or
	// not, or the policy for ActionPolicy; "" for a rule without target
	// and for ActionEnd.
	Target string `json:"target,omitempty"`
	// Mark is the packet mark after an ActionMark step.
	Mark uint32 `json:"mark,omitempty"`
}

// NATRange is the address and port range of a NAT target
// (--to-destination 10.0.0.1-10.0.0.3:80-90, --to-source, --to-ports).
// Invalid addresses mean the target keeps the address (or, for MASQUERADE,
// takes the outgoing interface's); zero ports mean it keeps the port.
type NATRange struct {
	MinAddr netip.Addr `json:"min_addr,omitzero"`
	MaxAddr netip.Addr `json:"max_addr,omitzero"`
	MinPort uint16     `json:"min_port,omitempty"`
	MaxPort uint16     `json:"max_port,omitempty"`
}

// Verdict is how a walk ended.
type Verdict struct {
	Kind VerdictKind `json:"kind"`
	// Policy reports whether the built-in chain's policy decided (no rule
	// ended the walk).
	Policy bool `json:"policy"`
	// Chain and Rule locate the deciding rule (Rule -1 for the policy,
	// Chain then being the built-in chain).
	Chain string `json:"chain"`
	Rule  int    `json:"rule"`
	// Target is the deciding rule's target with its options (zero for a
	// policy).
	Target Target `json:"-"`
	// To is the NAT target's range (DNAT, SNAT, MASQUERADE, REDIRECT).
	To NATRange `json:"to,omitzero"`
}

// Result is a walk: its steps, its verdict and the packet as it leaves the
// table (its mark changed by MARK rules; addresses are not rewritten, the
// NAT verdict says how they would be).
type Result struct {
	Steps   []Step  `json:"steps"`
	Verdict Verdict `json:"verdict"`
	Packet  Packet  `json:"-"`
}

// Walker walks packets through a Ruleset. What depends on the host or on
// chance is supplied: the zero Walker walks an empty ruleset, and a rule
// that needs a missing func is an error wrapping ErrUnsupported, never a
// guess.
type Walker struct {
	// Rules is the ruleset; nil is an empty one (every walk ends in the
	// ACCEPT policy).
	Rules *Ruleset
	// AddrType returns the type of an address on this host, for the
	// addrtype match. Default nil: an addrtype match is an error.
	AddrType func(netip.Addr) AddrType
	// Random returns a number in [0, 1) for each statistic --mode random
	// match reached; the rule matches when it is below --probability.
	// Default nil: a statistic match is an error.
	Random func() float64
	// Recent holds the recent match's lists. Default nil: a recent match
	// is an error.
	Recent *Recent
	// Now is the clock of the recent match. Default nil: the zero time.
	Now func() time.Time

	// chains indexes each walked table's chains by name, built on the
	// table's first walk and rebuilt when its number of chains changes.
	chains map[*Table]chainIndex
	// texts caches each walked rule's text, so that a rule walked again
	// is not written again.
	texts map[*Rule]string
	// most is the largest number of steps of a walk so far, by table
	// and hook: the next such walk's steps are allocated that large at
	// once.
	most map[string]int
}

// text returns the text of rule r of chain c, from the cache when the rule
// was walked before. A rule changed in place after a walk keeps its old
// text in this Walker.
func (w *Walker) text(r *Rule, chain string) string {
	if s, ok := w.texts[r]; ok {
		return s
	}
	if w.texts == nil {
		w.texts = make(map[*Rule]string)
	}
	s := r.Text(chain)
	w.texts[r] = s
	return s
}

type chainIndex struct {
	n      int
	byName map[string]*Chain
}

// chain returns the chain called name in t, or nil. The index makes a jump
// cost the same in a table of 100,000 chains as in one of ten; a Walker
// assumes that a table whose number of chains is unchanged still holds
// the same chains (use a new Walker after replacing chains).
func (w *Walker) chain(t *Table, name string) *Chain {
	if w.chains == nil {
		w.chains = make(map[*Table]chainIndex)
	}
	ix, ok := w.chains[t]
	if !ok || ix.n != len(t.Chains) {
		ix = chainIndex{n: len(t.Chains), byName: make(map[string]*Chain, len(t.Chains))}
		for _, c := range t.Chains {
			if _, dup := ix.byName[c.Name]; !dup {
				ix.byName[c.Name] = c
			}
		}
		w.chains[t] = ix
	}
	return ix.byName[name]
}

type frame struct {
	c       *Chain
	next    int
	depth   int
	entered []string // the chain jumped to, then the chains reached by goto
}

// Walk walks p through the built-in chain of table at hook: each rule in
// order, into user-defined chains by jump (-j) and goto (-g), back on
// RETURN or at a chain's end, until a terminating target or the built-in
// chain's policy (ACCEPT when the chain or the table is absent). Built-in
// options (-s, -d, -p, -i, -o, -f) are evaluated first, then the match
// modules in written order, as the kernel does; the first false one ends
// the rule. It returns every rule evaluated as a Step. A rule the walker
// cannot evaluate (an unknown match or target, an option it does not
// simulate, a lookup the Walker lacks, a bad value) or a chain loop is a
// *WalkError.
func (w *Walker) Walk(table string, hook Hook, p Packet) (Result, error) {
	key := table + " " + string(hook)
	res := Result{Packet: p, Steps: make([]Step, 0, max(w.most[key], 8))}
	defer func() {
		if len(res.Steps) > w.most[key] {
			if w.most == nil {
				w.most = make(map[string]int)
			}
			w.most[key] = len(res.Steps)
		}
	}()
	if !hasHook(table, hook) {
		return res, &WalkError{Table: table, Chain: string(hook), Rule: -1, What: table, Err: ErrNoHook,
			Detail: "table " + table + " has no " + string(hook) + " chain"}
	}
	var t *Table
	if w.Rules != nil {
		t = w.Rules.Table(table)
	}
	var c *Chain
	if t != nil {
		c = w.chain(t, string(hook))
	}
	policy := func(chain string) {
		pol := "ACCEPT"
		if c != nil && c.Policy != "" {
			pol = c.Policy
		}
		res.Steps = append(res.Steps, Step{Table: table, Chain: chain, Rule: -1, Action: ActionPolicy, Target: pol})
		res.Verdict = Verdict{Kind: VerdictAccept, Policy: true, Chain: chain, Rule: -1}
		if pol == "DROP" {
			res.Verdict.Kind = VerdictDrop
		}
	}
	if c == nil {
		policy(string(hook))
		return res, nil
	}
	cur := frame{c: c, entered: []string{c.Name}}
	var stack []frame
	onPath := func(name string) bool {
		if slices.Contains(cur.entered, name) {
			return true
		}
		for _, f := range stack {
			if slices.Contains(f.entered, name) {
				return true
			}
		}
		return false
	}
	for {
		if cur.next >= len(cur.c.Rules) {
			if len(stack) == 0 {
				policy(c.Name)
				return res, nil
			}
			res.Steps = append(res.Steps, Step{Table: table, Chain: cur.c.Name, Depth: cur.depth, Rule: -1, Action: ActionEnd})
			cur, stack = stack[len(stack)-1], stack[:len(stack)-1]
			continue
		}
		i := cur.next
		cur.next++
		r := &cur.c.Rules[i]
		st := Step{Table: table, Chain: cur.c.Name, Depth: cur.depth, Rule: i, Text: w.text(r, cur.c.Name), Target: r.Target.Name}
		werr := func(what, detail string, err error) error {
			return &WalkError{Table: table, Chain: cur.c.Name, Rule: i, What: what, Detail: detail, Err: err}
		}
		miss, err := w.match(r, &res.Packet, werr)
		if err != nil {
			return res, err
		}
		if miss != "" {
			st.Miss = miss
			res.Steps = append(res.Steps, st)
			continue
		}
		st.Matched = true
		tg := r.Target
		switch tg.Name {
		case "":
			st.Action = ActionContinue
		case "LOG", "NFLOG":
			st.Action = ActionContinue
		case "MARK":
			m, err := markTarget(tg, res.Packet.Mark)
			if err != nil {
				return res, werr(err.what, err.detail, err.err)
			}
			res.Packet.Mark = m
			st.Action, st.Mark = ActionMark, m
		case "RETURN":
			st.Action = ActionReturn
			res.Steps = append(res.Steps, st)
			if len(stack) == 0 {
				policy(c.Name)
				return res, nil
			}
			cur, stack = stack[len(stack)-1], stack[:len(stack)-1]
			continue
		case "ACCEPT", "DROP", "REJECT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT":
			v, err := verdict(tg)
			if err != nil {
				return res, werr(err.what, err.detail, err.err)
			}
			v.Chain, v.Rule = cur.c.Name, i
			st.Action = ActionVerdict
			res.Steps = append(res.Steps, st)
			res.Verdict = v
			return res, nil
		default:
			next := w.chain(t, tg.Name)
			if next == nil {
				return res, werr(tg.Name, "neither a target the walker simulates nor a chain of table "+table, ErrUnknownTarget)
			}
			if slices.Contains(chainsOf(table), next.Name) {
				return res, werr(tg.Name, "a jump to a built-in chain", ErrUnknownTarget)
			}
			if onPath(next.Name) {
				return res, werr(tg.Name, "the chain is already being walked", ErrLoop)
			}
			if tg.Goto {
				st.Action = ActionGoto
				res.Steps = append(res.Steps, st)
				cur = frame{c: next, depth: cur.depth, entered: append(cur.entered, next.Name)}
			} else {
				st.Action = ActionJump
				res.Steps = append(res.Steps, st)
				stack = append(stack, cur)
				cur = frame{c: next, depth: cur.depth + 1, entered: []string{next.Name}}
			}
			continue
		}
		res.Steps = append(res.Steps, st)
	}
}

// valueError is an error about one option of a match or target.
type valueError struct {
	what, detail string
	err          error
}

func badValue(what, arg, want string) *valueError {
	return &valueError{what: what, detail: quote(arg) + ": expected " + want, err: ErrBadValue}
}

// match evaluates r's matches against p: built-in options first, then the
// modules in order. It returns the first false match ("" when all are true).
func (w *Walker) match(r *Rule, p *Packet, werr func(what, detail string, err error) error) (string, error) {
	for _, m := range r.Matches {
		if m.Name != "" {
			continue
		}
		o := m.Options[0]
		ok, verr := builtinMatch(o, p)
		if verr != nil {
			return "", werr(verr.what, verr.detail, verr.err)
		}
		if !ok {
			return o.Name, nil
		}
	}
	for _, m := range r.Matches {
		if m.Name == "" {
			continue
		}
		ok, verr := w.module(m, p)
		if verr != nil {
			return "", werr(verr.what, verr.detail, verr.err)
		}
		if !ok {
			return m.Name, nil
		}
	}
	return "", nil
}

func builtinMatch(o Option, p *Packet) (bool, *valueError) {
	var ok bool
	switch builtinOption(o.Name) {
	case "-s", "-d":
		pf, valid := parseIPPrefix(o.Arg())
		if !valid {
			return false, badValue(o.Name, o.Arg(), "an address or ADDRESS/PREFIX (one, not a list)")
		}
		a := p.Src
		if builtinOption(o.Name) == "-d" {
			a = p.Dst
		}
		if pf.Addr().Is4() != a.Unmap().Is4() {
			return false, nil // another family: never matches, negated or not
		}
		ok = pf.Contains(a.Unmap())
	case "-p":
		n, known := parseProtocol(o.Arg())
		if !known {
			return false, badValue(o.Name, o.Arg(), "a protocol: tcp, udp, sctp, icmp, icmpv6, ..., all or a number")
		}
		ok = n == 0 || n == p.Proto
	case "-i":
		ok = ifaceMatch(o.Arg(), p.In)
	case "-o":
		ok = ifaceMatch(o.Arg(), p.Out)
	case "-f":
		ok = p.Fragment
	}
	return ok != o.Negated, nil
}

// parseIPPrefix reads ADDR, ADDR/LEN or ADDR/MASK (a contiguous dotted
// mask) and returns the masked prefix.
func parseIPPrefix(s string) (netip.Prefix, bool) {
	a, m, hasMask := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(a)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, false
	}
	bits := addr.BitLen()
	if hasMask {
		if n, err := strconv.Atoi(m); err == nil && m == strconv.Itoa(n) {
			bits = n
		} else if ma, err := netip.ParseAddr(m); err == nil && ma.BitLen() == addr.BitLen() {
			bits = maskLen(ma.AsSlice())
			if bits < 0 {
				return netip.Prefix{}, false
			}
		} else {
			return netip.Prefix{}, false
		}
	}
	pf, err := addr.Prefix(bits)
	return pf, err == nil
}

// maskLen returns the length of a contiguous mask, or -1.
func maskLen(b []byte) int {
	n, done := 0, false
	for _, x := range b {
		for i := 7; i >= 0; i-- {
			if x&(1<<i) != 0 {
				if done {
					return -1
				}
				n++
			} else {
				done = true
			}
		}
	}
	return n
}

// ifaceMatch matches an interface name; a trailing "+" matches any name
// with that prefix. A packet without the interface never matches.
func ifaceMatch(pat, name string) bool {
	if name == "" {
		return false
	}
	if p, ok := strings.CutSuffix(pat, "+"); ok {
		return strings.HasPrefix(name, p)
	}
	return pat == name
}

func unsupported(what, detail string) *valueError {
	return &valueError{what: what, detail: detail, err: ErrUnsupported}
}

// module evaluates one match module.
func (w *Walker) module(m Match, p *Packet) (bool, *valueError) {
	switch m.Name {
	case "comment", "nfacct":
		return true, nil
	case "tcp", "udp", "udplite", "sctp", "dccp":
		want, _ := parseProtocol(m.Name)
		if p.Proto != want {
			return false, nil
		}
		for _, o := range m.Options {
			var port uint16
			switch o.Name {
			case "--dport", "--destination-port":
				port = p.DstPort
			case "--sport", "--source-port":
				port = p.SrcPort
			default:
				return false, unsupported(o.Name, "-m "+m.Name+" "+o.Name+" is not simulated (only --sport and --dport)")
			}
			lo, hi, ok := parsePortRange(o.Arg())
			if !ok {
				return false, badValue(o.Name, o.Arg(), "a port or a range FIRST:LAST")
			}
			if (port >= lo && port <= hi) == o.Negated {
				return false, nil
			}
		}
		return true, nil
	case "multiport":
		switch p.Proto {
		case packet.TCP, packet.UDP, packet.UDPLite, packet.SCTP, packet.DCCP:
		default:
			return false, nil
		}
		for _, o := range m.Options {
			var ports []uint16
			switch o.Name {
			case "--dports", "--destination-ports":
				ports = []uint16{p.DstPort}
			case "--sports", "--source-ports":
				ports = []uint16{p.SrcPort}
			case "--ports":
				ports = []uint16{p.SrcPort, p.DstPort}
			default:
				return false, unsupported(o.Name, "-m multiport "+o.Name+" is not simulated")
			}
			in := false
			for _, part := range strings.Split(o.Arg(), ",") {
				lo, hi, ok := parsePortRange(part)
				if !ok {
					return false, badValue(o.Name, o.Arg(), "a list of ports and ranges FIRST:LAST, separated by commas")
				}
				for _, x := range ports {
					in = in || (x >= lo && x <= hi)
				}
			}
			if in == o.Negated {
				return false, nil
			}
		}
		return true, nil
	case "mark":
		for _, o := range m.Options {
			if o.Name != "--mark" {
				return false, unsupported(o.Name, "-m mark has only --mark")
			}
			v, mask, ok := parseMark(o.Arg())
			if !ok {
				return false, badValue(o.Name, o.Arg(), "a mark VALUE[/MASK]")
			}
			if (p.Mark&mask == v) == o.Negated {
				return false, nil
			}
		}
		return true, nil
	case "conntrack", "state":
		for _, o := range m.Options {
			if o.Name != "--ctstate" && o.Name != "--state" {
				return false, unsupported(o.Name, "-m "+m.Name+" "+o.Name+" is not simulated (only the state)")
			}
			st, ok := ParseCTState(o.Arg())
			if !ok {
				return false, badValue(o.Name, o.Arg(), "states separated by commas: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, SNAT, DNAT")
			}
			if (p.State&st != 0) == o.Negated {
				return false, nil
			}
		}
		return true, nil
	case "statistic":
		return w.statistic(m)
	case "recent":
		return w.recent(m, p)
	case "addrtype":
		for _, o := range m.Options {
			var a netip.Addr
			switch o.Name {
			case "--src-type":
				a = p.Src
			case "--dst-type":
				a = p.Dst
			default:
				return false, unsupported(o.Name, "-m addrtype "+o.Name+" is not simulated")
			}
			if w.AddrType == nil {
				return false, unsupported(o.Name, "-m addrtype needs the Walker's AddrType lookup")
			}
			got := w.AddrType(a)
			in := false
			for _, ty := range strings.Split(o.Arg(), ",") {
				in = in || AddrType(strings.ToUpper(ty)) == got
			}
			if in == o.Negated {
				return false, nil
			}
		}
		return true, nil
	}
	if _, known := moduleOptions()[m.Name]; known {
		return false, &valueError{what: m.Name, detail: "-m " + m.Name + " is not simulated", err: ErrUnknownMatch}
	}
	return false, &valueError{what: m.Name, detail: "-m " + m.Name + " is not a match the walker knows", err: ErrUnknownMatch}
}

func (w *Walker) statistic(m Match) (bool, *valueError) {
	mode, _ := m.Option("--mode")
	if mode.Arg() != "random" {
		return false, unsupported("--mode", "-m statistic --mode "+mode.Arg()+" is not simulated (only --mode random)")
	}
	prob, ok := m.Option("--probability")
	if !ok {
		return false, badValue("statistic", "", "--probability with --mode random")
	}
	for _, o := range m.Options {
		if o.Name != "--mode" && o.Name != "--probability" {
			return false, unsupported(o.Name, "-m statistic "+o.Name+" is not simulated")
		}
	}
	pr, err := strconv.ParseFloat(prob.Arg(), 64)
	if err != nil || pr < 0 || pr > 1 {
		return false, badValue("--probability", prob.Arg(), "a probability from 0 to 1")
	}
	if w.Random == nil {
		return false, unsupported("statistic", "-m statistic needs the Walker's Random func")
	}
	return (w.Random() < pr) != prob.Negated, nil
}

func (w *Walker) recent(m Match, p *Packet) (bool, *valueError) {
	if w.Recent == nil {
		return false, unsupported("recent", "-m recent needs the Walker's Recent lists")
	}
	name, addr := "DEFAULT", p.Src
	var mode *Option
	var seconds int64
	reap := false
	mask := netip.Addr{}
	for i := range m.Options {
		o := &m.Options[i]
		switch o.Name {
		case "--name":
			name = o.Arg()
		case "--rsource":
			addr = p.Src
		case "--rdest":
			addr = p.Dst
		case "--set", "--rcheck", "--update", "--remove":
			if mode != nil {
				return false, badValue(o.Name, o.Name, "one of --set, --rcheck, --update, --remove (found "+mode.Name+" too)")
			}
			mode = o
		case "--seconds":
			n, err := strconv.ParseInt(o.Arg(), 10, 64)
			if err != nil || n <= 0 {
				return false, badValue(o.Name, o.Arg(), "a positive number of seconds")
			}
			seconds = n
		case "--reap":
			reap = true
		case "--mask":
			a, err := netip.ParseAddr(o.Arg())
			if err != nil {
				return false, badValue(o.Name, o.Arg(), "a netmask address")
			}
			mask = a
		default:
			return false, unsupported(o.Name, "-m recent "+o.Name+" is not simulated")
		}
	}
	if mode == nil {
		return false, badValue("recent", "", "one of --set, --rcheck, --update, --remove")
	}
	if reap && seconds == 0 {
		return false, badValue("--reap", "--reap", "--seconds with --reap")
	}
	if mask.IsValid() {
		if mask.BitLen() != addr.BitLen() {
			return false, badValue("--mask", mask.String(), "a netmask of the packet's family")
		}
		a, mk := addr.AsSlice(), mask.AsSlice()
		for i := range a {
			a[i] &= mk[i]
		}
		addr, _ = netip.AddrFromSlice(a)
	}
	var now time.Time
	if w.Now != nil {
		now = w.Now()
	}
	found := false
	switch mode.Name {
	case "--set":
		w.Recent.Set(name, addr, now)
		found = true
	default:
		last, ok := w.Recent.LastSeen(name, addr)
		found = ok && (seconds == 0 || !last.Before(now.Add(-time.Duration(seconds)*time.Second)))
		if reap {
			w.Recent.reap(name, now.Add(-time.Duration(seconds)*time.Second))
		}
		if found && mode.Name == "--update" {
			w.Recent.Set(name, addr, now)
		}
		if found && mode.Name == "--remove" {
			w.Recent.Remove(name, addr)
		}
	}
	return found != mode.Negated, nil
}

// parsePortRange reads PORT, FIRST:LAST, :LAST or FIRST:.
func parsePortRange(s string) (lo, hi uint16, ok bool) {
	a, b, isRange := strings.Cut(s, ":")
	if !isRange {
		n, ok := parsePort(a)
		return n, n, ok
	}
	lo, hi = 0, 65535
	if a != "" {
		if lo, ok = parsePort(a); !ok {
			return 0, 0, false
		}
	}
	if b != "" {
		if hi, ok = parsePort(b); !ok {
			return 0, 0, false
		}
	}
	return lo, hi, lo <= hi
}

func parsePort(s string) (uint16, bool) {
	n, err := strconv.ParseUint(s, 10, 16)
	return uint16(n), err == nil
}

// parseMark reads VALUE[/MASK] (decimal or 0x hex); the mask defaults to
// all ones.
func parseMark(s string) (v, mask uint32, ok bool) {
	a, b, hasMask := strings.Cut(s, "/")
	x, err := strconv.ParseUint(a, 0, 32)
	if err != nil {
		return 0, 0, false
	}
	mask = 0xffffffff
	if hasMask {
		y, err := strconv.ParseUint(b, 0, 32)
		if err != nil {
			return 0, 0, false
		}
		mask = uint32(y)
	}
	return uint32(x), mask, true
}

// markTarget applies a MARK target to mark.
func markTarget(t Target, mark uint32) (uint32, *valueError) {
	if len(t.Options) != 1 {
		return 0, badValue("MARK", t.Name, "one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark")
	}
	o := t.Options[0]
	v, mask, ok := parseMark(o.Arg())
	if !ok || len(o.Args) != 1 {
		return 0, badValue(o.Name, o.Arg(), "a mark VALUE[/MASK]")
	}
	_, _, hasMask := strings.Cut(o.Arg(), "/")
	switch o.Name {
	case "--set-xmark":
		return (mark &^ mask) ^ v, nil
	case "--set-mark":
		return (mark &^ mask) | v, nil
	}
	if hasMask {
		return 0, badValue(o.Name, o.Arg(), "a mark value without /MASK")
	}
	switch o.Name {
	case "--and-mark":
		return mark & v, nil
	case "--or-mark":
		return mark | v, nil
	case "--xor-mark":
		return mark ^ v, nil
	}
	return 0, unsupported(o.Name, "MARK "+o.Name+" is not simulated")
}

// verdict turns a terminating target into a Verdict.
func verdict(t Target) (Verdict, *valueError) {
	v := Verdict{Target: t}
	var rangeOpt string
	switch t.Name {
	case "ACCEPT":
		v.Kind = VerdictAccept
	case "DROP":
		v.Kind = VerdictDrop
	case "REJECT":
		v.Kind = VerdictReject
	case "DNAT":
		v.Kind, rangeOpt = VerdictDNAT, "--to-destination"
	case "SNAT":
		v.Kind, rangeOpt = VerdictSNAT, "--to-source"
	case "MASQUERADE":
		v.Kind, rangeOpt = VerdictMasquerade, "--to-ports"
	case "REDIRECT":
		v.Kind, rangeOpt = VerdictRedirect, "--to-ports"
	}
	if rangeOpt == "" {
		return v, nil
	}
	o, ok := t.Option(rangeOpt)
	if !ok {
		if t.Name == "DNAT" || t.Name == "SNAT" {
			return v, badValue(t.Name, t.Name, rangeOpt+" ADDRESS[:PORT]")
		}
		return v, nil
	}
	if rangeOpt == "--to-ports" {
		lo, hi, ok := parsePortRange(strings.Replace(o.Arg(), "-", ":", 1))
		if !ok {
			return v, badValue(o.Name, o.Arg(), "a port or a range FIRST-LAST")
		}
		v.To = NATRange{MinPort: lo, MaxPort: hi}
		return v, nil
	}
	v.To, ok = parseNATRange(o.Arg())
	if !ok {
		return v, badValue(o.Name, o.Arg(), "ADDRESS[-ADDRESS][:PORT[-PORT]] ([ADDRESS]:PORT for IPv6)")
	}
	return v, nil
}

// ParseNATRange reads a NAT target's range as iptables writes it:
// "10.0.0.1", "10.0.0.1-10.0.0.3", "10.0.0.1:80", "10.0.0.1:80-90",
// ":80" (port only), and for IPv6 "[2001:db8::1]:80",
// "[2001:db8::1-2001:db8::9]:80-90" or a bare address.
// It fails with an error wrapping ErrBadValue.
func ParseNATRange(s string) (NATRange, error) {
	r, ok := parseNATRange(s)
	if !ok {
		return r, fmt.Errorf("netfilter: %s: %w: expected ADDRESS[-ADDRESS][:PORT[-PORT]], [ADDRESS]:PORT for IPv6, or :PORT", quote(s), ErrBadValue)
	}
	return r, nil
}

func parseNATRange(s string) (NATRange, bool) {
	var r NATRange
	addrs, ports := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return r, false
		}
		addrs, ports = s[1:end], s[end+1:]
		if ports != "" {
			if ports[0] != ':' {
				return r, false
			}
			ports = ports[1:]
		}
	} else if strings.Count(s, ":") == 1 {
		addrs, ports, _ = strings.Cut(s, ":")
		if ports == "" {
			return r, false
		}
	}
	if addrs != "" {
		a, b, isRange := strings.Cut(addrs, "-")
		var err error
		if r.MinAddr, err = netip.ParseAddr(a); err != nil || r.MinAddr.Zone() != "" {
			return r, false
		}
		r.MaxAddr = r.MinAddr
		if isRange {
			if r.MaxAddr, err = netip.ParseAddr(b); err != nil || r.MaxAddr.Zone() != "" ||
				r.MaxAddr.BitLen() != r.MinAddr.BitLen() || r.MaxAddr.Less(r.MinAddr) {
				return r, false
			}
		}
	}
	if ports != "" {
		lo, hi, ok := parsePortRange(strings.Replace(ports, "-", ":", 1))
		if !ok || strings.Contains(ports, ":") {
			return r, false
		}
		r.MinPort, r.MaxPort = lo, hi
	}
	if !r.MinAddr.IsValid() && r.MinPort == 0 {
		return r, false
	}
	return r, true
}
