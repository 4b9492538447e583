package kubeproxy

import (
	"bufio"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// NFTVersion is the kube-proxy release whose nftables proxier RenderNFT
// follows (pkg/proxy/nftables/proxier.go).
const NFTVersion = "v1.37.2"

// NFTTable is the name of kube-proxy's nftables table, in the ip family
// (IPv4) or the ip6 family (IPv6).
const NFTTable = "kube-proxy"

// The fixed chains, sets and maps of kube-proxy's nftables table.
const (
	NFTServices               = "services"
	NFTServiceIPs             = "service-ips"
	NFTServiceNodePorts       = "service-nodeports"
	NFTNodePortIPs            = "nodeport-ips"
	NFTClusterIPs             = "cluster-ips"
	NFTServiceEndpointsCheck  = "service-endpoints-check"
	NFTNodePortEndpointsCheck = "nodeport-endpoints-check"
	NFTNoEndpointServices     = "no-endpoint-services"
	NFTNoEndpointNodePorts    = "no-endpoint-nodeports"
	NFTRejectChain            = "reject-chain"
	NFTClusterIPsCheck        = "cluster-ips-check"
	NFTFirewallIPs            = "firewall-ips"
	NFTFirewallCheck          = "firewall-check"
	NFTMasquerading           = "masquerading"
	NFTHairpinConnections     = "hairpin-connections"
	NFTLocalhostRejectPorts   = "localhost-nodeport-reject-ports"
)

// Prefixes of the per-Service-port and per-endpoint chains and sets.
const (
	NFTPrefixService  = "service-"
	NFTPrefixLocal    = "local-"
	NFTPrefixExternal = "external-"
	NFTPrefixEndpoint = "endpoint-"
	NFTPrefixAffinity = "affinity-"
	NFTPrefixFirewall = "firewall-"
)

// nftNameMax is knftables.NameLengthMax (256) less kube-proxy's
// chainNamePrefixLengthMax (16).
const nftNameMax = 256 - 16

// nftHashAndTruncate is kube-proxy's hashAndTruncate: the first 8
// characters of base32(sha256(name)), "-", name, cut to 240 characters
// ending "..." when longer.
func nftHashAndTruncate(name string) string {
	sum := sha256.Sum256([]byte(name))
	name = base32.StdEncoding.EncodeToString(sum[:])[:8] + "-" + name
	if len(name) > nftNameMax {
		name = name[:nftNameMax-3] + "..."
	}
	return name
}

// NFTPortChainBase returns kube-proxy's servicePortChainNameBase: the hash
// and "namespace/name/protocol/portName" ("ULMVA6XW-ns1/svc1/tcp/p80"); the
// service-, local-, external- and firewall- chains of the port append it to
// their prefix. protocol is lower case.
func NFTPortChainBase(namespace, name, protocol, portName string) string {
	return nftHashAndTruncate(namespace + "/" + name + "/" + protocol + "/" + portName)
}

// NFTEndpointChainBase returns kube-proxy's servicePortEndpointChainNameBase
// for endpoint ep, "IP:port" as net.JoinHostPort writes it: the hash and
// ".../portName__IP/port", an IPv6 address with its colons written as dots
// ("5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"). The address is used as
// written, as kube-proxy uses the EndpointSlice's text. The endpoint-
// chain and the affinity- set of the endpoint append it to their prefix.
func NFTEndpointChainBase(namespace, name, protocol, portName, ep string) string {
	ip, port, err := net.SplitHostPort(ep)
	if err != nil {
		ip, port = ep, ""
	}
	ip = strings.ReplaceAll(ip, ":", ".")
	return nftHashAndTruncate(namespace + "/" + name + "/" + protocol + "/" + portName + "__" + ip + "/" + port)
}

// NFTOptions are the kube-proxy settings the nftables mode reads that the
// Config does not hold.
type NFTOptions struct {
	// ServiceCIDRs are the Service IP ranges (--service-cluster-ip-range
	// or the cluster's ServiceCIDR objects): traffic to an unallocated
	// address in them is dropped in cluster-ips-check. Default none (no
	// drop rule).
	ServiceCIDRs []netip.Prefix
	// NodePortAddresses is --nodeport-addresses: NodePorts answer only on
	// the node IPs inside these prefixes, listed in the nodeport-ips set.
	// Default none: every local address except loopback ("fib daddr type
	// local").
	NodePortAddresses []netip.Prefix
	// LocalhostNodePortReject is the KubeProxyNFTablesLocalhostNodePorts
	// feature gate (alpha in 1.37, default off): NodePort traffic to
	// loopback, which nftables cannot DNAT, is counted and rejected per
	// protocol, except TCP when NodePortAddresses names loopback (then
	// kube-proxy's userspace proxy serves it). Default false.
	LocalhostNodePortReject bool
}

// NFTObject is one command of the transaction: what it adds ("table",
// "set", "map", "counter", "chain", "rule", "element"), the name of the
// object (the chain of a rule, the set or map of an element) and the
// command line as nft reads it.
type NFTObject struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Text string `json:"text"`
}

