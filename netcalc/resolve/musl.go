package resolve

// Lookup as musl's getaddrinfo does it (src/network/lookup_name.c,
// res_msend.c, res_mkquery.c, dns_parse.c at tags v1.2.3, v1.2.4, v1.2.5).

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Numeric is the Source of an answer that is the name itself, an IP
// literal (musl's getaddrinfo returns it without any lookup).
const Numeric Source = "numeric"

// ErrNotAwaited is a query's Err when the resolver stopped waiting for
// its reply because another server had already answered (musl asks every
// server at once and takes the first answer).
var ErrNotAwaited = errors.New("not waited for: another server answered first")

// musl's getaddrinfo error codes (include/netdb.h) and gai_strerror texts.
const (
	eaiNoName = -2
	eaiAgain  = -3
	eaiFail   = -4
	eaiNoData = -5
)

// GaiError is a getaddrinfo failure of a reproduced C library: its
// EAI code and gai_strerror text, and the netcalc sentinel it means
// (ErrNotFound, ErrNoData or ErrServerFailure), which Unwrap returns.
type GaiError struct {
	Libc Libc
	Code int    // musl's value: -2 EAI_NONAME, -3 EAI_AGAIN, -4 EAI_FAIL, -5 EAI_NODATA
	Name string // "EAI_AGAIN"
	Msg  string // gai_strerror: "Try again"
	Err  error
}

// Error returns the sentinel's text and the C library's: `no server gave
// an answer (musl-1.2.3: EAI_AGAIN "Try again")`.
func (e *GaiError) Error() string {
	return fmt.Sprintf("%v (%s getaddrinfo: %s %q)", e.Err, e.Libc, e.Name, e.Msg)
}

// Unwrap returns the sentinel.
func (e *GaiError) Unwrap() error { return e.Err }

func (r *Resolver) muslError(code int) *GaiError {
	e := &GaiError{Libc: r.Libc, Code: code}
	switch code {
	case eaiAgain:
		e.Name, e.Msg, e.Err = "EAI_AGAIN", "Try again", ErrServerFailure
	case eaiFail:
		e.Name, e.Msg, e.Err = "EAI_FAIL", "Non-recoverable error", ErrServerFailure
	case eaiNoData:
		e.Name, e.Msg, e.Err = "EAI_NODATA", "Name has no usable address", ErrNoData
	default:
		e.Name, e.Msg, e.Err = "EAI_NONAME", "Name does not resolve", ErrNotFound
	}
	return e
}

// muslFamily maps the asked types to getaddrinfo's family.
type muslFamily int

const (
	famUnspec muslFamily = iota
	famInet
	famInet6
)

func (f muslFamily) wants(a netip.Addr) bool {
	switch f {
	case famInet:
		return a.Is4()
	case famInet6:
		return !a.Is4()
	}
	return true
}

