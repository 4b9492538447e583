package kubeproxy

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/packet"
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
	cid         chainID       // Chain's id in the part that rendered the rule
	masqReason  string        // why jumping to KUBE-MARK-MASQ
	note        packet.Reason // why a trace shows the rule matching, "" for none
}

// Probability returns the rule's statistic probability, or 0 when the rule
// has no statistic match.
func (r *Rule) Probability() float64 { return r.probability }

// Table is one iptables table: its chains in iptables-save order and the
// rules of each.
type Table struct {
	Name   string
	chains []string
	// declared is the set of chains, made when addChain first needs it
	// (Render builds chains already unique and leaves it nil).
	declared map[string]bool
	rules    map[string][]*Rule
	// lists holds the rules of chains[i] at i when Render built the table,
	// so that WriteTo walks them without a lookup per chain, and lines
	// their text as WriteTo writes it when it is one run in memory (""
	// when not); both nil once the table changes after that.
	lists [][]*Rule
	lines []string
}

func newTable(name string) *Table {
	return &Table{Name: name, rules: make(map[string][]*Rule)}
}

func (t *Table) addChain(c string) {
	if t.declared == nil {
		t.declared = make(map[string]bool, len(t.chains)+1)
		for _, c := range t.chains {
			t.declared[c] = true
		}
	}
	if t.declared[c] {
		return
	}
	t.declared[c] = true
	t.chains = append(t.chains, c)
	t.lists, t.lines = nil, nil
}

func (t *Table) add(r *Rule) {
	t.rules[r.Chain] = append(t.rules[r.Chain], r)
	t.lists, t.lines = nil, nil
}

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
	bw := bufio.NewWriterSize(w, bufSize(t.sizeHint()))
	n := t.write(bw)
	return n, bw.Flush()
}

// bufSize is the buffer WriteTo uses for about n bytes: no more than
// 256 KB, and no more than a small table needs.
func bufSize(n int) int { return min(max(n, 4<<10), 256<<10) }

// sizeHint estimates the bytes WriteTo writes: about 100 a rule.
func (t *Table) sizeHint() int {
	rules := 0
	if t.lists != nil {
		for _, l := range t.lists {
			rules += len(l)
		}
	} else {
		rules = t.NumRules()
	}
	return 100*rules + 40*len(t.chains)
}

// write writes the table to bw and returns the bytes written.
func (t *Table) write(bw *bufio.Writer) int64 {
	var n int64
	add := func(k int, _ error) { n += int64(k) }
	add(bw.WriteString("*" + t.Name + "\n"))
	for _, c := range t.chains {
		add(bw.WriteString(":"))
		add(bw.WriteString(c))
		add(bw.WriteString(" - [0:0]\n"))
	}
	lists, lines := t.lists, t.lines
	if len(lists) != len(t.chains) || len(lines) != len(t.chains) {
		lists, lines = nil, nil
	}
	for i, c := range t.chains {
		if lines != nil && lines[i] != "" {
			add(bw.WriteString(lines[i]))
			continue
		}
		var rules []*Rule
		if lists != nil {
			rules = lists[i]
		} else {
			rules = t.rules[c]
		}
		for _, r := range rules {
			add(bw.WriteString(r.Text))
			n++
			bw.WriteByte('\n')
		}
	}
	add(bw.WriteString("COMMIT\n"))
	return n
}

// String returns the table as WriteTo writes it.
func (t *Table) String() string {
	var b strings.Builder
	t.WriteTo(&b)
	return b.String()
}

// Ruleset is what kube-proxy loads with one iptables-restore call: the
// filter table and the nat table.
type Ruleset struct {
	Filter *Table
	NAT    *Table
	// Ports describes each proxied Service port and its chains, in output
	// order.
	Ports []PortChains
	// Notes are what Render decided that the rules do not show, such as
	// endpoints left out by topology hints (NoteTopology).
	Notes []Note
	cfg   *Config
	large bool
	npa   nodePortAddrs
	// saved is the dump ReadIPTablesSave read: nat and filter tables with
	// their built-in chains, walked as they are.
	saved *netfilter.Ruleset
	// slabRules is how many Rules Render allocated (see sizeSlab).
	slabRules int
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
	bw := bufio.NewWriterSize(w, bufSize(rs.Filter.sizeHint()+rs.NAT.sizeHint()))
	n := rs.Filter.write(bw)
	n += rs.NAT.write(bw)
	return n, bw.Flush()
}

