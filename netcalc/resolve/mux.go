package resolve

// LookupAll's event loop for a batch of lookups against a loopback server
// (see muxServer): one UDP socket carries every query to that server, one
// goroutine sends the queries and reads the replies, and the lookups run
// as coroutines (iter.Pull) that the loop resumes when their reply comes.
// Each lookup is Resolver.lookup itself, with an exchanger that hands the
// query to the loop and waits for the loop to resume it: the search list,
// the servers, attempts, CNAME chasing and the records kept are the same
// code as Lookup's. What changes is the wire: instead of a goroutine per
// lookup, each blocking on a socket of its own (a park, a network poller
// wake-up and a thread switch per reply, plus a read that finds nothing),
// the loop reads the replies one after the other from one socket, as a
// minimal client does, and switches directly to the lookup a reply is for.

import (
	"context"
	"crypto/rand"
	"errors"
	"iter"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/miekg/dns"
)

// OneLoop reports whether LookupAll runs the lookups of types on one
// event loop (one goroutine and one socket for every query to the first
// server, the lookups as coroutines it resumes): when the first server is
// on loopback (127.0.0.0/8 or ::1) and each lookup asks one query at a
// time (one type, or options single-request). Such a batch does its work
// on one thread; a program that does little else meanwhile may run it
// with runtime.GOMAXPROCS(1), which spares the scheduler waking a second
// thread for each goroutine the loop makes ready.
func (r *Resolver) OneLoop(types ...Type) bool {
	_, ok := r.muxServer(types)
	return ok
}

// muxServer returns the server whose queries LookupAll's event loop
// carries, and whether the batch may run on it: the production exchanger,
// glibc's rules, UDP, a loopback first server (whose socket may serve
// several queries, see connPool), and one query at a time per lookup
// (one type, or single-request), so that every exchange of a lookup is
// asked by the lookup's own coroutine. Exchanges with other servers and
// over TCP are made in goroutines of their own, as Lookup makes them.
func (r *Resolver) muxServer(types []Type) (netip.AddrPort, bool) {
	if r.ex != nil || r.Libc.IsMusl() || r.Config.UseTCP || !(len(types) == 1 || r.Config.SingleRequest) {
		return netip.AddrPort{}, false
	}
	s := r.Config.servers()[0]
	return s, reusable(s, UDP)
}

// maxRetired bounds the IDs a mux socket keeps out of use (see
// mux.retired); beyond it the loop stops using the socket and every
// later query has a socket of its own.
const maxRetired = 1 << 14

// muxName is a name read from LookupAll's names, or the error of an input
// that cannot be looked up.
type muxName struct {
	name string
	err  error
}

// mux is the state of one LookupAll on the event loop. The loop's fields
// are used by the loop goroutine alone (the coroutines run only while the
// loop waits for them); the shared ones are guarded by mu.
type mux struct {
	r     *Resolver
	ctx   context.Context
	types []Type
	plain exchanger // exchanges the socket does not carry
	limit int       // lookups at a time

	// The loop's.
	server   netip.AddrPort
	conn     *net.UDPConn
	raw      syscall.RawConn
	usable   bool                  // the socket takes queries
	inflight map[uint16]*muxWorker // queries sent on the socket, by ID
	// retired are IDs of queries that ended without their reply (timeout,
	// mismatch, error): a late reply may still come with that ID, so it
	// is never given to a later query on this socket (where Lookup closes
	// the socket of such a query).
	retired   map[uint16]struct{}
	idle      []*muxWorker // coroutines between lookups
	workers   []*muxWorker
	active    int          // lookups started and not ended
	runq      []*muxWorker // lookups to resume: their exchange ended
	names     []muxName    // names taken from queue, not started
	nextSeq   int          // the sequence number of names[0]
	deadline  time.Time    // the socket's read deadline; zero: none
	ids       [256]byte    // random bytes for query IDs
	idsLeft   int
	wbuf      [ednsSize]byte
	rbuf      [ednsSize]byte
	readFn    func(fd uintptr) bool
	writeFn   func(fd uintptr) bool
	rn        int
	rerr      error
	out       []byte // the query writeFn sends
	werr      error
	unwoken   bool // a result the consumer waits for is ready; it is not woken yet
	sinceWake int  // results since the consumer was last woken

	// Shared.
	mu       sync.Mutex
	wake     sync.Cond // the loop waits, nothing in flight on the socket
	ready    sync.Cond // the consumer waits for its slot
	space    sync.Cond // the reader waits for room in queue
	queue    []muxName // names read, not yet taken by the loop
	queueCap int
	namesEnd bool         // the names iterator returned
	done     []*muxWorker // external exchanges that ended
	slots    []batchSlot  // results, a ring indexed by sequence number
	started  int          // names taken by the loop (sequence numbers given)
	taken    int          // results the consumer has taken
	waiting  int          // the slot the consumer waits for, or -1
	end      bool         // started is final
	stopped  bool         // the consumer stopped: read and start no more
	parked   int          // where the loop waits: parkedNot, parkedSocket, parkedCond
	// wantNames and wantSpace say what the loop waits for besides its
	// replies: a name in queue, or room in slots.
	wantNames, wantSpace, readerWaits bool
}