// muslLookup is Lookup for r.Libc musl: __lookup_name with hints
// {AF_UNSPEC or the one family asked, flags 0}.
func (r *Resolver) muslLookup(ctx context.Context, name string, types []Type) (*Result, error) {
	lib := r.Libc
	res := &Result{Query: name, Libc: lib}
	if len(types) == 0 {
		types = []Type{TypeA, TypeAAAA}
	}
	res.Types = types
	fam := famUnspec
	hasA, hasAAAA := false, false
	for _, t := range types {
		switch t {
		case TypeA:
			hasA = true
		case TypeAAAA:
			hasAAAA = true
		default:
			return res, &NameError{Name: string(t.String()), Msg: fmt.Sprintf("%s reproduces getaddrinfo, which asks only for A and AAAA records", lib), Err: ErrBadType}
		}
	}
	switch {
	case hasA && !hasAAAA:
		fam = famInet
	case hasAAAA && !hasA:
		fam = famInet6
	}
	step := func(format string, args ...any) { res.Steps = append(res.Steps, fmt.Sprintf(format, args...)) }
	fail := func(code int) (*Result, error) {
		e := r.muslError(code)
		if res.nodata {
			e.Err = ErrNoData // 1.2.3 says EAI_NONAME for NODATA too
		}
		return res, &LookupError{Name: name, Err: e}
	}
	noFamily := eaiNoName
	if lib != Musl123 {
		noFamily = eaiNoData
	}

	if len(name) == 0 || len(name) > 254 {
		step("%s: a name of %d bytes is refused before any lookup (want 1-254)", lib, len(name))
		return fail(eaiNoName)
	}
	// name_from_numeric
	if a, ok := muslIPLiteral(name); ok {
		if !fam.wants(a) {
			res.nodata = true
			step("%s: %s is an IP address of the other family: no lookup", lib, name)
			return fail(noFamily)
		}
		t := TypeA
		if !a.Is4() {
			t = TypeAAAA
		}
		res.Source, res.CanonicalName = Numeric, name
		res.Answers = []Answer{{Name: name, Type: t, Data: a.String()}}
		step("%s: %s is an IP address: getaddrinfo returns it as is (no hosts file, no DNS, no reverse lookup)", lib, name)
		return res, nil
	}
	// name_from_hosts
	hits, canon, bad := muslHosts(r.Hosts, name, fam.wants)
	if len(hits) > 0 {
		res.Source, res.HostsFile, res.CanonicalName = Files, r.Hosts.File, canon
		for _, e := range hits {
			t := TypeA
			if !e.Addr.Is4() {
				t = TypeAAAA
			}
			res.HostsLines = append(res.HostsLines, e.Line)
			res.Answers = append(res.Answers, Answer{Name: e.Names[0], Type: t, Data: e.Addr.String()})
		}
		step("%s: the hosts file names %q (matched exactly and case-sensitively; glibc ignores case)", lib, name)
		res.Answers = muslSort(res.Answers, fam)
		return res, nil
	}
	if bad {
		step("%s: the hosts file names %q only with the other address family: musl stops without asking DNS (glibc asks DNS)", lib, name)
		res.nodata = true
		return fail(noFamily)
	}
	if r.Hosts != nil {
		step("%s: no hosts file line names %q exactly (case-sensitive match)", lib, name)
	}
	n, err := r.muslSearch(ctx, res, name, fam, step)
	if err != nil {
		return res, err
	}
	if n < 0 {
		return fail(n)
	}
	res.Answers = muslSort(res.Answers, fam)
	return res, nil
}

