package resolve

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// batchExchanger answers "hN.test." with 198.51.100.(N%250+1) after a
// random pause of up to a millisecond (so that lookups finish out of
// order), "slow.test." only when ctx ends, and counts the exchanges in
// flight.
type batchExchanger struct {
	inFlight, maxInFlight, calls atomic.Int32
}

var _ exchanger = (*batchExchanger)(nil)

func (x *batchExchanger) exchange(ctx context.Context, q wireQuery, _ netip.AddrPort, _ Transport) (wireReply, error) {
	x.calls.Add(1)
	n := x.inFlight.Add(1)
	defer x.inFlight.Add(-1)
	for {
		m := x.maxInFlight.Load()
		if n <= m || x.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if q.Name == "slow.test." {
		<-ctx.Done()
		return wireReply{}, ErrTimeout
	}
	select {
	case <-time.After(time.Duration(rand.IntN(1000)) * time.Microsecond):
	case <-ctx.Done():
		return wireReply{}, ErrTimeout
	}
	var i int
	if _, err := fmt.Sscanf(q.Name, "h%d.test.", &i); err != nil {
		return wireReply{Rcode: RcodeNXDomain, RA: true}, nil
	}
	return wireReply{Rcode: RcodeSuccess, RA: true, Answers: []Answer{{Name: q.Name, Type: TypeA, TTL: 60, Data: fmt.Sprintf("198.51.100.%d", i%250+1)}}}, nil
}

// names yields each of ss, and errBad for "!BAD".
func names(ss ...string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, s := range ss {
			var err error
			if s == "!BAD" {
				err = errBad
			}
			if !yield(s, err) {
				return
			}
		}
	}
}

var errBad = errors.New("bad input line")

func TestLookupAllOrder(t *testing.T) {
	var in, want []string
	for i := range 300 {
		if i%50 == 7 {
			in = append(in, "!BAD")
			want = append(want, "error: bad input line")
			continue
		}
		if i%50 == 9 {
			in = append(in, fmt.Sprintf("nope%d.test.", i))
			want = append(want, "error: resolve: nope"+fmt.Sprint(i)+".test.: no such host")
			continue
		}
		in = append(in, fmt.Sprintf("h%d.test.", i))
		want = append(want, fmt.Sprintf("h%d.test. 198.51.100.%d", i, i%250+1))
	}
	tests := []struct {
		name        string
		concurrency int
		wantMax     int32 // exchanges in flight at most
	}{
		{name: "one at a time", concurrency: 1, wantMax: 1},
		{name: "seven", concurrency: 7, wantMax: 7},
		{name: "default", concurrency: 0, wantMax: DefaultConcurrency},
		{name: "more than names", concurrency: 1000, wantMax: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := &batchExchanger{}
			r := &Resolver{ex: x}
			var got []string
			for res, err := range r.LookupAll(context.Background(), names(in...), tt.concurrency, TypeA) {
				switch {
				case err != nil && res == nil:
					got = append(got, "error: "+err.Error())
				case err != nil:
					if res.Error == "" {
						t.Errorf("result for %q: Error empty; want the error's message", res.Query)
					}
					got = append(got, "error: "+err.Error())
				default:
					got = append(got, res.Query+" "+res.Answers[0].Data)
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("LookupAll results out of order or wrong:\n%s", strings.Join(got, "\n"))
			}
			if m := x.maxInFlight.Load(); m > tt.wantMax || (tt.concurrency > 1 && m < 2) {
				t.Errorf("LookupAll(concurrency %d): %d exchanges in flight at most; want 2-%d", tt.concurrency, m, tt.wantMax)
			}
			if c := x.calls.Load(); c != 300-6 {
				t.Errorf("%d exchanges; want %d (none for a bad input)", c, 300-6)
			}
		})
	}
}

// TestLookupAllStops checks that breaking out of the loop stops reading
// the names and ends every goroutine, and that cancelling ctx ends the
// lookups in flight with ctx's error.
func TestLookupAllStops(t *testing.T) {
	t.Run("break", func(t *testing.T) {
		x := &batchExchanger{}
		r := &Resolver{ex: x}
		var read atomic.Int32
		endless := func(yield func(string, error) bool) {
			for i := 0; ; i++ {
				read.Add(1)
				if !yield(fmt.Sprintf("h%d.test.", i), nil) {
					return
				}
			}
		}
		n := 0
		for res, err := range r.LookupAll(context.Background(), endless, 4, TypeA) {
			if err != nil || res.Query != fmt.Sprintf("h%d.test.", n) {
				t.Fatalf("result %d: %q, %v", n, res.Query, err)
			}
			if n++; n == 10 {
				break
			}
		}
		// LookupAll has returned: nothing reads or looks up any more.
		r1, c1 := read.Load(), x.calls.Load()
		time.Sleep(20 * time.Millisecond)
		if r2, c2 := read.Load(), x.calls.Load(); r1 != r2 || c1 != c2 || r1 > 10+4+4 {
			t.Errorf("after break: %d names read, %d exchanges, then %d and %d; want no more, and at most 18 read", r1, c1, r2, c2)
		}
	})
	t.Run("streaming", func(t *testing.T) {
		// Each name is read only after the previous result came out, as
		// from a pipe fed by the consumer: reading must not hold up
		// results.
		r := &Resolver{ex: &batchExchanger{}}
		got := make(chan struct{})
		names := func(yield func(string, error) bool) {
			for i := range 5 {
				if !yield(fmt.Sprintf("h%d.test.", i), nil) {
					return
				}
				select {
				case <-got:
				case <-time.After(5 * time.Second):
					t.Error("result not yielded while the next name was awaited")
					return
				}
			}
		}
		n := 0
		for res, err := range r.LookupAll(context.Background(), names, 4, TypeA) {
			if err != nil || res.Query != fmt.Sprintf("h%d.test.", n) {
				t.Fatalf("result %d: %v, %v", n, res, err)
			}
			n++
			got <- struct{}{}
		}
		if n != 5 {
			t.Errorf("%d results; want 5", n)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		x := &batchExchanger{}
		r := &Resolver{ex: x}
		r.Config.Timeout = 30 * time.Second
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		var errs []error
		start := time.Now()
		time.AfterFunc(50*time.Millisecond, cancel)
		for _, err := range r.LookupAll(ctx, names("h1.test.", "slow.test.", "slow.test.", "h2.test.", "h3.test."), 2, TypeA) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("LookupAll took %v after the cancel; want it to end at once", d)
		}
		if len(errs) == 0 || errs[0] != nil {
			t.Fatalf("errors %v; want h1 answered first", errs)
		}
		for i, err := range errs[1:] {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("result %d: error %v; want context.Canceled", i+2, err)
			}
		}
	})
}
