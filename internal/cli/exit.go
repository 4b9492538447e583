package cli

import (
	"errors"
	"fmt"
)

// Exit statuses. Every command maps its outcome to one of these through
// ExitCode, the one place where the decision is made.
const (
	ExitOK    = 0 // success, or the answer is "yes"
	ExitFail  = 1 // the operation failed, or the answer is "no"
	ExitUsage = 2 // bad usage or bad input
)

// exitError attaches an exit status to an error.
type exitError struct {
	code  int
	err   error
	usage bool // a usage error: Run points at the command's --help
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// BadInput marks err as bad usage or bad input (exit status 2).
func BadInput(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitUsage, err: err}
}

// BadInputf is BadInput(fmt.Errorf(format, args...)).
func BadInputf(format string, args ...any) error {
	return BadInput(fmt.Errorf(format, args...))
}

// Usage marks err as bad usage of the command line (exit status 2): Run
// follows its message with "run 'netcalc CMD --help' for usage".
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitUsage, err: err, usage: true}
}

// Usagef is Usage(fmt.Errorf(format, args...)).
func Usagef(format string, args ...any) error {
	return Usage(fmt.Errorf(format, args...))
}

// isUsage reports whether err was marked with Usage.
func isUsage(err error) bool {
	var e *exitError
	return errors.As(err, &e) && e.usage
}

// Failed marks err as a failed operation (exit status 1).
func Failed(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitFail, err: err}
}

// Failedf is Failed(fmt.Errorf(format, args...)).
func Failedf(format string, args ...any) error {
	return Failed(fmt.Errorf(format, args...))
}

// silentExit ends a command with a status after its messages have already
// been written (for example one error per bad input line).
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// ExitCode decides the exit status for the error a command returned.
// Errors returned before a command's run hook started (unknown command, bad
// flag, wrong number of arguments) are usage errors; errors marked with
// BadInput or Failed carry their own status; anything else is a failed
// operation.
func ExitCode(err error, started bool) int {
	if err == nil {
		return ExitOK
	}
	var s silentExit
	if errors.As(err, &s) {
		return s.code
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	if !started {
		return ExitUsage
	}
	return ExitFail
}
