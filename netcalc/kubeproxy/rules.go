package kubeproxy

import (
	"bufio"

	"fmt"
	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/packet"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Fixed chain names.
const (
	ChainServices         = "KUBE-SERVICES"
	ChainNodePorts        = "KUBE-NODEPORTS"
	ChainPostrouting      = "KUBE-POSTROUTING"
	ChainMarkMasq         = "KUBE-MARK-MASQ"
	ChainExternalServices = "KUBE-EXTERNAL-SERVICES"
	ChainForward          = "KUBE-FORWARD"
	ChainProxyFirewall    = "KUBE-PROXY-FIREWALL"
	ChainFirewall         = "KUBE-FIREWALL"
)

// LargeClusterEndpoints is kube-proxy's largeClusterEndpointsThreshold:
// above this many endpoints in total, per-endpoint rules lose their
// comments to keep iptables-restore fast.
const LargeClusterEndpoints = 1000

// Rule is one iptables rule as kube-proxy writes it, with the matches
// parsed out so that a packet can be walked through it.
type Rule struct {
	Chain string `json:"chain"`
	// Text is the rule as written to iptables-restore, starting "-A".
	Text string `json:"rule"`
	// Target is the -j target: a chain, DNAT, REJECT, DROP, ACCEPT, MARK,
	// RETURN, MASQUERADE, or "" for a comment-only rule.
	Target string `json:"target,omitempty"`

	comment     string
	probability float64 // 0: no statistic match
	recentCheck bool
	masqReason  string        // why jumping to KUBE-MARK-MASQ
	note        packet.Reason // why a trace shows the rule matching, "" for none
}

// Probability returns the rule's statistic probability, or 0 when the rule
// has no statistic match.
func (r *Rule) Probability() float64 { return r.probability }

// Table is one iptables table: its chains in iptables-save order and the
// rules of each.
type Table struct {
	Name     string
	chains   []string
	declared map[string]bool
	rules    map[string][]*Rule
}

func newTable(name string) *Table {
	return &Table{Name: name, rules: make(map[string][]*Rule), declared: make(map[string]bool)}
}

func (t *Table) addChain(c string) {
	if t.declared[c] {
		return
	}
	t.declared[c] = true
	t.chains = append(t.chains, c)
}

func (t *Table) add(r *Rule) { t.rules[r.Chain] = append(t.rules[r.Chain], r) }

// Chains returns the table's chains in output order: KUBE-NODEPORTS,
// KUBE-SERVICES, then the others alphabetically (the order of kube-proxy's
// own test fixtures, which sort kube-proxy's map-ordered output this way).
func (t *Table) Chains() []string { return t.chains }

// Rules returns the rules of chain c in order.
func (t *Table) Rules(c string) []*Rule { return t.rules[c] }

// NumRules returns the number of rules in the table.
func (t *Table) NumRules() int {
	n := 0
	for _, rs := range t.rules {
		n += len(rs)
	}
	return n
}

// WriteTo writes the table in iptables-save / iptables-restore format:
// "*name", one ":CHAIN - [0:0]" line per chain, the rules chain by chain,
// "COMMIT".
func (t *Table) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	var n int64
	add := func(k int, _ error) { n += int64(k) }
	add(bw.WriteString("*" + t.Name + "\n"))
	for _, c := range t.chains {
		add(bw.WriteString(":" + c + " - [0:0]\n"))
	}
	for _, c := range t.chains {
		for _, r := range t.rules[c] {
			add(bw.WriteString(r.Text))
			add(bw.WriteString("\n"))
		}
	}
	add(bw.WriteString("COMMIT\n"))
	return n, bw.Flush()
}

// String returns the table as WriteTo writes it.
func (t *Table) String() string {
	var b strings.Builder
	t.WriteTo(&b)
	return b.String()
}

