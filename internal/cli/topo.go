package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// topoOptions holds the arguments of every topo subcommand.
type topoOptions struct {
	Sub  string // check, expand, draw, show
	File string
	Node string // show --node
	// draw's trace to highlight: --from, --to, --proto, --sport,
	// --br-netfilter, --seed as topo trace has them.
	Trace topoTraceOptions
}

func newTopoCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topo",
		Short: "Network namespaces, veth pairs, bridges and gateways as a file: check, expand, draw, show; up, down, exec, status, emit build it for real",
		Long: `Work with a topology file: nodes (each a network namespace) with their
interfaces, addresses, bridges, routes in "ip route" syntax, sysctls and
iptables-save text, joined by veth links written as containerlab's
endpoints: ["a:eth0", "b:eth0"]. A k8s: block generates a Kubernetes
cluster's pod network instead (see "netcalc topo expand --help").

What the kernel adds by itself is derived: connected and local routes from
the addresses, IPv6 link-local addresses, interfaces that only a link
names, and a stable MAC per interface (locally administered, from the node
and interface names). Every error names the file, the line and the YAML
path of the value at fault. FILE "-" reads standard input.`,
	}
	cmd.AddCommand(newTopoCheckCmd(env), newTopoExpandCmd(env), newTopoDrawCmd(env), newTopoShowCmd(env))
	cmd.AddCommand(newTopoLabCmds(env)...)
	cmd.AddCommand(newTopoTraceCmds(env)...)
	return cmd
}

func topoRunE(env *Env, opts *topoOptions, sub string, run func(*Env, *topoOptions) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		opts.Sub = sub
		opts.File = args[0]
		return run(env, opts)
	}
}

func newTopoCheckCmd(env *Env) *cobra.Command {
	opts := &topoOptions{}
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Lint a topology: what the kernel accepts but a person did not mean",
		Long: `Lint a topology file. Each finding has a severity, the check that found it,
the YAML path and line, and what is wrong:

  missing-node        a link names a node that is not in the file (error)
  missing-interface   a bridge port or a route's dev names no interface (error)
  link-reuse          an interface is the end of two links, or a link ends on
                      a bridge (error)
  duplicate-address   one address twice on one layer-2 segment (error)
  two-subnets         two subnets of a family on one segment (warning)
  gateway-off-link    no address of the node covers a route's gateway: the
                      kernel refuses the route (error)
  gateway-missing     nobody on the segment owns a route's gateway (warning)
  no-forwarding       a node is another node's gateway but does not forward
                      (error)
  no-return-route     a node reached by a route has no route back to the
                      sender's address (warning)
  mtu-mismatch        the ends of a link, or a bridge and its ports, differ
                      in MTU (warning)
  bridge-port         a port in two bridges, or a port with addresses

Exit status: exit 0 when there is no error (warnings allowed), exit 1 when
there is one, exit 2 when the file does not parse.`,
		Example: `  netcalc topo check examples/topo/gateway.yaml
  netcalc topo check lab.yaml -o json`,
		Args: cobra.ExactArgs(1),
		RunE: topoRunE(env, opts, "check", topoCheckRun),
	}
}