// NFTRuleset is what kube-proxy's nftables proxier writes for a Config:
// one table with its chains, sets and maps, as a transaction of "add"
// commands. Objects are in an order nft -f accepts (every set, map,
// counter and chain before any rule or element that names it).
type NFTRuleset struct {
	// Family is "ip" or "ip6".
	Family  string      `json:"family"`
	Objects []NFTObject `json:"objects"`
	// Ports names the chains of each proxied Service port, in output
	// order.
	Ports []NFTPort `json:"ports"`

	cfg   *Config
	opt   NFTOptions
	mark  string
	local map[netip.Addr]bool // node IPs and loopback
	// chains in creation order and their rules
	chainOrder []string
	chainDecl  map[string]string // chain → "add chain" text
	rules      map[string][]*nftRule
	sets       map[string]*nftSet
	setOrder   []string
	elements   []NFTObject
	counters   []string
	owner      map[string]string // chain → Service port name
	endpointOf map[string]netip.AddrPort
}

// NFTPort names the chains of one Service port in the nftables mode; ""
// when kube-proxy does not create the chain.
type NFTPort struct {
	Service   string        `json:"service"` // "namespace/name:port"
	Protocol  string        `json:"protocol"`
	Cluster   string        `json:"cluster,omitempty"`
	Local     string        `json:"local,omitempty"`
	External  string        `json:"external,omitempty"`
	Firewall  string        `json:"firewall,omitempty"`
	Endpoints []NFTEndpoint `json:"endpoints"`
}

// NFTEndpoint is one endpoint of a Service port; Chain and Affinity are
// its endpoint- chain and affinity- set, written only with ClientIP
// affinity.
type NFTEndpoint struct {
	Endpoint netip.AddrPort `json:"endpoint"`
	Local    bool           `json:"local"`
	Chain    string         `json:"chain"`
	Affinity string         `json:"affinity_set"`
}

// nftSet is a set or a map with its elements (key → value; value "" in a
// set), keys written as nft writes them ("172.30.0.41 . tcp . 80").
type nftSet struct {
	kind     string // set, map
	decl     string
	timeout  int // affinity sets
	elems    map[string]string
	comments map[string]string // element comments: the Service port
}

// Masquerade reasons: which kube-proxy rule marked a packet (both modes:
// TraceResult.Reasons, NFTTraceResult.MasqueradeReasons).
const (
	MasqOffCluster      packet.Reason = "off-cluster"      // ClusterIP traffic from outside the cluster CIDR
	MasqAll             packet.Reason = "masquerade-all"   // --masquerade-all: every ClusterIP connection
	MasqExternalCluster packet.Reason = "external-cluster" // external traffic, externalTrafficPolicy Cluster
	MasqLocalExternal   packet.Reason = "local-external"   // node-originated traffic to an external address (--src-type LOCAL, fib saddr type local)
	MasqHairpin         packet.Reason = "hairpin"          // the endpoint connects to itself
)

// nftRule is one rule with its matches parsed out, for the tracer.
type nftRule struct {
	chain, text string

	ctNew, ctDNAT, markNonZero bool
	fibSaddrLocal              bool
	fibDaddrLocal              bool
	daddrSet, saddrSet         string
	daddr, saddr               []netip.Prefix
	daddrNeg, saddrNeg         bool
	hairpin                    bool // ip saddr . ip daddr . meta l4proto . th dport @hairpin-connections
	l4proto                    string

	markOr, markXor bool
	masqReason      packet.Reason
	update          string // affinity set the rule adds ip saddr to

	// verdict: jump, goto, vmap, reject, drop, masquerade, dnat,
	// numgen-dnat, numgen-vmap or "" (none: continue)
	verdict string
	target  string // jump/goto chain, vmap map
	portKey bool   // vmap key is meta l4proto . th dport (else daddr . proto . port)
	dnat    netip.AddrPort
	numgen  []string // numgen-dnat: "IP . port"; numgen-vmap: chains
	eps     []netip.AddrPort
}

// Text returns the transaction as nft -f reads it, one command a line.
func (rs *NFTRuleset) String() string {
	var b strings.Builder
	rs.WriteTo(&b)
	return b.String()
}

// WriteTo writes the transaction, one command a line.
func (rs *NFTRuleset) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	for _, o := range rs.Objects {
		k, _ := bw.WriteString(o.Text)
		n += int64(k)
		bw.WriteByte('\n')
		n++
	}
	return n, bw.Flush()
}

func (rs *NFTRuleset) prefix(kind string) string {
	return "add " + kind + " " + rs.Family + " " + NFTTable + " "
}

func (rs *NFTRuleset) ipX() string { return rs.Family }

