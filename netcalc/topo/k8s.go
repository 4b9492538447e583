package topo

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
)

// CNI is the pod network plugin the generator models.
type CNI string

// CNI plugins.
const (
	// CNIBridge is the bridge plugin: every pod's veth is a port of cni0,
	// which holds the pod CIDR's first address (isGateway).
	CNIBridge CNI = "bridge"
	// CNIPtp is the ptp plugin (as kindnet uses it): no bridge; every
	// host-side veth holds the gateway address as a /32 and the node has
	// a host route to each pod.
	CNIPtp CNI = "ptp"
)

// Masquerade is who SNATs pod traffic leaving the cluster.
type Masquerade string

// Masquerade modes.
const (
	// MasqAgent is ip-masq-agent with nonMasqueradeCIDRs set to the
	// cluster CIDR (and link-local not masqueraded, its default).
	MasqAgent Masquerade = "ip-masq-agent"
	// MasqBridge is the bridge plugin's ipMasq: per pod, everything not
	// to the node's own pod CIDR is masqueraded, including traffic to pods
	// on other nodes (the classic mistake).
	MasqBridge Masquerade = "bridge-ipmasq"
	// MasqNone adds no masquerade rules besides kube-proxy's.
	MasqNone Masquerade = "none"
)

// MaxK8sNodes is the largest cluster the generator builds: every node holds
// a route to every other node's pod CIDR, so the routes grow with the square
// of the nodes (2,000 nodes: 4 million routes).
const MaxK8sNodes = 2000

// MaxK8sPods is the largest number of pods the generator builds.
const MaxK8sPods = 200000

// Note is a note of the kube-proxy Services file that a k8s block names
// (kubeproxy.Config.Notes), such as a nodePort Parse allocated: Services
// is the file as the block names it.
type Note struct {
	Services string `json:"services"`
	kubeproxy.Note
}

// K8s is the generator block: a cluster of Nodes nodes named node-1 ..
// node-N, each with eth0 on NodeNetwork, a pod CIDR from ClusterCIDR, its
// pods and kube-proxy's rules for Services.
type K8s struct {
	// Nodes is the number of nodes, 1 or more.
	Nodes int
	// NodeNetwork is the nodes' shared layer-2 network: node-n has the
	// address network+10+n and a default route via network+1.
	NodeNetwork netip.Prefix
	// ClusterCIDR is the pod network.
	ClusterCIDR netip.Prefix
	// NodeCIDRMask is the pod CIDR length per node (kube-controller-
	// manager's --node-cidr-mask-size). Default 24 for IPv4, 64 for IPv6.
	NodeCIDRMask int
	// ServiceCIDR is the Service network. Default 10.96.0.0/12
	// (fd00:10:96::/112 for an IPv6 cluster).
	ServiceCIDR netip.Prefix
	// CNI is the plugin. Default CNIBridge.
	CNI CNI
	// Masquerade is the masquerade mode. Default MasqAgent.
	Masquerade Masquerade
	// Hairpin turns on hairpin mode on cni0's ports (the bridge plugin's
	// hairpinMode). Default false, as in the bridge plugin.
	Hairpin bool
	// Pods lists pod names per node name, in order; PodsPerNode gives
	// every node that many pods named NODE-pod-I instead.
	Pods        map[string][]string
	PodsPerNode int
	// Services are the Services kube-proxy proxies; endpoints that name no
	// node get the node of the pod that has their address.
	Services *kubeproxy.Config
}

