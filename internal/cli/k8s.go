package cli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/k8s"
)

// k8sPlanOptions are the flags of "k8s plan".
type k8sPlanOptions struct {
	ClusterCIDRs     []string
	ServiceCIDRs     []string
	NodeMasks        []string
	Nodes            string
	MaxPods          string
	NodeNetworks     []string
	Avoid            []string
	Profile          string
	KubeVersion      string
	Node             string
	InstanceType     string
	PrefixDelegation bool
	ClusterDNS       []string
	Suggest          bool
	MaxServices      string
	Growth           string
	IPFamily         string
	// format is -o kubeadm, kind, k3s or flags (set by the k8s command's
	// hook, which turns -o back to text for the root command).
	format *string
}

func newK8sCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "k8s",
		Short: "Kubernetes addressing: size and check a cluster's networks, a pod's resolv.conf, cluster DNS answers",
		Long: `Plan or check the address ranges of a Kubernetes cluster against the rules of
kube-apiserver, kube-controller-manager and kubeadm, the defaults of the
distributions (kind, k3s, RKE2, MicroK8s), the CNIs' IPAM (Calico, Cilium)
and the clouds (EKS, GKE). Every finding names its rule, its source and the
Kubernetes versions where it holds.

  plan    ranges from flags (or a profile's defaults)
  check   ranges from a kubeadm ClusterConfiguration, a kind Cluster config
          or 'kubectl get nodes -o yaml' output

  resolv-conf  the resolv.conf kubelet writes for a pod (dnsPolicy, dnsConfig)
  dns          what the cluster DNS answers for a name, from Service manifests;
               'dns serve' answers on a loopback port

Exit status: exit 0 no error finding, exit 1 at least one error finding (dns:
no records), exit 2 bad input.`,
	}
	format := new(string)
	// Root's hook checks -o against each subcommand's outputAnnotation; a
	// config format then prints the plan as text in that format.
	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if root := c.Root(); root.PersistentPreRunE != nil {
			if err := root.PersistentPreRunE(c, args); err != nil {
				return err
			}
		}
		switch env.Output {
		case "kubeadm", "kind", "k3s", "flags":
			*format, env.Output = env.Output, "text"
		}
		return nil
	}
	for _, sub := range []*cobra.Command{newK8sPlanCmd(env, format), newK8sCheckCmd(env, format)} {
		sub.Annotations = map[string]string{outputAnnotation: "text,json,kubeadm,kind,k3s,flags"}
		cmd.AddCommand(sub)
	}
	cmd.AddCommand(newK8sResolvConfCmd(env), newK8sDNSCmd(env))
	return cmd
}

