package cli

import (
	"math/big"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

func init() {
	register(func(env *Env) *cobra.Command { return newNextCmd(env, "next", nil) })
	register(func(env *Env) *cobra.Command { return newNextCmd(env, "prev", nil) })
}

type nextOptions struct {
	Verb string // "next" or "prev"
	Args []string
}

func newNextCmd(env *Env, verb string, runF func(*nextOptions) error) *cobra.Command {
	opts := &nextOptions{Verb: verb}
	where, ex := "after", "  netcalc next 10.0.0.0/24\n  netcalc next 2001:db8::/48 2001:db8:ffff::/48"
	if verb == "prev" {
		where, ex = "before", "  netcalc prev 10.0.1.0/24\n  netcalc prev 2001:db8:1::/48"
	}
	cmd := &cobra.Command{
		Use:   verb + " PREFIX...",
		Short: "Print the subnet of the same size right " + where + " each prefix",
		Long: `Print, for each prefix, the subnet of the same length right ` + where + ` it
(10.0.0.0/24 -> 10.0.` + map[string]string{"next": "1", "prev": "255"}[verb] + `.0/24` + map[string]string{"next": "", "prev": " for 10.0.1.0/24... and 9.255.255.0/24 for 10.0.0.0/24"}[verb] + `).
Host bits are ignored (the prefix's network is used). There is no subnet
` + where + ` the ` + map[string]string{"next": "last", "prev": "first"}[verb] + ` one of the address space: that is an error (exit 2),
never a wrap. With no arguments, or "-", one prefix per line is read from
standard input.`,
		Example: ex,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return nextRun(env, opts)
		},
	}
	return cmd
}

func nextRun(env *Env, opts *nextOptions) error {
	step := big.NewInt(1)
	if opts.Verb == "prev" {
		step.SetInt64(-1)
	}
	return eachCalc(env, opts.Args, opts.Verb, "a prefix such as 10.0.0.0/24", func(in Input, s string) (calcOut, error) {
		p, err := netcalc.ParsePrefix(s)
		if err != nil {
			return calcOut{}, err
		}
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
