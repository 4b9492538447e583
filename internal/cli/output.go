package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes v as one line of JSON (JSON Lines), without HTML escaping.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Table prints aligned columns on a terminal and tab-separated columns when
// piped, so that scripts can cut fields.
type Table struct {
	w   io.Writer
	tw  *tabwriter.Writer
	tty bool
}

// NewTable returns a table writing to env.Out.
func (e *Env) NewTable() *Table {
	t := &Table{w: e.Out, tty: e.StdoutTTY}
	if t.tty {
		t.tw = tabwriter.NewWriter(e.Out, 0, 0, 2, ' ', 0)
	}
	return t
}

// Row writes one row.
func (t *Table) Row(cells ...string) {
	line := strings.Join(cells, "\t") + "\n"
	if t.tw != nil {
		io.WriteString(t.tw, line)
		return
	}
	io.WriteString(t.w, line)
}

// Flush writes out a terminal table; call it after the last row.
func (t *Table) Flush() error {
	if t.tw != nil {
		return t.tw.Flush()
	}
	return nil
}

// Aligned formats rows of cells into space-aligned columns whatever the
// output, for key/value views meant to be read.
func Aligned(rows [][]string) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	return b.String()
}

// ANSI styles used with Paint.
const (
	Bold   = "1"
	Dim    = "2"
	Red    = "31"
	Green  = "32"
	Yellow = "33"
	Blue   = "34"
	Cyan   = "36"
)

// Paint wraps s in the ANSI style when colour is on; otherwise returns s.
func (e *Env) Paint(style, s string) string {
	if !e.Color || s == "" {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

// Input is one item of command input: an argument or a line of a stream.
type Input struct {
	Text   string
	Line   int    // line number in Source, or 0 for a command-line argument
	Source string // "stdin" or a file name; "" for an argument
}

// Where names the input's position for error messages: "" for an argument,
// "line 3: " for stdin, "FILE:3: " for a file.
func (in Input) Where() string {
	switch {
	case in.Line == 0:
		return ""
	case in.Source == "stdin" || in.Source == "":
		return fmt.Sprintf("line %d: ", in.Line)
	default:
		return fmt.Sprintf("%s:%d: ", in.Source, in.Line)
	}
}

// EachInput calls fn for each argument, or, when args is empty or just "-",
// for each line of standard input, streaming. Lines are trimmed of
// surrounding space; empty lines and lines starting with '#' are skipped
// when skipBlank is set. fn's error stops the iteration.
func (e *Env) EachInput(args []string, skipBlank bool, fn func(Input) error) error {
	if len(args) == 0 || (len(args) == 1 && args[0] == "-") {
		return EachLine(e.Stdin, "stdin", skipBlank, fn)
	}
	for _, a := range args {
		if err := fn(Input{Text: a}); err != nil {
			return err
		}
	}
	return nil
}

// EachLine calls fn for each line of r, streaming, with its 1-based number.
func EachLine(r io.Reader, source string, skipBlank bool, fn func(Input) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if skipBlank && (text == "" || text[0] == '#') {
			continue
		}
		if err := fn(Input{Text: text, Line: n, Source: source}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return Failedf("reading %s: line %d: %v", source, n+1, err)
	}
	return nil
}