func newK8sPlanCmd(env *Env, format *string) *cobra.Command {
	opts := &k8sPlanOptions{format: format}
	cmd := &cobra.Command{
		Use:   "plan [flags]",
		Short: "Print a cluster's ranges, capacities, reserved addresses and findings",
		Long: `Plan a cluster's networks: each range with its first and last address and
size; capacities (max nodes = 2^(node mask - cluster mask), pod addresses per
node, max pods per node, total pods, Services); the reserved addresses (the
kubernetes Service at the first address, the DNS Service's conventional 10th
address, the KEP-3070 static band min(max(16, size/16), 256)); with --node N
the pod CIDRs of node N (0 is the first node, in kube-controller-manager's
allocation order); and every finding: severity (error, warning, note), rule,
source and the Kubernetes versions where it holds.

--cluster-cidr, --service-cidr and --node-cidr-mask take one or two values,
one per IP family, comma-separated or repeated; the first is the primary
family. Node masks go in --cluster-cidr order. Ranges not given come from
--profile: kubeadm, kind, k3s, rke2, microk8s, calico, cilium, gke, eks,
aks (Azure CNI Overlay), aks-kubenet or aks-azure-cni (default: the upstream
components alone). --kube-version X.Y picks the rules
of that release (default 1.37): the /12 and /108 Service range limits hold up
to 1.33 and are lifted from 1.34, where IPv6 Service ranges must be /64 or
longer.

Overlaps are checked between every pair of ranges, the --avoid networks and
Docker's 172.17.0.0/16 and the link-local ranges. With -o json each record
is one object with a "type": range, pod_network, service_network,
node_cidrs, finding, then summary. -o kubeadm, -o kind, -o k3s and -o flags
print the plan as a kubeadm ClusterConfiguration and KubeletConfiguration, a
kind Cluster config, k3s server flags or the kube-apiserver,
kube-controller-manager, kubelet and kube-proxy flags; error and warning
findings then go to standard error.

--suggest turns the question around: for --nodes, --max-pods and
--max-services (default 500) with --growth headroom (default 2x) it proposes
the smallest plan of --ip-family (ipv4, ipv6 or dual) in private space
(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; fd00::/8 for IPv6) clear of
--avoid, --node-network and docker0: node blocks that hold twice max pods
(/24 for 110), a pod range of the node blocks needed, a Service range of
at least a /27 (/112). Exit status 1 when nothing fits.

Exit status 1 when there is an error finding.`,
		Example: `  netcalc k8s plan --profile kubeadm --cluster-cidr 10.244.0.0/16 --nodes 300
  netcalc k8s plan --profile kind --cluster-cidr 10.244.0.0/16,fd00:10:244::/56 --service-cidr 10.96.0.0/16,fd00:10:96::/112
  netcalc k8s plan --profile eks --node-network 10.0.0.0/19 --instance-type m5.large --nodes 50
  netcalc k8s plan --service-cidr 10.96.0.0/8 --kube-version 1.33
  netcalc k8s plan --profile k3s --node-index 5 --avoid 10.42.0.0/24
  netcalc -o kubeadm k8s plan --suggest --profile kubeadm --nodes 100 --avoid 10.0.0.0/16`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return env.usageError("k8s plan", "k8s plan takes flags only, got %s", quoteToken(strings.Join(args, " ")))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return k8sPlanRun(env, opts)
		},
	}
	addK8sPlanFlags(env, cmd, opts)
	f := cmd.Flags()
	f.BoolVar(&opts.Suggest, "suggest", false, "propose the smallest plan in private space for --nodes, --max-pods and --max-services with --growth headroom")
	f.StringVar(&opts.MaxServices, "max-services", "", "--suggest: Services `N` the cluster must hold (default 500)")
	f.StringVar(&opts.Growth, "growth", "2x", "--suggest: headroom `FACTOR` for nodes and Services, such as 2x or 3")
	f.StringVar(&opts.IPFamily, "ip-family", "ipv4", "--suggest: `FAMILY` of the plan: ipv4, ipv6 or dual")
	return cmd
}

// addK8sPlanFlags defines the flags plan and check share.
func addK8sPlanFlags(env *Env, cmd *cobra.Command, opts *k8sPlanOptions) {
	f := cmd.Flags()
	f.StringArrayVar(&opts.ClusterCIDRs, "cluster-cidr", nil, "pod range `CIDR`, one per family (comma-separated or repeated)")
	f.StringArrayVar(&opts.ServiceCIDRs, "service-cidr", nil, "Service range `CIDR`, one per family (comma-separated or repeated)")
	f.StringArrayVar(&opts.NodeMasks, "node-cidr-mask", nil, "node pod CIDR prefix `LENGTH`, one per --cluster-cidr, same order (default 24 and 64)")
	f.StringVar(&opts.Nodes, "nodes", "", "number of nodes `N` planned")
	f.StringVar(&opts.MaxPods, "max-pods", "", "kubelet max pods per node `N` (default 110; EKS: from --instance-type)")
	f.StringArrayVar(&opts.NodeNetworks, "node-network", nil, "the nodes' own subnet or VPC `CIDR` (repeatable)")
	f.StringArrayVar(&opts.Avoid, "avoid", nil, "a network `CIDR` the cluster must not overlap: peered VPC, VPN, on-premises (repeatable)")
	f.StringVar(&opts.Profile, "profile", "", "defaults and extra rules of `NAME`: kubeadm, kind, k3s, rke2, microk8s, calico, cilium, gke, eks, aks, aks-kubenet, aks-azure-cni")
	f.StringVar(&opts.KubeVersion, "kube-version", "", "Kubernetes release `X.Y` whose rules apply (default 1.37)")
	f.StringVar(&opts.Node, "node-index", "", "print the pod CIDRs of node number `N` (0 is the first node)")
	aliasFlag(env, f, "node", "node-index") // --node is a node NAME elsewhere (kube-proxy)
	f.StringArrayVar(&opts.ClusterDNS, "cluster-dns", nil, "the DNS Service `ADDRESS` (kubelet --cluster-dns; default the 10th address of each Service range)")
	f.StringVar(&opts.InstanceType, "instance-type", "", "EKS: EC2 instance `TYPE` of the nodes, for the VPC CNI max pods formula")
	f.BoolVar(&opts.PrefixDelegation, "prefix-delegation", false, "EKS: the VPC CNI assigns /28 prefixes (ENABLE_PREFIX_DELEGATION)")
	_ = cmd.RegisterFlagCompletionFunc("profile", cobra.FixedCompletions(k8sProfileNames(), cobra.ShellCompDirectiveNoFileComp))
}

