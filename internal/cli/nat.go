package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/packet"
)

func newNatCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nat",
		Short: "Simulate NAT and conntrack: translation tables, mappings, filtering, port allocation",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newNatSimulateCmd(env))
	return cmd
}

type natSimulateOptions struct {
	Scenario string // file name, "-" for stdin, "" for generator mode
	nat.ScaleOptions
	flowsSet bool
}

func newNatSimulateCmd(env *Env) *cobra.Command {
	opts := &natSimulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate [SCENARIO.yaml | --preset NAME --flows N]",
		Short: "Run packets through a simulated NAT and print decisions and the conntrack table",
		Long: `Run packets through a simulated Linux-style NAT with connection tracking
on a virtual clock, and print each packet's decision (accepted and rewritten,
or dropped with the reason: no-mapping, filtered, expired, port-exhausted,
hairpin-disabled, clash), then the table as conntrack -L lines and as a router's
inside/outside local/global view.

SCENARIO.yaml ("-" for standard input):

  nat:
    preset: linux              # linux, full-cone, restricted-cone,
                               # port-restricted-cone, symmetric
    kind: masquerade           # snat, masquerade, dnat, static
    external: 203.0.113.7      # address, range A-B or prefix (snat pool)
    ports: 1024-65535          # optional --to-ports range
    mapping: eim               # eim, adm, apdm
    filtering: apdf            # eif, adf, apdf
    port-assignment: preserve  # preserve, random, random-fully
    hairpin: false
    seed: 1
    timeouts: {udp: 30s, tcp-established: 432000}
    forwards: [{proto: tcp, external: "203.0.113.7:8080", internal: "10.0.0.10:80"}]
    static: [{inside: 10.0.0.20, outside: 203.0.113.20}]
  events:
    - {at: 0,   out: "tcp 10.0.0.5:40000 -> 198.51.100.7:443"}
    - {at: 0.1, in:  "tcp 198.51.100.7:443 -> 203.0.113.7:40000"}
    - {at: 5,   out: "icmp 10.0.0.5 -> 198.51.100.1 id=7"}
  until: 60s                   # optional: list the table at this time

Times are seconds or durations (1m30s). TCP packets may carry flags (syn,
ack, fin, rst); without them each packet is what the connection expects next.
Port preservation follows Linux's get_unique_tuple: keep the port if the
reply tuple is free (unique over the full 5-tuple), reuse the source's
existing mapping, else search the range from a seeded random offset.

Without a scenario, --preset NAME --flows N --seed S generates N random
outbound flows from --inside hosts to --dst hosts and prints a summary:
ports preserved, collisions, reuse, exhaustion, distinct external ports.`,
		Example: `  netcalc nat simulate testdata/nat/linux.yaml
  netcalc nat simulate scenario.yaml -o json
  netcalc nat simulate --preset linux --flows 100000 --seed 1
  netcalc nat simulate --preset symmetric --flows 5000 --inside 10.1.0.0/24 --ports 5000-5999`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Scenario = args[0]
			}
			opts.flowsSet = cmd.Flags().Changed("flows")
			return natSimulateRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Preset, "preset", "linux", "generator: behaviour preset `NAME` (linux, full-cone, restricted-cone, port-restricted-cone, symmetric)")
	f.IntVar(&opts.Flows, "flows", 0, "generator: `N` random outbound flows")
	f.Uint64Var(&opts.Seed, "seed", 1, "generator: seed `N` of the flows and the port search")
	f.StringVar(&opts.Inside, "inside", "10.0.0.0/16", "generator: inside subnet (`PREFIX`) the flows come from")
	f.StringVar(&opts.Dest, "dst", "198.51.100.0/24", "generator: subnet (`PREFIX`) the flows go to")
	aliasFlag(env, f, "dest", "dst")
	f.StringVar(&opts.External, "external", "203.0.113.1", "generator: external `ADDRESS`, range A-B or prefix (a pool makes the preset use snat)")
	f.StringVar(&opts.Ports, "ports", "", "generator: external port range `MIN-MAX` (default Linux's ranges)")
	f.StringVar(&opts.Proto, "proto", "tcp", "generator: protocol `P`, tcp or udp (either case)")
	f.DurationVar(&opts.Interval, "interval", 0, "generator: virtual time (`DURATION`) between flows")
	_ = cmd.RegisterFlagCompletionFunc("preset", cobra.FixedCompletions(
		[]string{"linux", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func natSimulateRun(env *Env, opts *natSimulateOptions) error {
	if opts.Scenario == "" {
		if !opts.flowsSet {
			return BadInputf("give a scenario file, or --flows N to generate flows (see --help)")
		}
		return natGenerate(env, opts)
	}
	if opts.flowsSet {
		return BadInputf("--flows generates its own flows; give either a scenario file or --flows, not both")
	}
	src, err := readInput(env, opts.Scenario)
	if err != nil {
		return BadInput(err)
	}
	results, t, err := nat.RunScenario(src)
	if se := (*nat.ScenarioError)(nil); errors.As(err, &se) {
		return BadInputf("%s%s", natWhere(opts.Scenario, se.Line), se.Msg())
	} else if err != nil {
		return BadInputf("%s: %v", opts.Scenario, err)
	}
	if env.JSON() {
		return natJSON(env, results, t)
	}
	return natText(env, results, t)
}

// natWhere is the position prefix of a scenario error: "FILE:N: " as
// every list reader writes it, "line N: " for standard input, "FILE: "
// when the line is not known.
func natWhere(file string, line int) string {
	if line == 0 {
		return stdinName(file) + ": "
	}
	return Input{Source: stdinName(file), Line: line}.Where()
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

func natText(env *Env, results []nat.Decision, t *nat.Translator) error {
	w := env.Out
	fmt.Fprintln(w, env.Paint(Bold, "# events"))
	tb := env.NewTable()
	tb.Row("TIME", "DIR", "PACKET", "VERDICT", "TRANSLATED", "NOTE")
	for _, r := range results {
		rec := r.Record()
		pkt := rec.Packet
		if r.Flags != 0 {
			pkt += " " + rec.Flags
		}
		verdict, note := env.Paint(Green, rec.Verdict), natNote(r)
		if r.Verdict == nat.Drop {
			verdict = env.Paint(Red, "drop ("+rec.Reason+")")
		} else if r.New {
			note = "new: " + note
		}
		tb.Row(seconds(r.At), rec.Dir, pkt, verdict, dash(rec.Out), note)
	}
	if err := tb.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	trs := t.Translations()
	fmt.Fprintln(w, env.Paint(Bold, fmt.Sprintf("# conntrack -L at %s: %d entries", seconds(t.Now()), len(trs))))
	for _, tr := range trs {
		fmt.Fprintln(w, tr.Conn.String())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, env.Paint(Bold, "# translations (inside/outside, local/global)"))
	tb = env.NewTable()
	tb.Row("PRO", "INSIDE GLOBAL", "INSIDE LOCAL", "OUTSIDE LOCAL", "OUTSIDE GLOBAL", "STATE", "TIMEOUT")
	for _, tr := range trs {
		state := "-"
		if tr.Proto == packet.TCP {
			state = tr.Conn.State.String()
		}
		tb.Row(tr.Proto.String(), tr.InsideGlobal.String(), tr.InsideLocal.String(),
			tr.OutsideLocal.String(), tr.OutsideGlobal.String(), state, strconv.Itoa(int(tr.Conn.Timeout)))
	}
	return tb.Flush()
}

func natJSON(env *Env, results []nat.Decision, t *nat.Translator) error {
	for _, r := range results {
		j := r.Record()
		j.Note = natNote(r)
		if err := WriteJSON(env.Out, j); err != nil {
			return err
		}
	}
	for _, tr := range t.Translations() {
		if err := WriteJSON(env.Out, tr); err != nil {
			return err
		}
	}
	return nil
}

// natNotes word what decided a packet (nat.Decision.Detail: the Cause,
// with the allocation for source NAT and the filtering for a mapping)
// with the endpoints the Decision names: {inside}, {external}, {remote}, {remote-addr}, {src},
// {dst}, {dst-port}, {clash}, {source} (the packet's new source). Built
// on first use.
var natNotes = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"established": "established", "reply": "reply", "untranslated": "not translated",
		"connection-expired": "connection timed out", "forward": "port forward to {inside}",
		"mapping eif": "eif: mapping of {inside}", "mapping adf": "adf: {inside} sent to {remote-addr}",
		"not-peer adf": "adf: {remote-addr} is not a peer of {external}", "not-peer apdf": "apdf: {remote} is not a peer of {external}",
		"mapping-expired": "mapping of {external} timed out", "no-mapping": "nothing maps {external}",
		"own-ping": "the NAT itself answers a ping to {dst}", "no-static": "no static entry for {src}",
		"own-address": "{dst-port} is this NAT's own address", "clash": "would duplicate {clash}",
		"static in": "static {external-addr} <-> {inside-addr}", "static out": "static {inside-addr} <-> {external-addr}",
		"source-nat kept": "source already in range, kept", "source-nat reused": "reused mapping",
		"source-nat preserved": "port preserved", "source-nat moved": "port taken, searched the range",
		"source-nat outside": "port outside the range, searched it", "source-nat random": "random port",
	}
})

// natNote words what decided a packet, for the NOTE column.
func natNote(r nat.Decision) string {
	if r.Cause == nat.CausePortExhausted {
		return r.Exhausted.Error()
	}
	s := natNotes()[r.Detail()]
	if r.Cause == nat.CauseSourceNAT && r.Packet.Proto.IsICMP() {
		s = strings.Replace(s, "port", "id", 1)
	}
	if r.Hairpin {
		s = "hairpin: " + s
		if r.Verdict == nat.Accept {
			s += ", source {source}"
		}
	}
	var clash string
	if r.Clash != nil {
		clash = r.Clash.String()
	}
	return strings.NewReplacer("{inside}", r.Inside.String(), "{inside-addr}", r.Inside.Addr().String(),
		"{external}", r.External.String(), "{external-addr}", r.External.Addr().String(),
		"{remote}", r.Remote.String(), "{remote-addr}", r.Remote.Addr().String(),
		"{src}", r.Packet.Src.String(), "{dst}", r.Packet.Dst.String(), "{dst-port}", r.Packet.DstAddrPort().String(),
		"{clash}", clash, "{source}", r.Out.SrcAddrPort().String()).Replace(s)
}

// natScaleWords word a generator flag's bad value: %[1]s is the value,
// %[1]q the value quoted, %[2]s the value quoted and shortened.
var natScaleWords = map[string]string{
	"preset":   "--preset: %[1]q is not a preset, want linux, full-cone, restricted-cone, port-restricted-cone or symmetric",
	"flows":    "--flows: %[1]s is out of range, want 0 to 5000000",
	"interval": "--interval: %[1]s is negative, want a duration such as 10ms",
	"external": "--external: %[1]q is not an address, range A-B or prefix",
	"ports":    "--ports: %[1]q is not a port range, want MIN-MAX with 1 <= MIN <= MAX <= 65535",
	"inside":   "--inside: %[1]q is not a prefix such as 10.0.0.0/16",
	"dst":      "--dst: %[2]s is not a prefix such as 198.51.100.0/24",
	"proto":    "--proto: %[2]s is not a protocol the generator sends, want tcp or udp",
}

func natGenerate(env *Env, opts *natSimulateOptions) error {
	sc, err := nat.ParseScale(opts.ScaleOptions)
	if oe := (*nat.ScaleOptionError)(nil); errors.As(err, &oe) && oe.Field == "family" {
		return BadInputf("--inside %s, --dst %s and --external %s must be of one address family", opts.Inside, opts.Dest, opts.External)
	} else if errors.As(err, &oe) {
		return BadInputf(natScaleWords[oe.Field], oe.Value, quoteToken(oe.Value))
	}
	s, err := sc.Run()
	if errors.Is(err, nat.ErrConfig) {
		return BadInput(err)
	} else if err != nil {
		return Failed(err)
	} else if env.JSON() {
		return WriteJSON(env.Out, s)
	}
	pct := func(n int) string { return natShare(n, opts.Flows) }
	drops := []string{}
	for _, d := range s.DropCounts() {
		drops = append(drops, fmt.Sprintf("%s %d", d.Reason, d.Count))
	}
	if len(drops) == 0 {
		drops = append(drops, "none")
	}
	rows := [][]string{
		{"preset", fmt.Sprintf("%s (%s, mapping %s, filtering %s, ports %s)", s.Preset, s.Kind, s.Mapping, s.Filtering, s.Ports)},
		{"flows", fmt.Sprintf("%d %s from %s to %s, seed %d", s.Flows, sc.Proto, sc.Inside, sc.Dest, s.Seed)},
		{"external", s.ExternalString()},
		{"accepted", fmt.Sprintf("%d%s", s.Accepted, pct(s.Accepted))},
		{"port preserved", fmt.Sprintf("%d%s", s.Preserved, pct(s.Preserved))},
		{"mapping reused", fmt.Sprintf("%d%s", s.Reused, pct(s.Reused))},
		{"port moved", fmt.Sprintf("%d%s (collisions and random assignment)", s.Moved, pct(s.Moved))},
		{"exhausted", fmt.Sprintf("%d%s", s.Exhausted, pct(s.Exhausted))},
		{"drops", strings.Join(drops, ", ")},
		{"live entries", strconv.Itoa(s.Live)},
		{"inside hosts", strconv.Itoa(s.InsideHosts)},
		{"external addrs", strconv.Itoa(s.ExternalAddrs)},
		{"external ports", fmt.Sprintf("%d distinct address:port pairs, up to %s on one", s.ExternalPorts, plural(s.MaxPerPort, "connection", "connections"))},
	}
	_, err = io.WriteString(env.Out, Aligned(rows))
	return err
}

// natShare prints n of total as " (12.3%)", "" when total is 0. A share
// that is neither none nor all never rounds to 0.0% or 100.0%: 9996 of
// 10000 is " (>99.9%)", 1 of 10000 " (<0.1%)".
func natShare(n, total int) string {
	if total == 0 {
		return ""
	}
	p := fmt.Sprintf("%.1f", 100*float64(n)/float64(total))
	switch {
	case n > 0 && p == "0.0":
		p = "<0.1"
	case n < total && p == "100.0":
		p = ">99.9"
	}
	return " (" + p + "%)"
}
