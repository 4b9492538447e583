package cli

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/link/lab"
	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/topo"
)

// newTopoTraceCmds returns the walk commands: trace (simulated) and verify
// (the simulation against a built lab).
func newTopoTraceCmds(env *Env) []*cobra.Command {
	return []*cobra.Command{newTopoTraceCmd(env), newTopoVerifyCmd(env)}
}

type topoTraceOptions struct {
	from, to, proto string
	sport           int
	reply, explain  bool
	brNF            bool
	seed            uint64
	flows           string
}

func newTopoTraceCmd(env *Env) *cobra.Command {
	cmd, o := newTopoTraceCmdOptions(env)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return topoTraceRun(env, args[0], o) }
	return cmd
}

// newTopoTraceCmdOptions returns topo trace's command without its RunE, and the
// options its flags set: serve's /api/topo-trace runs the same command on a
// topology it parses itself.
func newTopoTraceCmdOptions(env *Env) (*cobra.Command, *topoTraceOptions) {
	o := &topoTraceOptions{}
	cmd := &cobra.Command{
		Use:   "trace FILE (--from NODE --to ADDR[:PORT] | --flows FILE)",
		Short: "Walk a packet through the topology as Linux would: routes, ARP/NDP, bridges, iptables, NAT",
		Long: `Walk one packet from a process on node --from to --to through FILE, as
the kernel would: the route lookup of each node (the chosen route and the
candidates it beat), ARP/NDP for the next hop on the outgoing segment (who
answers), bridges (FDB learning, forwarding to the port the destination's
MAC is behind, the bridge's own address as the gateway, hairpin only where
the port allows it), the iptables rules of every node at each hook
(PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING; raw, mangle, nat and
filter in the kernel's order), NAT once per connection with a conntrack
entry, and the TTL (hop limit) decremented per routed hop.

The first line is the disposition:
  ACCEPTED              a node that owns the destination received it
  NO_ROUTE              a node had no route for it
  NULL_ROUTED           a blackhole, unreachable or prohibit route matched
  NEIGHBOR_UNREACHABLE  nobody on the segment answered ARP/NDP for the next hop
  DENIED                an iptables rule or policy dropped it (node, table, chain, rule)
  FORWARDING_DISABLED   a node that does not forward got a packet for someone else
  LOOP                  the TTL ran out
then the hops, numbered, each with its steps, and a "packet:" line where
NAT rewrote the packet. --reply then walks the answer back through the
conntrack entries (de-NAT). -o json prints one {"type":"step",...} object
per step and a last {"type":"result",...}.

The statistic match (kube-proxy's choice of endpoint) draws from a
pseudo-random sequence seeded by --seed. Exit 0 when the packet (and with
--reply its answer) is ACCEPTED, exit 1 otherwise, exit 2 for bad input or
a rule the walk cannot evaluate.

--flows FILE (- for standard input) traces a batch, one flow a line,
FROM TO[:PORT] [PROTO] [SPORT], # starting a comment, each as if it were
the only one (no state carries from one flow to the next), parsing the
topology once. Text: one line per flow, its line number, the flow, the
disposition and the path (with --reply the reply's disposition too).
-o json: the step and result objects of each flow with "flow": the flow's
line number. A bad line is reported (stderr, and {"input","line","error"}
in -o json) and the other flows are still traced; exit 2 then, else 1
when any flow is not ACCEPTED.`,
		Example: `  netcalc topo trace examples/topo/gateway.yaml --from a --to 203.0.113.20
  netcalc topo trace examples/topo/home-nat.yaml --from laptop --to 203.0.113.200:80 --proto tcp --reply
  netcalc topo trace examples/topo/k8s.yaml --from client --to 10.96.0.80:80 --proto tcp --reply --explain
  printf 'client 10.96.0.80:80 tcp\nclient 198.51.100.12\n' | netcalc topo trace examples/topo/k8s.yaml --flows -`,
		Args: cobra.ExactArgs(1),
	}
	fs := cmd.Flags()
	fs.StringVar(&o.from, "from", "", "the `NODE` that sends the packet")
	fs.StringVar(&o.to, "to", "", "destination `ADDR[:PORT]` ([ADDR]:PORT for IPv6)")
	fs.StringVar(&o.proto, "proto", "icmp", "`PROTO`: icmp (echo request), tcp (SYN) or udp")
	fs.IntVar(&o.sport, "sport", 40000, "source `PORT` (the echo identifier for icmp)")
	fs.BoolVar(&o.reply, "reply", false, "also walk the reply back through conntrack")
	fs.BoolVar(&o.explain, "explain", false, "say why each step happened")
	fs.BoolVar(&o.brNF, "br-netfilter", false, "bridged frames go through iptables, as with the br_netfilter module loaded (Kubernetes nodes need it)")
	fs.Uint64Var(&o.seed, "seed", 1, "`N` seeds the statistic match's and --random-fully's random draws")
	fs.StringVar(&o.flows, "flows", "", "trace each flow of `FILE` (- for standard input), one a line: "+topo.FlowSyntax)
	return cmd, o
}

