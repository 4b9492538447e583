package cli

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc"
)

type containsOptions struct {
	Container string
	Items     []string
	Files     []string // --file: more items
	Unmap     bool
}

func newContainsCmd(env *Env) *cobra.Command {
	opts := &containsOptions{}
	cmd := &cobra.Command{
		Use:   "contains CONTAINER [ITEM|@FILE|-]...",
		Short: "Say whether each address, prefix or range lies inside a container",
		Long: `Print one line per item: the item and "yes" when all its addresses are inside
CONTAINER, "partly" when only some are, "no" when none are.

CONTAINER is a prefix, an address, a range, or @FILE: a whole address list
(same format as "netcalc merge"), to ask "is this address in my allow list?".
ITEMs are addresses, prefixes or ranges; with none, or "-", one per line is
read from standard input; @FILE or --file FILE reads them from a list file.
IPv4 and IPv6 never contain each other (an IPv4-mapped ::ffff:10.0.0.1 is not
in 10.0.0.0/8) unless --unmap is given.

The container comes first. "netcalc contains 10.1.2.3 10.0.0.0/8" (a single
address first, then a prefix or range of more addresses, which one address
can never contain) is refused with exit status 2 and the command meant.

Exit status: 0 when every item is contained, 1 when any is not, 2 on bad
input or no item at all (there is no "yes" about nothing).`,
		Example: `  netcalc contains 10.0.0.0/8 10.1.2.3 10.0.0.0/30 192.168.0.1
  netcalc contains @allowlist.txt 198.51.100.7
  netcalc contains 10.0.0.0/8 --file addresses.txt
  netcalc contains -o json 2001:db8::/32 2001:db8::1`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return env.usageError("contains", "no container: give the prefix, range or @FILE list to look in, then the items")
			}
			if err := containsOrder(env, args); err != nil {
				return err
			}
			opts.Container, opts.Items = args[0], listArgs(args[1:], opts.Files)
			return containsRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Unmap, "unmap", false, "treat IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) as IPv4")
	addFileFlag(f, &opts.Files)
	return cmd
}

// containsOrder refuses "contains ADDRESS PREFIX": a single address
// written without a length, then a prefix or range of more than one
// address. One address never contains more, so the question is always the
// other way round; answering "no" would mislead a script, and swapping
// silently would guess.
func containsOrder(env *Env, args []string) error {
	if len(args) < 2 || strings.ContainsAny(args[0], "/-@ ") {
		return nil
	}
	a, err := netcalc.ParseEntry(args[0])
	if err != nil || a.Range.From() != a.Range.To() {
		return nil
	}
	b, err := netcalc.ParseEntry(args[1])
	if err != nil || b.Range.From() == b.Range.To() {
		return nil
	}
	meant := "netcalc contains " + args[1] + " " + args[0]
	if len(args) > 2 {
		meant += " ..."
	}
	return env.usageError("contains", "the container comes first (contains CONTAINER ITEM...): %s is one address, which cannot contain %s; did you mean '%s'?",
		quoteToken(args[0]), quoteToken(args[1]), meant)
}

func containsRun(env *Env, opts *containsOptions) error {
	// Refused before the container is read; eachEntry's check then passes.
	if err := env.waitsOnTerminal("contains", opts.Items, "the addresses, prefixes or ranges to look for"); err != nil {
		return err
	}
	var container *netcalc.Set
	if name, ok := strings.CutPrefix(opts.Container, "@"); ok {
		var b netcalc.SetBuilder
		lr := newListLoader(env)
		lr.unmap = opts.Unmap
		lr.load(name, &b)
		if err := lr.finish(); err != nil {
			return err
		}
		container = b.Set()
	} else {
		e, err := netcalc.ParseEntry(opts.Container)
		if err != nil {
			return BadInputf("container: %s", inputMessage(err))
		}
		(&maskNote{env: env}).check(Input{}, e)
		if opts.Unmap {
			e = e.Unmap()
		}
		container = netcalc.SetOfRange(e.Range)
	}
	t := env.NewTable()
	var buf []byte
	n, err := env.eachEntry("contains", opts.Items, "the addresses, prefixes or ranges to look for", func(text string, e netcalc.ListEntry) error {
		if opts.Unmap {
			e = e.Unmap()
		}
		inside := container.ContainsRange(e.Range)
		some := inside || container.OverlapsRange(e.Range)
		if !inside {
			env.Record(ExitFail)
		}
		if env.JSON() {
			buf = append(buf[:0], `{"item":`...)
			buf = netcalc.AppendJSONString(buf, text)
			buf = append(buf, `,"contained":`...)
			buf = strconv.AppendBool(buf, inside)
			buf = append(buf, `,"overlaps":`...)
			buf = strconv.AppendBool(buf, some)
			buf = append(buf, "}\n"...)
			_, err := env.Out.Write(buf)
			return err
		}
		var answer string
		switch {
		case inside:
			answer = env.Paint(Green, "yes")
		case some:
			answer = env.Paint(Yellow, "partly")
		default:
			answer = env.Paint(Red, "no")
		}
		t.Row(text, answer)
		return nil
	})
	if ferr := t.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if n == 0 && env.code == 0 {
		env.Report(BadInputf("no input: contains wants at least one address, prefix or range to look for in %s", quoteToken(opts.Container)))
	}
	return env.Finish()
}