func k8sProfileNames() []string {
	var n []string
	for _, p := range k8s.Profiles() {
		n = append(n, string(p))
	}
	return n
}

func k8sPlanRun(env *Env, opts *k8sPlanOptions) error {
	cfg, err := k8sPlanConfig(env, opts)
	if err != nil {
		return err
	}
	if opts.Suggest {
		if cfg, err = k8sSuggest(env, opts, cfg); err != nil {
			return err
		}
	} else if opts.MaxServices != "" || opts.IPFamily != "ipv4" || opts.Growth != "2x" {
		return BadInputf("--max-services, --growth and --ip-family go with --suggest")
	}
	plan, err := k8s.NewPlan(cfg)
	if err != nil {
		return BadInputf("k8s plan: %s", k8sPlanErrText(err))
	}
	return k8sOutput(env, opts, plan)
}

// k8sPlanErrText says why a plan cannot be made, from the library's
// *k8s.PlanError.
func k8sPlanErrText(err error) string {
	var pe *k8s.PlanError
	switch {
	case !errors.As(err, &pe):
		return err.Error()
	case pe.Err == k8s.ErrNoPlan:
		return "no plan fits: " + pe.Msg
	}
	return pe.Msg
}

// k8sSuggest turns the flags into a suggested Config, saying on standard
// error what it was sized for.
func k8sSuggest(env *Env, opts *k8sPlanOptions, cfg k8s.Config) (k8s.Config, error) {
	if len(cfg.ClusterCIDRs) > 0 || len(cfg.ServiceCIDRs) > 0 || len(cfg.NodeMasks) > 0 {
		return cfg, BadInputf("--suggest chooses the ranges: drop --cluster-cidr, --service-cidr and --node-cidr-mask")
	}
	if cfg.Nodes == 0 {
		return cfg, BadInputf("--suggest wants --nodes N, the number of nodes to plan for")
	}
	req := k8s.Request{Profile: cfg.Profile, Version: cfg.Version, Nodes: cfg.Nodes, MaxPods: cfg.MaxPods,
		NodeNetworks: cfg.NodeNetworks, Avoid: cfg.Avoid}
	var err error
	if opts.MaxServices != "" {
		if req.Services, err = k8sParseCount("--max-services", opts.MaxServices, 1, 1<<40); err != nil {
			return cfg, err
		}
	}
	g := strings.TrimSuffix(strings.ToLower(opts.Growth), "x")
	if req.Growth, err = strconv.ParseUint(g, 10, 64); err != nil || req.Growth < 1 || req.Growth > 1000 || g == "" || g[0] == '+' {
		return cfg, BadInputf("--growth: %s is not a growth factor, want a whole number 1-1000 such as 2x", quoteToken(opts.Growth))
	}
	switch f := k8s.Family(strings.ToLower(opts.IPFamily)); f {
	case k8s.IPv4, k8s.IPv6, k8s.Dual:
		req.Family = f
	default:
		return cfg, BadInputf("--ip-family: %s is not an IP family, want ipv4, ipv6 or dual", quoteToken(opts.IPFamily))
	}
	out, err := k8s.Suggest(req)
	if err != nil {
		if errors.Is(err, k8s.ErrNoPlan) {
			return cfg, Failedf("k8s plan --suggest: %s", k8sPlanErrText(err))
		}
		return cfg, BadInputf("k8s plan --suggest: %s", k8sPlanErrText(err))
	}
	services := req.Services
	if services == 0 {
		services = 500
	}
	env.Errorf("suggest: %d nodes and %d Services with %dx growth, in private space clear of %s", req.Nodes, services, req.Growth, k8sAvoidText(req))
	out.ShowNode, out.NodeIndex = cfg.ShowNode, cfg.NodeIndex
	return out, nil
}

