package resolve

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// DefaultOrder is the "hosts: files dns" order glibc and Go assume when
// nsswitch.conf has no hosts line.
func DefaultOrder() []Source { return []Source{Files, DNS} }

// LoadNSSwitch reads the hosts order from the nsswitch.conf file at path.
// A missing file gives DefaultOrder with a warning.
func LoadNSSwitch(path string) ([]Source, []Warning, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultOrder(), []Warning{{File: path, Msg: "file not found; using hosts: files dns"}}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resolve: nsswitch.conf: %w", err)
	}
	defer f.Close()
	return ParseNSSwitch(f, path)
}

// ParseNSSwitch returns the sources of the "hosts:" line of an
// nsswitch.conf(5) file, in order. Only "files" and "dns" are implemented;
// any other source (myhostname, mdns4_minimal, resolve, ...) and any
// "[STATUS=ACTION]" criterion is dropped with a Warning naming it, never
// silently. Without a hosts line, or with no implemented source on it, the
// order is DefaultOrder. '#' starts a comment. ParseNSSwitch fails only
// when reading r fails.
func ParseNSSwitch(r io.Reader, file string) ([]Source, []Warning, error) {
	var order []Source
	var warns []Warning
	found := false
	sc := newLineScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		db, rest, ok := strings.Cut(text, ":")
		if !ok || strings.TrimSpace(db) != "hosts" {
			continue
		}
		found = true
		order = nil // the last hosts line wins
		warns = nil
		var other []string
		for _, w := range strings.Fields(rest) {
			switch {
			case w == string(Files) || w == string(DNS):
				if !containsSource(order, Source(w)) {
					order = append(order, Source(w))
				}
			default:
				other = append(other, w)
			}
		}
		if len(other) > 0 {
			warns = append(warns, Warning{File: file, Line: line, Msg: "hosts: " + strings.Join(other, " ") + ": not implemented by netcalc (only files and dns); ignored"})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("resolve: reading %s: line %d: %w", file, line+1, err)
	}
	if !found || len(order) == 0 {
		if found {
			warns = append(warns, Warning{File: file, Msg: "hosts line names neither files nor dns; using files dns"})
		}
		return DefaultOrder(), warns, nil
	}
	return order, warns, nil
}

func containsSource(s []Source, x Source) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
