package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
	"github.com/netcalc/netcalc/netcalc/netfilter"
)

func init() { register(func(env *Env) *cobra.Command { return newKubeProxyCmd(env) }) }

// kubeProxyScenario holds the input file and the flags that override the
// node settings in it (needed for plain Kubernetes manifests).
type kubeProxyScenario struct {
	File          string
	Node          string
	NodeIPs       []string
	ClusterCIDR   string
	BridgeIP      string
	IPv6          bool
	MasqueradeAll bool
	LocalhostNP   bool
	RandomFully   bool
	Mode          string
	KubeVersion   string
	NodePortAddrs []string
	TCPBeLiberal  bool
	NFAcct        []string
	Zone          string
	NFT           kubeProxyNFTFlags // --mode nftables only: --service-cidr, --nftables-localhost-nodeports
	changed       func(string) bool
}

type kubeProxyRulesOptions struct {
	kubeProxyScenario
	Table string
}

type kubeProxyTraceOptions struct {
	kubeProxyScenario
	IPTablesSave string
	NFT          string // --nft: a node's nft list ruleset
	Src, Dst     string
	Proto        string
	Connections  int
	Seed         uint64
}

func newKubeProxyCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kube-proxy",
		Short: "Simulate kube-proxy (iptables and nftables modes): the rules a node holds and a packet's walk through them",
		Long: `Simulate kube-proxy (iptables mode) on one node, offline.

The input FILE is YAML: netcalc's own scenario format (node, nodeIPs,
clusterCIDR, flags and services with their endpoints), or plain Kubernetes
Service and EndpointSlice manifests (several documents separated by ---),
or both. With manifests, give the node with --node, --node-ip and
--cluster-cidr. "-" reads standard input.

As in kube-proxy, localhost NodePorts are on (--localhost-nodeports=false
turns them off). A NodePort or LoadBalancer Service port without nodePort
gets one from 30000-32767, deterministically: 30000 + FNV-1a-32 of
"namespace/name:portname/protocol" mod 2768, or the next free port; a note on
standard error says which ("nodePort: 0" means none). One IP family per run
(--ipv6 for IPv6): Services and endpoints of the other family are skipped
with one note, and a --src or --dst of the other family is bad input.

Addresses with leading zeros in the file ("172.30.0.041", stored by API
servers before 1.22) are read as kube-proxy reads them, as decimal numbers,
and written in canonical form, with a note on standard error.

Node settings (flags override the file's keys):
  --kube-version X.Y         kubeVersion: the release simulated (default the
                             newest). 1.37 always writes MASQUERADE
                             --random-fully (earlier releases only with
                             --random-fully); 1.30+ skip load-balancer IPs
                             with ipMode Proxy; 1.34+ honour node hints.
  --nodeport-addresses LIST  nodePortAddresses: CIDRs or "primary"; NodePorts
                             answer only on the node addresses inside them
                             (one "-d ADDR -j KUBE-NODEPORTS" rule each);
                             localhost NodePorts need a CIDR holding 127.0.0.1.
  --conntrack-tcp-be-liberal conntrackTCPBeLiberal: no INVALID drop rule.
  --nfacct COUNTERS          nfacct: the nfacct counters the kernel has
                             (kube-proxy creates them when it can), each
                             independent: ct_state_invalid_dropped_pkts counts
                             the INVALID drops in KUBE-FORWARD (metric
                             kubeproxy_iptables_ct_state_invalid_dropped_packets_total),
                             localhost_nps_accepted_pkts counts NodePort
                             connections to 127.0.0.0/8 (metric
                             kubeproxy_iptables_localhost_nodeports_accepted_packets_total).
                             all, none, or a list; in the file true, false
                             or a list. Default none.
  --zone ZONE                zone: the node's topology.kubernetes.io/zone.
                             Endpoints hinted for zones (EndpointSlice
                             hints.forZones; in netcalc's format zoneHints, or
                             set from each endpoint's zone by
                             trafficDistribution: PreferClose) are filtered as
                             kube-proxy does: when every ready endpoint has a
                             hint and one is for this zone, only those serve
                             cluster traffic.`,
	}
	cmd.AddCommand(newKubeProxyRulesCmd(env), newKubeProxyTraceCmd(env), newKubeProxyChainNameCmd(env))
	return cmd
}

