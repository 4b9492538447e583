package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

func newIntersectCmd(env *Env) *cobra.Command {
	opts := &setOptions{}
	cmd := &cobra.Command{
		Use:   "intersect A B [C...]",
		Short: "Print the addresses common to all lists, as minimal CIDRs",
		Long: `Print the addresses present in every operand as the minimal sorted CIDR
list, IPv4 first. An operand is an address list, as @FILE, --file FILE, "-"
(standard input, usable once) or a bare file name (same format as "netcalc
merge"), or a single prefix, address or range. Give at least two.

An empty intersection prints nothing and exits 1. An operand with no entries
(an empty file) is bad input, exit 2: there is nothing to intersect.`,
		Example: `  netcalc intersect @allowed.txt @seen.txt
  netcalc intersect --total a.txt b.txt c.txt
  netcalc intersect 10.0.0.0/8 --file seen.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = listArgs(args, opts.Files)
			if len(opts.Args) < 2 {
				return env.usageError("intersect", "intersect wants at least two lists or prefixes, got %d", len(opts.Args))
			}
			if opts.Ranges && opts.Total {
				return BadInputf("--ranges and --total cannot be used together")
			}
			return intersectRun(env, opts)
		},
	}
	opts.addFlags(env, cmd.Flags())
	return cmd
}

func intersectRun(env *Env, opts *setOptions) error {
	lr := newListLoader(env)
	lr.unmap = opts.Unmap
	var acc *netcalc.Set
	for i, arg := range opts.Args {
		var b netcalc.SetBuilder
		before := lr.nbad
		if lr.operand(arg, &b) == 0 && lr.nbad == before {
			name := quoteToken(strings.TrimPrefix(arg, "@"))
			if arg == "-" || arg == "@-" {
				name = "standard input"
			}
			lr.bad(fmt.Errorf("no input: %s has no entries; intersect wants at least one address, prefix or range in each list", name))
		}
		s := b.Set()
		if i == 0 {
			acc = s
		} else {
			acc = acc.Intersect(s)
		}
	}
	if err := lr.finish(); err != nil {
		return err
	}
	if err := printSet(env, acc, opts.Ranges, opts.Total); err != nil {
		return err
	}
	if acc.IsEmpty() && !opts.Total {
		return Failedf("the lists have no address in common")
	}
	return nil
}
