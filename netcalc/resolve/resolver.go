package resolve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultMaxCNAMEHops is how many CNAME records a chain may have before
// the lookup fails with ErrCNAMELoop (glibc allows about as many).
const DefaultMaxCNAMEHops = 8

// System file paths read by Default.
const (
	SystemResolvConf = "/etc/resolv.conf"
	SystemHosts      = "/etc/hosts"
	SystemNSSwitch   = "/etc/nsswitch.conf"
)

// Resolver looks names up the way the host does. Its configuration is a
// plain struct; the zero Resolver has no hosts file, uses the order files
// then dns, and asks the local machine (see Config). A Resolver is safe
// for concurrent use once configured.
type Resolver struct {
	// Config is the DNS configuration (resolv.conf).
	Config Config
	// Hosts is the hosts file; nil means none.
	Hosts *Hosts
	// Order is the order of sources (nsswitch.conf "hosts:"). Default
	// DefaultOrder(): files, then dns.
	Order []Source
	// MaxCNAMEHops limits CNAME chains. Default DefaultMaxCNAMEHops.
	MaxCNAMEHops int
	// Warnings are remarks from loading the configuration files.
	Warnings []Warning
	// Libc is whose getaddrinfo Lookup reproduces: "" or Glibc (the
	// behaviour described at Lookup), or a musl version (see musl.go and
	// docs/musl.md): Config should then come from ParseMuslResolvConf, and
	// Order is ignored (musl reads the hosts file, then DNS).
	Libc Libc

	ex    exchanger     // nil: miekg/dns
	next  atomic.Uint32 // rotate offset
	conns connPool      // idle UDP sockets to loopback servers
}

// Paths names the configuration files FromFiles reads. An empty path means
// the system file; "-" for Hosts means no hosts file.
type Paths struct {
	ResolvConf string // default SystemResolvConf
	Hosts      string // default SystemHosts
	NSSwitch   string // default SystemNSSwitch
	Env        ConfEnv
	// Libc is whose rules the files are read with and whose getaddrinfo
	// the Resolver reproduces (Resolver.Libc). Default glibc. A musl
	// version reads ResolvConf with ParseMuslResolvConf (Env does not
	// apply) and reads no nsswitch.conf.
	Libc Libc
	// Config, when non-nil, is the DNS configuration to use instead of
	// reading ResolvConf (a resolv.conf made by kubelet for a pod, say).
	Config *Config
	// Order, when non-nil, is the order of sources to use instead of
	// reading NSSwitch.
	Order []Source
	// Required lists the files that must be readable: a missing or
	// unreadable one, or a directory, is a *FileError instead of glibc's
	// fallback for a missing file (the local machine as the server,
	// "hosts: files dns", no hosts file). Default none: name here the
	// files a user gave explicitly.
	Required []FileKind
}

// FileKind names a configuration file by its role.
type FileKind string

// The configuration files FromFiles reads.
const (
	ResolvConfFile FileKind = "resolv.conf"
	HostsFile      FileKind = "hosts"
	NSSwitchFile   FileKind = "nsswitch.conf"
)

// FileError reports a configuration file FromFiles could not open: Kind
// says which, Path is the path given, and Err is the cause without Go's
// "open PATH:" (fs.ErrNotExist matches a missing file, syscall.EISDIR a
// directory).
type FileError struct {
	Kind FileKind
	Path string
	Err  error
}

