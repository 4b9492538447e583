package cli

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/link"
)

func init() { register(func(env *Env) *cobra.Command { return newRouteCmd(env, nil) }) }

type routeOptions struct {
	Netns   string
	Targets []string
}

func newRouteCmd(env *Env, runF func(*routeOptions) error) *cobra.Command {
	route := &cobra.Command{
		Use:   "route",
		Short: "Ask the kernel's routing table (route get)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	opts := &routeOptions{}
	get := &cobra.Command{
		Use:   "get ADDRESS...",
		Short: "Show the route the kernel picks for an address, and why (like ip route get)",
		Long: `Ask the kernel which route it would use to send to each ADDRESS: the
interface, the gateway (none when the address is on-link) and the preferred
source address, as 'ip route get' prints them. Then explain the choice: every
route, in every table, whose prefix contains the address, most specific first,
with the longest-prefix match that won marked. The local table is consulted
first, which is why your own addresses route via lo.

Exit status 1 when there is no route to an address.`,
		Example: `  netcalc route get 198.51.100.7
  netcalc route get 2001:db8::1 -o json
  sudo netcalc route get 203.0.113.9 --netns lab1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Targets = args
			if runF != nil {
				return runF(opts)
			}
			return routeGetRun(cmd, env, opts)
		},
	}
	addNetnsFlag(get, &opts.Netns)
	route.AddCommand(get)
	return route
}

// routeJSON is one route get answer.
type routeJSON struct {
	link.RouteDecision
	NextHop netip.Addr `json:"next_hop"`
}

func routeGetRun(cmd *cobra.Command, env *Env, opts *routeOptions) error {
	h, err := openHost(opts.Netns)
	if err != nil {
		return err
	}
	defer h.Close()
	printed := false // a blank line separates answers, not errors
	for _, s := range opts.Targets {
		a, err := netcalc.ParseAddr(s)
		if err != nil {
			env.Report(BadInput(linkParseErr("route get", err)))
			continue
		}
		d, err := h.RouteGet(cmd.Context(), a)
		if err != nil {
			env.Report(linkErr(err))
			continue
		}
		if env.JSON() {
			if err := WriteJSON(env.Out, routeJSON{d, d.NextHop()}); err != nil {
				return err
			}
			continue
		}
		if printed {
			fmt.Fprintln(env.Out)
		}
		printed = true
		fmt.Fprintln(env.Out, routeLine(d.Target, d.Route))
		if len(d.Candidates) == 0 {
			continue
		}
		fmt.Fprintf(env.Out, "why: the routes containing %s, most specific first; the kernel used the longest prefix in table %s:\n", d.Target, d.Route.TableName())
		rows := make([][]string, 0, len(d.Candidates))
		for j, c := range d.Candidates {
			mark := " "
			if j == d.Winner {
				mark = "*"
			}
			rows = append(rows, []string{" " + mark, c.Dst.String(), routeVia(c), "table " + c.TableName(),
				"metric " + strconv.Itoa(c.Metric), "/" + strconv.Itoa(c.Dst.Bits())})
		}
		out := Aligned(rows)
		if d.Winner >= 0 {
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			lines[d.Winner] = env.Paint(Bold, lines[d.Winner]) + "  <- chosen"
			out = strings.Join(lines, "\n") + "\n"
		}
		fmt.Fprint(env.Out, out)
	}
	return env.Finish()
}

// routeLine formats the kernel's answer as ip route get does.
func routeLine(target netip.Addr, r link.Route) string {
	var b strings.Builder
	if r.Type != link.Unicast {
		b.WriteString(string(r.Type) + " ")
	}
	b.WriteString(target.String())
	if r.Gateway.IsValid() {
		b.WriteString(" via " + r.Gateway.String())
	}
	if r.Interface != "" {
		b.WriteString(" dev " + r.Interface)
	}
	if r.Source.IsValid() {
		b.WriteString(" src " + r.Source.String())
	}
	b.WriteString(" table " + r.TableName())
	return b.String()
}

// routeVia describes a candidate route's type, gateway and device.
func routeVia(r link.Route) string {
	var parts []string
	if r.Type != link.Unicast {
		parts = append(parts, string(r.Type))
	}
	if r.Gateway.IsValid() {
		parts = append(parts, "via "+r.Gateway.String())
	} else if r.Type == link.Unicast {
		parts = append(parts, "on-link")
	}
	if r.Interface != "" {
		parts = append(parts, "dev "+r.Interface)
	}
	if r.Source.IsValid() {
		parts = append(parts, "src "+r.Source.String())
	}
	return strings.Join(parts, " ")
}
