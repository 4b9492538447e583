package cli

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type distanceOptions struct {
	Files []string // --file
	Args  []string
}

func newDistanceCmd(env *Env) *cobra.Command {
	opts := &distanceOptions{}
	cmd := &cobra.Command{
		Use:   "distance FROM TO | FROM-TO...",
		Short: "Print how many steps separate two addresses (TO minus FROM)",
		Long: `Print TO minus FROM: the signed number of addresses from FROM to TO, so
that "netcalc add DISTANCE FROM" gives TO (negative when TO comes first).
Both addresses must be of one family. The pair is two arguments, or one
FROM-TO argument; several FROM-TO arguments give one line each. With no
arguments, or "-", one pair per line ("FROM TO" or "FROM-TO") is read from
standard input.`,
		Example: `  netcalc distance 10.0.0.1 10.0.1.0
  netcalc distance 2001:db8::-2001:db8::1:0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return distanceRun(env, opts)
		},
	}
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func distanceRun(env *Env, opts *distanceOptions) error {
	args := opts.Args
	if len(args) == 2 && !strings.Contains(args[0], "-") && !strings.Contains(args[1], "-") {
		args = []string{args[0] + " " + args[1]}
	}
	return eachCalc(env, listArgs(args, opts.Files), "distance", "two addresses FROM TO or FROM-TO", func(in Input, s string) (calcOut, error) {
		f := strings.Fields(s)
		if len(f) == 1 {
			f = strings.SplitN(s, "-", 2)
		}
		if len(f) != 2 {
			return calcOut{}, errors.New("expected two addresses, FROM TO or FROM-TO")
		}
		a, err := netcalc.ParseAddr(f[0])
		if err != nil {
			return calcOut{}, err
		}
		b, err := netcalc.ParseAddr(f[1])
		if err != nil {
			return calcOut{}, err
		}
		d, err := netcalc.AddrDistance(a, b)
		if err != nil {
			return calcOut{}, err
		}
		return calcOut{Text: d.String() + "\n", JSON: struct {
			From     string `json:"from"`
			To       string `json:"to"`
			Distance string `json:"distance"`
		}{a.String(), b.String(), d.String()}}, nil
	})
}
