package cli

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/netcalc/netcalc/netcalc"
)

// EachLineParallel streams the lines of r through fn on all CPUs
// (netcalc.MapLines) and writes the results to env.Out in input order,
// with memory bounded by a few batches whatever the input size. fn appends
// the output for one line to dst and returns it, with an error to report
// (env.Report) in order after that output, or nil. sep is written between
// two non-empty outputs. Blank lines and '#' comments are skipped, as is a
// leading UTF-8 byte order mark. A line longer than netcalc.MaxListLine
// does not reach fn: it is reported in its place, as BadLine does (stderr,
// and an {"input","line","error"} object in -o json), exit status 2. It
// returns how many inputs there were, such lines included.
func (e *Env) EachLineParallel(r io.Reader, source string, sep string, fn func(in Input, dst []byte) ([]byte, error)) (int, error) {
	wrote := false
	inputs, last, err := netcalc.MapLines(r, source, func(text string, n int, bad *netcalc.ListError, dst []byte) ([]byte, error) {
		in := Input{Text: text, Line: n, Source: source}
		if bad != nil {
			return e.appendBadLine(dst, in, bad.Err)
		}
		return fn(in, dst)
	}, func(b *netcalc.LineBatch) {
		// Consecutive outputs go out in one Write (one copy into the
		// buffered writer, or none for a large run) until a separator or
		// an error to report, which must come in order, splits the run.
		start, run := 0, 0
		for _, res := range b.Results {
			if res.End > start {
				if wrote && sep != "" {
					e.Out.Write(b.Out[run:start])
					run = start
					io.WriteString(e.Out, sep)
				}
				wrote = true
			}
			start = res.End
			if res.Err != nil {
				e.Out.Write(b.Out[run:start])
				run = start
				e.Report(res.Err)
			}
		}
		e.Out.Write(b.Out[run:start])
	})
	if err != nil {
		return inputs, readError(source, last+1, err)
	}
	return inputs, nil
}

// BadLine reports a bad input item: "WHERE: MESSAGE" on standard error
// and, with -o json, {"input": ..., "line": N, "error": MESSAGE} on
// standard output ("line" only for an item read from a list), and records
// exit status 2. A parse error's token is quoted cut to 80 characters.
func (e *Env) BadLine(in Input, err error) {
	out, err := e.appendBadLine(nil, in, err)
	if len(out) > 0 {
		e.Out.Write(out)
	}
	e.Report(err)
}

// appendBadLine appends BadLine's JSON object for in to dst (in -o json)
// and returns the bad-input error to report for it.
func (e *Env) appendBadLine(dst []byte, in Input, err error) ([]byte, error) {
	msg := inputMessage(err)
	if e.JSON() {
		dst = appendInputError(dst, in, msg)
	}
	return dst, BadInputf("%s%s", in.Where(), msg)
}

// appendInputError appends {"input": TEXT, "line": N, "error": MSG} and a
// newline; "line" is left out for a command-line argument, and "file":
// NAME follows "line" for a line of a list file (not standard input).
func appendInputError(dst []byte, in Input, msg string) []byte {
	dst = append(dst, `{"input":`...)
	dst = netcalc.AppendJSONString(dst, in.Text)
	if in.Line > 0 {
		dst = append(dst, `,"line":`...)
		dst = strconv.AppendInt(dst, int64(in.Line), 10)
		if in.Source != "" && in.Source != "stdin" {
			dst = append(dst, `,"file":`...)
			dst = netcalc.AppendJSONString(dst, in.Source)
		}
	}
	dst = append(dst, `,"error":`...)
	dst = netcalc.AppendJSONString(dst, msg)
	return append(dst, "}\n"...)
}

// inputMessage is the message for a bad input without netcalc's prefix or
// a list position; a parse error's token is quoted with quoteToken, so that
// a 60 KB line does not become a 60 KB message.
func inputMessage(err error) string {
	var le *netcalc.ListError
	if errors.As(err, &le) {
		err = le.Err
	}
	var pe *netcalc.ParseError
	if errors.As(err, &pe) {
		return quoteToken(pe.Input) + ": " + pe.Msg
	}
	return netcalc.Message(err)
}

// openList opens the list named by a command line: "-" is standard input,
// anything else a file. A file that cannot be opened, or a directory, is
// bad input (exit status 2).
func (e *Env) openList(name string) (io.ReadCloser, string, error) {
	if name == "-" {
		return io.NopCloser(e.Stdin), "stdin", nil
	}
	if name == "" {
		return nil, "", BadInputf(`"@" needs a file name: @FILE reads a list from FILE`)
	}
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, name, BadInputf("%s: %v, want a list file", name, err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, name, BadInputf("%s: is a directory, want a list file", name)
	}
	return f, name, nil
}

// readError is the error for a list that failed while being read: bad
// input when it is a directory (standard input redirected from one), else
// a failed operation, without Go's doubled "read FILE" wording.
func readError(source string, line int, err error) error {
	if errors.Is(err, syscall.EISDIR) {
		return BadInputf("%s: is a directory, want a list file", source)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return Failedf("reading %s: line %d: %v", source, line, err)
}

// listArgs returns the arguments with each --file FILE added as "@FILE",
// after them.
func listArgs(args, files []string) []string {
	for _, f := range files {
		args = append(args, "@"+f)
	}
	return args
}

// addFileFlag defines the --file flag of a list-reading command.
func addFileFlag(fs *pflag.FlagSet, files *[]string) {
	fs.StringArrayVar(files, "file", nil, "read a list from `FILE`, one item per line (\"-\" is standard input; repeatable; same as @FILE)")
}

// waitsOnTerminal returns a usage error when a command would read its
// list from standard input (no arguments) and standard input is a
// terminal: a person typed the command without its input, and would
// otherwise wait without a prompt.
func (e *Env) waitsOnTerminal(cmd string, args []string, what string) error {
	if len(args) > 0 || !e.StdinTTY {
		return nil
	}
	return e.usageError(cmd, "no input: give %s as arguments, @FILE or --file FILE, or pipe them one per line", what)
}

// usageError writes a usage error and the pointer to the command's help,
// and returns the exit status 2 without printing again.
func (e *Env) usageError(cmd, format string, args ...any) error {
	e.Errorf(format, args...)
	e.Errorf("run 'netcalc %s --help' for usage", cmd)
	return silentExit{ExitUsage}
}
