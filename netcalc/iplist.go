package netcalc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"go4.org/netipx"
)

// ErrRange means a range "FIRST-LAST" has addresses of two families or a
// first address after its last one.
var ErrRange = errors.New("bad range")

// ErrLineTooLong means a list line is longer than MaxListLine bytes. Its
// message, "longer than 65536 bytes", follows the line number in a
// ListError.
var ErrLineTooLong = errors.New("longer than " + strconv.Itoa(MaxListLine) + " bytes")

// MaxListLine is the longest line a ListReader accepts, in bytes.
const MaxListLine = 64 << 10

// ListEntry is one entry of an address list: an address, a prefix or a
// range. The zero ListEntry is invalid.
type ListEntry struct {
	// Range is the addresses the entry stands for; for a prefix with host
	// bits set, the whole network (10.0.0.1/24 is 10.0.0.0-10.0.0.255).
	Range netipx.IPRange
	// Prefix is the prefix as written, host bits kept, when the entry was
	// a prefix or a bare address (a /32 or /128); invalid for a range.
	Prefix netip.Prefix
	// Line is the 1-based line number for entries read by a ListReader,
	// or 0.
	Line int
}

// IsValid reports whether e holds a parsed entry.
func (e ListEntry) IsValid() bool { return e.Range.IsValid() }

// HostBits reports whether e was a prefix written with host bits set,
// such as 10.0.0.1/24.
func (e ListEntry) HostBits() bool { return e.Prefix.IsValid() && e.Prefix != e.Prefix.Masked() }

// String returns the entry as a prefix ("10.0.0.0/24", host bits kept)
// or a range ("10.0.0.3-10.0.0.77").
func (e ListEntry) String() string {
	switch {
	case e.Prefix.IsValid():
		return e.Prefix.String()
	case e.Range.IsValid():
		return e.Range.String()
	}
	return "invalid ListEntry"
}

// Unmap returns e with IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) turned
// into IPv4: ::ffff:10.0.0.0/120 becomes 10.0.0.0/24. Entries that are not
// wholly inside ::ffff:0:0/96 are returned unchanged.
func (e ListEntry) Unmap() ListEntry {
	from, to := e.Range.From(), e.Range.To()
	if !from.Is4In6() || !to.Is4In6() {
		return e
	}
	e.Range = netipx.IPRangeFrom(from.Unmap(), to.Unmap())
	if e.Prefix.IsValid() {
		e.Prefix = netip.PrefixFrom(e.Prefix.Addr().Unmap(), e.Prefix.Bits()-96)
	}
	return e
}

// MarshalText implements encoding.TextMarshaler with the String form; the
// zero ListEntry marshals as "".
func (e ListEntry) MarshalText() ([]byte, error) {
	if !e.IsValid() {
		return []byte{}, nil
	}
	return []byte(e.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseEntry; ""
// gives the zero ListEntry. Line is set to 0.
func (e *ListEntry) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*e = ListEntry{}
		return nil
	}
	v, err := ParseEntry(string(text))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// ParseEntry parses one list entry: an address (10.0.0.1, 2001:db8::1), a
// prefix in any form ParsePrefix takes (10.0.0.0/24, 10.0.0.0/255.255.255.0,
// 10.0.0.0 255.255.255.0), or an inclusive range FIRST-LAST of one family
// (10.0.0.3-10.0.0.77, spaces around "-" allowed). Errors are *ParseError.
func ParseEntry(s string) (ListEntry, error) {
	if e, ok := parseEntry4([]byte(s)); ok {
		return e, nil
	}
	return parseEntrySlow(s)
}

// MustParseEntry is ParseEntry that panics on error; for tests and
// literals only.
func MustParseEntry(s string) ListEntry {
	e, err := ParseEntry(s)
	if err != nil {
		panic(err)
	}
	return e
}

func parseEntrySlow(s string) (ListEntry, error) {
	t := strings.TrimSpace(s)
	if first, last, ok := strings.Cut(t, "-"); ok && !strings.Contains(t, "/") {
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		if first == "" || last == "" {
			return ListEntry{}, parseErr(s, ErrSyntax, "a range needs two addresses, expected FIRST-LAST such as 10.0.0.3-10.0.0.77")
		}
		a, err := parseAddr(first, s)
		if err != nil {
			return ListEntry{}, err
		}
		b, err := parseAddr(last, s)
		if err != nil {
			return ListEntry{}, err
		}
		if a.Zone() != "" || b.Zone() != "" {
			return ListEntry{}, parseErr(s, ErrZone, "an IPv6 zone is not allowed in a range")
		}
		if a.Is4() != b.Is4() {
			return ListEntry{}, parseErr(s, ErrRange, "a range cannot mix IPv4 and IPv6 addresses")
		}
		if b.Less(a) {
			return ListEntry{}, parseErr(s, ErrRange, fmt.Sprintf("range is backwards: %s comes after %s, expected FIRST-LAST", a, b))
		}
		return ListEntry{Range: netipx.IPRangeFrom(a, b)}, nil
	}
	p, err := ParsePrefix(t)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) && pe.Input != s {
			pe.Input = s
		}
		return ListEntry{}, err
	}
	return ListEntry{Range: netipx.RangeOfPrefix(p.Masked()), Prefix: p}, nil
}

