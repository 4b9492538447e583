package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

func init() { register(func(env *Env) *cobra.Command { return newRangeCmd(env, nil) }) }

type rangeOptions struct {
	Args []string
}

func newRangeCmd(env *Env, runF func(*rangeOptions) error) *cobra.Command {
	opts := &rangeOptions{}
	cmd := &cobra.Command{
		Use:   "range FIRST-LAST...",
		Short: "Turn address ranges into the exact minimal list of CIDRs",
		Long: `Print, for each range, the minimal sorted list of CIDR prefixes holding
exactly its addresses: no address outside the range is taken in (for the
single smallest prefix covering a range, see "netcalc supernet").

A range is FIRST-LAST with two addresses of one family (10.0.0.3-10.0.0.77,
2001:db8::1-2001:db8::ff). An address or a prefix is also accepted and
printed as its network. With no arguments, or "-", one range per line is read
from standard input ("#" comments and blank lines skipped). Bad inputs are
reported and the others still printed, with exit status 2.`,
		Example: `  netcalc range 10.0.0.3-10.0.0.77
  netcalc range 2001:db8::1-2001:db8::ff
  netcalc range -o json 198.51.100.10-198.51.100.20`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(opts)
			}
			return rangeRun(env, opts)
		},
	}
	return cmd
}

func rangeRun(env *Env, opts *rangeOptions) error {
	var buf []byte
	note := maskNote{env: env}
	err := env.EachInput(opts.Args, true, func(in Input) error {
		e, err := netcalc.ParseEntry(stripComment(in))
		if err != nil {
			env.Report(BadInputf("%s%s", in.Where(), strings.TrimPrefix(err.Error(), "netcalc: ")))
			return nil
		}
		note.check(in, e)
		for _, p := range netcalc.RangePrefixes(e.Range) {
			if env.JSON() {
				buf = append(buf[:0], `{"range":"`...)
				buf = append(buf, e.Range.String()...)
				buf = append(buf, `",`...)
				buf = append(buf, appendPrefixJSON(nil, p)[1:]...) // without its '{'
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
