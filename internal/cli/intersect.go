package cli

import (
	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

func init() { register(func(env *Env) *cobra.Command { return newIntersectCmd(env, nil) }) }

type intersectOptions struct {
	Files  []string
	Ranges bool
	Count  bool
	Unmap  bool
}

func newIntersectCmd(env *Env, runF func(*intersectOptions) error) *cobra.Command {
	opts := &intersectOptions{}
	cmd := &cobra.Command{
		Use:   "intersect FILE FILE...",
		Short: "Print the addresses common to all lists, as minimal CIDRs",
		Long: `Read two or more address lists (same format as "netcalc merge"; "-" is
standard input, usable once) and print the addresses present in every one of
them as the minimal sorted CIDR list, IPv4 first. An empty intersection
prints nothing and exits 1.`,
		Example: `  netcalc intersect allowed.txt seen.txt
  netcalc intersect --count a.txt b.txt c.txt`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Ranges && opts.Count {
				return BadInputf("--ranges and --count cannot be used together")
			}
			if runF != nil {
				return runF(opts)
			}
			return intersectRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Ranges, "ranges", false, "print first-last ranges instead of CIDRs")
	f.BoolVar(&opts.Count, "count", false, "print the number of addresses instead of CIDRs")
	f.BoolVar(&opts.Unmap, "unmap", false, "treat IPv4-mapped IPv6 entries (::ffff:10.0.0.1) as IPv4")
	return cmd
}

func intersectRun(env *Env, opts *intersectOptions) error {
	lr := newListLoader(env)
	lr.unmap = opts.Unmap
	var acc *netcalc.Set
	for i, name := range opts.Files {
		var b netcalc.SetBuilder
		lr.load(name, b.AddEntry)
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
	if err := printSet(env, acc, opts.Ranges, opts.Count); err != nil {
		return err
	}
	if acc.IsEmpty() && !opts.Count {
		return Failedf("the lists have no address in common")
	}
	return nil
}
