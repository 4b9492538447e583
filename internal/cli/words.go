package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"syscall"
)

// Words shared by the commands' printers and messages.

// countNoun returns "1 noun" or "N nouns".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// listSome joins up to four names, then "...".
func listSome(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}

// scenarioReadError says why the scenario file could not be read
// (readFileError of a YAML file of Services).
func scenarioReadError(name string, err error) error {
	return readFileError(name, err, "a YAML file of Services")
}

// readFileError says why file name could not be read, in the user's
// words: no doubled "open FILE" and no Go error types; want says what the
// file should be, for a directory ("a flows file").
func readFileError(name string, err error, want string) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", quoteToken(name))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", quoteToken(name))
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("%s: is a directory, want %s", quoteToken(name), want)
	case errors.As(err, &pe):
		return fmt.Errorf("reading %s: %v", quoteToken(name), pe.Err)
	}
	return fmt.Errorf("reading %s: %v", quoteToken(name), err)
}

// seedValue is --seed: a uint64 whose bad values are said in the user's
// words, not strconv's.
type seedValue uint64

func (v *seedValue) String() string { return strconv.FormatUint(uint64(*v), 10) }
func (v *seedValue) Type() string   { return "uint" }
func (v *seedValue) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number 0-18446744073709551615")
	}
	*v = seedValue(n)
	return nil
}
