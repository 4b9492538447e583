package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc"
)

func init() { register(func(env *Env) *cobra.Command { return newSupernetCmd(env, nil) }) }

type supernetOptions struct {
	Args []string
}

func newSupernetCmd(env *Env, runF func(*supernetOptions) error) *cobra.Command {
	opts := &supernetOptions{}
	cmd := &cobra.Command{
		Use:   "supernet PREFIX|ADDRESS|RANGE...",
		Short: "Print the smallest single prefix covering all inputs, and what it adds",
		Long: `Print the smallest single CIDR prefix that holds every input address,
prefix or range, with its size and how many addresses it takes in that no
input holds (the price of one route instead of several). Inputs must all be
IPv4 or all IPv6. With no arguments, or "-", one input per line is read from
standard input. For the exact minimal list instead, use "netcalc merge".`,
		Example: `  netcalc supernet 10.0.0.0/24 10.0.3.0/24
  netcalc supernet -o json 2001:db8:1::/48 2001:db8:2::/48`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return supernetRun(env, opts)
		},
	}
	return cmd
}

func supernetRun(env *Env, opts *supernetOptions) error {
	var b netcalc.SetBuilder
	note := maskNote{env: env}
	n := 0
	err := env.EachInput(opts.Args, true, func(in Input) error {
		e, err := netcalc.ParseEntry(stripComment(in))
		if err != nil {
			env.Report(BadInputf("%s%s", in.Where(), strings.TrimPrefix(err.Error(), "netcalc: ")))
			return nil
		}
		note.check(in, e)
		b.AddEntry(e)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if err := env.Finish(); err != nil {
		return err
	}
	s := b.Set()
	p, ok := s.Supernet()
	switch {
	case n == 0:
		return BadInputf("no input: give prefixes, addresses or ranges")
	case !ok:
		return BadInputf("the inputs mix IPv4 and IPv6; no single prefix covers both families")
	}
	total := netcalc.PrefixCount(p)
	inputs := s.Count()
	extra := total.Sub(inputs)
	r := netipx.RangeOfPrefix(p)
	if env.JSON() {
		return WriteJSON(env.Out, struct {
			CIDR      string        `json:"cidr"`
			First     string        `json:"first"`
			Last      string        `json:"last"`
			Addresses netcalc.Count `json:"addresses"`
			Inputs    netcalc.Count `json:"input_addresses"`
			Extra     netcalc.Count `json:"extra_addresses"`
		}{p.String(), r.From().String(), r.To().String(), total, inputs, extra})
	}
	_, err = io.WriteString(env.Out, p.String()+"\t"+total.String()+" addresses, "+extra.String()+" not in the inputs\n")
	return err
}
