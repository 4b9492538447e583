package k8s_test

import (
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/k8s"
)

func ExampleNewPlan() {
	plan, err := k8s.NewPlan(k8s.Config{
		Profile:      k8s.Cilium,
		ServiceCIDRs: []netip.Prefix{netip.MustParsePrefix("10.96.0.0/12")},
	})
	if err != nil {
		panic(err)
	}
	for _, f := range plan.Findings {
		if f.Severity == k8s.Error {
			fmt.Println(f.Rule, f.CIDRs)
		}
	}
	// Output:
	// overlap-pod-service [10.0.0.0/8 10.96.0.0/12]
}

func ExampleNodeCIDR() {
	cluster := netip.MustParsePrefix("10.244.0.0/16")
	for i := uint64(0); i < 3; i++ {
		p, _ := k8s.NodeCIDR(cluster, 24, i)
		fmt.Println(i, p)
	}
	fmt.Println(k8s.MaxNodes(cluster, 24))
	// Output:
	// 0 10.244.0.0/24
	// 1 10.244.1.0/24
	// 2 10.244.2.0/24
	// 256
}

func ExampleBandOffset() {
	for _, s := range []string{"10.96.0.0/12", "10.96.0.0/22", "10.96.0.0/24", "10.96.0.0/28"} {
		fmt.Println(s, k8s.BandOffset(netip.MustParsePrefix(s)))
	}
	// Output:
	// 10.96.0.0/12 256
	// 10.96.0.0/22 64
	// 10.96.0.0/24 16
	// 10.96.0.0/28 0
}

func ExampleSuggest() {
	cfg, err := k8s.Suggest(k8s.Request{Profile: k8s.Kubeadm, Nodes: 100, Avoid: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}})
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.ClusterCIDRs, cfg.NodeMasks, cfg.ServiceCIDRs)
	// Output:
	// [10.1.0.0/16] [24] [10.2.0.0/22]
}
