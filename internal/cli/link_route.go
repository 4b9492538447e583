package cli

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/link"
)

func init() { register(func(env *Env) *cobra.Command { return newRouteCmd(env) }) }

type routeOptions struct {
	Netns   string
	Table   string // route (list): --table N|NAME|all
	IPv4    bool   // route (list): --ipv4
	IPv6    bool   // route (list): --ipv6
	Targets []string
	Src     string // from SRC / --src
	Iif     string // iif DEV / --iif
	Oif     string // oif DEV / --oif
	Mark    string // mark N / --mark
}

func newRouteCmd(env *Env) *cobra.Command {
	opts := &routeOptions{}
	list := &routeOptions{}
	route := &cobra.Command{
		Use:   "route [--table N|NAME|all] | route get ADDRESS...",
		Short: "List the routing table (like ip route), or ask it for an address (route get)",
		Long: `Without get, list the kernel's routes as 'ip route' does, one line each in
its form (type, destination, gateway, device, protocol, scope, preferred
source, metric, the nexthops of a multipath route), followed after "#" by the
subnet facts of the destination: how many addresses it holds and the first
and last of them.

--table names the table: main (the default), local, default, a number, or
all for every table ('ip route show table all'). IPv4 routes then IPv6 routes;
--ipv4 or --ipv6 lists one family only, in exactly the form of 'ip route' or
'ip -6 route' (up to the "#" facts). -o json writes one object per route with
the field names of 'ip -j route' (dst, gateway, dev, protocol, scope, prefsrc,
metric, flags, nexthops, pref), plus table, family and the facts (prefix,
addresses, first, last).

'netcalc route get ADDRESS' asks which route the kernel picks, and why.`,
		Example: `  netcalc route
  netcalc route --table all --ipv4
  netcalc route --table local -o json
  sudo netcalc route --netns lab1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list.IPv4 && list.IPv6 {
				return BadInputf("route: --ipv4 and --ipv6 exclude each other; give neither for both families")
			}
			if _, err := parseTable(list.Table); err != nil {
				return err
			}
			return routeListRun(cmd, env, list)
		},
	}
	addNetnsFlag(route, &list.Netns)
	route.Flags().StringVar(&list.Table, "table", "main", "the `TABLE` to list: main, local, default, a number 1-4294967295, or all")
	route.Flags().BoolVar(&list.IPv4, "ipv4", false, "list only the IPv4 routes (ip route)")
	route.Flags().BoolVar(&list.IPv6, "ipv6", false, "list only the IPv6 routes (ip -6 route)")
	get := &cobra.Command{
		Use:   "get ADDRESS... [from SRC] [iif DEV] [oif DEV] [mark N]",
		Short: "Show the route the kernel picks for an address, and why (like ip route get)",
		Long: `Ask the kernel which route it would use to send to each ADDRESS: the
interface, the gateway (none when the address is on-link) and the preferred
source address, as 'ip route get' prints them. Then explain the choice as the
kernel makes it: the policy routing rules ('ip rule') in priority order, which
of them matched the packet and why, the table each matching rule looked up,
and the routes of the table that answered, most specific first, with the
longest-prefix match that won marked.

The packet is described as 'ip route get' describes it, with keywords after
the address (or the equivalent flags):
  from SRC   its source address (--src); rules with a 'from' selector only
             match a packet that has one
  iif DEV    the interface it arrives on (--iif), for a forwarded packet;
             without it the packet is locally generated (iif lo)
  oif DEV    the interface it must leave by (--oif)
  mark N     its firewall mark, decimal or 0x hex (--mark)

Exit status 1 when there is no route to an address (the message names the
rule or route that refused it), exit 2 for a bad address, device or mark.`,
		Example: `  netcalc route get 198.51.100.7
  netcalc route get 198.51.100.7 from 203.0.113.1
  netcalc route get 198.51.100.7 from 198.51.100.9 iif eth1
  netcalc route get 198.51.100.7 mark 0x10 -o json
  sudo netcalc route get 203.0.113.9 --netns lab1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.parseArgs(args); err != nil {
				return err
			}
			return routeGetRun(cmd, env, opts)
		},
	}
	addNetnsFlag(get, &opts.Netns)
	get.Flags().StringVar(&opts.Src, "src", "", "source `ADDR` of the packet (like 'from SRC')")
	get.Flags().StringVar(&opts.Iif, "iif", "", "interface `DEV` the packet arrives on (like 'iif DEV'); default: locally generated")
	get.Flags().StringVar(&opts.Oif, "oif", "", "interface `DEV` the packet must leave by (like 'oif DEV')")
	get.Flags().StringVar(&opts.Mark, "mark", "", "firewall mark `N` of the packet, decimal or 0x hex (like 'mark N')")
	route.AddCommand(get)
	return route
}