// Error returns "resolve: KIND PATH: CAUSE".
func (e *FileError) Error() string {
	return "resolve: " + string(e.Kind) + " " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// FromFiles builds a Resolver from configuration files. Missing files
// that f.Required does not list fall back to glibc's defaults with a
// warning (see LoadResolvConf, LoadNSSwitch); a missing hosts file means
// no hosts file. Warnings from the files are in the Resolver's Warnings,
// resolv.conf's first.
func FromFiles(f Paths) (*Resolver, error) {
	r := &Resolver{Libc: f.Libc}
	if f.ResolvConf == "" {
		f.ResolvConf = SystemResolvConf
	}
	if f.NSSwitch == "" {
		f.NSSwitch = SystemNSSwitch
	}
	if f.Hosts == "" {
		f.Hosts = SystemHosts
	}
	var err error
	switch {
	case f.Config != nil:
		r.Config = *f.Config
	case f.Libc.IsMusl():
		r.Config, err = loadFile(f, ResolvConfFile, f.ResolvConf, LoadMuslResolvConf, func(rd io.Reader) (Config, error) {
			return ParseMuslResolvConf(rd, f.ResolvConf)
		})
	default:
		r.Config, err = loadFile(f, ResolvConfFile, f.ResolvConf,
			func(p string) (Config, error) { return LoadResolvConf(p, f.Env) },
			func(rd io.Reader) (Config, error) { return ParseResolvConf(rd, f.ResolvConf, f.Env) })
	}
	if err != nil {
		return nil, err
	}
	r.Warnings = append(r.Warnings, r.Config.Warnings...)
	switch {
	case f.Libc.IsMusl():
		// musl reads no nsswitch.conf: hosts file, then DNS.
	case f.Order != nil:
		r.Order = f.Order
	default:
		type order struct {
			o []Source
			w []Warning
		}
		o, err := loadFile(f, NSSwitchFile, f.NSSwitch,
			func(p string) (order, error) { o, w, err := LoadNSSwitch(p); return order{o, w}, err },
			func(rd io.Reader) (order, error) { o, w, err := ParseNSSwitch(rd, f.NSSwitch); return order{o, w}, err })
		if err != nil {
			return nil, err
		}
		r.Order = o.o
		r.Warnings = append(r.Warnings, o.w...)
	}
	if f.Hosts != "-" {
		h, err := loadFile(f, HostsFile, f.Hosts, LoadHosts, func(rd io.Reader) (*Hosts, error) { return ParseHosts(rd, f.Hosts) })
		if err != nil && (slices.Contains(f.Required, HostsFile) || !errors.Is(err, fs.ErrNotExist)) {
			return nil, err
		}
		r.Hosts = h
	}
	return r, nil
}

// loadFile reads the file of kind at path: with load when f does not
// require it, else with parse after opening it, a failure to open being a
// *FileError.
func loadFile[T any](f Paths, kind FileKind, path string, load func(string) (T, error), parse func(io.Reader) (T, error)) (T, error) {
	if !slices.Contains(f.Required, kind) {
		return load(path)
	}
	var zero T
	fd, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // "no such file or directory", without "open PATH:"
		}
		return zero, &FileError{Kind: kind, Path: path, Err: err}
	}
	defer fd.Close()
	if st, err := fd.Stat(); err == nil && st.IsDir() {
		return zero, &FileError{Kind: kind, Path: path, Err: syscall.EISDIR}
	}
	return parse(fd)
}

// Default returns the host's own resolver: /etc/resolv.conf, /etc/hosts
// and /etc/nsswitch.conf, with LOCALDOMAIN, RES_OPTIONS and the host name
// from the process.
func Default() (*Resolver, error) {
	return FromFiles(Paths{Env: HostConfEnv()})
}

func (r *Resolver) order() []Source {
	if len(r.Order) == 0 {
		return DefaultOrder()
	}
	return r.Order
}

func (r *Resolver) exchanger() exchanger {
	if r.ex == nil {
		return miekgExchanger{pool: &r.conns}
	}
	return r.ex
}

// CloseIdle closes the UDP sockets the Resolver keeps open between queries
// to loopback servers (see Lookup) and returns how many it closed. The
// Resolver stays usable; a later query opens a new socket.
func (r *Resolver) CloseIdle() int { return r.conns.closeIdle() }

func (r *Resolver) maxHops() int {
	if r.MaxCNAMEHops <= 0 {
		return DefaultMaxCNAMEHops
	}
	return r.MaxCNAMEHops
}

