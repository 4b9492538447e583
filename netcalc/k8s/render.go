package k8s

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrFormat means Plan.Render was asked for a format it does not know.
var ErrFormat = errors.New("k8s: unknown config format")

// Format is a configuration format a plan can be written in.
type Format string

// The formats of Render.
const (
	// FormatKubeadm is a kubeadm v1beta4 ClusterConfiguration (networking,
	// controllerManager node masks) and a KubeletConfiguration (maxPods,
	// clusterDNS).
	FormatKubeadm Format = "kubeadm"
	// FormatKind is a kind v1alpha4 Cluster with its networking section.
	FormatKind Format = "kind"
	// FormatK3s is the k3s server flags.
	FormatK3s Format = "k3s"
	// FormatFlags is the flags of kube-apiserver, kube-controller-manager
	// and kubelet.
	FormatFlags Format = "flags"
)

func (p *Plan) lists() (pods, svcs []netip.Prefix, masks map[bool]int, dns []string, maxPods uint64) {
	masks = map[bool]int{}
	for _, r := range p.Ranges {
		switch r.Role {
		case RoleCluster:
			pods = append(pods, r.CIDR)
		case RoleService:
			svcs = append(svcs, r.CIDR)
		}
	}
	for _, pn := range p.Pods {
		if pn.NodeMask > 0 {
			masks[pn.CIDR.Addr().Is4()] = pn.NodeMask
		}
		maxPods = pn.MaxPodsPerNode
	}
	for _, s := range p.Services {
		if s.DNS.IsValid() {
			dns = append(dns, s.DNS.String())
		}
	}
	if len(p.ClusterDNS) > 0 {
		dns = nil
		for _, a := range p.ClusterDNS {
			dns = append(dns, a.String())
		}
	}
	return
}

// Render writes the plan's ranges, node masks, max pods and DNS address in
// format f. Node masks equal to the defaults (24, 64) are left out of kind
// and k3s output, which have no field for them otherwise.
func (p *Plan) Render(f Format) (string, error) {
	pods, svcs, masks, dns, maxPods := p.lists()
	var b strings.Builder
	maskArgs := func(sep string, prefix string) []string {
		var out []string
		for _, is4 := range []bool{true, false} {
			m, ok := masks[is4]
			if !ok {
				continue
			}
			name := "node-cidr-mask-size-ipv6"
			if is4 {
				name = "node-cidr-mask-size-ipv4"
			}
			out = append(out, prefix+name+sep+fmt.Sprint(m))
		}
		return out
	}
	defaultMasks := (masks[true] == 0 || masks[true] == 24) && (masks[false] == 0 || masks[false] == 64)
	switch f {
	case FormatKubeadm:
		b.WriteString("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n")
		if len(pods) > 0 {
			fmt.Fprintf(&b, "  podSubnet: %s\n", joinPrefixes(pods))
		}
		fmt.Fprintf(&b, "  serviceSubnet: %s\n", joinPrefixes(svcs))
		if len(masks) > 0 && len(pods) > 0 {
			b.WriteString("controllerManager:\n  extraArgs:\n")
			for _, a := range maskArgs("=", "") {
				n, v, _ := strings.Cut(a, "=")
				fmt.Fprintf(&b, "  - name: %s\n    value: %q\n", n, v)
			}
		}
		b.WriteString("---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")
		if maxPods > 0 {
			fmt.Fprintf(&b, "maxPods: %d\n", maxPods)
		}
		if len(dns) > 0 {
			b.WriteString("clusterDNS:\n")
			for _, d := range dns {
				fmt.Fprintf(&b, "- %s\n", d)
			}
		}
	case FormatKind:
		fam := "ipv4"
		switch {
		case len(pods) == 2:
			fam = "dual"
		case len(pods) == 1 && !pods[0].Addr().Is4():
			fam = "ipv6"
		}
		fmt.Fprintf(&b, "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  ipFamily: %s\n", fam)
		if len(pods) > 0 {
			fmt.Fprintf(&b, "  podSubnet: %q\n", joinPrefixes(pods))
		}
		fmt.Fprintf(&b, "  serviceSubnet: %q\n", joinPrefixes(svcs))
		if !defaultMasks || maxPods > 0 && maxPods != 110 {
			b.WriteString("kubeadmConfigPatches:\n")
			if !defaultMasks {
				b.WriteString("# kubeadm v1beta4 form; node images that use v1beta3 take extraArgs as a map\n")
				b.WriteString("- |\n  kind: ClusterConfiguration\n  controllerManager:\n    extraArgs:\n")
				for _, a := range maskArgs("=", "") {
					n, v, _ := strings.Cut(a, "=")
					fmt.Fprintf(&b, "    - name: %s\n      value: %q\n", n, v)
				}
			}
			if maxPods > 0 && maxPods != 110 {
				fmt.Fprintf(&b, "- |\n  kind: KubeletConfiguration\n  maxPods: %d\n", maxPods)
			}
		}
	case FormatK3s:
		args := []string{}
		if len(pods) > 0 {
			args = append(args, "--cluster-cidr="+joinPrefixes(pods))
		}
		args = append(args, "--service-cidr="+joinPrefixes(svcs))
		if len(dns) > 0 {
			args = append(args, "--cluster-dns="+strings.Join(dns, ","))
		}
		if !defaultMasks {
			for _, a := range maskArgs("=", "") {
				args = append(args, "--kube-controller-manager-arg="+a)
			}
		}
		if maxPods > 0 && maxPods != 110 {
			args = append(args, fmt.Sprintf("--kubelet-arg=max-pods=%d", maxPods))
		}
		fmt.Fprintf(&b, "k3s server %s\n", strings.Join(args, " \\\n  "))
	case FormatFlags:
		fmt.Fprintf(&b, "kube-apiserver --service-cluster-ip-range=%s\n", joinPrefixes(svcs))
		if len(pods) > 0 {
			fmt.Fprintf(&b, "kube-controller-manager --allocate-node-cidrs=true --cluster-cidr=%s --service-cluster-ip-range=%s", joinPrefixes(pods), joinPrefixes(svcs))
			for _, a := range maskArgs("=", "--") {
				b.WriteString(" " + a)
			}
			b.WriteString("\n")
		}
		var kl []string
		if maxPods > 0 {
			kl = append(kl, fmt.Sprintf("--max-pods=%d", maxPods))
		}
		if len(dns) > 0 {
			kl = append(kl, "--cluster-dns="+strings.Join(dns, ","))
		}
		if len(kl) > 0 {
			fmt.Fprintf(&b, "kubelet %s\n", strings.Join(kl, " "))
		}
		if len(pods) > 0 {
			fmt.Fprintf(&b, "kube-proxy --cluster-cidr=%s\n", joinPrefixes(pods))
		}
	default:
		return "", &PlanError{Err: ErrFormat, Msg: fmt.Sprintf("%q is not a config format, want kubeadm, kind, k3s or flags", string(f))}
	}
	return b.String(), nil
}
