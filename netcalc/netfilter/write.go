package netfilter

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// WriteTo writes the ruleset as iptables-save text. A ruleset from Parse is
// written back byte for byte (for input ending in a newline with single
// spaces between tokens); a table whose chains or rule counts were changed
// since is written in iptables-save's order: declarations, then rules chain
// by chain. Arguments keep the quoting they were read with while their
// value is unchanged; new values are quoted only when they must be (empty,
// or holding a space, tab, quote or backslash, or looking like an option).
// A name or argument holding a newline or NUL cannot be written: the error
// wraps ErrWrite and nothing after the bad line is written.
func (rs *Ruleset) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriter(w)}
	var err error
	for _, t := range rs.Tables {
		if err = t.write(cw); err != nil {
			break
		}
	}
	if err == nil {
		for _, c := range rs.Trailer {
			if err = writeLine(cw, c); err != nil {
				break
			}
		}
	}
	if ferr := cw.w.Flush(); err == nil {
		err = ferr
	}
	if err == nil {
		err = cw.err
	}
	return cw.n, err
}

// String returns the ruleset as WriteTo writes it; a part that cannot be
// written is left out.
func (rs *Ruleset) String() string {
	var b strings.Builder
	rs.WriteTo(&b)
	return b.String()
}

// WriteTo writes the table, from its comments to COMMIT, as WriteTo of
// Ruleset does.
func (t *Table) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriter(w)}
	err := t.write(cw)
	if ferr := cw.w.Flush(); err == nil {
		err = ferr
	}
	if err == nil {
		err = cw.err
	}
	return cw.n, err
}

type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) WriteString(s string) {
	if c.err != nil {
		return
	}
	n, err := c.w.WriteString(s)
	c.n += int64(n)
	c.err = err
}

func writeLine(cw *countWriter, s string) error {
	if strings.ContainsAny(s, "\n\x00") {
		return &writeError{s}
	}
	cw.WriteString(s)
	cw.WriteString("\n")
	return cw.err
}

type writeError struct{ s string }

func (e *writeError) Error() string {
	return "netfilter: " + quote(e.s) + ": " + ErrWrite.Error() + ": holds a newline or NUL"
}
func (e *writeError) Unwrap() error { return ErrWrite }

func (t *Table) write(cw *countWriter) error {
	for _, c := range t.Comments {
		if err := writeLine(cw, c); err != nil {
			return err
		}
	}
	if err := writeLine(cw, "*"+t.Name); err != nil {
		return err
	}
	var b []byte
	if t.layoutValid() {
		for _, l := range t.layout {
			switch l.kind {
			case lineComment:
				b = append(b[:0], l.text...)
			case lineChain:
				b = appendChain(b[:0], t.Chains[l.a])
			case lineRule:
				b = t.Chains[l.a].Rules[l.b].appendTo(b[:0], t.Chains[l.a].Name)
			}
			if err := writeLine(cw, string(b)); err != nil {
				return err
			}
		}
	} else {
		for _, c := range t.Chains {
			if t.declares(c) {
				if err := writeLine(cw, string(appendChain(b[:0], c))); err != nil {
					return err
				}
			}
		}
		for _, c := range t.Chains {
			for i := range c.Rules {
				if err := writeLine(cw, string(c.Rules[i].appendTo(b[:0], c.Name))); err != nil {
					return err
				}
			}
		}
	}
	return writeLine(cw, "COMMIT")
}

func appendChain(b []byte, c *Chain) []byte {
	b = append(append(b, ':'), c.Name...)
	if c.Policy == "" {
		b = append(b, " -"...)
	} else {
		b = append(append(b, ' '), c.Policy...)
	}
	if c.Counters != nil {
		b = append(b, ' ')
		b = appendCounters(b, *c.Counters)
	}
	return b
}

func appendCounters(b []byte, c Counters) []byte {
	b = append(b, '[')
	b = strconv.AppendUint(b, c.Packets, 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, c.Bytes, 10)
	return append(b, ']')
}

// String returns the rule's matches and target as written after
// "-A CHAIN" (without a leading space); see Text for the whole line.
func (r *Rule) String() string {
	b := r.appendBody(nil)
	if len(b) > 0 {
		b = b[1:]
	}
	return string(b)
}

// Text returns the rule as iptables-save writes it in chain:
// "[p:b] -A CHAIN OPTIONS...".
func (r *Rule) Text(chain string) string { return string(r.appendTo(nil, chain)) }

func (r *Rule) appendTo(b []byte, chain string) []byte {
	if r.Counters != nil {
		b = appendCounters(b, *r.Counters)
		b = append(b, ' ')
	}
	b = append(append(b, "-A "...), chain...)
	return r.appendBody(b)
}

// appendBody appends the matches and the target, each option preceded by
// a space.
func (r *Rule) appendBody(b []byte) []byte {
	if r.orderValid() {
		for _, ix := range r.order {
			m := &r.Matches[ix[0]]
			if ix[1] < 0 {
				b = append(append(b, " -m "...), m.Name...)
			} else {
				b = appendOption(b, m.Options[ix[1]])
			}
		}
	} else {
		for _, m := range r.Matches {
			if m.Name != "" && !m.Implicit {
				b = append(append(b, " -m "...), m.Name...)
			}
			for _, o := range m.Options {
				b = appendOption(b, o)
			}
		}
	}
	if r.Target.Name != "" {
		if r.Target.Goto {
			b = append(b, " -g "...)
		} else {
			b = append(b, " -j "...)
		}
		b = append(b, r.Target.Name...)
		for _, o := range r.Target.Options {
			b = appendOption(b, o)
		}
	}
	return b
}

// orderValid reports whether the recorded option order still covers every
// "-m NAME" and option of the rule exactly once.
func (r *Rule) orderValid() bool {
	if r.order == nil {
		return false
	}
	n := 0
	for _, m := range r.Matches {
		n += len(m.Options)
		if m.Name != "" && !m.Implicit {
			n++
		}
	}
	if n != len(r.order) {
		return false
	}
	seen := make(map[[2]int]bool, n)
	for _, ix := range r.order {
		if ix[0] >= len(r.Matches) || ix[1] >= len(r.Matches[ix[0]].Options) || seen[ix] {
			return false
		}
		m := r.Matches[ix[0]]
		if ix[1] < 0 && (m.Name == "" || m.Implicit) {
			return false
		}
		seen[ix] = true
	}
	return true
}

func appendOption(b []byte, o Option) []byte {
	if o.Negated {
		b = append(b, " !"...)
	}
	b = append(append(b, ' '), o.Name...)
	for i, a := range o.Args {
		b = append(b, ' ')
		if i < len(o.raw) && len(o.raw) == len(o.Args) && unquote(o.raw[i]) == a {
			b = append(b, o.raw[i]...)
		} else {
			b = appendArg(b, a)
		}
	}
	return b
}

// unquote returns the value of a token as the tokenizer reads it.
func unquote(raw string) string {
	if len(raw) < 2 || raw[0] != '"' {
		return raw
	}
	var b strings.Builder
	for i := 1; i < len(raw)-1; i++ {
		if raw[i] == '\\' && i+1 < len(raw)-1 {
			i++
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}

// appendArg writes a value, quoted when it has to be for Parse to read it
// back as one argument.
func appendArg(b []byte, a string) []byte {
	if a != "" && a != "!" && a[0] != '-' && a[0] != '[' && !strings.ContainsAny(a, " \t\"\\") {
		return append(b, a...)
	}
	b = append(b, '"')
	for i := 0; i < len(a); i++ {
		if a[i] == '"' || a[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, a[i])
	}
	return append(b, '"')
}