// muslSearch is name_from_dns_search: the search walk. It returns the
// number of addresses found or a negative EAI code.
func (r *Resolver) muslSearch(ctx context.Context, res *Result, name string, fam muslFamily, step func(string, ...any)) (int, error) {
	lib := r.Libc
	dots := strings.Count(name, ".")
	search := r.Config.Search
	rooted := strings.HasSuffix(name, ".")
	switch {
	case rooted:
		search = nil
		step("%s: the name ends in a dot: only the name itself is asked", lib)
	case dots >= r.Config.Ndots:
		if len(search) > 0 {
			step("%s: %s >= ndots %d: only the name itself is asked, never the search list (glibc would try the search domains after it)", lib, plural(dots, "dot"), r.Config.Ndots)
		}
		search = nil
	case len(search) > 0:
		step("%s: %s < ndots %d: each search domain first, then the name itself; the walk goes on only after NXDOMAIN", lib, plural(dots, "dot"), r.Config.Ndots)
	}
	l := strings.TrimSuffix(name, ".")
	if l == "" || strings.HasSuffix(l, ".") {
		step("%s: the name ends in two dots: refused", lib)
		return eaiNoName, nil
	}
	var cands []string
	for _, s := range search {
		if len(s) < 256-len(l)-1 {
			cands = append(cands, l+"."+s)
		}
	}
	cands = append(cands, l)
	for _, c := range cands {
		res.Candidates = append(res.Candidates, c+".")
	}
	for i, c := range cands {
		n, err := r.muslFromDNS(ctx, res, c, i+1, fam, step)
		if err != nil {
			return 0, err
		}
		if n != 0 {
			return n, nil
		}
	}
	return eaiNoName, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// muslQuery is one of the (one or two) queries for a candidate.
type muslQuery struct {
	t       Type
	msg     []byte
	answer  []byte
	server  netip.AddrPort
	tr      Transport
	pending bool // TCP in progress (1.2.4+)
}

// muslFromDNS is name_from_dns for one candidate: 0 means NXDOMAIN (go on),
// a positive count success, a negative EAI code the end of the lookup.
func (r *Resolver) muslFromDNS(ctx context.Context, res *Result, cand string, idx int, fam muslFamily, step func(string, ...any)) (int, error) {
	lib := r.Libc
	var qs []*muslQuery
	for _, t := range []Type{TypeA, TypeAAAA} {
		if (t == TypeA && fam == famInet6) || (t == TypeAAAA && fam == famInet) {
			continue
		}
		m, ok := muslMkquery(lib, cand, t)
		if !ok {
			if lib == Musl123 {
				step("%s: candidate %q is not a valid query name (label over 63 or name over 253 bytes): the lookup ends with EAI_NONAME (1.2.4+ skips it)", lib, cand)
				return eaiNoName, nil
			}
			step("%s: candidate %q is not a valid query name: skipped, as NXDOMAIN", lib, cand)
			return 0, nil
		}
		m[3] = 0 // no AD
		if len(qs) > 0 && lib != Musl123 && m[0] == qs[0].msg[0] {
			m[0]++ // distinct IDs (1.2.4+)
		}
		qs = append(qs, &muslQuery{t: t, msg: m})
	}
	if err := r.muslSend(ctx, res, cand, qs, step); err != nil {
		return 0, err
	}
	for _, q := range qs {
		switch {
		case len(q.answer) < 4 || q.answer[3]&15 == 2:
			step("%s: candidate %s: no accepted %s answer within %v (SERVFAIL, REFUSED and silence are never accepted): the lookup ends with EAI_AGAIN (glibc would try the next server and then the next candidate)", lib, cand, q.t, r.muslTimeout())
			return eaiAgain, nil
		case q.answer[3]&15 == 3:
			step("%s: candidate %s: %s NXDOMAIN from %s: next candidate", lib, cand, q.t, q.server)
			return 0, nil
		case q.answer[3]&15 != 0:
			return eaiFail, nil
		}
	}
	var canon = cand
	var answers []Answer
	count := 0
	order := qs
	if lib != Musl123 && len(qs) == 2 {
		order = []*muslQuery{qs[1], qs[0]} // AAAA parsed first (1.2.4+)
	}
	for _, q := range order {
		only := Type(0)
		if lib != Musl123 {
			only = q.t
		}
		if q.answer[2]&2 != 0 && !lib.tcpFallback() {
			step("%s: candidate %s: the %s answer is truncated (TC); musl 1.2.3 has no TCP fallback and uses the records that came", lib, cand, q.t)
		}
		muslParse(q.answer, only, &count, &canon, &answers)
	}
	if count == 0 {
		code, what := eaiNoName, "EAI_NONAME"
		if lib != Musl123 {
			code, what = eaiNoData, "EAI_NODATA"
		}
		step("%s: candidate %s: NOERROR without addresses (NODATA): the lookup ends with %s (glibc would try the next candidate)", lib, cand, what)
		res.nodata = true
		return code, nil
	}
	first := qs[0]
	if n := len(r.muslServers()); n > 1 {
		step("%s: candidate %s: answers taken from the first server to reply (%s for %s) of %d asked at once; the others were not waited for", lib, cand, first.server, first.t, n)
	}
	res.Source, res.Name, res.Candidate = DNS, cand+".", idx
	res.Server, res.Transport, res.CanonicalName = first.server, first.tr, canon
	seen := map[Answer]bool{}
	for _, a := range answers {
		if !seen[a] {
			seen[a] = true
			res.Answers = append(res.Answers, a)
		}
	}
	return count, nil
}

// muslMkquery is __res_mkquery for class IN: nil when musl refuses the
// name. 1.2.3 builds a malformed query for a name ending in two dots; the
// others refuse it.
func muslMkquery(lib Libc, name string, t Type) ([]byte, bool) {
	l := len(name)
	if l > 254 {
		l = 255
	}
	if l > 0 && name[l-1] == '.' {
		l--
	}
	if lib != Musl123 && l > 0 && name[l-1] == '.' {
		return nil, false
	}
	n := 17 + l
	if l > 0 {
		n++
	}
	if l > 253 {
		return nil, false
	}
	q := make([]byte, n+1) // one spare zero byte, as musl's q[280]
	q[2] = 1               // RD
	q[3] = 32              // AD (cleared by the caller)
	q[5] = 1
	copy(q[13:], name[:l])
	i := 13
	for q[i] != 0 {
		j := i
		for q[j] != 0 && q[j] != '.' {
			j++
		}
		if uint(j-i-1) > 62 {
			return nil, false
		}
		q[i-1] = byte(j - i)
		i = j + 1
	}
	q[i+1] = byte(t)
	q[i+3] = 1
	id := rand.N(uint16(0xffff))
	q[0], q[1] = byte(id>>8), byte(id)
	return q[:n], true
}

// muslTimeout is the total time musl waits for one candidate.
func (r *Resolver) muslTimeout() time.Duration {
	if r.Config.Timeout == muslZeroTimeout {
		return 0
	}
	if r.Config.Timeout <= 0 {
		return DefaultTimeout
	}
	return r.Config.Timeout
}

func (r *Resolver) muslServers() []netip.AddrPort {
	if len(r.Config.Servers) > 0 {
		return r.Config.Servers
	}
	return []netip.AddrPort{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 53)}
}