const (
	parkedNot = iota
	parkedSocket
	parkedCond
)

// muxWorker is a coroutine that runs lookups, one at a time, with itself
// as the exchanger.
type muxWorker struct {
	m      *mux
	resume func() (struct{}, bool)
	stop   func()
	yield  func(struct{}) bool

	seq  int
	name string
	res  *Result
	err  error

	// The exchange the lookup asks for when it yields with asks set, and
	// its outcome, set by the loop before resuming it.
	asks     bool
	ctx      context.Context
	q        wireQuery
	server   netip.AddrPort
	tr       Transport
	rep      wireReply
	xerr     error
	id       uint16
	start    time.Time
	deadline time.Time
}

// run is the coroutine: the lookup of w.name, then a yield until the loop
// gives it the next name.
func (w *muxWorker) run(yield func(struct{}) bool) {
	w.yield = yield
	for {
		w.res, w.err = w.m.r.lookupVia(w.m.ctx, w.name, w.m.types, w)
		w.asks = false
		if !yield(struct{}{}) {
			return
		}
	}
}

// exchange hands the query to the loop and returns what came of it.
func (w *muxWorker) exchange(ctx context.Context, q wireQuery, server netip.AddrPort, tr Transport) (wireReply, error) {
	w.ctx, w.q, w.server, w.tr, w.asks = ctx, q, server, tr, true
	if !w.yield(struct{}{}) {
		return wireReply{}, classify(ctx, net.ErrClosed) // the loop is gone
	}
	w.asks = false
	return w.rep, w.xerr
}

// lookupAllMux is LookupAll on the event loop.
func (r *Resolver) lookupAllMux(ctx context.Context, names iter.Seq2[string, error], concurrency int, types []Type, server netip.AddrPort) iter.Seq2[*Result, error] {
	return func(yield func(*Result, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// Names read ahead of the results: queue, then slots, together
		// 2 x concurrency, as LookupAll's workers read them.
		qcap := max(concurrency/2, 1)
		m := &mux{
			r: r, ctx: ctx, types: types, plain: r.exchanger(), limit: concurrency,
			server: server, inflight: make(map[uint16]*muxWorker, concurrency), retired: map[uint16]struct{}{},
			queueCap: qcap, queue: make([]muxName, 0, qcap), slots: make([]batchSlot, 2*concurrency-qcap), waiting: -1,
		}
		m.wake.L, m.ready.L, m.space.L = &m.mu, &m.mu, &m.mu
		m.readFn, m.writeFn = m.readSocket, m.writeSocket
		m.open()
		var wg sync.WaitGroup
		wg.Go(func() { m.read(names) })
		wg.Go(m.loop)
		stopAfter := context.AfterFunc(ctx, func() {
			m.mu.Lock()
			m.kick()
			m.mu.Unlock()
		})
		defer func() {
			stopAfter() // the loop is kicked here
			cancel()
			m.mu.Lock()
			m.stopped = true
			m.space.Broadcast()
			m.kick()
			m.mu.Unlock()
			wg.Wait()
		}()
		for seq := 0; ; seq++ {
			res, err, ok := m.result(seq)
			if !ok || !yield(res, err) {
				return
			}
		}
	}
}

// open opens the socket to the server; without one every query goes the
// way Lookup sends it.
func (m *mux) open() {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(m.server))
	if err != nil {
		return
	}
	raw, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return
	}
	m.conn, m.raw, m.usable = c, raw, true
}

