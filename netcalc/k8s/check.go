package k8s

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/k8s/manifest"
)

// ErrInput means a file given to ReadFile is not YAML of a kind Check
// understands, or holds a value that is not what the field wants.
var ErrInput = errors.New("k8s: bad input file")

// InputError is a problem in a file read by ReadFile, with its position.
type InputError struct {
	File string
	Line int // 1-based line of the document or value; 0 if unknown
	Msg  string
}

// Error returns "k8s: FILE:LINE: MSG".
func (e *InputError) Error() string { return "k8s: " + e.Where() + e.Msg }

// Where returns "FILE:LINE: " (or "FILE: ").
func (e *InputError) Where() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: ", e.File, e.Line)
	}
	return e.File + ": "
}

// Unwrap returns ErrInput.
func (e *InputError) Unwrap() error { return ErrInput }

// Node is a cluster node from "kubectl get nodes -o yaml".
type Node struct {
	Name      string         `json:"name"`
	PodCIDRs  []netip.Prefix `json:"pod_cidrs"`
	Addresses []netip.Addr   `json:"addresses"`
}

// Input is what ReadFile found: the kinds of documents, the cluster
// configuration they set, and the nodes.
type Input struct {
	// Kinds names the documents read, such as "kubeadm ClusterConfiguration".
	Kinds []string
	// Config holds the ranges, masks, version, max pods and profile the
	// documents set; fields they do not set are zero.
	Config Config
	// AdvertiseAddress is kubeadm InitConfiguration's
	// localAPIEndpoint.advertiseAddress, if given.
	AdvertiseAddress netip.Addr
	// Nodes are the Node objects, in file order.
	Nodes []Node
	// HasNodes reports whether the file was a node list (even an empty one).
	HasNodes bool
}

// ReadFile reads YAML documents (separated by "---") from r: kubeadm
// ClusterConfiguration, InitConfiguration and KubeletConfiguration, a kind
// Cluster, a k3s config.yaml, and Node objects or a List of them
// ("kubectl get nodes -o yaml"). name is used in errors.
func ReadFile(r io.Reader, name string) (*Input, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	in := &Input{}
	for _, d := range (&manifest.Reader{File: name}).Split(data) {
		if err := in.document(d, name); err != nil {
			return nil, err
		}
	}
	if len(in.Kinds) == 0 {
		return nil, &InputError{File: name, Msg: "no kubeadm, kind, k3s or Node document found, want a kubeadm ClusterConfiguration, a kind Cluster config, a k3s config.yaml or 'kubectl get nodes -o yaml' output"}
	}
	return in, nil
}

// doc is one decoded document.
type doc struct {
	m     map[string]any
	root  manifest.Node // for the lines of errors
	file  string
	start int
}

func (in *Input) document(md *manifest.Document, file string) error {
	root, err := md.Root()
	if err != nil {
		var me *manifest.Error
		if errors.As(err, &me) {
			return &InputError{File: file, Line: me.Line, Msg: "not YAML: " + me.Msg}
		}
		return err
	}
	if root.Missing() {
		return nil
	}
	start := md.Start
	m, ok := root.Value().(map[string]any)
	if !ok {
		return &InputError{File: file, Line: start, Msg: "the document is not a mapping, want a Kubernetes object or a k3s config"}
	}
	d := &doc{m: m, root: root, file: file, start: start}
	api, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	group, _, _ := strings.Cut(api, "/")
	switch {
	case group == "kubeadm.k8s.io" && kind == "ClusterConfiguration":
		return in.kubeadmCluster(d)
	case group == "kubeadm.k8s.io" && kind == "InitConfiguration":
		in.Kinds = append(in.Kinds, "kubeadm InitConfiguration")
		if s, ok := d.str("localAPIEndpoint", "advertiseAddress"); ok && s != "" {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return d.bad("localAPIEndpoint.advertiseAddress", s, "an IP address")
			}
			in.AdvertiseAddress = a
		}
		return nil
	case group == "kubelet.config.k8s.io" && kind == "KubeletConfiguration":
		in.Kinds = append(in.Kinds, "KubeletConfiguration")
		if l, ok := m["clusterDNS"].([]any); ok {
			for _, e := range l {
				a, err := netip.ParseAddr(fmt.Sprint(e))
				if err != nil {
					return d.bad("clusterDNS", fmt.Sprint(e), "an IP address")
				}
				in.Config.ClusterDNS = append(in.Config.ClusterDNS, a)
			}
		}
		if n, ok := m["maxPods"].(json.Number); ok {
			v, err := strconv.Atoi(n.String())
			if err != nil || v < 1 {
				return d.bad("maxPods", n.String(), "a whole number 1 or more")
			}
			in.Config.MaxPods = v
		}
		return nil
	case group == "kind.x-k8s.io" && kind == "Cluster":
		return in.kindCluster(d)
	case kind == "Node":
		in.HasNodes = true
		in.Kinds = appendOnce(in.Kinds, "Node list")
		return in.node(d, d.root)
	case kind == "List" || kind == "NodeList":
		in.HasNodes = true
		in.Kinds = appendOnce(in.Kinds, "Node list")
		items, _ := d.root.Get("items").List()
		for _, it := range items {
			if _, ok := it.Value().(map[string]any); !ok {
				continue
			}
			if k := it.Kind(); k != "Node" && k != "" {
				continue
			}
			if err := in.node(d, it); err != nil {
				return err
			}
		}
		return nil
	case api == "" && kind == "":
		return in.k3s(d)
	}
	return &InputError{File: file, Line: start, Msg: fmt.Sprintf("%s %s is not a kind k8s check reads, want kubeadm ClusterConfiguration, kind Cluster, Node or List", api, kind)}
}

