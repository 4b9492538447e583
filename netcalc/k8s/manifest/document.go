package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/netcalc/netcalc/internal/yamlpos"
)

// Reader reads the documents of one file. The zero Reader reads a file
// without a name and drops notes.
type Reader struct {
	// File names the input in errors and notes. Default "": errors say
	// "line N".
	File string
	// Note is called for each value read leniently (see Note). Default
	// nil: such values are read without a word.
	Note func(Note)
	// Strict makes a key repeated in a mapping an error (ErrDuplicate), as
	// the API server's strict decoding does. Default false: the last value
	// wins, as kubectl's lenient decoding has it.
	Strict bool
}

// Note is a value read the way Kubernetes reads it rather than as written:
// an IPv4 address with leading zeros ("172.30.0.041") read as decimal
// (Canonical "172.30.0.41"), as kube-proxy's netutils.ParseIPSloppy does
// with what API servers before 1.22 stored.
type Note struct {
	File      string
	Line      int
	Path      string
	Value     string
	Canonical string
}

// Document is one YAML document of a file.
type Document struct {
	// Text is the document's bytes, from its first line to the end of its
	// last (a slice of the file, not a copy).
	Text []byte
	// Start is the 1-based line of the document's first line in the file.
	Start int
	lines []string
	pos   *yamlpos.Index // the positions, parsed on first use: only an error or a note needs them
	r     *Reader
}

// Split splits data into its documents on "---" lines (a line that is
// "---" or starts with "--- " or "---\t"). It always returns at least one
// document; documents may be empty.
func (r *Reader) Split(data []byte) []*Document {
	lines := strings.Split(string(data), "\n")
	var docs []*Document
	cur, first, off, from := &Document{Start: 1, r: r}, 0, 0, 0
	flush := func(i, end, next int) {
		cur.lines = lines[first:i:i]
		if len(cur.lines) > 0 {
			cur.Text = data[from:end:end]
		}
		docs = append(docs, cur)
		cur = &Document{Start: next, r: r}
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

// Root decodes the document and returns its top value; the Node is
// Missing for a document with nothing in it. Values decode as
// sigs.k8s.io/yaml's YAML-to-JSON conversion followed by encoding/json
// with UseNumber gives them: map[string]any, []any, string, json.Number,
// bool and nil. A document that is not YAML is an *Error wrapping
// ErrSyntax.
func (d *Document) Root() (Node, error) {
	if len(bytes.TrimSpace(d.Text)) == 0 {
		return Node{d: d}, nil
	}
	v, ok := fastYAML(d.lines)
	if !ok {
		var err error
		if v, err = d.decode(); err != nil {
			return Node{}, err
		}
		// The fast path takes no document with a repeated key.
		if d.r.Strict {
			d.pos = yamlpos.Parse(d.Text)
			if k, l, _, dup := d.pos.DuplicateKey(); dup {
				return Node{}, &Error{File: d.r.File, Line: d.Start + min(l, len(d.lines)) - 1, Msg: fmt.Sprintf("key %q given twice in one mapping: want each key once", k), Err: ErrDuplicate}
			}
		}
	}
	return Node{v: v, d: d}, nil
}

// decode is the general path: sigs.k8s.io/yaml's YAML-to-JSON conversion,
// then JSON decoding with numbers kept as json.Number.
func (d *Document) decode() (any, error) {
	js, err := yaml.YAMLToJSON(d.Text)
	if err != nil {
		n, msg := yamlpos.SyntaxError(err)
		line := d.Start
		if n > 0 {
			line = d.Start + n - 1
		}
		if last := d.Start + len(d.lines) - 1; line > last { // the parser reports end of input one line late
			line = last
		}
		if i := line - d.Start; i >= 0 && i < len(d.lines) {
			l := d.lines[i]
			if strings.Contains(l[:len(l)-len(strings.TrimLeft(l, " \t"))], "\t") {
				msg += " (a tab in the indentation: YAML indents with spaces only)"
			}
		}
		return nil, &Error{File: d.r.File, Line: line, Msg: msg, Err: ErrSyntax}
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &Error{File: d.r.File, Line: d.Start, Msg: err.Error(), Err: ErrSyntax}
	}
	return v, nil
}

// line returns the 1-based line in the file of the value at path, or of
// the deepest part of path the document has; the document's first line
// when it has none.
func (d *Document) line(path []any) int {
	if d.pos == nil {
		d.pos = yamlpos.Parse(d.Text)
	}
	l, _, _ := d.pos.Find(path...)
	// yaml.v3 also breaks lines at a lone "\r"; the file's lines are
	// "\n"-separated.
	l = min(l, len(d.lines))
	if l > 0 {
		return d.Start + l - 1
	}
	return d.Start
}