func (rs *NFTRuleset) addrType() string {
	if rs.Family == "ip6" {
		return "ipv6_addr"
	}
	return "ipv4_addr"
}

func (rs *NFTRuleset) chain(name, extra string) {
	if _, ok := rs.chainDecl[name]; ok {
		return
	}
	t := rs.prefix("chain") + name
	if extra != "" {
		t += " { " + extra + " ; }"
	}
	rs.chainDecl[name] = t
	rs.chainOrder = append(rs.chainOrder, name)
}

func (rs *NFTRuleset) set(kind, name, typ, extra string) *nftSet {
	if s := rs.sets[name]; s != nil {
		return s
	}
	s := &nftSet{kind: kind, decl: rs.prefix(kind) + name + " { type " + typ + " ; " + extra + "}", elems: map[string]string{}}
	rs.sets[name] = s
	rs.setOrder = append(rs.setOrder, name)
	return s
}

// rule adds r (text already set) to its chain, with the comment.
func (rs *NFTRuleset) rule(r *nftRule, comment string) {
	r.text = strings.Join(strings.Fields(r.text), " ")
	if comment != "" {
		r.text += ` comment "` + comment + `"`
	}
	rs.rules[r.chain] = append(rs.rules[r.chain], r)
}

// element adds key (: value) to set or map name, once.
func (rs *NFTRuleset) element(name, key, value, comment string) {
	s := rs.sets[name]
	if _, dup := s.elems[key]; dup {
		return
	}
	s.elems[key] = value
	if comment != "" {
		if s.comments == nil {
			s.comments = map[string]string{}
		}
		s.comments[key] = comment
	}
	t := rs.prefix("element") + name + " { " + key
	if comment != "" {
		t += ` comment "` + comment + `"`
	}
	if value != "" {
		t += " : " + value
	}
	rs.elements = append(rs.elements, NFTObject{Kind: "element", Name: name, Text: t + " }"})
}

// key3 writes a "daddr . protocol . port" map key.
func key3(a netip.Addr, proto string, port int) string {
	return a.String() + " . " + proto + " . " + strconv.Itoa(port)
}

func key2(proto string, port int) string { return proto + " . " + strconv.Itoa(port) }

// containsLoopback reports whether a --nodeport-addresses prefix holds the
// family's loopback address (kube-proxy's ContainsExplicitLoopback).
func containsLoopback(ps []netip.Prefix, v6 bool) bool {
	lo := netip.MustParseAddr("127.0.0.1")
	if v6 {
		lo = netip.IPv6Loopback()
	}
	for _, p := range ps {
		if p.Contains(lo) {
			return true
		}
	}
	return false
}