// read reads the names into queue, at most queueCap ahead of the loop.
func (m *mux) read(names iter.Seq2[string, error]) {
	defer func() {
		m.mu.Lock()
		m.namesEnd = true
		m.kick()
		m.mu.Unlock()
	}()
	for name, err := range names {
		m.mu.Lock()
		for len(m.queue) >= m.queueCap && !m.stopped {
			m.readerWaits = true
			m.space.Wait()
		}
		if m.stopped {
			m.mu.Unlock()
			return
		}
		m.queue = append(m.queue, muxName{name, err})
		if m.wantNames {
			m.kick()
		}
		more := m.ctx.Err() == nil // cancelled: no more names
		m.mu.Unlock()
		if !more {
			return
		}
	}
}

// kick wakes the loop where it waits. m.mu is held.
func (m *mux) kick() {
	switch m.parked {
	case parkedSocket:
		m.conn.SetReadDeadline(time.Unix(1, 0)) // in the past: the read returns
	case parkedCond:
		m.wake.Signal()
	}
	m.parked = parkedNot
	m.wantNames, m.wantSpace = false, false
}

// result waits for the outcome of name seq; ok is false when there is no
// such name.
func (m *mux) result(seq int) (*Result, error, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &m.slots[seq%len(m.slots)]
	for !s.done && !(m.end && seq >= m.started) {
		m.waiting = seq
		m.ready.Wait()
		m.waiting = -1
	}
	if !s.done {
		return nil, nil, false
	}
	res, err := s.res, s.err
	*s = batchSlot{}
	m.taken = seq + 1
	if m.wantSpace && 2*(m.taken+len(m.slots)-m.started) >= len(m.slots) {
		m.kick()
	}
	return res, err, true
}

// loop runs the batch: it starts lookups as names come and room allows,
// sends their queries, reads the replies and resumes the lookups, until
// every name has its result.
func (m *mux) loop() {
	defer m.close()
	for {
		// Take what the other goroutines left: names, and lookups whose
		// exchange in a goroutine of its own ended.
		m.mu.Lock()
		m.parked = parkedNot
		m.runq = append(m.runq, m.done...)
		clear(m.done)
		m.done = m.done[:0]
		if !m.stopped {
			free := min(m.limit-m.active-len(m.names), m.taken+len(m.slots)-m.started)
			if n := min(free, len(m.queue)); n > 0 {
				m.names = append(m.names, m.queue[:n]...)
				m.started += n
				m.queue = append(m.queue[:0], m.queue[n:]...)
				clear(m.queue[len(m.queue):cap(m.queue)])
			}
			if m.readerWaits && 2*len(m.queue) <= m.queueCap {
				m.readerWaits = false
				m.space.Signal()
			}
		}
		if m.namesEnd && len(m.queue) == 0 && !m.end {
			m.end = true
			m.ready.Signal() // the consumer may wait for a name that never came
		}
		stopped := m.stopped
		m.mu.Unlock()
		if stopped {
			m.names = m.names[:0] // nobody takes their results
		}

		for _, n := range m.names {
			seq := m.nextSeq
			m.nextSeq++
			if n.err != nil {
				m.complete(seq, nil, n.err) // a bad input: no lookup
				continue
			}
			m.startLookup(seq, n.name)
		}
		clear(m.names)
		m.names = m.names[:0]
		for i := 0; i < len(m.runq); i++ { // step may add to runq
			m.step(m.runq[i])
		}
		clear(m.runq)
		m.runq = m.runq[:0]
		if len(m.inflight) > 0 && m.ctx.Err() != nil {
			m.failAll(classify(m.ctx, net.ErrClosed))
			continue
		}

		// Wait: for a reply when queries are in flight on the socket,
		// else for a name, room, an external exchange or the end.
		m.mu.Lock()
		if len(m.done) > 0 || (!m.stopped && m.canStart()) {
			m.mu.Unlock()
			continue
		}
		if m.active == 0 && (m.end || m.stopped) {
			m.mu.Unlock()
			m.wakeConsumer()
			return
		}
		m.wantNames = !m.namesEnd && m.active < m.limit && len(m.queue) == 0
		m.wantSpace = m.active < m.limit && m.started == m.taken+len(m.slots)
		if len(m.inflight) == 0 {
			m.wakeConsumerLocked()
			m.parked = parkedCond
			m.wake.Wait()
			m.mu.Unlock()
			continue
		}
		m.parked = parkedSocket
		m.mu.Unlock()
		m.receive()
	}
}

// canStart reports whether a name waits in queue and room allows its
// lookup. m.mu is held.
func (m *mux) canStart() bool {
	return len(m.queue) > 0 && m.active < m.limit && m.started < m.taken+len(m.slots)
}