// parseTraceFlow reads the flow flags.
func parseTraceFlow(t *topo.Topology, o *topoTraceOptions) (topo.Flow, error) {
	f, err := topo.ParseFlow(t, o.from, o.to, o.proto, o.sport)
	var fe *topo.FlowError
	switch {
	case !errors.As(err, &fe):
		return f, err
	case fe.Missing && fe.Field == "from":
		return f, Usagef("--from NODE is required")
	case fe.Missing:
		return f, Usagef("--to ADDR[:PORT] is required")
	case fe.Field == "from":
		return f, BadInputf("--from %s: no such node, want one of %s", quoteToken(fe.Token), listSome(t.NodeNames()))
	case fe.Field == "sport":
		return f, BadInputf("--sport %s: %s", fe.Token, fe.Want)
	}
	return f, BadInputf("--%s %s: %s", fe.Field, quoteToken(fe.Token), fe.Want)
}

// traceError is an error of the simulation: a rule it cannot evaluate or
// a flow it cannot trace, exit 2.
func traceError(err error) error {
	var re *topo.RuleError
	var fe *topo.FlowError
	switch {
	case errors.As(err, &re):
		return BadInput(err)
	case errors.As(err, &fe):
		return BadInputf("%s %s: %s", fe.Field, quoteToken(fe.Token), fe.Want)
	}
	return err
}

// newTraceSim is the simulation o asks for.
func newTraceSim(t *topo.Topology, o *topoTraceOptions) (*topo.Sim, error) {
	sim, err := topo.NewSim(t, o.seed)
	if err != nil {
		return nil, traceError(err)
	}
	sim.BridgeNetfilter = o.brNF
	return sim, nil
}

func topoTraceRun(env *Env, file string, o *topoTraceOptions) error {
	if o.flows != "" {
		for _, c := range []struct {
			name string
			set  bool
		}{{"--from", o.from != ""}, {"--to", o.to != ""}} {
			if c.set {
				return Usagef("%s with --flows: a flows file names each flow's source and destination", c.name)
			}
		}
		if o.explain && !env.JSON() {
			return Usagef("--explain with --flows needs -o json: the text output is one line per flow")
		}
		if file == "-" && o.flows == "-" {
			return Usagef(`FILE and --flows are both standard input ("-"), which can be read only once`)
		}
	}
	t, err := loadTopology(env, file)
	if err != nil {
		return err
	}
	if o.flows != "" {
		return topoTraceBatch(env, t, o)
	}
	return topoTraceTopology(env, t, o)
}

