package topo

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ifaceLabel returns "name" and its addresses, one per line.
func ifaceLabel(ifc *Interface, sep string) string {
	parts := []string{ifc.Name}
	for _, a := range ifc.Addrs {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, sep)
}

func nodeLabel(n *Node) string {
	if n.Kind == Router {
		return n.Name + " (router)"
	}
	return n.Name
}

// pathColor is the colour of a highlighted trace path.
const pathColor = "#d62728"

// pathMarks are the nodes and interfaces a trace passed through.
type pathMarks struct {
	nodes  map[string]bool
	ifaces map[string]bool // "node:iface"
	label  string
}

// marksOf collects what tr passed through: the nodes of its path and the
// interfaces its steps name (in, out and the bridge of a bridged step). An edge is on the path when both
// its ends are: a veth link the packet crossed, a bridge and the port it
// used. nil for a nil trace.
func marksOf(tr *Trace) *pathMarks {
	if tr == nil {
		return nil
	}
	m := &pathMarks{nodes: map[string]bool{}, ifaces: map[string]bool{}}
	for _, n := range tr.Path {
		m.nodes[n] = true
	}
	for i := range tr.Steps {
		s := &tr.Steps[i]
		for _, ifc := range []string{s.In, s.Out, s.Bridge} {
			if ifc != "" {
				m.ifaces[s.Node+":"+ifc] = true
			}
		}
	}
	m.label = "trace " + flowText(tr) + ": " + string(tr.Disposition)
	if tr.At != "" {
		m.label += " at " + tr.At
	}
	return m
}

// flowText is the first packet of tr as it left its source.
func flowText(tr *Trace) string {
	for i := range tr.Steps {
		if s := &tr.Steps[i]; s.Action == ActOriginated && s.Packet != nil {
			return s.Packet.String() + " from " + tr.Flow.From
		}
	}
	return tr.Packet.String() + " from " + tr.Flow.From
}

func (m *pathMarks) node(n string) bool { return m != nil && m.nodes[n] }
func (m *pathMarks) iface(n, i string) bool {
	return m != nil && m.ifaces[n+":"+i]
}
func (m *pathMarks) edge(an, ai, bn, bi string) bool { return m.iface(an, ai) && m.iface(bn, bi) }

// WriteDot draws t in Graphviz dot: one cluster per node (its name and
// kind), one box per interface with its addresses (bridges as rounded
// boxes, joined to their ports by dashed edges) and one edge per veth link.
func (t *Topology) WriteDot(w io.Writer) error { return t.WriteDotTrace(w, nil) }

