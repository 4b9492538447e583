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

// WriteDot draws t in Graphviz dot: one cluster per node (its name and
// kind), one box per interface with its addresses (bridges as rounded
// boxes, joined to their ports by dashed edges) and one edge per veth link.
func (t *Topology) WriteDot(w io.Writer) error {
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
	for i, n := range t.Nodes {
		fmt.Fprintf(bw, "  subgraph cluster_%d {\n", i)
		fmt.Fprintf(bw, "    label=%s;\n", strconv.Quote(nodeLabel(n)))
		if n.Kind == Router {
			bw.WriteString("    style=\"rounded,filled\"; fillcolor=\"#eef3fb\";\n")
		} else {
			bw.WriteString("    style=rounded;\n")
		}
		for _, ifc := range n.Interfaces {
			attrs := "label=" + strconv.Quote(ifaceLabel(ifc, "\n"))
			if ifc.Kind == Bridge {
				attrs += ", style=\"rounded,filled\", fillcolor=\"#fff3d6\""
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
				fmt.Fprintf(bw, "  %s -- %s [style=dashed];\n", id(n.Name, ifc.Master), id(n.Name, ifc.Name))
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
		fmt.Fprintf(bw, "  %s -- %s;\n", id(a.Node, a.Interface), id(b.Node, b.Interface))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// WriteMermaid draws t as a Mermaid flowchart: one subgraph per node, one
// box per interface with its addresses (bridges rounded), dotted edges from
// a bridge to its ports and a solid edge per veth link.
func (t *Topology) WriteMermaid(w io.Writer) error {
	bw := bufio.NewWriter(w)
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
		}
		bw.WriteString("  end\n")
	}
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			if ifc.Master != "" {
				fmt.Fprintf(bw, "  %s -.- %s\n", id(n.Name, ifc.Master), id(n.Name, ifc.Name))
			}
		}
	}
	for _, l := range t.Links {
		a, b := l.Endpoints[0], l.Endpoints[1]
		if t.endIface(a) == nil || t.endIface(b) == nil {
			continue
		}
		fmt.Fprintf(bw, "  %s --- %s\n", id(a.Node, a.Interface), id(b.Node, b.Interface))
	}
	return bw.Flush()
}