func addScenarioFlags(cmd *cobra.Command, sc *kubeProxyScenario) {
	f := cmd.Flags()
	f.StringVar(&sc.Node, "node", "", "`NAME` of the simulated node (overrides the file)")
	f.StringSliceVar(&sc.NodeIPs, "node-ip", nil, "node `ADDR`, repeatable (overrides the file)")
	f.StringVar(&sc.ClusterCIDR, "cluster-cidr", "", "pod network `CIDR`, kube-proxy --cluster-cidr (overrides the file)")
	f.StringVar(&sc.BridgeIP, "bridge-ip", "", "`ADDR` of the node's pod bridge, the MASQUERADE source towards local pods")
	f.BoolVar(&sc.IPv6, "ipv6", false, "render the ip6tables rules (IPv6 Services only)")
	f.BoolVar(&sc.MasqueradeAll, "masquerade-all", false, "kube-proxy --masquerade-all")
	f.BoolVar(&sc.LocalhostNP, "localhost-nodeports", true, "kube-proxy --iptables-localhost-nodeports: NodePorts also answer on 127.0.0.0/8 (IPv4); --localhost-nodeports=false turns it off")
	f.BoolVar(&sc.RandomFully, "random-fully", false, "iptables supports MASQUERADE --random-fully (kube-proxy before 1.37; 1.37 always writes it)")
	f.StringVar(&sc.Mode, "mode", "iptables", "kube-proxy `MODE`: iptables or nftables")
	addKubeProxyNFTFlags(cmd, &sc.NFT, false) // --nodeport-addresses is the one below, for both modes
	f.StringVar(&sc.KubeVersion, "kube-version", "", fmt.Sprintf("kube-proxy release `X.Y` to simulate, 1.%d-1.%d (default the newest, 1.%d)", kubeproxy.MinKubeMinor, kubeproxy.LatestKubeMinor, kubeproxy.LatestKubeMinor))
	f.StringSliceVar(&sc.NodePortAddrs, "nodeport-addresses", nil, "kube-proxy --nodeport-addresses: `CIDR`s or primary whose node addresses accept NodePorts, repeatable (default every local address)")
	f.BoolVar(&sc.TCPBeLiberal, "conntrack-tcp-be-liberal", false, "nf_conntrack_tcp_be_liberal is on (kube-proxy --conntrack-tcp-be-liberal): no INVALID drop rule")
	f.StringSliceVar(&sc.NFAcct, "nfacct", nil, "nfacct `COUNTER`s that exist: ct_state_invalid_dropped_pkts, localhost_nps_accepted_pkts, all or none (comma-separated)")
	f.StringVar(&sc.Zone, "zone", "", "the node's topology.kubernetes.io/zone `ZONE`, for endpoint zone hints")
	sc.changed = func(name string) bool { return cmd.Flags().Changed(name) }
}

func newKubeProxyRulesCmd(env *Env) *cobra.Command {
	opts := &kubeProxyRulesOptions{}
	cmd := &cobra.Command{
		Use:   "rules FILE",
		Short: "Print the iptables rules kube-proxy writes for these Services",
		Long: `Print the rules kube-proxy's iptables mode loads with iptables-restore for
the Services and endpoints in FILE, in iptables-save format: KUBE-SERVICES,
KUBE-NODEPORTS, the per-port KUBE-SVC-/KUBE-SVL-/KUBE-EXT-/KUBE-FW- chains and
the per-endpoint KUBE-SEP- chains (names from kube-proxy's sha256+base32
hash), statistic probabilities 1/(n-i) printed %0.10f, endpoints sorted by
"IP:port", ClientIP affinity "recent" rules, KUBE-MARK-MASQ and
KUBE-POSTROUTING.

--table nat (the default) prints the nat table, as iptables-save -t nat
would. The REJECT for a Service without endpoints and the DROP for Local
policy without local endpoints live in the filter table, as in real
kube-proxy; the nat output then ends with "#" comment lines naming them
(iptables-restore ignores comments), and --table filter or --table all
prints them. Rules appear in the order of kube-proxy's own test fixtures:
KUBE-NODEPORTS, KUBE-SERVICES, then the other chains alphabetically, Services
by namespace/name.`,
		Example: `  netcalc kube-proxy rules testdata/kubeproxy/cluster.yaml
  netcalc kube-proxy rules --table all testdata/kubeproxy/cluster.yaml
  netcalc kube-proxy rules manifests.yaml --node node-a --node-ip 198.51.100.10 --cluster-cidr 10.244.0.0/16`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			return kubeProxyRulesRun(env, opts)
		},
	}
	addScenarioFlags(cmd, &opts.kubeProxyScenario)
	cmd.Flags().StringVar(&opts.Table, "table", "nat", "`TABLE` to print: nat, filter or all (filter then nat, as kube-proxy restores them)")
	return cmd
}