// topoTraceTopology traces the one flow o names through t and prints it,
// with the reply when asked; serve's /api/topo-trace calls it too.
func topoTraceTopology(env *Env, t *topo.Topology, o *topoTraceOptions) error {
	f, err := parseTraceFlow(t, o)
	if err != nil {
		return err
	}
	sim, err := newTraceSim(t, o)
	if err != nil {
		return err
	}
	w, err := sim.Walk(f, o.reply)
	if w == nil {
		return traceError(err)
	}
	if err := printTrace(env, w.Trace, "", o.explain, 0); err != nil {
		return err
	}
	if err != nil {
		return traceError(err) // the reply's
	}
	if w.Reply != nil {
		if !env.JSON() {
			fmt.Fprintln(env.Out)
		}
		if err := printTrace(env, w.Reply, "reply", o.explain, 0); err != nil {
			return err
		}
	}
	if !w.Accepted() {
		return silentExit{ExitFail}
	}
	return nil
}

// traceStepJSON is a step of -o json: the stream's type, flow and
// direction, topo.Step's fields with the detail in words, the --explain
// words, and the packet NAT made.
type traceStepJSON struct {
	Type      string       `json:"type"`
	Flow      int          `json:"flow,omitempty"`
	Direction string       `json:"direction,omitempty"`
	Hop       int          `json:"hop"`
	Node      string       `json:"node"`
	In        string       `json:"in,omitempty"`
	Out       string       `json:"out,omitempty"`
	Action    string       `json:"action"`
	Detail    string       `json:"detail,omitempty"`
	Why       string       `json:"why,omitempty"`
	Packet    *tracePacket `json:"packet,omitempty"`
}

// tracePacket is a packet of -o json: its protocol, and the echo
// identifier as id rather than a port.
type tracePacket struct {
	Proto string `json:"proto"`
	Src   string `json:"src,omitempty"`
	Dst   string `json:"dst"`
	Sport uint16 `json:"sport,omitempty"`
	Dport uint16 `json:"dport,omitempty"`
	ID    uint16 `json:"id,omitempty"`
	TTL   int    `json:"ttl"`
}

type traceResultJSON struct {
	Type        string         `json:"type"`
	Flow        int            `json:"flow,omitempty"`
	Direction   string         `json:"direction,omitempty"`
	Disposition string         `json:"disposition"`
	Path        []string       `json:"path"`
	Packet      tracePacket    `json:"packet"`
	Conntrack   []traceConnRec `json:"conntrack,omitempty"`
}

type traceConnRec struct {
	Node  string `json:"node"`
	Entry string `json:"entry"`
}

func jsonPacket(p topo.IPPacket) tracePacket {
	j := tracePacket{Proto: topo.ProtoName(p.Proto), Dst: p.Dst.String(), TTL: p.TTL}
	if p.Src.IsValid() {
		j.Src = p.Src.String()
	}
	if p.Proto.IsICMP() {
		j.ID = p.SrcPort
	} else {
		j.Sport, j.Dport = p.SrcPort, p.DstPort
	}
	return j
}

// printTrace writes a trace: text (disposition, numbered hops with
// indented steps) or JSON Lines, with "flow": flow in each JSON object
// (none for 0).
func printTrace(env *Env, tr *topo.Trace, dir string, explain bool, flow int) error {
	if env.JSON() {
		for i := range tr.Steps {
			s := &tr.Steps[i]
			rec := traceStepJSON{Type: "step", Flow: flow, Direction: dir, Hop: s.Hop, Node: s.Node, In: s.In, Out: s.Out, Action: string(s.Action), Detail: stepDetail(s)}
			if explain {
				rec.Why = stepWhy(s)
			}
			if s.Packet != nil && s.Action == topo.ActTransformed {
				p := jsonPacket(*s.Packet)
				rec.Packet = &p
			}
			if err := WriteJSON(env.Out, rec); err != nil {
				return err
			}
		}
		res := traceResultJSON{Type: "result", Flow: flow, Direction: dir, Disposition: string(tr.Disposition), Path: tr.Path, Packet: jsonPacket(tr.Packet)}
		for _, c := range tr.Conns {
			res.Conntrack = append(res.Conntrack, traceConnRec{Node: c.Node, Entry: c.Conn.String()})
		}
		return WriteJSON(env.Out, res)
	}
	w := env.Out
	head := string(tr.Disposition)
	if dir != "" {
		head = dir + ": " + head
	}
	fmt.Fprintf(w, "%s\n", head)
	fmt.Fprintf(w, "flow: %s from %s\n", flowPacket(tr), tr.Flow.From)
	hop := 0
	for i := range tr.Steps {
		s := &tr.Steps[i]
		if s.Hop != hop {
			hop = s.Hop
			fmt.Fprintf(w, "%d. node: %s\n", hop, s.Node)
		}
		fmt.Fprintf(w, "  %s(%s)\n", s.Action, stepText(s))
		if explain {
			if why := stepWhy(s); why != "" {
				fmt.Fprintf(w, "    why: %s\n", why)
			}
		}
		if s.Packet != nil && s.Action == topo.ActTransformed {
			fmt.Fprintf(w, "    packet: %s\n", s.Packet)
		}
	}
	for _, c := range tr.Conns {
		fmt.Fprintf(w, "conntrack %s: %s\n", c.Node, c.Conn.String())
	}
	return nil
}

