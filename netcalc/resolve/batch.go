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
// without a lookup. names is read one name at a time, at most 2 x concurrency names ahead of the results yielded so
// far, so memory stays bounded whatever the number of names.
//
// Stopping the iteration (break) or cancelling ctx cancels the lookups in
// flight and stops reading names; the results of names already read then
// carry ctx's error. LookupAll returns only after every goroutine it
// started has ended and names has returned, so that state the names
// iterator writes (such as a read error) may be read after the loop.
//
// When OneLoop(types...) holds (a loopback first server, one query at a
// time per lookup), the lookups run as coroutines of one event loop that
// sends every query to that server on one UDP socket and reads the
// replies in turn: the same lookups, queries, timeouts and results as
// Lookup's, without a goroutine, a socket and a thread wake-up per
// lookup. A reply is matched to its query by ID (no two queries in flight
// on the socket share one, and the ID of a query that ended without its
// reply is not used again on it), then checked as Lookup checks it.
func (r *Resolver) LookupAll(ctx context.Context, names iter.Seq2[string, error], concurrency int, types ...Type) iter.Seq2[*Result, error] {
	if concurrency < 1 {
		concurrency = DefaultConcurrency
	}
	if s, ok := r.muxServer(types); ok {
		return r.lookupAllMux(ctx, names, concurrency, types, s)
	}
	return func(yield func(*Result, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		next, stop := iter.Pull2(names)
		defer stop()
		b := &batch{next: next, slots: make([]batchSlot, 2*concurrency), waiting: -1}
		b.ready.L, b.space.L = &b.mu, &b.mu
		var wg sync.WaitGroup
		for range concurrency {
			wg.Go(func() {
				// A context per worker: each exchange registers with the
				// context it is given (to close its socket on cancel), and
				// one shared by every worker would make that a point of
				// contention.
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				b.work(ctx, r, types)
			})
		}
		defer wg.Wait()
		defer b.stop(cancel) // before Wait
		for seq := 0; ; seq++ {
			res, err, ok := b.result(seq)
			if !ok || !yield(res, err) {
				return
			}
		}
	}
}

// batch is the state LookupAll's goroutines share. The workers take the
// names one at a time from next and put each outcome in the slot of its
// sequence number; the consumer takes the slots in order. Nobody hands a
// name or a result over a channel: a goroutine is woken only when the
// consumer waits for the very slot a worker fills, or a worker for space
// in the ring, which saves two wake-ups of a sleeping goroutine per name.
type batch struct {
	// reading is held by the worker reading a name, so that names are read
	// one at a time and in order without holding mu while next blocks (on
	// a pipe, say) and the consumer waits for mu.
	reading sync.Mutex
	mu      sync.Mutex
	ready   sync.Cond // the consumer waits for its slot
	space   sync.Cond // workers wait for a free slot
	next    func() (string, error, bool)
	slots   []batchSlot // a ring indexed by sequence number
	read    int         // names read so far: the next sequence number
	taken   int         // results the consumer has taken
	waiting int         // the slot the consumer waits for, or -1
	full    int         // workers waiting for space
	end     bool        // no more names: names ended, or stop
}

type batchSlot struct {
	res  *Result
	err  error
	done bool
}

// work reads names and looks them up until there are no more.
func (b *batch) work(ctx context.Context, r *Resolver, types []Type) {
	for {
		b.reading.Lock()
		b.mu.Lock()
		for !b.end && b.read >= b.taken+len(b.slots) {
			b.full++
			b.space.Wait()
			b.full--
		}
		end := b.end || ctx.Err() != nil
		b.mu.Unlock()
		var name string
		var err error
		if !end {
			var ok bool
			name, err, ok = b.next()
			end = !ok
		}
		b.mu.Lock()
		if end {
			b.end = true
			b.ready.Signal() // the consumer may wait for a name that never came
			b.mu.Unlock()
			b.reading.Unlock()
			return
		}
		seq := b.read
		b.read++
		b.mu.Unlock()
		b.reading.Unlock()

		var res *Result
		if err == nil {
			res, err = r.Lookup(ctx, name, types...)
		}

		b.mu.Lock()
		b.slots[seq%len(b.slots)] = batchSlot{res: res, err: err, done: true}
		if b.waiting == seq {
			b.ready.Signal()
		}
		b.mu.Unlock()
	}
}

// result waits for the outcome of name seq; ok is false when there is no
// such name.
func (b *batch) result(seq int) (*Result, error, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &b.slots[seq%len(b.slots)]
	for !s.done && !(b.end && seq >= b.read) {
		b.waiting = seq
		b.ready.Wait()
		b.waiting = -1
	}
	if !s.done {
		return nil, nil, false
	}
	res, err := s.res, s.err
	*s = batchSlot{}
	b.taken = seq + 1
	if b.full > 0 {
		b.space.Broadcast()
	}
	return res, err, true
}

// stop ends the batch: no more names are read, the lookups in flight are
// cancelled, and waiting workers return.
func (b *batch) stop(cancel context.CancelFunc) {
	cancel()
	b.mu.Lock()
	b.end = true
	b.space.Broadcast()
	b.mu.Unlock()
}