func k8sAvoidText(r k8s.Request) string {
	var l []string
	for _, p := range append(append([]netip.Prefix{}, r.NodeNetworks...), r.Avoid...) {
		l = append(l, p.String())
	}
	l = append(l, "172.17.0.0/16 (docker0)")
	return strings.Join(l, ", ")
}

// k8sOutput writes a plan as -o asks: text, JSON Lines or a config format
// (then the error and warning findings go to standard error). Exit status
// 1 when a finding is an error.
func k8sOutput(env *Env, opts *k8sPlanOptions, plan *k8s.Plan) error {
	if opts.format != nil && *opts.format != "" {
		text, err := plan.Render(k8s.Format(*opts.format))
		if err != nil {
			return BadInputf("-o: %s", k8sPlanErrText(err))
		}
		if _, err := io.WriteString(env.Out, text); err != nil {
			return err
		}
		for _, f := range plan.Findings {
			if f.Severity != k8s.Note {
				env.Errorf("%s %s: %s", f.Severity, f.Rule, f.Message)
			}
		}
	} else if err := k8sWritePlan(env, plan); err != nil {
		return err
	}
	if plan.HasErrors() {
		env.Record(ExitFail)
	}
	return env.Finish()
}

// k8sPlanConfig turns the flags into a k8s.Config.
func k8sPlanConfig(env *Env, opts *k8sPlanOptions) (k8s.Config, error) {
	var cfg k8s.Config
	var err error
	if cfg.Profile, err = k8s.ParseProfile(opts.Profile); err != nil {
		return cfg, BadInputf("--profile: %s is not a profile, want one of %s", quoteToken(opts.Profile), strings.Join(k8sProfileNames(), ", "))
	}
	if opts.KubeVersion != "" {
		if cfg.Version, err = k8s.ParseVersion(opts.KubeVersion); err != nil {
			return cfg, BadInputf("--kube-version: %s is not a Kubernetes version, want X.Y such as 1.34", quoteToken(opts.KubeVersion))
		}
	}
	for _, l := range []struct {
		flag string
		in   []string
		out  *[]netip.Prefix
	}{
		{"--cluster-cidr", opts.ClusterCIDRs, &cfg.ClusterCIDRs},
		{"--service-cidr", opts.ServiceCIDRs, &cfg.ServiceCIDRs},
		{"--node-network", opts.NodeNetworks, &cfg.NodeNetworks},
		{"--avoid", opts.Avoid, &cfg.Avoid},
	} {
		for _, tok := range k8sSplitList(l.in) {
			p, err := k8sParseCIDR(env, l.flag, tok)
			if err != nil {
				return cfg, err
			}
			*l.out = append(*l.out, p)
		}
	}
	for _, tok := range k8sSplitList(opts.ClusterDNS) {
		a, err := netip.ParseAddr(tok)
		if err != nil {
			return cfg, BadInputf("--cluster-dns: %s is not an IP address, want one such as 10.96.0.10", quoteToken(tok))
		}
		cfg.ClusterDNS = append(cfg.ClusterDNS, a)
	}
	for _, tok := range k8sSplitList(opts.NodeMasks) {
		t := strings.TrimPrefix(tok, "/")
		n, err := strconv.Atoi(t)
		if err != nil || t == "" || t[0] < '0' || t[0] > '9' || n > 128 {
			return cfg, BadInputf("--node-cidr-mask: %s is not a prefix length, want a number such as 24 (IPv4) or 64 (IPv6)", quoteToken(tok))
		}
		cfg.NodeMasks = append(cfg.NodeMasks, n)
	}
	if opts.Nodes != "" {
		if cfg.Nodes, err = k8sParseCount("--nodes", opts.Nodes, 1, 1<<40); err != nil {
			return cfg, err
		}
	}
	if opts.MaxPods != "" {
		n, err := k8sParseCount("--max-pods", opts.MaxPods, 1, 1<<20)
		if err != nil {
			return cfg, err
		}
		cfg.MaxPods = int(n)
	}
	if opts.Node != "" {
		if cfg.NodeIndex, err = k8sParseCount("--node", opts.Node, 0, math.MaxUint64); err != nil {
			return cfg, err
		}
		cfg.ShowNode = true
	}
	if (opts.InstanceType != "" || opts.PrefixDelegation) && cfg.Profile != k8s.EKS {
		return cfg, BadInputf("--instance-type and --prefix-delegation are for --profile eks")
	}
	cfg.InstanceType, cfg.PrefixDelegation = opts.InstanceType, opts.PrefixDelegation
	return cfg, nil
}