func flowPacket(tr *topo.Trace) string {
	for _, s := range tr.Steps {
		if s.Action == topo.ActOriginated && s.Packet != nil {
			return s.Packet.String()
		}
	}
	return tr.Packet.String()
}

// stepDetail is what a step is about: its Detail (the kernel's syntax),
// or for a step that ended the trace, why in words.
func stepDetail(s *topo.Step) string {
	switch s.Reason {
	case topo.ReasonNoRoute:
		return "no route to " + s.Addr.String()
	case topo.ReasonForwardingOff:
		return "forwarding is off (" + s.Detail + ")"
	case topo.ReasonTTLExceeded:
		return "ttl exceeded"
	case topo.ReasonNoDevice:
		return "no device " + s.Out
	case topo.ReasonNoNeighbor:
		return "no answer for " + s.NextHop.String() + " on " + s.Out
	case topo.ReasonNoPeer:
		return s.Out + " has no peer"
	case topo.ReasonNotForDevice:
		return "frame for " + s.DstMAC.String() + " not for " + s.In
	case topo.ReasonNoBridgePort:
		if s.DstDev != "" {
			return "no port of " + s.Bridge + " leads to " + s.DstDev
		}
		return "no port of " + s.Bridge + " leads to " + s.DstMAC.String()
	case topo.ReasonHairpinOff:
		frame := "frame"
		if s.DNATed {
			frame = "DNATed frame"
		}
		return "hairpin off on " + s.In + ": the " + frame + " may not go back out the port it came in on"
	}
	if s.RandomPort {
		return s.Detail + " (the kernel draws the source port at random)"
	}
	return s.Detail
}

// stepText is a step's detail with its interfaces, Batfish style.
func stepText(s *topo.Step) string {
	switch s.Action {
	case topo.ActRouted:
		t := s.Detail
		if len(s.Candidates) > 0 {
			var c []string
			for _, r := range s.Candidates {
				c = append(c, r.String())
			}
			t += "; beat: " + strings.Join(c, ", ")
		}
		return t
	case topo.ActNetfilter:
		return s.Detail
	case topo.ActTransformed:
		if s.Table == "" {
			return "conntrack " + s.Hook + ": " + natKindOfReply(s)
		}
		return s.Table + " " + s.Hook + ": " + stepDetail(s)
	case topo.ActConntrack:
		if s.New {
			return s.Hook + ": new connection"
		}
		dir := "original"
		if s.Reply {
			dir = "reply"
		}
		return s.Hook + ": " + dir + " direction of " + s.Detail
	}
	d := stepDetail(s)
	if s.In != "" && s.Action != topo.ActReceived {
		d = "in " + s.In + ": " + d
	}
	return d
}

func natKindOfReply(s *topo.Step) string {
	if s.Reply {
		return "reply de-NAT"
	}
	return "NAT of the connection"
}