func (p *parser) k8s(t *Topology, v *yaml.Node) error {
	k := K8s{}
	var servicesNode *yaml.Node
	var podsNode *yaml.Node
	err := p.mapping(v, "k8s", func(key string, kn, vv *yaml.Node) error {
		kp := "k8s." + key
		var err error
		switch key {
		case "nodes":
			k.Nodes, err = p.integer(vv, kp, 1, MaxK8sNodes, fmt.Sprintf("a number of nodes from 1 to %d", MaxK8sNodes))
		case "node-network", "cluster-cidr", "service-cidr":
			var s string
			if s, err = p.str(vv, kp); err != nil {
				return err
			}
			pr, perr := netip.ParsePrefix(s)
			if perr != nil || pr.Addr().Zone() != "" || pr.Addr().Is4In6() {
				return p.errf(vv, kp, ErrInvalid, "%s: want a prefix such as 10.244.0.0/16", quote(s))
			}
			if pr != pr.Masked() {
				return p.errf(vv, kp, ErrInvalid, "%s: host bits set: want %s", quote(s), pr.Masked())
			}
			switch key {
			case "node-network":
				k.NodeNetwork = pr
			case "cluster-cidr":
				k.ClusterCIDR = pr
			default:
				k.ServiceCIDR = pr
			}
		case "node-cidr-mask":
			k.NodeCIDRMask, err = p.integer(vv, kp, 1, 128, "a prefix length such as 24")
		case "cni":
			var s string
			s, err = p.str(vv, kp)
			if err == nil {
				switch CNI(s) {
				case CNIBridge, CNIPtp:
					k.CNI = CNI(s)
				default:
					err = p.errf(vv, kp, ErrInvalid, "%s: want bridge or ptp", quote(s))
				}
			}
		case "masquerade":
			var s string
			s, err = p.str(vv, kp)
			if err == nil {
				switch Masquerade(s) {
				case MasqAgent, MasqBridge, MasqNone:
					k.Masquerade = Masquerade(s)
				default:
					err = p.errf(vv, kp, ErrInvalid, "%s: want ip-masq-agent, bridge-ipmasq or none", quote(s))
				}
			}
		case "hairpin":
			k.Hairpin, err = p.boolean(vv, kp)
		case "pods":
			podsNode = vv
		case "pods-per-node":
			k.PodsPerNode, err = p.integer(vv, kp, 0, 65536, "a number of pods per node")
		case "services":
			servicesNode = vv
		default:
			err = p.errf(kn, kp, ErrUnknownField, "unknown field: want nodes, node-network, cluster-cidr, node-cidr-mask, service-cidr, cni, masquerade, hairpin, pods, pods-per-node or services")
		}
		return err
	})
	if err != nil {
		return err
	}
	if k.Nodes == 0 {
		return p.errf(v, "k8s", ErrInvalid, "want nodes: N (the number of nodes)")
	}
	if !k.NodeNetwork.IsValid() {
		return p.errf(v, "k8s", ErrInvalid, "want node-network: PREFIX (the nodes' network)")
	}
	if !k.ClusterCIDR.IsValid() {
		return p.errf(v, "k8s", ErrInvalid, "want cluster-cidr: PREFIX (the pod network)")
	}
	if podsNode != nil {
		if k.PodsPerNode > 0 {
			return p.errf(podsNode, "k8s.pods", ErrInvalid, "give pods or pods-per-node, not both")
		}
		k.Pods = map[string][]string{}
		err := p.mapping(podsNode, "k8s.pods", func(node string, kn, vv *yaml.Node) error {
			return p.seq(vv, "k8s.pods."+node, func(i int, pv *yaml.Node) error {
				s, err := p.str(pv, idx("k8s.pods."+node, i))
				if err != nil {
					return err
				}
				if err := checkName(s); err != nil {
					return p.errf(pv, idx("k8s.pods."+node, i), ErrInvalid, "%s: %v", quote(s), err)
				}
				k.Pods[node] = append(k.Pods[node], s)
				return nil
			})
		})
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(podsNode.Content); i += 2 {
			name := podsNode.Content[i].Value
			if n, ok := nodeNumber(name); !ok || n > k.Nodes {
				return p.errf(podsNode.Content[i], "k8s.pods."+name, ErrInvalid, "%s: no such node: want node-1 .. node-%d", quote(name), k.Nodes)
			}
		}
	}
	if servicesNode != nil {
		s, err := p.str(servicesNode, "k8s.services")
		if err != nil {
			return p.errf(servicesNode, "k8s.services", ErrInvalid, "want the name of a kube-proxy Services file (netcalc kube-proxy's format), not %s", describe(servicesNode))
		}
		if p.opt.ReadFile == nil {
			return p.errf(servicesNode, "k8s.services", ErrInvalid, "%s: this reader cannot open other files", quote(s))
		}
		data, err := p.opt.ReadFile(s)
		if err != nil {
			return p.errf(servicesNode, "k8s.services", ErrInvalid, "%s: %v", quote(s), err)
		}
		cfg, err := kubeproxy.Parse(data, s)
		if err != nil {
			var pe *kubeproxy.ParseError
			if errors.As(err, &pe) {
				return p.errf(servicesNode, "k8s.services", ErrInvalid, "%s", pe.Message())
			}
			return p.errf(servicesNode, "k8s.services", ErrInvalid, "%s: %v", quote(s), err)
		}
		k.Services = cfg
		for _, n := range cfg.Notes {
			t.Notes = append(t.Notes, Note{Services: s, Note: n})
		}
	}
	if err := generate(t, k); err != nil {
		var ge *GenerateError
		if errors.As(err, &ge) {
			path := "k8s"
			if ge.Field != "" {
				path += "." + ge.Field
			}
			line := v.Line
			for i := 0; i+1 < len(v.Content); i += 2 {
				if v.Content[i].Value == ge.Field {
					line = v.Content[i+1].Line
				}
			}
			return &Error{File: p.file, Line: line, Path: path, Msg: ge.Msg, Err: ErrInvalid}
		}
		return err
	}
	return nil
}