func newKubeProxyTraceCmd(env *Env) *cobra.Command {
	opts := &kubeProxyTraceOptions{}
	cmd := &cobra.Command{
		Use:   "trace [FILE] --src IP[:PORT] --dst IP:PORT",
		Short: "Walk a packet through kube-proxy's rules: DNAT choice, masquerade, conntrack entry",
		Long: `Walk the first packet of a connection through the rules of "kube-proxy rules":
nat PREROUTING (or OUTPUT when the source is the node itself) into
KUBE-SERVICES and every chain it jumps to, the filter chains kube-proxy fills
(REJECT/DROP/ACCEPT), then KUBE-POSTROUTING. The output shows each chain and
matching rule, the endpoints the balancing chain can pick with their
probability, the endpoint drawn (seeded), whether the packet is masqueraded
and why (hairpin, off-cluster source "! -s clusterCIDR", external traffic
under Cluster policy, node-originated traffic), and the conntrack entry the
connection creates, in conntrack -L format.

--connections N repeats the connection N times from the same client (next
source port each time) and prints how many reached each endpoint against
the share the rules promise; ClientIP affinity shows as every connection
sticking to one endpoint.

--iptables-save FILE (or FILE itself, when it is iptables-save output
rather than YAML; "-" reads standard input) traces through the rules
dumped on a real node, without any manifest: the nat and filter tables as
they are, with every chain of other software, walked from the built-in
chains. kube-proxy's annotations come from its chain names and comments;
give the node's addresses with --node-ip (addrtype LOCAL, the MASQUERADE
source) and --bridge-ip; the cluster CIDR is read from the "! -s CIDR"
rules and MASQUERADE --random-fully from KUBE-POSTROUTING. An endpoint
counts as on this node only when a KUBE-SVL- chain lists it.

--nft FILE ("-" reads standard input) does the same for kube-proxy's
nftables mode: it traces through a node's 'nft list ruleset' without any
manifest; give the node's addresses with --node-ip; the masquerade mark and
the cluster CIDR come from the rules, the Services from chain names and
element comments. Live affinity entries in the dump are not replayed.

  iptables-save | netcalc kube-proxy trace - --node-ip 198.51.100.10 --src 10.244.1.7 --dst 10.96.0.10:53 --proto udp

Exit status: 0 when the packet is DNATed, accepted or untouched by
kube-proxy; 1 when it is rejected or dropped; 2 for bad input.`,
		Example: `  netcalc kube-proxy trace testdata/kubeproxy/cluster.yaml --src 10.244.1.7 --dst 10.96.12.34:80
  netcalc kube-proxy trace testdata/kubeproxy/cluster.yaml --src 203.0.113.9:51000 --dst 198.51.100.10:30080
  netcalc kube-proxy trace testdata/kubeproxy/cluster.yaml --src 10.244.1.7 --dst 10.96.12.34:80 --connections 10000 --seed 3
  netcalc kube-proxy trace --iptables-save testdata/kubeproxy/node-a.iptables-save --node-ip 198.51.100.10 --src 203.0.113.9 --dst 198.51.100.10:30080`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			switch {
			case opts.File == "" && opts.IPTablesSave == "" && opts.NFT == "":
				return BadInputf("trace wants a FILE of Services or --iptables-save FILE, or --nft FILE: run 'netcalc kube-proxy trace --help' for usage")
			case opts.File != "" && opts.IPTablesSave != "":
				return BadInputf("trace takes a FILE or --iptables-save FILE, not both: run 'netcalc kube-proxy trace --help' for usage")
			case opts.NFT != "" && (opts.File != "" || opts.IPTablesSave != ""):
				return BadInputf("trace takes one of FILE, --iptables-save FILE and --nft FILE: run 'netcalc kube-proxy trace --help' for usage")
			}
			return kubeProxyTraceRun(env, opts)
		},
	}
	addScenarioFlags(cmd, &opts.kubeProxyScenario)
	f := cmd.Flags()
	f.StringVar(&opts.IPTablesSave, "iptables-save", "", "trace through a node's iptables-save output in `FILE` (\"-\": standard input) instead of Services")
	f.StringVar(&opts.NFT, "nft", "", "trace through a node's `nft list ruleset` output in FILE (\"-\": standard input) instead of Services: kube-proxy's nftables mode, table ip (ip6 with --ipv6) kube-proxy")
	f.StringVar(&opts.Src, "src", "", "client address, `IP[:PORT]` (port defaults to 40000)")
	f.StringVar(&opts.Dst, "dst", "", "destination `IP:PORT` (ClusterIP, node IP for a NodePort, load-balancer or external IP)")
	f.StringVar(&opts.Proto, "proto", "tcp", "protocol `PROTO`: tcp, udp or sctp")
	opts.Connections, opts.Seed = 1, 1
	f.Var((*connectionsValue)(&opts.Connections), "connections", "number `N` of connections to simulate, 1-10000000; above 1, print the per-endpoint distribution")
	f.Var((*seedValue)(&opts.Seed), "seed", "seed `N` of the statistic-match draws")
	return cmd
}

// kubeProxyMode reads --mode: iptables or nftables, any case.
func kubeProxyMode(s string) (string, error) {
	switch strings.ToLower(s) {
	case "iptables", "":
		return "iptables", nil
	case "nftables":
		return "nftables", nil
	}
	return "", BadInputf("--mode: %s is not a kube-proxy mode: want iptables or nftables", quoteToken(s))
}

// loadScenario reads and parses the scenario, then applies flag overrides.
func loadScenario(env *Env, sc *kubeProxyScenario) (*kubeproxy.Config, error) {
	if _, err := kubeProxyMode(sc.Mode); err != nil {
		return nil, err
	}
	data, err := readScenario(env, sc.File)
	if err != nil {
		return nil, err
	}
	return parseScenario(env, sc, data)
}

// readScenario reads FILE, or standard input for "-".
func readScenario(env *Env, file string) ([]byte, error) {
	var data []byte
	var err error
	name := file
	if file == "-" {
		name = "stdin"
		data, err = io.ReadAll(env.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, BadInput(scenarioReadError(name, err))
	}
	return data, nil
}

// parseScenario parses a scenario read by readScenario and applies the
// flag overrides.
func parseScenario(env *Env, sc *kubeProxyScenario, data []byte) (*kubeproxy.Config, error) {
	name := sc.File
	if name == "-" {
		name = "stdin"
	}
	cfg, err := kubeproxy.Parse(data, name)
	if err != nil {
		var pe *kubeproxy.ParseError
		if errors.As(err, &pe) {
			return nil, BadInput(errors.New(pe.Message())) // FILE:LINE: ..., no package prefix
		}
		return nil, BadInput(err)
	}
	changed := sc.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	if changed("node") {
		cfg.Node = sc.Node
	}
	if err := nodeOverrides(sc, changed, cfg); err != nil {
		return nil, err
	}
	return applyScenarioFlags(env, name, sc, changed, cfg)
}

// nodeOverrides applies the flags that describe the node itself: --node-ip,
// --cluster-cidr, --bridge-ip, --ipv6.
func nodeOverrides(sc *kubeProxyScenario, changed func(string) bool, cfg *kubeproxy.Config) error {
	if changed("node-ip") {
		cfg.NodeIPs = nil
		for _, s := range sc.NodeIPs {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return BadInputf("--node-ip: %q is not an IP address", s)
			}
			cfg.NodeIPs = append(cfg.NodeIPs, a)
		}
	}
	if changed("cluster-cidr") {
		p, err := netip.ParsePrefix(sc.ClusterCIDR)
		if err != nil {
			return BadInputf("--cluster-cidr: %q is not a CIDR prefix: want e.g. 10.244.0.0/16", sc.ClusterCIDR)
		}
		cfg.ClusterCIDR = p.Masked()
	}
	if changed("bridge-ip") {
		a, err := netip.ParseAddr(sc.BridgeIP)
		if err != nil {
			return BadInputf("--bridge-ip: %q is not an IP address", sc.BridgeIP)
		}
		cfg.BridgeIP = a
	}
	if changed("ipv6") {
		cfg.IPv6 = sc.IPv6
	}
	return nil
}

