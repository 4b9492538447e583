package netcalc

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestMapLines maps enough lines for several batches on every worker and
// checks the outputs come back in input order, each with its line number,
// with blank lines and comments skipped, a too-long line passed as its
// ListError, and fn's errors kept beside their line's output.
func TestMapLines(t *testing.T) {
	var in, want strings.Builder
	in.WriteString("\ufeff")
	count := 0
	for n := 1; n <= 5*mapBatchSize+7; n++ {
		switch {
		case n%97 == 0:
			in.WriteString("\n") // blank: skipped
		case n%89 == 0:
			in.WriteString("  # comment\n") // skipped
		case n == 1000:
			in.WriteString(strings.Repeat("x", MaxListLine+1) + "\n")
			fmt.Fprintf(&want, "%d too long\n", n)
			count++
		default:
			fmt.Fprintf(&in, "  item%d \r\n", n)
			fmt.Fprintf(&want, "%d item%d\n", n, n)
			count++
		}
	}
	fn := func(text string, n int, bad *ListError, dst []byte) ([]byte, error) {
		if bad != nil {
			if !errors.Is(bad, ErrLineTooLong) || bad.Line != n {
				return dst, fmt.Errorf("line %d: bad = %v", n, bad)
			}
			return fmt.Appendf(dst, "%d too long\n", n), nil
		}
		var err error
		if n%10 == 0 {
			err = fmt.Errorf("e%d", n)
		}
		return fmt.Appendf(dst, "%d %s\n", n, text), err
	}
	var got strings.Builder
	var errs []string
	gotCount, _, err := MapLines(strings.NewReader(in.String()), "list.txt", fn, func(b *LineBatch) {
		start := 0
		for _, r := range b.Results {
			got.Write(b.Out[start:r.End])
			start = r.End
			if r.Err != nil {
				errs = append(errs, r.Err.Error())
				if !strings.HasSuffix(got.String(), strings.TrimPrefix(r.Err.Error(), "e")+" item"+strings.TrimPrefix(r.Err.Error(), "e")+"\n") {
					t.Errorf("error %v does not follow its line's output", r.Err)
				}
			}
		}
	})
	if err != nil || gotCount != count {
		t.Fatalf("MapLines = %d, %v; want %d, nil", gotCount, err, count)
	}
	if got.String() != want.String() {
		t.Errorf("MapLines output differs from the input order:\n%s", firstDiff(got.String(), want.String()))
	}
	if len(errs) == 0 {
		t.Errorf("no error of fn came through")
	}
}

// TestMapLinesReadError checks that a failing reader stops MapLines with
// the error and the last line read, after the lines before it.
func TestMapLinesReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("a\nb\nc\n"), iotest.ErrReader(boom))
	var got strings.Builder
	n, last, err := MapLines(r, "stdin", func(text string, _ int, _ *ListError, dst []byte) ([]byte, error) {
		return append(dst, text...), nil
	}, func(b *LineBatch) { got.Write(b.Out) })
	if !errors.Is(err, boom) || n != 3 || last != 3 || got.String() != "abc" {
		t.Errorf("MapLines over a failing reader = %d, %d, %v, output %q; want 3, 3, boom, \"abc\"", n, last, err, got.String())
	}
}

// firstDiff describes where got and want first differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d: got %q; want %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines; want %d", len(g), len(w))
}

// FuzzMapLines checks MapLines against a serial LineReader loop: the same
// lines, numbers and too-long lines, in the same order.
func FuzzMapLines(f *testing.F) {
	f.Add("10.0.0.1\n\n# comment\n  spaced \r\n")               // blank, comment, white space and CR
	f.Add("\ufeffbom first\nno newline at the end")             // byte order mark; last line unterminated
	f.Add("a\n" + strings.Repeat("y", MaxListLine+1) + "\nb\n") // a line too long between two good ones
	f.Add(strings.Repeat("line\n", 3*mapBatchSize+1))           // several batches, the last of one line
	f.Add("#only a comment")                                    // nothing to map
	f.Fuzz(func(t *testing.T, in string) {
		var want strings.Builder
		lr := NewLineReader(strings.NewReader(in), "fuzz")
		for {
			line, n, err := lr.Next()
			if err == io.EOF {
				break
			}
			var le *ListError
			if err != nil && !errors.As(err, &le) {
				t.Fatalf("LineReader over a string: %v", err)
			}
			switch {
			case le != nil:
				fmt.Fprintf(&want, "%d!%s\n", n, le.Input)
			case len(line) > 0 && line[0] != '#':
				fmt.Fprintf(&want, "%d:%s\n", n, line)
			}
		}
		var got strings.Builder
		_, _, err := MapLines(strings.NewReader(in), "fuzz", func(text string, n int, bad *ListError, dst []byte) ([]byte, error) {
			if bad != nil {
				return fmt.Appendf(dst, "%d!%s\n", n, text), nil
			}
			return fmt.Appendf(dst, "%d:%s\n", n, text), nil
		}, func(b *LineBatch) { got.Write(b.Out) })
		if err != nil {
			t.Fatalf("MapLines over a string: %v", err)
		}
		if got.String() != want.String() {
			t.Errorf("MapLines differs from a serial LineReader loop:\n%s", firstDiff(got.String(), want.String()))
		}
	})
}