// RenderNFT computes what kube-proxy's nftables proxier (NFTVersion)
// writes for cfg on cfg.Node: setupNFTables then syncProxyRules of a full
// sync into an empty table, as the "add" commands kube-proxy's tests
// compare (the flush and delete commands of the real transaction change
// nothing in an empty table and are left out). Services are taken in
// "namespace/name" order, ports in spec order, endpoints by "IP:port";
// Config fields the nftables mode does not read (LocalhostNodePorts,
// NFAcct, RandomFully: nftables always masquerades fully-random) are
// ignored.
func RenderNFT(cfg *Config, opt NFTOptions) *NFTRuleset {
	rs := &NFTRuleset{Family: "ip", cfg: cfg, opt: opt, chainDecl: map[string]string{}, rules: map[string][]*nftRule{},
		sets: map[string]*nftSet{}, owner: map[string]string{}, endpointOf: map[string]netip.AddrPort{}, local: map[netip.Addr]bool{}}
	v6 := cfg.IPv6
	if v6 {
		rs.Family = "ip6"
	}
	for _, a := range cfg.NodeIPs {
		rs.local[a.Unmap()] = true
	}
	bit := cfg.MasqueradeBit
	if bit <= 0 || bit > 31 {
		bit = DefaultMasqueradeBit
	}
	rs.mark = fmt.Sprintf("%#x", uint32(1)<<bit)
	masqRule := "mark set mark or " + rs.mark
	ipX, addr := rs.ipX(), rs.addrType()
	loop, loopText := netip.MustParsePrefix("127.0.0.0/8"), "127.0.0.0/8"
	if v6 {
		loop, loopText = netip.MustParsePrefix("::1/128"), "::1"
	}
	matchAll := len(opt.NodePortAddresses) == 0

	// setupNFTables.
	for _, bc := range []struct{ name, spec string }{
		{"filter-prerouting-pre-dnat", "type filter hook prerouting priority -110"},
		{"filter-output-pre-dnat", "type filter hook output priority -110"},
		{"filter-input", "type filter hook input priority 0"},
		{"filter-forward", "type filter hook forward priority 0"},
		{"filter-output", "type filter hook output priority 0"},
		{"nat-prerouting", "type nat hook prerouting priority -100"},
		{"nat-output", "type nat hook output priority -100"},
		{"nat-postrouting", "type nat hook postrouting priority 100"},
	} {
		rs.chain(bc.name, bc.spec)
	}
	for _, j := range []struct{ dst, src, extra string }{
		{NFTNodePortEndpointsCheck, "filter-input", "ct state new"},
		{NFTServiceEndpointsCheck, "filter-input", "ct state new"},
		{NFTServiceEndpointsCheck, "filter-forward", "ct state new"},
		{NFTServiceEndpointsCheck, "filter-output", "ct state new"},
		{NFTFirewallCheck, "filter-prerouting-pre-dnat", "ct state new"},
		{NFTFirewallCheck, "filter-output-pre-dnat", "ct state new"},
		{NFTServices, "nat-output", ""},
		{NFTServices, "nat-prerouting", ""},
		{NFTMasquerading, "nat-postrouting", ""},
		{NFTClusterIPsCheck, "filter-forward", "ct state new"},
		{NFTClusterIPsCheck, "filter-output", "ct state new"},
	} {
		rs.chain(j.dst, "")
		rs.rule(&nftRule{chain: j.src, text: j.extra + " jump " + j.dst, ctNew: j.extra != "", verdict: "jump", target: j.dst}, "")
	}
	for _, c := range []string{NFTServices, NFTClusterIPsCheck, NFTMasquerading} {
		rs.chain(c, "")
	}
	rs.set("set", NFTHairpinConnections, addr+" . "+addr+" . inet_proto . inet_service", `comment "service hairpin connections" ; `)
	rs.rule(&nftRule{chain: NFTMasquerading, text: "mark and " + rs.mark + " != 0 mark set mark xor " + rs.mark + " masquerade fully-random",
		markNonZero: true, markXor: true, verdict: "masquerade"}, "")
	rs.rule(&nftRule{chain: NFTMasquerading, text: "ct status dnat " + ipX + " saddr . " + ipX + " daddr . meta l4proto . th dport @" + NFTHairpinConnections + " masquerade fully-random",
		ctDNAT: true, hairpin: true, masqReason: MasqHairpin, verdict: "masquerade"}, "")
	rs.set("set", NFTClusterIPs, addr, `comment "Active ClusterIPs" ; `)
	rs.rule(&nftRule{chain: NFTClusterIPsCheck, text: ipX + " daddr @" + NFTClusterIPs + " reject", daddrSet: NFTClusterIPs, verdict: "reject"},
		"Reject traffic to invalid ports of ClusterIPs")
	var cidrs []string
	var cidrPs []netip.Prefix
	for _, p := range opt.ServiceCIDRs {
		if p.IsValid() && p.Addr().Is6() == v6 {
			cidrs = append(cidrs, p.Masked().String())
			cidrPs = append(cidrPs, p.Masked())
		}
	}
	if len(cidrs) > 0 {
		rs.rule(&nftRule{chain: NFTClusterIPsCheck, text: ipX + " daddr { " + strings.Join(cidrs, ",") + " } drop", daddr: cidrPs, verdict: "drop"},
			"Drop traffic to unallocated ClusterIPs")
	}
	if !matchAll {
		rs.set("set", NFTNodePortIPs, addr, `comment "IPs that accept NodePort traffic" ; `)
		for _, a := range cfg.NodeIPs {
			a = a.Unmap()
			if a.Is6() != v6 || a.IsLoopback() {
				continue
			}
			for _, p := range opt.NodePortAddresses {
				if p.Contains(a) {
					rs.element(NFTNodePortIPs, a.String(), "", "")
					break
				}
			}
		}
	}
	rs.set("map", NFTNoEndpointServices, addr+" . inet_proto . inet_service : verdict", `comment "vmap to drop or reject packets to services with no endpoints" ; `)
	rs.set("map", NFTNoEndpointNodePorts, "inet_proto . inet_service : verdict", `comment "vmap to drop or reject packets to service nodeports with no endpoints" ; `)
	rs.chain(NFTRejectChain, `comment "helper for @no-endpoint-services / @no-endpoint-nodeports"`)
	rs.rule(&nftRule{chain: NFTRejectChain, text: "reject", verdict: "reject"}, "")
	rs.rule(&nftRule{chain: NFTServiceEndpointsCheck, text: ipX + " daddr . meta l4proto . th dport vmap @" + NFTNoEndpointServices,
		verdict: "vmap", target: NFTNoEndpointServices}, "")
	if matchAll {
		rs.rule(&nftRule{chain: NFTNodePortEndpointsCheck, text: ipX + " daddr != " + loopText + " meta l4proto . th dport vmap @" + NFTNoEndpointNodePorts,
			daddr: []netip.Prefix{loop}, daddrNeg: true, verdict: "vmap", target: NFTNoEndpointNodePorts, portKey: true}, "")
	} else {
		rs.rule(&nftRule{chain: NFTNodePortEndpointsCheck, text: ipX + " daddr @" + NFTNodePortIPs + " meta l4proto . th dport vmap @" + NFTNoEndpointNodePorts,
			daddrSet: NFTNodePortIPs, verdict: "vmap", target: NFTNoEndpointNodePorts, portKey: true}, "")
	}
	var rejectProtos []string
	if opt.LocalhostNodePortReject {
		rejectProtos = []string{"tcp", "udp", "sctp"}
		if containsLoopback(opt.NodePortAddresses, v6) {
			rejectProtos = []string{"udp", "sctp"}
		}
	}
	rejects := map[string]bool{}
	if len(rejectProtos) > 0 {
		rs.set("map", NFTLocalhostRejectPorts, "inet_proto . inet_service : verdict", `comment "localhost NodePorts rejected by kube-proxy" ; `)
		for _, p := range rejectProtos {
			rejects[p] = true
			counter := "localhost-nodeport-rejected-" + p
			rs.counters = append(rs.counters, counter)
			c := "localhost-nodeport-reject-" + p
			rs.chain(c, "")
			rs.rule(&nftRule{chain: c, text: `counter name "` + counter + `" reject`, verdict: "reject"}, "")
		}
		rs.rule(&nftRule{chain: NFTNodePortEndpointsCheck, text: ipX + " daddr " + loopText + " meta l4proto . th dport vmap @" + NFTLocalhostRejectPorts,
			daddr: []netip.Prefix{loop}, verdict: "vmap", target: NFTLocalhostRejectPorts, portKey: true}, "")
	}
	rs.set("map", NFTFirewallIPs, addr+" . inet_proto . inet_service : verdict", `comment "destinations that are subject to LoadBalancerSourceRanges" ; `)
	rs.chain(NFTFirewallCheck, "")
	rs.rule(&nftRule{chain: NFTFirewallCheck, text: ipX + " daddr . meta l4proto . th dport vmap @" + NFTFirewallIPs, verdict: "vmap", target: NFTFirewallIPs}, "")
	rs.set("map", NFTServiceIPs, addr+" . inet_proto . inet_service : verdict", `comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; `)
	rs.set("map", NFTServiceNodePorts, "inet_proto . inet_service : verdict", `comment "NodePort traffic" ; `)
	switch {
	case cfg.MasqueradeAll:
		rs.rule(&nftRule{chain: NFTServices, text: ipX + " daddr @" + NFTClusterIPs + " " + masqRule, daddrSet: NFTClusterIPs, markOr: true, masqReason: MasqAll},
			"masquerade all clusterIP traffic")
	case cfg.ClusterCIDR.IsValid() && cfg.ClusterCIDR.Addr().Is6() == v6:
		rs.rule(&nftRule{chain: NFTServices, text: ipX + " daddr @" + NFTClusterIPs + " " + ipX + " saddr != " + cfg.ClusterCIDR.Masked().String() + " " + masqRule,
			daddrSet: NFTClusterIPs, saddr: []netip.Prefix{cfg.ClusterCIDR.Masked()}, saddrNeg: true, markOr: true, masqReason: MasqOffCluster},
			"masquerade clusterIP traffic from outside cluster")
	}
	rs.rule(&nftRule{chain: NFTServices, text: ipX + " daddr . meta l4proto . th dport vmap @" + NFTServiceIPs, verdict: "vmap", target: NFTServiceIPs}, "")
	if matchAll {
		rs.rule(&nftRule{chain: NFTServices, text: "fib daddr type local " + ipX + " daddr != " + loopText + " meta l4proto . th dport vmap @" + NFTServiceNodePorts,
			fibDaddrLocal: true, daddr: []netip.Prefix{loop}, daddrNeg: true, verdict: "vmap", target: NFTServiceNodePorts, portKey: true}, "")
	} else {
		rs.rule(&nftRule{chain: NFTServices, text: ipX + " daddr @" + NFTNodePortIPs + " meta l4proto . th dport vmap @" + NFTServiceNodePorts,
			daddrSet: NFTNodePortIPs, verdict: "vmap", target: NFTServiceNodePorts, portKey: true}, "")
	}

	// syncProxyRules.
	svcs := make([]*Service, 0, len(cfg.Services))
	for i := range cfg.Services {
		if cfg.Services[i].clusterIPFor(v6).IsValid() {
			svcs = append(svcs, &cfg.Services[i])
		}
	}
	sort.SliceStable(svcs, func(i, j int) bool { return svcs[i].NamespacedName() < svcs[j].NamespacedName() })
	for _, s := range svcs {
		for _, p := range s.Ports {
			rs.renderNFTPort(s, p, rejects[p.Protocol.String()])
		}
	}
	rs.assemble()
	return rs
}

