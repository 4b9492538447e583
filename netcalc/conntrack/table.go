package conntrack

import (
	"cmp"
	"iter"
	"slices"
	"time"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// Links an entry has: its two tuples in the tuple table, like the
// kernel's nf_conntrack_hash, and one link in each of the owner's two
// secondary indexes (a NAT's internal and external endpoints; the kernel
// keeps the first as nf_nat_bysource).
const (
	lnOrig  = iota // link of the original tuple in the tuple table
	lnReply        // link of the reply tuple in the tuple table
	lnIdx0         // link in secondary index 0
	lnIdx1         // link in secondary index 1
	nLinks
)

// Entry is one tracked connection: its tuples, the time it was created
// and the time it expires on the table's clock, its TCP state and status.
type Entry struct {
	Orig, Reply    Key
	Start, Expires time.Duration
	seq            uint32 // creation order; 0 for a free slot
	State          TCPState
	Status         Status
	next           [nLinks]uint64
}

// An IndexFunc returns the hash an entry is filed under in a secondary
// index. It must depend only on fields that do not change while the entry
// is in the table (its tuples and the owner's status bits).
type IndexFunc func(*Entry) uint64

// Table is a conntrack table on a virtual clock: entries in a slice,
// chained hash tables whose links carry a 32-bit hash tag (a chain walk
// only touches entries whose tag matches), a free list, and a garbage
// collection of expired entries before the tables grow. Entries are
// named by their index, which stays valid until the entry expires and
// its slot is reused. A Table is not safe for concurrent use.
type Table struct {
	to    Timeouts
	now   time.Duration
	seq   uint32
	index [2]IndexFunc

	ents     []Entry
	free     []uint32
	heads    [3][]uint64 // tuple table, index 0, index 1
	mask     uint64      // of the index tables: 1 bucket per entry of capacity
	mask0    uint64      // of the tuple table: 4 buckets per entry (two links each)
	capacity int         // entries the tables hold before they grow
	live     int         // entries in the tables, expired or not
	sink     uint64      // keeps Prefetch's loads alive

	// hashes computed while deciding, reused when linking
	memo  [2]Key
	memoH [2]uint64
	// index hashes given to InsertIndexed, for the entry being linked
	idxMemo bool
	idxH    [2]uint64
}

// NewTable returns an empty table at virtual time 0 with room for
// sizeHint entries before it grows (0: grow as needed), the timeouts to
// (zero fields: Linux's) and up to two secondary indexes (nil: none).
func NewTable(sizeHint int, to Timeouts, index0, index1 IndexFunc) *Table {
	t := &Table{to: to.WithDefaults(), index: [2]IndexFunc{index0, index1}}
	size := 64
	for size < sizeHint {
		size <<= 1
	}
	t.ents = make([]Entry, 1, max(sizeHint, 16)+1)
	t.rehash(size)
	return t
}

// Timeouts returns the table's timeouts.
func (t *Table) Timeouts() Timeouts { return t.to }

// Now returns the virtual clock.
func (t *Table) Now() time.Duration { return t.now }

// SetNow moves the virtual clock to at; entries whose expiry is not after
// at are dead from then on. The caller keeps time monotonic.
func (t *Table) SetNow(at time.Duration) { t.now = at }

// Alive reports whether e has not expired.
func (t *Table) Alive(e *Entry) bool { return e.Expires > t.now }

// At returns entry i.
func (t *Table) At(i uint32) *Entry { return &t.ents[i] }

// Len returns the number of live (unexpired) entries.
func (t *Table) Len() int {
	n := 0
	for i := 1; i < len(t.ents); i++ {
		if t.ents[i].seq != 0 && t.ents[i].Expires > t.now {
			n++
		}
	}
	return n
}

// Slots returns the number of entry slots allocated: live, expired and
// free entries. Expired entries' slots are reused, so it follows the
// number of live entries, not the number ever created.
func (t *Table) Slots() int { return len(t.ents) - 1 }

// Entries yields the live entries and their indexes in slot order.
func (t *Table) Entries() iter.Seq2[uint32, *Entry] {
	return func(yield func(uint32, *Entry) bool) {
		for i := 1; i < len(t.ents); i++ {
			if e := &t.ents[i]; e.seq != 0 && t.Alive(e) && !yield(uint32(i), e) {
				return
			}
		}
	}
}

// Live returns the indexes of the live entries in creation order.
func (t *Table) Live() []uint32 {
	var idx []uint32
	for i, _ := range t.Entries() {
		idx = append(idx, i)
	}
	slices.SortFunc(idx, func(a, b uint32) int { return cmp.Compare(t.ents[a].seq, t.ents[b].seq) })
	return idx
}

// Conns returns the live connections in creation order, as `conntrack -L`
// would list them at the current virtual time.
func (t *Table) Conns() []Conn {
	idx := t.Live()
	out := make([]Conn, len(idx))
	for k, i := range idx {
		out[k] = t.Conn(&t.ents[i])
	}
	return out
}

// Conn returns e as `conntrack -L` lists it now.
func (t *Table) Conn(e *Entry) Conn {
	left := (e.Expires - t.now) / time.Second
	if left < 0 {
		left = 0
	}
	c := Conn{Orig: e.Orig.Tuple(), Reply: e.Reply.Tuple(), Timeout: uint32(left),
		Unreplied: e.Status&SeenReply == 0, Assured: e.Status&Assured != 0}
	if e.Orig.Proto() == packet.TCP {
		c.State = e.State
	}
	return c
}

// Update runs the state machine (Track) for one packet of entry i at the
// current time and refreshes its expiry.
func (t *Table) Update(i uint32, reply bool, f TCPFlags, isNew bool) {
	e := &t.ents[i]
	var d time.Duration
	e.State, e.Status, d = Track(e.Orig.Proto(), e.State, e.Status, f, reply, isNew, t.now-e.Start, &t.to)
	e.Expires = t.now + d
}

// SameTag reports whether link v (a chain head or next pointer) may point
// to an entry filed under hash h: links carry the upper half of the hash.
func SameTag(v, h uint64) bool { return tagOf(v) == tagOf(h) }

// A link (a chain head or an entry's next pointer) packs the entry it
// points to with the upper half of that entry's hash, so that walking a
// chain only touches entries whose hash matches: bits 0-31 hold the index
// (in the tuple table index<<1 | lnOrig or lnReply), bits 32-63 the hash
// tag. 0 ends a chain.
func mkLink(i uint32, h uint64) uint64 { return uint64(i) | h&^0xffffffff }

func tagOf(h uint64) uint64 { return h &^ 0xffffffff }

// Index returns the head of the chain of secondary index n (0 or 1) for
// hash h: walk it with Next, read entries with At(uint32(v)), and skip
// links whose tag differs (SameTag).
func (t *Table) Index(n int, h uint64) uint64 { return t.heads[1+n][h&t.mask] }

// Next returns the link after v in the chain of secondary index n.
func (t *Table) Next(n int, v uint64) uint64 { return t.ents[uint32(v)].next[lnIdx0+n] }

func (t *Table) table(l int) []uint64 {
	if l <= lnReply {
		return t.heads[0]
	}
	return t.heads[l-1]
}

func (t *Table) maskOf(l int) uint64 {
	if l <= lnReply {
		return t.mask0
	}
	return t.mask
}

func linkVal(i uint32, l int) uint32 {
	if l <= lnReply {
		return i<<1 | uint32(l)
	}
	return i
}

// hashOf returns the hash entry e is filed under for link l.
func (t *Table) hashOf(e *Entry, l int) uint64 {
	switch l {
	case lnOrig:
		return e.Orig.Hash()
	case lnReply:
		return e.Reply.Hash()
	}
	return t.index[l-lnIdx0](e)
}

func (t *Table) links() int {
	switch {
	case t.index[1] != nil:
		return nLinks
	case t.index[0] != nil:
		return lnIdx1
	}
	return lnIdx0
}

func (t *Table) rehash(size int) {
	t.heads[0] = make([]uint64, 4*size)
	if t.index[0] != nil {
		t.heads[1] = make([]uint64, size)
	}
	if t.index[1] != nil {
		t.heads[2] = make([]uint64, size)
	}
	t.mask, t.mask0 = uint64(size-1), uint64(4*size-1)
	t.capacity = size
	for i := 1; i < len(t.ents); i++ {
		if t.ents[i].seq != 0 {
			t.link(uint32(i))
		}
	}
}

func (t *Table) link(i uint32) {
	e := &t.ents[i]
	for l := range t.links() {
		var h uint64
		switch {
		case l == lnOrig && e.Orig == t.memo[0]:
			h = t.memoH[0]
		case l == lnReply && e.Reply == t.memo[1]:
			h = t.memoH[1]
		case l >= lnIdx0 && t.idxMemo:
			h = t.idxH[l-lnIdx0]
		default:
			h = t.hashOf(e, l)
		}
		p := &t.table(l)[h&t.maskOf(l)]
		e.next[l] = *p
		*p = mkLink(linkVal(i, l), h)
	}
}

// nextOf returns the next pointer that follows link v in chain l.
func (t *Table) nextOf(v uint64, l int) *uint64 {
	if l <= lnReply {
		return &t.ents[uint32(v)>>1].next[uint32(v)&1]
	}
	return &t.ents[uint32(v)].next[l]
}

func (t *Table) unlink(i uint32) {
	e := &t.ents[i]
	for l := range t.links() {
		want := linkVal(i, l)
		p := &t.table(l)[t.hashOf(e, l)&t.maskOf(l)]
		for *p != 0 && uint32(*p) != want {
			p = t.nextOf(*p, l)
		}
		if *p != 0 {
			*p = e.next[l]
		}
	}
	*e = Entry{}
	t.free = append(t.free, i)
	t.live--
}

// sweep drops expired entries, as the kernel's conntrack GC does; it runs
// before the tables grow.
func (t *Table) sweep() {
	for i := 1; i < len(t.ents); i++ {
		if e := &t.ents[i]; e.seq != 0 && !t.Alive(e) {
			t.unlink(uint32(i))
		}
	}
}

// Hint tells Insert that k hashes to h (Key.Hash), so that it need not
// hash k again if k becomes the original (reply false) or reply tuple of
// the next entry inserted.
func (t *Table) Hint(reply bool, k *Key, h uint64) {
	d := 0
	if reply {
		d = 1
	}
	t.memo[d], t.memoH[d] = *k, h
}

// Insert adds e and returns its index. The caller has made sure that
// neither tuple of e is a live entry's (Find); Start and Expires are
// kept as given (set Expires with Update).
func (t *Table) Insert(e Entry) uint32 {
	t.idxMemo = false
	return t.insert(e)
}

// InsertIndexed is Insert for an owner that has already computed e's
// secondary index hashes (what its IndexFuncs return for e): the new
// entry is linked without calling them.
func (t *Table) InsertIndexed(e Entry, index0, index1 uint64) uint32 {
	t.idxMemo, t.idxH = true, [2]uint64{index0, index1}
	i := t.insert(e)
	t.idxMemo = false
	return i
}

func (t *Table) insert(e Entry) uint32 {
	if t.live+1 > t.capacity {
		memo := t.idxMemo
		t.idxMemo = false // the hints are for e, not for the entries rehashed
		t.sweep()
		if t.live+1 > t.capacity*3/4 { // keep room, or churn would sweep on every insert
			t.rehash(4 * t.capacity) // 4x: fewer rehashes of a growing table
		}
		t.idxMemo = memo
	}
	t.seq++
	e.seq = t.seq
	var i uint32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		t.ents[i] = e
	} else {
		i = uint32(len(t.ents))
		if len(t.ents) == cap(t.ents) {
			// grow with the hash tables (4x), at least double: append's
			// 1.25x growth copies a large table too often
			grown := make([]Entry, len(t.ents), max(2*cap(t.ents), t.capacity+1))
			copy(grown, t.ents)
			t.ents = grown
		}
		t.ents = append(t.ents, e)
	}
	t.live++
	t.link(i)
	return i
}