// WriteDotTrace is WriteDot with the path of tr highlighted (nil: none):
// the nodes it passed through, the interfaces its steps name, and the
// links and bridge ports between them, in red and bold, with the flow and
// its disposition as the graph's label.
func (t *Topology) WriteDotTrace(w io.Writer, tr *Trace) error {
	hl := marksOf(tr)
	bw := bufio.NewWriter(w)
	id := func(node, iface string) string { return strconv.Quote(node + ":" + iface) }
	name := t.Name
	if name == "" {
		name = "topology"
	}
	fmt.Fprintf(bw, "graph %s {\n", strconv.Quote(name))
	bw.WriteString("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12];\n")
	bw.WriteString("  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	if hl != nil {
		// An HTML label: a graph's fontcolor would colour every
		// cluster's label too.
		lbl := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(hl.label)
		fmt.Fprintf(bw, "  label=<<font color=\"%s\">%s</font>>; labelloc=t;\n", pathColor, lbl)
	}
	for i, n := range t.Nodes {
		fmt.Fprintf(bw, "  subgraph cluster_%d {\n", i)
		fmt.Fprintf(bw, "    label=%s;\n", strconv.Quote(nodeLabel(n)))
		if n.Kind == Router {
			bw.WriteString("    style=\"rounded,filled\"; fillcolor=\"#eef3fb\";\n")
		} else {
			bw.WriteString("    style=rounded;\n")
		}
		if hl.node(n.Name) {
			fmt.Fprintf(bw, "    color=%s; penwidth=2; fontcolor=%s;\n", strconv.Quote(pathColor), strconv.Quote(pathColor))
		}
		for _, ifc := range n.Interfaces {
			attrs := "label=" + strconv.Quote(ifaceLabel(ifc, "\n"))
			if ifc.Kind == Bridge {
				attrs += ", style=\"rounded,filled\", fillcolor=\"#fff3d6\""
			}
			if hl.iface(n.Name, ifc.Name) {
				attrs += ", color=" + strconv.Quote(pathColor) + ", penwidth=2"
			}
			fmt.Fprintf(bw, "    %s [%s];\n", id(n.Name, ifc.Name), attrs)
		}
		if len(n.Interfaces) == 0 {
			fmt.Fprintf(bw, "    %s [label=%s, shape=plaintext];\n", id(n.Name, ""), strconv.Quote("(no interfaces)"))
		}
		bw.WriteString("  }\n")
	}
	order := make(map[string]int, len(t.Nodes))
	for i, n := range t.Nodes {
		order[n.Name] = i
	}
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			if ifc.Master != "" {
				attrs := "style=dashed"
				if hl.edge(n.Name, ifc.Master, n.Name, ifc.Name) {
					attrs = "style=bold, color=" + strconv.Quote(pathColor) + ", penwidth=2.5"
				}
				fmt.Fprintf(bw, "  %s -- %s [%s];\n", id(n.Name, ifc.Master), id(n.Name, ifc.Name), attrs)
			}
		}
		// Lay a node's own uplinks before its bridges: left to right
		// from the network to the pods.
		for _, up := range n.Interfaces {
			if up.Kind == Bridge || up.Master != "" {
				continue
			}
			for _, br := range n.Interfaces {
				if br.Kind == Bridge {
					fmt.Fprintf(bw, "  %s -- %s [style=invis];\n", id(n.Name, up.Name), id(n.Name, br.Name))
				}
			}
		}
	}
	for _, l := range t.Links {
		a, b := l.Endpoints[0], l.Endpoints[1]
		if t.endIface(a) == nil || t.endIface(b) == nil {
			continue
		}
		if order[b.Node] < order[a.Node] {
			a, b = b, a // the earlier node on the left
		}
		if hl.edge(a.Node, a.Interface, b.Node, b.Interface) {
			fmt.Fprintf(bw, "  %s -- %s [color=%s, penwidth=2.5];\n", id(a.Node, a.Interface), id(b.Node, b.Interface), strconv.Quote(pathColor))
			continue
		}
		fmt.Fprintf(bw, "  %s -- %s;\n", id(a.Node, a.Interface), id(b.Node, b.Interface))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// WriteMermaid draws t as a Mermaid flowchart: one subgraph per node, one
// box per interface with its addresses (bridges rounded), dotted edges from
// a bridge to its ports and a solid edge per veth link.
func (t *Topology) WriteMermaid(w io.Writer) error { return t.WriteMermaidTrace(w, nil) }

// WriteMermaidTrace is WriteMermaid with the path of tr highlighted (nil:
// none), as WriteDotTrace does: a "path" class on its interfaces, a red
// stroke on its nodes' subgraphs and linkStyle on its edges, and the flow
// and its disposition as a comment and a title.
func (t *Topology) WriteMermaidTrace(w io.Writer, tr *Trace) error {
	hl := marksOf(tr)
	bw := bufio.NewWriter(w)
	var onPath []string // interface ids
	var edges []int     // indexes of highlighted edges
	edge := 0
	ids := map[string]string{}
	id := func(node, iface string) string {
		k := node + ":" + iface
		if v, ok := ids[k]; ok {
			return v
		}
		v := "i" + strconv.Itoa(len(ids))
		ids[k] = v
		return v
	}
	esc := func(s string) string { return strings.ReplaceAll(s, `"`, "#quot;") }
	if hl != nil {
		fmt.Fprintf(bw, "---\ntitle: \"%s\"\n---\n", esc(hl.label))
	}
	bw.WriteString("flowchart LR\n")
	for i, n := range t.Nodes {
		fmt.Fprintf(bw, "  subgraph n%d[\"%s\"]\n", i, esc(nodeLabel(n)))
		for _, ifc := range n.Interfaces {
			label := esc(ifaceLabel(ifc, "<br>"))
			if ifc.Kind == Bridge {
				fmt.Fprintf(bw, "    %s(\"%s\")\n", id(n.Name, ifc.Name), label)
			} else {
				fmt.Fprintf(bw, "    %s[\"%s\"]\n", id(n.Name, ifc.Name), label)
			}
			if hl.iface(n.Name, ifc.Name) {
				onPath = append(onPath, id(n.Name, ifc.Name))
			}
		}
		bw.WriteString("  end\n")
	}
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			if ifc.Master != "" {
				fmt.Fprintf(bw, "  %s -.- %s\n", id(n.Name, ifc.Master), id(n.Name, ifc.Name))
				if hl.edge(n.Name, ifc.Master, n.Name, ifc.Name) {
					edges = append(edges, edge)
				}
				edge++
			}
		}
	}
	for _, l := range t.Links {
		a, b := l.Endpoints[0], l.Endpoints[1]
		if t.endIface(a) == nil || t.endIface(b) == nil {
			continue
		}
		fmt.Fprintf(bw, "  %s --- %s\n", id(a.Node, a.Interface), id(b.Node, b.Interface))
		if hl.edge(a.Node, a.Interface, b.Node, b.Interface) {
			edges = append(edges, edge)
		}
		edge++
	}
	if hl != nil {
		fmt.Fprintf(bw, "  classDef path stroke:%s,stroke-width:3px\n", pathColor)
		if len(onPath) > 0 {
			fmt.Fprintf(bw, "  class %s path\n", strings.Join(onPath, ","))
		}
		for i, n := range t.Nodes {
			if hl.node(n.Name) {
				fmt.Fprintf(bw, "  style n%d stroke:%s,stroke-width:3px\n", i, pathColor)
			}
		}
		if len(edges) > 0 {
			idx := make([]string, len(edges))
			for i, e := range edges {
				idx[i] = strconv.Itoa(e)
			}
			fmt.Fprintf(bw, "  linkStyle %s stroke:%s,stroke-width:3px\n", strings.Join(idx, ","), pathColor)
		}
	}
	return bw.Flush()
}

// WriteOutline writes the topology as an indented outline: each node and
// its kind, then one line per interface with its kind and addresses, a
// bridge's ports or the bridge a port belongs to, and "<-> NODE:IFACE"
// for a veth end's peer.
func (t *Topology) WriteOutline(w io.Writer) error {
	var b []byte
	for _, n := range t.Nodes {
		b = fmt.Appendf(b, "%s (%s)\n", n.Name, n.Kind)
		for _, ifc := range n.Interfaces {
			b = append(b, "  "+ifc.Name+" "+string(ifc.Kind)...)
			for _, a := range ifc.Addrs {
				b = a.AppendTo(append(b, ' '))
			}
			switch {
			case ifc.Kind == Bridge:
				b = append(b, " ports: "+strings.Join(ifc.Ports, " ")...)
			case ifc.Master != "":
				b = append(b, " (port of "+ifc.Master+")"...)
			}
			if ifc.Peer != "" {
				b = append(b, " <-> "+ifc.Peer...)
			}
			b = append(b, '\n')
		}
	}
	_, err := w.Write(b)
	return err
}
