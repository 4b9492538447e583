package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/resolve"
)

type resolveOptions struct {
	Names       []string
	Types       []string
	Servers     []resolveServerArg // --server and positional @SERVER, in order
	HostsFile   string
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
	Libc        string
	Files       []string // --file and positional @FILE or "-"; "-" is standard input
	Concurrency int
	Pod         k8sResolvConfOptions // --pod and the other pod flags: the pod's resolv.conf

	// set reports whether a flag was given on the command line.
	set func(name string) bool
	// confFrom names where the resolver configuration came from, for
	// --explain: "resolv.conf FILE", or the pod's file with --pod.
	confFrom string
}

// resolveServerArg is a server as the user wrote it, and where: "--server"
// or "@" (dig's positional form).
type resolveServerArg struct{ text, how string }

func newResolveCmd(env *Env) *cobra.Command {
	opts := &resolveOptions{}
	var servers, files []string
	cmd := &cobra.Command{
		Use:   "resolve [@SERVER] NAME... [-t TYPE]... | --file FILE",
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
move on to the next server, attempts x servers times. Each query waits
exactly the timeout (--timeout, else resolv.conf's "options timeout:N",
else 5 s) for its reply. Queries carry EDNS0 (1232 bytes); a truncated UDP
answer is retried over TCP; replies must match the query's ID and question;
IDN names go out as A-labels; CNAME chains are followed and shown; -t ANY
keeps whatever the server returned (an RFC 8482 minimal HINFO answer too).
An IP address as NAME is a reverse lookup (hosts file, then PTR).

--libc musl resolves as Alpine's musl getaddrinfo does instead (1.2.3 by
default, the musl Debian's musl-tools ships; musl-1.2.4 and musl-1.2.5 add
the TCP fallback): hosts file matched case-sensitively, no nsswitch.conf,
search list only for names with fewer than ndots dots, every server asked at
once and the first NOERROR/NXDOMAIN answer taken, A and AAAA together, the
walk ending at the first NODATA, SERVFAIL, REFUSED or timeout, no EDNS0 and
(1.2.3) no TCP: a truncated answer is used as is. Only A and AAAA. --explain
lists musl's decisions; see docs/musl.md.

@SERVER, as in dig, is the same as --server SERVER: @127.0.0.1,
@127.0.0.1:5300, @::1, @[::1]:5300. Names come from the arguments, from
--file FILE or @FILE (one per line, blank lines and # comments skipped), or
from standard input when there is no NAME or NAME is "-". Empty input
prints nothing and exits 0.

Without -t, A and AAAA are asked (the hosts file answers only these). The
defaults read the host's own /etc/nsswitch.conf, /etc/hosts and
/etc/resolv.conf (with LOCALDOMAIN and RES_OPTIONS); the flags override them.

Exit status: 0 when every name resolved, 1 when any did not (NXDOMAIN,
NODATA, timeout), 2 on bad usage or an invalid name or line.`,
		Example: `  netcalc resolve localhost
  netcalc resolve kubernetes.default --explain
  netcalc resolve @127.0.0.1:5300 example.test -t MX -t TXT
  netcalc resolve 2001:db8::10 --short
  netcalc resolve api.corp.test --resolv-conf pod-resolv.conf --no-hosts -o json
  netcalc resolve --file names.txt --concurrency 64 --short`,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, sv := range servers {
				opts.Servers = append(opts.Servers, resolveServerArg{sv, "--server"})
			}
			opts.Files = append(opts.Files, files...)
			for _, a := range args {
				rest, ok := strings.CutPrefix(a, "@")
				switch {
				case a == "-":
					opts.Files = append(opts.Files, "-")
				case !ok:
					opts.Names = append(opts.Names, a)
				case resolveLooksLikeServer(rest):
					opts.Servers = append(opts.Servers, resolveServerArg{rest, "@"})
				case rest == "":
					return BadInputf("%s: want @SERVER (an IP address, IP:PORT or [IPv6]:PORT) or @FILE (a list of names); run 'netcalc resolve --help' for usage", quoteToken(a))
				default:
					if _, err := os.Stat(rest); errors.Is(err, fs.ErrNotExist) {
						return BadInputf("%s: no such file, and not a server address: want @IP, @IP:PORT or @[IPv6]:PORT (a name cannot be resolved before the resolver exists), or @FILE, a list of names", quoteToken(a))
					}
					opts.Files = append(opts.Files, rest)
				}
			}
			opts.set = cmd.Flags().Changed
			return resolveRun(cmd.Context(), env, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.Types, "type", "t", nil, "record `TYPE` to ask for: A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, PTR, CAA, ANY or any type name (repeatable; default A and AAAA)")
	f.StringArrayVar(&servers, "server", nil, "DNS server `ADDR[:PORT]` ([IPv6]:PORT) to ask instead of resolv.conf's (repeatable; also @SERVER as an argument, as in dig)")
	f.StringVar(&opts.HostsFile, "hosts-file", resolve.SystemHosts, "hosts(5) `FILE`")
	aliasFlag(env, f, "hosts", "hosts-file")
	f.StringVar(&opts.ResolvConf, "resolv-conf", resolve.SystemResolvConf, "resolv.conf `FILE`")
	f.StringVar(&opts.NSSwitch, "nsswitch", resolve.SystemNSSwitch, "nsswitch.conf `FILE` (its hosts: line gives the order)")
	f.StringArrayVar(&opts.Search, "search", nil, "search `DOMAIN` instead of resolv.conf's (repeatable)")
	// ndots, timeout and attempts have no flag default: unset means
	// resolv.conf's value, which the usage states once.
	f.IntVar(&opts.Ndots, "ndots", 0, "`N` dots from which a name is tried as-is first, 0-15 (default: resolv.conf's ndots, else 1)")
	f.BoolVar(&opts.NoSearch, "no-search", false, "query each name as given only, without the search list")
	f.BoolVar(&opts.NoHosts, "no-hosts", false, "do not read the hosts file")
	f.BoolVar(&opts.TCP, "tcp", false, "send queries over TCP (resolv.conf use-vc)")
	f.Var(resolveSeconds{&opts.Timeout}, "timeout", "`DURATION` one query waits for one server, 1ms-30s: 3s, 500ms, or a bare number of seconds (default: resolv.conf's timeout, else 5s)")
	f.IntVar(&opts.Attempts, "attempts", 0, "`N` rounds over the server list, 1-5 (default: resolv.conf's attempts, else 2)")
	f.BoolVar(&opts.Short, "short", false, "print only the answers' data, one per line")
	f.StringVar(&opts.Libc, "libc", "glibc", "C `LIBRARY` whose getaddrinfo to reproduce: glibc, musl (1.2.3), musl-1.2.4 or musl-1.2.5")
	f.BoolVar(&opts.Explain, "explain", false, "also list every query sent (candidate name, type, server, transport, rcode, answers, RTT) and the timeout in force")
	f.StringArrayVar(&files, "file", nil, "read a list from `FILE`, one name per line (\"-\" is standard input; repeatable; same as @FILE); answers keep the input order")
	addK8sPodDNSFlags(cmd, &opts.Pod)
	cmd.MarkFlagsMutuallyExclusive("pod", "resolv-conf")
	cmd.MarkFlagsMutuallyExclusive("host-resolv-conf", "resolv-conf")
	f.IntVar(&opts.Concurrency, "concurrency", 32, "`N` names looked up at the same time, 1-1024; each sends one query per type at once, and a local dnsmasq with the default 208 KiB socket buffer drops queries beyond about 200 in flight")
	return cmd
}

// resolveLooksLikeServer reports whether the text after a positional "@"
// is meant as a server (an IP address, IP:PORT or [IPv6]:PORT, valid or
// not) rather than a list file.
func resolveLooksLikeServer(s string) bool {
	host, _, ok := strings.Cut(s, ":")
	_, errAddr := netip.ParseAddr(s)
	_, errHost := netip.ParseAddr(host)
	return strings.HasPrefix(s, "[") || errAddr == nil || (ok && errHost == nil)
}

// resolveSeconds is the --timeout value: a Go duration ("3s", "500ms") or a
// bare number of seconds ("3", "0.5"), as resolv.conf's timeout:N.
type resolveSeconds struct{ d *time.Duration }

func (v resolveSeconds) String() string {
	if v.d == nil || *v.d == 0 {
		return "" // no flag default: resolv.conf decides (see the usage)
	}
	return v.d.String()
}

func (v resolveSeconds) Set(s string) error {
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		if f < 0 || f > float64(resolve.MaxTimeout/time.Second) {
			return fmt.Errorf("%s is out of range, want 1ms-30s", quoteToken(s))
		}
		*v.d = time.Duration(f * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%s is not a duration, want 3s, 500ms or a number of seconds", quoteToken(s))
	}
	*v.d = d
	return nil
}

func (v resolveSeconds) Type() string { return "duration" }

// resolveRun resolves every name and prints the results in input order.
func resolveRun(ctx context.Context, env *Env, opts *resolveOptions) error {
	if len(opts.Names) == 0 && len(opts.Files) == 0 {
		if env.StdinTTY {
			return BadInputf("no name: give NAME..., --file FILE or names on standard input (one per line); run 'netcalc resolve --help' for usage")
		}
		opts.Files = []string{"-"}
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
	if r.Libc.IsMusl() {
		for _, t := range types {
			if !t.IsAddress() {
				return BadInputf("-t/--type: %s with --libc %s: musl's getaddrinfo asks only for A and AAAA; run 'netcalc resolve --help' for usage", quoteToken(t.String()), r.Libc)
			}
		}
	}
	lists, err := resolveOpenLists(env, opts.Files)
	if err != nil {
		return err
	}
	defer func() {
		for _, l := range lists {
			l.r.Close()
		}
	}()
	limits := resolveLimits(r, opts)
	for _, w := range r.Warnings {
		env.Warnf("%s", w)
	}

	// The names go to the library's ordered batch; their positions wait
	// here, in the same order, for the results.
	var (
		mu      sync.Mutex
		inputs  []Input
		readErr error
	)
	names := func(yield func(string, error) bool) {
		next := func(in Input, err error) bool {
			mu.Lock()
			inputs = append(inputs, in)
			mu.Unlock()
			return yield(in.Text, err)
		}
		for _, n := range opts.Names {
			if !next(Input{Text: n}, nil) {
				return
			}
		}
		stop := errors.New("stop")
		for _, l := range lists {
			err := eachLine(l.r, l.name, true, func(in Input) error {
				if !next(in, in.err) {
					return stop
				}
				return nil
			})
			if err != nil {
				if err != stop {
					readErr = err
				}
				return
			}
		}
	}

	// A batch on a terminal shows "resolved N names" on standard error, at
	// most ten times a second.
	progress, done, shown := len(lists) > 0 && env.StderrTTY, 0, time.Time{}
	if r.OneLoop(types...) {
		// The lookups run on one event loop and this goroutine only
		// prints: with one P the loop hands results over without the
		// scheduler waking a second thread each time (30% less CPU for
		// 10,000 names against a local dnsmasq).
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	wrote := false
	var writeErr error
	var out bytes.Buffer // one result's text, reused
	for res, err := range r.LookupAll(ctx, names, opts.Concurrency, types...) {
		mu.Lock()
		in := inputs[0]
		inputs = inputs[1:]
		mu.Unlock()
		bad := "" // why the input is bad (exit 2), without its position
		var ne *resolve.NameError
		switch {
		case in.err != nil:
			bad = fmt.Sprintf("longer than %d bytes, want one name per line", netcalc.MaxListLine)
		case errors.As(err, &ne) && !errors.Is(err, resolve.ErrNotDNS):
			bad = err.Error()
		}
		out.Reset()
		if formatResolve(&out, env, opts, limits, in, bad, res, err); out.Len() > 0 {
			if wrote && !env.JSON() && !opts.Short {
				io.WriteString(env.Out, "\n")
			}
			if _, writeErr = env.Out.Write(out.Bytes()); writeErr != nil {
				break // stops the lookups; netcalc resolve --file big | head
			}
			wrote = true
		}
		if res != nil {
			for _, w := range res.Warnings {
				env.Warnf("%s", w)
			}
		}
		switch {
		case bad != "":
			env.Report(BadInputf("%s%s", in.Where(), bad))
		case err != nil:
			env.Report(Failedf("%s%v", in.Where(), err))
		}
		if done++; progress && time.Since(shown) >= 100*time.Millisecond {
			shown = time.Now()
			_ = env.Out.Flush()
			fmt.Fprintf(env.Stderr, "\rresolved %d names", done)
		}
	}
	if progress && !shown.IsZero() {
		fmt.Fprintf(env.Stderr, "\rresolved %d names\n", done)
	}
	switch {
	case errors.Is(writeErr, syscall.EPIPE):
		return env.Finish()
	case writeErr != nil:
		return Failed(writeErr)
	case ctx.Err() != nil:
		return Failed(ctx.Err())
	case readErr != nil:
		return readErr
	}
	return env.Finish()
}

// resolveList is one list of names: a file or standard input.
type resolveList struct {
	name string // "stdin" or the file name, for messages
	r    io.ReadCloser
}

// resolveOpenLists opens every list before any lookup, so that a missing
// file or a directory is bad input (exit 2) before anything is printed.
func resolveOpenLists(env *Env, paths []string) (out []resolveList, err error) {
	defer func() {
		for _, l := range out {
			if err != nil {
				l.r.Close()
			}
		}
	}()
	for _, p := range paths {
		if p == "-" {
			if !slices.ContainsFunc(out, func(l resolveList) bool { return l.name == "stdin" }) {
				out = append(out, resolveList{"stdin", io.NopCloser(env.Stdin)}) // read once
			}
			continue
		}
		f, err := os.Open(p)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return out, BadInputf("%s: %v, want a list file of names", p, pe.Err)
		}
		out = append(out, resolveList{p, f})
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return out, BadInputf("%s: is a directory, want a list file", p)
		}
	}
	return out, nil
}

// confSource names the resolver configuration's origin for --explain.
func (opts *resolveOptions) confSource() string {
	if opts.confFrom != "" {
		return opts.confFrom
	}
	return "resolv.conf " + opts.ResolvConf
}

// resolveLimits is the --explain line that says how long each query waits
// and how often the servers are tried. For musl the timeout is the whole
// wait for one candidate name, and queries are resent every
// timeout/attempts to every server at once.
func resolveLimits(r *resolve.Resolver, opts *resolveOptions) string {
	timeout, from := r.Config.Timeout, opts.confSource()
	switch {
	case opts.set != nil && opts.set("timeout"):
		from = "--timeout"
	case timeout <= 0 && !r.Libc.IsMusl():
		timeout, from = resolve.DefaultTimeout, "glibc's default"
	}
	servers := len(r.Config.Servers)
	switch {
	case r.Libc.IsMusl() && timeout <= time.Nanosecond:
		return fmt.Sprintf("; %s: timeout 0 (%s): no query is sent", r.Libc, from)
	case r.Libc.IsMusl():
		interval := time.Duration(timeout.Milliseconds()/int64(max(r.Config.Attempts, 1))) * time.Millisecond
		return fmt.Sprintf("; %s: timeout %v per candidate name in all (%s), queries resent every %v to %s at once",
			r.Libc, timeout, from, interval, resolveCount(servers, "server"))
	case servers == 0:
		servers = 2 // 127.0.0.1 and ::1
	}
	attempts := r.Config.Attempts
	if attempts <= 0 {
		attempts = resolve.DefaultAttempts
	}
	return fmt.Sprintf("; timeout %v per query (%s), %s over %s",
		timeout, from, resolveCount(attempts, "attempt"), resolveCount(servers, "server"))
}

func resolveCount(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func resolveTypes(names []string) ([]resolve.Type, error) {
	var out []resolve.Type
	for _, n := range names {
		for _, p := range strings.Split(n, ",") {
			t, err := resolve.ParseType(p)
			if err != nil {
				return nil, BadInputf("-t/--type: %s is not a DNS record type, want A, AAAA, CNAME, MX, TXT, NS, SOA, SRV, PTR, CAA, ANY or another type name", quoteToken(p))
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
		ap, err := parseServer(sv.text, sv.how)
		if err != nil {
			return nil, err
		}
		servers = append(servers, ap)
	}
	var search []string
	for _, d := range opts.Search {
		d = strings.TrimSuffix(d, ".")
		if _, err := resolve.ToASCII(d); err != nil || d == "" {
			return nil, BadInputf("--search: %s is not a domain name", quoteToken(d))
		}
		search = append(search, d)
	}
	if set("ndots") && (opts.Ndots < 0 || opts.Ndots > resolve.MaxNdots) {
		return nil, BadInputf("--ndots: %d is out of range, want 0-%d", opts.Ndots, resolve.MaxNdots)
	}
	if set("timeout") && (opts.Timeout < time.Millisecond || opts.Timeout > resolve.MaxTimeout) {
		return nil, BadInputf("--timeout: %v is out of range, want 1ms-30s", opts.Timeout)
	}
	libc, err := resolve.ParseLibc(opts.Libc)
	if err != nil {
		return nil, BadInputf("--libc: %s is not a C library netcalc reproduces, want glibc, musl (1.2.3), musl-1.2.4 or musl-1.2.5", quoteToken(opts.Libc))
	}
	maxAttempts := resolve.MaxAttempts
	if libc.IsMusl() {
		maxAttempts = 10 // musl's cap
		if opts.TCP {
			return nil, BadInputf("--tcp with --libc %s: musl has no use-vc option and always starts over UDP; run 'netcalc resolve --help' for usage", libc)
		}
	}
	if set("attempts") && (opts.Attempts < 1 || opts.Attempts > maxAttempts) {
		return nil, BadInputf("--attempts: %d is out of range, want 1-%d", opts.Attempts, maxAttempts)
	}

	hostname, _ := os.Hostname()
	confEnv := resolve.ConfEnv{Getenv: env.Getenv, Hostname: hostname}
	paths := resolve.Paths{ResolvConf: opts.ResolvConf, Hosts: opts.HostsFile, NSSwitch: opts.NSSwitch, Env: confEnv, Libc: libc}
	flags := map[resolve.FileKind]string{resolve.ResolvConfFile: "--resolv-conf", resolve.NSSwitchFile: "--nsswitch", resolve.HostsFile: "--hosts-file"}
	for kind, flag := range flags {
		if set(flag[2:]) || (kind == resolve.HostsFile && set("hosts")) {
			paths.Required = append(paths.Required, kind)
		}
	}
	podMode := false
	for _, fl := range []string{"pod", "namespace", "dns-policy", "host-network", "dns-config", "cluster-dns", "cluster-domain", "host-resolv-conf"} {
		podMode = podMode || set(fl)
	}
	if podMode {
		// The pod's resolv.conf as kubelet forms it, read by the pod's C
		// library; the image's nsswitch.conf, not the node's (glibc's
		// order when it is missing); kubelet's /etc/hosts, not the node's
		// (none unless --hosts-file names one).
		opts.confFrom = k8sPodResolvConfName
		var conf resolve.Config
		if libc.IsMusl() {
			var text string
			if text, err = k8sPodResolvConfFile(env, &opts.Pod); err == nil {
				conf, err = resolve.ParseMuslResolvConf(strings.NewReader(text), k8sPodResolvConfName)
			}
		} else {
			conf, err = k8sPodResolveConfig(env, &opts.Pod, confEnv)
		}
		if err != nil {
			return nil, err
		}
		paths.Config = &conf
		if !set("nsswitch") {
			paths.Order = []resolve.Source{resolve.Files, resolve.DNS}
		}
		if !slices.Contains(paths.Required, resolve.HostsFile) {
			paths.Hosts = "-"
		}
	}
	if opts.NoHosts {
		paths.Hosts = "-"
	}
	r, err := resolve.FromFiles(paths)
	var fe *resolve.FileError
	switch {
	case errors.As(err, &fe) && errors.Is(fe.Err, syscall.EISDIR):
		return nil, BadInputf("%s: %s: is a directory, want a file", flags[fe.Kind], fe.Path)
	case errors.As(err, &fe):
		return nil, BadInputf("%s: %s: %v", flags[fe.Kind], fe.Path, fe.Err)
	case err != nil:
		return nil, Failed(err)
	}
	if libc.IsMusl() && set("nsswitch") {
		r.Warnings = append(r.Warnings, resolve.Warning{File: opts.NSSwitch, Msg: fmt.Sprintf("--nsswitch ignored: %s reads no nsswitch.conf (hosts file, then DNS)", libc)})
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
	r.Config.UseTCP = r.Config.UseTCP || opts.TCP
	return r, nil
}

// parseServer reads a server as resolve.ParseServer does. how names the
// source in errors: "--server" or "@" (a positional @SERVER).
func parseServer(s, how string) (netip.AddrPort, error) {
	ap, err := resolve.ParseServer(s)
	var se *resolve.ServerError
	if errors.As(err, &se) {
		where := "--server: " + quoteToken(s)
		if how == "@" {
			where = quoteToken("@" + s)
		}
		return ap, BadInputf("%s: %s", where, se.Msg)
	}
	return ap, err
}

// formatResolve renders one result into b; bad says why the input is bad. Errors
// are not printed here; the caller reports them on standard error. In
// JSON mode a bad input is the object {"input", "line", "error"}; a
// lookup is resolve.Result itself, the one schema of the library and the
// CLI.
func formatResolve(b *bytes.Buffer, env *Env, opts *resolveOptions, limits string, in Input, bad string, res *resolve.Result, err error) {
	if env.JSON() {
		switch {
		case res == nil:
			WriteJSON(b, resolveBadJSON{Input: shorten(in.Text), Line: in.Line, Error: bad})
		case bad != "":
			WriteJSON(b, resolveBadJSON{Input: shorten(in.Text), Line: in.Line, Error: res.Error})
		default:
			WriteJSON(b, res)
		}
		return
	}
	if bad != "" || res == nil {
		return // nothing was asked
	}
	if opts.Short {
		for _, a := range res.Answers {
			b.WriteString(a.Data)
			b.WriteByte('\n')
		}
		return
	}
	var ne *resolve.NameError
	if errors.As(err, &ne) {
		return // nothing was asked
	}
	sub := *env
	sub.Out = nopFlusher{b}
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
	if opts.Explain || err != nil {
		for _, st := range res.Steps {
			b.WriteString("; " + st + "\n")
		}
	}
	if (opts.Explain || err != nil) && len(res.Candidates) > 0 {
		b.WriteString("; candidate names: " + strings.Join(res.Candidates, " ") + "\n")
	}
	if (opts.Explain || err != nil) && len(res.Queries) > 0 {
		b.WriteString(limits + "\n")
		t := sub.NewTable()
		t.Row(env.Paint(Bold, "QUERY"), env.Paint(Bold, "TYPE"), env.Paint(Bold, "SERVER"), env.Paint(Bold, "TRANSPORT"), env.Paint(Bold, "RCODE"), env.Paint(Bold, "ANSWERS"), env.Paint(Bold, "RTT"))
		for _, q := range res.Queries {
			t.Row(q.Name, q.Type.String(), q.Server.String(), strings.ToUpper(string(q.Transport)), q.Outcome(), strconv.Itoa(q.Answers), formatRTT(q.RTT))
		}
		t.Flush()
	}
}

// resolveBadJSON is the JSON line of a bad input line or argument.
type resolveBadJSON struct {
	Input string `json:"input"`
	Line  int    `json:"line,omitempty"` // 0 for a command-line argument
	Error string `json:"error"`
}

// resolveSource says where the answer came from.
func resolveSource(res *resolve.Result) string {
	if res.Source == resolve.Numeric {
		return fmt.Sprintf("an IP address: %s getaddrinfo returns it as is", res.Libc)
	}
	if res.Source == resolve.Files {
		if len(res.HostsLines) == 1 {
			return fmt.Sprintf("from hosts file %s, line %d", res.HostsFile, res.HostsLines[0])
		}
		lines := make([]string, len(res.HostsLines))
		for i, n := range res.HostsLines {
			lines[i] = strconv.Itoa(n)
		}
		return fmt.Sprintf("from hosts file %s, lines %s", res.HostsFile, strings.Join(lines, ", "))
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
	var ge *resolve.GaiError
	if errors.As(err, &ge) {
		return resolveReason(ge.Err) + "; " + string(ge.Libc) + " getaddrinfo: " + ge.Name + " \"" + ge.Msg + "\""
	}
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