// Find looks k, whose hash is h (Key.Hash), up in the tuple table, in
// both directions. It returns the live entry's index (0: none) and
// whether k is its reply tuple, and reports whether an expired entry
// matched too.
func (t *Table) Find(k *Key, h uint64) (i uint32, reply, dead bool) {
	tag := tagOf(h)
	for v := t.heads[0][h&t.mask0]; v != 0; {
		idx, dir := uint32(v)>>1, uint32(v)&1
		e := &t.ents[idx]
		if tagOf(v) == tag {
			key := &e.Orig
			if dir == lnReply {
				key = &e.Reply
			}
			if key.S0 == k.S0 && key.S1 == k.S1 && key.D0 == k.D0 && key.D1 == k.D1 && key.Meta == k.Meta {
				if t.Alive(e) {
					return idx, dir == lnReply, dead
				}
				dead = true
			}
		}
		v = e.next[dir]
	}
	return 0, false, dead
}

// Prefetch loads, back to back, the chain heads of two tuple hashes and
// of one hash in each secondary index, then the first entry of each
// chain. The loads of each round are independent, so the processor
// overlaps their cache misses instead of paying them one after the other
// when the caller's lookups and Insert reach them. It changes nothing.
func (t *Table) Prefetch(tuple0, tuple1, index0, index1 uint64) {
	if t.heads[1] == nil || t.heads[2] == nil {
		return
	}
	m, m0 := t.mask, t.mask0
	a, b := t.heads[0][tuple0&m0], t.heads[1][index0&m]
	c, d := t.heads[0][tuple1&m0], t.heads[2][index1&m]
	t.sink += t.ents[uint32(a)>>1].next[0] ^ t.ents[uint32(b)].next[0] ^ t.ents[uint32(c)>>1].next[0] ^ d
}