// assemble orders the objects for nft -f: the table, sets, maps,
// counters, chains, then rules chain by chain and the elements.
func (rs *NFTRuleset) assemble() {
	rs.Objects = append(rs.Objects, NFTObject{Kind: "table", Name: NFTTable, Text: "add table " + rs.Family + " " + NFTTable + ` { comment "rules for kube-proxy" ; }`})
	for _, kind := range []string{"set", "map"} {
		for _, n := range rs.setOrder {
			if s := rs.sets[n]; s.kind == kind {
				rs.Objects = append(rs.Objects, NFTObject{Kind: kind, Name: n, Text: s.decl})
			}
		}
	}
	for _, c := range rs.counters {
		rs.Objects = append(rs.Objects, NFTObject{Kind: "counter", Name: c, Text: rs.prefix("counter") + c})
	}
	for _, c := range rs.chainOrder {
		rs.Objects = append(rs.Objects, NFTObject{Kind: "chain", Name: c, Text: rs.chainDecl[c]})
	}
	for _, c := range rs.chainOrder {
		for _, r := range rs.rules[c] {
			rs.Objects = append(rs.Objects, NFTObject{Kind: "rule", Name: c, Text: rs.prefix("rule") + c + " " + r.text})
		}
	}
	rs.Objects = append(rs.Objects, rs.elements...)
}