// stepWhy says in words why a step happened (--explain).
func stepWhy(s *topo.Step) string {
	switch s.Action {
	case topo.ActOriginated:
		return "a process on " + s.Node + " sends the packet; without a bound address the kernel picks the source from the route it takes"
	case topo.ActReceived:
		return "the frame arrives on " + s.In + ", the other end of the veth pair it was sent on"
	case topo.ActRouted:
		if s.Route == nil {
			return ""
		}
		r := s.Route
		why := fmt.Sprintf("%s is the longest prefix in table %s that contains the destination", r.Dst, r.Table)
		if len(s.Candidates) > 0 {
			why += " (a longer prefix, or the same with a lower metric, wins)"
		}
		switch {
		case r.Type == topo.Local:
			why += "; a local route: the address is this node's own, so the packet goes up to INPUT"
		case r.Via.IsValid():
			why += "; the packet goes to the gateway " + r.Via.String() + ", which must answer ARP/NDP on " + r.Dev
		default:
			why += "; a connected route: the destination itself is on the link " + r.Dev
		}
		return why
	case topo.ActResolved:
		return "the kernel asks who has " + s.NextHop.String() + " (the next hop, not the final destination) on " + s.Out + "; " + s.Owner + " owns it and answers, so the sender's neighbour table now maps it to " + s.OwnerMAC.String()
	case topo.ActBridged:
		if s.Hairpin {
			return "the bridge learnt the sender's MAC on the input port; the destination is behind the same port, which hairpin mode allows"
		}
		return "the bridge " + s.Bridge + " learns the source MAC on " + s.In + " (FDB) and sends the frame where the destination's MAC was learnt (the ARP reply taught it); a frame for the bridge's own MAC goes up to its layer 3"
	case topo.ActConntrack:
		if s.New {
			return "no conntrack entry matches: this is the first packet of a connection (ctstate NEW); the nat table will see it"
		}
		return "an entry matches: the packet belongs to a known connection (ESTABLISHED), the nat table is skipped and the entry's translation applies"
	case topo.ActNetfilter:
		if s.NFVerdict == nil {
			return ""
		}
		if s.NFVerdict.Policy {
			return "no rule of the " + s.Table + " table ended the walk at " + s.Hook + ", so the built-in chain's policy decides"
		}
		why := "the first rule whose matches all hold decides (" + s.Verdict + ")"
		var path []string
		for _, r := range s.Rules {
			if r.Matched && (r.Action == netfilter.ActionJump || r.Action == netfilter.ActionGoto) {
				path = append(path, r.Target)
			}
		}
		if len(path) > 0 {
			why += "; the walk went " + s.Hook + " -> " + strings.Join(path, " -> ")
		}
		return why
	case topo.ActTransformed:
		if s.Table == "" {
			return "conntrack applies the connection's NAT in reverse to its replies (and again to later packets), without the nat table"
		}
		return "NAT rewrites the first packet of a connection; conntrack remembers it for the rest"
	case topo.ActForwarded:
		return "the destination is not this node's and forwarding is on: the TTL (hop limit) drops by one"
	case topo.ActTransmitted:
		return "the frame leaves " + s.Out
	case topo.ActAccepted:
		return s.Node + " owns " + s.Detail + ": the packet is delivered to a local socket"
	case topo.ActDropped:
		switch {
		case s.NFVerdict != nil:
			return "netfilter dropped it (" + s.Verdict + ")"
		case s.Hairpin:
			return "a bridge never sends a frame back out the port it came in on unless that port is in hairpin mode"
		case s.NextHop.IsValid():
			return "nobody on the segment owns " + s.NextHop.String() + ", so ARP/NDP gets no answer"
		case s.Route != nil:
			return "the matching route is of type " + string(s.Route.Type) + ": the kernel discards the packet"
		}
	}
	return ""
}

