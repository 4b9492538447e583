package resolve

import (
	"context"
	"iter"
	"sync"
)

// DefaultConcurrency is how many lookups LookupAll runs at a time when
// its concurrency is 0 or less.
const DefaultConcurrency = 32

// LookupAll looks up every name of names with r.Lookup and yields each
// name's Result and error in input order, with at most concurrency
// lookups at a time (DefaultConcurrency when concurrency < 1). Each
// lookup asks for types, as Lookup does.
//
// A pair of names with a non-nil error is an input that cannot be looked
// up (a bad line of a list): it is yielded in its place as (nil, err),
// without a lookup. names is read on another goroutine, at most about
// concurrency names ahead of the results yielded so far, so memory stays
// bounded whatever the number of names.
//
// Stopping the iteration (break) or cancelling ctx cancels the lookups in
// flight and stops reading names; after ctx is cancelled the remaining
// results carry ctx's error. LookupAll returns only after every goroutine
// it started has ended, so that state the names iterator writes (such as
// a read error) may be read after the loop.
func (r *Resolver) LookupAll(ctx context.Context, names iter.Seq2[string, error], concurrency int, types ...Type) iter.Seq2[*Result, error] {
	if concurrency < 1 {
		concurrency = DefaultConcurrency
	}
	return func(yield func(*Result, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()

		// The ordered channel holds the jobs in input order; its capacity
		// bounds how far reading and lookups run ahead of the consumer.
		ordered := make(chan *batchJob, concurrency)
		work := make(chan *batchJob)
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(ordered)
			defer close(work)
			for name, err := range names {
				j := &batchJob{name: name, err: err, done: make(chan struct{})}
				select {
				case ordered <- j:
				case <-ctx.Done():
					return
				}
				if err != nil {
					close(j.done)
					continue
				}
				select {
				case work <- j:
				case <-ctx.Done():
					j.res, j.err = cancelled(j.name, types, ctx.Err())
					close(j.done)
					return
				}
			}
		})
		for range concurrency {
			wg.Go(func() {
				// A context per worker: each exchange registers with the
				// context it is given (to close its socket on cancel), and
				// one shared by every worker would make that a point of
				// contention.
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				for j := range work {
					j.res, j.err = r.Lookup(ctx, j.name, types...)
					close(j.done)
				}
			})
		}
		defer wg.Wait()
		defer cancel() // before Wait: stop the goroutines first
		for j := range ordered {
			<-j.done
			if !yield(j.res, j.err) {
				return
			}
		}
	}
}

// cancelled is the outcome of a lookup that ctx ended before it began.
func cancelled(name string, types []Type, err error) (*Result, error) {
	return &Result{Query: name, Types: nonNil(types), Candidates: []string{}, Answers: []Answer{}, Queries: []Query{}, Error: err.Error()}, err
}

// batchJob is one name of LookupAll and, once done is closed, its outcome.
type batchJob struct {
	name string
	res  *Result
	err  error
	done chan struct{}
}