// endpoint is an endpoint resolved for one Service port.
type endpoint struct {
	src         *Endpoint
	str         string // "IP:port"
	chain       string
	cid         chainID // chain's id in the nat table of the part rendering it
	local       bool
	ready       bool
	serving     bool
	terminating bool
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

// parallelEndpoints is the number of endpoints from which Render spreads
// the Service ports over GOMAXPROCS goroutines; below it one goroutine is
// faster than starting others.
const parallelEndpoints = 4096

// Render computes the rules kube-proxy's iptables mode writes for cfg on
// cfg.Node. Services are processed in "namespace/name" order and ports in
// spec order, so the output is deterministic (kube-proxy itself walks a Go
// map; its tests sort the result the same way). Render does not validate
// cfg beyond skipping what kube-proxy skips (headless Services, addresses
// of the other IP family); use Parse for checked input.
//
// Service ports are independent of one another: a large config is split
// into runs of consecutive ports rendered by parallel goroutines (see
// part), whose chains are then merged in order, so the result is the same
// as rendering them one after the other.
func Render(cfg *Config) *Ruleset {
	return render(cfg, min(runtime.GOMAXPROCS(0), 8), parallelEndpoints)
}

// render is Render with the ports split over n goroutines when they have
// at least minEndpoints endpoints.
func render(cfg *Config, n, minEndpoints int) *Ruleset {
	rs := &Ruleset{Filter: &Table{Name: "filter"}, NAT: &Table{Name: "nat"}, cfg: cfg}
	rs.npa = cfg.nodePortAddresses()
	head := newPart(rs, nil)
	head.header()

	ports := head.servicePorts()
	parts := splitPorts(rs, ports, n, minEndpoints)
	run(parts, (*part).resolveEndpoints)
	total := 0
	for _, p := range parts {
		total += p.endpoints
	}
	rs.large = total > LargeClusterEndpoints
	run(parts, func(p *part) {
		p.renderPorts()
		p.sortChains()
	})

	tail := newPart(rs, nil)
	tail.trailer()
	head.sortChains()
	tail.sortChains()
	all := append(append([]*part{head}, parts...), tail)

	nPorts := 0
	for _, p := range all {
		nPorts += len(p.out)
		rs.Notes = append(rs.Notes, p.notes...)
		rs.slabRules += p.slabRules
	}
	if nPorts > 0 {
		rs.Ports = make([]PortChains, 0, nPorts)
		for _, p := range all {
			rs.Ports = append(rs.Ports, p.out...)
		}
	}
	filters := make([]*partTable, len(all))
	nats := make([]*partTable, len(all))
	for i, p := range all {
		filters[i], nats[i] = &p.filter, &p.nat
	}
	rs.Filter.merge(filters)
	rs.NAT.merge(nats)
	return rs
}

// run calls f on every part, in parallel when there is more than one.
func run(parts []*part, f func(*part)) {
	if len(parts) == 1 {
		f(parts[0])
		return
	}
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Go(func() { f(p) })
	}
	wg.Wait()
}

// header writes the rules that come before any Service's: KUBE-POSTROUTING,
// KUBE-MARK-MASQ and KUBE-FIREWALL, and declares the fixed chains.
func (p *part) header() {
	cfg := p.cfg
	for _, c := range []chainID{filterServices, filterExternalServices, filterForward, filterNodePorts, filterProxyFirewall} {
		p.filter.addChain(c)
	}
	for _, c := range []chainID{natServices, natNodePorts, natPostrouting, natMarkMasq} {
		p.nat.addChain(c)
	}
	mark := p.rs.mark()
	p.nat.rule(natPostrouting).raw("-m", "mark", "!", "--mark", mark+"/"+mark).jump("RETURN")
	p.nat.rule(natPostrouting).jump("MARK", "--xor-mark", mark)
	var rf []string
	if cfg.RandomFully || cfg.minor() >= 37 {
		rf = []string{"--random-fully"}
	}
	p.nat.rule(natPostrouting).comment("kubernetes service traffic requiring SNAT").jump("MASQUERADE", rf...)
	p.nat.rule(natMarkMasq).jump("MARK", "--or-mark", mark)

	if !cfg.IPv6 && p.rs.localhostNodePorts() {
		p.filter.addChain(filterFirewall)
		p.filter.rule(filterFirewall).comment("block incoming localnet connections").
			dst("127.0.0.0/8", false).src("127.0.0.0/8", true).
			raw("-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT").jump("DROP")
	}
}

// trailer writes the rules that come after every Service's: the nodeports
// jump, which must be the last rule of KUBE-SERVICES, and KUBE-FORWARD.
func (p *part) trailer() {
	cfg, npa := p.cfg, p.rs.npa
	localhostNP := p.rs.localhostNodePorts()
	const lastComment = "kubernetes service nodeports; NOTE: this must be the last rule in this chain"
	if npa.matchAll {
		last := p.nat.rule(natServices).comment(lastComment).dstTypeLocal()
		switch {
		case cfg.IPv6:
			last.dst("::1/128", true)
		case !localhostNP:
			last.dst("127.0.0.0/8", true)
		}
		last.jump(ChainNodePorts)
	} else {
		for _, a := range npa.ips {
			if a.IsLoopback() && (cfg.IPv6 || !localhostNP) {
				continue // kube-proxy logs an error and skips it
			}
			p.nat.rule(natServices).comment(lastComment).dstIP(a, false).jump(ChainNodePorts)
		}
	}

	mark := p.rs.mark()
	if !cfg.ConntrackTCPBeLiberal {
		inv := p.filter.rule(filterForward).raw("-m", "conntrack", "--ctstate", "INVALID")
		if cfg.NFAcctInvalid {
			inv.raw("-m", "nfacct", "--nfacct-name", NFAcctInvalidCounter)
		}
		inv.jump("DROP")
	}
	p.filter.rule(filterForward).comment("kubernetes forwarding rules").raw("-m", "mark", "--mark", mark+"/"+mark).jump("ACCEPT")
	p.filter.rule(filterForward).comment("kubernetes forwarding conntrack rule").raw("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED").jump("ACCEPT")
}