// parseEntry4 is the fast path for the common IPv4 forms a.b.c.d,
// a.b.c.d/n and a.b.c.d-e.f.g.h, strictly (no leading zeros). It reports
// false for anything else, errors included, which the slow path explains.
func parseEntry4(s []byte) (ListEntry, bool) {
	a, rest, ok := scan4(s)
	if !ok {
		return ListEntry{}, false
	}
	if len(rest) == 0 {
		addr := a.addr()
		return ListEntry{Range: netipx.IPRangeFrom(addr, addr), Prefix: netip.PrefixFrom(addr, 32)}, true
	}
	switch rest[0] {
	case '/':
		n, ok := scanLen(rest[1:])
		if !ok {
			return ListEntry{}, false
		}
		sp := prefixSpan4(a, n)
		return ListEntry{Range: netipx.IPRangeFrom(sp.lo.addr(), sp.hi.addr()), Prefix: netip.PrefixFrom(a.addr(), n)}, true
	case '-':
		b, rest, ok := scan4(rest[1:])
		if !ok || len(rest) != 0 || b < a {
			return ListEntry{}, false
		}
		return ListEntry{Range: netipx.IPRangeFrom(a.addr(), b.addr())}, true
	}
	return ListEntry{}, false
}

// scan4 reads a strict dotted quad from the start of s: four decimal
// octets of one to three digits, no leading zeros, each at most 255.
func scan4[T string | []byte](s T) (a4, T, bool) {
	var v uint32
	i := 0
	for oct := 0; oct < 4; oct++ {
		if oct > 0 {
			if i >= len(s) || s[i] != '.' {
				return 0, s[:0], false
			}
			i++
		}
		if i >= len(s) {
			return 0, s[:0], false
		}
		c := s[i] - '0'
		if c > 9 {
			return 0, s[:0], false
		}
		n := uint32(c)
		i++
		if i < len(s) {
			if c1 := s[i] - '0'; c1 <= 9 {
				if n == 0 {
					return 0, s[:0], false // leading zero
				}
				n = n*10 + uint32(c1)
				i++
				if i < len(s) {
					if c2 := s[i] - '0'; c2 <= 9 {
						n = n*10 + uint32(c2)
						i++
						if n > 255 || i < len(s) && s[i]-'0' <= 9 {
							return 0, s[:0], false
						}
					}
				}
			}
		}
		v = v<<8 | n
	}
	return a4(v), s[i:], true
}

// scanLen reads a prefix length 0-32 that is all of s.
func scanLen(s []byte) (int, bool) {
	switch {
	case len(s) == 1 && s[0] >= '0' && s[0] <= '9':
		return int(s[0] - '0'), true
	case len(s) == 2 && s[0] >= '1' && s[0] <= '3' && s[1] >= '0' && s[1] <= '9':
		n := int(s[0]-'0')*10 + int(s[1]-'0')
		return n, n <= 32
	}
	return 0, false
}