func newTopoExpandCmd(env *Env) *cobra.Command {
	opts := &topoOptions{}
	return &cobra.Command{
		Use:   "expand FILE",
		Short: "Print the plain topology a k8s: block generates",
		Long: `Print FILE as a plain topology file, with the k8s: block expanded into the
nodes and links it stands for, so that it can be read and edited:

  k8s:
    nodes: 3                        # node-1 .. node-3 (kind router)
    node-network: 203.0.113.0/24    # node-n is network+10+n on eth0; a node
                                    # "lan" is the switch (br0) and holds
                                    # network+1, every node's default gateway
    cluster-cidr: 10.244.0.0/16
    node-cidr-mask: 24              # node-n gets the n-th /24 outside the
                                    # Service CIDR (kube-controller-manager)
    service-cidr: 10.96.0.0/12      # the default
    cni: bridge                     # bridge (default: cni0 holds the pod
                                    # CIDR's first address) or ptp
    masquerade: ip-masq-agent       # ip-masq-agent (default: all but the
                                    # cluster CIDR), bridge-ipmasq, none
    hairpin: false                  # cni0 hairpin mode (bridge plugin default)
    pods: {node-1: [web-1, web-2], node-2: [api-1]}   # or pods-per-node: N
    services: services.yaml         # netcalc kube-proxy's Services format,
                                    # relative to FILE

Each pod is a namespace with eth0 (the pod CIDR's addresses from the second
on, as host-local hands them out) on a veth whose peer is a cni0 port; each
node routes every other node's pod CIDR via that node (host-gw) and carries
kube-proxy's iptables-save text for the Services (as "netcalc kube-proxy
rules" renders it, with the built-in chains' jump rules) plus the
masquerade rules. Endpoints without a node are placed on the node of the pod
that has their address; the Services file's node, nodeIPs, clusterCIDR and
bridgeIP are replaced by each generated node's own. A file without a k8s: block prints as it is read,
without what the kernel derives.`,
		Example:     `  netcalc topo expand examples/topo/k8s.yaml`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{outputAnnotation: "text"},
		RunE:        topoRunE(env, opts, "expand", topoExpandRun),
	}
}

func newTopoDrawCmd(env *Env) *cobra.Command {
	opts := &topoOptions{}
	cmd := &cobra.Command{
		Use:   "draw FILE [--from NODE --to ADDR[:PORT] [--proto PROTO]]",
		Short: "Draw a topology: Graphviz dot, Mermaid, or a text outline",
		Long: `Draw the nodes, their interfaces with addresses, bridges with their ports,
and the veth links of FILE.

  -o dot       Graphviz (render with: dot -Tsvg)
  -o mermaid   a Mermaid flowchart (Markdown renderers draw it)
  -o text      an outline: each node, its interfaces and their peers
  -o json      one record per node and per link

With --from NODE and --to ADDR or ADDR:PORT, and --proto, --sport,
--br-netfilter and --seed as "netcalc topo trace" has them, the picture
(-o dot or mermaid) highlights the path of that trace in red: the nodes it passed through, the
interfaces its steps name, the veth links and bridge ports between them,
with the flow and its disposition as the title. The exit status is 0
whatever the disposition.`,
		Example: `  netcalc topo draw examples/topo/bridge.yaml -o mermaid
  netcalc topo draw examples/topo/k8s.yaml -o dot | dot -Tsvg > k8s.svg
  netcalc topo draw examples/topo/k8s.yaml -o dot --from client --to 10.96.0.80:80 --proto tcp | dot -Tsvg > path.svg`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{outputAnnotation: "text,json,dot,mermaid"},
		RunE:        topoRunE(env, opts, "draw", topoDrawRun),
	}
	o := &opts.Trace
	fs := cmd.Flags()
	fs.StringVar(&o.from, "from", "", "highlight the path of a packet sent by `NODE`")
	fs.StringVar(&o.to, "to", "", "the highlighted trace's destination `ADDR[:PORT]` ([ADDR]:PORT for IPv6)")
	fs.StringVar(&o.proto, "proto", "icmp", "the highlighted trace's `PROTO`: icmp, tcp or udp")
	fs.IntVar(&o.sport, "sport", 40000, "the highlighted trace's source `PORT`")
	fs.BoolVar(&o.brNF, "br-netfilter", false, "the highlighted trace assumes br_netfilter, as topo trace --br-netfilter")
	fs.Uint64Var(&o.seed, "seed", 1, "`N` seeds the highlighted trace's random draws, as topo trace --seed")
	return cmd
}