// nftCategorize is proxy.CategorizeEndpoints without topology hints: the
// endpoints of the Cluster policy (ready ones, else serving and
// terminating ones), of the Local policy (local ready ones, else local
// serving-terminating ones), the endpoints reachable from this node, and
// whether the Service has usable endpoints anywhere.
func nftCategorize(eps []NFTEndpoint, ready, serving map[netip.AddrPort]bool, usesCluster, usesLocal bool) (cluster, local, reachable []NFTEndpoint, has bool) {
	if usesCluster {
		for _, e := range eps {
			if ready[e.Endpoint] {
				cluster = append(cluster, e)
			}
		}
		if len(cluster) == 0 {
			for _, e := range eps {
				if serving[e.Endpoint] {
					cluster = append(cluster, e)
				}
			}
		}
		has = len(cluster) > 0
	}
	if !usesLocal {
		return cluster, nil, cluster, has
	}
	var localReady, localST bool
	for _, e := range eps {
		switch {
		case ready[e.Endpoint]:
			has = true
			localReady = localReady || e.Local
		case serving[e.Endpoint]:
			has = true
			localST = localST || e.Local
		}
	}
	for _, e := range eps {
		if e.Local && ((localReady && ready[e.Endpoint]) || (!localReady && localST && serving[e.Endpoint])) {
			local = append(local, e)
		}
	}
	if !usesCluster {
		return nil, local, local, has
	}
	reachable = append(reachable, cluster...)
	in := map[netip.AddrPort]bool{}
	for _, e := range cluster {
		in[e.Endpoint] = true
	}
	for _, e := range local {
		if !in[e.Endpoint] {
			reachable = append(reachable, e)
		}
	}
	return cluster, local, reachable, has
}