// applyScenarioFlags applies the flags that change the rules.
func applyScenarioFlags(env *Env, name string, sc *kubeProxyScenario, changed func(string) bool, cfg *kubeproxy.Config) (*kubeproxy.Config, error) {
	if changed("masquerade-all") {
		cfg.MasqueradeAll = sc.MasqueradeAll
	}
	if changed("localhost-nodeports") {
		cfg.LocalhostNodePorts = sc.LocalhostNP
	}
	if changed("random-fully") {
		cfg.RandomFully = sc.RandomFully
	}
	if changed("kube-version") {
		cfg.KubeVersion = sc.KubeVersion
		if _, err := cfg.KubeMinor(); err != nil {
			return nil, BadInputf("--kube-version: %s is not a kube-proxy release netcalc simulates: want 1.%d to 1.%d", quoteToken(sc.KubeVersion), kubeproxy.MinKubeMinor, kubeproxy.LatestKubeMinor)
		}
	}
	if changed("nodeport-addresses") {
		cfg.NodePortAddresses = nil
		for _, s := range sc.NodePortAddrs {
			if s != "primary" {
				p, err := netip.ParsePrefix(s)
				if err != nil {
					return nil, BadInputf("--nodeport-addresses: %s is not a CIDR prefix or primary: want e.g. 198.51.100.0/24 or primary", quoteToken(s))
				}
				s = p.Masked().String()
			}
			cfg.NodePortAddresses = append(cfg.NodePortAddresses, s)
		}
	}
	if changed("conntrack-tcp-be-liberal") {
		cfg.ConntrackTCPBeLiberal = sc.TCPBeLiberal
	}
	if changed("nfacct") {
		cfg.NFAcctInvalid, cfg.NFAcctLocalhost = false, false
		for _, s := range sc.NFAcct {
			switch s {
			case "all":
				cfg.NFAcctInvalid, cfg.NFAcctLocalhost = true, true
			case "none":
			case kubeproxy.NFAcctInvalidCounter:
				cfg.NFAcctInvalid = true
			case kubeproxy.NFAcctLocalhostCounter:
				cfg.NFAcctLocalhost = true
			default:
				return nil, BadInputf("--nfacct: %s is not a kube-proxy nfacct counter: want %s, %s, all or none", quoteToken(s), kubeproxy.NFAcctInvalidCounter, kubeproxy.NFAcctLocalhostCounter)
			}
		}
	}
	if changed("zone") {
		cfg.Zone = sc.Zone
	}
	scenarioNotes(env, name, cfg)
	return cfg, nil
}

// scenarioReadError says why the scenario file could not be read, in the user's
// words: no doubled "open FILE" and no Go error types.
func scenarioReadError(name string, err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", quoteToken(name))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", quoteToken(name))
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("%s: is a directory, want a YAML file of Services", quoteToken(name))
	case errors.As(err, &pe):
		return fmt.Errorf("reading %s: %v", quoteToken(name), pe.Err)
	}
	return fmt.Errorf("reading %s: %v", quoteToken(name), err)
}

