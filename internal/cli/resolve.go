package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

func init() { register(func(env *Env) *cobra.Command { return newResolveCmd(env, nil) }) }

type resolveOptions struct {
	Names       []string
	Types       []string
	Servers     []string
	Hosts       string
	ResolvConf  string
	NSSwitch    string
	Search      []string
	Ndots       int
	NoSearch    bool
	NoHosts     bool
	TCP         bool
	Timeout     time.Duration
	Attempts    int
	Short       bool
	Explain     bool
	File        string
	Concurrency int

	// set reports whether a flag was given on the command line.
	set func(name string) bool
}

func newResolveCmd(env *Env, runF func(*resolveOptions) error) *cobra.Command {
	opts := &resolveOptions{}
	cmd := &cobra.Command{
		Use:   "resolve NAME... [-t TYPE]... | --file FILE",
		Short: "Resolve names the way this host does (hosts file, search list, DNS) and show every step",
		Long: `Resolve each NAME the way the host's own resolver does, for real, and show
where the answer came from and every query it took.

Order: the "hosts:" line of nsswitch.conf (files and dns, in either order;
other sources are named in a warning). The hosts file is matched
case-insensitively, aliases included, with no search list; a hit ends the
lookup for both address families. A name with a trailing dot is "rooted": it
skips the hosts file (as glibc does) and the search list.

DNS follows resolv.conf with glibc's rules: names with at least ndots dots
are tried as-is first, others after the search domains; NXDOMAIN and NODATA
move on to the next candidate; timeouts, SERVFAIL, REFUSED and lame answers
move on to the next server, attempts x servers times. Queries carry EDNS0
(1232 bytes); a truncated UDP answer is retried over TCP; replies must match
the query's ID and question; IDN names go out as A-labels; CNAME chains are
followed and shown. An IP address as NAME is a reverse lookup (hosts file,
then PTR).

Without -t, A and AAAA are asked (the hosts file answers only these). The
defaults read the host's own /etc/nsswitch.conf, /etc/hosts and
/etc/resolv.conf (with LOCALDOMAIN and RES_OPTIONS); the flags override them.

Exit status: 0 when every name resolved, 1 when any did not (NXDOMAIN,
NODATA, timeout), 2 on bad usage or an invalid name.`,
		Example: `  netcalc resolve localhost
  netcalc resolve kubernetes.default --explain
  netcalc resolve example.test -t MX -t TXT --server 127.0.0.1:5353
  netcalc resolve 2001:db8::10 --short
  netcalc resolve api.corp.test --resolv-conf pod-resolv.conf --no-hosts -o json
  netcalc resolve --file names.txt --concurrency 64 --short`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			opts.set = cmd.Flags().Changed
			if runF != nil {
				return runF(opts)
			}
			return resolveRun(cmd.Context(), env, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.Types, "type", "t", nil, "record type to ask for: A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, PTR, CAA or any type name (repeatable; default A and AAAA)")
	f.StringArrayVar(&opts.Servers, "server", nil, "DNS server IP[:PORT] to ask instead of resolv.conf's (repeatable; [v6]:PORT)")
	f.StringVar(&opts.Hosts, "hosts", resolve.SystemHosts, "hosts file")
	f.StringVar(&opts.ResolvConf, "resolv-conf", resolve.SystemResolvConf, "resolv.conf file")
	f.StringVar(&opts.NSSwitch, "nsswitch", resolve.SystemNSSwitch, "nsswitch.conf file (its hosts: line gives the order)")
	f.StringArrayVar(&opts.Search, "search", nil, "search domain instead of resolv.conf's (repeatable)")
	f.IntVar(&opts.Ndots, "ndots", resolve.DefaultNdots, "dots from which a name is tried as-is first (0-15; default from resolv.conf)")
	f.BoolVar(&opts.NoSearch, "no-search", false, "query each name as given only, without the search list")
	f.BoolVar(&opts.NoHosts, "no-hosts", false, "do not read the hosts file")
	f.BoolVar(&opts.TCP, "tcp", false, "send queries over TCP (resolv.conf use-vc)")
	f.DurationVar(&opts.Timeout, "timeout", resolve.DefaultTimeout, "time per query per server, 1ms-30s (default from resolv.conf)")
	f.IntVar(&opts.Attempts, "attempts", resolve.DefaultAttempts, "rounds over the server list, 1-5 (default from resolv.conf)")
	f.BoolVar(&opts.Short, "short", false, "print only the answers' data, one per line")
	f.BoolVar(&opts.Explain, "explain", false, "also list every query sent: candidate name, type, server, transport, rcode, answers, RTT")
	f.StringVar(&opts.File, "file", "", `read names from FILE, one per line ("-" for standard input); answers keep the input order`)
	f.IntVar(&opts.Concurrency, "concurrency", 32, "names looked up at the same time (1-1024); each sends one query per type at once, and a local dnsmasq with the default 208 KiB socket buffer drops queries beyond about 200 in flight")
	return cmd
}

// resolveRun resolves every name and prints the results in input order.
func resolveRun(ctx context.Context, env *Env, opts *resolveOptions) error {
	if len(opts.Names) == 0 && opts.File == "" {
		return BadInputf("no name: give NAME... or --file FILE (one name per line, - for standard input)")
	}
	if opts.Concurrency < 1 || opts.Concurrency > 1024 {
		return BadInputf("--concurrency: %d is out of range, want 1-1024", opts.Concurrency)
	}
	types, err := resolveTypes(opts.Types)
	if err != nil {
		return err
	}
	r, err := newCLIResolver(env, opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, w := range r.Warnings {
		env.Warnf("%s", w)
	}

	jobs := make(chan resolveJob)
	var readErr error
	go func() {
		defer close(jobs)
		for _, n := range opts.Names {
			select {
			case jobs <- resolveJob{in: Input{Text: n}}:
			case <-ctx.Done():
				return
			}
		}
		if opts.File == "" {
			return
		}
		var rd io.Reader = env.Stdin
		source := "stdin"
		if opts.File != "-" {
			fh, err := os.Open(opts.File)
			if err != nil {
				readErr = BadInputf("--file: %v", err)
				return
			}
			defer fh.Close()
			rd, source = fh, opts.File
		}
		readErr = EachLine(rd, source, true, func(in Input) error {
			select {
			case jobs <- resolveJob{in: in}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	// Concurrency workers look names up; the results are printed in input
	// order through the ordered channel, which also bounds the memory.
	work := make(chan *resolveJob)
	ordered := make(chan *resolveJob, opts.Concurrency)
	go func() {
		defer close(work)
		defer close(ordered)
		for j := range jobs {
			j.done = make(chan struct{})
			ordered <- &j
			work <- &j
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < opts.Concurrency; i++ {
		wg.Go(func() {
			for j := range work {
				j.res, j.err = r.Lookup(ctx, j.in.Text, types...)
				j.out = formatResolve(env, opts, j.in, j.res, j.err)
				close(j.done)
			}
		})
	}

	prog := newProgress(env, opts.File != "")
	wrote := false
	var writeErr error
	for j := range ordered {
		<-j.done
		if writeErr != nil {
			continue // output is gone (netcalc resolve --file big | head): drain
		}
		if len(j.out) > 0 {
			if wrote && !env.JSON() && !opts.Short {
				io.WriteString(env.Out, "\n")
			}
			if _, err := env.Out.Write(j.out); err != nil {
				writeErr = err
				cancel() // stop looking names up
				continue
			}
			wrote = true
		}
		for _, w := range j.res.Warnings {
			env.Warnf("%s", w)
		}
		if j.err != nil {
			env.Report(resolveExit(j.in, j.err))
		}
		prog.tick()
	}
	wg.Wait()
	prog.done()
	if writeErr != nil {
		if errors.Is(writeErr, syscall.EPIPE) {
			return env.Finish()
		}
		return Failed(writeErr)
	}
	if readErr != nil {
		return readErr
	}
	if err := ctx.Err(); err != nil {
		return Failed(err)
	}
	return env.Finish()
}

type resolveJob struct {
	in   Input
	res  *resolve.Result
	err  error
	out  []byte
	done chan struct{}
}

// resolveExit maps a lookup error to its exit status: an invalid name is
// bad input (2), anything else a failed lookup (1).
func resolveExit(in Input, err error) error {
	var ne *resolve.NameError
	if errors.As(err, &ne) && !errors.Is(err, resolve.ErrNotDNS) {
		return BadInputf("%s%v", in.Where(), err)
	}
	return Failedf("%s%v", in.Where(), err)
}

func resolveTypes(names []string) ([]resolve.Type, error) {
	var out []resolve.Type
	for _, n := range names {
		for _, p := range strings.Split(n, ",") {
			t, err := resolve.ParseType(p)
			if err != nil {
				return nil, BadInputf("-t/--type: %q is not a DNS record type, want A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, PTR, CAA or another type name", p)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// newCLIResolver builds the resolver from the files and flags.
func newCLIResolver(env *Env, opts *resolveOptions) (*resolve.Resolver, error) {
	set := opts.set
	if set == nil {
		set = func(string) bool { return false }
	}
	// Check every flag before reading any file.
	var servers []netip.AddrPort
	for _, sv := range opts.Servers {
		ap, err := parseServer(sv)
		if err != nil {
			return nil, err
		}
		servers = append(servers, ap)
	}
	var search []string
	for _, d := range opts.Search {
		d = strings.TrimSuffix(d, ".")
		if _, err := resolve.ToASCII(d); err != nil || d == "" {
			return nil, BadInputf("--search: %q is not a domain name", d)
		}
		search = append(search, d)
	}
	if set("ndots") && (opts.Ndots < 0 || opts.Ndots > resolve.MaxNdots) {
		return nil, BadInputf("--ndots: %d is out of range, want 0-%d", opts.Ndots, resolve.MaxNdots)
	}
	if set("timeout") && (opts.Timeout < time.Millisecond || opts.Timeout > resolve.MaxTimeout) {
		return nil, BadInputf("--timeout: %v is out of range, want 1ms-30s", opts.Timeout)
	}
	if set("attempts") && (opts.Attempts < 1 || opts.Attempts > resolve.MaxAttempts) {
		return nil, BadInputf("--attempts: %d is out of range, want 1-%d", opts.Attempts, resolve.MaxAttempts)
	}

	r := &resolve.Resolver{}
	hostname, _ := os.Hostname()
	confEnv := resolve.ConfEnv{Getenv: env.Getenv, Hostname: hostname}
	var err error
	if set("resolv-conf") {
		r.Config, err = loadExplicit(opts.ResolvConf, "--resolv-conf", func(f *os.File) (resolve.Config, error) {
			return resolve.ParseResolvConf(f, opts.ResolvConf, confEnv)
		})
	} else {
		r.Config, err = resolve.LoadResolvConf(opts.ResolvConf, confEnv)
	}
	if err != nil {
		return nil, err
	}
	r.Warnings = append(r.Warnings, r.Config.Warnings...)

	if set("nsswitch") {
		type ord struct {
			o []resolve.Source
			w []resolve.Warning
		}
		o, err := loadExplicit(opts.NSSwitch, "--nsswitch", func(f *os.File) (ord, error) {
			o, w, err := resolve.ParseNSSwitch(f, opts.NSSwitch)
			return ord{o, w}, err
		})
		if err != nil {
			return nil, err
		}
		r.Order = o.o
		r.Warnings = append(r.Warnings, o.w...)
	} else {
		o, w, err := resolve.LoadNSSwitch(opts.NSSwitch)
		if err != nil {
			return nil, Failed(err)
		}
		r.Order = o
		r.Warnings = append(r.Warnings, w...)
	}

	switch {
	case opts.NoHosts:
	case set("hosts"):
		r.Hosts, err = loadExplicit(opts.Hosts, "--hosts", func(f *os.File) (*resolve.Hosts, error) {
			return resolve.ParseHosts(f, opts.Hosts)
		})
		if err != nil {
			return nil, err
		}
	default:
		r.Hosts, err = resolve.LoadHosts(opts.Hosts)
		if err != nil {
			r.Hosts = nil // no hosts file: nothing to match
		}
	}

	if len(servers) > 0 {
		r.Config.Servers = servers
	}
	if set("search") {
		r.Config.Search = search
	}
	if opts.NoSearch {
		r.Config.Search = nil
	}
	if set("ndots") {
		r.Config.Ndots = opts.Ndots
	}
	if set("timeout") {
		r.Config.Timeout = opts.Timeout
	}
	if set("attempts") {
		r.Config.Attempts = opts.Attempts
	}
	if opts.TCP {
		r.Config.UseTCP = true
	}
	return r, nil
}

// loadExplicit opens a file named by a flag: a missing or unreadable file
// is bad input.
func loadExplicit[T any](path, flag string, parse func(*os.File) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, BadInputf("%s: %v", flag, err)
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, Failed(err)
	}
	return v, nil
}

// parseServer reads IP, IP:PORT or [IPv6]:PORT; the port defaults to 53.
func parseServer(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return netip.AddrPort{}, BadInputf("--server: %q: port 0 is not a DNS port, want 1-65535", s)
		}
		return ap, nil
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return netip.AddrPortFrom(a, 53), nil
	}
	return netip.AddrPort{}, BadInputf("--server: %q is not an IP address, want IP, IP:PORT or [IPv6]:PORT (a name cannot be resolved before the resolver exists)", s)
}

// formatResolve renders one lookup. Errors are not printed here; the
// caller reports them on standard error.
func formatResolve(env *Env, opts *resolveOptions, in Input, res *resolve.Result, err error) []byte {
	var b bytes.Buffer
	if env.JSON() {
		WriteJSON(&b, resolveJSONFrom(res, err))
		return b.Bytes()
	}
	if opts.Short {
		for _, a := range res.Answers {
			b.WriteString(a.Data)
			b.WriteByte('\n')
		}
		return b.Bytes()
	}
	var ne *resolve.NameError
	if errors.As(err, &ne) {
		return nil // nothing was asked
	}
	sub := *env
	sub.Out = nopFlusher{&b}
	if err == nil {
		t := sub.NewTable()
		t.Row(env.Paint(Bold, "NAME"), env.Paint(Bold, "TYPE"), env.Paint(Bold, "TTL"), env.Paint(Bold, "DATA"))
		for _, a := range res.Answers {
			t.Row(a.Name, a.Type.String(), strconv.FormatUint(uint64(a.TTL), 10), a.Data)
		}
		t.Flush()
		b.WriteString("; " + resolveSource(res) + "\n")
		if res.CanonicalName != "" && !strings.EqualFold(strings.TrimSuffix(res.CanonicalName, "."), strings.TrimSuffix(res.Name, ".")) && res.Source == resolve.DNS {
			b.WriteString("; canonical name " + res.CanonicalName + "\n")
		}
	} else {
		b.WriteString("; " + env.Paint(Red, "no answer for "+res.Query) + ": " + resolveReason(err) + "\n")
	}
	if (opts.Explain || err != nil) && len(res.Candidates) > 0 {
		b.WriteString("; candidate names: " + strings.Join(res.Candidates, " ") + "\n")
	}
	if (opts.Explain || err != nil) && len(res.Queries) > 0 {
		t := sub.NewTable()
		t.Row(env.Paint(Bold, "QUERY"), env.Paint(Bold, "TYPE"), env.Paint(Bold, "SERVER"), env.Paint(Bold, "TRANSPORT"), env.Paint(Bold, "RCODE"), env.Paint(Bold, "ANSWERS"), env.Paint(Bold, "RTT"))
		for _, q := range res.Queries {
			t.Row(q.Name, q.Type.String(), q.Server.String(), strings.ToUpper(string(q.Transport)), q.Outcome(), strconv.Itoa(q.Answers), formatRTT(q.RTT))
		}
		t.Flush()
	}
	return b.Bytes()
}

// resolveSource says where the answer came from.
func resolveSource(res *resolve.Result) string {
	if res.Source == resolve.Files {
		return fmt.Sprintf("from hosts file %s, line %d", res.HostsFile, res.HostsLine)
	}
	s := fmt.Sprintf("from DNS %s (%s)", res.Server, strings.ToUpper(string(res.Transport)))
	if res.Name != "" && !strings.EqualFold(strings.TrimSuffix(res.Name, "."), strings.TrimSuffix(res.Query, ".")) {
		s += " for " + res.Name
	}
	switch n := res.Candidate - 1; n {
	case 0:
	case 1:
		s += ", after 1 candidate name"
	default:
		s += fmt.Sprintf(", after %d candidate names", n)
	}
	return s
}

// resolveReason is the short cause of a failure, for the text view.
func resolveReason(err error) string {
	switch {
	case errors.Is(err, resolve.ErrNoData):
		return "NODATA (the name exists, with no records of that type)"
	case errors.Is(err, resolve.ErrNotFound):
		return "NXDOMAIN (no such name)"
	case errors.Is(err, resolve.ErrCNAMELoop):
		return "CNAME loop"
	case errors.Is(err, resolve.ErrServerFailure):
		return "no server answered"
	case errors.Is(err, resolve.ErrNotDNS):
		return "not sent to unicast DNS"
	}
	return err.Error()
}

func formatRTT(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}

type resolveAnswerJSON struct {
	Name string `json:"name"`
	Type string `json:"type"`
	TTL  uint32 `json:"ttl"`
	Data string `json:"data"`
}

type resolveQueryJSON struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Server    string  `json:"server"`
	Transport string  `json:"transport"`
	Rcode     *string `json:"rcode"`
	Answers   int     `json:"answers"`
	RTTms     float64 `json:"rtt_ms"`
	Truncated bool    `json:"truncated"`
	Error     *string `json:"error,omitempty"`
}

type resolveJSON struct {
	Query         string              `json:"query"`
	Source        *string             `json:"source"`
	CanonicalName *string             `json:"canonical_name"`
	Answers       []resolveAnswerJSON `json:"answers"`
	Queries       []resolveQueryJSON  `json:"queries"`
	Error         *string             `json:"error"`
	Candidates    []string            `json:"candidates"`
	Server        string              `json:"server,omitempty"`
	Transport     string              `json:"transport,omitempty"`
	HostsFile     string              `json:"hosts_file,omitempty"`
	HostsLine     int                 `json:"hosts_line,omitempty"`
}

func resolveJSONFrom(res *resolve.Result, err error) resolveJSON {
	j := resolveJSON{Query: res.Query, Answers: []resolveAnswerJSON{}, Queries: []resolveQueryJSON{}, Candidates: res.Candidates}
	if j.Candidates == nil {
		j.Candidates = []string{}
	}
	switch res.Source {
	case resolve.Files:
		s := "hosts"
		j.Source, j.HostsFile, j.HostsLine = &s, res.HostsFile, res.HostsLine
	case resolve.DNS:
		s := "dns"
		j.Source, j.Server, j.Transport = &s, res.Server.String(), string(res.Transport)
	}
	if res.CanonicalName != "" {
		c := res.CanonicalName
		j.CanonicalName = &c
	}
	for _, a := range res.Answers {
		j.Answers = append(j.Answers, resolveAnswerJSON{Name: a.Name, Type: a.Type.String(), TTL: a.TTL, Data: a.Data})
	}
	for _, q := range res.Queries {
		qj := resolveQueryJSON{Name: q.Name, Type: q.Type.String(), Server: q.Server.String(), Transport: string(q.Transport),
			Answers: q.Answers, Truncated: q.Truncated, RTTms: float64(q.RTT.Microseconds()) / 1000}
		if q.Err != nil {
			e := q.Err.Error()
			qj.Error = &e
		} else {
			rc := q.Rcode.String()
			qj.Rcode = &rc
		}
		j.Queries = append(j.Queries, qj)
	}
	if err != nil {
		e := strings.TrimPrefix(err.Error(), "resolve: ")
		j.Error = &e
	}
	return j
}

// progress draws "resolved N names" on standard error when it is a
// terminal, at most ten times a second.
type progress struct {
	env  *Env
	on   bool
	n    int
	last time.Time
}

func newProgress(env *Env, batch bool) *progress {
	return &progress{env: env, on: batch && env.StderrTTY}
}

func (p *progress) tick() {
	p.n++
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	_ = p.env.Out.Flush()
	fmt.Fprintf(p.env.Stderr, "\rresolved %d names", p.n)
}

func (p *progress) done() {
	if p.on && !p.last.IsZero() {
		fmt.Fprintf(p.env.Stderr, "\rresolved %d names\n", p.n)
	}
}
