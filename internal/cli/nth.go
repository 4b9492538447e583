package cli

import (
	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type nthOptions struct {
	Files  []string // --file
	Index  string
	Prefix string // length of the subnets, "" for addresses
	Args   []string
}

func newNthCmd(env *Env) *cobra.Command {
	opts := &nthOptions{}
	cmd := &cobra.Command{
		Use:   "nth INDEX BLOCK...",
		Short: "Print address number INDEX of each block, or subnet number INDEX with --prefix",
		Long: `Print address number INDEX of each block: 0 is the network address
itself, 1 the first host of an IPv4 /24, and a negative INDEX counts from
the end (-1 is the last address, the IPv4 broadcast), as Python's
ip_network(BLOCK)[INDEX] does. With --prefix LEN, print subnet number INDEX
among the /LEN subnets of each block instead (0 the first, -1 the last).
INDEX is decimal or 0x hex; write a negative one after "--"
(netcalc nth -- -1 10.0.0.0/24). An INDEX past the end is an error (exit 2).

With only INDEX, or INDEX and "-", one block per line is read from standard
input.`,
		Example: `  netcalc nth 10 198.51.100.0/24
  netcalc nth -- -1 198.51.100.0/24
  netcalc nth --prefix 24 5 10.1.0.0/16
  netcalc nth --prefix /64 0x2a 2001:db8::/48`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return BadInputf("missing INDEX, the number of the address or subnet; run 'netcalc nth --help' for usage")
			}
			opts.Index, opts.Args = args[0], args[1:]
			return nthRun(env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Prefix, "prefix", "", "print subnet INDEX of this prefix length `LEN` (24 or /24) instead of an address")
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func nthRun(env *Env, opts *nthOptions) error {
	i, err := parseBig(opts.Index, "INDEX")
	if err != nil {
		return err
	}
	bits := -1
	if opts.Prefix != "" {
		n, ok := netcalc.ParseLength(opts.Prefix)
		if !ok || n > 128 {
			return BadInputf("--prefix %s is not a prefix length, expected a number 0-128 such as 24 or /24", quoteToken(opts.Prefix))
		}
		bits = n
	}
	note := maskNote{env: env}
	return eachCalc(env, listArgs(opts.Args, opts.Files), "nth", "a block such as 10.0.0.0/24", func(in Input, s string) (calcOut, error) {
		p, err := netcalc.ParsePrefix(s)
		if err != nil {
			return calcOut{}, err
		}
		note.check(in, netcalc.ListEntry{Prefix: p})
		type nthJSON struct {
			Block   string `json:"block"`
			Index   string `json:"index"`
			Address string `json:"address,omitempty"`
			Subnet  string `json:"subnet,omitempty"`
		}
		if bits < 0 {
			a, err := netcalc.NthAddr(p, i)
			if err != nil {
				return calcOut{}, err
			}
			return calcOut{Text: a.String() + "\n", JSON: nthJSON{Block: p.Masked().String(), Index: i.String(), Address: a.String()}}, nil
		}
		sub, err := netcalc.NthSubnet(p, bits, i)
		if err != nil {
			return calcOut{}, err
		}
		return calcOut{Text: sub.String() + "\n", JSON: nthJSON{Block: p.Masked().String(), Index: i.String(), Subnet: sub.String()}}, nil
	})
}