func (t *Table) sortChains() {
	rank := func(c string) int {
		switch {
		case c == ChainNodePorts:
			return 0
		case c == ChainServices:
			return 1
		case strings.HasPrefix(c, "KUBE-"):
			return 2
		}
		return 3
	}
	sort.Slice(t.chains, func(i, j int) bool {
		a, b := t.chains[i], t.chains[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		return a < b
	})
}

// Ruleset is what kube-proxy loads with one iptables-restore call: the
// filter table and the nat table.
type Ruleset struct {
	Filter *Table
	NAT    *Table
	// Ports describes each proxied Service port and its chains, in output
	// order.
	Ports []PortChains
	// Notes are what Render decided that the rules do not show, one
	// sentence each, such as endpoints left out by topology hints.
	Notes []string
	cfg   *Config
	large bool
	npa   nodePortAddrs
	// saved is the dump ReadIPTablesSave read: nat and filter tables with
	// their built-in chains, walked as they are.
	saved *netfilter.Ruleset
	b     ruleBuilder
	slab  []Rule
	// slabNext is how many more Rules Render expects to need (sizeSlab):
	// a small config gets a small slab, not 4,096 Rules (450 KB).
	slabNext int
}

// maxSlab is the most Rules allocated at once.
const maxSlab = 4096

// sizeSlab estimates the rules Render writes for cfg (about three per
// endpoint and four per Service port, plus the fixed ones), so that the
// first slab is no bigger than the config needs.
func (rs *Ruleset) sizeSlab(cfg *Config) {
	n, chains := 32, 16
	for i := range cfg.Services {
		s := &cfg.Services[i]
		n += len(s.Ports) * (6 + 3*len(s.Endpoints))
		chains += len(s.Ports) * (2 + len(s.Endpoints))
	}
	rs.slabNext = n
	// The nat table holds a chain per Service port and per endpoint: its
	// maps are made that size at once instead of growing through rehashes.
	rs.NAT.rules = make(map[string][]*Rule, chains)
	rs.NAT.declared = make(map[string]bool, chains)
	rs.NAT.chains = make([]string, 0, chains)
}

// PortChains names the chains of one Service port.
type PortChains struct {
	Service  string `json:"service"` // "namespace/name:port"
	Protocol string `json:"protocol"`
	// Cluster, Local, External and Firewall are the KUBE-SVC-, KUBE-SVL-,
	// KUBE-EXT- and KUBE-FW- chains; "" when kube-proxy does not create
	// the chain.
	Cluster   string         `json:"cluster,omitempty"`
	Local     string         `json:"local,omitempty"`
	External  string         `json:"external,omitempty"`
	Firewall  string         `json:"firewall,omitempty"`
	Endpoints []PortEndpoint `json:"endpoints"`
	// NoEndpoints is the filter verdict for traffic kube-proxy cannot
	// serve: "REJECT" (no endpoints at all), "DROP" (Local policy with
	// none on this node) or "".
	NoEndpoints string `json:"no_endpoints,omitempty"`
}

// PortEndpoint is one endpoint as it appears in the rules.
type PortEndpoint struct {
	Endpoint string `json:"endpoint"` // "IP:port"
	Chain    string `json:"chain"`
	Local    bool   `json:"local"`
}

// WriteTo writes the filter table then the nat table, as kube-proxy passes
// them to iptables-restore.
func (rs *Ruleset) WriteTo(w io.Writer) (int64, error) {
	n1, err := rs.Filter.WriteTo(w)
	if err != nil {
		return n1, err
	}
	n2, err := rs.NAT.WriteTo(w)
	return n1 + n2, err
}

// endpoint is an endpoint resolved for one Service port.
type endpoint struct {
	ip          netip.Addr
	port        int
	str         string // "IP:port"
	chain       string
	local       bool
	ready       bool
	serving     bool
	terminating bool
	zoneHints   []string
	nodeHints   []string
}

// ruleBuilder accumulates the rule text exactly as kube-proxy writes its
// arguments, and the parsed match. Its buffer is reused from rule to rule.
type ruleBuilder struct {
	r   *Rule
	buf []byte
}

// newRule starts a rule. Rules are built one at a time, so the builder and
// its buffer are reused, and Rules come from a slab: rendering 100,000
// endpoints allocates little more than each rule's text.
func (rs *Ruleset) newRule(chain string) *ruleBuilder {
	if len(rs.slab) == 0 {
		n := rs.slabNext
		if n <= 0 || n > maxSlab {
			n = maxSlab
		}
		rs.slab = make([]Rule, n)
		rs.slabNext = rs.slabNext - n
	}
	r := &rs.slab[0]
	rs.slab = rs.slab[1:]
	r.Chain = chain
	rs.b.r = r
	rs.b.buf = append(append(rs.b.buf[:0], "-A "...), chain...)
	return &rs.b
}

func (b *ruleBuilder) raw(args ...string) *ruleBuilder {
	for _, a := range args {
		b.buf = append(append(b.buf, ' '), a...)
	}
	return b
}

func (b *ruleBuilder) comment(c string) *ruleBuilder {
	b.r.comment = c
	b.buf = append(b.buf, " -m comment --comment "...)
	if strings.ContainsAny(c, " \t") {
		b.buf = append(append(append(b.buf, '"'), c...), '"')
	} else {
		b.buf = append(b.buf, c...)
	}
	return b
}

func (b *ruleBuilder) proto(p string) *ruleBuilder {
	return b.raw("-m", p, "-p", p)
}

func (b *ruleBuilder) dst(text string, neg bool) *ruleBuilder {
	if neg {
		b.buf = append(b.buf, " !"...)
	}
	return b.raw("-d", text)
}

func (b *ruleBuilder) src(text string, neg bool) *ruleBuilder {
	if neg {
		b.buf = append(b.buf, " !"...)
	}
	return b.raw("-s", text)
}

func (b *ruleBuilder) dport(n int) *ruleBuilder {
	b.buf = strconv.AppendInt(append(b.buf, " --dport "...), int64(n), 10)
	return b
}

func (b *ruleBuilder) dstTypeLocal() *ruleBuilder {
	return b.raw("-m", "addrtype", "--dst-type", "LOCAL")
}

func (b *ruleBuilder) srcTypeLocal() *ruleBuilder {
	return b.raw("-m", "addrtype", "--src-type", "LOCAL")
}

func (b *ruleBuilder) jump(target string, extra ...string) *Rule {
	b.r.Target = target
	return b.raw("-j", target).raw(extra...).done()
}

func (b *ruleBuilder) done() *Rule {
	b.r.Text = string(b.buf)
	return b.r
}

// probability strings, %0.10f as kube-proxy's computeProbability.
type probCache []string

func (pc *probCache) get(n int) string {
	for len(*pc) <= n {
		k := len(*pc)
		s := "<bad value>"
		if k > 0 {
			s = fmt.Sprintf("%0.10f", 1.0/float64(k))
		}
		*pc = append(*pc, s)
	}
	return (*pc)[n]
}

// Render computes the rules kube-proxy's iptables mode writes for cfg on
// cfg.Node. Services are processed in "namespace/name" order and ports in
// spec order, so the output is deterministic (kube-proxy itself walks a Go
// map; its tests sort the result the same way). Render does not validate
// cfg beyond skipping what kube-proxy skips (headless Services, addresses
// of the other IP family); use Parse for checked input.
func Render(cfg *Config) *Ruleset {
	rs := &Ruleset{Filter: newTable("filter"), NAT: newTable("nat"), cfg: cfg}
	rs.sizeSlab(cfg)
	filter, nat := rs.Filter, rs.NAT
	for _, c := range []string{ChainServices, ChainExternalServices, ChainForward, ChainNodePorts, ChainProxyFirewall} {
		filter.addChain(c)
	}
	for _, c := range []string{ChainServices, ChainNodePorts, ChainPostrouting, ChainMarkMasq} {
		nat.addChain(c)
	}
	bit := cfg.MasqueradeBit
	if bit <= 0 || bit > 31 {
		bit = DefaultMasqueradeBit
	}
	mark := fmt.Sprintf("%#x", uint32(1)<<bit)
	nat.add(rs.newRule(ChainPostrouting).raw("-m", "mark", "!", "--mark", mark+"/"+mark).jump("RETURN"))
	nat.add(rs.newRule(ChainPostrouting).jump("MARK", "--xor-mark", mark))
	var rf []string
	if cfg.RandomFully || cfg.minor() >= 37 {
		rf = []string{"--random-fully"}
	}
	nat.add(rs.newRule(ChainPostrouting).comment("kubernetes service traffic requiring SNAT").jump("MASQUERADE", rf...))
	nat.add(rs.newRule(ChainMarkMasq).jump("MARK", "--or-mark", mark))

	npa := cfg.nodePortAddresses()
	rs.npa = npa
	localhostNP := cfg.LocalhostNodePorts && npa.v4Loopback
	if !cfg.IPv6 && localhostNP {
		filter.addChain(ChainFirewall)
		filter.add(rs.newRule(ChainFirewall).comment("block incoming localnet connections").
			dst("127.0.0.0/8", false).src("127.0.0.0/8", true).
			raw("-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT").jump("DROP"))
	}

	svcs := make([]*Service, 0, len(cfg.Services))
	for i := range cfg.Services {
		s := &cfg.Services[i]
		if !s.clusterIPFor(cfg.IPv6).IsValid() {
			continue
		}
		svcs = append(svcs, s)
	}
	sort.SliceStable(svcs, func(i, j int) bool { return svcs[i].NamespacedName() < svcs[j].NamespacedName() })

	// Endpoints per Service port, sorted as kube-proxy's byEndpoint sort.
	type svcPort struct {
		svc  *Service
		port ServicePort
		name string
		eps  []endpoint
	}
	var ports []svcPort
	total := 0
	for _, s := range svcs {
		for _, p := range s.Ports {
			name := s.PortName(p)
			proto := p.Protocol.String()
			seen := make(map[string]bool, len(s.Endpoints))
			eps := make([]endpoint, 0, len(s.Endpoints))
			for _, e := range s.Endpoints {
				port, ok := e.Ports[p.Name]
				if !ok || !e.IP.IsValid() || e.IP.Is6() != cfg.IPv6 {
					continue
				}
				str := joinHostPort(e.IP, port)
				if seen[str] {
					continue
				}
				seen[str] = true
				eps = append(eps, endpoint{
					ip: e.IP, port: port, str: str,
					chain: EndpointChain(name, proto, str),
					local: e.Node != "" && e.Node == cfg.Node,
					ready: e.Ready, serving: e.Serving, terminating: e.Terminating,
					zoneHints: e.ZoneHints, nodeHints: e.NodeHints,
				})
			}
			sort.Slice(eps, func(i, j int) bool { return eps[i].str < eps[j].str })
			total += len(eps)
			ports = append(ports, svcPort{s, p, name, eps})
		}
	}
	rs.large = total > LargeClusterEndpoints
	var probs probCache

	for _, sp := range ports {
		rs.Ports = append(rs.Ports, rs.renderPort(sp.svc, sp.port, sp.name, sp.eps, &probs))
	}

	// The nodeports jump must be the last rule of KUBE-SERVICES.
	const lastComment = "kubernetes service nodeports; NOTE: this must be the last rule in this chain"
	if npa.matchAll {
		last := rs.newRule(ChainServices).comment(lastComment).dstTypeLocal()
		switch {
		case cfg.IPv6:
			last.dst("::1/128", true)
		case !localhostNP:
			last.dst("127.0.0.0/8", true)
		}
		nat.add(last.jump(ChainNodePorts))
	} else {
		for _, a := range npa.ips {
			if a.IsLoopback() && (cfg.IPv6 || !localhostNP) {
				continue // kube-proxy logs an error and skips it
			}
			nat.add(rs.newRule(ChainServices).comment(lastComment).dst(a.String(), false).jump(ChainNodePorts))
		}
	}

	if !cfg.ConntrackTCPBeLiberal {
		inv := rs.newRule(ChainForward).raw("-m", "conntrack", "--ctstate", "INVALID")
		if cfg.NFAcctInvalid {
			inv.raw("-m", "nfacct", "--nfacct-name", NFAcctInvalidCounter)
		}
		filter.add(inv.jump("DROP"))
	}
	filter.add(rs.newRule(ChainForward).comment("kubernetes forwarding rules").raw("-m", "mark", "--mark", mark+"/"+mark).jump("ACCEPT"))
	filter.add(rs.newRule(ChainForward).comment("kubernetes forwarding conntrack rule").raw("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED").jump("ACCEPT"))

	filter.sortChains()
	nat.sortChains()
	return rs
}

// nodePortAddrs is kube-proxy's NodePortAddresses for the run's family.
type nodePortAddrs struct {
	matchAll   bool         // no CIDR, or a zero CIDR: every local address
	v4Loopback bool         // a CIDR contains 127.0.0.0
	ips        []netip.Addr // the node's addresses inside the CIDRs, sorted
}

// nodePortAddresses applies --nodeport-addresses to the node's addresses:
// loopback (127.0.0.1 or ::1) and the node IPs of the run's family.
// "primary" stands for the node IPs (kube-proxy's primary node IPs).
func (c *Config) nodePortAddresses() nodePortAddrs {
	var cidrs []netip.Prefix
	for _, s := range c.NodePortAddresses {
		if s == "primary" {
			for _, a := range c.NodeIPs {
				cidrs = append(cidrs, netip.PrefixFrom(a, a.BitLen()))
			}
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			cidrs = append(cidrs, p.Masked())
		}
	}
	var own []netip.Prefix
	for _, p := range cidrs {
		if p.Addr().Is6() == c.IPv6 {
			own = append(own, p)
		}
	}
	if len(own) == 0 {
		return nodePortAddrs{matchAll: true, v4Loopback: !c.IPv6}
	}
	var npa nodePortAddrs
	loop4 := netip.MustParseAddr("127.0.0.0")
	for _, p := range own {
		if p.Addr().Is4() && (p.Addr().IsLoopback() || p.Contains(loop4)) {
			npa.v4Loopback = true
		}
		if p.Bits() == 0 {
			return nodePortAddrs{matchAll: true, v4Loopback: npa.v4Loopback || p.Addr().Is4()}
		}
	}
	local := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	if c.IPv6 {
		local = []netip.Addr{netip.IPv6Loopback()}
	}
	for _, a := range c.NodeIPs {
		if a.Is6() == c.IPv6 {
			local = append(local, a)
		}
	}
	seen := map[netip.Addr]bool{}
	for _, p := range own {
		for _, a := range local {
			if p.Contains(a) && !seen[a] {
				seen[a] = true
				npa.ips = append(npa.ips, a)
			}
		}
	}
	sort.Slice(npa.ips, func(i, j int) bool { return npa.ips[i].Less(npa.ips[j]) })
	return npa
}
