package cli

import (
	"bufio"
	"io"
	"runtime"
	"strings"
	"sync"
)

// lineResult is what a worker made of one input line.
type lineResult struct {
	end int   // end offset of the line's output in the batch buffer
	err error // reported, in order, after the output, when set
}

type lineBatch struct {
	lines   []Input
	out     []byte
	results []lineResult
	done    chan struct{}
}

// EachLineParallel streams the lines of r through fn on all CPUs and writes
// the results to env.Out in input order, with memory bounded by a few
// batches whatever the input size. fn appends the output for one line to
// dst and returns it, with an error to report (env.Report) in order after
// that output, or nil. sep is written between two non-empty outputs. Blank lines
// and '#' comments are skipped. It returns how many inputs fn saw.
func (e *Env) EachLineParallel(r io.Reader, source string, sep string, fn func(in Input, dst []byte) ([]byte, error)) (int, error) {
	const batchSize = 512
	workers := runtime.GOMAXPROCS(0)
	inFlight := workers * 3
	work := make(chan *lineBatch, inFlight)
	order := make(chan *lineBatch, inFlight)
	// Batches are recycled through free, which also bounds memory: the
	// reader waits for the writer when inFlight batches are out.
	free := make(chan *lineBatch, inFlight)
	for i := 0; i < inFlight; i++ {
		free <- &lineBatch{lines: make([]Input, 0, batchSize), results: make([]lineResult, 0, batchSize), out: make([]byte, 0, 64<<10)}
	}
	var readErr error

	go func() { // reader
		defer close(work)
		defer close(order)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		n := 0
		next := func() *lineBatch {
			b := <-free
			b.lines, b.results, b.out = b.lines[:0], b.results[:0], b.out[:0]
			b.done = make(chan struct{})
			return b
		}
		b := next()
		flush := func() {
			work <- b
			order <- b
			b = next()
		}
		for sc.Scan() {
			n++
			text := strings.TrimSpace(sc.Text())
			if text == "" || text[0] == '#' {
				continue
			}
			b.lines = append(b.lines, Input{Text: text, Line: n, Source: source})
			if len(b.lines) == batchSize {
				flush()
			}
		}
		if err := sc.Err(); err != nil {
			readErr = Failedf("reading %s: line %d: %v", source, n+1, err)
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
				for _, in := range b.lines {
					var err error
					b.out, err = fn(in, b.out)
					b.results = append(b.results, lineResult{end: len(b.out), err: err})
				}
				close(b.done)
			}
		}()
	}

	wrote, inputs := false, 0
	for b := range order {
		inputs += len(b.lines)
		<-b.done
		start := 0
		for _, res := range b.results {
			if res.end > start {
				if wrote && sep != "" {
					io.WriteString(e.Out, sep)
				}
				e.Out.Write(b.out[start:res.end])
				wrote = true
			}
			start = res.end
			e.Report(res.err)
		}
		free <- b
	}
	wg.Wait()
	return inputs, readErr
}