func newTopoShowCmd(env *Env) *cobra.Command {
	opts := &topoOptions{}
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Print each node's routing table as the kernel would hold it",
		Long: `Print every node's routes as "ip route show table all" would list them in
that namespace: the static routes of the file, the connected routes the
addresses add (proto kernel), IPv6 link-local routes, and the local table
(local, broadcast and anycast routes, lo). --node picks one node.`,
		Example: `  netcalc topo show examples/topo/veth.yaml --node a`,
		Args:    cobra.ExactArgs(1),
		RunE:    topoRunE(env, opts, "show", topoShowRun),
	}
	cmd.Flags().StringVar(&opts.Node, "node", "", "only the node `NAME`")
	return cmd
}

// loadTopology reads and parses FILE ("-" is standard input); a services
// file the k8s block names is read relative to FILE's directory.
func loadTopology(env *Env, file string) (*topo.Topology, error) {
	var data []byte
	var err error
	name, dir := file, filepath.Dir(file)
	if file == "-" {
		name, dir = "stdin", "."
		data, err = io.ReadAll(io.LimitReader(env.Stdin, topo.MaxFileSize+1))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, BadInput(readFileError(name, err, "a topology YAML file"))
	}
	readFile := func(n string) ([]byte, error) {
		p := n
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, n)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, readFileError(p, err, "a YAML file of Services")
		}
		return b, nil
	}
	return parseTopology(env, name, data, readFile)
}

// parseTopology parses data, the topology file name, whose k8s-services
// files readFile reads; a bad file is a usage error in the file's words,
// and the notes the parse made are written to standard error.
func parseTopology(env *Env, name string, data []byte, readFile func(string) ([]byte, error)) (*topo.Topology, error) {
	t, err := topo.Parse(bytes.NewReader(data), topo.Options{File: name, ReadFile: readFile})
	if err != nil {
		var te *topo.Error
		if errors.As(err, &te) {
			return nil, BadInput(errors.New(te.Message()))
		}
		return nil, BadInput(err)
	}
	for _, n := range t.Notes {
		env.Errorf("note: %s: %s", n.Services, kubeProxyNote(n.Note))
	}
	return t, nil
}

type topoFindingJSON struct {
	Type string `json:"type"`
	topo.Finding
}

func topoCheckRun(env *Env, opts *topoOptions) error {
	t, err := loadTopology(env, opts.File)
	if err != nil {
		return err
	}
	return topoCheck(env, t, opts.fileName())
}

// topoCheck prints t's findings and, in text, a summary of the file name;
// any error finding makes exit 1. serve's /api/topo-check calls it too.
func topoCheck(env *Env, t *topo.Topology, name string) error {
	fs := t.Check()
	topo.SortFindings(fs)
	errs, warns := 0, 0
	tab := env.NewTable()
	if !env.JSON() && len(fs) > 0 {
		tab.Row("SEVERITY", "LINE", "PATH", "CHECK", "MESSAGE")
	}
	for _, f := range fs {
		if f.Severity == topo.SevError {
			errs++
		} else {
			warns++
		}
		if env.JSON() {
			if err := WriteJSON(env.Out, topoFindingJSON{Type: "finding", Finding: f}); err != nil {
				return err
			}
			continue
		}
		line := "-"
		if f.Line > 0 {
			line = fmt.Sprint(f.Line)
		}
		tab.Row(string(f.Severity), line, f.Path, f.Check, f.Message)
	}
	if err := tab.Flush(); err != nil {
		return err
	}
	if !env.JSON() {
		fmt.Fprintf(env.Out, "%s: %s, %s: %s, %s\n", name, countNoun(len(t.Nodes), "node"), countNoun(len(t.Links), "link"), countNoun(errs, "error"), countNoun(warns, "warning"))
	}
	if errs > 0 {
		return silentExit{ExitFail}
	}
	return nil
}

func (o *topoOptions) fileName() string {
	if o.File == "-" {
		return "stdin"
	}
	return o.File
}

func topoExpandRun(env *Env, opts *topoOptions) error {
	t, err := loadTopology(env, opts.File)
	if err != nil {
		return err
	}
	return t.WriteYAML(env.Out)
}

