// Command topo reads the story's topology files with netcalc/topo: for each
// it prints the nodes and their interfaces, the lints of Check, and one
// node's routing table as the kernel would hold it; for the Kubernetes
// example it prints the generated nodes.
package main

import (
	"embed"
	"fmt"
	"os"

	"github.com/netcalc/netcalc/netcalc/topo"
)

//go:embed *.yaml
var files embed.FS

func main() {
	for _, name := range []string{"veth.yaml", "bridge.yaml", "gateway.yaml", "home-nat.yaml", "k8s.yaml"} {
		f, err := files.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		t, err := topo.Parse(f, topo.Options{File: name, ReadFile: files.ReadFile})
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("== %s: %d nodes, %d links\n", name, len(t.Nodes), len(t.Links))
		for _, n := range t.Nodes {
			fmt.Printf("  %s (%s)", n.Name, n.Kind)
			for _, ifc := range n.Interfaces {
				fmt.Printf("  %s %v", ifc.Name, ifc.Addrs)
			}
			fmt.Println()
		}
		for _, f := range t.Check() {
			fmt.Printf("  %s %s line %d: %s\n", f.Severity, f.Path, f.Line, f.Message)
		}
		first := t.Nodes[0]
		fmt.Printf("  routes of %s:\n", first.Name)
		for _, r := range first.RoutingTable() {
			if r.Table == "main" {
				fmt.Printf("    %s\n", r)
			}
		}
	}
}