// scenarioNotes tells on standard error what the simulation filled in or
// left out without being asked: nodePorts Parse allocated, Services and
// endpoints of the other IP family (one note), and a file without Services.
func scenarioNotes(env *Env, name string, cfg *kubeproxy.Config) {
	for _, n := range cfg.Notes {
		env.Errorf("note: %s", n)
	}
	svcs, eps := cfg.SkippedFamily()
	if len(svcs)+len(eps) > 0 {
		fam, other, hint := "IPv4", "IPv6", "use --ipv6 for them"
		if cfg.IPv6 {
			fam, other, hint = "IPv6", "IPv4", "run without --ipv6 (--ipv6=false) for them"
		}
		var counts, lists []string
		if len(svcs) > 0 {
			counts = append(counts, countNoun(len(svcs), other+" Service"))
			lists = append(lists, listSome(svcs))
		}
		if len(eps) > 0 {
			counts = append(counts, countNoun(len(eps), other+" endpoint"))
			lists = append(lists, "endpoints "+listSome(eps))
		}
		env.Errorf("note: %s skipped in an %s run (%s); %s", strings.Join(counts, " and "), fam, strings.Join(lists, "; "), hint)
	}
	if len(cfg.Services) == 0 {
		env.Warnf("%s has no Services: only kube-proxy's fixed chains and rules follow", name)
	}
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// listSome joins up to four names, then "...".
func listSome(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}

type kubeProxyTableJSON struct {
	Table  string            `json:"table"`
	Chains []string          `json:"chains"`
	Rules  []*kubeproxy.Rule `json:"rules"`
}

func kubeProxyRulesRun(env *Env, opts *kubeProxyRulesOptions) error {
	var tables []string
	switch opts.Table {
	case "nat":
		tables = []string{"nat"}
	case "filter":
		tables = []string{"filter"}
	case "all":
		tables = []string{"filter", "nat"}
	default:
		return BadInputf("--table: %q is not a table: want nat, filter or all", opts.Table)
	}
	gc := startBatchGC()
	defer gc.restore()
	cfg, err := loadScenario(env, &opts.kubeProxyScenario)
	if err != nil {
		return err
	}
	gc.parsed()
	if mode, _ := kubeProxyMode(opts.Mode); mode == "nftables" {
		o, err := kubeProxyNFTOptions(&opts.kubeProxyScenario, cfg)
		if err != nil {
			return err
		}
		return runKubeProxyRulesNFT(env, cfg, o)
	}
	rs := kubeproxy.Render(cfg)
	renderNotes(env, rs)
	for _, name := range tables {
		t := rs.NAT
		if name == "filter" {
			t = rs.Filter
		}
		if env.JSON() {
			j := kubeProxyTableJSON{Table: t.Name, Chains: t.Chains(), Rules: []*kubeproxy.Rule{}}
			for _, c := range t.Chains() {
				j.Rules = append(j.Rules, t.Rules(c)...)
			}
			if err := WriteJSON(env.Out, j); err != nil {
				return err
			}
			continue
		}
		if _, err := t.WriteTo(env.Out); err != nil {
			return err
		}
	}
	if !env.JSON() && opts.Table == "nat" {
		var notes []string
		for _, c := range rs.Filter.Chains() {
			for _, r := range rs.Filter.Rules(c) {
				if r.Target == "REJECT" || (r.Target == "DROP" && strings.Contains(r.Text, "has no local endpoints")) {
					notes = append(notes, "# filter: "+r.Text)
				}
			}
		}
		if len(notes) > 0 {
			fmt.Fprintln(env.Out, "# Not in the nat table: kube-proxy rejects or drops these in the filter table (--table filter):")
			for _, n := range notes {
				fmt.Fprintln(env.Out, n)
			}
		}
	}
	return nil
}

// parseAddrPort reads the value of --src or --dst: IP:PORT, [IPv6]:PORT,
// or (when the port is optional) a bare IP. An out-of-range port says the
// range.
func parseAddrPort(flag, s string, portRequired bool) (netip.AddrPort, error) {
	want := "want IP:PORT, e.g. 10.96.0.10:53 or [2001:db8::a]:80"
	if !portRequired {
		want = "want IP or IP:PORT, e.g. 10.244.1.7 or 10.244.1.7:40000"
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		if portRequired {
			return netip.AddrPort{}, BadInputf("%s: %s has no port: %s", flag, quoteToken(s), want)
		}
		return netip.AddrPortFrom(a.Unmap(), 0), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, BadInputf("%s: %s is not an address: %s", flag, quoteToken(s), want)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return netip.AddrPort{}, BadInputf("%s: %s in %s is not an IP address: %s", flag, quoteToken(host), quoteToken(s), want)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return netip.AddrPort{}, BadInputf("%s: port %s in %s is out of range: want a port 1-65535", flag, quoteToken(port), quoteToken(s))
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(n)), nil
}

// checkFamily refuses an address of the other family than the run: the
// single-family simulator has no rule for it, and "routed unchanged" would
// be a wrong answer.
func checkFamily(flag, s string, a netip.Addr, v6 bool) error {
	switch {
	case a.Is6() && !v6:
		return BadInputf("%s: %s is an IPv6 address but this is an IPv4 run: add --ipv6 to trace the IPv6 Services", flag, quoteToken(s))
	case a.Is4() && v6:
		return BadInputf("%s: %s is an IPv4 address but this is an IPv6 run (--ipv6 or ipv6: true in the file): run with --ipv6=false to trace the IPv4 Services", flag, quoteToken(s))
	}
	return nil
}

// seedValue is --seed: a uint64 whose bad values are said in the user's
// words, not strconv's.
type seedValue uint64

func (v *seedValue) String() string { return strconv.FormatUint(uint64(*v), 10) }
func (v *seedValue) Type() string   { return "uint" }
func (v *seedValue) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number 0-18446744073709551615")
	}
	*v = seedValue(n)
	return nil
}

// connectionsValue is --connections, 1-10000000.
type connectionsValue int

func (v *connectionsValue) String() string { return strconv.Itoa(int(*v)) }
func (v *connectionsValue) Type() string   { return "int" }
func (v *connectionsValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10_000_000 {
		return fmt.Errorf("want a number of connections 1-10000000")
	}
	*v = connectionsValue(n)
	return nil
}

