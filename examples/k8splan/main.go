// Command k8splan shows netcalc/k8s sizing a cluster as a library: it
// plans a kubeadm cluster with a pod range, a node count and the networks
// it must not touch, prints the capacities and every finding with its rule
// and source, and then asks which pod CIDR each of the first nodes gets.
// It exits with status 1 when a finding is an error.
//
//	go run ./examples/k8splan                    # 200 nodes in 10.244.0.0/16: fits
//	go run ./examples/k8splan 10.244.0.0/16 300  # 300 do not: exit status 1
package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"

	"github.com/netcalc/netcalc/netcalc/k8s"
)

func main() {
	cluster, nodes := "10.244.0.0/16", uint64(200)
	if len(os.Args) > 1 {
		cluster = os.Args[1]
	}
	if len(os.Args) > 2 {
		n, err := strconv.ParseUint(os.Args[2], 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "k8splan: %q is not a node count\n", os.Args[2])
			os.Exit(2)
		}
		nodes = n
	}
	pod, err := netip.ParsePrefix(cluster)
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8splan:", err)
		os.Exit(2)
	}
	plan, err := k8s.NewPlan(k8s.Config{
		Profile:      k8s.Kubeadm,
		Version:      k8s.Version{Major: 1, Minor: 33},
		ClusterCIDRs: []netip.Prefix{pod},
		Nodes:        nodes,
		NodeNetworks: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
		Avoid:        []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}, // the office VPN
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8splan:", err)
		os.Exit(2)
	}
	for _, p := range plan.Pods {
		fmt.Printf("pods %s: /%d per node, %s node CIDRs, %d pods per node, %s pods in all\n",
			p.CIDR, p.NodeMask, p.MaxNodes, p.MaxPodsPerNode, p.TotalPods)
	}
	for _, s := range plan.Services {
		fmt.Printf("services %s: kubernetes %s, DNS %s, static band %s-%s\n",
			s.CIDR, s.Kubernetes, s.DNS, s.StaticFirst, s.StaticLast)
	}
	for _, f := range plan.Findings {
		fmt.Printf("%s (Kubernetes %s)\n    source: %s\n", f, f.Versions, f.Source)
	}
	if len(plan.Pods) > 0 {
		for i := uint64(0); i < 3; i++ {
			c, err := k8s.NodeCIDR(pod, plan.Pods[0].NodeMask, i)
			if err != nil {
				fmt.Println(err)
				break
			}
			fmt.Printf("node %d gets %s\n", i, c)
		}
	}
	if plan.HasErrors() {
		os.Exit(1)
	}
}
