package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// DNSPolicy is a pod's spec.dnsPolicy. The empty policy means
// DNSPolicyClusterFirst, the API server's default.
type DNSPolicy string

// The four DNS policies of the Kubernetes API.
const (
	DNSPolicyClusterFirst            DNSPolicy = "ClusterFirst"
	DNSPolicyClusterFirstWithHostNet DNSPolicy = "ClusterFirstWithHostNet"
	DNSPolicyDefault                 DNSPolicy = "Default"
	DNSPolicyNone                    DNSPolicy = "None"
)

// ParseDNSPolicy returns the DNS policy named s, in any letter case
// ("clusterfirst" is ClusterFirst); ok is false for anything else.
func ParseDNSPolicy(s string) (p DNSPolicy, ok bool) {
	for _, p := range []DNSPolicy{DNSPolicyClusterFirst, DNSPolicyClusterFirstWithHostNet, DNSPolicyDefault, DNSPolicyNone} {
		if strings.EqualFold(s, string(p)) {
			return p, true
		}
	}
	return "", false
}

// PodResolvConfLimits are the limits kubelet applies to the resolv.conf it
// forms (pkg/apis/core/validation: MaxDNSNameservers, MaxDNSSearchPaths,
// MaxDNSSearchListChars; DNS1123SubdomainMaxLength for one search path),
// as of Kubernetes 1.28 and later (KEP-2595 ExpandedDNSConfig).
const (
	PodResolvConfMaxNameservers     = 3
	PodResolvConfMaxSearchPaths     = 32
	PodResolvConfMaxSearchListChars = 2048
	PodResolvConfMaxSearchPathLen   = 253
)

// PodDNSOption is one entry of spec.dnsConfig.options. A nil Value writes
// the bare name ("edns0"), a value "name:value" ("ndots:2").
type PodDNSOption struct {
	Name  string  `json:"name"`
	Value *string `json:"value,omitempty"`
}

// PodDNSConfig is a pod's spec.dnsConfig.
type PodDNSConfig struct {
	Nameservers []string       `json:"nameservers,omitempty"`
	Searches    []string       `json:"searches,omitempty"`
	Options     []PodDNSOption `json:"options,omitempty"`
}

// PodResolvConfInput is what kubelet knows when it forms a pod's DNS
// configuration: the pod's fields and the kubelet's own settings. The zero
// value is a ClusterFirst pod named "" in namespace "" on a kubelet with no
// cluster DNS, no cluster domain and an empty node resolv.conf file (path
// "").
type PodResolvConfInput struct {
	// PodName, Namespace and PodUID name the pod in kubelet's events
	// (format.Pod: NAME_NAMESPACE(UID)). Namespace also forms the first
	// cluster search domain. Default "".
	PodName   string `json:"pod_name"`
	Namespace string `json:"namespace"`
	PodUID    string `json:"pod_uid,omitempty"`
	// DNSPolicy is spec.dnsPolicy. Default ClusterFirst.
	DNSPolicy DNSPolicy `json:"dns_policy"`
	// HostNetwork is spec.hostNetwork. Default false.
	HostNetwork bool `json:"host_network"`
	// DNSConfig is spec.dnsConfig; nil when the pod has none (a non-nil
	// empty one still de-duplicates, as kubelet's merge does).
	DNSConfig *PodDNSConfig `json:"dns_config,omitempty"`
	// ClusterDomain is kubelet's --cluster-domain (clusterDomain). Default
	// "": no cluster search domains.
	ClusterDomain string `json:"cluster_domain"`
	// ClusterDNS is kubelet's --cluster-dns (clusterDNS). Default none:
	// cluster-type pods fall back to Default with a MissingClusterDNS event.
	ClusterDNS []netip.Addr `json:"cluster_dns"`
	// ResolvConf is kubelet's --resolv-conf path, used in messages. The
	// empty path is kubelet's --resolv-conf="": no node file at all;
	// Default-type pods then get "nameserver 127.0.0.1" (or ::1) per node
	// IP and "search .".
	ResolvConf string `json:"resolv_conf"`
	// ResolvConfData is the content of the node file ResolvConf names; nil
	// reads as an empty file.
	ResolvConfData []byte `json:"-"`
	// NodeIPs are the node's addresses, used only with ResolvConf "".
	// Default none (one 127.0.0.1).
	NodeIPs []netip.Addr `json:"node_ips,omitempty"`
}