// muslSend is __res_msend_rc: every query to every server at once from one
// UDP socket; unanswered queries are sent again every timeout/attempts; the
// first NOERROR or NXDOMAIN reply per query is taken, from whichever server;
// SERVFAIL is resent to that server at once (at most twice the number of
// queries per round) and never taken; other rcodes are ignored. 1.2.4+ asks
// again over TCP, to the server that answered, after a truncated answer.
func (r *Resolver) muslSend(ctx context.Context, res *Result, cand string, qs []*muslQuery, step func(string, ...any)) error {
	lib := r.Libc
	servers := r.muslServers()
	timeout := r.muslTimeout().Milliseconds()
	attempts := int64(r.Config.Attempts)
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	// musl's retry interval; at least 1 ms here, where musl (timeout
	// shorter than attempts milliseconds) would resend in a busy loop.
	interval := max(timeout/attempts, 1)
	v6 := false
	for _, s := range servers {
		v6 = v6 || (s.Addr().Is6() && !s.Addr().Is4In6())
	}
	network := "udp4"
	laddr := &net.UDPAddr{IP: net.IPv4zero}
	if v6 {
		network, laddr = "udp", &net.UDPAddr{IP: net.IPv6unspecified}
	}
	conn, err := net.ListenUDP(network, laddr)
	if err != nil {
		return fmt.Errorf("resolve: opening a UDP socket: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	type sent struct {
		q     int
		query int // index in res.Queries
		s     netip.AddrPort
		at    time.Time
		done  bool
	}
	var sends []*sent
	send := func(i int, s netip.AddrPort) {
		to := s
		if v6 && s.Addr().Is4() {
			to = netip.AddrPortFrom(netip.AddrFrom16(s.Addr().As16()), s.Port())
		}
		conn.WriteToUDPAddrPort(qs[i].msg, to)
		res.Queries = append(res.Queries, Query{Name: cand + ".", Type: qs[i].t, Server: s, Transport: UDP})
		sends = append(sends, &sent{q: i, query: len(res.Queries) - 1, s: s, at: time.Now()})
	}
	record := func(i int, s netip.AddrPort, p []byte, tr Transport) {
		for k := len(sends) - 1; k >= 0; k-- {
			sd := sends[k]
			if sd.q != i || sd.s != s || sd.done {
				continue
			}
			sd.done = true
			q := &res.Queries[sd.query]
			q.Transport = tr
			q.RTT = time.Since(sd.at)
			q.Rcode = Rcode(p[3] & 15)
			q.Truncated = p[2]&2 != 0
			q.Authoritative, q.RecursionAvailable = p[2]&4 != 0, p[3]&128 != 0
			if len(p) >= 8 {
				q.Answers = int(binary.BigEndian.Uint16(p[6:8]))
			}
			return
		}
	}
	done := func() bool {
		for _, q := range qs {
			if q.answer == nil || q.pending {
				return false
			}
		}
		return true
	}
	asize := lib.answerSize()
	buf := make([]byte, asize)
	oob := make([]byte, 64)
	t0 := time.Now()
	ms := func() int64 { return time.Since(t0).Milliseconds() }
	t1 := -interval
	servfail := 0
	abort := false
loop:
	for t2 := ms(); t2 < timeout && !abort; t2 = ms() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if lib != Musl123 && done() {
			break
		}
		if t2-t1 >= interval {
			for i, q := range qs {
				if q.answer == nil {
					for _, s := range servers {
						send(i, s)
					}
				}
			}
			t1 = t2
			servfail = 2 * len(qs)
		}
		conn.SetReadDeadline(t0.Add(time.Duration(t1+interval) * time.Millisecond))
		for {
			n, _, flags, from, err := conn.ReadMsgUDPAddrPort(buf, oob)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				break
			}
			if n < 4 {
				continue
			}
			from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
			j := -1
			for k, s := range servers {
				if s.Addr().Unmap() == from.Addr() && s.Port() == from.Port() {
					j = k
					break
				}
			}
			if j < 0 {
				continue
			}
			p := append([]byte(nil), buf[:n]...)
			i := -1
			for k, q := range qs {
				if q.answer == nil && p[0] == q.msg[0] && p[1] == q.msg[1] {
					i = k
					break
				}
			}
			if i < 0 {
				continue
			}
			record(i, servers[j], p, UDP)
			switch p[3] & 15 {
			case 0, 3:
			case 2:
				if servfail > 0 {
					servfail--
					send(i, servers[j])
				}
				continue
			default:
				continue
			}
			qs[i].answer, qs[i].server, qs[i].tr = p, servers[j], UDP
			if lib.tcpFallback() && (p[2]&2 != 0 || flags&syscall.MSG_TRUNC != 0) {
				step("%s: candidate %s: the %s answer from %s is truncated: asked again over TCP", lib, cand, qs[i].t, servers[j])
				if !r.muslTCP(ctx, res, cand, qs[i], servers[j], t0.Add(time.Duration(timeout)*time.Millisecond), asize) {
					abort = true
					break loop
				}
			}
			if lib == Musl123 && done() {
				break loop
			}
			if lib != Musl123 && done() {
				break
			}
		}
	}
	if abort {
		step("%s: candidate %s: the TCP exchange failed: every answer of this candidate is dropped", lib, cand)
	}
	for _, q := range qs {
		if q.pending || abort && q.tr == TCP {
			q.answer, q.pending = nil, false
		}
	}
	for _, sd := range sends {
		if sd.done {
			continue
		}
		q := &res.Queries[sd.query]
		if qs[sd.q].answer != nil {
			q.Err = ErrNotAwaited
		} else {
			q.Err = fmt.Errorf("%w (musl waits %v in all for a candidate)", ErrTimeout, r.muslTimeout())
		}
		q.RTT = time.Since(sd.at)
	}
	return nil
}

