package cli

import (
	"math/big"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type nextOptions struct {
	Files []string // --file
	Verb  string   // "next" or "prev"
	Args  []string
}

func newNextCmd(env *Env, verb string) *cobra.Command {
	opts := &nextOptions{Verb: verb}
	short := "Print the subnet of the same size right after each prefix"
	long := `Print, for each prefix, the subnet of the same length right after it
(10.0.0.0/24 -> 10.0.1.0/24, 2001:db8::/48 -> 2001:db8:1::/48). Host bits
are ignored: the prefix's network is used. There is no subnet after the last
one of the address space (255.255.255.0/24): that is an error (exit 2),
never a wrap to the start.

With no arguments, or "-", one prefix per line is read from standard input.`
	ex := "  netcalc next 10.0.0.0/24\n  netcalc next 2001:db8::/48 198.51.100.128/25"
	if verb == "prev" {
		short = "Print the subnet of the same size right before each prefix"
		long = `Print, for each prefix, the subnet of the same length right before it
(10.0.1.0/24 -> 10.0.0.0/24, 10.0.0.0/24 -> 9.255.255.0/24). Host bits are
ignored: the prefix's network is used. There is no subnet before the first
one of the address space (0.0.0.0/24): that is an error (exit 2), never a
wrap to the end.

With no arguments, or "-", one prefix per line is read from standard input.`
		ex = "  netcalc prev 10.0.1.0/24\n  netcalc prev 2001:db8:1::/48"
	}
	cmd := &cobra.Command{
		Use:     verb + " PREFIX...",
		Short:   short,
		Long:    long,
		Example: ex,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return nextRun(env, opts)
		},
	}
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func nextRun(env *Env, opts *nextOptions) error {
	step := big.NewInt(1)
	if opts.Verb == "prev" {
		step.SetInt64(-1)
	}
	note := maskNote{env: env}
	return eachCalc(env, listArgs(opts.Args, opts.Files), opts.Verb, "a prefix such as 10.0.0.0/24", func(in Input, s string) (calcOut, error) {
		p, err := netcalc.ParsePrefix(s)
		if err != nil {
			return calcOut{}, err
		}
		note.check(in, netcalc.ListEntry{Prefix: p})
		r, err := netcalc.PrefixStep(p, step)
		if err != nil {
			return calcOut{}, err
		}
		return calcOut{Text: r.String() + "\n", JSON: struct {
			Prefix string `json:"prefix"`
			Result string `json:"result"`
		}{p.Masked().String(), r.String()}}, nil
	})
}
