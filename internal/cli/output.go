package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/netcalc/netcalc/netcalc"
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

	// err is set for a line that could not be read (longer than
	// netcalc.MaxListLine); Text then holds its start. The readers report
	// such lines themselves: a command's fn never sees one.
	err error
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

// EachInput calls fn for each input item, streaming: each argument as it
// is; for "-" (or no argument at all) each line of standard input; for
// "@FILE" each line of FILE ("@-" is standard input too). Lines are trimmed
// of surrounding space and a leading UTF-8 byte order mark; blank lines and
// lines starting with '#' are skipped when skipBlank is set. A line longer
// than netcalc.MaxListLine, a file that cannot be opened and a second
// reading of standard input are reported with BadLine or Report (exit
// status 2) and skipped. fn's error stops the iteration. It returns how
// many items there were, bad ones included.
//
// Commands add "--file FILE" by appending "@FILE" to args (listFiles).
func (e *Env) EachInput(args []string, skipBlank bool, fn func(Input) error) (int, error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	n, stdinUsed := 0, false
	for _, a := range args {
		name, isList := strings.CutPrefix(a, "@")
		if a == "-" {
			name, isList = "-", true
		}
		if !isList {
			n++
			if err := fn(Input{Text: a}); err != nil {
				return n, err
			}
			continue
		}
		if name == "-" {
			if stdinUsed {
				e.Report(BadInputf(`standard input ("-") can be read only once`))
				continue
			}
			stdinUsed = true
		}
		r, source, err := e.openList(name)
		if err != nil {
			e.Report(err)
			continue
		}
		err = eachLine(r, source, skipBlank, func(in Input) error {
			n++
			if in.err != nil {
				e.BadLine(in, in.err)
				return nil
			}
			return fn(in)
		})
		r.Close()
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// EachLine calls fn for each line of r, streaming, with its 1-based number;
// lines are trimmed of surrounding space and a leading UTF-8 byte order
// mark, and blank lines and lines starting with '#' are skipped when
// skipBlank is set. A line longer than netcalc.MaxListLine stops it with a
// bad-input error (exit status 2) naming the line and the limit; fn's
// error stops it too.
func EachLine(r io.Reader, source string, skipBlank bool, fn func(Input) error) error {
	return eachLine(r, source, skipBlank, func(in Input) error {
		if in.err != nil {
			return BadInput(fmt.Errorf("%s%w", in.Where(), in.err))
		}
		return fn(in)
	})
}

// eachLine is EachLine that passes lines too long to read to fn, with
// Input.err set.
func eachLine(r io.Reader, source string, skipBlank bool, fn func(Input) error) error {
	return scanLines(r, source, skipBlank, func(line []byte, n int, le *netcalc.ListError) error {
		if le != nil {
			return fn(Input{Text: le.Input, Line: n, Source: source, err: le.Err})
		}
		return fn(Input{Text: string(line), Line: n, Source: source})
	})
}

// scanLines is the loop of eachLine and EachLineParallel: it calls fn with
// each line of r (valid until fn returns) and its 1-based number, or with
// the ListError of a line too long to read; blank lines and lines starting
// with '#' are skipped when skipBlank is set. A read error stops it as
// readError says; fn's error stops it too.
func scanLines(r io.Reader, source string, skipBlank bool, fn func(line []byte, n int, le *netcalc.ListError) error) error {
	lr := netcalc.NewLineReader(r, source)
	for {
		line, n, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		var le *netcalc.ListError
		if err != nil && !errors.As(err, &le) {
			return readError(source, n+1, err)
		}
		if le == nil && skipBlank && (len(line) == 0 || line[0] == '#') {
			continue
		}
		if err := fn(line, n, le); err != nil {
			return err
		}
	}
}