// eachEntry calls fn with each input of args, as EachInput reads them,
// that is an address, prefix or range: its text without a "#" comment and
// its entry. A bad one is reported with BadLine, the first prefix with host
// bits set with maskNote. First it refuses, as waitsOnTerminal does, to
// wait on a terminal for the input of command cmd (what names it). It
// returns how many inputs there were, bad ones included.
func (e *Env) eachEntry(cmd string, args []string, what string, fn func(text string, x netcalc.ListEntry) error) (int, error) {
	if err := e.waitsOnTerminal(cmd, args, what); err != nil {
		return 0, err
	}
	note := maskNote{env: e}
	return e.EachInput(args, true, func(in Input) error {
		text := stripComment(in)
		x, err := netcalc.ParseEntry(text)
		if err != nil {
			e.BadLine(in, err)
			return nil
		}
		note.check(in, x)
		return fn(text, x)
	})
}

// maskNote says once per run, on standard error, that a prefix written
// with host bits set (10.0.0.1/24) stands for its network, as merge and
// split do.
type maskNote struct {
	env  *Env
	said bool
}

func (m *maskNote) check(in Input, e netcalc.ListEntry) {
	if e.HostBits() && !m.said {
		m.said = true
		m.env.Warnf("%s%s has host bits set; using its network %s", in.Where(), e.Prefix, e.Prefix.Masked())
	}
}

// stripComment returns the input text without a "#" comment when it came
// from a stream (the entry that commands parse and echo back).
func stripComment(in Input) string {
	if i := strings.IndexByte(in.Text, '#'); i >= 0 && in.Line > 0 {
		return strings.TrimSpace(in.Text[:i])
	}
	return in.Text
}

type overlapsOptions struct {
	Args  []string
	Files []string // --file
}

func newOverlapsCmd(env *Env) *cobra.Command {
	opts := &overlapsOptions{}
	cmd := &cobra.Command{
		Use:   "overlaps [A B C...|@FILE|-]",
		Short: "Print which pairs of prefixes or ranges overlap, and where",
		Long: `Print each pair of inputs that share addresses, with the shared part as
CIDRs. Inputs are prefixes, addresses or ranges (mixed families allowed); with
no arguments, or "-", one per line is read from standard input; @FILE or
--file FILE reads a list file. Pairs are found by a sort and sweep, so long
lists are fine.

Exit status: 0 when at least one pair overlaps, 1 when none does (so
"! netcalc overlaps ..." checks a plan has no conflicts), 2 on bad input or
fewer than two inputs.`,
		Example: `  netcalc overlaps 10.0.0.0/16 10.0.128.0/20 10.1.0.0/16
  netcalc overlaps -o json < subnets.txt
  netcalc overlaps --file plan.txt 10.9.0.0/16`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = listArgs(args, opts.Files)
			return overlapsRun(env, opts)
		},
	}
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func overlapsRun(env *Env, opts *overlapsOptions) error {
	var texts []string
	var ranges []netipx.IPRange
	_, err := env.eachEntry("overlaps", opts.Args, "prefixes or ranges", func(text string, e netcalc.ListEntry) error {
		texts, ranges = append(texts, text), append(ranges, e.Range)
		return nil
	})
	if err != nil {
		return err
	}
	if err := env.Finish(); err != nil {
		return err
	}
	switch len(texts) {
	case 0:
		return BadInputf("no input: overlaps wants at least two prefixes or ranges to compare")
	case 1:
		return BadInputf("overlaps wants at least two prefixes or ranges to compare, got one: %s", quoteToken(texts[0]))
	}
	pairs := netcalc.Overlaps(ranges)
	t := env.NewTable()
	var buf []byte
	for _, o := range pairs {
		if env.JSON() {
			buf = append(o.AppendJSON(buf[:0], texts[o.A], texts[o.B]), '\n')
			if _, err := env.Out.Write(buf); err != nil {
				return err
			}
			continue
		}
		cidrs := netcalc.RangePrefixes(o.Common)
		parts := make([]string, len(cidrs))
		for i, p := range cidrs {
			parts[i] = p.String()
		}
		t.Row(texts[o.A], texts[o.B], strings.Join(parts, ","))
	}
	if err := t.Flush(); err != nil {
		return err
	}
	if len(pairs) == 0 {
		if !env.JSON() {
			env.Out.Write([]byte("no overlaps\n"))
		}
		env.Record(ExitFail)
		return env.Finish()
	}
	return nil
}