// startLookup starts the lookup of name seq in an idle coroutine.
func (m *mux) startLookup(seq int, name string) {
	var w *muxWorker
	if n := len(m.idle); n > 0 {
		w = m.idle[n-1]
		m.idle = m.idle[:n-1]
	} else {
		w = &muxWorker{m: m}
		w.resume, w.stop = iter.Pull(w.run)
		m.workers = append(m.workers, w)
	}
	w.seq, w.name = seq, name
	m.active++
	m.step(w)
}

// step resumes w's lookup until it asks for an exchange, which it starts,
// or ends, whose result it stores.
func (m *mux) step(w *muxWorker) {
	w.resume()
	if w.asks {
		if w.tr == UDP && w.server == m.server && m.usable {
			m.send(w)
		} else {
			m.external(w)
		}
		return
	}
	m.active--
	m.complete(w.seq, w.res, w.err)
	w.res, w.err, w.name, w.ctx = nil, nil, "", nil
	m.idle = append(m.idle, w)
}

// deliver ends w's exchange: the lookup goes on with rep and err.
func (m *mux) deliver(w *muxWorker, rep wireReply, err error) {
	w.rep, w.xerr = rep, err
	m.runq = append(m.runq, w)
}

// send sends w's query on the socket, as exchangeUDP would on a socket of
// its own: a random ID (one not in flight or retired on this socket), the
// whole budget from now to the query's deadline.
func (m *mux) send(w *muxWorker) {
	if err := w.ctx.Err(); err != nil {
		m.deliver(w, wireReply{}, classify(w.ctx, net.ErrClosed))
		return
	}
	id := m.newID()
	out, err := packQuery(m.wbuf[:], id, w.q)
	if err != nil {
		m.deliver(w, wireReply{}, classify(w.ctx, err))
		return
	}
	w.start = time.Now()
	deadline := w.start.Add(budget(w.q.Deadline))
	m.out, m.werr = out, nil
	err = m.raw.Write(m.writeFn)
	if err == nil {
		err = m.werr
	}
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			// An earlier query's ICMP port unreachable: nothing listens,
			// for any query in flight, this one included.
			w.id = id
			m.inflight[id] = w
			m.failAll(classify(w.ctx, err))
			return
		}
		m.deliver(w, wireReply{RTT: time.Since(w.start)}, classify(w.ctx, err))
		return
	}
	w.id, w.deadline = id, deadline
	m.inflight[id] = w
	if m.deadline.IsZero() || deadline.Before(m.deadline) {
		m.deadline = deadline
		m.conn.SetReadDeadline(deadline)
	}
}

// newID returns a random ID that no query in flight has and that is not
// retired.
func (m *mux) newID() uint16 {
	for {
		if m.idsLeft == 0 {
			rand.Read(m.ids[:]) // never fails (crypto/rand)
			m.idsLeft = len(m.ids)
		}
		m.idsLeft -= 2
		id := uint16(m.ids[m.idsLeft])<<8 | uint16(m.ids[m.idsLeft+1])
		if _, busy := m.inflight[id]; busy {
			continue
		}
		if _, old := m.retired[id]; old {
			continue
		}
		return id
	}
}

// external makes w's exchange in a goroutine of its own, as Lookup does.
func (m *mux) external(w *muxWorker) {
	go func() {
		rep, err := m.plain.exchange(w.ctx, w.q, w.server, w.tr)
		m.mu.Lock()
		w.rep, w.xerr = rep, err
		m.done = append(m.done, w)
		m.kick()
		m.mu.Unlock()
	}()
}

// drop takes w's query off the socket; a query that ended without its
// reply keeps its ID out of use.
func (m *mux) drop(w *muxWorker, retire bool) {
	delete(m.inflight, w.id)
	if retire {
		m.retired[w.id] = struct{}{}
		if len(m.retired) >= maxRetired {
			m.usable = false
		}
	}
}

// failAll ends every query in flight on the socket with err.
func (m *mux) failAll(err error) {
	now := time.Now()
	for _, w := range m.inflight {
		m.drop(w, true)
		m.deliver(w, wireReply{RTT: now.Sub(w.start)}, err)
	}
}