func appendOnce(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}

// str returns the string at the path.
func (d *doc) str(path ...string) (string, bool) {
	var v any = d.m
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		v = m[p]
	}
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

// line returns the line of a field ("networking.podSubnet", an argument
// "controllerManager.extraArgs node-cidr-mask-size"): of its key, or of the
// deepest part of its path the document has (the argument list).
func (d *doc) line(field string) int {
	n := d.root
	for _, k := range strings.FieldsFunc(field, func(r rune) bool { return r == '.' || r == ' ' }) {
		n = n.Get(k)
	}
	return n.Line()
}

func (d *doc) bad(field, val, want string) error {
	return &InputError{File: d.file, Line: d.line(field), Msg: fmt.Sprintf("%s: %s is not %s", field, quote(val), want)}
}

// cidrs parses a comma-separated CIDR list of a field.
func (d *doc) cidrs(field, s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		p, err := netip.ParsePrefix(t)
		if err != nil {
			return nil, d.bad(field, t, "a CIDR such as 10.244.0.0/16")
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// args returns a component's extraArgs: a map (kubeadm v1beta3) or a list
// of name/value pairs (v1beta4).
func (d *doc) args(component string) map[string]string {
	out := map[string]string{}
	c, _ := d.m[component].(map[string]any)
	switch ea := c["extraArgs"].(type) {
	case map[string]any:
		for k, v := range ea {
			out[k] = fmt.Sprint(v)
		}
	case []any:
		for _, e := range ea {
			if em, ok := e.(map[string]any); ok {
				out[fmt.Sprint(em["name"])] = fmt.Sprint(em["value"])
			}
		}
	}
	return out
}

func (in *Input) kubeadmCluster(d *doc) error {
	in.Kinds = append(in.Kinds, "kubeadm ClusterConfiguration")
	c := &in.Config
	c.Profile = Kubeadm
	if s, ok := d.str("networking", "podSubnet"); ok && s != "" {
		l, err := d.cidrs("networking.podSubnet", s)
		if err != nil {
			return err
		}
		c.ClusterCIDRs = l
	}
	if s, ok := d.str("networking", "serviceSubnet"); ok && s != "" {
		l, err := d.cidrs("networking.serviceSubnet", s)
		if err != nil {
			return err
		}
		c.ServiceCIDRs = l
	}
	if s, ok := d.str("kubernetesVersion"); ok && s != "" {
		v, err := ParseVersion(strings.SplitN(s, "-", 2)[0])
		if err != nil {
			return d.bad("kubernetesVersion", s, "a Kubernetes version such as v1.34.0")
		}
		c.Version = v
	}
	args := d.args("controllerManager")
	c.NoNodeCIDRs = args["allocate-node-cidrs"] == "false"
	if len(c.ClusterCIDRs) > 0 {
		masks := make([]int, len(c.ClusterCIDRs))
		set := false
		for i, p := range c.ClusterCIDRs {
			masks[i] = profiles()[Kubeadm].maskFor(p.Addr().Is4())
			name := "node-cidr-mask-size-ipv6"
			if p.Addr().Is4() {
				name = "node-cidr-mask-size-ipv4"
			}
			for _, n := range []string{"node-cidr-mask-size", name} {
				if v, ok := args[n]; ok {
					m, err := strconv.Atoi(v)
					if err != nil || m < 0 || m > p.Addr().BitLen() {
						return d.bad("controllerManager.extraArgs "+n, v, "a prefix length")
					}
					masks[i], set = m, true
				}
			}
		}
		if set {
			c.NodeMasks = masks
		}
	}
	return nil
}

func (in *Input) kindCluster(d *doc) error {
	in.Kinds = append(in.Kinds, "kind Cluster")
	c := &in.Config
	c.Profile = Kind
	fam, _ := d.str("networking", "ipFamily")
	fams := map[string][]bool{"": {true}, "ipv4": {true}, "ipv6": {false}, "dual": {true, false}}[fam]
	if fams == nil {
		return d.bad("networking.ipFamily", fam, "ipv4, ipv6 or dual")
	}
	spec := profiles()[Kind]
	for _, f := range []struct {
		key  string
		list [2]string
		out  *[]netip.Prefix
	}{{"podSubnet", spec.cluster, &c.ClusterCIDRs}, {"serviceSubnet", spec.service, &c.ServiceCIDRs}} {
		if s, ok := d.str("networking", f.key); ok && s != "" {
			l, err := d.cidrs("networking."+f.key, s)
			if err != nil {
				return err
			}
			*f.out = l
			continue
		}
		for _, is4 := range fams {
			p, _ := spec.def(f.list, is4)
			*f.out = append(*f.out, p)
		}
	}
	if nodes, ok := d.m["nodes"].([]any); ok {
		c.Nodes = uint64(len(nodes))
	} else {
		c.Nodes = 1 // kind's default: one control-plane node
	}
	return nil
}

func (in *Input) k3s(d *doc) error {
	c := &in.Config
	found := false
	for _, f := range []struct {
		key string
		out *[]netip.Prefix
	}{{"cluster-cidr", &c.ClusterCIDRs}, {"service-cidr", &c.ServiceCIDRs}} {
		s, ok := d.str(f.key)
		if !ok {
			if l, isList := d.m[f.key].([]any); isList {
				var parts []string
				for _, e := range l {
					parts = append(parts, fmt.Sprint(e))
				}
				s, ok = strings.Join(parts, ","), true
			}
		}
		if !ok || s == "" {
			continue
		}
		l, err := d.cidrs(f.key, s)
		if err != nil {
			return err
		}
		*f.out, found = l, true
	}
	if !found {
		return &InputError{File: d.file, Line: d.start, Msg: "no apiVersion/kind and no cluster-cidr or service-cidr key: want a Kubernetes object or a k3s config.yaml"}
	}
	in.Kinds = append(in.Kinds, "k3s config")
	c.Profile = K3s
	// kube-controller-manager-arg and kubelet-arg: "name=value" strings,
	// one or a list.
	args := func(key string) map[string]string {
		out := map[string]string{}
		var l []any
		switch v := d.m[key].(type) {
		case string:
			l = []any{v}
		case []any:
			l = v
		}
		for _, e := range l {
			if n, v, ok := strings.Cut(strings.TrimPrefix(fmt.Sprint(e), "--"), "="); ok {
				out[n] = v
			}
		}
		return out
	}
	if s, ok := d.str("cluster-dns"); ok && s != "" {
		for _, t := range strings.Split(s, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(t))
			if err != nil {
				return d.bad("cluster-dns", t, "an IP address")
			}
			c.ClusterDNS = append(c.ClusterDNS, a)
		}
	}
	kcm := args("kube-controller-manager-arg")
	var masks []int
	for _, p := range c.ClusterCIDRs {
		m := profiles()[K3s].maskFor(p.Addr().Is4())
		name := "node-cidr-mask-size-ipv6"
		if p.Addr().Is4() {
			name = "node-cidr-mask-size-ipv4"
		}
		for _, n := range []string{"node-cidr-mask-size", name} {
			if v, ok := kcm[n]; ok {
				x, err := strconv.Atoi(v)
				if err != nil || x < 0 || x > p.Addr().BitLen() {
					return d.bad("kube-controller-manager-arg "+n, v, "a prefix length")
				}
				m = x
			}
		}
		masks = append(masks, m)
	}
	if len(kcm) > 0 && len(masks) > 0 {
		c.NodeMasks = masks
	}
	if v, ok := args("kubelet-arg")["max-pods"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return d.bad("kubelet-arg max-pods", v, "a whole number 1 or more")
		}
		c.MaxPods = n
	}
	return nil
}