// ListError is a parse error at one line of a list.
type ListError struct {
	Source string // file name, "stdin" or ""
	Line   int    // 1-based
	// Input is the line's text, trimmed; for a line longer than
	// MaxListLine only its first 80 characters and "…".
	Input string
	Err   error // a *ParseError or ErrLineTooLong
}

// Error returns "netcalc: FILE:LINE: ..." ("line LINE: " for stdin or an
// unnamed source).
func (e *ListError) Error() string {
	msg := e.Err.Error()
	var pe *ParseError
	if errors.As(e.Err, &pe) {
		msg = pe.Message()
	}
	return "netcalc: " + e.where() + msg
}

// Message returns the error without the package prefix:
// "FILE:LINE: MESSAGE" ("line LINE: " for stdin or an unnamed source).
func (e *ListError) Message() string { return e.where() + Message(e.Err) }

func (e *ListError) where() string {
	if e.Source == "" || e.Source == "stdin" {
		return "line " + strconv.Itoa(e.Line) + ": "
	}
	return e.Source + ":" + strconv.Itoa(e.Line) + ": "
}

// Unwrap returns the underlying error.
func (e *ListError) Unwrap() error { return e.Err }

// LineReader reads a list one line at a time, for any kind of item: it
// skips a UTF-8 byte order mark at the start (lists saved on Windows),
// trims surrounding white space and CR, and refuses lines longer than
// MaxListLine bytes with a *ListError wrapping ErrLineTooLong, then goes
// on with the next line, so that one bad line neither stops a stream nor
// fills memory. Blank lines and comments are returned as they are; the
// caller decides what to skip. It reads in large blocks and does not
// allocate per line.
type LineReader struct {
	r      io.Reader
	source string
	buf    []byte
	start  int // unread data is buf[start:end]
	end    int
	line   int
	eof    bool
	rerr   error
	head   string // the start of the last line too long for buf
}

// NewLineReader returns a LineReader over r; source names r in errors
// (a file name, "stdin", or "").
func NewLineReader(r io.Reader, source string) *LineReader {
	return &LineReader{r: r, source: source, buf: make([]byte, 256<<10)}
}