// receive reads one datagram from the socket, or waits until the read
// deadline (the earliest query's, or a kick), and hands what came to the
// lookup it is for.
func (m *mux) receive() {
	err := m.raw.Read(m.readFn)
	if err == nil {
		err = m.rerr
	}
	now := time.Now()
	switch {
	case err == nil:
		m.reply(m.rbuf[:m.rn], now)
	case errors.Is(err, os.ErrDeadlineExceeded):
		// A query's deadline, or a kick: time the queries out whose
		// deadline passed, and set the next one.
		m.deadline = time.Time{}
		for _, w := range m.inflight {
			if !now.Before(w.deadline) {
				m.drop(w, true)
				m.deliver(w, wireReply{RTT: now.Sub(w.start)}, classify(w.ctx, err))
			} else if m.deadline.IsZero() || w.deadline.Before(m.deadline) {
				m.deadline = w.deadline
			}
		}
		m.conn.SetReadDeadline(m.deadline)
	case errors.Is(err, syscall.ECONNREFUSED):
		m.failAll(classify(m.ctx, err)) // nothing listens: for every query
	default:
		// The socket failed: its queries with it, and no more on it.
		m.failAll(classify(m.ctx, err))
		m.usable = false
	}
}

// readSocket is the raw read: one datagram into rbuf, without waiting.
// Before the loop would wait for the socket it wakes the consumer for the
// results that are ready.
//
// readSocket and writeSocket make their system calls raw (the socket is
// non-blocking: they never wait in the kernel): a system call the
// scheduler knows of lets sysmon hand the loop's P to another thread when
// it finds the call still running 20 us later, as a send to a busy local
// server often is, and waking that thread cost more than the call.
func (m *mux) readSocket(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&m.rbuf[0])), uintptr(len(m.rbuf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			m.wakeConsumer()
			return false
		case 0:
			m.rn, m.rerr = int(n), nil
		default:
			m.rn, m.rerr = 0, m.opError("read", e)
		}
		return true
	}
}

// opError is e as the net package reports it for a read or write of
// the socket.
func (m *mux) opError(op string, e syscall.Errno) error {
	return &net.OpError{Op: op, Net: "udp", Source: m.conn.LocalAddr(), Addr: m.conn.RemoteAddr(), Err: os.NewSyscallError(op, e)}
}

// writeSocket is the raw write of m.out, without waiting.
func (m *mux) writeSocket(fd uintptr) bool {
	for {
		_, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&m.out[0])), uintptr(len(m.out)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case 0:
		default:
			m.werr = m.opError("write", e)
		}
		return true
	}
}

// reply hands a datagram to the query with its ID, checked and converted
// as roundTripUDP does; a datagram with no such ID is skipped (it may
// answer a query that timed out), as dns.Client skips it.
func (m *mux) reply(msg []byte, now time.Time) {
	if len(msg) < 2 {
		return
	}
	w := m.inflight[uint16(msg[0])<<8|uint16(msg[1])]
	if w == nil {
		return
	}
	rtt := now.Sub(w.start)
	var rep wireReply
	var err error
	if len(msg) < 12 {
		err = dns.ErrShortRead
	} else if r, qs, _, ok := parseSimpleReply(msg); ok {
		rep, err = r, checkQuestion(w.q, qs[:])
		rep.RTT = rtt
	} else {
		r := new(dns.Msg)
		if err = r.Unpack(msg); err == nil {
			rep, err = replyOf(w.q, r, rtt)
		}
	}
	m.drop(w, err != nil)
	switch {
	case err == nil:
		m.deliver(w, rep, nil)
	case errors.Is(err, ErrMismatch):
		m.deliver(w, wireReply{RTT: rtt}, err)
	default:
		m.deliver(w, wireReply{RTT: rtt}, classify(w.ctx, err))
	}
}

// complete stores the result of name seq.
func (m *mux) complete(seq int, res *Result, err error) {
	m.mu.Lock()
	m.slots[seq%len(m.slots)] = batchSlot{res: res, err: err, done: true}
	if m.waiting == seq {
		m.unwoken = true
	}
	m.sinceWake++
	if m.unwoken && m.sinceWake >= 16 {
		m.wakeConsumerLocked()
	}
	m.mu.Unlock()
}

// wakeConsumer wakes the consumer when a result it waits for is ready.
func (m *mux) wakeConsumer() {
	m.mu.Lock()
	m.wakeConsumerLocked()
	m.mu.Unlock()
}

func (m *mux) wakeConsumerLocked() {
	if m.unwoken || m.end {
		m.ready.Signal()
	}
	m.unwoken, m.sinceWake = false, 0
}

// close ends the coroutines and closes the socket.
func (m *mux) close() {
	for _, w := range m.workers {
		w.stop()
	}
	if m.conn != nil {
		m.conn.Close()
	}
}
