package k8s

import (
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestSuggest(t *testing.T) {
	tests := []struct {
		name       string
		req        Request
		pods, svcs string
		masks      []int
	}{
		// 100 nodes x 2 = 200 node CIDRs of /24 (110 pods x 2 = 220 <= 256) -> /16;
		// 500 Services x 2 + 2 -> 1024 -> /22. First free blocks of 10/8.
		{"kubeadm defaults", Request{Profile: Kubeadm, Nodes: 100}, "10.0.0.0/16", "10.1.0.0/22", []int{24}},
		// The avoided 10.0.0.0/16 is skipped.
		{"avoid", Request{Profile: Kubeadm, Nodes: 100, Avoid: pfx("10.0.0.0/16")}, "10.1.0.0/16", "10.2.0.0/22", []int{24}},
		// 200 max pods: 400 addresses -> /23 per node; 3x growth of 10 nodes -> 30 -> 32 blocks -> /18.
		{"growth and max pods", Request{Nodes: 10, MaxPods: 200, Growth: 3, Services: 10}, "10.0.0.0/18", "10.0.64.0/27", []int{23}},
		// Calico: blocks of /26, two per node for 110 pods: 400 blocks -> 512 -> /17.
		{"calico blocks", Request{Profile: Calico, Nodes: 100}, "10.0.0.0/17", "10.0.128.0/22", []int{26}},
		// IPv6: /64 per node, 200 -> 256 -> /56; Services /112.
		{"ipv6", Request{Nodes: 100, Family: IPv6}, "fd00::/56", "fd00:0:0:100::/112", []int{64}},
		{"dual", Request{Profile: Kind, Nodes: 100, Family: Dual}, "10.0.0.0/16,fd00::/56", "10.1.0.0/22,fd00:0:0:100::/112", []int{24, 64}},
		// The whole of 10/8 avoided: 600 node CIDRs need a /14, the first in
		// 172.16/12 clear of docker0 172.17/16 is 172.20/14; the Services take
		// the first free /22.
		{"10/8 taken", Request{Nodes: 300, Avoid: pfx("10.0.0.0/8")}, "172.20.0.0/14", "172.16.0.0/22", []int{24}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Suggest(tt.req)
			if err != nil {
				t.Fatalf("Suggest: %v", err)
			}
			if got := joinPrefixes(cfg.ClusterCIDRs); got != tt.pods {
				t.Errorf("pods %s; want %s", got, tt.pods)
			}
			if got := joinPrefixes(cfg.ServiceCIDRs); got != tt.svcs {
				t.Errorf("services %s; want %s", got, tt.svcs)
			}
			if len(cfg.NodeMasks) != len(tt.masks) || cfg.NodeMasks[0] != tt.masks[0] {
				t.Errorf("masks %v; want %v", cfg.NodeMasks, tt.masks)
			}
			p, err := NewPlan(cfg)
			if err != nil || p.HasErrors() {
				t.Errorf("the suggestion plans with errors: %v %q", err, ids(p))
			}
		})
	}
}

func TestSuggestNoPlan(t *testing.T) {
	if _, err := Suggest(Request{Profile: EKS, Nodes: 10}); !errors.Is(err, ErrConfig) {
		t.Errorf("Suggest(EKS) error %v; want ErrConfig", err)
	}
	for _, r := range []Request{
		// 100000 nodes x 2 of /24: 18 bits more than the pod range, over kubeadm's 16.
		{Profile: Kubeadm, Nodes: 100000},
		// 600000 Services x 2 need more than a /12 (kubeadm).
		{Profile: Kubeadm, Nodes: 10, Services: 600000},
	} {
		if _, err := Suggest(r); !errors.Is(err, ErrNoPlan) {
			t.Errorf("Suggest(%+v) error %v; want ErrNoPlan", r, err)
		}
	}
	// From 1.34 the upstream components take the /11 that kubeadm refuses.
	if _, err := Suggest(Request{Nodes: 10, Services: 600000}); err != nil {
		t.Errorf("Suggest upstream 600000 Services: %v", err)
	}
}

// Every rendering is valid YAML where it is YAML, and carries the plan's values.
func TestRender(t *testing.T) {
	cfg, err := Suggest(Request{Profile: Kind, Nodes: 100, MaxPods: 200, Family: Dual})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{FormatKubeadm, FormatKind, FormatK3s, FormatFlags} {
		out, err := p.Render(f)
		if err != nil {
			t.Fatalf("Render(%s): %v", f, err)
		}
		for _, want := range []string{"10.0.0.0/15,fd00::/56", "10.2.0.0/22,fd00:0:0:100::/112"} {
			if !strings.Contains(out, want) {
				t.Errorf("Render(%s) lacks %s:\n%s", f, want, out)
			}
		}
		if f == FormatKubeadm || f == FormatKind {
			for i, d := range strings.Split(out, "---\n") {
				var v map[string]any
				if err := yaml.Unmarshal([]byte(d), &v); err != nil || v["kind"] == nil {
					t.Errorf("Render(%s) document %d is not a Kubernetes object: %v\n%s", f, i, err, d)
				}
			}
		}
	}
	// The kubeadm rendering reads back to the same plan.
	out, _ := p.Render(FormatKubeadm)
	in, err := ReadFile(strings.NewReader(out), "kubeadm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := joinPrefixes(in.Config.ClusterCIDRs); got != "10.0.0.0/15,fd00::/56" || in.Config.MaxPods != 200 || in.Config.NodeMasks[0] != 23 {
		t.Errorf("read back %+v", in.Config)
	}
	if _, err := p.Render("helm"); err == nil {
		t.Error("Render(helm) = nil error")
	}

}