// routeKeywords are the 'ip route get' keywords route get accepts after
// the address, each followed by a value, and the flag each is the same as.
var routeKeywords = map[string]string{"from": "src", "iif": "iif", "oif": "oif", "mark": "mark"}

// parseArgs splits the positional arguments into addresses and the
// keywords from, iif, oif and mark with their values.
func (o *routeOptions) parseArgs(args []string) error {
	o.Targets = nil
	for i := 0; i < len(args); i++ {
		a := args[i]
		flag, ok := routeKeywords[a]
		if !ok {
			o.Targets = append(o.Targets, a)
			continue
		}
		if i+1 >= len(args) {
			return BadInputf("route get: %q wants a value after it (%s); run 'netcalc route get --help' for usage", a, routeKeywordWants(a))
		}
		i++
		dst := map[string]*string{"src": &o.Src, "iif": &o.Iif, "oif": &o.Oif, "mark": &o.Mark}[flag]
		if *dst != "" && *dst != args[i] {
			return BadInputf("route get: %s given twice (%s and %s)", a, quoteToken(*dst), quoteToken(args[i]))
		}
		*dst = args[i]
	}
	if len(o.Targets) == 0 {
		return BadInputf("route get: no address: want 'route get ADDRESS [from SRC] [iif DEV] [oif DEV] [mark N]'; run 'netcalc route get --help' for usage")
	}
	return nil
}

func routeKeywordWants(k string) string {
	switch k {
	case "from":
		return "a source address"
	case "mark":
		return "a firewall mark"
	}
	return "an interface name"
}

// query builds the packet description shared by every target.
func (o *routeOptions) query() (link.RouteQuery, error) {
	q := link.RouteQuery{Iif: o.Iif, Oif: o.Oif, UID: uint32(os.Getuid())}
	if o.Src != "" {
		a, err := netcalc.ParseAddr(o.Src)
		if err != nil {
			return q, BadInput(linkParseErr("route get: from", err))
		}
		q.Src = a
	}
	if o.Mark != "" {
		m, err := strconv.ParseUint(o.Mark, 0, 32)
		if err != nil {
			return q, BadInputf("route get: mark %s: not a firewall mark, expected a number 0-4294967295 (decimal or 0x hex)", quoteToken(o.Mark))
		}
		q.Mark = uint32(m)
	}
	return q, nil
}

// routeJSON is one route get answer.
type routeJSON struct {
	link.RouteDecision
	Rules   []ruleStepJSON `json:"rules"`
	NextHop netip.Addr     `json:"next_hop"`
}

// ruleStepJSON is a step of the rule walk whose rule is written as
// 'netcalc rule -o json' writes it (ip -j rule's names), so one kind of
// object has one schema.
type ruleStepJSON struct {
	link.RuleStep
	Rule map[string]any `json:"rule"`
}

func newRouteJSON(d link.RouteDecision) routeJSON {
	fam := 6
	if d.Target.Unmap().Is4() {
		fam = 4
	}
	steps := make([]ruleStepJSON, len(d.Rules))
	for i, st := range d.Rules {
		steps[i] = ruleStepJSON{st, ruleJSON(st.Rule, fam)}
	}
	return routeJSON{d, steps, d.NextHop()}
}