func kubeProxyTraceRun(env *Env, opts *kubeProxyTraceOptions) error {
	if opts.Src == "" || opts.Dst == "" {
		return BadInputf("--src and --dst are required: want e.g. --src 10.244.1.7 --dst 10.96.0.10:53")
	}
	src, err := parseAddrPort("--src", opts.Src, false)
	if err != nil {
		return err
	}
	dst, err := parseAddrPort("--dst", opts.Dst, true)
	if err != nil {
		return err
	}
	var proto kubeproxy.Protocol
	switch strings.ToLower(opts.Proto) {
	case "tcp", "6":
		proto = kubeproxy.TCP
	case "udp", "17":
		proto = kubeproxy.UDP
	case "sctp", "132":
		proto = kubeproxy.SCTP
	default:
		if n, err := strconv.Atoi(opts.Proto); err == nil && (n < 0 || n > 255) {
			return BadInputf("--proto: %s is out of range: protocol numbers are 0-255, and kube-proxy proxies tcp (6), udp (17) and sctp (132)", quoteToken(opts.Proto))
		}
		return BadInputf("--proto: %s is not a protocol kube-proxy proxies: want tcp, udp or sctp", quoteToken(opts.Proto))
	}
	if opts.Connections < 1 || opts.Connections > 10_000_000 {
		return BadInputf("--connections: %d is out of range: want 1-10000000", opts.Connections)
	}
	if opts.NFT != "" {
		// A node's nft list ruleset: like --iptables-save, the node's
		// addresses come from --node-ip, the rest from the rules.
		sc := &opts.kubeProxyScenario
		if mode, err := kubeProxyMode(sc.Mode); err != nil || mode == "iptables" && sc.changed != nil && sc.changed("mode") {
			if err != nil {
				return err
			}
			return BadInputf("--nft with --mode iptables: a node's nft ruleset is kube-proxy's nftables mode")
		}
		name := opts.NFT
		if name == "-" {
			name = "stdin"
		}
		changed := sc.changed
		if changed == nil {
			changed = func(string) bool { return false }
		}
		for _, f := range []string{"node", "masquerade-all", "localhost-nodeports", "random-fully", "kube-version", "nodeport-addresses",
			"conntrack-tcp-be-liberal", "nfacct", "zone", "service-cidr", "nftables-localhost-nodeports", "cluster-cidr"} {
			if changed(f) {
				return BadInputf("--%s changes the rules kube-proxy writes; %s already holds a node's rules: drop --%s", f, quoteToken(name), f)
			}
		}
		data, err := readScenario(env, opts.NFT)
		if err != nil {
			return err
		}
		node := &kubeproxy.Config{IPv6: sc.IPv6}
		if err := nodeOverrides(sc, changed, node); err != nil {
			return err
		}
		rs, err := kubeproxy.ReadNFTListing(bytes.NewReader(data), node)
		if err != nil {
			var de *kubeproxy.NFTDumpError
			if errors.As(err, &de) {
				return BadInputf("%s:%d: %s: %s", name, de.Line, quoteToken(de.Token), de.Msg)
			}
			if errors.Is(err, kubeproxy.ErrNoKubeProxyTable) {
				return BadInputf("%s: no table ip kube-proxy: want nft list ruleset output of a node running kube-proxy in nftables mode", name)
			}
			return BadInputf("%s: %s", name, strings.TrimPrefix(err.Error(), "kubeproxy: "))
		}
		if len(node.NodeIPs) == 0 {
			env.Errorf("note: no --node-ip: only loopback counts as the node's address (fib type local, the masquerade source)")
		}
		cfg := rs.Node()
		if err := checkFamily("--src", opts.Src, src.Addr(), cfg.IPv6); err != nil {
			return err
		}
		if err := checkFamily("--dst", opts.Dst, dst.Addr(), cfg.IPv6); err != nil {
			return err
		}
		return traceNFTRuleset(env, rs, &cfg, kubeproxy.Packet{Src: src, Dst: dst, Proto: proto}, opts.Connections, opts.Seed)
	}
	if mode, _ := kubeProxyMode(opts.Mode); mode == "nftables" {
		if opts.IPTablesSave != "" {
			return BadInputf("--iptables-save with --mode nftables: a node's iptables rules are traced in iptables mode")
		}
		cfg, err := loadScenario(env, &opts.kubeProxyScenario)
		if err != nil {
			return err
		}
		if err := checkFamily("--src", opts.Src, src.Addr(), cfg.IPv6); err != nil {
			return err
		}
		if err := checkFamily("--dst", opts.Dst, dst.Addr(), cfg.IPv6); err != nil {
			return err
		}
		o, err := kubeProxyNFTOptions(&opts.kubeProxyScenario, cfg)
		if err != nil {
			return err
		}
		return runKubeProxyTraceNFT(env, cfg, o, kubeproxy.Packet{Src: src, Dst: dst, Proto: proto}, opts.Connections, opts.Seed)
	}
	rs, v6, err := traceRules(env, opts)
	if err != nil {
		return err
	}
	if err := checkFamily("--src", opts.Src, src.Addr(), v6); err != nil {
		return err
	}
	if err := checkFamily("--dst", opts.Dst, dst.Addr(), v6); err != nil {
		return err
	}
	tr := kubeproxy.NewTracer(rs, opts.Seed)
	p := kubeproxy.Packet{Src: src, Dst: dst, Proto: proto}
	if opts.Connections > 1 {
		d := tr.Distribute(p, opts.Connections)
		if env.JSON() {
			return WriteJSON(env.Out, d)
		}
		return writeDistribution(env, p, d, "after the first connection every one from this client matched the recent rule and stuck to the same endpoint")
	}
	r := tr.Trace(p)
	if env.JSON() {
		if err := WriteJSON(env.Out, r); err != nil {
			return err
		}
	} else {
		writeTrace(env, r)
	}
	if r.Verdict == "REJECT" || r.Verdict == "DROP" {
		env.Record(ExitFail)
	}
	return env.Finish()
}