// Next returns the next line, trimmed, and its 1-based number. The
// returned slice is valid until the following call. At the end of the
// input it returns io.EOF; a line longer than MaxListLine gives a
// *ListError and the following call goes on with the next line; any
// other error is a read error and final.
func (l *LineReader) Next() ([]byte, int, error) {
	line, err := l.nextLine()
	if err == ErrLineTooLong {
		return nil, l.line, &ListError{Source: l.source, Line: l.line, Input: l.head, Err: ErrLineTooLong}
	}
	if err != nil {
		return nil, l.line, err
	}
	if l.line == 1 {
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	line = trimSpace(line)
	if len(line) > MaxListLine {
		return nil, l.line, &ListError{Source: l.source, Line: l.line, Input: cutToken(line), Err: ErrLineTooLong}
	}
	return line, l.line, nil
}

// ListReader reads an address list: one entry per line (see ParseEntry),
// mixed IPv4 and IPv6, blank lines skipped, "#" starting a comment that
// runs to the end of the line, surrounding white space and CR ignored, as
// is a UTF-8 byte order mark at the start (lists saved on Windows). Lines
// are read by a LineReader, so a line longer than MaxListLine is an error
// for that line only. It parses plain IPv4 lines without allocating.
type ListReader struct {
	lines *LineReader
}

// NewListReader returns a ListReader over r; source names r in errors
// (a file name, "stdin", or "").
func NewListReader(r io.Reader, source string) *ListReader {
	return &ListReader{lines: NewLineReader(r, source)}
}

// Next returns the next entry. At the end of the input it returns io.EOF.
// A line that does not parse gives a *ListError, and the following call
// goes on with the next line; any other error is a read error and final.
func (l *ListReader) Next() (ListEntry, error) {
	for {
		line, n, err := l.lines.Next()
		if err != nil {
			return ListEntry{}, err
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = trimSpace(line[:i])
		}
		if len(line) == 0 {
			continue
		}
		if e, ok := parseEntry4(line); ok {
			e.Line = n
			return e, nil
		}
		e, err := parseEntrySlow(string(line))
		if err != nil {
			return ListEntry{}, &ListError{Source: l.lines.source, Line: n, Input: string(line), Err: err}
		}
		e.Line = n
		return e, nil
	}
}

// AddTo reads the rest of the list into b, the fast way to build a set
// from a list of millions of lines. Plain IPv4 entries (an address, a
// prefix without host bits, a range FIRST-LAST, strictly written) go
// straight into b without becoming ListEntry values; every other entry
// (IPv6, a prefix with host bits, any other form ParseEntry takes) is
// passed to fn with a nil error, and every bad line as a *ListError, in
// line order: fn adds what it wants to b. It returns how many lines held
// an item, bad ones included, and a read error, which is final.
func (l *ListReader) AddTo(b *SetBuilder, fn func(ListEntry, error)) (int, error) {
	lr := l.lines
	if runtime.GOMAXPROCS(0) < 2 || lr.line != 0 || lr.start != lr.end || lr.eof {
		return l.addSerial(b, fn)
	}
	return l.addParallel(b, fn)
}

// addSerial is AddTo on one goroutine, from wherever the reader is.
func (l *ListReader) addSerial(b *SetBuilder, fn func(ListEntry, error)) (int, error) {
	n := 0
	for {
		line, num, err := l.lines.Next()
		if err != nil {
			if err == io.EOF {
				return n, nil
			}
			if _, ok := err.(*ListError); ok {
				n++
				fn(ListEntry{}, err)
				continue
			}
			return n, err
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = trimSpace(line[:i])
		}
		if len(line) == 0 {
			continue
		}
		n++
		if k, ok := packLine4(line); ok {
			b.add4 = append(b.add4, k)
			continue
		}
		if sp, ok := plainLine6(line); ok {
			b.add6 = append(b.add6, sp)
			continue
		}
		e, err := l.parseOther(line, num)
		fn(e, err)
	}
}

// parseOther parses a line that is not a plain entry, for AddTo's fn.
func (l *ListReader) parseOther(line []byte, num int) (ListEntry, error) {
	e, ok := parseEntry4(line)
	if !ok {
		var err error
		if e, err = parseEntrySlow(string(line)); err != nil {
			return ListEntry{}, &ListError{Source: l.lines.source, Line: num, Input: string(line), Err: err}
		}
	}
	e.Line = num
	return e, nil
}

// addBlock is AddTo's unit of parallel work: whole lines of the input,
// parsed by a worker, then handed to the builder and fn in input order.
type addBlock struct {
	data    []byte
	line    int // lines before the block
	lines   int // newlines in the block, when counted
	add4    []uint64
	add6    []span6
	other   []addItem // entries and errors for fn, in line order
	n       int       // lines that held an item
	rest    io.Reader // set on the last block: read the rest serially
	readErr error     // set on the last block: the read error that ended it
	done    chan struct{}
}

type addItem struct {
	e   ListEntry
	err error
}

// addBlockSize is how much input a worker parses at a time.
const addBlockSize = 256 << 10

// addParallel is AddTo for a fresh reader on several CPUs: one goroutine
// reads blocks of whole lines and counts their newlines (so every block
// knows its first line number), workers parse blocks, and the caller's
// goroutine adds their results and calls fn in input order. A block with
// no newline at all (a line longer than a block) ends the parallel part:
// the rest is read serially, so memory stays bounded.
func (l *ListReader) addParallel(b *SetBuilder, fn func(ListEntry, error)) (int, error) {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *addBlock, 2*workers)
	order := make(chan *addBlock, 2*workers)
	r := l.lines.r
	// Block buffers are recycled once their results are taken: with
	// the channels' capacity that bounds the input held at a time.
	free := make(chan []byte, 4*workers+2)
	go func() {
		defer close(work)
		defer close(order)
		var carry []byte
		line := 0
		for {
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			if cap(buf) < len(carry)+addBlockSize {
				buf = make([]byte, 0, len(carry)+addBlockSize)
			}
			buf = append(buf[:0], carry...)
			k, err := io.ReadFull(r, buf[len(carry):cap(buf)])
			buf = buf[:len(carry)+k]
			blk := &addBlock{line: line, done: make(chan struct{})}
			switch {
			case err == io.EOF || err == io.ErrUnexpectedEOF:
				blk.data = buf
			case err != nil:
				blk.data, blk.readErr = buf, err
			default:
				i := bytes.LastIndexByte(buf, '\n')
				if i < 0 {
					blk.rest = io.MultiReader(bytes.NewReader(buf), r)
					close(blk.done)
					order <- blk
					return
				}
				blk.data, carry = buf[:i+1], buf[i+1:]
				blk.lines = bytes.Count(blk.data, []byte{'\n'})
				line += blk.lines
				work <- blk
				order <- blk
				continue
			}
			work <- blk
			order <- blk
			return
		}
	}()
	// Result slices are recycled too: the sequencer copies them into b
	// and hands them back, so parsing makes no garbage per block.
	free4 := make(chan []uint64, 4*workers+2)
	free6 := make(chan []span6, 4*workers+2)
	for i := 0; i < workers; i++ {
		go func() {
			for blk := range work {
				select {
				case blk.add4 = <-free4:
				default:
				}
				select {
				case blk.add6 = <-free6:
				default:
				}
				l.parseBlock(blk)
				close(blk.done)
			}
		}()
	}
	var size int64
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	n, first := 0, true
	for blk := range order {
		<-blk.done
		if blk.rest != nil {
			l.lines = &LineReader{r: blk.rest, source: l.lines.source, buf: make([]byte, 256<<10), line: blk.line}
			m, err := l.addSerial(b, fn)
			return n + m, err
		}
		if first && size > 0 && blk.lines > 0 && len(blk.data) > 0 {
			// A file of known size: reserve room for the whole of it at
			// the first block's mix of lines, so that b's arrays are not
			// regrown (each regrowth left the old array as garbage).
			est := float64(size) / float64(len(blk.data)) * 1.05
			b.add4 = slices.Grow(b.add4, int(est*float64(len(blk.add4))))
			b.add6 = slices.Grow(b.add6, int(est*float64(len(blk.add6))))
		}
		first = false
		b.add4 = append(b.add4, blk.add4...)
		b.add6 = append(b.add6, blk.add6...)
		for _, it := range blk.other {
			fn(it.e, it.err)
		}
		select {
		case free <- blk.data[:0]:
		default:
		}
		select {
		case free4 <- blk.add4[:0]:
		default:
		}
		select {
		case free6 <- blk.add6[:0]:
		default:
		}
		n += blk.n
		if blk.readErr != nil {
			return n, blk.readErr
		}
	}
	l.lines.eof = true
	return n, nil
}