// Lookup resolves name and records how. With no types it asks for A and
// AAAA, as getaddrinfo(AF_UNSPEC) does.
//
// An IP address as name is a reverse lookup: the hosts file, then PTR at
// in-addr.arpa or ip6.arpa (no search list). Otherwise the sources are
// tried in r.Order:
//   - files: only when every type is A or AAAA; the name is matched
//     case-insensitively and literally (no search list). A rooted name
//     ("web.example.test.") skips the hosts file, as glibc does, because a
//     trailing dot means "ask DNS for exactly this name" (Go's resolver
//     differs). Any entry with an address of a requested type ends the
//     lookup for every type (getent ahosts semantics).
//   - dns: each candidate of Config.NameList in turn; the types are asked
//     in parallel (one after the other with Config.SingleRequest); the
//     first candidate with any answer wins. NXDOMAIN is final for that
//     candidate; NODATA moves on too. Per query, timeouts, SERVFAIL,
//     REFUSED, lame and mismatched replies move to the next server, for
//     Config.Attempts rounds; a truncated UDP answer is retried once over
//     TCP. CNAME chains are followed (the chain is part of the answers) up
//     to MaxCNAMEHops. TypeANY keeps every record the server returned,
//     whatever its type, including an RFC 8482 minimal answer (a single
//     HINFO record), and follows no CNAME. ".onion" names are never sent to DNS (RFC 7686);
//     "host.local" names (multicast DNS, RFC 6762) are sent with a warning
//     in Result.Warnings; longer ".local" names, such as Kubernetes'
//     "svc.cluster.local", are sent without one.
//
// Each query waits exactly Config.Timeout for its reply (the whole budget
// of dial, send and receive; miekg/dns's own 2 s default does not apply);
// ctx's deadline, when earlier, wins, and cancelling ctx stops the lookup
// at once. Every query has a
// random ID; over UDP to a non-loopback server each has a fresh socket with
// a random source port (RFC 5452). UDP sockets to loopback servers are kept
// and reused after a clean exchange, because forged replies cannot reach
// them (see CloseIdle).
//
// Lookup always returns a Result with the queries sent (its lists empty,
// not nil, and its Error set to the error's message). The error is a
// *NameError for a name that cannot be looked up, a *LookupError (wrapping
// ErrNotFound, ErrNoData, ErrServerFailure or ErrCNAMELoop) when nothing
// answered, or ctx's error. When several candidates fail differently, the
// error follows glibc: NODATA over server failure over NXDOMAIN.
func (r *Resolver) Lookup(ctx context.Context, name string, types ...Type) (*Result, error) {
	return r.lookupVia(ctx, name, types, r.exchanger())
}