func routeGetRun(cmd *cobra.Command, env *Env, opts *routeOptions) error {
	q, err := opts.query()
	if err != nil {
		return err
	}
	h, err := openHost("route get", opts.Netns)
	if err != nil {
		return err
	}
	defer h.Close()
	for _, dev := range []struct{ kw, name string }{{"iif", q.Iif}, {"oif", q.Oif}} {
		if dev.name == "" {
			continue
		}
		if err := checkDevice(cmd, h, dev.name); err != nil {
			return BadInputf("route get: %s %s: %v", dev.kw, quoteToken(dev.name), err)
		}
	}
	printed := false // a blank line separates answers, not errors
	for _, s := range opts.Targets {
		a, err := netcalc.ParseAddr(s)
		if err != nil {
			env.Report(BadInput(linkParseErr("route get", err)))
			continue
		}
		q.Dst = a
		d, err := h.RouteGetQuery(cmd.Context(), q)
		if err != nil {
			env.Report(linkErr(err))
			continue
		}
		if env.JSON() {
			if err := WriteJSON(env.Out, newRouteJSON(d)); err != nil {
				return err
			}
			continue
		}
		if printed {
			fmt.Fprintln(env.Out)
		}
		printed = true
		fmt.Fprintln(env.Out, routeLine(d))
		if len(d.Rules) > 0 {
			fmt.Fprintln(env.Out, "why: the policy rules (ip rule) in priority order, up to the one whose table answered:")
			rows := make([][]string, 0, len(d.Rules))
			for _, st := range d.Rules {
				outcome := "no match: " + st.Why
				if st.Matched {
					outcome = "matched (" + st.Why + "): " + st.Result
				}
				rows = append(rows, []string{"  " + strconv.Itoa(st.Rule.Priority) + ":", st.Rule.String(), outcome})
			}
			fmt.Fprint(env.Out, Aligned(rows))
		}
		if d.Note != "" {
			fmt.Fprintln(env.Out, "note: "+d.Note)
		}
		if len(d.Candidates) == 0 {
			continue
		}
		fmt.Fprintf(env.Out, "the routes of table %s containing %s, most specific first; the longest prefix wins:\n", d.Candidates[0].TableName(), d.Target)
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

// checkDevice reports an interface name that does not exist in the
// namespace, so that 'iif eht0' is named before any lookup.
func checkDevice(cmd *cobra.Command, h *link.Host, name string) error {
	ls, err := h.Links(cmd.Context())
	if err != nil {
		return err
	}
	var names []string
	for _, l := range ls {
		if l.Name == name {
			return nil
		}
		names = append(names, l.Name)
	}
	return fmt.Errorf("no such interface; the interfaces are %s", strings.Join(names, ", "))
}

// routeLine formats the kernel's answer as ip route get does.
func routeLine(d link.RouteDecision) string {
	r := d.Route
	var b strings.Builder
	if r.Type != link.Unicast {
		b.WriteString(string(r.Type) + " ")
	}
	b.WriteString(d.Target.String())
	if d.From.IsValid() {
		b.WriteString(" from " + d.From.String())
	}
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
	if d.Iif != "" {
		b.WriteString(" iif " + d.Iif)
	}
	if d.Mark != 0 {
		b.WriteString(fmt.Sprintf(" mark %#x", d.Mark))
	}
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

// parseTable reads a --table value: a name iproute2 knows, a number, or
// all (0).
func parseTable(s string) (int, error) {
	switch strings.ToLower(s) {
	case "all", "0":
		return 0, nil
	case "main":
		return 254, nil
	case "local":
		return 255, nil
	case "default":
		return 253, nil
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, BadInputf("route: --table %s: not a routing table, expected main, local, default, all or a number 1-4294967295", quoteToken(s))
	}
	return int(n), nil
}

func routeListRun(cmd *cobra.Command, env *Env, opts *routeOptions) error {
	table, err := parseTable(opts.Table)
	if err != nil {
		return err
	}
	h, err := openHost("route", opts.Netns)
	if err != nil {
		return err
	}
	defer h.Close()
	fams := []int{4, 6}
	if opts.IPv4 {
		fams = []int{4}
	} else if opts.IPv6 {
		fams = []int{6}
	}
	for i, fam := range fams {
		rs, err := h.Routes(cmd.Context(), fam, table)
		if err != nil {
			return linkErr(err)
		}
		if env.JSON() {
			for _, r := range rs {
				if err := WriteJSON(env.Out, newRouteListJSON(r, fam, table == 0)); err != nil {
					return err
				}
			}
			continue
		}
		if len(fams) > 1 {
			if i > 0 {
				fmt.Fprintln(env.Out)
			}
			fmt.Fprintf(env.Out, "IPv%d:\n", fam)
		}
		for _, r := range rs {
			fmt.Fprintln(env.Out, routeListLine(r, fam, table == 0, routeFacts(r.Dst)))
		}
	}
	return env.Finish()
}

// routeDst writes a route's destination as ip route does: "default" for
// /0, the bare address for a host route.
func routeDst(p netip.Prefix) string {
	switch {
	case p.Bits() == 0:
		return "default"
	case p.Bits() == p.Addr().BitLen():
		return p.Addr().String()
	}
	return p.String()
}

// routeMetricShown reports whether ip route shows the metric: the kernel
// sends it for every IPv6 route, and for an IPv4 route only when it is not 0.
func routeMetricShown(r link.Route, fam int) bool { return fam == 6 || r.Metric != 0 }

// routeListLine formats one route as 'ip route' prints it (without its
// trailing blanks), the nexthops of a multipath route on lines of their
// own; the table is shown, as ip shows it, only when listing every table.
// A non-empty facts ends the first line after "  # ".
func routeListLine(r link.Route, fam int, allTables bool, facts string) string {
	var b []string
	if r.Type != link.Unicast {
		b = append(b, string(r.Type))
	}
	b = append(b, routeDst(r.Dst))
	if len(r.Nexthops) == 0 {
		if r.Gateway.IsValid() {
			b = append(b, "via", r.Gateway.String())
		}
		if r.Interface != "" {
			b = append(b, "dev", r.Interface)
		}
	}
	if allTables && r.Table != 254 {
		b = append(b, "table", r.TableName())
	}
	if r.Protocol != "" && r.Protocol != "boot" {
		b = append(b, "proto", r.Protocol)
	}
	if r.Scope != "" && r.Scope != "global" {
		b = append(b, "scope", r.Scope)
	}
	if r.Source.IsValid() {
		b = append(b, "src", r.Source.String())
	}
	if routeMetricShown(r, fam) {
		b = append(b, "metric", strconv.Itoa(r.Metric))
	}
	b = append(b, r.Flags...)
	if r.Expires > 0 {
		b = append(b, fmt.Sprintf("expires %dsec", int64(r.Expires/time.Second)))
	}
	for _, m := range r.Metrics {
		b = append(b, m.Name)
		if m.Locked {
			b = append(b, "lock")
		}
		b = append(b, metricText(m))
	}
	if r.Pref != "" {
		b = append(b, "pref", r.Pref)
	}
	line := strings.Join(b, " ")
	if facts != "" {
		line += "  # " + facts
	}
	for _, nh := range r.Nexthops {
		n := []string{"nexthop"}
		if nh.Gateway.IsValid() {
			n = append(n, "via", nh.Gateway.String())
		}
		if nh.Interface != "" {
			n = append(n, "dev", nh.Interface)
		}
		n = append(n, "weight", strconv.Itoa(nh.Weight))
		n = append(n, nh.Flags...)
		line += "\n\t" + strings.Join(n, " ")
	}
	return line
}

// metricText writes a route metric's value as ip route does: times in ms
// (or s from a second on), the congestion control algorithm by name.
func metricText(m link.Metric) string {
	switch m.Name {
	case "congctl":
		return m.Algo
	case "rtt", "rttvar", "rto_min":
		if m.Value >= 1000 {
			return strconv.FormatFloat(float64(m.Value)/1e3, 'g', -1, 64) + "s"
		}
		return strconv.FormatUint(uint64(m.Value), 10) + "ms"
	case "features":
		if m.Value == 1 { // RTAX_FEATURE_ECN
			return "ecn"
		}
		return fmt.Sprintf("%#x", m.Value)
	}
	return strconv.FormatUint(uint64(m.Value), 10)
}

// routeFacts describes a route's destination block: its size and first
// and last address.
func routeFacts(p netip.Prefix) string {
	in := netcalc.Describe(p)
	if in.Addresses == netcalc.CountFromUint64(1) {
		return "1 address"
	}
	return in.Addresses.String() + " addresses, " + in.First.String() + " to " + in.Last.String()
}

// routeListJSON is one route with the field names and value forms of
// 'ip -j route' (table and protocol by name, "default" for /0), plus the
// table always, the family and the destination's subnet facts.
type routeListJSON struct {
	Type      string           `json:"type,omitempty"`
	Dst       string           `json:"dst"`
	Gateway   string           `json:"gateway,omitempty"`
	Dev       string           `json:"dev,omitempty"`
	Table     string           `json:"table"`
	Protocol  string           `json:"protocol,omitempty"`
	Scope     string           `json:"scope,omitempty"`
	Prefsrc   string           `json:"prefsrc,omitempty"`
	Metric    *int             `json:"metric,omitempty"`
	Flags     []string         `json:"flags"`
	Nexthops  []nexthopJSON    `json:"nexthops,omitempty"`
	Expires   int64            `json:"expires,omitempty"`
	Metrics   []map[string]any `json:"metrics,omitempty"`
	Pref      string           `json:"pref,omitempty"`
	Family    string           `json:"family"`
	Prefix    netip.Prefix     `json:"prefix"`
	Addresses netcalc.Count    `json:"addresses"`
	First     netip.Addr       `json:"first"`
	Last      netip.Addr       `json:"last"`
}

type nexthopJSON struct {
	Gateway string   `json:"gateway,omitempty"`
	Dev     string   `json:"dev,omitempty"`
	Weight  int      `json:"weight"`
	Flags   []string `json:"flags"`
}

func newRouteListJSON(r link.Route, fam int, allTables bool) routeListJSON {
	v := routeListJSON{Dst: routeDst(r.Dst), Dev: r.Interface, Table: r.TableName(), Scope: r.Scope, Pref: r.Pref,
		Flags: r.Flags, Family: map[int]string{4: "inet", 6: "inet6"}[fam], Prefix: r.Dst.Masked()}
	if r.Type != link.Unicast {
		v.Type = string(r.Type)
	}
	if r.Scope == "global" {
		v.Scope = ""
	}
	if r.Protocol != "boot" {
		v.Protocol = r.Protocol
	}
	if r.Gateway.IsValid() {
		v.Gateway = r.Gateway.String()
	}
	if r.Source.IsValid() {
		v.Prefsrc = r.Source.String()
	}
	if routeMetricShown(r, fam) {
		m := r.Metric
		v.Metric = &m
	}
	if v.Flags == nil {
		v.Flags = []string{}
	}
	if len(r.Nexthops) > 0 {
		v.Gateway, v.Dev = "", ""
		for _, nh := range r.Nexthops {
			n := nexthopJSON{Dev: nh.Interface, Weight: nh.Weight, Flags: nh.Flags}
			if nh.Gateway.IsValid() {
				n.Gateway = nh.Gateway.String()
			}
			if n.Flags == nil {
				n.Flags = []string{}
			}
			v.Nexthops = append(v.Nexthops, n)
		}
	}
	v.Expires = int64(r.Expires / time.Second)
	if len(r.Metrics) > 0 {
		m := map[string]any{}
		for _, x := range r.Metrics {
			switch {
			case x.Name == "congctl":
				m["congestion"] = x.Algo
			case x.Name == "features" && x.Value == 1:
				m["ecn"] = true // ip writes null
			default:
				m[x.Name] = x.Value
			}
		}
		v.Metrics = []map[string]any{m}
	}
	in := netcalc.Describe(r.Dst)
	v.Addresses, v.First, v.Last = in.Addresses, in.First, in.Last
	return v
}

func init() { register(func(env *Env) *cobra.Command { return newRuleCmd(env) }) }

type ruleOptions struct {
	Netns      string
	IPv4, IPv6 bool
}

func newRuleCmd(env *Env) *cobra.Command {
	opts := &ruleOptions{}
	cmd := &cobra.Command{
		Use:   "rule",
		Short: "List the policy routing rules (like ip rule)",
		Long: `List the kernel's policy routing rules, as 'ip rule' does: each rule's
priority, its selectors (from, to, fwmark, iif, oif, ...) and its action
(the table it looks up, goto, or blackhole, unreachable, prohibit). The kernel
tries them in priority order for every packet; 'netcalc route get ADDRESS from
SRC' shows that walk for one packet.

IPv4 rules then IPv6 rules; --ipv4 or --ipv6 lists one family only, in
exactly the form of 'ip rule' or 'ip -6 rule'. -o json writes one object per
rule with the field names of 'ip -j rule', plus "family".`,
		Example: `  netcalc rule
  netcalc rule --ipv6
  netcalc rule -o json
  sudo netcalc rule --netns lab1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.IPv4 && opts.IPv6 {
				return BadInputf("rule: --ipv4 and --ipv6 exclude each other; give neither for both families")
			}
			return ruleRun(cmd, env, opts)
		},
	}
	addNetnsFlag(cmd, &opts.Netns)
	cmd.Flags().BoolVar(&opts.IPv4, "ipv4", false, "list only the IPv4 rules (ip rule)")
	cmd.Flags().BoolVar(&opts.IPv6, "ipv6", false, "list only the IPv6 rules (ip -6 rule)")
	return cmd
}

func ruleRun(cmd *cobra.Command, env *Env, opts *ruleOptions) error {
	h, err := openHost("rule", opts.Netns)
	if err != nil {
		return err
	}
	defer h.Close()
	fams := []int{4, 6}
	if opts.IPv4 {
		fams = []int{4}
	} else if opts.IPv6 {
		fams = []int{6}
	}
	for i, fam := range fams {
		rs, err := h.Rules(cmd.Context(), fam)
		if err != nil {
			return linkErr(err)
		}
		if env.JSON() {
			for _, r := range rs {
				if err := WriteJSON(env.Out, ruleJSON(r, fam)); err != nil {
					return err
				}
			}
			continue
		}
		if len(fams) > 1 {
			if i > 0 {
				fmt.Fprintln(env.Out)
			}
			fmt.Fprintf(env.Out, "IPv%d:\n", fam)
		}
		for _, r := range rs {
			fmt.Fprintf(env.Out, "%d:\t%s\n", r.Priority, r)
		}
	}
	return env.Finish()
}

// ruleJSON is one rule with the field names and value forms of
// 'ip -j rule': addresses and their lengths apart, marks in hex, tables
// by name, switches such as "not" as true.
func ruleJSON(r link.Rule, fam int) map[string]any {
	m := map[string]any{"priority": r.Priority, "family": map[int]string{4: "inet", 6: "inet6"}[fam]}
	if r.Not {
		m["not"] = true
	}
	m["src"] = "all"
	if r.From.IsValid() && r.From.Bits() > 0 {
		m["src"] = r.From.Addr().String()
		if r.From.Bits() < r.From.Addr().BitLen() {
			m["srclen"] = r.From.Bits()
		}
	}
	if r.To.IsValid() && r.To.Bits() > 0 {
		m["dst"] = r.To.Addr().String()
		if r.To.Bits() < r.To.Addr().BitLen() {
			m["dstlen"] = r.To.Bits()
		}
	}
	if r.Tos != 0 {
		m["tos"] = fmt.Sprintf("%#x", r.Tos)
	}
	if r.Mark != 0 || r.Mask != 0 {
		m["fwmark"] = fmt.Sprintf("%#x", r.Mark)
		if r.Mask != 0xffffffff {
			m["fwmask"] = fmt.Sprintf("%#x", r.Mask)
		}
	}
	if r.Iif != "" {
		m["iif"] = r.Iif
		if r.IifDetached {
			m["iif_detached"] = true
		}
	}
	if r.Oif != "" {
		m["oif"] = r.Oif
		if r.OifDetached {
			m["oif_detached"] = true
		}
	}
	if r.L3mdev {
		m["l3mdev"] = true
	}
	if r.UIDRange != nil {
		m["uid_start"], m["uid_end"] = r.UIDRange[0], r.UIDRange[1]
	}
	if r.IPProto != 0 {
		m["ipproto"] = link.ProtoName(r.IPProto)
	}
	if r.Sport != nil {
		m["sport_start"], m["sport_end"] = r.Sport[0], r.Sport[1]
	}
	if r.Dport != nil {
		m["dport_start"], m["dport_end"] = r.Dport[0], r.Dport[1]
	}
	if r.TunID != 0 {
		m["tun_id"] = r.TunID
	}
	switch r.Action {
	case link.ActionLookup:
		if !r.L3mdev {
			m["table"] = link.TableName(r.Table)
		}
	case link.ActionGoto:
		m["goto"] = r.Goto
	case link.ActionNop:
		m["nop"] = true
	default:
		m["action"] = string(r.Action)
	}
	if r.SuppressPrefixLength >= 0 {
		m["suppress_prefixlen"] = r.SuppressPrefixLength
	}
	if r.SuppressIfgroup >= 0 {
		m["suppress_ifgroup"] = r.SuppressIfgroup
	}
	return m
}
