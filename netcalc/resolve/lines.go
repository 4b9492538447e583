package resolve

import (
	"bufio"
	"io"
	"strings"
)

// lineScanner reads a configuration file line by line, like bufio.Scanner
// with ScanLines, but with no limit on a line's length: glibc reads hosts,
// resolv.conf and nsswitch.conf lines of any length, so a 2 MB line is one
// more line to parse (or skip), never "token too long".
type lineScanner struct {
	r    *bufio.Reader
	text string
	err  error
	done bool
}

func newLineScanner(r io.Reader) *lineScanner {
	return &lineScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

// Scan reads the next line; it returns false at the end or on an error.
func (s *lineScanner) Scan() bool {
	if s.done {
		return false
	}
	line, err := s.r.ReadString('\n')
	if err != nil {
		s.done = true
		if err != io.EOF {
			s.err = err
			return false
		}
		if line == "" {
			return false
		}
	}
	s.text = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	return true
}

// Text returns the last line read, without its line ending.
func (s *lineScanner) Text() string { return s.text }

// Err returns the read error that ended Scan, or nil at the end of input.
func (s *lineScanner) Err() error { return s.err }