// k8sSplitList splits repeated, comma-separated flag values.
func k8sSplitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, t := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(t))
		}
	}
	return out
}

// k8sParseCIDR parses one CIDR of a flag, clearing host bits with a warning
// (the Kubernetes components clear them silently).
func k8sParseCIDR(env *Env, flag, tok string) (netip.Prefix, error) {
	if tok == "" {
		return netip.Prefix{}, BadInputf("%s: empty value, want a CIDR such as 10.244.0.0/16", flag)
	}
	p, err := netcalc.ParsePrefix(tok)
	if err != nil {
		var pe *netcalc.ParseError
		if errors.As(err, &pe) {
			return p, BadInputf("%s: %s: %s", flag, quoteToken(tok), pe.Msg)
		}
		return p, BadInputf("%s: %s is not a CIDR, want one such as 10.244.0.0/16", flag, quoteToken(tok))
	}
	if !strings.Contains(tok, "/") {
		return p, BadInputf("%s: %s is an address, want a CIDR such as 10.244.0.0/16", flag, quoteToken(tok))
	}
	if m := p.Masked(); m != p {
		env.Warnf("%s: %s has host bits set; using its network %s", flag, p, m)
		p = m
	}
	return p, nil
}

// k8sParseCount parses a whole number between lo and hi.
func k8sParseCount(flag, s string, lo, hi uint64) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < lo || n > hi || s[0] == '+' {
		return 0, BadInputf("%s: %s is not a whole number %d-%d", flag, quoteToken(s), lo, hi)
	}
	return n, nil
}

