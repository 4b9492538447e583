package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/internal/web"
	"github.com/netcalc/netcalc/netcalc"
)

type serveOptions struct {
	Listen string
}

func newServeCmd(env *Env) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Annotations: map[string]string{outputAnnotation: "text"},
		Use:         "serve [--listen ADDRESS:PORT]",
		Short:       "Serve the CIDR explainer, subnet planner, Kubernetes planner and topology view as a local web page",
		Long: `Serve a web page with netcalc's calculators: the CIDR explainer (the bits of an
address split into network and host parts, a prefix length slider, the block,
hosts, classification and the --explain steps), the visual subnet planner
(split and join by clicking, or VLSM from a list of host counts; export as
CSV, JSON or netcalc commands), the Kubernetes planner (k8s plan) and the
topology view (a topo file or an example drawn, with topo check's findings,
and a topo trace stepped through hop by hop over the drawing).

The page is compiled into netcalc: nothing is fetched from the network. Its
JSON API under /api/ answers with exactly what the CLI prints with -o json:
  /api/cidr?q=ADDRESS[&explain=1]          netcalc cidr -o json ADDRESS (explain: the --explain text)
  /api/split?q=PREFIX&prefix=N             netcalc split -o json PREFIX --prefix N (or subnets=, hosts=)
  /api/vlsm?q=PARENT&hosts=50&hosts=web=20 netcalc vlsm -o json PARENT 50 web=20
  /api/k8s-plan?profile=kind&nodes=50      netcalc k8s plan -o json --profile kind --nodes 50
  POST /api/topo-check (body: the file)    netcalc topo check -o json FILE (topo-draw: topo draw)
  POST /api/topo-trace?from=a&to=ADDR     netcalc topo trace -o json FILE --from a --to ADDR (and its other flags)
Query parameters are the commands' flag names; example=k8s.yaml picks an
example topology instead of a POSTed file. The response header
Netcalc-Exit carries the exit status, Netcalc-Stderr (percent-encoded) what
the command writes on standard error; exit 2 (bad input) is HTTP 400.

The server listens on the loopback address 127.0.0.1:8080 by default; any
other address prints a warning, as the page then answers anyone who can reach
it. Requests do no network or file I/O (no resolve, no ARP, no files): pure
computations, each with a ` + web.Deadline.String() + ` deadline, bodies up to ` + strconv.Itoa(web.MaxBody>>10) + ` KiB, URLs up
to ` + strconv.Itoa(web.MaxURL>>10) + ` KiB, and a strict Content-Security-Policy. Interrupt (Ctrl-C) stops it.`,
		Example: `  netcalc serve
  netcalc serve --listen 127.0.0.1:9000
  netcalc serve --listen [::1]:8080`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return env.usageError("serve", "serve takes no arguments, got %s; give the address with --listen", quoteToken(strings.Join(args, " ")))
			}
			return serveRun(cmd.Context(), env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "listen on `ADDRESS:PORT` (a bare PORT means 127.0.0.1:PORT)")
	return cmd
}

// serveListenAddr checks a --listen value: HOST:PORT or a bare PORT.
func serveListenAddr(s string) (string, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 65535 && s != "" && s[0] != '+' {
		return net.JoinHostPort("127.0.0.1", s), nil
	}
	host, port, err := net.SplitHostPort(s)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 0 || n > 65535 {
		return "", BadInputf("--listen: %s is not an address and port, want one such as 127.0.0.1:8080, [::1]:8080 or 8080", quoteToken(s))
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return "", BadInputf("--listen: %s is not an IP address, want one such as 127.0.0.1 (serve resolves no names)", quoteToken(host))
	}
	return s, nil
}

func serveRun(ctx context.Context, env *Env, opts *serveOptions) error {
	addr, err := serveListenAddr(opts.Listen)
	if err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(addr)
	network := "tcp"
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		network = "tcp4" // 0.0.0.0 means IPv4 only, not Go's dual-stack [::]
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return Failedf("serve: cannot listen on %s: %s", addr, serveNetErr(err))
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	bound := net.JoinHostPort(host, port) // the address as given, with the port chosen for :0
	open := bound
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		open = net.JoinHostPort("127.0.0.1", port)
		if ip != nil && ip.To4() == nil {
			open = net.JoinHostPort("::1", port)
		}
	}
	if !web.IsLoopback(addr) {
		env.Warnf("listening on %s, not a loopback address: anyone who can reach it can use the page", bound)
	}
	h := web.New(ServeAPIs(), web.LoopbackHosts(bound))
	srv := web.Server(bound, h)
	env.Errorf("serving http://%s/ (Ctrl-C stops)", open)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return Failedf("serve: %s", serveNetErr(err))
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), web.Deadline)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	}
}

// serveNetErr drops Go's "listen tcp ADDR: " prefix.
func serveNetErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// ServeAPIs returns the API functions of "netcalc serve", by name.
func ServeAPIs() map[string]web.API {
	return map[string]web.API{
		"cidr":       serveCidr,
		"split":      serveCobra("split", []string{"prefix", "subnets", "hosts", "limit", "tree"}, true, func(env *Env) *cobra.Command { return newSplitCmd(env) }),
		"vlsm":       serveCobra("vlsm", []string{"max-prefix", "tree"}, true, func(env *Env) *cobra.Command { return newVlsmCmd(env) }),
		"topo-check": serveTopo("check"),
		"topo-draw":  serveTopo("draw"),
		"topo-trace": serveTopoTrace,
		"k8s-plan":   serveCobra("k8s plan", k8sPlanFlagNames, false, func(env *Env) *cobra.Command { return newK8sPlanCmd(env, new(string)) }),
	}
}