// mark is the masquerade mark, "0x4000" by default.
func (rs *Ruleset) mark() string {
	bit := rs.cfg.MasqueradeBit
	if bit <= 0 || bit > 31 {
		bit = DefaultMasqueradeBit
	}
	return fmt.Sprintf("%#x", uint32(1)<<bit)
}

// localhostNodePorts reports whether NodePorts answer on 127.0.0.0/8.
func (rs *Ruleset) localhostNodePorts() bool {
	return rs.cfg.LocalhostNodePorts && rs.npa.v4Loopback
}

// svcPort is one Service port to render.
type svcPort struct {
	svc  *Service
	port ServicePort
	name string // "namespace/name:port"
	eps  []endpoint
}

// servicePorts lists the ports of the Services that get rules, Services
// in "namespace/name" order and ports in spec order.
func (p *part) servicePorts() []svcPort {
	cfg := p.cfg
	type named struct {
		name string
		svc  *Service
	}
	svcs := make([]named, 0, len(cfg.Services))
	n := 0
	for i := range cfg.Services {
		s := &cfg.Services[i]
		if !s.clusterIPFor(cfg.IPv6).IsValid() {
			continue
		}
		svcs = append(svcs, named{p.text.join(s.Namespace, "/", s.Name), s})
		n += len(s.Ports)
	}
	slices.SortStableFunc(svcs, func(a, b named) int { return strings.Compare(a.name, b.name) })
	ports := make([]svcPort, 0, n)
	for _, s := range svcs {
		for _, sp := range s.svc.Ports {
			name := s.name
			if sp.Name != "" {
				name = p.text.join(s.name, ":", sp.Name)
			}
			ports = append(ports, svcPort{svc: s.svc, port: sp, name: name})
		}
	}
	return ports
}

// splitPorts divides ports into n runs of about the same number of
// endpoints, one per goroutine, or one run when there are fewer than
// minEndpoints.
func splitPorts(rs *Ruleset, ports []svcPort, n, minEndpoints int) []*part {
	weight := func(sp *svcPort) int { return 4 + len(sp.svc.Endpoints) }
	total := 0
	for i := range ports {
		total += weight(&ports[i])
	}
	if total < minEndpoints || n < 2 {
		n = 1
	}
	parts := make([]*part, 0, n)
	lo, acc := 0, 0
	for i := range ports {
		acc += weight(&ports[i])
		if len(parts) < n-1 && acc*n >= total*(len(parts)+1) {
			parts = append(parts, newPart(rs, ports[lo:i+1]))
			lo = i + 1
		}
	}
	return append(parts, newPart(rs, ports[lo:]))
}

// resolveEndpoints lists the endpoints of each of the part's ports,
// sorted as kube-proxy's byEndpoint sort, each once, with its KUBE-SEP-
// chain.
func (p *part) resolveEndpoints() {
	cfg := p.cfg
	for i := range p.ports {
		sp := &p.ports[i]
		s := sp.svc
		proto := sp.port.Protocol.String()
		eps := make([]endpoint, 0, len(s.Endpoints))
		for j := range s.Endpoints {
			e := &s.Endpoints[j]
			port, ok := e.Ports[sp.port.Name]
			if !ok || !e.IP.IsValid() || e.IP.Is6() != cfg.IPv6 {
				continue
			}
			eps = append(eps, endpoint{
				src: e, str: p.hostPort(e.IP, port),
				local: e.Node != "" && e.Node == cfg.Node,
				ready: e.Ready, serving: e.Serving, terminating: e.Terminating,
			})
		}
		// The first of equal "IP:port"s is kept, as the seen-set did.
		slices.SortStableFunc(eps, func(a, b endpoint) int { return strings.Compare(a.str, b.str) })
		eps = slices.CompactFunc(eps, func(a, b endpoint) bool { return a.str == b.str })
		for j := range eps {
			e := &eps[j]
			e.chain = p.chainName(PrefixEndpoint, sp.name, proto, e.str)
			e.cid = p.nat.chain(e.chain)
		}
		sp.eps = eps
		p.endpoints += len(eps)
	}
}

// renderPorts writes the rules of the part's ports.
func (p *part) renderPorts() {
	p.out = make([]PortChains, 0, len(p.ports))
	for i := range p.ports {
		p.out = append(p.out, p.renderPort(&p.ports[i]))
	}
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