// traceRules returns the rules to trace: Render of the scenario, or a
// node's iptables-save dump (--iptables-save, or FILE when it is one).
func traceRules(env *Env, opts *kubeProxyTraceOptions) (*kubeproxy.Ruleset, bool, error) {
	sc := &opts.kubeProxyScenario
	if _, err := kubeProxyMode(sc.Mode); err != nil {
		return nil, false, err
	}
	file := opts.IPTablesSave
	var data []byte
	if file == "" {
		var err error
		if data, err = readScenario(env, sc.File); err != nil {
			return nil, false, err
		}
		if !isIPTablesSave(data) {
			cfg, err := parseScenario(env, sc, data)
			if err != nil {
				return nil, false, err
			}
			rs := kubeproxy.Render(cfg)
			renderNotes(env, rs)
			return rs, cfg.IPv6, nil
		}
		file = sc.File
	} else {
		var err error
		if data, err = readScenario(env, file); err != nil {
			return nil, false, err
		}
	}
	name := file
	if file == "-" {
		name = "stdin"
	}
	changed := sc.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	for _, f := range []string{"node", "masquerade-all", "localhost-nodeports", "random-fully", "kube-version", "nodeport-addresses", "conntrack-tcp-be-liberal", "nfacct", "zone"} {
		if changed(f) {
			return nil, false, BadInputf("--%s changes the rules kube-proxy writes; %s already holds a node's rules: drop --%s", f, quoteToken(name), f)
		}
	}
	node := &kubeproxy.Config{IPv6: sc.IPv6}
	if err := nodeOverrides(sc, changed, node); err != nil {
		return nil, false, err
	}
	rs, err := kubeproxy.ReadIPTablesSave(bytes.NewReader(data), node)
	if err != nil {
		var pe *netfilter.ParseError
		if errors.As(err, &pe) {
			return nil, false, BadInputf("%s:%s", name, strings.TrimPrefix(pe.Message(), "line "))
		}
		if errors.Is(err, kubeproxy.ErrNoKubeProxyRules) {
			return nil, false, BadInputf("%s: no nat table with KUBE-SERVICES: want iptables-save output of a node running kube-proxy in iptables mode", name)
		}
		return nil, false, BadInput(err)
	}
	if len(node.NodeIPs) == 0 {
		env.Errorf("note: no --node-ip: only loopback counts as the node's address (addrtype LOCAL, the MASQUERADE source)")
	}
	return rs, node.IPv6, nil
}

// renderNotes tells on standard error what Render decided that the rules
// do not show (endpoints left out by topology hints).
func renderNotes(env *Env, rs *kubeproxy.Ruleset) {
	for _, n := range rs.Notes {
		env.Errorf("note: %s", n)
	}
}

// isIPTablesSave reports whether data looks like iptables-save output: its
// first line that is neither blank nor a comment starts a table ("*nat").
func isIPTablesSave(data []byte) bool {
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		return strings.HasPrefix(l, "*")
	}
	return false
}

func writeTrace(env *Env, r kubeproxy.Result) {
	w := env.Out
	p := r.Packet
	fmt.Fprintf(w, "packet     %s %s -> %s (first packet, nat %s)\n", strings.ToLower(string(p.Proto)), p.Src, p.Dst, r.Hook)
	if r.Service != "" {
		fmt.Fprintf(w, "service    %s\n", r.Service)
	}
	fmt.Fprintln(w)
	table := ""
	for _, s := range r.Steps {
		if s.Table != table {
			table = s.Table
			fmt.Fprintln(w, env.Paint(Bold, "table "+table))
		}
		ind := strings.Repeat("  ", s.Depth+1)
		switch s.Action {
		case "enter":
			fmt.Fprintf(w, "%s%s\n", ind, env.Paint(Cyan, s.Chain))
		case "skip":
			fmt.Fprintf(w, "%s  %s\n", ind, env.Paint(Dim, "("+s.Note+")"))
		case "not-taken":
			fmt.Fprintf(w, "%s  %s %s\n", ind, env.Paint(Dim, "not taken:"), s.Rule)
			fmt.Fprintf(w, "%s    %s\n", ind, env.Paint(Dim, s.Note))
		default:
			fmt.Fprintf(w, "%s  %s %s\n", ind, env.Paint(Green, s.Action+":"), s.Rule)
			if s.Note != "" {
				fmt.Fprintf(w, "%s    %s\n", ind, s.Note)
			}
		}
	}
	fmt.Fprintln(w)
	if len(r.Choices) > 0 {
		fmt.Fprintf(w, "balanced by %s (%d endpoint(s), each new connection independently):\n", r.Chain, len(r.Choices))
		rows := [][]string{{"  endpoint", "chain", "rule probability", "share", ""}}
		for _, c := range r.Choices {
			prob := c.RuleProbability
			if prob == "" {
				prob = "(last rule, always)"
			}
			mark := ""
			if c.Endpoint == r.Endpoint.String() {
				mark = "<- chosen"
			}
			rows = append(rows, []string{"  " + c.Endpoint, c.Chain, prob, fmt.Sprintf("%.2f%%", 100*c.Share), mark})
		}
		for _, l := range strings.Split(strings.TrimSuffix(Aligned(rows), "\n"), "\n") {
			fmt.Fprintln(w, strings.TrimRight(l, " "))
		}
		fmt.Fprintln(w)
	}
	switch r.Verdict {
	case "DNAT":
		v := "DNAT to " + r.Endpoint.String()
		if r.Affinity {
			v += " (ClientIP affinity)"
		}
		fmt.Fprintf(w, "verdict    %s\n", env.Paint(Green, v))
	case "NONE":
		fmt.Fprintf(w, "verdict    %s\n", "no kube-proxy rule matches")
	default:
		fmt.Fprintf(w, "verdict    %s\n", env.Paint(Red, r.Verdict))
	}
	if r.Verdict == "DNAT" {
		m := "no"
		if r.Masquerade {
			m = "yes"
			if r.SNAT.Addr().IsValid() {
				m += ", source becomes " + r.SNAT.String()
			} else {
				m += ", source becomes the node address, port " + strconv.Itoa(int(r.SNAT.Port()))
			}
		}
		fmt.Fprintf(w, "masquerade %s\n", m)
	}
	for _, why := range r.Reasons {
		fmt.Fprintf(w, "  why: %s\n", why)
	}
	if r.Conntrack != nil {
		fmt.Fprintf(w, "conntrack  %s\n", r.Conntrack)
	}
}

