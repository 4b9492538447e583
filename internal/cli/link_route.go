package cli

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/fib"
	"github.com/netcalc/netcalc/netcalc/link"
)

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
			if err := checkFamilyFlags("route", list.IPv4, list.IPv6); err != nil {
				return err
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

// routeKeywordWants names what each 'ip route get' keyword that route get
// accepts after the address wants as its value.
var routeKeywordWants = map[string]string{"from": "a source address", "iif": "an interface name", "oif": "an interface name", "mark": "a firewall mark"}

// parseArgs splits the positional arguments into addresses and the
// keywords from, iif, oif and mark with their values (the same as the
// flags --src, --iif, --oif and --mark).
func (o *routeOptions) parseArgs(args []string) error {
	o.Targets = nil
	for i := 0; i < len(args); i++ {
		a := args[i]
		dst := map[string]*string{"from": &o.Src, "iif": &o.Iif, "oif": &o.Oif, "mark": &o.Mark}[a]
		if dst == nil {
			o.Targets = append(o.Targets, a)
			continue
		}
		if i+1 >= len(args) {
			return BadInputf("route get: %q wants a value after it (%s); run 'netcalc route get --help' for usage", a, routeKeywordWants[a])
		}
		i++
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

// routeJSON is one route get answer, with the note in words.
type routeJSON struct {
	link.RouteDecision
	Note    string         `json:"note,omitempty"`
	Rules   []ruleStepJSON `json:"rules"`
	NextHop netip.Addr     `json:"next_hop"`
}

// ruleStepJSON is a step of the rule walk (link.RuleStep) with why it
// matched and what followed in words, and its rule written as 'netcalc
// rule -o json' writes it (ip -j rule's names), so one kind of object has
// one schema.
type ruleStepJSON struct {
	Matched    bool          `json:"matched"`
	Why        string        `json:"why"`
	Table      int           `json:"table,omitempty"`
	Candidates []link.Route  `json:"candidates,omitempty"`
	Winner     int           `json:"winner"`
	Result     string        `json:"result"`
	Outcome    fib.Outcome   `json:"outcome"`
	Failed     fib.Selector  `json:"failed,omitempty"`
	Rule       fib.RuleEntry `json:"rule"`
}

func newRouteJSON(d link.RouteDecision) routeJSON {
	fam := 6
	if d.Target.Unmap().Is4() {
		fam = 4
	}
	q := d.Query()
	steps := make([]ruleStepJSON, len(d.Rules))
	for i, st := range d.Rules {
		steps[i] = ruleStepJSON{Matched: st.Matched, Why: ruleWhy(st, q), Table: st.Table, Candidates: st.Candidates,
			Winner: st.Winner, Result: ruleResult(st), Outcome: st.Outcome, Failed: st.Failed, Rule: st.Rule.Entry(fam)}
	}
	return routeJSON{d, routeNote(d), steps, d.NextHop()}
}

// routeNote says where the kernel's answer and the rule walk differ; ""
// when they agree.
func routeNote(d link.RouteDecision) string {
	if !d.Mismatch {
		return ""
	}
	var s string
	if d.Decided >= 0 && d.Rules[d.Decided].Outcome == fib.Chosen {
		c := d.Candidates[d.Winner]
		s = fmt.Sprintf("the kernel's answer (table %s) differs from the rule walk (%s in table %s)", d.Route.TableName(), c.Dst, c.TableName())
	} else {
		s = "the rule walk found no route (" + walkRefusal(d.Rules, d.Decided) + ") but the kernel did"
	}
	if len(d.Unmodelled) > 0 {
		s += fmt.Sprintf("; rules %v have selectors netcalc does not model", d.Unmodelled)
	}
	return s
}

// walkRefusal names what ended a rule walk without a route: the rule
// action ("unreachable rule 200"), the route type ("blackhole route
// 198.51.100.128/25 in table main"), or no rule at all.
func walkRefusal(steps []link.RuleStep, decided int) string {
	if decided < 0 {
		return "no rule found a route"
	}
	st := steps[decided]
	if st.Outcome == fib.RuleRefused {
		return fmt.Sprintf("%s rule %d", st.Rule.Action, st.Rule.Priority)
	}
	c := st.Candidates[st.Winner]
	return fmt.Sprintf("%s route %s in table %s", c.Type, c.Dst, c.TableName())
}

// ruleResult says in words what followed a step of the rule walk.
func ruleResult(st link.RuleStep) string {
	r := st.Rule
	switch st.Outcome {
	case fib.NextRule:
		return "next rule"
	case fib.NoJumpTarget:
		return fmt.Sprintf("no rule of priority %d to jump to, next rule", r.Goto)
	case fib.Jump:
		return fmt.Sprintf("jump to priority %d", r.Goto)
	case fib.Nop:
		return "nop, next rule"
	case fib.RuleRefused:
		return string(r.Action) + ": the lookup fails"
	case fib.NoRoute:
		return "no route in table " + fib.TableName(r.Table) + ", next rule"
	}
	c := st.Candidates[st.Winner]
	switch st.Outcome {
	case fib.Thrown:
		return fmt.Sprintf("throw route %s, next rule", c.Dst)
	case fib.Suppressed:
		return fmt.Sprintf("%s suppressed (prefix length %d <= suppress_prefixlength %d), next rule", c.Dst, c.Dst.Bits(), r.SuppressPrefixLength)
	case fib.RouteRefused:
		return fmt.Sprintf("%s route %s: the lookup fails", c.Type, c.Dst)
	}
	return "chosen"
}

// ruleWhy says in words which selector decided the match of a step's
// rule for the packet q.
func ruleWhy(st link.RuleStep, q link.RouteQuery) string {
	s := selectorWhy(st, q)
	if st.Rule.Not {
		return "not: " + s
	}
	return s
}

func selectorWhy(st link.RuleStep, q link.RouteQuery) string {
	r := st.Rule
	dst, src := q.Dst.WithZone(""), q.Src.WithZone("")
	switch st.Failed {
	case fib.SelectorIif:
		switch {
		case r.IifDetached:
			return "iif " + r.Iif + " does not exist"
		case q.Iif == "":
			return "iif " + r.Iif + " != lo (a locally generated packet)"
		}
		return "iif " + r.Iif + " != " + q.Iif
	case fib.SelectorOif:
		switch {
		case r.OifDetached:
			return "oif " + r.Oif + " does not exist"
		case q.Oif == "":
			return "oif " + r.Oif + ": no output interface given"
		}
		return "oif " + r.Oif + " != " + q.Oif
	case fib.SelectorMark:
		return fmt.Sprintf("mark %#x & %#x != %#x", q.Mark, r.Mask, r.Mark&r.Mask)
	case fib.SelectorTunID:
		return "tun_id: not a tunnel packet"
	case fib.SelectorL3mdev:
		return "l3mdev (VRF): not modelled"
	case fib.SelectorUID:
		return fmt.Sprintf("uid %d not in %d-%d", q.UID, r.UIDRange[0], r.UIDRange[1])
	case fib.SelectorFrom:
		if !src.IsValid() {
			return "from " + rulePrefix(r.From) + ": no source address given (add 'from SRC')"
		}
		return "from " + rulePrefix(r.From) + " does not contain " + src.String()
	case fib.SelectorTo:
		return "to " + rulePrefix(r.To) + " does not contain " + dst.String()
	case fib.SelectorTos:
		return "tos: the lookup has tos 0"
	case fib.SelectorIPProto:
		return "ipproto: the lookup names no protocol"
	case fib.SelectorSport:
		return "sport: the lookup has no port"
	case fib.SelectorDport:
		return "dport: the lookup has no port"
	}
	if len(st.Held) == 0 {
		return "all"
	}
	iif := q.Iif
	if iif == "" {
		iif = "lo"
	}
	var ok []string
	for _, s := range st.Held {
		switch s {
		case fib.SelectorIif:
			ok = append(ok, "iif "+iif)
		case fib.SelectorOif:
			ok = append(ok, "oif "+q.Oif)
		case fib.SelectorMark:
			ok = append(ok, fmt.Sprintf("mark %#x", q.Mark))
		case fib.SelectorFrom:
			ok = append(ok, "from "+src.String())
		case fib.SelectorTo:
			ok = append(ok, "to "+dst.String())
		}
	}
	return strings.Join(ok, ", ")
}

// rulePrefix writes a host prefix as its bare address, as ip rule does.
func rulePrefix(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

func routeGetRun(cmd *cobra.Command, env *Env, opts *routeOptions) error {
	q, err := opts.query()
	if err != nil {
		return err
	}
	return withHost("route get", opts.Netns, func(h *link.Host) error {
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
			fmt.Fprintln(env.Out, strings.Join(d.Fields(), " "))
			if len(d.Rules) > 0 {
				fmt.Fprintln(env.Out, "why: the policy rules (ip rule) in priority order, up to the one whose table answered:")
				q := d.Query()
				rows := make([][]string, 0, len(d.Rules))
				for _, st := range d.Rules {
					outcome := "no match: " + ruleWhy(st, q)
					if st.Matched {
						outcome = "matched (" + ruleWhy(st, q) + "): " + ruleResult(st)
					}
					rows = append(rows, []string{"  " + strconv.Itoa(st.Rule.Priority) + ":", st.Rule.String(), outcome})
				}
				fmt.Fprint(env.Out, Aligned(rows))
			}
			if note := routeNote(d); note != "" {
				fmt.Fprintln(env.Out, "note: "+note)
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
	})
}

// checkDevice reports an interface name that does not exist in the
// namespace, so that 'iif eht0' is named before any lookup.
func checkDevice(cmd *cobra.Command, h *link.Host, name string) error {
	ls, err := h.Links(cmd.Context())
	if err != nil {
		return err
	}
	if _, missing := link.SelectInterfaces(ls, []string{name}); len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("no such interface; the interfaces are %s", strings.Join(link.InterfaceNames(ls), ", "))
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
	n, err := fib.ParseTable(s)
	if err != nil {
		return 0, BadInputf("route: --table %s: not a routing table, expected main, local, default, all or a number 1-4294967295", quoteToken(s))
	}
	return n, nil
}

func routeListRun(cmd *cobra.Command, env *Env, opts *routeOptions) error {
	table, err := parseTable(opts.Table)
	if err != nil {
		return err
	}
	return withHost("route", opts.Netns, func(h *link.Host) error {
		return listFamilies(env, opts.IPv4, opts.IPv6, func(fam int) ([]link.Route, error) { return h.Routes(cmd.Context(), fam, table) },
			func(r link.Route, _ int) any { return r.Entry() }, func(r link.Route) string { return routeListLine(r, table == 0) })
	})
}

// checkFamilyFlags rejects --ipv4 with --ipv6, for route, rule and neigh.
func checkFamilyFlags(cmdName string, ipv4, ipv6 bool) error {
	if ipv4 && ipv6 {
		return BadInputf("%s: --ipv4 and --ipv6 exclude each other; give neither for both families", cmdName)
	}
	return nil
}

// listFamilies prints the items list returns for each family asked for
// (both unless ipv4 or ipv6 is set): one JSON object each, or one text
// line each, under an "IPv4:" or "IPv6:" heading when both are listed.
func listFamilies[T any](env *Env, ipv4, ipv6 bool, list func(fam int) ([]T, error), asJSON func(T, int) any, asText func(T) string) error {
	fams := []int{4, 6}
	if ipv4 {
		fams = []int{4}
	} else if ipv6 {
		fams = []int{6}
	}
	for i, fam := range fams {
		items, err := list(fam)
		if err != nil {
			return linkErr(err)
		}
		if !env.JSON() && len(fams) > 1 {
			if i > 0 {
				fmt.Fprintln(env.Out)
			}
			fmt.Fprintf(env.Out, "IPv%d:\n", fam)
		}
		for _, it := range items {
			if env.JSON() {
				if err := WriteJSON(env.Out, asJSON(it, fam)); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(env.Out, asText(it))
			}
		}
	}
	return env.Finish()
}

// routeListLine formats one route as 'ip route' prints it (without its
// trailing blanks), then "  # " and the facts of its destination block,
// the nexthops of a multipath route on lines of their own; the table is
// shown, as ip shows it, only when listing every table.
func routeListLine(r link.Route, allTables bool) string {
	line := strings.Join(r.Fields(allTables), " ") + "  # " + routeFacts(r.Dst)
	for _, nh := range r.Nexthops {
		line += "\n\t" + strings.Join(nh.Fields(), " ")
	}
	return line
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
			if err := checkFamilyFlags("rule", opts.IPv4, opts.IPv6); err != nil {
				return err
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
	return withHost("rule", opts.Netns, func(h *link.Host) error {
		return listFamilies(env, opts.IPv4, opts.IPv6, func(fam int) ([]link.Rule, error) { return h.Rules(cmd.Context(), fam) },
			func(r link.Rule, fam int) any { return r.Entry(fam) }, func(r link.Rule) string { return strconv.Itoa(r.Priority) + ":\t" + r.String() })
	})
}