// PodResolvConfEvent is an event kubelet records while forming the file:
// a Warning on the Node or the Pod, with kubelet's reason and message.
type PodResolvConfEvent struct {
	Object  string `json:"object"` // "Node" or "Pod"
	Type    string `json:"event_type"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// PodResolvConfStep is one line of the explanation: what kubelet did and,
// for an entry of the file, the entry.
type PodResolvConfStep struct {
	// Line is "nameserver", "search", "options", or "" for a decision that
	// adds no entry.
	Line string `json:"line,omitempty"`
	// Value is the entry (one nameserver, one search domain, one option).
	Value string `json:"value,omitempty"`
	// Action is "add", "drop", "replace" or "decide".
	Action string `json:"action"`
	// From says where it came from or why, in kubelet's terms.
	From string `json:"from"`
}

// PodResolvConfResult is the DNS configuration kubelet hands the container
// runtime, which writes it as the pod's /etc/resolv.conf (see File).
type PodResolvConfResult struct {
	// Type is kubelet's pod DNS type after the policy decision:
	// "cluster", "host" or "none".
	Type        string   `json:"dns_type"`
	Nameservers []string `json:"nameservers"`
	Searches    []string `json:"searches"`
	// Options are in a fixed order: the base options, then the pod's in
	// spec order (an override keeps its first place). kubelet builds them
	// from a Go map, so its order varies when there are two or more; see
	// OptionsOrderVaries.
	Options []string `json:"options"`
	// OptionsOrderVaries reports whether kubelet's order of Options is
	// random (two or more options went through a Go map).
	OptionsOrderVaries bool                 `json:"options_order_varies"`
	Events             []PodResolvConfEvent `json:"events"`
	Steps              []PodResolvConfStep  `json:"explain,omitempty"`
}

// File returns the resolv.conf containerd (and CRI-O) write from the
// configuration, byte for byte: "search" with every domain if any, one
// "nameserver" line per server, "options" with every option if any, each
// line ending in "\n". An empty configuration is an empty file.
func (r *PodResolvConfResult) File() string {
	var b strings.Builder
	if len(r.Searches) > 0 {
		b.WriteString("search " + strings.Join(r.Searches, " ") + "\n")
	}
	for _, s := range r.Nameservers {
		b.WriteString("nameserver " + s + "\n")
	}
	if len(r.Options) > 0 {
		b.WriteString("options " + strings.Join(r.Options, " ") + "\n")
	}
	return b.String()
}

// ErrPodResolvConf is the sentinel of the errors kubelet fails the pod's
// sandbox with (an unreadable node resolv.conf); test with errors.Is.
var ErrPodResolvConf = errors.New("k8s: kubelet cannot form the pod's resolv.conf")

// PodResolvConfError is kubelet's error for the pod, in kubelet's words
// (Msg), with the node file it concerns.
type PodResolvConfError struct {
	File string
	Msg  string
}

func (e *PodResolvConfError) Error() string {
	return "k8s: " + e.File + ": " + e.Msg
}

// Unwrap returns ErrPodResolvConf.
func (e *PodResolvConfError) Unwrap() error { return ErrPodResolvConf }

// podResolvConfNode is a node resolv.conf as kubelet's parseResolvConf
// reads it.
type podResolvConfNode struct {
	nameservers []string
	searches    []string
	options     []string // kubelet's appendOptions map, in first-seen order
	searchLine  int      // 1-based line of the search line that won
	nsLines     []int
	optLines    map[string]int
	errs        []string
}

// parsePodResolvConfNode is kubelet's parseResolvConf
// (pkg/kubelet/network/dns/dns.go): lines split on "\n" and trimmed, "#"
// lines skipped, every nameserver line appended (its second field only),
// the last search line winning with "." entries dropped and one trailing
// dot trimmed, options merged by name (text before the first ":"), later
// ones winning.
func parsePodResolvConfNode(data []byte) *podResolvConfNode {
	n := &podResolvConfNode{optLines: map[string]int{}}
	const maxLen = 10 << 20 // kubelet's maxResolvConfLength
	if len(data) > maxLen {
		n.errs = append(n.errs, "too many bytes read")
		return n
	}
	for i, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Fields(t)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) >= 2 {
				n.nameservers = append(n.nameservers, f[1])
				n.nsLines = append(n.nsLines, i+1)
			} else {
				n.errs = append(n.errs, "nameserver list is empty ")
			}
		case "search":
			n.searches = []string{}
			n.searchLine = i + 1
			for _, s := range f[1:] {
				if s != "." {
					n.searches = append(n.searches, strings.TrimSuffix(s, "."))
				}
			}
		case "options":
			for _, o := range f[1:] {
				name, _, _ := strings.Cut(o, ":")
				n.options = setOption(n.options, name, o)
				n.optLines[name] = i + 1
			}
		}
	}
	return n
}

// setOption replaces the option called name in opts, or appends it.
func setOption(opts []string, name, opt string) []string {
	for j, o := range opts {
		if on, _, _ := strings.Cut(o, ":"); on == name {
			opts[j] = opt
			return opts
		}
	}
	return append(opts, opt)
}

// PodResolvConf forms a pod's DNS configuration exactly as kubelet's
// GetPodDNS does (Kubernetes v1.37, pkg/kubelet/network/dns/dns.go): the
// policy decides the base (cluster: the --cluster-dns servers, the
// namespace and cluster search domains followed by the node's, and only
// "ndots:5"; host: the node file as parsed; none: nothing), spec.dnsConfig
// is appended with duplicates dropped and options merged by name, and the
// limits (3 nameservers, 32 search paths of at most 253 characters, 2048
// characters in the search line) trim the result with kubelet's warning
// events. It does not do the API server's validation (see
// PodResolvConfValidate): kubelet forms whatever it is given. The only
// error is kubelet's own, a node file it cannot parse
// (*PodResolvConfError).
func PodResolvConf(in PodResolvConfInput) (*PodResolvConfResult, error) {
	r := &PodResolvConfResult{Nameservers: []string{}, Searches: []string{}, Options: []string{}, Events: []PodResolvConfEvent{}}
	step := func(line, value, action, format string, args ...any) {
		r.Steps = append(r.Steps, PodResolvConfStep{Line: line, Value: value, Action: action, From: fmt.Sprintf(format, args...)})
	}
	nodeFile := in.ResolvConf
	var node *podResolvConfNode
	if in.ResolvConf != "" {
		node = parsePodResolvConfNode(in.ResolvConfData)
		if len(node.errs) > 0 {
			return nil, &PodResolvConfError{File: in.ResolvConf, Msg: "Encountered error while parsing resolv conf file. Error: " + joinAggregate(node.errs)}
		}
	} else {
		node = &podResolvConfNode{optLines: map[string]int{}}
	}
	r.Events = append(r.Events, checkLimitsForResolvConf(in, node)...)

	// The host base: the node file as kubelet parsed it.
	servers := append([]string(nil), node.nameservers...)
	searches := append([]string(nil), node.searches...)
	options := append([]string(nil), node.options...)
	hostSteps := func() {
		for i, s := range node.nameservers {
			step("nameserver", s, "add", "node file %s line %d", nodeFile, node.nsLines[i])
		}
		for _, s := range node.searches {
			step("search", s, "add", "node file %s line %d (last search line; \".\" entries dropped, one trailing dot trimmed)", nodeFile, node.searchLine)
		}
		for _, o := range node.options {
			name, _, _ := strings.Cut(o, ":")
			step("options", o, "add", "node file %s line %d (options merged by name, the last one wins)", nodeFile, node.optLines[name])
		}
	}

	policy := in.DNSPolicy
	if policy == "" {
		policy = DNSPolicyClusterFirst
	}
	switch policy {
	case DNSPolicyNone:
		r.Type = "none"
		step("", "", "decide", "dnsPolicy None: an empty base, everything comes from spec.dnsConfig")
	case DNSPolicyClusterFirstWithHostNet:
		r.Type = "cluster"
		step("", "", "decide", "dnsPolicy ClusterFirstWithHostNet: cluster DNS whether or not hostNetwork")
	case DNSPolicyClusterFirst:
		if in.HostNetwork {
			r.Type = "host"
			step("", "", "decide", "dnsPolicy ClusterFirst with hostNetwork: kubelet falls back to Default (the node's resolv.conf); use ClusterFirstWithHostNet for cluster DNS")
		} else {
			r.Type = "cluster"
			step("", "", "decide", "dnsPolicy ClusterFirst without hostNetwork: cluster DNS")
		}
	case DNSPolicyDefault:
		r.Type = "host"
		step("", "", "decide", "dnsPolicy Default: the node's resolv.conf (%s)", describeNodeFile(nodeFile))
	default:
		r.Type = "cluster"
		step("", "", "decide", "invalid DNSPolicy=%s: kubelet logs \"Failed to get DNS type for pod. Falling back to DNSClusterFirst policy.\"", policy)
	}
	if r.Type == "cluster" && len(in.ClusterDNS) == 0 {
		msg := `kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`
		r.Events = append(r.Events,
			PodResolvConfEvent{Object: "Node", Type: "Warning", Reason: "MissingClusterDNS", Message: msg},
			PodResolvConfEvent{Object: "Pod", Type: "Warning", Reason: "MissingClusterDNS", Message: fmt.Sprintf("pod: %q. %s", in.PodName+"_"+in.Namespace+"("+in.PodUID+")", msg)})
		step("", "", "decide", "no --cluster-dns: kubelet falls back to Default (MissingClusterDNS events)")
		r.Type = "host"
	}
	switch r.Type {
	case "none":
		servers, searches, options = nil, nil, nil
	case "cluster":
		servers = nil
		for _, a := range in.ClusterDNS {
			servers = append(servers, a.Unmap().String())
			step("nameserver", a.Unmap().String(), "add", "kubelet --cluster-dns (node nameservers are not used)")
		}
		if in.ClusterDomain != "" {
			cluster := []string{in.Namespace + ".svc." + in.ClusterDomain, "svc." + in.ClusterDomain, in.ClusterDomain}
			step("search", cluster[0], "add", "namespace %q + \".svc.\" + --cluster-domain", in.Namespace)
			step("search", cluster[1], "add", "\"svc.\" + --cluster-domain")
			step("search", cluster[2], "add", "--cluster-domain")
			all := append(cluster, node.searches...)
			searches = omitDuplicates(all)
			for _, s := range node.searches {
				step("search", s, "add", "node file %s line %d, appended after the cluster domains", nodeFile, node.searchLine)
			}
			for _, d := range dropped(all) {
				step("search", d, "drop", "duplicate (kubelet keeps the first occurrence)")
			}
		} else {
			searches = append([]string(nil), node.searches...)
			for _, s := range node.searches {
				step("search", s, "add", "node file %s line %d (no --cluster-domain: no cluster search domains)", nodeFile, node.searchLine)
			}
		}
		options = []string{"ndots:5"}
		step("options", "ndots:5", "add", "kubelet's fixed option for cluster DNS pods (the node's options are not used)")
	case "host":
		if in.ResolvConf == "" {
			servers = nil
			for _, ip := range in.NodeIPs {
				s := "127.0.0.1"
				if ip.Is6() && !ip.Is4In6() {
					s = "::1"
				}
				servers = append(servers, s)
				step("nameserver", s, "add", "kubelet --resolv-conf=\"\": the local machine, one per node IP (%s)", ip)
			}
			if len(servers) == 0 {
				servers = []string{"127.0.0.1"}
				step("nameserver", "127.0.0.1", "add", "kubelet --resolv-conf=\"\": the local machine")
			}
			searches = []string{"."}
			step("search", ".", "add", "kubelet --resolv-conf=\"\": DNS lookups effectively disabled")
		} else {
			hostSteps()
		}
	}

	if c := in.DNSConfig; c != nil {
		all := append(append([]string(nil), servers...), c.Nameservers...)
		for i, s := range c.Nameservers {
			step("nameserver", s, "add", "spec.dnsConfig.nameservers[%d]", i)
		}
		servers = omitDuplicates(all)
		for _, d := range dropped(all) {
			step("nameserver", d, "drop", "duplicate (kubelet keeps the first occurrence)")
		}
		all = append(append([]string(nil), searches...), c.Searches...)
		for i, s := range c.Searches {
			step("search", s, "add", "spec.dnsConfig.searches[%d]", i)
		}
		searches = omitDuplicates(all)
		for _, d := range dropped(all) {
			step("search", d, "drop", "duplicate (kubelet keeps the first occurrence)")
		}
		// mergeDNSOptions: a map from name to value, the pod's entries
		// overriding; an empty value writes the bare name.
		var merged []string
		for _, o := range options {
			name, val, _ := strings.Cut(o, ":")
			merged = setOption(merged, name, optionText(name, val))
		}
		for i, o := range c.Options {
			val := ""
			if o.Value != nil {
				val = *o.Value
			}
			text := optionText(o.Name, val)
			action := "add"
			for _, m := range merged {
				if mn, _, _ := strings.Cut(m, ":"); mn == o.Name {
					action = "replace"
					step("options", m, "drop", "overridden by spec.dnsConfig.options[%d]", i)
				}
			}
			merged = setOption(merged, o.Name, text)
			step("options", text, action, "spec.dnsConfig.options[%d]", i)
		}
		options = merged
		if len(options) > 1 {
			r.OptionsOrderVaries = true
		}
	} else if r.Type == "host" && len(options) > 1 {
		r.OptionsOrderVaries = true // parseResolvConf's appendOptions map
	}

	// formDNSConfigFitsLimits.
	var ev []PodResolvConfEvent
	var cutServers, cutSearches []string
	servers, searches, cutServers, cutSearches, ev = podResolvConfFitsLimits(servers, searches)
	for _, s := range cutServers {
		step("nameserver", s, "drop", "more than %d nameservers", PodResolvConfMaxNameservers)
	}
	for _, c := range cutSearches {
		step("search", c, "drop", "search line limits (%d paths, %d characters per path, %d characters in all)", PodResolvConfMaxSearchPaths, PodResolvConfMaxSearchPathLen, PodResolvConfMaxSearchListChars)
	}
	r.Events = append(r.Events, ev...)
	if servers != nil {
		r.Nameservers = servers
	}
	if searches != nil {
		r.Searches = searches
	}
	if options != nil {
		r.Options = options
	}
	return r, nil
}

// podResolvConfFitsLimits is kubelet's formDNSConfigFitsLimits: the
// nameserver limit, then the search limits, each with its Pod warning.
func podResolvConfFitsLimits(servers, searches []string) (s1, s2, cutServers, cutSearches []string, ev []PodResolvConfEvent) {
	if len(servers) > PodResolvConfMaxNameservers {
		cutServers = servers[PodResolvConfMaxNameservers:]
		servers = servers[:PodResolvConfMaxNameservers]
		ev = append(ev, PodResolvConfEvent{Object: "Pod", Type: "Warning", Reason: "DNSConfigForming",
			Message: "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: " + strings.Join(servers, " ")})
	}
	searches, cutSearches = podResolvConfSearchLimits(searches)
	if cutSearches != nil {
		ev = append(ev, PodResolvConfEvent{Object: "Pod", Type: "Warning", Reason: "DNSConfigForming",
			Message: "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: " + strings.Join(searches, " ")})
	}
	return servers, searches, cutServers, cutSearches, ev
}

// podResolvConfSearchLimits is kubelet's formDNSSearchFitsLimits: keep the
// first 32 paths, drop every path longer than 253 characters, then drop
// paths from the end until the line has at most 2048 characters. cut lists
// what was dropped; it is nil when nothing was (no event).
func podResolvConfSearchLimits(s []string) (kept, cut []string) {
	exceeded := false
	s = append([]string(nil), s...)
	if len(s) > PodResolvConfMaxSearchPaths {
		cut = append(cut, s[PodResolvConfMaxSearchPaths:]...)
		s = s[:PodResolvConfMaxSearchPaths]
		exceeded = true
	}
	l := 0
	for _, d := range s {
		if len(d) > PodResolvConfMaxSearchPathLen {
			cut = append(cut, d)
			exceeded = true
			continue
		}
		s[l] = d
		l++
	}
	s = s[:l]
	if n := len(strings.Join(s, " ")); n > PodResolvConfMaxSearchListChars {
		num, length := 0, 0
		for i := len(s) - 1; i >= 0; i-- {
			length += len(s[i]) + 1
			num++
			if n-length <= PodResolvConfMaxSearchListChars {
				break
			}
		}
		cut = append(cut, s[len(s)-num:]...)
		s = s[:len(s)-num]
		exceeded = true
	}
	if exceeded && cut == nil {
		cut = []string{}
	}
	return s, cut
}

// checkLimitsForResolvConf is kubelet's CheckLimitsForResolvConf: the
// Node warning it records when its sync loop starts, for the first limit
// the node file's search line breaks.
func checkLimitsForResolvConf(in PodResolvConfInput, node *podResolvConfNode) []PodResolvConfEvent {
	if in.ResolvConf == "" {
		return nil
	}
	limit := PodResolvConfMaxSearchPaths
	if in.ClusterDomain != "" {
		limit -= 3
	}
	ev := func(msg string) []PodResolvConfEvent {
		return []PodResolvConfEvent{{Object: "Node", Type: "Warning", Reason: "CheckLimitsForResolvConf", Message: msg}}
	}
	if len(node.searches) > limit {
		return ev(fmt.Sprintf("Resolv.conf file '%s' contains search line consisting of more than %d domains!", in.ResolvConf, limit))
	}
	for _, s := range node.searches {
		if len(s) > PodResolvConfMaxSearchPathLen {
			return ev(fmt.Sprintf("Resolv.conf file %q contains a search path which length is more than allowed %d chars!", in.ResolvConf, PodResolvConfMaxSearchPathLen))
		}
	}
	if len(strings.Join(node.searches, " ")) > PodResolvConfMaxSearchListChars {
		return ev(fmt.Sprintf("Resolv.conf file '%s' contains search line which length is more than allowed %d chars!", in.ResolvConf, PodResolvConfMaxSearchListChars))
	}
	return nil
}

func describeNodeFile(path string) string {
	if path == "" {
		return `kubelet --resolv-conf=""`
	}
	return path
}

func optionText(name, val string) string {
	if val == "" {
		return name
	}
	return name + ":" + val
}

// omitDuplicates keeps the first occurrence of each string, in order
// (exact, case-sensitive comparison), as kubelet's omitDuplicates.
func omitDuplicates(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			out = append(out, x)
			seen[x] = true
		}
	}
	return out
}

// dropped lists the entries omitDuplicates removes from s.
func dropped(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if seen[x] {
			out = append(out, x)
		}
		seen[x] = true
	}
	return out
}

// joinAggregate formats errors as apimachinery's utilerrors.NewAggregate
// does: one message alone, several as "[a, b]".
func joinAggregate(msgs []string) string {
	if len(msgs) == 1 {
		return msgs[0]
	}
	// Aggregate de-duplicates its messages.
	var uniq []string
	seen := map[string]bool{}
	for _, m := range msgs {
		if !seen[m] {
			uniq = append(uniq, m)
			seen[m] = true
		}
	}
	if len(uniq) == 1 {
		return uniq[0]
	}
	return "[" + strings.Join(uniq, ", ") + "]"
}

// PodResolvConfValidate checks a pod's DNS fields as the API server does
// before the pod ever reaches kubelet (validatePodDNSConfig in
// pkg/apis/core/validation): the policy is one of the four, None needs a
// dnsConfig with at least one nameserver, at most 3 nameservers, each an
// IP address, at most 32 search paths and 2048 characters in the search
// list, each path (one trailing dot trimmed, "." allowed) a DNS subdomain
// that may contain "_", and no option without a name. The messages are
// the API server's ("spec.dnsConfig.nameservers: Required value: ...");
// all of them are joined, nil when the fields are valid.
func PodResolvConfValidate(policy DNSPolicy, c *PodDNSConfig) error {
	var errs []error
	fe := func(path, kind, msg string) { errs = append(errs, fmt.Errorf("%s: %s: %s", path, kind, msg)) }
	switch policy {
	case "", DNSPolicyClusterFirst, DNSPolicyClusterFirstWithHostNet, DNSPolicyDefault, DNSPolicyNone:
	default:
		fe("spec.dnsPolicy", "Unsupported value", fmt.Sprintf(`%q: supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"`, string(policy)))
	}
	if policy == DNSPolicyNone {
		if c == nil {
			fe("spec.dnsConfig", "Required value", "must provide `dnsConfig` when `dnsPolicy` is None")
			return errors.Join(errs...)
		}
		if len(c.Nameservers) == 0 {
			fe("spec.dnsConfig.nameservers", "Required value", "must provide at least one DNS nameserver when `dnsPolicy` is None")
			return errors.Join(errs...)
		}
	}
	if c == nil {
		return errors.Join(errs...)
	}
	if len(c.Nameservers) > PodResolvConfMaxNameservers {
		fe("spec.dnsConfig.nameservers", "Invalid value: "+jsonList(c.Nameservers), fmt.Sprintf("must not have more than %d nameservers", PodResolvConfMaxNameservers))
	}
	for i, ns := range c.Nameservers {
		if a, err := netip.ParseAddr(ns); err != nil || a.Zone() != "" {
			fe(fmt.Sprintf("spec.dnsConfig.nameservers[%d]", i), fmt.Sprintf("Invalid value: %q", ns), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
		}
	}
	if len(c.Searches) > PodResolvConfMaxSearchPaths {
		fe("spec.dnsConfig.searches", "Invalid value: "+jsonList(c.Searches), fmt.Sprintf("must not have more than %d search paths", PodResolvConfMaxSearchPaths))
	}
	if len(strings.Join(c.Searches, " ")) > PodResolvConfMaxSearchListChars {
		fe("spec.dnsConfig.searches", "Invalid value: "+jsonList(c.Searches), fmt.Sprintf("must not have more than %d characters (including spaces) in the search list", PodResolvConfMaxSearchListChars))
	}
	for i, s := range c.Searches {
		if s == "." {
			continue
		}
		s = strings.TrimSuffix(s, ".")
		for _, msg := range dns1123SubdomainWithUnderscore(s) {
			fe(fmt.Sprintf("spec.dnsConfig.searches[%d]", i), fmt.Sprintf("Invalid value: %q", s), msg)
		}
	}
	for i, o := range c.Options {
		if o.Name == "" {
			fe(fmt.Sprintf("spec.dnsConfig.options[%d]", i), "Required value", "must not be empty")
		}
	}
	return errors.Join(errs...)
}

func jsonList(s []string) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, x := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", x)
	}
	b.WriteByte(']')
	return b.String()
}

// dns1123SubdomainWithUnderscore is apimachinery's
// IsDNS1123SubdomainWithUnderscore: at most 253 characters of
// [a-z0-9_]([-a-z0-9_]*[a-z0-9_])? labels joined by dots.
func dns1123SubdomainWithUnderscore(s string) []string {
	var msgs []string
	if len(s) > 253 {
		msgs = append(msgs, "must be no more than 253 characters")
	}
	ok := s != ""
	for _, l := range strings.Split(s, ".") {
		if l == "" || !alnumUnderscore(l[0]) || !alnumUnderscore(l[len(l)-1]) {
			ok = false
			break
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !alnumUnderscore(c) && c != '-' {
				ok = false
			}
		}
	}
	if !ok {
		msgs = append(msgs, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?(\\.[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?)*')")
	}
	return msgs
}

func alnumUnderscore(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}
