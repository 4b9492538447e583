package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type supernetOptions struct {
	Args  []string
	Files []string // --file
}

func newSupernetCmd(env *Env) *cobra.Command {
	opts := &supernetOptions{}
	cmd := &cobra.Command{
		Use:   "supernet [PREFIX|ADDRESS|RANGE|@FILE|-]...",
		Short: "Print the smallest single prefix covering all inputs, and what it adds",
		Long: `Print the smallest single CIDR prefix that holds every input address,
prefix or range, with its size and how many addresses it takes in that no
input holds (the price of one route instead of several). Inputs must all be
IPv4 or all IPv6. For the exact minimal list instead, use "netcalc merge".

Inputs are arguments; with none, or "-", one per line is read from standard
input; @FILE or --file FILE reads a list file ("#" comments and blank lines
skipped). No input at all is bad input (exit 2): there is no supernet of
nothing.`,
		Example: `  netcalc supernet 10.0.0.0/24 10.0.3.0/24
  netcalc supernet -o json 2001:db8:1::/48 2001:db8:2::/48`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = listArgs(args, opts.Files)
			return supernetRun(env, opts)
		},
	}
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func supernetRun(env *Env, opts *supernetOptions) error {
	var b netcalc.SetBuilder
	n, err := env.eachEntry("supernet", opts.Args, "prefixes, addresses or ranges", func(_ string, e netcalc.ListEntry) error {
		b.AddEntry(e)
		return nil
	})
	if err != nil {
		return err
	}
	if err := env.Finish(); err != nil {
		return err
	}
	c, ok := b.Set().Cover()
	switch {
	case n == 0:
		return BadInputf("no input: supernet wants at least one prefix, address or range")
	case !ok:
		return BadInputf("the inputs mix IPv4 and IPv6; no single prefix covers both families")
	}
	if env.JSON() {
		return WriteJSON(env.Out, c)
	}
	_, err = io.WriteString(env.Out, c.Prefix.String()+"\t"+c.Addresses.String()+" addresses, "+c.Extra.String()+" not in the inputs\n")
	return err
}