// k8sPlanFlagNames are the flags of "k8s plan" the API takes: all of them.
var k8sPlanFlagNames = []string{"cluster-cidr", "service-cidr", "node-cidr-mask", "nodes", "max-pods", "node-network",
	"avoid", "profile", "kube-version", "node-index", "cluster-dns", "instance-type", "prefix-delegation",
	"suggest", "max-services", "growth", "ip-family"}

// serveSplitLimit is the --limit of /api/split unless the query sets a
// smaller one: a page has no use for more rows.
const serveSplitLimit = 4096

// serveEnv is the Env of one API request: no standard input, output to
// memory, no terminal, no colour.
func serveEnv(output string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	out, errb := new(bytes.Buffer), new(bytes.Buffer)
	env := &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: errb, Out: nopFlusher{out},
		Getenv: func(string) string { return "" }, Output: output}
	return env, out, errb
}

// serveExecute runs cmd, made on env (serveEnv, whose buffers are out and
// errb), with args as the command line would give them, and returns what
// it wrote and its exit code. An error is written as the command line
// writes it; a usage error also says to run `netcalc NAME --help`.
func serveExecute(ctx context.Context, env *Env, cmd *cobra.Command, args []string, out, errb *bytes.Buffer, name string) web.Result {
	cmd.SetArgs(args)
	cmd.SetIn(env.Stdin)
	cmd.SetOut(errb)
	cmd.SetErr(errb)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return Usage(flagError(c, err)) })
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		var s silentExit
		if !errors.As(err, &s) {
			env.Errorf("%s", err.Error())
			if isUsage(err) {
				env.Errorf("run 'netcalc %s --help' for usage", name)
			}
		}
	}
	return web.Result{Body: out.Bytes(), Stderr: errb.String(), Exit: ExitCode(err, true)}
}

// serveCidr is /api/cidr: each q parameter is one argument of netcalc
// cidr -o json (explain=1: the text of netcalc cidr --explain). It calls
// cidr's own formatter, without the argument forms that read input (@FILE, -).
func serveCidr(ctx context.Context, q url.Values, _ []byte) web.Result {
	explain := false
	for k, v := range q {
		switch k {
		case "q":
		case "explain":
			b, err := strconv.ParseBool(v[len(v)-1])
			if err != nil {
				return serveBad("explain: %s is not a boolean, want 1 or 0", quoteToken(v[len(v)-1]))
			}
			explain = b
		default:
			return serveBad("%s: unknown parameter of /api/cidr, want q (the address) and explain", quoteToken(k))
		}
	}
	output := "json"
	if explain {
		output = "text"
	}
	env, out, errb := serveEnv(output)
	opts := &cidrOptions{Explain: explain}
	var buf []byte
	for i, s := range q["q"] {
		sp, err := netcalc.ParseSpec(s)
		buf, err = cidrFormat(env, opts, Input{Text: s}, sp, err, buf[:0])
		if i > 0 && len(buf) > 0 {
			out.WriteString(cidrSep(env))
		}
		out.Write(buf)
		env.Report(err)
	}
	res := web.Result{Body: out.Bytes(), Stderr: errb.String(), Exit: ExitCode(env.Finish(), true)}
	if explain {
		res.ContentType = "text/plain; charset=utf-8"
	}
	return res
}

// serveCobra makes the API function of a command: the query parameters
// become its flags (only the names in flags), q its arguments, and the
// command's own cobra command parses and runs them with -o json. The
// commands served this way read no files and no standard input.
// For vlsm, the hosts parameters are the arguments after q.
func serveCobra(name string, flags []string, positional bool, newCmd func(*Env) *cobra.Command) web.API {
	return func(ctx context.Context, q url.Values, _ []byte) web.Result {
		var args []string
		for k, vals := range q {
			if k == "q" && positional || k == "hosts" && name == "vlsm" {
				continue
			}
			if !slices.Contains(flags, k) {
				want := strings.Join(flags, ", ")
				if positional {
					want = "q, " + want
				}
				if name == "vlsm" {
					want = "q, hosts, max-prefix, tree"
				}
				return serveBad("%s: unknown parameter of /api/%s, want %s", quoteToken(k), strings.ReplaceAll(name, " ", "-"), want)
			}
			for _, v := range vals {
				args = append(args, "--"+k+"="+v)
			}
		}
		if name == "split" && q.Get("limit") == "" {
			args = append(args, "--limit="+strconv.Itoa(serveSplitLimit))
		} else if name == "split" {
			if n, err := strconv.ParseUint(q.Get("limit"), 10, 64); err == nil && (n == 0 || n > serveSplitLimit) {
				return serveBad("limit: the page lists at most %d subnets, want 1-%d", serveSplitLimit, serveSplitLimit)
			}
		}
		slices.Sort(args) // map order is random; flags do not depend on order
		args = append(args, "--")
		args = append(args, q["q"]...)
		if name == "vlsm" {
			args = append(args, q["hosts"]...)
		}

		env, out, errb := serveEnv("json")
		return serveExecute(ctx, env, newCmd(env), args, out, errb, name)
	}
}

// serveBad is a bad-input answer with msg on "standard error".
func serveBad(format string, args ...any) web.Result {
	return web.Result{Stderr: "netcalc: " + fmt.Sprintf(format, args...) + "\n", Exit: ExitUsage}
}

var _ http.Handler = (*web.Handler)(nil)
