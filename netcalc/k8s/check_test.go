package k8s

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func readTestFile(t *testing.T, name string) *Input {
	t.Helper()
	f, err := os.Open("../../testdata/k8s/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := ReadFile(f, name)
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", name, err)
	}
	return in
}

func TestReadKubeadm(t *testing.T) {
	in := readTestFile(t, "kubeadm-config.yaml")
	c := in.Config
	got := []string{string(c.Profile), c.Version.String(), joinPrefixes(c.ClusterCIDRs), joinPrefixes(c.ServiceCIDRs), in.AdvertiseAddress.String()}
	want := []string{"kubeadm", "1.33", "192.168.0.0/16", "10.96.0.0/12", "198.51.100.10"}
	if !slices.Equal(got, want) || !slices.Equal(c.NodeMasks, []int{25}) || c.MaxPods != 150 {
		t.Errorf("kubeadm config = %q masks %v maxPods %d; want %q [25] 150", got, c.NodeMasks, c.MaxPods, want)
	}
	r, err := Check(in, in.Merge(Config{}))
	if err != nil {
		t.Fatal(err)
	}
	// 150 max pods do not fit a /25 (125 pod IPs).
	if !slices.Contains(ids(r.Plan), "error max-pods-fit") {
		t.Errorf("findings %q; want error max-pods-fit", ids(r.Plan))
	}
	// v1beta3 map extraArgs, node-cidr-mask-size for both families.
	in = readTestFile(t, "kubeadm-v1beta3-bad.yaml")
	if !slices.Equal(in.Config.NodeMasks, []int{26}) {
		t.Errorf("v1beta3 masks %v; want [26]", in.Config.NodeMasks)
	}
	r, _ = Check(in, in.Merge(Config{}))
	for _, w := range []string{"error kubeadm-service-max-size", "error kubeadm-node-mask", "note apiserver-service-max-size"} {
		if !slices.Contains(ids(r.Plan), w) {
			t.Errorf("findings %q; want %q", ids(r.Plan), w)
		}
	}
}

func TestReadKindAndK3s(t *testing.T) {
	in := readTestFile(t, "kind-dual.yaml")
	c := in.Config
	if c.Profile != Kind || joinPrefixes(c.ClusterCIDRs) != "10.244.0.0/16,fd00:10:244::/56" || joinPrefixes(c.ServiceCIDRs) != "10.96.0.0/16,fd00:10:96::/112" || c.Nodes != 3 {
		t.Errorf("kind dual = %+v", c)
	}
	in = readTestFile(t, "k3s-config.yaml")
	if in.Config.Profile != K3s || joinPrefixes(in.Config.ClusterCIDRs) != "10.42.0.0/16,2001:db8:42::/56" ||
		!slices.Equal(in.Config.NodeMasks, []int{25, 64}) || in.Config.MaxPods != 100 {
		t.Errorf("k3s = %+v", in.Config)
	}
}

func TestCheckNodes(t *testing.T) {
	in := readTestFile(t, "nodes.yaml")
	if len(in.Nodes) != 5 || !in.HasNodes {
		t.Fatalf("nodes = %d; want 5", len(in.Nodes))
	}
	r, err := Check(in, in.Merge(Config{ClusterCIDRs: pfx("10.244.0.0/16"), ServiceCIDRs: pfx("10.96.0.0/12")}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"error node-pod-cidr-overlap", "warning node-without-pod-cidr", "warning node-pod-cidr-outside", "error node-address-overlap"}
	if got := ids(r.Plan); !slices.Equal(got, want) {
		t.Errorf("findings %q; want %q", got, want)
	}
	// 256 node CIDRs - 2 in use (node-c's /25 is inside node-a's block) - 1 waiting.
	if f := r.Plan.Pods[0].FreeNodes; f == nil || f.String() != "253" {
		t.Errorf("free nodes = %v; want 253", f)
	}
	// The node mask comes from the nodes' pod CIDRs.
	if r.Plan.Pods[0].NodeMask != 24 {
		t.Errorf("node mask %d; want 24", r.Plan.Pods[0].NodeMask)
	}
}

func TestReadFileErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.244.0/16\n", `x.yaml:4: networking.podSubnet: "10.244.0/16" is not a CIDR such as 10.244.0.0/16`},
		{"a: [1\n", "x.yaml:"},
		{"apiVersion: v1\nkind: Pod\n", "v1 Pod is not a kind k8s check reads"},
		{"foo: bar\n", "no apiVersion/kind and no cluster-cidr or service-cidr key"},
		{"", "no kubeadm, kind, k3s or Node document found"},
		{"kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  ipFamily: ipv5\n", `x.yaml:4: networking.ipFamily: "ipv5" is not ipv4, ipv6 or dual`},
	}
	for _, tt := range tests {
		_, err := ReadFile(strings.NewReader(tt.in), "x.yaml")
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInput) || !strings.Contains(ie.Where()+ie.Msg, tt.want) {
			t.Errorf("ReadFile(%q) error %v; want %q", tt.in, err, tt.want)
		}
	}
}

// FuzzReadFile: any input gives an Input or an *InputError, never a panic,
// and an Input always plans or fails with ErrConfig.
func FuzzReadFile(f *testing.F) {
	for _, name := range []string{"kubeadm-config.yaml", "kind-dual.yaml", "k3s-config.yaml", "nodes.yaml", "kubeadm-v1beta3-bad.yaml"} {
		data, err := os.ReadFile("../../testdata/k8s/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add("---\n---\n")                                                                      // only separators: no document
	f.Add("kind: List\nitems: [1, {kind: Node}]\n")                                          // items that are not objects
	f.Add("cluster-cidr: [10.0.0.0/8, fd00::/8]\n")                                          // k3s list form
	f.Add("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking: 3\n") // wrong type
	f.Fuzz(func(t *testing.T, s string) {
		in, err := ReadFile(strings.NewReader(s), "f.yaml")
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		if _, err := Check(in, in.Merge(Config{})); err != nil && !errors.Is(err, ErrConfig) {
			t.Fatalf("Check: %v", err)
		}
	})
}

// kubeadm skips the node mask check when kube-controller-manager does not
// allocate node CIDRs (ValidateNetworking: allocate-node-cidrs != "false").
func TestKubeadmAllocateNodeCIDRsFalse(t *testing.T) {
	const doc = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
networking:
  podSubnet: 10.0.0.0/8
controllerManager:
  extraArgs:
  - name: allocate-node-cidrs
    value: "false"
  - name: node-cidr-mask-size-ipv4
    value: "28"
`
	in, err := ReadFile(strings.NewReader(doc), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Check(in, in.Merge(Config{}))
	if err != nil {
		t.Fatal(err)
	}
	got := ids(r.Plan)
	if slices.Contains(got, "error kubeadm-node-mask") || !slices.Contains(got, "note kcm-node-mask") {
		t.Errorf("findings %q; want no kubeadm-node-mask error and the allocate-node-cidrs note", got)
	}
	// The same file with allocation on: /8 with /28 nodes is 20 bits, an error.
	in, _ = ReadFile(strings.NewReader(strings.Replace(doc, `"false"`, `"true"`, 1)), "x.yaml")
	r, _ = Check(in, in.Merge(Config{}))
	if !slices.Contains(ids(r.Plan), "error kubeadm-node-mask") {
		t.Errorf("findings %q; want error kubeadm-node-mask", ids(r.Plan))
	}
}
