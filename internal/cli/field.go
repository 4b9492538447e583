package cli

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/internal/jsonrec"
)

// --field NAME prints only the named fields of each record. It is built
// once, here, for every command that prints JSON records: the command runs
// in JSON mode and its standard output goes through a fieldWriter, which
// decodes each JSON Lines object and prints the fields' values bare, one per
// line, in the order the flags were given:
//
//   - a string is printed without quotes, a number or boolean as JSON, null
//     as an empty line, an object as one line of JSON;
//   - an array prints one element per line;
//   - a dotted name (registry.name) reaches into objects, and into every
//     element of an array on the way.
//
// A record {"input": ..., "error": ...} (a bad input line) is not printed:
// the command reports it on standard error as usual. A record that lacks
// one of the fields prints an empty line for it, so that every record
// prints the same number of lines; in a stream that mixes kinds of records
// (each has "type"), a record with none of the fields is another kind and
// prints nothing. A field that no record has is bad usage (exit 2): the
// message lists the fields the records have. Output is held back until
// every field has been seen (or 1 MiB is held), so a misspelt field prints
// nothing but the error.

// setFields switches env to JSON output filtered by fields.
func setFields(env *Env, cmd *cobra.Command, fields []string) error {
	if !slices.Contains(outputsOf(cmd), "json") {
		return Usagef("--field: %s prints no records to pick fields from", cmd.CommandPath())
	}
	if env.Output == "shell" {
		return Usagef("--field and -o shell cannot be used together: --field prints bare values")
	}
	for _, f := range fields {
		if f == "" || slices.Contains(strings.Split(f, "."), "") {
			return Usagef("--field: %s is not a field name; give a JSON field name such as network, or a.b for a nested one", quoteToken(f))
		}
	}
	env.Output = "json"
	fw := newFieldWriter(env.Out, fields, cmd.CommandPath())
	env.fields = fw
	env.Out = fw
	return nil
}

// fieldWriter is the Flusher that replaces env.Out under --field.
type fieldWriter struct {
	dst    Flusher
	fields []string
	cmd    string

	buf     []byte       // an incomplete line
	held    bytes.Buffer // output held until every field was seen
	holding bool
	err     error

	records int                 // records seen
	found   map[string]bool     // fields found in some record
	inside  map[string]string   // for a dotted field that broke inside a record: "registry has ..."
	first   []string            // the fields of untyped records
	kinds   []string            // "type" values seen, in order
	keys    map[string][]string // each kind's fields
}

// maxHeld is how much output --field holds back while waiting to see
// every field once.
const maxHeld = 1 << 20

func newFieldWriter(dst Flusher, fields []string, cmd string) *fieldWriter {
	return &fieldWriter{dst: dst, fields: fields, cmd: cmd, holding: true,
		found: map[string]bool{}, inside: map[string]string{}}
}

func (w *fieldWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.buf = append(w.buf, p...)
	// Lines are consumed from the front and the rest moved down once, not
	// once per line: one Write can carry a whole batch of records.
	rest := w.buf
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		line := rest[:i]
		rest = rest[i+1:]
		if err := w.line(line); err != nil {
			w.err = err
			w.buf = w.buf[:0]
			return 0, err
		}
	}
	w.buf = append(w.buf[:0], rest...)
	return len(p), nil
}

// Flush writes out what complete records produced, unless it is held.
func (w *fieldWriter) Flush() error { return w.dst.Flush() }

// finish handles a last line without a newline and reports a field that
// no record had. Run calls it when the command returns.
func (w *fieldWriter) finish() error {
	if w.err == nil && len(bytes.TrimSpace(w.buf)) > 0 {
		w.err = w.line(w.buf)
		w.buf = nil
	}
	if w.err != nil {
		return w.err
	}
	for _, f := range w.fields {
		if w.records == 0 || w.found[f] {
			continue
		}
		have := w.inside[f]
		if have == "" && len(w.kinds) > 0 {
			var per []string
			for _, k := range w.kinds {
				per = append(per, fmt.Sprintf("%s records have %s", k, strings.Join(w.keys[k], ", ")))
			}
			have = strings.Join(per, "; ")
		} else if have == "" {
			have = "the records have " + strings.Join(w.first, ", ")
		}
		return Usagef("--field %s: no record of %s has that field; %s", quoteToken(f), w.cmd, have)
	}
	if w.holding {
		_, err := w.dst.Write(w.held.Bytes())
		w.holding = false
		return err
	}
	return nil
}

func (w *fieldWriter) line(line []byte) error {
	if len(bytes.TrimSpace(line)) == 0 {
		return nil
	}
	v, err := jsonrec.Decode(line)
	rec, isObj := v.(*jsonrec.Object)
	if err != nil || !isObj {
		return Usagef("--field: %s does not print JSON records here, so there are no fields to pick", w.cmd)
	}
	if rec.Has("input") && rec.Vals["error"] != nil {
		return nil // a bad input line: the command reports it on standard error
	}
	w.records++
	kind, typed := rec.Vals["type"].(string)
	if typed {
		w.noteKind(kind, rec)
	} else {
		for _, k := range rec.Keys {
			if !slices.Contains(w.first, k) {
				w.first = append(w.first, k)
			}
		}
	}
	var out bytes.Buffer
	any := false
	for _, f := range w.fields {
		vals, missing, where := jsonrec.Pick(rec, strings.Split(f, "."))
		if missing != "" {
			if where != nil && where != rec && w.inside[f] == "" {
				w.inside[f] = fmt.Sprintf("%s has %s", strings.TrimSuffix(f, "."+missing), strings.Join(where.Keys, ", "))
			}
			out.WriteByte('\n')
			continue
		}
		any = true
		w.found[f] = true
		for _, v := range vals {
			jsonrec.WriteBare(&out, v)
		}
	}
	if typed && !any {
		return nil // a record of another kind
	}
	if !w.holding {
		_, err = w.dst.Write(out.Bytes())
		return err
	}
	w.held.Write(out.Bytes())
	all := true
	for _, f := range w.fields {
		all = all && w.found[f]
	}
	if all || w.held.Len() > maxHeld {
		w.holding = false
		_, err = w.dst.Write(w.held.Bytes())
		w.held.Reset()
	}
	return err
}

func (w *fieldWriter) noteKind(kind string, rec *jsonrec.Object) {
	if w.keys == nil {
		w.keys = map[string][]string{}
	}
	have, ok := w.keys[kind]
	if !ok {
		w.kinds = append(w.kinds, kind)
	}
	for _, k := range rec.Keys { // the union: optional fields appear in some records only
		if !slices.Contains(have, k) {
			have = append(have, k)
		}
	}
	w.keys[kind] = have
}