// parseBlock parses the lines of blk as LineReader.Next and addSerial
// would: byte order mark on line 1, white space and CR trimmed, lines
// longer than MaxListLine refused, comments and blank lines skipped.
func (l *ListReader) parseBlock(blk *addBlock) {
	data, num := blk.data, blk.line
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		num++
		if num == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		line = trimSpace(line)
		if len(line) > MaxListLine {
			blk.n++
			blk.other = append(blk.other, addItem{err: &ListError{Source: l.lines.source, Line: num, Input: cutToken(line), Err: ErrLineTooLong}})
			continue
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = trimSpace(line[:i])
		}
		if len(line) == 0 {
			continue
		}
		blk.n++
		if k, ok := packLine4(line); ok {
			blk.add4 = append(blk.add4, k)
			continue
		}
		if sp, ok := plainLine6(line); ok {
			blk.add6 = append(blk.add6, sp)
			continue
		}
		e, err := l.parseOther(line, num)
		blk.other = append(blk.other, addItem{e, err})
	}
}

// plainLine6 reads a plain IPv6 entry: an address or a prefix without host
// bits, strictly written (as parseSpecFast reads it: no zone, no spaces),
// not IPv4-mapped (which --unmap may turn into IPv4).
func plainLine6(s []byte) (span6, bool) {
	if bytes.IndexByte(s, ':') < 0 || bytes.IndexByte(s, '-') >= 0 {
		return span6{}, false
	}
	// parseSpecFast keeps nothing of its argument (it refuses zones, the
	// only text net/netip keeps), so the line need not be copied.
	sp, ok := parseSpecFast(unsafe.String(unsafe.SliceData(s), len(s)))
	if !ok {
		return span6{}, false
	}
	a, n := sp.Prefix.Addr(), sp.Prefix.Bits()
	if !a.Is6() || a.Is4In6() {
		return span6{}, false
	}
	r := prefixSpan6(toA6(a), n)
	if r.lo != toA6(a) {
		return span6{}, false // host bits set
	}
	return r, true
}

