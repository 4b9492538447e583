package cli

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type addOptions struct {
	Files []string // --file
	Verb  string   // "add" or "sub"
	N     string
	Args  []string
}

func newAddCmd(env *Env, verb string) *cobra.Command {
	opts := &addOptions{Verb: verb}
	short, long, example := "Add N to each address; past the last address is an error, never a wrap",
		`Print each address plus N. N is a whole number, decimal or 0x hex; a
negative N goes down (write it after "--": netcalc add -- -5 ADDRESS). The
result never wraps around: 255.255.255.255 plus 1 is an error (exit 2), not
0.0.0.0. For the subnet after a prefix, use "netcalc next"; for the
distance between two addresses, "netcalc distance".

With only N, or N and "-", one address per line is read from standard
input. Bad inputs are reported and the others still printed, with exit
status 2.`,
		`  netcalc add 10 10.0.0.250
  netcalc add 0x10000 2001:db8::1
  netcalc add -- -1 10.0.1.0`
	if verb == "sub" {
		short, long, example = "Subtract N from each address; below the first address is an error",
			`Print each address minus N, as "netcalc add" with -N: the result never
wraps around (0.0.0.0 minus 1 is an error, exit 2).

With only N, or N and "-", one address per line is read from standard
input.`,
			`  netcalc sub 1 10.0.1.0
  netcalc sub 256 2001:db8::1:0`
	}
	cmd := &cobra.Command{
		Use:     verb + " N ADDRESS...",
		Short:   short,
		Long:    long,
		Example: example,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return BadInputf("missing N, the number to %s; run 'netcalc %s --help' for usage", verb, verb)
			}
			opts.N, opts.Args = args[0], args[1:]
			return addRun(env, opts)
		},
	}
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func addRun(env *Env, opts *addOptions) error {
	n, err := parseBig(opts.N, "N")
	if err != nil {
		return err
	}
	if opts.Verb == "sub" {
		n.Neg(n)
	}
	return eachCalc(env, listArgs(opts.Args, opts.Files), opts.Verb, "an address", func(in Input, s string) (calcOut, error) {
		if strings.IndexByte(s, '/') >= 0 {
			return calcOut{}, errors.New("is a prefix, expected an address (for the subnet after a prefix, use 'netcalc next')")
		}
		a, err := netcalc.ParseAddr(s)
		if err != nil {
			return calcOut{}, err
		}
		r, err := netcalc.AddrAdd(a, n)
		if err != nil {
			return calcOut{}, err
		}
		return calcOut{Text: r.String() + "\n", JSON: struct {
			Address string `json:"address"`
			Add     string `json:"add"`
			Result  string `json:"result"`
		}{a.String(), n.String(), r.String()}}, nil
	})
}
