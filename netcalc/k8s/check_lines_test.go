package k8s

import (
	"errors"
	"strings"
	"testing"
)

// TestReadFileErrorLines: ReadFile's errors name the line of the value (its
// key, or the deepest part of its path the file has), counted in the whole
// file across documents.
func TestReadFileErrorLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"kubeadm subnet", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.96.0.0/12\n  podSubnet: 10.244.0.0/33\n",
			`f.yaml:5: networking.podSubnet: "10.244.0.0/33" is not a CIDR such as 10.244.0.0/16`},
		{"second document", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 0\n",
			`f.yaml:6: maxPods: "0" is not a whole number 1 or more`},
		{"extraArgs map", "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking: {podSubnet: 10.244.0.0/16}\ncontrollerManager:\n  extraArgs:\n    node-cidr-mask-size: \"40\"\n",
			`f.yaml:6: controllerManager.extraArgs node-cidr-mask-size: "40" is not a prefix length`},
		{"extraArgs list: the list's line", "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking: {podSubnet: 10.244.0.0/16}\ncontrollerManager:\n  extraArgs:\n  - name: node-cidr-mask-size\n    value: \"40\"\n",
			`f.yaml:5: controllerManager.extraArgs node-cidr-mask-size: "40" is not a prefix length`},
		{"a Node of a List", "apiVersion: v1\nkind: List\nitems:\n- kind: Node\n  metadata: {name: a}\n  spec: {podCIDRs: [10.244.0.0/24]}\n- kind: Node\n  metadata: {name: b}\n  spec:\n    podCIDRs: [10.244.1.0/240]\n",
			`f.yaml:10: node b: podCIDRs: "10.244.1.0/240" is not a CIDR`},
		{"not YAML", "kind: Node\nmetadata: {name: a\n",
			`f.yaml:2: not YAML: did not find expected ',' or '}'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFile(strings.NewReader(tt.in), "f.yaml")
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ReadFile() error %v; want an *InputError", err)
			}
			if got := ie.Where() + ie.Msg; got != tt.want {
				t.Errorf("ReadFile() error %q; want %q", got, tt.want)
			}
		})
	}
}
