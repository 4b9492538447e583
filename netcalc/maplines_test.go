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