// k8sWritePlan prints a plan as text or JSON Lines.
func k8sWritePlan(env *Env, p *k8s.Plan) error {
	if env.JSON() {
		return k8sWritePlanJSON(env, p)
	}
	w := env.Out
	fmt.Fprintf(w, "profile %s, Kubernetes %s rules\n\n", p.Profile, p.Version)
	t := env.NewTable()
	t.Row("RANGE", "CIDR", "FIRST", "LAST", "SIZE", "FROM")
	for _, r := range p.Ranges {
		from := "given"
		switch {
		case r.Default:
			from = p.Profile.String() + " default"
		case r.Suggested:
			from = "suggested"
		}
		t.Row(string(r.Role), r.CIDR.String(), r.First.String(), r.Last.String(), r.Size.String(), from)
	}
	if err := t.Flush(); err != nil {
		return err
	}
	for _, pn := range p.Pods {
		fmt.Fprintf(w, "\npods %s (%s)\n", pn.CIDR, pn.IPAM)
		var rows [][]string
		if pn.NodeMask > 0 {
			what := "node CIDR"
			if pn.IPAM == k8s.CalicoBlocks {
				what = "IPAM block"
			}
			rows = append(rows, []string{"  " + what, fmt.Sprintf("/%d: %s addresses, %s pod IPs", pn.NodeMask, pn.AddressesPerNode, pn.PodIPsPerNode)})
			maxNodes := pn.MaxNodes.String()
			if !pn.Lost.IsZero() {
				maxNodes += fmt.Sprintf(" (%s lost to the Service range)", pn.Lost)
			}
			label := "max nodes"
			if pn.IPAM == k8s.CalicoBlocks {
				label = "blocks"
			}
			rows = append(rows, []string{"  " + label, maxNodes})
		} else {
			rows = append(rows, []string{"  addresses per node", fmt.Sprintf("%s at full density, for %s pod IPs", pn.AddressesPerNode, pn.PodIPsPerNode)},
				[]string{"  max nodes", pn.MaxNodes.String() + " (the cloud reserves 5 addresses per subnet)"})
		}
		rows = append(rows, []string{"  max pods per node", strconv.FormatUint(pn.MaxPodsPerNode, 10)},
			[]string{"  total pods", pn.TotalPods.String()})
		if pn.FreeNodes != nil {
			rows = append(rows, []string{"  more nodes fit", pn.FreeNodes.String()})
		}
		fmt.Fprint(w, Aligned(rows))
	}
	for _, s := range p.Services {
		fmt.Fprintf(w, "\nservices %s (%s allocator)\n", s.CIDR, s.Allocator)
		rows := [][]string{{"  kubernetes", s.Kubernetes.String()}}
		switch {
		case !s.DNS.IsValid():
			rows = append(rows, []string{"  DNS (10th)", "none: the range is too small"})
		case s.DNSInStaticBand:
			rows = append(rows, []string{"  DNS (10th)", s.DNS.String() + " (in the static band)"})
		default:
			rows = append(rows, []string{"  DNS (10th)", s.DNS.String() + " (in the dynamic pool)"})
		}
		if s.BandOffset > 0 {
			rows = append(rows, []string{"  static band", fmt.Sprintf("%s-%s (%d addresses)", s.StaticFirst, s.StaticLast, s.BandOffset)})
		} else {
			rows = append(rows, []string{"  static band", "none"})
		}
		rows = append(rows, []string{"  Services", s.Services.String()})
		fmt.Fprint(w, Aligned(rows))
	}
	if p.Node != nil && len(p.Node.CIDRs) > 0 {
		fmt.Fprintf(w, "\nnode %d\n", p.Node.Index)
		var cs []string
		for _, c := range p.Node.CIDRs {
			cs = append(cs, c.String())
		}
		fmt.Fprint(w, Aligned([][]string{{"  pod CIDRs", strings.Join(cs, ", ")}}))
	}
	fmt.Fprintf(w, "\nfindings: %s, %s, %s\n", k8sPlural(p.Count(k8s.Error), "error"), k8sPlural(p.Count(k8s.Warning), "warning"), k8sPlural(p.Count(k8s.Note), "note"))
	for _, f := range p.Findings {
		sev := string(f.Severity)
		switch f.Severity {
		case k8s.Error:
			sev = env.Paint(Red, sev)
		case k8s.Warning:
			sev = env.Paint(Yellow, sev)
		}
		fmt.Fprintf(w, "  %s %s: %s\n", sev, env.Paint(Bold, f.Rule), f.Message)
		fmt.Fprintf(w, "    %s\n", env.Paint(Dim, "source: "+f.Source+"; "+k8sVersions(f.Versions)))
	}
	return nil
}

// k8sVersions says where a rule holds: "all versions", "Kubernetes >= 1.34".
func k8sVersions(v string) string {
	if v == "all" {
		return "all versions"
	}
	return "Kubernetes " + v
}

func k8sPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// k8sWritePlanJSON writes the plan's records, one object per line.
func k8sWritePlanJSON(env *Env, p *k8s.Plan) error {
	for _, r := range p.Records() {
		if err := WriteJSON(env.Out, r); err != nil {
			return err
		}
	}
	return nil
}
