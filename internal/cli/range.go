package cli

import (
	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type rangeOptions struct {
	Args  []string
	Files []string // --file
}

func newRangeCmd(env *Env) *cobra.Command {
	opts := &rangeOptions{}
	cmd := &cobra.Command{
		Use:   "range [FIRST-LAST|@FILE|-]...",
		Short: "Turn address ranges into the exact minimal list of CIDRs",
		Long: `Print, for each range, the minimal sorted list of CIDR prefixes holding
exactly its addresses: no address outside the range is taken in (for the
single smallest prefix covering a range, see "netcalc supernet").

A range is FIRST-LAST with two addresses of one family (10.0.0.3-10.0.0.77,
2001:db8::1-2001:db8::ff). An address or a prefix is also accepted and
printed as its network.

Inputs are arguments; with none, or "-", one per line is read from standard
input; @FILE or --file FILE reads a list file ("#" comments and blank lines
skipped). No input prints nothing (exit 0). Bad inputs are reported on
standard error (and as {"input","line","error"} with -o json) and the others
still printed, with exit status 2.`,
		Example: `  netcalc range 10.0.0.3-10.0.0.77
  netcalc range 2001:db8::1-2001:db8::ff
  netcalc range -o json 198.51.100.10-198.51.100.20`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = listArgs(args, opts.Files)
			return rangeRun(env, opts)
		},
	}
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func rangeRun(env *Env, opts *rangeOptions) error {
	var buf []byte
	_, err := env.eachEntry("range", opts.Args, "ranges", func(_ string, e netcalc.ListEntry) error {
		for _, p := range netcalc.RangePrefixes(e.Range) {
			if env.JSON() {
				buf = append(buf[:0], `{"range":"`...)
				buf = append(buf, e.Range.String()...)
				buf = append(buf, `",`...)
				buf = append(buf, netcalc.AppendPrefixJSON(nil, p)[1:]...) // without its '{'
			} else {
				buf = p.AppendTo(buf[:0])
			}
			if _, err := env.Out.Write(append(buf, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return env.Finish()
}