// lookupVia is Lookup with the exchanges made by x.
func (r *Resolver) lookupVia(ctx context.Context, name string, types []Type, x exchanger) (*Result, error) {
	res, err := r.lookup(ctx, name, types, x)
	if err != nil {
		res.Error = strings.TrimPrefix(err.Error(), "resolve: ")
	}
	// Empty lists, not nil: JSON shows [] rather than null.
	res.Types = nonNil(res.Types)
	res.Candidates = nonNil(res.Candidates)
	res.Answers = nonNil(res.Answers)
	res.Queries = nonNil(res.Queries)
	return res, err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (r *Resolver) lookup(ctx context.Context, name string, types []Type, x exchanger) (*Result, error) {
	if r.Libc.IsMusl() {
		return r.muslLookup(ctx, name, types)
	}
	res := &Result{Query: name}
	if addr, err := parseAddr(name); err == nil {
		return res, r.reverse(ctx, res, addr, x)
	}
	if len(types) == 0 {
		types = []Type{TypeA, TypeAAAA}
	}
	res.Types = types
	for _, t := range types {
		if t == 0 {
			return res, &NameError{Name: name, Msg: "record type 0 is not a valid type", Err: ErrBadType}
		}
	}
	ascii, err := ToASCII(name)
	if err != nil {
		return res, err
	}
	rooted := strings.HasSuffix(ascii, ".")
	addrOnly := true
	for _, t := range types {
		addrOnly = addrOnly && t.IsAddress()
	}
	var lastErr error
	for _, src := range r.order() {
		switch src {
		case Files:
			if !addrOnly || rooted {
				continue
			}
			if r.fromHosts(res, name, ascii, types) {
				return res, nil
			}
		case DNS:
			if err := notDNS(name, ascii); err != nil {
				lastErr = err
				continue
			}
			if l := strings.TrimSuffix(strings.ToLower(ascii), "."); l == "local" || (strings.HasSuffix(l, ".local") && strings.Count(l, ".") == 1) {
				res.Warnings = append(res.Warnings, Warning{Msg: fmt.Sprintf("%s: .local is reserved for multicast DNS (RFC 6762); asking unicast DNS anyway, as glibc does without nss-mdns (Kubernetes' cluster.local relies on it)", quoteName(name))})
			}
			err := r.search(ctx, res, ascii, types, x)
			if err == nil {
				return res, nil
			}
			if ctx.Err() != nil {
				return res, err
			}
			lastErr = err
		}
	}
	if lastErr == nil {
		lastErr = ErrNotFound
	}
	var ne *NameError
	if errors.As(lastErr, &ne) {
		return res, lastErr
	}
	return res, &LookupError{Name: name, Err: lastErr}
}

// errNotAddr is parseAddr's error for a name that cannot be an address.
var errNotAddr = errors.New("not an IP address")

// parseAddr is netip.ParseAddr without the cost of its error (an
// allocation per name of a batch) for names that cannot be addresses:
// those without a colon (IPv6) and with a byte other than a digit or a
// dot (IPv4).
func parseAddr(s string) (netip.Addr, error) {
	if strings.IndexByte(s, ':') < 0 && strings.TrimLeft(s, "0123456789.") != "" {
		return netip.Addr{}, errNotAddr
	}
	return netip.ParseAddr(s)
}

// notDNS returns a *NameError for names that must not go to unicast DNS.
func notDNS(name, ascii string) error {
	l := strings.TrimSuffix(strings.ToLower(ascii), ".")
	switch {
	case l == "onion" || strings.HasSuffix(l, ".onion"):
		return &NameError{Name: name, Msg: ".onion names are never resolved through DNS (RFC 7686)", Err: ErrNotDNS}
	}
	return nil
}

// fromHosts fills res from the hosts file and reports whether it knew the
// name.
func (r *Resolver) fromHosts(res *Result, name, ascii string, types []Type) bool {
	entries := r.Hosts.Lookup(name)
	if len(entries) == 0 && ascii != name {
		entries = r.Hosts.Lookup(ascii)
	}
	var answers []Answer
	var lines []int
	canon := ""
	for _, e := range entries {
		t := TypeAAAA
		if e.Addr.Is4() {
			t = TypeA
		}
		if !hasType(types, t) {
			continue
		}
		if canon == "" {
			canon = e.Names[0]
		}
		lines = append(lines, e.Line)
		answers = append(answers, Answer{Name: e.Names[0], Type: t, Data: e.Addr.String()})
	}
	if len(answers) == 0 {
		return false
	}
	res.Source, res.HostsFile, res.HostsLines = Files, r.Hosts.File, lines
	res.CanonicalName, res.Answers = canon, answers
	return true
}

func hasType(ts []Type, t Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// reverse looks an address up: hosts file, then PTR.
func (r *Resolver) reverse(ctx context.Context, res *Result, addr netip.Addr, x exchanger) error {
	res.Types = []Type{TypePTR}
	arpa := ReverseName(addr)
	var lastErr error
	for _, src := range r.order() {
		switch src {
		case Files:
			entries := r.Hosts.LookupAddr(addr)
			if len(entries) == 0 {
				continue
			}
			res.Source, res.HostsFile = Files, r.Hosts.File
			res.CanonicalName = entries[0].Names[0]
			for _, e := range entries {
				res.HostsLines = append(res.HostsLines, e.Line)
				for _, n := range e.Names {
					res.Answers = append(res.Answers, Answer{Name: arpa, Type: TypePTR, Data: n})
				}
			}
			return nil
		case DNS:
			res.Candidates = []string{arpa}
			out := r.queryType(ctx, arpa, TypePTR, x)
			res.Queries = append(res.Queries, out.queries...)
			if len(out.answers) > 0 {
				res.setDNS(arpa, 1, out)
				res.Answers = out.answers
				return nil
			}
			lastErr = out.failure()
			if ctx.Err() != nil {
				return lastErr
			}
		}
	}
	if lastErr == nil {
		lastErr = ErrNotFound
	}
	return &LookupError{Name: res.Query, Err: lastErr}
}

// ReverseName returns the PTR name of addr: "d.c.b.a.in-addr.arpa." for
// IPv4 (RFC 1035 §3.5) and 32 nibbles under "ip6.arpa." for IPv6 (RFC 3596
// §2.5). A 4-in-6 address is reversed as IPv6; the zone is ignored.
func ReverseName(addr netip.Addr) string {
	var b strings.Builder
	if addr.Is4() {
		a := addr.As4()
		fmt.Fprintf(&b, "%d.%d.%d.%d.in-addr.arpa.", a[3], a[2], a[1], a[0])
		return b.String()
	}
	a := addr.As16()
	const hex = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b.WriteByte(hex[a[i]&15])
		b.WriteByte('.')
		b.WriteByte(hex[a[i]>>4])
		b.WriteByte('.')
	}
	b.WriteString("ip6.arpa.")
	return b.String()
}

// outcome is what asking one candidate for one type came to.
type outcome struct {
	answers   []Answer
	canonical string
	queries   []Query
	server    netip.AddrPort
	transport Transport
	nxdomain  bool
	nodata    bool
	err       error // server failure, CNAME loop or ctx error
}

func (o outcome) failure() error {
	switch {
	case o.err != nil:
		return o.err
	case o.nodata:
		return ErrNoData
	}
	return ErrNotFound
}

func (res *Result) setDNS(cand string, idx int, o outcome) {
	res.Source, res.Name, res.Candidate = DNS, cand, idx
	res.Server, res.Transport, res.CanonicalName = o.server, o.transport, o.canonical
}

// search walks the candidate names.
func (r *Resolver) search(ctx context.Context, res *Result, ascii string, types []Type, x exchanger) error {
	cands := r.Config.NameList(ascii)
	res.Candidates = cands
	if len(cands) == 0 {
		return &NameError{Name: res.Query, Msg: "every candidate name is longer than 253 characters", Err: ErrBadName}
	}
	var nodata, failed error
	var one [1]outcome // outs of one type, without an allocation
	for i, cand := range cands {
		var outs []outcome
		switch {
		case len(types) == 1:
			one[0] = r.queryType(ctx, cand, types[0], x)
			outs = one[:]
		case r.Config.SingleRequest:
			outs = make([]outcome, len(types))
			for j, t := range types {
				outs[j] = r.queryType(ctx, cand, t, x)
			}
		default:
			outs = r.queryParallel(ctx, cand, types)
		}
		var answered *outcome
		for j := range outs {
			o := &outs[j]
			res.Queries = appendQueries(res.Queries, o.queries)
			if len(o.answers) > 0 && answered == nil {
				answered = o
			}
		}
		if answered != nil {
			res.setDNS(cand, i+1, *answered)
			res.Answers = appendNew(res.Answers, outs)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, o := range outs {
			switch {
			case o.err != nil:
				failed = o.err
			case o.nodata:
				nodata = ErrNoData
			}
		}
	}
	switch {
	case nodata != nil:
		return nodata
	case failed != nil:
		return failed
	}
	return ErrNotFound
}

// queryParallel asks for each type of name in a goroutine of its own,
// with the exchanger every goroutine may use (a batch's event loop serves
// only the lookup's own coroutine, and LookupAll does not give it to
// lookups that come here).
func (r *Resolver) queryParallel(ctx context.Context, name string, types []Type) []outcome {
	outs := make([]outcome, len(types))
	x := r.exchanger()
	var wg sync.WaitGroup
	for j, t := range types {
		wg.Go(func() { outs[j] = r.queryType(ctx, name, t, x) })
	}
	wg.Wait()
	return outs
}

// appendQueries is append(dst, qs...) that takes qs itself when dst is
// empty (the usual case: one type, one candidate, one chain step), saving
// a copy per lookup. qs must not be used afterwards.
func appendQueries(dst, qs []Query) []Query {
	if len(dst) == 0 {
		return qs
	}
	return append(dst, qs...)
}

// appendNew appends the answers of outs to dst, each once, in order. It
// may return the answers of outs itself.
func appendNew(dst []Answer, outs []outcome) []Answer {
	n := 0
	for _, o := range outs {
		n += len(o.answers)
	}
	if len(dst) == 0 && len(outs) == 1 && n <= 16 && !hasDuplicate(outs[0].answers) {
		return outs[0].answers // the usual case: one type, no duplicate
	}
	var seen map[Answer]bool
	if n > 16 {
		seen = make(map[Answer]bool, n) // else a scan of dst is cheaper
	}
	for _, o := range outs {
		for _, a := range o.answers {
			switch {
			case seen == nil && slices.Contains(dst, a):
			case seen != nil && seen[a]:
			default:
				if seen != nil {
					seen[a] = true
				}
				dst = append(dst, a)
			}
		}
	}
	return dst
}

// hasDuplicate reports whether an answer appears twice in as.
func hasDuplicate(as []Answer) bool {
	for i := range as {
		if slices.Contains(as[i+1:], as[i]) {
			return true
		}
	}
	return false
}

// queryType asks for one type of one name, following CNAMEs.
func (r *Resolver) queryType(ctx context.Context, name string, t Type, x exchanger) outcome {
	var o outcome
	target := name
	var seen map[string]bool // names of the chain, lower case; made for a second hop
	hops := 0
	for {
		rep, srv, tr, qs, err := r.tryServers(ctx, target, t, x)
		o.queries = appendQueries(o.queries, qs)
		if err != nil {
			o.err = err
			return o
		}
		if !o.server.IsValid() {
			o.server, o.transport = srv, tr
		}
		if rep.Rcode == RcodeNXDomain {
			o.nxdomain = true
			if hops > 0 {
				o.answers = nil // a dangling chain answers nothing
			}
			return o
		}
		if t == TypeANY {
			// ANY asks for whatever the server holds for the name: every
			// record of the reply is the answer, whatever its type, a CNAME
			// is not followed (it is one of the records), and a minimal
			// RFC 8482 answer (one HINFO "RFC8482") counts as an answer.
			o.answers = append(o.answers, rep.Answers...)
			o.canonical = target
			o.nodata = len(rep.Answers) == 0
			return o
		}
		// Walk the chain inside this answer.
		cur := target
		var final []Answer
		if answersOnly(rep.Answers, cur, t) {
			// The usual answer: every record of the type, for the name
			// asked. The walk below would copy them all; take them.
			final = rep.Answers
		}
		for len(final) == 0 {
			var next string
			for _, a := range rep.Answers {
				if !strings.EqualFold(a.Name, cur) {
					continue
				}
				switch {
				case a.Type == t:
					final = append(final, a)
				case a.Type == TypeCNAME && next == "":
					next = a.Data
					o.answers = append(o.answers, a)
				}
			}
			if len(final) > 0 || next == "" || t == TypeCNAME {
				break
			}
			hops++
			if seen == nil {
				seen = map[string]bool{strings.ToLower(name): true}
			}
			k := strings.ToLower(next)
			if seen[k] || hops > r.maxHops() {
				o.err = fmt.Errorf("%w (at %s)", ErrCNAMELoop, next)
				o.answers = nil
				return o
			}
			seen[k] = true
			cur = next
		}
		if len(final) > 0 {
			if len(o.answers) == 0 {
				o.answers = final // no copy: final is this call's own
			} else {
				o.answers = append(o.answers, final...)
			}
			o.canonical = cur
			if t == TypeCNAME {
				o.canonical = final[len(final)-1].Data
			}
			return o
		}
		if cur == target || t == TypeCNAME {
			// Nothing of the type and no chain to follow.
			if len(o.answers) > 0 && t == TypeCNAME {
				o.canonical = o.answers[len(o.answers)-1].Data
				return o
			}
			o.nodata = true
			if hops > 0 {
				o.answers = nil
			}
			return o
		}
		// The chain leaves this answer: ask for its end.
		target = cur
	}
}

// answersOnly reports whether as is not empty and every answer in it is
// of type t for name.
func answersOnly(as []Answer, name string, t Type) bool {
	for _, a := range as {
		if a.Type != t || !strings.EqualFold(a.Name, name) {
			return false
		}
	}
	return len(as) > 0
}

// tryServers asks each server in turn, Config.Attempts times over, until
// one gives a usable reply (an answer, NODATA or NXDOMAIN).
func (r *Resolver) tryServers(ctx context.Context, name string, t Type, x exchanger) (wireReply, netip.AddrPort, Transport, []Query, error) {
	servers := r.Config.servers()
	off := 0
	if r.Config.Rotate && len(servers) > 1 {
		off = int(r.next.Add(1)-1) % len(servers)
	}
	tr := UDP
	if r.Config.UseTCP {
		tr = TCP
	}
	var queries []Query
	var lastErr error
	for a := 0; a < r.Config.attempts(); a++ {
		for i := range servers {
			s := servers[(off+i)%len(servers)]
			if err := ctx.Err(); err != nil {
				return wireReply{}, s, tr, queries, err
			}
			rep, q, err := r.exchangeOne(ctx, name, t, s, tr, x)
			queries = append(queries, q)
			used := tr
			if err == nil && rep.TC && tr == UDP {
				used = TCP
				rep, q, err = r.exchangeOne(ctx, name, t, s, TCP, x)
				queries = append(queries, q)
				if err == nil && rep.TC {
					err = ErrTruncated
				}
			}
			if err != nil {
				if cerr := ctx.Err(); cerr != nil {
					return wireReply{}, s, used, queries, cerr
				}
				lastErr = fmt.Errorf("%s: %w", s, err)
				continue
			}
			switch {
			case rep.Rcode == RcodeNXDomain:
				return rep, s, used, queries, nil
			case rep.Rcode == RcodeSuccess && (len(rep.Answers) > 0 || rep.AA || rep.RA):
				return rep, s, used, queries, nil
			case rep.Rcode == RcodeSuccess:
				lastErr = fmt.Errorf("%s: lame reply (not authoritative, no recursion, no answer)", s)
			default:
				lastErr = fmt.Errorf("%s: %s", s, rep.Rcode)
			}
		}
	}
	return wireReply{}, netip.AddrPort{}, tr, queries, fmt.Errorf("%w (last: %w)", ErrServerFailure, lastErr)
}

// exchangeOne sends one query with x and records it.
func (r *Resolver) exchangeOne(ctx context.Context, name string, t Type, s netip.AddrPort, tr Transport, x exchanger) (wireReply, Query, error) {
	// The per-query timeout is a deadline, not a context per query (whose
	// registration with ctx cost 5% of a batch's CPU); ctx's deadline wins
	// when it is earlier, and cancelling ctx still ends the exchange.
	start := time.Now()
	deadline := start.Add(r.Config.timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	rep, err := x.exchange(ctx, wireQuery{Name: name, Type: t, AD: r.Config.TrustAD, Deadline: deadline}, s, tr)
	q := Query{Name: name, Type: t, Server: s, Transport: tr, RTT: rep.RTT, Err: err}
	if q.RTT == 0 {
		q.RTT = time.Since(start)
	}
	if err == nil {
		q.Rcode, q.Answers, q.Truncated = rep.Rcode, len(rep.Answers), rep.TC
		q.Authoritative, q.RecursionAvailable = rep.AA, rep.RA
	}
	return rep, q, err
}