// renderNFTPort writes the chains, sets and elements of one Service port,
// following syncProxyRules step by step.
func (rs *NFTRuleset) renderNFTPort(s *Service, p ServicePort, rejectLocalhost bool) {
	cfg := rs.cfg
	v6 := cfg.IPv6
	ipX, addr := rs.ipX(), rs.addrType()
	proto := p.Protocol.String()
	name := s.PortName(p)
	base := NFTPortChainBase(s.Namespace, s.Name, proto, p.Name)
	clusterChain, localChain := NFTPrefixService+base, NFTPrefixLocal+base
	extChain, fwChain := NFTPrefixExternal+base, NFTPrefixFirewall+base
	masqRule := "mark set mark or " + rs.mark
	comment := name
	if len(comment) > 128 {
		comment = comment[:128] // knftables.CommentLengthMax
	}
	clusterIP := s.clusterIPFor(v6)

	// Endpoints of this family, deduplicated, sorted by "IP:port".
	ready, serving := map[netip.AddrPort]bool{}, map[netip.AddrPort]bool{}
	var eps []NFTEndpoint
	for _, e := range s.Endpoints {
		port, ok := e.Ports[p.Name]
		if !ok || !e.IP.IsValid() || e.IP.Is6() != v6 {
			continue
		}
		ap := netip.AddrPortFrom(e.IP.Unmap(), uint16(port))
		if _, dup := ready[ap]; dup {
			continue
		}
		ready[ap] = e.Ready
		serving[ap] = e.Serving && e.Terminating
		eb := NFTEndpointChainBase(s.Namespace, s.Name, proto, p.Name, ap.String())
		eps = append(eps, NFTEndpoint{Endpoint: ap, Local: e.Node != "" && e.Node == cfg.Node, Chain: NFTPrefixEndpoint + eb, Affinity: NFTPrefixAffinity + eb})
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].Endpoint.String() < eps[j].Endpoint.String() })

	var extIPs, lbIPs []netip.Addr
	for _, a := range s.ExternalIPs {
		if a.IsValid() && a.Is6() == v6 {
			extIPs = append(extIPs, a)
		}
	}
	if s.Type == LoadBalancer {
		for _, a := range s.LoadBalancerIPs {
			if a.IsValid() && a.Is6() == v6 {
				lbIPs = append(lbIPs, a)
			}
		}
	}
	var srcRanges []netip.Prefix
	for _, r := range s.LoadBalancerSourceRanges {
		if r.IsValid() && r.Addr().Is6() == v6 {
			srcRanges = append(srcRanges, r)
		}
	}
	nodePort := 0
	if s.Type == NodePort || s.Type == LoadBalancer {
		nodePort = p.NodePort
	}
	externallyAccessible := nodePort != 0 || len(lbIPs) > 0 || len(extIPs) > 0
	externalLocal := externallyAccessible && s.ExternalTrafficPolicy == PolicyLocal
	internalLocal := s.InternalTrafficPolicy == PolicyLocal
	usesCluster := !internalLocal || (externallyAccessible && !externalLocal)
	usesLocal := internalLocal || externalLocal
	clusterEps, localEps, reachable, hasEndpoints := nftCategorize(eps, ready, serving, usesCluster, usesLocal)
	affinity := s.SessionAffinity == AffinityClientIP

	np := NFTPort{Service: name, Protocol: proto, Endpoints: reachable}
	for _, e := range reachable {
		if affinity {
			rs.chain(e.Chain, "")
			rs.owner[e.Chain] = name
			rs.endpointOf[e.Chain] = e.Endpoint
		}
		if e.Local {
			a := e.Endpoint.Addr().String()
			rs.element(NFTHairpinConnections, a+" . "+a+" . "+proto+" . "+strconv.Itoa(int(e.Endpoint.Port())), "", "")
		}
	}
	usesClusterChain := len(clusterEps) > 0 && usesCluster
	if usesClusterChain {
		rs.chain(clusterChain, "")
		np.Cluster = clusterChain
	}
	usesLocalChain := len(localEps) > 0 && usesLocal
	if usesLocalChain {
		rs.chain(localChain, "")
		np.Local = localChain
	}
	internalChain, hasInternal := clusterChain, hasEndpoints
	if internalLocal {
		internalChain = localChain
		hasInternal = len(localEps) > 0
	}
	externalPolicyChain, hasExternal := clusterChain, hasEndpoints
	if externalLocal {
		externalPolicyChain = localChain
		hasExternal = len(localEps) > 0
	}
	usesExtChain := hasEndpoints && externallyAccessible
	if usesExtChain {
		rs.chain(extChain, "")
		np.External = extChain
	}
	var internalVerdict, externalVerdict string
	if !hasEndpoints {
		internalVerdict, externalVerdict = "goto "+NFTRejectChain, "goto "+NFTRejectChain
	} else {
		if !hasInternal {
			internalVerdict = "drop"
		}
		if !hasExternal {
			externalVerdict = "drop"
		}
	}
	for _, c := range []string{clusterChain, localChain, extChain, fwChain} {
		rs.owner[c] = name
	}

	rs.element(NFTClusterIPs, clusterIP.String(), "", "")
	if hasInternal {
		rs.element(NFTServiceIPs, key3(clusterIP, proto, p.Port), "goto "+internalChain, "")
	} else {
		rs.element(NFTNoEndpointServices, key3(clusterIP, proto, p.Port), internalVerdict, comment)
	}
	for _, a := range extIPs {
		if hasEndpoints {
			rs.element(NFTServiceIPs, key3(a, proto, p.Port), "goto "+extChain, "")
		}
		if !hasExternal {
			rs.element(NFTNoEndpointServices, key3(a, proto, p.Port), externalVerdict, comment)
		}
	}
	usesFW := len(lbIPs) > 0 && len(srcRanges) > 0
	if usesFW {
		rs.chain(fwChain, "")
		np.Firewall = fwChain
	}
	for _, a := range lbIPs {
		if hasEndpoints {
			rs.element(NFTServiceIPs, key3(a, proto, p.Port), "goto "+extChain, "")
		}
		if usesFW {
			rs.element(NFTFirewallIPs, key3(a, proto, p.Port), "goto "+fwChain, "")
		}
	}
	if !hasExternal {
		for _, a := range lbIPs {
			rs.element(NFTNoEndpointServices, key3(a, proto, p.Port), externalVerdict, comment)
		}
	}
	if nodePort != 0 {
		if rejectLocalhost {
			rs.element(NFTLocalhostRejectPorts, key2(proto, nodePort), "goto localhost-nodeport-reject-"+proto, "")
		}
		if hasEndpoints {
			rs.element(NFTServiceNodePorts, key2(proto, nodePort), "goto "+extChain, "")
		}
		if !hasExternal {
			rs.element(NFTNoEndpointNodePorts, key2(proto, nodePort), externalVerdict, comment)
		}
	}

	if usesExtChain {
		if !externalLocal {
			rs.rule(&nftRule{chain: extChain, text: masqRule, markOr: true, masqReason: MasqExternalCluster}, "masquerade")
		} else {
			if c := cfg.ClusterCIDR; c.IsValid() && c.Addr().Is6() == v6 {
				rs.rule(&nftRule{chain: extChain, text: ipX + " saddr " + c.Masked().String() + " goto " + clusterChain,
					saddr: []netip.Prefix{c.Masked()}, verdict: "goto", target: clusterChain}, "short-circuit pod traffic")
			}
			rs.rule(&nftRule{chain: extChain, text: "fib saddr type local " + masqRule, fibSaddrLocal: true, markOr: true, masqReason: MasqLocalExternal},
				"masquerade local traffic")
			rs.rule(&nftRule{chain: extChain, text: "fib saddr type local goto " + clusterChain, fibSaddrLocal: true, verdict: "goto", target: clusterChain},
				"short-circuit local traffic")
		}
		if hasExternal {
			rs.rule(&nftRule{chain: extChain, text: "goto " + externalPolicyChain, verdict: "goto", target: externalPolicyChain}, "")
		}
	}
	if usesFW {
		var sources []string
		allowFromNode := false
		nodeIP := nftFirstOfFamily(cfg.NodeIPs, v6)
		for _, r := range srcRanges {
			sources = append(sources, r.String())
			allowFromNode = allowFromNode || (nodeIP.IsValid() && r.Contains(nodeIP))
		}
		ranges := append([]netip.Prefix(nil), srcRanges...)
		if allowFromNode {
			for _, a := range lbIPs {
				sources = append(sources, a.String())
				ranges = append(ranges, netip.PrefixFrom(a, a.BitLen()))
			}
		}
		rs.rule(&nftRule{chain: fwChain, text: ipX + " saddr != { " + strings.Join(sources, " , ") + " } drop",
			saddr: ranges, saddrNeg: true, verdict: "drop"}, "")
	}
	if affinity {
		for _, e := range reachable {
			rs.set("set", e.Affinity, addr, "flags dynamic,timeout ; timeout "+strconv.Itoa(s.affinityTimeout())+"s ; ").timeout = s.affinityTimeout()
		}
	}
	write := func(chain string, eps []NFTEndpoint) {
		if !affinity {
			if len(eps) == 1 {
				ep := eps[0].Endpoint
				rs.rule(&nftRule{chain: chain, text: "meta l4proto " + proto + " dnat to " + ep.String(), l4proto: proto, verdict: "dnat", dnat: ep}, "")
				return
			}
			var el []string
			r := &nftRule{chain: chain, l4proto: proto, verdict: "numgen-dnat"}
			for i, e := range eps {
				el = append(el, strconv.Itoa(i)+" : "+e.Endpoint.Addr().String()+" . "+strconv.Itoa(int(e.Endpoint.Port())))
				r.eps = append(r.eps, e.Endpoint)
			}
			r.text = "meta l4proto " + proto + " dnat " + ipX + " addr . port to numgen random mod " + strconv.Itoa(len(eps)) + " map { " + strings.Join(el, " , ") + " }"
			rs.rule(r, "")
			return
		}
		var el []string
		r := &nftRule{chain: chain, verdict: "numgen-vmap"}
		for i, e := range eps {
			rs.rule(&nftRule{chain: chain, text: ipX + " saddr @" + e.Affinity + " goto " + e.Chain, saddrSet: e.Affinity, verdict: "goto", target: e.Chain}, "")
			el = append(el, strconv.Itoa(i)+" : goto "+e.Chain)
			r.numgen = append(r.numgen, e.Chain)
			r.eps = append(r.eps, e.Endpoint)
		}
		r.text = "numgen random mod " + strconv.Itoa(len(eps)) + " vmap { " + strings.Join(el, " , ") + " }"
		rs.rule(r, "")
	}
	if usesClusterChain {
		write(clusterChain, clusterEps)
	}
	if usesLocalChain {
		write(localChain, localEps)
	}
	if affinity {
		for _, e := range reachable {
			rs.rule(&nftRule{chain: e.Chain, text: "update @" + e.Affinity + " { " + ipX + " saddr }", update: e.Affinity}, "")
			rs.rule(&nftRule{chain: e.Chain, text: "meta l4proto " + proto + " dnat to " + e.Endpoint.String(), l4proto: proto, verdict: "dnat", dnat: e.Endpoint}, "")
		}
	}
	rs.Ports = append(rs.Ports, np)
}

// nftFirstOfFamily returns the first address of the family, or an invalid
// Addr.
func nftFirstOfFamily(addrs []netip.Addr, v6 bool) netip.Addr {
	for _, a := range addrs {
		if a = a.Unmap(); a.Is6() == v6 {
			return a
		}
	}
	return netip.Addr{}
}
