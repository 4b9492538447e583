package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Env is what a command may touch: its streams, the environment and the
// global output choices. Commands write only through Env, never to os.Stdout.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer // raw standard output; commands write to Out
	Stderr io.Writer
	Getenv func(string) string

	StdinTTY, StdoutTTY, StderrTTY bool

	// Out is standard output, buffered when it is not a terminal. Run
	// flushes it when the command returns.
	Out Flusher

	// Set from the root command's persistent flags.
	Output  string // "text", "json" or "shell", lower-case
	Color   bool   // ANSI colour allowed on Out
	noColor bool

	fields *fieldWriter // set under --field; Out writes through it

	code int // worst status recorded by Report
}

// Flusher is a writer with a Flush method.
type Flusher interface {
	io.Writer
	Flush() error
}

type nopFlusher struct{ io.Writer }

func (nopFlusher) Flush() error { return nil }

// NewEnv returns an Env over the given streams. Terminal detection applies
// only to *os.File streams; anything else counts as a pipe.
func NewEnv(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *Env {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	e := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, Output: "text"}
	e.StdinTTY = isTerminal(stdin)
	e.StdoutTTY = isTerminal(stdout)
	e.StderrTTY = isTerminal(stderr)
	if getenv("NETCALC_FORCE_TTY") == "1" { // for tests of the terminal view
		e.StdoutTTY, e.StderrTTY = true, true
	}
	if e.StdoutTTY {
		e.Out = nopFlusher{stdout}
	} else {
		e.Out = bufio.NewWriterSize(stdout, 64<<10)
	}
	return e
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// JSON reports whether -o json was chosen (or implied by --field).
func (e *Env) JSON() bool { return e.Output == "json" }

// Shell reports whether -o shell was chosen. Only a command whose
// "netcalc/output" annotation lists shell can see it: the root refuses -o
// shell for the others.
func (e *Env) Shell() bool { return strings.EqualFold(e.Output, "shell") }

// Errorf writes one "netcalc: ..." line to standard error.
func (e *Env) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasPrefix(msg, "netcalc: ") {
		msg = "netcalc: " + msg
	}
	// Keep stdout and stderr in order when both reach a person.
	_ = e.Out.Flush()
	fmt.Fprintln(e.Stderr, strings.TrimRight(msg, "\n"))
}

// Warnf writes a "netcalc: warning: ..." line to standard error without
// changing the exit status.
func (e *Env) Warnf(format string, args ...any) {
	e.Errorf("warning: "+format, args...)
}

// Report writes err to standard error and records its exit status; the
// command goes on. Finish returns the worst status recorded.
func (e *Env) Report(err error) {
	if err == nil {
		return
	}
	e.Errorf("%s", err.Error())
	e.Record(ExitCode(err, true))
}

// Record notes an exit status without printing anything; the worst one wins
// (2 over 1 over 0).
func (e *Env) Record(code int) {
	if code > e.code {
		e.code = code
	}
}

// Finish returns nil when nothing was recorded, else an error that makes the
// process exit with the worst recorded status without printing again.
func (e *Env) Finish() error {
	if e.code == 0 {
		return nil
	}
	return silentExit{e.code}
}