// packLine4 reads a plain IPv4 entry as parseEntry4 does, as a packed
// range; a prefix with host bits is not plain (its caller warns about
// it), nor is anything parseEntry4 refuses.
func packLine4(s []byte) (uint64, bool) {
	a, rest, ok := scan4(s)
	if !ok {
		return 0, false
	}
	if len(rest) == 0 {
		return uint64(a)<<32 | uint64(a), true
	}
	switch rest[0] {
	case '/':
		n, ok := scanLen(rest[1:])
		if !ok {
			return 0, false
		}
		sp := prefixSpan4(a, n)
		if sp.lo != a {
			return 0, false // host bits set
		}
		return pack4(sp), true
	case '-':
		z, rest, ok := scan4(rest[1:])
		if !ok || len(rest) != 0 || z < a {
			return 0, false
		}
		return uint64(a)<<32 | uint64(z), true
	}
	return 0, false
}

// nextLine returns the next raw line without its newline.
func (l *LineReader) nextLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(l.buf[l.start:l.end], '\n'); i >= 0 {
			line := l.buf[l.start : l.start+i]
			l.start += i + 1
			l.line++
			return line, nil
		}
		if l.eof {
			if l.start < l.end {
				line := l.buf[l.start:l.end]
				l.start = l.end
				l.line++
				return line, nil
			}
			if l.rerr != nil {
				return nil, l.rerr
			}
			return nil, io.EOF
		}
		// make room: move the partial line to the front, grow if full
		if l.start > 0 {
			l.end = copy(l.buf, l.buf[l.start:l.end])
			l.start = 0
		}
		if l.end == len(l.buf) {
			// one line fills the whole buffer: far past MaxListLine
			l.head = cutToken(trimSpace(l.buf))
			l.skipLongLine()
			l.line++
			return nil, ErrLineTooLong
		}
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err != nil {
			l.eof = true
			if err != io.EOF {
				l.rerr = err
			}
		}
	}
}

// skipLongLine drops input up to and including the next newline.
func (l *LineReader) skipLongLine() {
	l.start, l.end = 0, 0
	for !l.eof {
		n, err := l.r.Read(l.buf)
		if err != nil {
			l.eof = true
			if err != io.EOF {
				l.rerr = err
			}
		}
		if i := bytes.IndexByte(l.buf[:n], '\n'); i >= 0 {
			l.start, l.end = i+1, n
			return
		}
	}
}

// maxCut is how many characters of a line too long to read a ListError
// keeps as its Input.
const maxCut = 80

// cutToken returns the first maxCut characters of b, with "…" when it
// cut; a cut never splits a UTF-8 sequence.
func cutToken(b []byte) string {
	n := 0
	for i := range string(b[:min(len(b), maxCut*utf8.UTFMax)]) {
		if n == maxCut {
			return string(b[:i]) + "…"
		}
		n++
	}
	return string(b)
}

// utf8BOM is the byte order mark some Windows editors put first in a file.
var utf8BOM = []byte("\ufeff")

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// AddEntry adds the addresses of e (the network for a prefix with host
// bits set).
func (b *SetBuilder) AddEntry(e ListEntry) {
	// Entries from ParseEntry and ListReader are valid ranges: skip
	// AddRange's checks, which cost a tenth of a million-line merge.
	switch from := e.Range.From(); {
	case !from.IsValid():
	case from.Is4():
		b.add4 = append(b.add4, pack4(span4{toA4(from), toA4(e.Range.To())}))
	default:
		b.AddRange(e.Range)
	}
}

// RemoveEntry removes the addresses of e. Removals apply after all
// additions.
func (b *SetBuilder) RemoveEntry(e ListEntry) { b.RemoveRange(e.Range) }
