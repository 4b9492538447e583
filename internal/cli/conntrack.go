package cli

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/conntrack"
)

type conntrackOptions struct {
	File  string
	Ports string // --ports LO-HI
}

func newConntrackCmd(env *Env) *cobra.Command {
	opts := &conntrackOptions{}
	cmd := &cobra.Command{
		Use:   "conntrack [FILE|-]",
		Short: "Read a real conntrack table (conntrack -L, /proc/net/nf_conntrack) as netcalc's NAT views",
		Long: `Read the connection tracking table of a real Linux host or router, as
"conntrack -L" prints it or as /proc/net/nf_conntrack holds it (lines that
start with the address family, "ipv4     2 "), and print what
"netcalc nat simulate" prints for a simulation:

  - the entries by protocol and state, with how many are [ASSURED] and
    [UNREPLIED];
  - the entries per source address and per external address:port (the
    reply's destination: what the outside sees);
  - the translations, one per entry, in the inside/outside, local/global
    view: INSIDE LOCAL is the original source, INSIDE GLOBAL the reply's
    destination, OUTSIDE LOCAL the original destination, OUTSIDE GLOBAL the
    reply's source; NAT says snat, dnat, snat+dnat or none. For ICMP the
    port is the echo identifier;
  - the source-NAT port usage per external address and protocol, and per
    destination the ports taken out of those NAT can choose from, with the
    exhaustion risk: low (under 50 %), medium (under 80 %), high, exhausted.
    A mapping is unique per destination address and port, so a port range
    runs out per destination. Without --ports the range is the kernel's
    default for MASQUERADE or SNAT without --to-ports: 1024-65535 for an
    original port from 1024 (64512 ports), 600-1023 under 1024, 1-511 under
    512, every identifier for ICMP.

It reads tcp, udp, icmp, icmpv6, sctp, dccp, gre, udplite and unknown
protocols, zones, marks, labels, secctx, use=, counters (packets=,
bytes=), ids and timestamps. conntrack's "N flow entries have been shown"
summary, blank lines and '#' comments are skipped. Any other line is bad
input: it is named by its line number with the offending token quoted,
and the views are not printed (exit 2).

With no FILE, or "-", the table is read from standard input.`,
		Example: `  conntrack -L | netcalc conntrack
  netcalc conntrack /proc/net/nf_conntrack
  netcalc conntrack --ports 5000-5999 router.conntrack
  netcalc conntrack -o json router.conntrack`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if opts.File == "" && env.StdinTTY {
				return env.usageError("conntrack", "no input: give a FILE of conntrack -L output, or pipe it")
			}
			if opts.File == "" {
				opts.File = "-"
			}
			return conntrackRun(env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Ports, "ports", "", "source NAT port range `LO-HI` (iptables --to-ports) for the exhaustion risk (default: the kernel's default range)")
	return cmd
}

func conntrackRun(env *Env, opts *conntrackOptions) error {
	pr, ok := conntrack.ParsePortRange(opts.Ports)
	if !ok && opts.Ports != "" {
		return BadInputf("--ports: %s is not a port range such as 1024-65535", quoteToken(opts.Ports))
	}
	r, source, err := env.openList(opts.File)
	if err != nil {
		return err
	}
	defer r.Close()
	ents, bad, err := conntrack.ParseList(r)
	for _, b := range bad {
		env.BadLine(Input{Text: b.Text, Line: b.Line, Source: source},
			&netcalc.ParseError{Input: b.Err.Token, Msg: b.Err.Msg})
	}
	if err != nil {
		var le *conntrack.ListError
		if errors.As(err, &le) {
			return BadInputf("%s%s", Input{Line: le.Line, Source: source}.Where(), le.Err.Msg)
		}
		return readError(source, 0, err)
	}
	if len(bad) > 0 {
		return env.Finish()
	}
	v := conntrack.View(ents, pr)
	if env.JSON() {
		for _, o := range v.Records(source, len(ents)) {
			if err := WriteJSON(env.Out, o); err != nil {
				return err
			}
		}
		return nil
	}
	return conntrackText(env, source, len(ents), v)
}

func conntrackText(env *Env, source string, n int, v conntrack.Views) error {
	w := env.Out
	fmt.Fprintln(w, env.Paint(Bold, fmt.Sprintf("# %s: %d entries", source, n)))
	fmt.Fprintln(w)
	fmt.Fprintln(w, env.Paint(Bold, "# entries by state"))
	tb := env.NewTable()
	tb.Row("PRO", "STATE", "ENTRIES", "ASSURED", "UNREPLIED")
	for _, s := range v.States {
		tb.Row(s.Proto, dash(s.State), strconv.Itoa(s.Entries), strconv.Itoa(s.Assured), strconv.Itoa(s.Unreplied))
	}
	if err := tb.Flush(); err != nil {
		return err
	}
	for _, sec := range []struct {
		title, head string
		rows        []conntrack.AddrCount
	}{{"# entries per source", "SOURCE", v.Sources}, {"# entries per external address:port", "EXTERNAL", v.Externals}} {
		fmt.Fprintln(w)
		fmt.Fprintln(w, env.Paint(Bold, sec.title))
		tb = env.NewTable()
		tb.Row(sec.head, "ENTRIES")
		for _, c := range sec.rows {
			tb.Row(c.Addr, strconv.Itoa(c.Entries))
		}
		if err := tb.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, env.Paint(Bold, "# translations (inside/outside, local/global)"))
	tb = env.NewTable()
	tb.Row("LINE", "PRO", "NAT", "INSIDE GLOBAL", "INSIDE LOCAL", "OUTSIDE LOCAL", "OUTSIDE GLOBAL", "STATE", "TIMEOUT")
	for _, t := range v.Translations {
		tb.Row(strconv.Itoa(t.Line), t.Proto, t.NAT, t.InsideGlobal, t.InsideLocal,
			t.OutsideLocal, t.OutsideGlobal, dash(t.State), strconv.Itoa(int(t.Timeout)))
	}
	if err := tb.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, env.Paint(Bold, "# source NAT port usage per external address"))
	if len(v.PortUsage) == 0 {
		fmt.Fprintln(w, "no source-translated entries with ports or ICMP identifiers")
		return nil
	}
	tb = env.NewTable()
	tb.Row("EXTERNAL", "PRO", "PORTS", "DESTINATION", "USED", "OF", "USE", "RISK")
	for _, pu := range v.PortUsage {
		for _, d := range pu.Destinations {
			risk := d.Risk
			switch risk {
			case "high", "exhausted":
				risk = env.Paint(Red, risk)
			case "low":
				risk = env.Paint(Green, risk)
			}
			tb.Row(pu.External.String(), pu.Proto, strconv.Itoa(pu.PortsUsed), d.Destination,
				strconv.Itoa(d.PortsUsed), strconv.Itoa(d.Capacity), strconv.FormatFloat(d.UsedPct, 'f', -1, 64)+"%", risk)
		}
	}
	return tb.Flush()
}