// nodeNumber returns n for "node-n".
func nodeNumber(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "node-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// GenerateError is a k8s block that cannot be generated: Field names the
// k8s key at fault ("cluster-cidr"), Msg says why.
type GenerateError struct {
	Field string
	Msg   string
}

// Error returns "topo: k8s.FIELD: MSG".
func (e *GenerateError) Error() string { return "topo: k8s." + e.Field + ": " + e.Msg }

func genErr(field, format string, args ...any) error {
	return &GenerateError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// addrAdd returns a + n<<shift, and false when it leaves the family.
func addrAdd(a netip.Addr, n uint64, shift int) (netip.Addr, bool) {
	b := a.AsSlice()
	x := new(big.Int).SetBytes(b)
	x.Add(x, new(big.Int).Lsh(new(big.Int).SetUint64(n), uint(shift)))
	if x.BitLen() > len(b)*8 {
		return netip.Addr{}, false
	}
	out := make([]byte, len(b))
	x.FillBytes(out)
	r, _ := netip.AddrFromSlice(out)
	return r, true
}

// size returns the number of addresses of p, capped at 1<<62.
func size(p netip.Prefix) uint64 {
	h := p.Addr().BitLen() - p.Bits()
	if h >= 62 {
		return 1 << 62
	}
	return 1 << h
}

// Generate adds the nodes and links of the cluster k to t: node-1 ..
// node-N (kind router: kubelet needs forwarding) with eth0 on the node
// network and a default route via its first address; node-n's pod CIDR is
// the n-th subnet of the cluster CIDR not overlapping the Service CIDR, as
// kube-controller-manager's range allocator hands them out; pods get the
// pod CIDR's addresses from the second on (host-local: the first is the
// gateway); every node gets a route to every other node's pod CIDR via that
// node (host-gw), and kube-proxy's iptables-save text plus the masquerade
// rules of k.Masquerade. All nodes join one segment through the bridge br0
// of a node "lan" (the network's switch and router), which holds the node
// network's first address, the nodes' default gateway. Generate then derives what the kernel adds, as Parse does.
func Generate(t *Topology, k K8s) error {
	if err := generate(t, k); err != nil {
		return err
	}
	t.derive()
	return nil
}

func generate(t *Topology, k K8s) error {
	if k.CNI == "" {
		k.CNI = CNIBridge
	}
	if k.Masquerade == "" {
		k.Masquerade = MasqAgent
	}
	v6 := k.ClusterCIDR.Addr().Is6()
	if k.NodeCIDRMask == 0 {
		k.NodeCIDRMask = 24
		if v6 {
			k.NodeCIDRMask = 64
		}
	}
	if !k.ServiceCIDR.IsValid() {
		k.ServiceCIDR = netip.MustParsePrefix("10.96.0.0/12")
		if v6 {
			k.ServiceCIDR = netip.MustParsePrefix("fd00:10:96::/112")
		}
	}
	if k.NodeNetwork.Addr().Is6() != v6 {
		return genErr("node-network", "%s is not of the cluster CIDR's family: one family per cluster here", k.NodeNetwork)
	}
	if k.ServiceCIDR.Addr().Is6() != v6 {
		return genErr("service-cidr", "%s is not of the cluster CIDR's family: one family per cluster here", k.ServiceCIDR)
	}
	bits := k.ClusterCIDR.Addr().BitLen()
	if k.NodeCIDRMask <= k.ClusterCIDR.Bits() || k.NodeCIDRMask > bits-2 {
		return genErr("node-cidr-mask", "%d: want a length longer than the cluster CIDR's /%d and at most /%d", k.NodeCIDRMask, k.ClusterCIDR.Bits(), bits-2)
	}
	if k.NodeCIDRMask-k.ClusterCIDR.Bits() > 16 {
		return genErr("node-cidr-mask", "%d: kube-controller-manager refuses a node CIDR more than 16 bits longer than the cluster CIDR /%d", k.NodeCIDRMask, k.ClusterCIDR.Bits())
	}
	if k.NodeNetwork.Overlaps(k.ClusterCIDR) {
		return genErr("node-network", "%s overlaps the cluster CIDR %s", k.NodeNetwork, k.ClusterCIDR)
	}
	if k.ServiceCIDR.Overlaps(k.NodeNetwork) {
		return genErr("service-cidr", "%s overlaps the node network %s", k.ServiceCIDR, k.NodeNetwork)
	}
	if need := uint64(k.Nodes) + 11; size(k.NodeNetwork) < need+1 {
		return genErr("node-network", "%s is too small for %d nodes: node-n is network+10+n, so it needs at least %d addresses", k.NodeNetwork, k.Nodes, need+1)
	}
	// Pod CIDRs in the range allocator's order, skipping the Service CIDR.
	podShift := bits - k.NodeCIDRMask
	total := uint64(1) << (k.NodeCIDRMask - k.ClusterCIDR.Bits())
	cidrs := make([]netip.Prefix, 0, k.Nodes)
	for i := uint64(0); i < total && len(cidrs) < k.Nodes; i++ {
		a, _ := addrAdd(k.ClusterCIDR.Addr(), i, podShift)
		pc := netip.PrefixFrom(a, k.NodeCIDRMask)
		if pc.Overlaps(k.ServiceCIDR) {
			continue // filterOutServiceRange
		}
		cidrs = append(cidrs, pc)
	}
	if len(cidrs) < k.Nodes {
		return genErr("cluster-cidr", "%s holds %d node CIDRs of /%d outside the Service CIDR, want %d (one per node)", k.ClusterCIDR, len(cidrs), k.NodeCIDRMask, k.Nodes)
	}
	maxPods := size(netip.PrefixFrom(k.ClusterCIDR.Addr(), k.NodeCIDRMask)) - 2 // network and gateway
	if !v6 {
		maxPods-- // broadcast
	}
	names := map[string]bool{"lan": true}
	for _, n := range t.Nodes {
		names[n.Name] = true
	}
	nodeName := func(i int) string { return "node-" + strconv.Itoa(i+1) }
	for i := 0; i < k.Nodes; i++ {
		if names[nodeName(i)] {
			return genErr("nodes", "node %s is also written under nodes", nodeName(i))
		}
		names[nodeName(i)] = true
	}
	if k.Nodes > MaxK8sNodes {
		return genErr("nodes", "%d: at most %d nodes", k.Nodes, MaxK8sNodes)
	}
	if k.PodsPerNode*k.Nodes > MaxK8sPods {
		return genErr("pods-per-node", "%d nodes with %d pods each is more than %d pods", k.Nodes, k.PodsPerNode, MaxK8sPods)
	}
	pods := make([][]string, k.Nodes)
	for i := range pods {
		if k.PodsPerNode > 0 {
			pods[i] = make([]string, k.PodsPerNode)
			for j := range pods[i] {
				pods[i][j] = nodeName(i) + "-pod-" + strconv.Itoa(j+1)
			}
		} else {
			pods[i] = k.Pods[nodeName(i)]
		}
		if uint64(len(pods[i])) > maxPods {
			return genErr("pods", "%s has %d pods but its /%d pod CIDR holds %d", nodeName(i), len(pods[i]), k.NodeCIDRMask, maxPods)
		}
		for _, p := range pods[i] {
			if names[p] {
				return genErr("pods", "%s: a pod name must differ from every node and pod name", quote(p))
			}
			names[p] = true
		}
	}
	host := func(p netip.Prefix, n uint64) netip.Addr {
		a, _ := addrAdd(p.Addr(), n, 0)
		return a
	}
	gw := host(k.NodeNetwork, 1)
	nodeIPs := make([]netip.Addr, k.Nodes)
	for i := range nodeIPs {
		nodeIPs[i] = host(k.NodeNetwork, uint64(11+i))
	}
	hostBits := bits
	// Pod addresses and where each lives, for endpoints without a node.
	podIP := make([][]netip.Addr, k.Nodes)
	where := map[netip.Addr]string{}
	for i := range pods {
		podIP[i] = make([]netip.Addr, len(pods[i]))
		for j := range pods[i] {
			podIP[i][j] = host(cidrs[i], uint64(2+j))
			where[podIP[i][j]] = nodeName(i)
		}
	}
	var base kubeproxy.Config
	if k.Services != nil {
		base = *k.Services
		base.Services = append([]kubeproxy.Service(nil), k.Services.Services...)
		for si := range base.Services {
			s := &base.Services[si]
			if s.ClusterIP.IsValid() && !k.ServiceCIDR.Contains(s.ClusterIP) {
				return genErr("services", "Service %s: cluster IP %s is outside the Service CIDR %s", s.NamespacedName(), s.ClusterIP, k.ServiceCIDR)
			}
			s.Endpoints = append([]kubeproxy.Endpoint(nil), s.Endpoints...)
			for ei := range s.Endpoints {
				if e := &s.Endpoints[ei]; e.Node == "" {
					e.Node = where[e.IP]
				}
			}
		}
	}
	base.IPv6 = v6
	base.ClusterCIDR = k.ClusterCIDR
	if k.Services == nil {
		base.LocalhostNodePorts = !v6
	}
	rc := &renderCache{m: map[string]*kubeproxy.Ruleset{}}
	lan := &Node{Name: "lan", Kind: Router}
	lanBr := &Interface{Name: "br0", Kind: Bridge, Addrs: []netip.Prefix{netip.PrefixFrom(gw, k.NodeNetwork.Bits())}}
	lan.Interfaces = append(lan.Interfaces, lanBr)
	t.Nodes = append(t.Nodes, lan)
	t.Generated = true
	for i := 0; i < k.Nodes; i++ {
		name := nodeName(i)
		n := &Node{Name: name, Kind: Router}
		t.Nodes = append(t.Nodes, n)
		n.Interfaces = append(n.Interfaces, &Interface{Name: "eth0", Kind: Veth, Addrs: []netip.Prefix{netip.PrefixFrom(nodeIPs[i], k.NodeNetwork.Bits())}})
		port := "n" + strconv.Itoa(i+1)
		lanBr.Ports = append(lanBr.Ports, port)
		t.Links = append(t.Links, &Link{Endpoints: [2]Endpoint{{Node: name, Interface: "eth0"}, {Node: "lan", Interface: port}}})
		gwPod := host(cidrs[i], 1)
		n.Routes = make([]Route, 0, k.Nodes+len(pods[i]))
		n.Routes = append(n.Routes, Route{Type: Unicast, Dst: netip.PrefixFrom(zero(v6), 0), Via: gw, Dev: "eth0", Scope: "global", Table: "main", Origin: Static, Metric: staticMetric(v6)})
		for j := 0; j < k.Nodes; j++ {
			if j != i {
				n.Routes = append(n.Routes, Route{Type: Unicast, Dst: cidrs[j], Via: nodeIPs[j], Dev: "eth0", Scope: "global", Table: "main", Origin: Static, Metric: staticMetric(v6)})
			}
		}
		var br *Interface
		if k.CNI == CNIBridge {
			br = &Interface{Name: "cni0", Kind: Bridge, Addrs: []netip.Prefix{netip.PrefixFrom(gwPod, k.NodeCIDRMask)}, Hairpin: k.Hairpin}
		}
		vethNames := map[string]bool{}
		var masq []string
		for j, pod := range pods[i] {
			veth := vethName(pod, vethNames)
			pn := &Node{Name: pod, Kind: Host}
			if k.CNI == CNIBridge {
				pn.Interfaces = []*Interface{{Name: "eth0", Kind: Veth, Addrs: []netip.Prefix{netip.PrefixFrom(podIP[i][j], k.NodeCIDRMask)}}}
				pn.Routes = []Route{{Type: Unicast, Dst: netip.PrefixFrom(zero(v6), 0), Via: gwPod, Dev: "eth0", Scope: "global", Table: "main", Origin: Static, Metric: staticMetric(v6)}}
				br.Ports = append(br.Ports, veth)
			} else {
				pn.Interfaces = []*Interface{{Name: "eth0", Kind: Veth, Addrs: []netip.Prefix{netip.PrefixFrom(podIP[i][j], hostBits)}}}
				pn.Routes = []Route{
					{Type: Unicast, Dst: netip.PrefixFrom(gwPod, hostBits), Dev: "eth0", Src: podIP[i][j], Scope: "link", Table: "main", Origin: Static, Metric: staticMetric(v6)},
					{Type: Unicast, Dst: netip.PrefixFrom(zero(v6), 0), Via: gwPod, Dev: "eth0", Src: podIP[i][j], Scope: "global", Table: "main", Origin: Static, Metric: staticMetric(v6)},
				}
				n.Interfaces = append(n.Interfaces, &Interface{Name: veth, Kind: Veth, Addrs: []netip.Prefix{netip.PrefixFrom(gwPod, hostBits)}})
				n.Routes = append(n.Routes, Route{Type: Unicast, Dst: netip.PrefixFrom(podIP[i][j], hostBits), Dev: veth, Scope: "link", Table: "main", Origin: Static, Metric: staticMetric(v6)})
			}
			t.Nodes = append(t.Nodes, pn)
			t.Links = append(t.Links, &Link{Endpoints: [2]Endpoint{{Node: pod, Interface: "eth0"}, {Node: name, Interface: veth}}})
			if k.Masquerade == MasqBridge {
				masq = append(masq, bridgeMasq(pod, podIP[i][j], cidrs[i])...)
			}
		}
		if br != nil {
			n.Interfaces = append(n.Interfaces, br)
		}
		cfg := base
		cfg.Node = name
		cfg.NodeIPs = []netip.Addr{nodeIPs[i]}
		cfg.BridgeIP = gwPod
		n.IPTables = rc.iptables(&cfg, k, masq)
	}
	return nil
}

func zero(v6 bool) netip.Addr {
	if v6 {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

func staticMetric(v6 bool) uint32 {
	if v6 {
		return 1024
	}
	return 0
}

// vethName returns the host-side veth name of a pod: "veth" and eight hex
// digits of FNV-1a-32 of the pod name (as CNI plugins name them by a
// hash), rehashed on a clash within the node.
func vethName(pod string, used map[string]bool) string {
	for i := 0; ; i++ {
		h := fnv.New32a()
		h.Write([]byte(pod))
		if i > 0 {
			h.Write([]byte("/" + strconv.Itoa(i)))
		}
		n := fmt.Sprintf("veth%08x", h.Sum32())
		if !used[n] {
			used[n] = true
			return n
		}
	}
}

// bridgeMasq returns the nat rules of the bridge plugin's ipMasq for one
// pod (containernetworking/plugins SetupIPMasq): POSTROUTING sends the
// pod's traffic to its own CNI- chain, which accepts traffic to the node's
// pod subnet and masquerades the rest except multicast. The container ID is
// the pod name here; the network name is cbr0.
func bridgeMasq(pod string, ip netip.Addr, subnet netip.Prefix) []string {
	sum := sha512.Sum512([]byte("cbr0" + pod))
	chain := fmt.Sprintf("CNI-%x", sum)[:28]
	comment := `-m comment --comment "name: \"cbr0\" id: \"` + pod + `\""`
	multicast := "224.0.0.0/4"
	if ip.Is6() {
		multicast = "ff00::/8"
	}
	return []string{
		":" + chain,
		"-A POSTROUTING -s " + netip.PrefixFrom(ip, ip.BitLen()).String() + " " + comment + " -j " + chain,
		"-A " + chain + " -d " + subnet.String() + " " + comment + " -j ACCEPT",
		"-A " + chain + " ! -d " + multicast + " " + comment + " -j MASQUERADE",
	}
}

// nodeIPTables returns a node's iptables-save text: the built-in chains,
// kube-proxy's jump rules (in the order iptables-save shows them on a
// kube-proxy node), kube-proxy's chains and rules as kubeproxy.Render
// writes them, and the masquerade rules.
func (rc *renderCache) iptables(cfg *kubeproxy.Config, k K8s, masq []string) string {
	rs := rc.render(cfg)
	var b strings.Builder
	has := func(t *kubeproxy.Table, c string) bool {
		for _, x := range t.Chains() {
			if x == c {
				return true
			}
		}
		return false
	}
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	for _, c := range rs.Filter.Chains() {
		b.WriteString(":" + c + " - [0:0]\n")
	}
	b.WriteString(`-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally visible service portals" -j KUBE-EXTERNAL-SERVICES
`)
	if has(rs.Filter, "KUBE-FIREWALL") {
		b.WriteString("-A INPUT -j KUBE-FIREWALL\n")
	}
	b.WriteString(`-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally visible service portals" -j KUBE-EXTERNAL-SERVICES
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
`)
	if has(rs.Filter, "KUBE-FIREWALL") {
		b.WriteString("-A OUTPUT -j KUBE-FIREWALL\n")
	}
	writeRules(&b, rs.Filter)
	b.WriteString("COMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
	for _, c := range rs.NAT.Chains() {
		b.WriteString(":" + c + " - [0:0]\n")
	}
	var extra []string
	switch k.Masquerade {
	case MasqAgent:
		b.WriteString(":IP-MASQ-AGENT - [0:0]\n")
		extra = append(extra,
			`-A POSTROUTING -m comment --comment "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT`)
		if !cfg.IPv6 {
			extra = append(extra, `-A IP-MASQ-AGENT -d 169.254.0.0/16 -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN`)
		}
		extra = append(extra,
			`-A IP-MASQ-AGENT -d `+k.ClusterCIDR.String()+` -m comment --comment "ip-masq-agent: local traffic is not subject to MASQUERADE" -j RETURN`,
			`-A IP-MASQ-AGENT -m comment --comment "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)" -j MASQUERADE`)
	case MasqBridge:
		for _, l := range masq {
			if strings.HasPrefix(l, ":") {
				b.WriteString(l + " - [0:0]\n")
			} else {
				extra = append(extra, l)
			}
		}
	}
	b.WriteString(`-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
`)
	// POSTROUTING rules of the masquerade first, then the other chains.
	for _, l := range extra {
		if strings.HasPrefix(l, "-A POSTROUTING ") {
			b.WriteString(l + "\n")
		}
	}
	writeRules(&b, rs.NAT)
	for _, l := range extra {
		if !strings.HasPrefix(l, "-A POSTROUTING ") {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// renderCache shares kubeproxy.Render results between nodes whose rules
// cannot differ: Render depends on the node only through which endpoints
// are local (Endpoint.Node == Config.Node) and, for Services with
// loadBalancerSourceRanges, the node's address; nodes agreeing on both get
// the same rules. In a large cluster most nodes host no endpoint, so this
// renders a few times instead of once per node.
type renderCache struct {
	m map[string]*kubeproxy.Ruleset
}

func (rc *renderCache) render(cfg *kubeproxy.Config) *kubeproxy.Ruleset {
	var key []byte
	for si := range cfg.Services {
		s := &cfg.Services[si]
		for ei := range s.Endpoints {
			if s.Endpoints[ei].Node == cfg.Node && cfg.Node != "" {
				key = strconv.AppendInt(append(key, 'e'), int64(si), 10)
				key = strconv.AppendInt(append(key, '.'), int64(ei), 10)
			}
		}
		if len(s.LoadBalancerSourceRanges) > 0 {
			for _, a := range cfg.NodeIPs {
				key = a.AppendTo(append(key, 'n'))
			}
		}
	}
	if rs, ok := rc.m[string(key)]; ok {
		return rs
	}
	rs := kubeproxy.Render(cfg)
	rc.m[string(key)] = rs
	return rs
}

func writeRules(b *strings.Builder, t *kubeproxy.Table) {
	for _, c := range t.Chains() {
		for _, r := range t.Rules(c) {
			b.WriteString(r.Text)
			b.WriteByte('\n')
		}
	}
}
