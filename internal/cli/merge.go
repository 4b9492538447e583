package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netcalc/netcalc/netcalc"
)

type mergeOptions struct {
	setOptions // Args: prefixes, addresses, ranges, @FILE, FILE or "-"; then --file lists
	Exclude    []string
}

// setOptions are the operands and flags that merge and intersect share.
type setOptions struct {
	Args   []string // operands: prefixes, addresses, ranges, @FILE, FILE or "-"; then --file lists
	Files  []string // --file
	Ranges bool
	Total  bool
	Unmap  bool
}

// addFlags defines --ranges, --total (alias --count), --unmap and --file.
func (o *setOptions) addFlags(env *Env, f *pflag.FlagSet) {
	f.BoolVar(&o.Ranges, "ranges", false, "print first-last ranges instead of CIDRs")
	f.BoolVar(&o.Total, "total", false, "print the number of addresses instead of CIDRs")
	aliasFlag(env, f, "count", "total")
	f.BoolVar(&o.Unmap, "unmap", false, "treat IPv4-mapped IPv6 entries (::ffff:10.0.0.1) as IPv4")
	addFileFlag(f, &o.Files)
}

func newMergeCmd(env *Env) *cobra.Command {
	opts := &mergeOptions{}
	cmd := &cobra.Command{
		Use:     "merge [PREFIX|RANGE|@FILE|FILE|-]...",
		Aliases: []string{"summarize", "aggregate"},
		Short:   "Merge address lists into the minimal sorted CIDR list",
		Long: `Read addresses, prefixes and ranges and print the minimal sorted list of
CIDR prefixes that holds exactly the same addresses: IPv4 first, then IPv6.

Inputs are arguments; with none, or "-", a list is read from standard input;
@FILE or --file FILE reads a list file. An argument that is not an address,
prefix or range but names a file is read as a list too (merge list.txt).
No input prints nothing (exit 0).

One entry per line: an address (10.0.0.1, 2001:db8::1), a prefix
(10.0.0.0/24, 10.0.0.0/255.255.255.0) or an inclusive range
(10.0.0.3-10.0.0.77). Families may be mixed; blank lines and "#" comments are
skipped. A prefix with host bits set (10.0.0.1/24) counts as its network
(10.0.0.0/24); one warning on standard error says so. IPv4-mapped IPv6
addresses (::ffff:10.0.0.1) stay IPv6 unless --unmap is given.

--exclude X removes addresses before printing; X is a prefix, an address, a
range or @FILE (a list in the same format). It can be repeated.

Bad lines are reported with their file and line number (with -o json also as
{"input","line","error"} objects on standard output), and nothing else is
printed: exit status 2.`,
		Example: `  netcalc merge blocklist.txt
  printf '10.0.0.0/25\n10.0.0.128/25\n10.0.1.0-10.0.1.255\n' | netcalc merge
  netcalc merge --exclude 10.0.0.0/24 --exclude @private.txt all.txt
  echo 0.0.0.0/0 | netcalc merge --exclude 10.0.0.0/8      # WireGuard AllowedIPs
  netcalc merge 10.0.0.0/25 10.0.0.128/25 --file more.txt
  netcalc aggregate --total @list.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = listArgs(args, opts.Files)
			if opts.Ranges && opts.Total {
				return BadInputf("--ranges and --total cannot be used together")
			}
			return mergeRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.Exclude, "exclude", "x", nil, "remove a prefix, range or @FILE `LIST` (repeatable)")
	opts.addFlags(env, f)
	return cmd
}

func mergeRun(env *Env, opts *mergeOptions) error {
	if err := env.waitsOnTerminal("merge", opts.Args, "prefixes, ranges or lists"); err != nil {
		return err
	}
	var b, x netcalc.SetBuilder // x: the --exclude entries
	lr := newListLoader(env)
	lr.unmap = opts.Unmap
	for _, arg := range inputNames(opts.Args) {
		lr.operand(arg, &b)
	}
	for _, arg := range opts.Exclude {
		if name, ok := strings.CutPrefix(arg, "@"); ok {
			lr.load(name, &x)
			continue
		}
		e, err := netcalc.ParseEntry(arg)
		if err != nil {
			lr.bad(BadInputf("--exclude: %s", inputMessage(err)))
			continue
		}
		if opts.Unmap {
			e = e.Unmap()
		}
		x.AddEntry(e)
	}
	if err := lr.finish(); err != nil {
		return err
	}
	b.RemoveSet(x.Set())
	return printSet(env, b.Set(), opts.Ranges, opts.Total)
}

// inputNames returns the operands to read, "-" (standard input) for none.
func inputNames(files []string) []string {
	if len(files) == 0 {
		return []string{"-"}
	}
	return files
}

// listLoader reads address lists, reporting bad lines (up to a limit) and
// remembering host-bit masking for one warning at the end.
type listLoader struct {
	env         *Env
	nbad        int
	masked      int
	firstMask   string // "FILE:LINE: PREFIX" of the first prefix with host bits
	firstMasked string
	stdinUsed   bool
	unmap       bool // turn IPv4-mapped IPv6 entries into IPv4
}

const maxReportedErrors = 20

func newListLoader(env *Env) *listLoader { return &listLoader{env: env} }

func (l *listLoader) bad(err error) {
	l.nbad++
	if l.nbad <= maxReportedErrors {
		l.env.Report(BadInput(err))
	} else {
		l.env.Record(ExitUsage)
	}
}

// operand adds to b the entries of one command-line operand of merge
// or intersect: "-" or "@-" is standard input, "@FILE" a list file, an
// address, prefix or range itself, and any other argument that names a
// file a list file (merge list.txt, as before @FILE). It returns how many
// items the operand held, bad ones included.
func (l *listLoader) operand(arg string, b *netcalc.SetBuilder) int {
	if arg == "-" {
		return l.load("-", b)
	}
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		return l.load(name, b)
	}
	e, err := netcalc.ParseEntry(arg)
	if err == nil {
		l.entry(e, Input{Text: arg}, b)
		return 1
	}
	if _, serr := os.Stat(arg); serr == nil {
		return l.load(arg, b)
	}
	if strings.Trim(arg, "0123456789abcdefABCDEF.:/-% ") != "" {
		// not an attempt at an address: most likely a file name
		err = fmt.Errorf("%s: no such file, and not an address, prefix or range", quoteToken(arg))
	}
	l.badInput(Input{Text: arg}, err)
	return 1
}

// load reads the list in the named file ("-" for standard input) into b
// with ListReader.AddTo, plain lines going straight into it, and returns
// how many lines held an item, bad ones included.
func (l *listLoader) load(name string, b *netcalc.SetBuilder) int {
	if name == "-" {
		if l.stdinUsed {
			l.bad(errors.New(`standard input ("-") can be read only once`))
			return 0
		}
		l.stdinUsed = true
	}
	r, source, err := l.env.openList(name)
	if err != nil {
		l.bad(err)
		return 0
	}
	defer r.Close()
	n, err := netcalc.NewListReader(r, source).AddTo(b, func(e netcalc.ListEntry, err error) {
		if err != nil {
			le := err.(*netcalc.ListError)
			l.badInput(Input{Text: le.Input, Line: le.Line, Source: source}, le.Err)
			return
		}
		l.entry(e, Input{Line: e.Line, Source: source}, b)
	})
	if err != nil {
		l.nbad++
		l.env.Report(readError(source, n+1, err))
	}
	return n
}

// entry adds e, read from in, to b after --unmap and noting host bits.
func (l *listLoader) entry(e netcalc.ListEntry, in Input, b *netcalc.SetBuilder) {
	if l.unmap {
		e = e.Unmap()
	}
	if e.HostBits() {
		if l.masked == 0 {
			l.firstMask = strings.TrimSuffix(in.Where(), " ") + " " + e.Prefix.String()
			if in.Line == 0 {
				l.firstMask = e.Prefix.String()
			}
			l.firstMasked = e.Prefix.Masked().String()
		}
		l.masked++
	}
	b.AddEntry(e)
}

// badInput reports a bad item as BadLine does (every one as a JSON object
// with -o json; on standard error up to maxReportedErrors).
func (l *listLoader) badInput(in Input, err error) {
	l.nbad++
	out, err := l.env.appendBadLine(nil, in, err)
	if len(out) > 0 {
		l.env.Out.Write(out)
	}
	if l.nbad <= maxReportedErrors {
		l.env.Report(err)
	} else {
		l.env.Record(ExitUsage)
	}
}

// finish prints the host-bits warning and returns the error that stops
// the command when any input was bad.
func (l *listLoader) finish() error {
	switch {
	case l.masked == 1:
		l.env.Warnf("%s has host bits set; masked to %s", l.firstMask, l.firstMasked)
	case l.masked > 1:
		l.env.Warnf("%d prefixes have host bits set and were masked; the first: %s to %s", l.masked, l.firstMask, l.firstMasked)
	}
	if l.nbad > maxReportedErrors {
		l.env.Errorf("%d more bad lines not shown", l.nbad-maxReportedErrors)
	}
	if l.nbad > 0 {
		l.env.Errorf("no output: fix the input above")
		return l.env.Finish()
	}
	return nil
}

// printSet writes s as CIDRs, ranges or a count, in text or JSON Lines.
func printSet(env *Env, s *netcalc.Set, ranges, count bool) error {
	// Lines are gathered into 64 KiB writes: a write per prefix was a
	// tenth of a million-line merge.
	w := &listWriter{env: env, buf: make([]byte, 0, 64<<10)}
	switch {
	case count && env.JSON():
		return WriteJSON(env.Out, s.Summary())
	case count:
		_, err := env.Out.Write([]byte(s.BigCount().String() + "\n"))
		return err
	case ranges:
		for r := range s.AllRanges() {
			if env.JSON() {
				w.buf = netcalc.AppendRangeJSON(w.buf, r)
			} else {
				w.buf = r.To().AppendTo(append(r.From().AppendTo(w.buf), '-'))
			}
			if err := w.line(); err != nil {
				return err
			}
		}
	default:
		for p := range s.AllPrefixes() {
			if env.JSON() {
				w.buf = netcalc.AppendPrefixJSON(w.buf, p)
			} else {
				w.buf = netcalc.AppendPrefix(w.buf, p)
			}
			if err := w.line(); err != nil {
				return err
			}
		}
	}
	return w.flush()
}