// muslTCP asks q again over TCP (1.2.4+); it reports false when musl would
// abandon the whole exchange (connection failure or an rcode other than
// NOERROR and NXDOMAIN).
func (r *Resolver) muslTCP(ctx context.Context, res *Result, cand string, q *muslQuery, s netip.AddrPort, deadline time.Time, asize int) bool {
	q.pending = true
	start := time.Now()
	res.Queries = append(res.Queries, Query{Name: cand + ".", Type: q.t, Server: s, Transport: TCP})
	rec := &res.Queries[len(res.Queries)-1]
	fail := func(err error) bool {
		rec.Err, rec.RTT = err, time.Since(start)
		return false
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(dctx, "tcp", s.String())
	if err != nil {
		return fail(classify(dctx, err))
	}
	defer c.Close()
	c.SetDeadline(deadline)
	msg := append([]byte{byte(len(q.msg) >> 8), byte(len(q.msg))}, q.msg...)
	if _, err := c.Write(msg); err != nil {
		return fail(classify(dctx, err))
	}
	var hdr [2]byte
	if _, err := readFull(c, hdr[:]); err != nil {
		return fail(classify(dctx, err))
	}
	alen := int(hdr[0])<<8 | int(hdr[1])
	if alen < 13 {
		return fail(errors.New("TCP answer shorter than a DNS header"))
	}
	p := make([]byte, min(alen, asize))
	if _, err := readFull(c, p); err != nil {
		return fail(classify(dctx, err))
	}
	rec.RTT = time.Since(start)
	rec.Rcode = Rcode(p[3] & 15)
	rec.Truncated = p[2]&2 != 0
	rec.Answers = int(binary.BigEndian.Uint16(p[6:8]))
	if rc := p[3] & 15; rc != 0 && rc != 3 {
		return false
	}
	q.answer, q.server, q.tr, q.pending = p, s, TCP, false
	return true
}

func readFull(c net.Conn, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := c.Read(p[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// muslParse is __dns_parse with lookup_name.c's callback: the answer
// section's A and AAAA records (1.2.4+: only of type only), at most 48, and
// the last valid CNAME target as the canonical name. It stops at the first
// record that does not fit in p (a truncated 1.2.3 answer keeps the
// records before it).
func muslParse(p []byte, only Type, count *int, canon *string, answers *[]Answer) {
	if len(p) < 12 || p[3]&15 != 0 {
		return
	}
	qd := int(p[4])<<8 | int(p[5])
	an := int(p[6])<<8 | int(p[7])
	if only == 0 && qd+an > 64 {
		return
	}
	off := 12
	skipName := func() bool {
		for off < len(p) && p[off]-1 < 127 {
			off++
		}
		return off < len(p)
	}
	for ; qd > 0; qd-- {
		for off < len(p) && p[off]-1 < 127 {
			off++
		}
		if off > len(p)-6 {
			return
		}
		if p[off] != 0 {
			off++
		}
		off += 5
	}
	for ; an > 0; an-- {
		start := off
		if !skipName() || off > len(p)-12 {
			return
		}
		if p[off] != 0 {
			off++
		}
		off++
		rrtype := int(p[off])<<8 | int(p[off+1])
		ttl := binary.BigEndian.Uint32(p[off+4 : off+8])
		rdlen := int(p[off+8])<<8 | int(p[off+9])
		if off+10+rdlen > len(p) {
			return
		}
		data := p[off+10 : off+10+rdlen]
		owner, _, err := dns.UnpackDomainName(p, start)
		if err != nil {
			owner = "?"
		}
		switch Type(rrtype) {
		case TypeCNAME:
			if t, _, err := dns.UnpackDomainName(p, off+10); err == nil {
				if t = strings.TrimSuffix(t, "."); muslValidHostname(t) {
					*canon = t
				}
				*answers = append(*answers, Answer{Name: owner, Type: TypeCNAME, TTL: ttl, Data: t + "."})
			}
		case TypeA, TypeAAAA:
			if *count >= muslMaxAddrs {
				return
			}
			if only != 0 && Type(rrtype) != only {
				break
			}
			if (rrtype == int(TypeA) && rdlen != 4) || (rrtype == int(TypeAAAA) && rdlen != 16) {
				return
			}
			a, _ := netip.AddrFromSlice(data)
			*answers = append(*answers, Answer{Name: owner, Type: Type(rrtype), TTL: ttl, Data: a.String()})
			*count++
		}
		off += 10 + rdlen
	}
}

// muslSort is lookup_name.c's destination address selection: only when
// there are two or more results, at least one IPv6, and the family is not
// AF_INET; a subset of RFC 6724 (rules 1, 2, 5, 6, 8, 9, 10) computed
// with a connected UDP socket per address; ties keep their order.
func muslSort(ans []Answer, fam muslFamily) []Answer {
	var addrs []int
	v6 := false
	for i, a := range ans {
		if ip, ok := a.Addr(); ok {
			addrs = append(addrs, i)
			v6 = v6 || !ip.Is4()
		}
	}
	if len(addrs) < 2 || !v6 || fam == famInet {
		return ans
	}
	type keyed struct {
		a   Answer
		key int
	}
	var ks []keyed
	var others []Answer
	for _, a := range ans {
		ip, ok := a.Addr()
		if !ok {
			others = append(others, a)
			continue
		}
		ks = append(ks, keyed{a, muslSortKey(ip, len(ks))})
	}
	sort.SliceStable(ks, func(i, j int) bool { return ks[i].key > ks[j].key })
	out := others
	for _, k := range ks {
		out = append(out, k.a)
	}
	return out
}

type muslPolicy struct {
	prefix     netip.Prefix
	prec, labl int
}

var muslPolicies = []muslPolicy{
	{netip.MustParsePrefix("::1/128"), 50, 0},
	{netip.MustParsePrefix("::ffff:0:0/96"), 35, 4},
	{netip.MustParsePrefix("2002::/16"), 30, 2},
	{netip.MustParsePrefix("2001::/32"), 5, 5},
	{netip.MustParsePrefix("fc00::/7"), 3, 13},
	{netip.MustParsePrefix("::/0"), 40, 1},
}

func muslPolicyOf(a netip.Addr) muslPolicy {
	for _, p := range muslPolicies {
		if p.prefix.Contains(a) {
			return p
		}
	}
	return muslPolicies[len(muslPolicies)-1]
}

// muslScope is scopeof on the 16 bytes (an IPv4-mapped address is global,
// 127.0.0.1 included, as in musl).
func muslScope(a netip.Addr) int {
	b := a.As16()
	switch {
	case b[0] == 0xff:
		return int(b[1] & 15)
	case b[0] == 0xfe && b[1]&0xc0 == 0x80:
		return 2
	case b == [16]byte{15: 1}:
		return 2
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return 5
	}
	return 14
}

func muslSortKey(ip netip.Addr, order int) int {
	const (
		usable        = 0x40000000
		matchingScope = 0x20000000
		matchingLabel = 0x10000000
	)
	d6 := netip.AddrFrom16(ip.As16()) // ::ffff:a.b.c.d for IPv4
	dp := muslPolicyOf(d6)
	dscope := muslScope(d6)
	key := 0
	network := "udp6"
	if ip.Is4() {
		network = "udp4"
	}
	c, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 65535)))
	prefixlen := 0
	if err == nil {
		key |= usable
		src := c.LocalAddr().(*net.UDPAddr).AddrPort().Addr()
		c.Close()
		s6 := netip.AddrFrom16(src.As16())
		if dscope == muslScope(s6) {
			key |= matchingScope
		}
		if dp.labl == muslPolicyOf(s6).labl {
			key |= matchingLabel
		}
		a, b := s6.As16(), d6.As16()
		for prefixlen < 128 && (a[prefixlen/8]^b[prefixlen/8])&(128>>(prefixlen%8)) == 0 {
			prefixlen++
		}
	}
	key |= dp.prec << 20
	key |= (15 - dscope) << 16
	key |= prefixlen << 8
	key |= (48 - order) << 0
	return key
}