type topoNodeJSON struct {
	Type       string            `json:"type"`
	Name       string            `json:"name"`
	Kind       topo.Kind         `json:"kind"`
	Interfaces []*topo.Interface `json:"interfaces"`
}

type topoLinkJSON struct {
	Type      string   `json:"type"`
	Endpoints []string `json:"endpoints"`
}

func topoDrawRun(env *Env, opts *topoOptions) error {
	o := &opts.Trace
	tracing := o.from != "" || o.to != ""
	if tracing && env.Output != "dot" && env.Output != "mermaid" {
		return Usagef("--from/--to highlight a path in a picture: add -o dot or -o mermaid")
	}
	t, err := loadTopology(env, opts.File)
	if err != nil {
		return err
	}
	return topoDraw(env, t, o)
}

// topoDraw prints t as the output format asks, with the path of o's flow
// highlighted when o names one (dot and mermaid only; topoDrawRun has
// checked). serve's /api/topo-draw calls it too.
func topoDraw(env *Env, t *topo.Topology, o *topoTraceOptions) error {
	var tr *topo.Trace
	if o.from != "" || o.to != "" {
		f, err := parseTraceFlow(t, o)
		if err != nil {
			return err
		}
		sim, err := newTraceSim(t, o)
		if err != nil {
			return err
		}
		if tr, err = sim.Trace(f); err != nil {
			return traceError(err)
		}
	}
	switch env.Output {
	case "dot":
		return t.WriteDotTrace(env.Out, tr)
	case "mermaid":
		return t.WriteMermaidTrace(env.Out, tr)
	case "json":
		for _, n := range t.Nodes {
			if err := WriteJSON(env.Out, topoNodeJSON{Type: "node", Name: n.Name, Kind: n.Kind, Interfaces: n.Interfaces}); err != nil {
				return err
			}
		}
		for _, l := range t.Links {
			if err := WriteJSON(env.Out, topoLinkJSON{Type: "link", Endpoints: []string{l.Endpoints[0].String(), l.Endpoints[1].String()}}); err != nil {
				return err
			}
		}
		return nil
	}
	return t.WriteOutline(env.Out)
}

type topoRouteJSON struct {
	Type      string `json:"type"`
	Node      string `json:"node"`
	Route     string `json:"route"` // in ip route syntax
	RouteType string `json:"route_type"`
	Dst       string `json:"dst"`
	Via       string `json:"via,omitempty"`
	Dev       string `json:"dev,omitempty"`
	Src       string `json:"src,omitempty"`
	Metric    uint32 `json:"metric"`
	Scope     string `json:"scope"`
	Table     string `json:"table"`
	Origin    string `json:"origin"`
}

func topoRoute(node string, r topo.Route) topoRouteJSON {
	j := topoRouteJSON{Type: "route", Node: node, Route: r.String(), RouteType: string(r.Type), Dst: r.Dst.String(), Dev: r.Dev,
		Metric: r.Metric, Scope: r.Scope, Table: r.Table, Origin: string(r.Origin)}
	if r.Via.IsValid() {
		j.Via = r.Via.String()
	}
	if r.Src.IsValid() {
		j.Src = r.Src.String()
	}
	return j
}

func topoShowRun(env *Env, opts *topoOptions) error {
	t, err := loadTopology(env, opts.File)
	if err != nil {
		return err
	}
	nodes, ok := t.Select(opts.Node)
	if !ok {
		return BadInputf("--node: %s: no such node in %s, want one of %s", quoteToken(opts.Node), opts.fileName(), listSome(t.NodeNames()))
	}
	for i, n := range nodes {
		if !env.JSON() {
			if i > 0 {
				fmt.Fprintln(env.Out)
			}
			fmt.Fprintf(env.Out, "%s:\n", n.Name)
		}
		for _, r := range n.RoutingTable() {
			if env.JSON() {
				if err := WriteJSON(env.Out, topoRoute(n.Name, r)); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(env.Out, "  %s\n", r)
		}
	}
	return nil
}
