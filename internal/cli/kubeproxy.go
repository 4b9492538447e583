package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// kubeProxyOptions are the flags of kube-proxy rules and trace: the input
// FILE, the node settings that override the file's (needed for plain
// Kubernetes manifests), and each subcommand's own.
type kubeProxyOptions struct {
	kubeproxy.Settings
	File, Mode        string
	Table             string // rules
	IPTablesSave, NFT string // trace: a node's dump
	Src, Dst, Proto   string
	Connections       int
	Seed              uint64
}

func newKubeProxyCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kube-proxy",
		Short: "Simulate kube-proxy (iptables and nftables modes): the rules a node holds and a packet's walk through them",
		Long: `Simulate kube-proxy (iptables mode, or nftables mode with --mode nftables)
on one node, offline.

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

func addScenarioFlags(cmd *cobra.Command, o *kubeProxyOptions) {
	f := cmd.Flags()
	f.StringVar(&o.Node, "node", "", "`NAME` of the simulated node (overrides the file)")
	f.StringSliceVar(&o.NodeIPs, "node-ip", nil, "node `ADDR`, repeatable (overrides the file)")
	f.StringVar(&o.ClusterCIDR, "cluster-cidr", "", "pod network `CIDR`, kube-proxy --cluster-cidr (overrides the file)")
	f.StringVar(&o.BridgeIP, "bridge-ip", "", "`ADDR` of the node's pod bridge, the MASQUERADE source towards local pods")
	f.BoolVar(&o.IPv6, "ipv6", false, "render the ip6tables rules (IPv6 Services only)")
	f.BoolVar(&o.MasqueradeAll, "masquerade-all", false, "kube-proxy --masquerade-all")
	f.BoolVar(&o.LocalhostNodePorts, "localhost-nodeports", true, "kube-proxy --iptables-localhost-nodeports: NodePorts also answer on 127.0.0.0/8 (IPv4); --localhost-nodeports=false turns it off")
	f.BoolVar(&o.RandomFully, "random-fully", false, "iptables supports MASQUERADE --random-fully (kube-proxy before 1.37; 1.37 always writes it)")
	f.StringVar(&o.Mode, "mode", "iptables", "kube-proxy `MODE`: iptables or nftables")
	f.StringSliceVar(&o.ServiceCIDRs, "service-cidr", nil, "Service IP range `CIDR`, repeatable (--mode nftables: traffic to an unallocated address in it is dropped)")
	f.BoolVar(&o.NFTLocalhostNodePortReject, "nftables-localhost-nodeports", false, "--mode nftables: kube-proxy's KubeProxyNFTablesLocalhostNodePorts gate (alpha in 1.37): count and reject NodePort traffic to loopback")
	f.StringVar(&o.KubeVersion, "kube-version", "", fmt.Sprintf("kube-proxy release `X.Y` to simulate, 1.%d-1.%d (default the newest, 1.%d)", kubeproxy.MinKubeMinor, kubeproxy.LatestKubeMinor, kubeproxy.LatestKubeMinor))
	f.StringSliceVar(&o.NodePortAddresses, "nodeport-addresses", nil, "kube-proxy --nodeport-addresses: `CIDR`s or primary whose node addresses accept NodePorts, repeatable (default every local address)")
	f.BoolVar(&o.ConntrackTCPBeLiberal, "conntrack-tcp-be-liberal", false, "nf_conntrack_tcp_be_liberal is on (kube-proxy --conntrack-tcp-be-liberal): no INVALID drop rule")
	f.StringSliceVar(&o.NFAcct, "nfacct", nil, "nfacct `COUNTER`s that exist: ct_state_invalid_dropped_pkts, localhost_nps_accepted_pkts, all or none (comma-separated)")
	f.StringVar(&o.Zone, "zone", "", "the node's topology.kubernetes.io/zone `ZONE`, for endpoint zone hints")
	o.Given = f.Changed
}

func newKubeProxyRulesCmd(env *Env) *cobra.Command {
	opts := &kubeProxyOptions{}
	cmd := &cobra.Command{
		Use:   "rules FILE",
		Short: "Print the rules kube-proxy writes for these Services (iptables, or nftables with --mode nftables)",
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
	addScenarioFlags(cmd, opts)
	cmd.Flags().StringVar(&opts.Table, "table", "nat", "`TABLE` to print: nat, filter or all (filter then nat, as kube-proxy restores them)")
	return cmd
}

func newKubeProxyTraceCmd(env *Env) *cobra.Command {
	opts := &kubeProxyOptions{}
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
	addScenarioFlags(cmd, opts)
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

// kubeProxyLoad parses the scenario FILE (data, or read when nil),
// applies the flags and tells what the simulation filled in or left out.
func kubeProxyLoad(env *Env, o *kubeProxyOptions, data []byte) (*kubeproxy.Config, error) {
	if data == nil {
		var err error
		if data, err = readScenario(env, o.File); err != nil {
			return nil, err
		}
	}
	name := stdinName(o.File)
	cfg, err := kubeproxy.LoadScenario(data, name, &o.Settings)
	if err != nil {
		return nil, kubeProxyBadInput(name, err)
	}
	scenarioNotes(env, name, cfg)
	return cfg, nil
}

// stdinName is how messages call FILE: "stdin" for "-".
func stdinName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}

// readScenario reads FILE, or standard input for "-".
func readScenario(env *Env, file string) ([]byte, error) {
	data, err := readInput(env, file)
	if err != nil {
		return nil, BadInput(scenarioReadError(stdinName(file), err))
	}
	return data, nil
}

// readInput reads file, or standard input for "-".
func readInput(env *Env, file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(env.Stdin)
	}
	return os.ReadFile(file)
}

// kubeProxySettingWords say what each setting takes, after its bad value.
var kubeProxySettingWords = map[string]string{
	"mode":               "is not a kube-proxy mode: want iptables or nftables",
	"node-ip":            "is not an IP address",
	"bridge-ip":          "is not an IP address",
	"cluster-cidr":       "is not a CIDR prefix: want e.g. 10.244.0.0/16",
	"kube-version":       fmt.Sprintf("is not a kube-proxy release netcalc simulates: want 1.%d to 1.%d", kubeproxy.MinKubeMinor, kubeproxy.LatestKubeMinor),
	"nodeport-addresses": "is not a CIDR prefix or primary: want e.g. 198.51.100.0/24 or primary",
	"nfacct":             fmt.Sprintf("is not a kube-proxy nfacct counter: want %s, %s, all or none", kubeproxy.NFAcctInvalidCounter, kubeproxy.NFAcctLocalhostCounter),
	"service-cidr":       "is not a CIDR prefix: want e.g. 10.96.0.0/12 or 2001:db8::/64",
}

// kubeProxyBadInput says a kube-proxy library error about the input
// named name (the scenario or the dump) in the user's words.
func kubeProxyBadInput(name string, err error) error {
	var (
		pe *kubeproxy.ParseError
		se *kubeproxy.SettingError
		ds *kubeproxy.DumpSettingError
		fe *netfilter.ParseError
		de *kubeproxy.NFTDumpError
		tf *kubeproxy.TableFamilyError
		pr *kubeproxy.ProtocolError
	)
	switch {
	case errors.As(err, &pe):
		return BadInput(errors.New(pe.Message())) // FILE:LINE: ..., no package prefix
	case errors.As(err, &se):
		return BadInputf("--%s: %s %s", se.Setting, quoteToken(se.Value), kubeProxySettingWords[se.Setting])
	case errors.As(err, &ds):
		return BadInputf("--%s changes the rules kube-proxy writes; %s already holds a node's rules: drop --%s", ds.Setting, quoteToken(name), ds.Setting)
	case errors.As(err, &fe):
		return BadInputf("%s:%d: %s: %s", name, fe.Line, quoteToken(fe.Token), fe.Expected)
	case errors.As(err, &de):
		return BadInputf("%s:%d: %s: %s", name, de.Line, quoteToken(de.Token), de.Msg)
	case errors.As(err, &tf):
		hint := "trace an IPv6 packet (--ipv6)"
		if tf.Family == "ip6" {
			hint = "trace an IPv4 packet (without --ipv6)"
		}
		return BadInputf("%s: no kube-proxy table of family %s, only table %s kube-proxy: %s", name, tf.Family, tf.Other, hint)
	case errors.Is(err, kubeproxy.ErrNoKubeProxyTable):
		return BadInputf("%s: no table ip kube-proxy: want nft list ruleset output of a node running kube-proxy in nftables mode", name)
	case errors.Is(err, kubeproxy.ErrNoKubeProxyRules):
		return BadInputf("%s: no nat table with KUBE-SERVICES: want iptables-save output of a node running kube-proxy in iptables mode", name)
	case errors.As(err, &pr) && pr.OutOfRange:
		return BadInputf("--proto: %s is out of range: protocol numbers are 0-255, and kube-proxy proxies tcp (6), udp (17) and sctp (132)", quoteToken(pr.Text))
	case errors.As(err, &pr):
		return BadInputf("--proto: %s is not a protocol kube-proxy proxies: want tcp, udp or sctp", quoteToken(pr.Text))
	}
	return BadInputf("%s: %v", name, err)
}

// scenarioNotes tells on standard error what the simulation filled in or
// left out without being asked: nodePorts Parse allocated, Services and
// endpoints of the other IP family (one note), and a file without Services.
func scenarioNotes(env *Env, name string, cfg *kubeproxy.Config) {
	kubeProxyNotes(env, cfg.Notes)
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

func kubeProxyRulesRun(env *Env, o *kubeProxyOptions) error {
	tables := map[string][]string{"nat": {"nat"}, "filter": {"filter"}, "all": {"filter", "nat"}}[o.Table]
	if tables == nil {
		return BadInputf("--table: %q is not a table: want nat, filter or all", o.Table)
	}
	mode, err := kubeproxy.ParseMode(o.Mode)
	if err != nil {
		return kubeProxyBadInput(o.File, err)
	}
	if mode == kubeproxy.ModeNFTables && o.Given("table") {
		return BadInputf("--table with --mode nftables: --table picks an iptables table; the nftables mode has one table, kube-proxy, printed whole")
	}
	gc := startBatchGC()
	defer gc.restore()
	cfg, err := kubeProxyLoad(env, o, nil)
	if err != nil {
		return err
	}
	gc.parsed()
	if mode == kubeproxy.ModeNFTables {
		rs, err := o.RenderNFT(cfg)
		if err != nil {
			return kubeProxyBadInput(o.File, err)
		}
		if env.JSON() {
			return WriteJSON(env.Out, rs)
		}
		_, err = rs.WriteTo(env.Out)
		return err
	}
	rs := kubeproxy.Render(cfg)
	kubeProxyNotes(env, rs.Notes)
	for _, name := range tables {
		t := map[string]*kubeproxy.Table{"nat": rs.NAT, "filter": rs.Filter}[name]
		if env.JSON() {
			if err := WriteJSON(env.Out, t); err != nil {
				return err
			}
		} else if _, err := t.WriteTo(env.Out); err != nil {
			return err
		}
	}
	if drops := rs.ServiceDrops(); !env.JSON() && o.Table == "nat" && len(drops) > 0 {
		fmt.Fprintln(env.Out, "# Not in the nat table: kube-proxy rejects or drops these in the filter table (--table filter):")
		for _, r := range drops {
			fmt.Fprintln(env.Out, "# filter: "+r.Text)
		}
	}
	return nil
}

// parseAddrPort reads the value of --src or --dst: IP:PORT, [IPv6]:PORT,
// or (when the port is optional) a bare IP. An out-of-range port says the
// range.
func parseAddrPort(flag, s string, portRequired bool) (netip.AddrPort, error) {
	ap, err := kubeproxy.ParseAddrPort(s, portRequired)
	var ae *kubeproxy.AddrPortError
	if !errors.As(err, &ae) {
		return ap, err
	}
	want := "want IP:PORT, e.g. 10.96.0.10:53 or [2001:db8::a]:80"
	if !portRequired {
		want = "want IP or IP:PORT, e.g. 10.244.1.7 or 10.244.1.7:40000"
	}
	switch ae.Problem {
	case kubeproxy.AddrPortNoPort:
		return ap, BadInputf("%s: %s has no port: %s", flag, quoteToken(s), want)
	case kubeproxy.AddrPortNotIP:
		return ap, BadInputf("%s: %s in %s is not an IP address: %s", flag, quoteToken(ae.Token), quoteToken(s), want)
	case kubeproxy.AddrPortPortRange:
		return ap, BadInputf("%s: port %s in %s is out of range: want a port 1-65535", flag, quoteToken(ae.Token), quoteToken(s))
	}
	return ap, BadInputf("%s: %s is not an address: %s", flag, quoteToken(s), want)
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

func kubeProxyTraceRun(env *Env, o *kubeProxyOptions) error {
	if o.Src == "" || o.Dst == "" {
		return BadInputf("--src and --dst are required: want e.g. --src 10.244.1.7 --dst 10.96.0.10:53")
	}
	src, err := parseAddrPort("--src", o.Src, false)
	if err != nil {
		return err
	}
	dst, err := parseAddrPort("--dst", o.Dst, true)
	if err != nil {
		return err
	}
	proto, err := kubeproxy.ParseProtocol(o.Proto)
	if err != nil {
		return kubeProxyBadInput("", err)
	}
	p := packet.Tuple{Src: src, Dst: dst, Protocol: proto}
	mode, err := kubeproxy.ParseMode(o.Mode)
	if err != nil {
		return kubeProxyBadInput("", err)
	}
	switch {
	case o.NFT != "":
		// A node's nft list ruleset: like --iptables-save, the node's
		// addresses come from --node-ip, the rest from the rules.
		if mode == kubeproxy.ModeIPTables && o.Given("mode") {
			return BadInputf("--nft with --mode iptables: a node's nft ruleset is kube-proxy's nftables mode")
		}
		rs, v6, err := kubeProxyDump(env, o, o.NFT, nil, true, kubeproxy.ReadNFTListing)
		if err != nil {
			return err
		}
		if err := kubeProxyFamily(o, p, v6); err != nil {
			return err
		}
		return kubeProxyTrace(env, o, p, kubeproxy.NewNFTTracer(rs, o.Seed), writeNFTTrace, nftAffinityWords)
	case mode == kubeproxy.ModeNFTables:
		if o.IPTablesSave != "" {
			return BadInputf("--iptables-save with --mode nftables: a node's iptables rules are traced in iptables mode")
		}
		cfg, err := kubeProxyLoad(env, o, nil)
		if err != nil {
			return err
		}
		if err := kubeProxyFamily(o, p, cfg.IPv6); err != nil {
			return err
		}
		rs, err := o.RenderNFT(cfg)
		if err != nil {
			return kubeProxyBadInput(o.File, err)
		}
		return kubeProxyTrace(env, o, p, kubeproxy.NewNFTTracer(rs, o.Seed), writeNFTTrace, nftAffinityWords)
	}
	rs, v6, err := traceRules(env, o)
	if err != nil {
		return err
	}
	if err := kubeProxyFamily(o, p, v6); err != nil {
		return err
	}
	return kubeProxyTrace(env, o, p, kubeproxy.NewTracer(rs, o.Seed), writeTrace,
		"after the first connection every one from this client matched the recent rule and stuck to the same endpoint")
}

// kubeProxyFamily refuses a --src or --dst of the other family than the
// run.
func kubeProxyFamily(o *kubeProxyOptions, p packet.Tuple, v6 bool) error {
	var fe *kubeproxy.FamilyError
	if !errors.As(kubeproxy.CheckFamily(p, v6), &fe) {
		return nil
	}
	flag, s := "--src", o.Src
	if fe.Dst {
		flag, s = "--dst", o.Dst
	}
	if fe.IPv6 {
		return BadInputf("%s: %s is an IPv4 address but this is an IPv6 run (--ipv6 or ipv6: true in the file): run with --ipv6=false to trace the IPv4 Services", flag, quoteToken(s))
	}
	return BadInputf("%s: %s is an IPv6 address but this is an IPv4 run: add --ipv6 to trace the IPv6 Services", flag, quoteToken(s))
}

// kubeProxyTrace traces p with tr (either mode's tracer) and prints the
// walk, or with --connections N the spread over the endpoints (affinity
// says how ClientIP affinity held the client). A rejected or dropped
// packet exits 1.
func kubeProxyTrace[R interface{ Refused() bool }](env *Env, o *kubeProxyOptions, p packet.Tuple, tr interface {
	Trace(packet.Tuple) R
	Distribute(packet.Tuple, int) kubeproxy.Distribution
}, write func(*Env, R), affinity string) error {
	if o.Connections > 1 {
		d := tr.Distribute(p, o.Connections)
		if env.JSON() {
			return WriteJSON(env.Out, d)
		}
		return writeDistribution(env, p, d, affinity)
	}
	r := tr.Trace(p)
	if env.JSON() {
		if err := WriteJSON(env.Out, r); err != nil {
			return err
		}
	} else {
		write(env, r)
	}
	if r.Refused() {
		env.Record(ExitFail)
	}
	return env.Finish()
}

// traceRules returns the rules to trace: Render of the scenario, or a
// node's iptables-save dump (--iptables-save, or FILE when it is one).
func traceRules(env *Env, o *kubeProxyOptions) (*kubeproxy.Ruleset, bool, error) {
	file := o.IPTablesSave
	if file == "" {
		file = o.File
	}
	data, err := readScenario(env, file)
	if err != nil {
		return nil, false, err
	}
	if o.IPTablesSave == "" && !kubeproxy.IsIPTablesSave(data) {
		cfg, err := kubeProxyLoad(env, o, data)
		if err != nil {
			return nil, false, err
		}
		rs := kubeproxy.Render(cfg)
		kubeProxyNotes(env, rs.Notes)
		return rs, cfg.IPv6, nil
	}
	return kubeProxyDump(env, o, file, data, false, kubeproxy.ReadIPTablesSave)
}

// kubeProxyDump reads a node's dump FILE with read (--nft's nft list
// ruleset when nft is true, else iptables-save output), for the node the
// flags describe; data is the dump when already read, else nil. It
// notes when no --node-ip says what the node's addresses are.
func kubeProxyDump[R any](env *Env, o *kubeProxyOptions, file string, data []byte, nft bool,
	read func(io.Reader, *kubeproxy.Config) (R, error)) (R, bool, error) {
	var zero R
	name := stdinName(file)
	node, nerr := o.DumpNode(nft) // a rules flag is refused before reading, a bad --node-ip after
	if ds := (*kubeproxy.DumpSettingError)(nil); errors.As(nerr, &ds) && data == nil {
		return zero, false, kubeProxyBadInput(name, nerr)
	}
	if data == nil {
		var err error
		if data, err = readScenario(env, file); err != nil {
			return zero, false, err
		}
	}
	if nerr != nil {
		return zero, false, kubeProxyBadInput(name, nerr)
	}
	rs, err := read(bytes.NewReader(data), node)
	if err != nil {
		return zero, false, kubeProxyBadInput(name, err)
	}
	if len(node.NodeIPs) == 0 {
		local := "addrtype LOCAL, the MASQUERADE source"
		if nft {
			local = "fib type local, the masquerade source"
		}
		env.Errorf("note: no --node-ip: only loopback counts as the node's address (%s)", local)
	}
	return rs, node.IPv6, nil
}

// kubeProxyNotes tells on standard error what Parse or Render decided
// that the rules do not show (allocated nodePorts, endpoints left out by
// topology hints).
func kubeProxyNotes(env *Env, notes []kubeproxy.Note) {
	for _, n := range notes {
		env.Errorf("note: %s", kubeProxyNote(n))
	}
}

// kubeProxyNote words a note of kube-proxy's Parse or Render with the
// facts its Kind names.
func kubeProxyNote(n kubeproxy.Note) string {
	switch n.Kind {
	case kubeproxy.NoteLeadingZeros:
		return fmt.Sprintf("%s:%d: %s %q has leading zeros: read as %s, as kube-proxy reads it (API servers before 1.22 stored such values)",
			n.File, n.Line, n.Field, n.Value, n.Canonical)
	case kubeproxy.NoteNodePortAllocated:
		return fmt.Sprintf("%s Service %s port %d/%s has no nodePort: allocated %d (deterministic: %d + FNV-1a of %q mod %d, next free)",
			n.ServiceType, n.Service, n.Port, n.Protocol, n.NodePort, kubeproxy.NodePortMin, n.Hashed, kubeproxy.NodePortMax-kubeproxy.NodePortMin+1)
	case kubeproxy.NoteZoneHints:
		return fmt.Sprintf("Service %s has trafficDistribution %s: %d endpoint(s) hinted for their own zone, as the EndpointSlice controller does (kube-proxy reads only the hints)",
			n.Service, n.TrafficDistribution, n.Endpoints)
	case kubeproxy.NoteTopology:
		by := "zone"
		if n.NodeHints {
			by = "node"
		}
		return fmt.Sprintf("%s: topology-aware routing: %d of %d ready endpoints serve cluster traffic on this node (hints for %s %s)",
			n.Service, n.Endpoints, n.Ready, by, n.Hint)
	}
	return string(n.Kind)
}

func writeTrace(env *Env, r kubeproxy.TraceResult) {
	w := env.Out
	p := r.Packet
	fmt.Fprintf(w, "packet     %s %s -> %s (first packet, nat %s)\n", p.Protocol, p.Src, p.Dst, r.Hook)
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
		case kubeproxy.ActionEnter:
			fmt.Fprintf(w, "%s%s\n", ind, env.Paint(Cyan, s.Chain))
		case kubeproxy.ActionSkip:
			fmt.Fprintf(w, "%s  %s\n", ind, env.Paint(Dim, fmt.Sprintf("(%d rule(s) did not match)", s.Count)))
		case kubeproxy.ActionNotTaken:
			fmt.Fprintf(w, "%s  %s %s\n", ind, env.Paint(Dim, "not taken:"), s.Rule)
			fmt.Fprintf(w, "%s    %s\n", ind, env.Paint(Dim, kubeProxyStepWords(s)))
		default:
			fmt.Fprintf(w, "%s  %s %s\n", ind, env.Paint(Green, string(s.Action)+":"), s.Rule)
			if note := kubeProxyStepWords(s); note != "" {
				fmt.Fprintf(w, "%s    %s\n", ind, note)
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
		writeChoices(w, rows)
	}
	writeVerdict(env, r.Verdict, r.Endpoint, r.Affinity, "no kube-proxy rule matches")
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
		fmt.Fprintf(w, "  why: %s\n", kubeProxyReasonWords(why, r))
	}
	if r.Conntrack != nil {
		fmt.Fprintf(w, "conntrack  %s\n", r.Conntrack)
	}
}

// writeChoices prints the table of a balancing chain's endpoints (rows,
// the header first) aligned, without trailing blanks, and a blank line.
func writeChoices(w io.Writer, rows [][]string) {
	for _, l := range strings.Split(strings.TrimSuffix(Aligned(rows), "\n"), "\n") {
		fmt.Fprintln(w, strings.TrimRight(l, " "))
	}
	fmt.Fprintln(w)
}

// writeVerdict prints a trace's verdict line: DNAT to ep (by ClientIP
// affinity when affinity is true) in green, none for NONE (no rule of
// kube-proxy's changed the packet), any other verdict in red.
func writeVerdict(env *Env, verdict string, ep netip.AddrPort, affinity bool, none string) {
	v := env.Paint(Red, verdict)
	switch verdict {
	case "DNAT":
		v = "DNAT to " + ep.String()
		if affinity {
			v += " (ClientIP affinity)"
		}
		v = env.Paint(Green, v)
	case "NONE":
		v = none
	}
	fmt.Fprintf(env.Out, "verdict    %s\n", v)
}

// kubeProxySteps word what a step of an iptables trace means, with {p}
// the statistic match's probability; a step not here says its reason.
var kubeProxySteps = map[packet.Reason]string{
	kubeproxy.ReasonDrawn:            "statistic: probability {p}, drawn",
	kubeproxy.ReasonNotDrawn:         "statistic: probability {p}, not drawn",
	kubeproxy.ReasonAffinity:         "ClientIP affinity: this client used this endpoint recently",
	kubeproxy.ReasonNotMarked:        "not marked: no SNAT",
	kubeproxy.ReasonPodToExternal:    "a pod reaching an external address of a Local-policy Service uses all endpoints, as if it went out to the load balancer and back",
	kubeproxy.ReasonNodeToExternal:   "the node itself uses all endpoints of the Service",
	kubeproxy.ReasonSourceNotAllowed: "source not in loadBalancerSourceRanges: no DNAT; filter KUBE-PROXY-FIREWALL drops it",
}

// kubeProxyStepWords says what a step of an iptables trace means, or ""
// when its rule says it all.
func kubeProxyStepWords(s packet.Step) string {
	var p string
	if s.Draw != nil {
		p = fmt.Sprintf("%.4g", s.Draw.Probability)
	}
	return reasonWords(kubeProxySteps, s.Reason, "{p}", p)
}

// kubeProxyReasons word why an iptables trace ended as it did, with {src}
// the client address, {cidr} the cluster CIDR, {chain} the filter chain
// whose policy dropped the packet and {error} why the walk failed.
var kubeProxyReasons = map[packet.Reason]string{
	kubeproxy.MasqOffCluster:         "source {src} is outside the cluster CIDR {cidr} (! -s {cidr}): off-cluster traffic to a ClusterIP is masqueraded so that replies return through this node",
	kubeproxy.MasqAll:                "--masquerade-all: every ClusterIP connection is masqueraded",
	kubeproxy.MasqExternalCluster:    "external traffic with externalTrafficPolicy Cluster: masqueraded because the endpoint may be on another node (the client IP is lost)",
	kubeproxy.MasqLocalExternal:      "the node itself connects to an external address (--src-type LOCAL): masqueraded so the endpoint can reply",
	kubeproxy.MasqHairpin:            "hairpin: the endpoint {src} is the client itself; without SNAT it would answer itself directly and drop the reply",
	kubeproxy.ReasonMarked:           "marked for masquerade",
	kubeproxy.ReasonPolicyDrop:       "the filter {chain} chain's policy is DROP",
	kubeproxy.ReasonNoRule:           "no kube-proxy rule matches this destination: the packet is routed unchanged",
	kubeproxy.ReasonLocalPolicy:      "traffic policy Local: only endpoints on this node, no SNAT; the endpoint sees the client address {src}",
	kubeproxy.ReasonInCluster:        "source {src} is inside the cluster CIDR {cidr}: no SNAT, the endpoint sees the pod address",
	kubeproxy.ReasonNoMasqueradeJump: "no rule jumped to KUBE-MARK-MASQ: no SNAT, the endpoint sees {src}",
	kubeproxy.ReasonNoNodeAddress:    "MASQUERADE source: the node has no address of this family in the scenario; shown as the unspecified address",
	kubeproxy.ReasonWalkFailed:       "cannot walk the rules: {error}",
}

// kubeProxyReasonWords says why an iptables trace ended as it did.
func kubeProxyReasonWords(why packet.Reason, r kubeproxy.TraceResult) string {
	return reasonWords(kubeProxyReasons, why, "{src}", r.Packet.Src.Addr().String(), "{cidr}", fmt.Sprint(r.ClusterCIDR),
		"{chain}", r.PolicyChain, "{error}", r.Error)
}

// reasonWords words the code k from table, filling in the {name}
// placeholders from pairs (name, value, ...) in one pass; a code the
// table lacks is said as itself.
func reasonWords[K ~string](table map[K]string, k K, pairs ...string) string {
	s, ok := table[k]
	if !ok {
		return string(k)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// writeDistribution prints where --connections N went against what the
// balancing promises; affinity says how affinity held the client (the
// recent match in iptables mode, the affinity set in nftables mode).
func writeDistribution(env *Env, p packet.Tuple, d kubeproxy.Distribution, affinity string) error {
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

func newKubeProxyChainNameCmd(env *Env) *cobra.Command {
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
		RunE: func(cmd *cobra.Command, args []string) error { return kubeProxyChainNameRun(env, args) },
	}
}

func kubeProxyChainNameRun(env *Env, args []string) error {
	if _, err := kubeproxy.ChainNamesFor(args[0], 0, netip.AddrPort{}); err != nil {
		return BadInputf("%s is not a Service port name: want NAMESPACE/NAME or NAMESPACE/NAME:PORT", quoteToken(args[0]))
	}
	proto, err := kubeproxy.ParseProtocol(args[1])
	if err != nil || proto.String() != strings.ToLower(args[1]) { // names only
		return BadInputf("%s is not a protocol: want tcp, udp or sctp", quoteToken(args[1]))
	}
	var ep netip.AddrPort
	if len(args) == 3 {
		if ep, err = parseAddrPort("endpoint", args[2], true); err != nil {
			return err
		}
	}
	c, _ := kubeproxy.ChainNamesFor(args[0], proto, ep)
	if env.JSON() {
		return WriteJSON(env.Out, c)
	}
	rows := [][]string{{"service port", c.ServicePort + " (" + proto.String() + ")"}, {"cluster (KUBE-SVC)", c.Cluster},
		{"local (KUBE-SVL)", c.Local}, {"external (KUBE-EXT)", c.External}, {"firewall (KUBE-FW)", c.Firewall}}
	if c.Endpoint != "" {
		rows = append(rows, []string{"endpoint " + c.Endpoint, c.EndpointChain})
	}
	_, err = io.WriteString(env.Out, Aligned(rows))
	return err
}
