package netcalc

import (
	"errors"
	"io"
	"runtime"
	"sync"
)

// LineBatch is a run of consecutive lines that MapLines has mapped, as
// its emit function receives them.
type LineBatch struct {
	// Out holds the outputs of the lines, one after the other.
	Out []byte
	// Results holds one entry per line, in input order.
	Results []LineResult

	lines []mapLine
	done  chan struct{}
}

// LineResult is what MapLines's fn made of one line.
type LineResult struct {
	End int   // end offset of the line's output in LineBatch.Out
	Err error // the error fn returned for the line, or nil
}

// mapLine is a line waiting for fn: its text, number and, for a line too
// long to read, its error.
type mapLine struct {
	text string
	n    int
	bad  *ListError
}

// mapBatchSize is the number of lines in a LineBatch (the last may hold
// fewer).
const mapBatchSize = 512

// MapLines streams the lines of r through fn on GOMAXPROCS goroutines and
// hands the results to emit in input order, with memory bounded by a few
// batches of 512 lines whatever the input size. Lines are read as a
// LineReader reads them (source names r): a leading UTF-8 byte order mark
// and surrounding white space are dropped, and blank lines and lines
// starting with '#' are skipped. fn receives a line's text and 1-based
// number, or for a line longer than MaxListLine its *ListError (text is
// then ListError.Input); it appends the line's output to dst and returns
// it, with an error to hand on with the output or nil. fn is called
// concurrently; emit is called on the calling goroutine, and the batch it
// receives is reused once it returns. MapLines returns how many lines
// went to fn and, when reading r failed, the error and the number of the
// last line read; the lines read before the error are still mapped and
// emitted.
func MapLines(r io.Reader, source string, fn func(text string, n int, bad *ListError, dst []byte) ([]byte, error), emit func(*LineBatch)) (count, last int, err error) {
	workers := runtime.GOMAXPROCS(0)
	inFlight := workers * 3
	work := make(chan *LineBatch, inFlight)
	order := make(chan *LineBatch, inFlight)
	// Batches are recycled through free, which also bounds memory: the
	// reader waits for the emitter when inFlight batches are out.
	free := make(chan *LineBatch, inFlight)
	for i := 0; i < inFlight; i++ {
		free <- &LineBatch{lines: make([]mapLine, 0, mapBatchSize), Results: make([]LineResult, 0, mapBatchSize), Out: make([]byte, 0, 64<<10)}
	}

	go func() { // reader
		defer close(work)
		defer close(order)
		next := func() *LineBatch {
			b := <-free
			b.lines, b.Results, b.Out = b.lines[:0], b.Results[:0], b.Out[:0]
			b.done = make(chan struct{})
			return b
		}
		b := next()
		// The lines' text is gathered in one buffer per batch and made
		// one string when the batch is full: one allocation per batch
		// rather than one per line. spans[i] is line i's text in arena,
		// or start -1 for a line whose text is already set.
		var arena []byte
		spans := make([][2]int, 0, mapBatchSize)
		flush := func() {
			text := string(arena)
			for i, sp := range spans {
				if sp[0] >= 0 {
					b.lines[i].text = text[sp[0]:sp[1]]
				}
			}
			arena, spans = arena[:0], spans[:0]
			work <- b
			order <- b
			b = next()
		}
		lr := NewLineReader(r, source)
		for {
			line, n, rerr := lr.Next()
			if rerr == io.EOF {
				break
			}
			var le *ListError
			if rerr != nil && !errors.As(rerr, &le) {
				last, err = n, rerr
				break
			}
			switch {
			case le != nil:
				b.lines = append(b.lines, mapLine{text: le.Input, n: n, bad: le})
				spans = append(spans, [2]int{-1, -1})
			case len(line) == 0 || line[0] == '#':
				continue
			default:
				b.lines = append(b.lines, mapLine{n: n})
				spans = append(spans, [2]int{len(arena), len(arena) + len(line)})
				arena = append(arena, line...)
			}
			if len(b.lines) == mapBatchSize {
				flush()
			}
		}
		if len(b.lines) > 0 {
			flush()
		}
	}()

	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				for _, l := range b.lines {
					var err error
					b.Out, err = fn(l.text, l.n, l.bad, b.Out)
					b.Results = append(b.Results, LineResult{End: len(b.Out), Err: err})
				}
				close(b.done)
			}
		}()
	}

	for b := range order {
		count += len(b.lines)
		<-b.done
		emit(b)
		free <- b
	}
	wg.Wait()
	return count, last, err
}