func newTopoVerifyCmd(env *Env) *cobra.Command {
	var flowsFile, prefix string
	cmd := &cobra.Command{
		Use:   "verify FILE [--flows FILE] [--name-prefix P]",
		Short: "Check the simulated walk against the kernel on a built lab (netcalc topo up)",
		Long: `Run flows for real in the lab "netcalc topo up FILE" built and compare each
with "netcalc topo trace": from inside the source namespace it sends an ICMP
echo, a UDP datagram or a TCP SYN (with a listener in every namespace),
sees where the packet is delivered (or which counter says where it was
dropped: an iptables DROP rule, ICMP time exceeded, a node that does not
forward, a missing route, an unanswered neighbour), and then reads each
hop's "ip route get", the neighbour tables and the conntrack entries the
trace says the walk leaves. Where kube-proxy's rules draw at random, a
simulation with another seed that ends where the kernel's packet did
counts as agreeing.

The flows are every node to every address in FILE, ICMP, unless --flows
names a file with one flow a line, NODE ADDR[:PORT] [icmp|tcp|udp] [SPORT],
where # starts a comment. Conntrack and neighbour tables of the lab are
flushed before each flow.

Prints a table flow by flow (simulated, kernel, agree); exit 0 when all
agree, exit 1 on any disagreement (the first differing step is printed),
exit 2 for bad input or a lab that is not built. Needs root.`,
		Example: `  netcalc topo up examples/topo/gateway.yaml
  netcalc topo verify examples/topo/gateway.yaml
  netcalc topo down examples/topo/gateway.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, p, err := loadLab(env, args[0], prefix)
			if err != nil {
				return err
			}
			flows := lab.DefaultFlows(t)
			if flowsFile != "" {
				b, err := os.ReadFile(flowsFile)
				if err != nil {
					return BadInput(readFileError(flowsFile, err, "a flows file"))
				}
				flows, err = lab.ParseFlows(string(b), t)
				if err != nil {
					return BadInputf("%s: %v", flowsFile, err)
				}
			}
			res, err := lab.Verify(t, p, flows)
			if err != nil {
				var re *topo.RuleError
				if errors.As(err, &re) {
					return BadInput(re)
				}
				return labError(err)
			}
			return printVerify(env, res)
		},
	}
	cmd.Flags().StringVar(&flowsFile, "flows", "", "flows to run from `FILE`, one a line: NODE ADDR[:PORT] [icmp|tcp|udp] [SPORT]")
	cmd.Flags().StringVar(&prefix, "name-prefix", "", namePrefixHelp)
	return cmd
}

type verifyJSON struct {
	Type      string `json:"type"`
	From      string `json:"from"`
	To        string `json:"to"`
	Proto     string `json:"proto"`
	Simulated string `json:"simulated"`
	Kernel    string `json:"kernel"`
	Evidence  string `json:"evidence"`
	Agree     bool   `json:"agree"`
	Diff      string `json:"diff,omitempty"`
}

func printVerify(env *Env, res []lab.FlowResult) error {
	bad := 0
	if !env.JSON() {
		fmt.Fprintln(env.Out, "FROM\tTO\tPROTO\tSIMULATED\tKERNEL\tAGREE")
	}
	for _, r := range res {
		to := r.Flow.Dst.String()
		if r.Flow.DstPort != 0 {
			to = netip.AddrPortFrom(r.Flow.Dst, r.Flow.DstPort).String()
		}
		sim := fmt.Sprintf("%s at %s", r.Sim.Disposition, r.Sim.At)
		ker := fmt.Sprintf("%s at %s", r.Kernel.Disposition, r.Kernel.At)
		if !r.Agree {
			bad++
		}
		if env.JSON() {
			if err := WriteJSON(env.Out, verifyJSON{Type: "flow", From: r.Flow.From, To: to, Proto: r.Flow.Proto.String(), Simulated: sim, Kernel: ker, Evidence: r.Kernel.Evidence, Agree: r.Agree, Diff: r.Diff}); err != nil {
				return err
			}
			continue
		}
		agree := "yes"
		if !r.Agree {
			agree = "no: " + r.Diff
		}
		fmt.Fprintf(env.Out, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Flow.From, to, r.Flow.Proto, sim, ker, agree)
	}
	if !env.JSON() {
		fmt.Fprintf(env.Out, "%d flows: %d agree, %d differ\n", len(res), len(res)-bad, bad)
	}
	if bad > 0 {
		return silentExit{ExitFail}
	}
	return nil
}