func (in *Input) node(d *doc, obj manifest.Node) error {
	m := obj.Value().(map[string]any)
	var n Node
	meta, _ := m["metadata"].(map[string]any)
	n.Name, _ = meta["name"].(string)
	spec, _ := m["spec"].(map[string]any)
	var raw []string
	if l, ok := spec["podCIDRs"].([]any); ok {
		for _, e := range l {
			raw = append(raw, fmt.Sprint(e))
		}
	} else if s, ok := spec["podCIDR"].(string); ok && s != "" {
		raw = []string{s}
	}
	for _, s := range raw {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return &InputError{File: d.file, Line: obj.Get("spec").Get("podCIDRs").Line(), Msg: fmt.Sprintf("node %s: podCIDRs: %s is not a CIDR", n.Name, quote(s))}
		}
		n.PodCIDRs = append(n.PodCIDRs, p.Masked())
	}
	status, _ := m["status"].(map[string]any)
	addrs, _ := status["addresses"].([]any)
	for _, e := range addrs {
		am, _ := e.(map[string]any)
		if t, _ := am["type"].(string); t != "InternalIP" && t != "ExternalIP" {
			continue
		}
		s, _ := am["address"].(string)
		a, err := netip.ParseAddr(s)
		if err != nil {
			return &InputError{File: d.file, Line: obj.Get("status").Get("addresses").Line(), Msg: fmt.Sprintf("node %s: status.addresses: %s is not an IP address", n.Name, quote(s))}
		}
		n.Addresses = append(n.Addresses, a)
	}
	in.Nodes = append(in.Nodes, n)
	return nil
}