// writeDistribution prints where --connections N went against what the
// balancing promises; affinity says how affinity held the client (the
// recent match in iptables mode, the affinity set in nftables mode).
func writeDistribution(env *Env, p kubeproxy.Packet, d kubeproxy.Distribution, affinity string) error {
	w := env.Out
	svc := d.Service
	if svc == "" {
		svc = p.Dst.String()
	}
	fmt.Fprintf(w, "%s: %d connections from %s, seed %d\n", svc, d.Connections, p.Src.Addr(), d.Seed)
	t := env.NewTable()
	t.Row("target", "connections", "observed", "expected")
	for _, s := range d.Shares {
		t.Row(s.Target, strconv.Itoa(s.Count), fmt.Sprintf("%.2f%%", 100*s.Observed), fmt.Sprintf("%.2f%%", 100*s.Expected))
	}
	if err := t.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "masqueraded: %d of %d\n", d.Masqueraded, d.Connections)
	if d.Affinity {
		fmt.Fprintln(w, "sessionAffinity ClientIP: "+affinity)
	}
	return nil
}

type kubeProxyChainName struct {
	ServicePort string `json:"service_port"`
	Protocol    string `json:"protocol"`
	Endpoint    string `json:"endpoint,omitempty"`
	Cluster     string `json:"cluster"`
	Local       string `json:"local"`
	External    string `json:"external"`
	Firewall    string `json:"firewall"`
	EndpointCh  string `json:"endpoint_chain,omitempty"`
}

type kubeProxyChainNameOptions struct {
	Name, Proto, Endpoint string
}

func newKubeProxyChainNameCmd(env *Env) *cobra.Command {
	opts := &kubeProxyChainNameOptions{}
	return &cobra.Command{
		Use:   "chain-name NAMESPACE/NAME[:PORT] PROTOCOL [ENDPOINT-IP:PORT]",
		Short: "Compute kube-proxy's chain names for a Service port (and an endpoint)",
		Long: `Compute the iptables chain names kube-proxy gives a Service port: the first
16 characters of base32(sha256(servicePortName + protocol)) after KUBE-SVC-,
KUBE-SVL-, KUBE-EXT- and KUBE-FW-, and with an endpoint the KUBE-SEP- chain,
base32(sha256(servicePortName + protocol + "IP:port")). servicePortName is
"namespace/name:port", or "namespace/name" for an unnamed port; the protocol
is tcp, udp or sctp. An IPv6 endpoint is written [addr]:port.`,
		Example: `  netcalc kube-proxy chain-name default/kubernetes:https tcp
  netcalc kube-proxy chain-name kube-system/kube-dns:dns udp 10.244.0.5:53`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name, opts.Proto = args[0], args[1]
			if len(args) == 3 {
				opts.Endpoint = args[2]
			}
			return kubeProxyChainNameRun(env, opts)
		},
	}
}

func kubeProxyChainNameRun(env *Env, opts *kubeProxyChainNameOptions) error {
	name, proto := opts.Name, strings.ToLower(opts.Proto)
	ns, rest, ok := strings.Cut(name, "/")
	if !ok || ns == "" || rest == "" || strings.HasPrefix(rest, ":") || strings.HasSuffix(rest, ":") {
		return BadInputf("%s is not a Service port name: want NAMESPACE/NAME or NAMESPACE/NAME:PORT", quoteToken(name))
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return BadInputf("%s is not a protocol: want tcp, udp or sctp", quoteToken(opts.Proto))
	}
	h := kubeproxy.PortProtoHash(name, proto)
	out := kubeProxyChainName{ServicePort: name, Protocol: proto,
		Cluster: kubeproxy.PrefixService + h, Local: kubeproxy.PrefixLocal + h,
		External: kubeproxy.PrefixExternal + h, Firewall: kubeproxy.PrefixFirewall + h}
	if opts.Endpoint != "" {
		ap, err := parseAddrPort("endpoint", opts.Endpoint, true)
		if err != nil {
			return err
		}
		out.Endpoint = ap.String() // net.JoinHostPort form
		out.EndpointCh = kubeproxy.EndpointChain(name, proto, out.Endpoint)
	}
	if env.JSON() {
		return WriteJSON(env.Out, out)
	}
	rows := [][]string{{"service port", name + " (" + proto + ")"}, {"cluster (KUBE-SVC)", out.Cluster},
		{"local (KUBE-SVL)", out.Local}, {"external (KUBE-EXT)", out.External}, {"firewall (KUBE-FW)", out.Firewall}}
	if out.Endpoint != "" {
		rows = append(rows, []string{"endpoint " + out.Endpoint, out.EndpointCh})
	}
	_, err := io.WriteString(env.Out, Aligned(rows))
	return err
}

// kubeProxyNFTOptions is the nftables renderer's options: --service-cidr
// and the localhost gate from their flags, and the NodePort addresses from
// the scenario's nodePortAddresses ("primary": the node's first address of
// the family, as a host prefix).
func kubeProxyNFTOptions(sc *kubeProxyScenario, cfg *kubeproxy.Config) (kubeproxy.NFTOptions, error) {
	nft := sc.NFT
	nft.NodePortAddresses = nil
	for _, a := range cfg.NodePortAddresses {
		if a != "primary" {
			nft.NodePortAddresses = append(nft.NodePortAddresses, a)
			continue
		}
		for _, ip := range cfg.NodeIPs {
			if ip.Is6() == cfg.IPv6 {
				nft.NodePortAddresses = append(nft.NodePortAddresses, netip.PrefixFrom(ip, ip.BitLen()).String())
				break
			}
		}
	}
	return nft.options()
}
