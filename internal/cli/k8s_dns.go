package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/k8s"
	"github.com/netcalc/netcalc/netcalc/resolve"
)

// k8sResolvConfOptions are the flags of "netcalc k8s resolv-conf".
type k8sResolvConfOptions struct {
	Namespace      string
	ClusterDomain  string
	ClusterDNS     []string
	DNSPolicy      string
	HostNetwork    bool
	HostResolvConf string
	DNSConfig      string
	Pod            string
	NodeIPs        []string
	Explain        bool
	changed        func(string) bool
}

// newK8sResolvConfCmd is "netcalc k8s resolv-conf": the pod's
// /etc/resolv.conf as kubelet forms it.
func newK8sResolvConfCmd(env *Env) *cobra.Command {
	opts := &k8sResolvConfOptions{}
	cmd := &cobra.Command{
		Use:   "resolv-conf [flags]",
		Short: "Print the /etc/resolv.conf kubelet gives a pod, byte for byte, and say where each line came from",
		Long: `Print the resolv.conf a pod gets: kubelet's GetPodDNS (Kubernetes 1.37)
computes the nameservers, search domains and options, and the container
runtime (containerd, CRI-O) writes "search", then "nameserver" lines, then
"options".

The pod's side comes from --pod FILE (a Pod manifest: namespace, dnsPolicy,
hostNetwork, dnsConfig) or from --namespace, --dns-policy, --host-network
and --dns-config FILE (the pod's dnsConfig mapping: nameservers, searches,
options). The kubelet's side: --cluster-dns (repeatable), --cluster-domain,
and --host-resolv-conf FILE, the node's resolv.conf that kubelet reads
(--resolv-conf): its nameservers for Default pods, its search domains
appended after the cluster domains. Without --host-resolv-conf the node file
is taken as empty; --host-resolv-conf "" is kubelet's --resolv-conf="".

dnsPolicy: ClusterFirst (the default) uses cluster DNS and "options ndots:5"
unless the pod uses the host network, where kubelet falls back to Default;
ClusterFirstWithHostNet uses cluster DNS either way; Default copies the
node's file; None starts empty and takes everything from dnsConfig.
dnsConfig is appended with duplicates dropped (first kept) and options
merged by name. kubelet then keeps 3 nameservers and 32 search paths of at
most 253 characters, 2048 characters in all, with its warning events
(printed on standard error as warnings). A pod the API server would reject
(None without nameservers, more than 3 nameservers, a nameserver that is
not an IP address...) is bad input with the API server's message.

With two or more options kubelet's order is random (a Go map); netcalc
prints the base options first, then the pod's in spec order, and --explain
says so. -o json prints the file and its parts; --explain adds the steps.`,
		Example: `  netcalc k8s resolv-conf --namespace shop --cluster-dns 10.96.0.10 --host-resolv-conf node-resolv.conf
  netcalc k8s resolv-conf --pod pod.yaml --cluster-dns 10.96.0.10 --explain
  netcalc k8s resolv-conf --dns-policy None --dns-config dns.yaml`,
		Args: explainArgs(nil, cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.changed = cmd.Flags().Changed
			return k8sResolvConfRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Namespace, "namespace", "default", "the pod's `NAMESPACE`")
	f.StringVar(&opts.ClusterDomain, "cluster-domain", "cluster.local", "kubelet --cluster-domain `DOMAIN` (\"\" for none)")
	f.StringArrayVar(&opts.ClusterDNS, "cluster-dns", nil, "kubelet --cluster-dns `IP`, repeatable (none: cluster-type pods fall back to Default)")
	f.StringVar(&opts.DNSPolicy, "dns-policy", "ClusterFirst", "the pod's dnsPolicy `POLICY`: ClusterFirst, ClusterFirstWithHostNet, Default or None")
	f.BoolVar(&opts.HostNetwork, "host-network", false, "the pod uses the host's network (spec.hostNetwork)")
	f.StringVar(&opts.HostResolvConf, "host-resolv-conf", "", "the node's resolv.conf `FILE` kubelet reads (--resolv-conf); \"\" is kubelet's --resolv-conf=\"\"")
	f.StringVar(&opts.DNSConfig, "dns-config", "", "the pod's dnsConfig, a YAML `FILE` with nameservers, searches, options")
	f.StringVar(&opts.Pod, "pod", "", "a Pod manifest `FILE` (YAML); supplies namespace, dnsPolicy, hostNetwork and dnsConfig")
	f.StringArrayVar(&opts.NodeIPs, "node-ip", nil, "node `IP`, repeatable; only used with --host-resolv-conf \"\" (127.0.0.1 or ::1 per node IP)")
	f.BoolVar(&opts.Explain, "explain", false, "say where each line came from")
	for _, fl := range []string{"namespace", "dns-policy", "host-network", "dns-config"} {
		cmd.MarkFlagsMutuallyExclusive("pod", fl)
	}
	return cmd
}

// k8sResolvConfJSON is the JSON record of resolv-conf.
type k8sResolvConfJSON struct {
	Type string `json:"type"`
	File string `json:"file"`
	*k8s.PodResolvConfResult
}

// k8sReadFile reads path ("-": standard input, named "stdin"); a read
// error is bad input, after flag when flag is not "".
func k8sReadFile(env *Env, path, flag string) ([]byte, string, error) {
	name := path
	var data []byte
	var err error
	if path == "-" {
		name = "stdin"
		data, err = io.ReadAll(env.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil && flag != "" {
		return nil, name, BadInput(fmt.Errorf("%s %w", flag, scenarioReadError(name, err)))
	} else if err != nil {
		return nil, name, BadInput(scenarioReadError(name, err))
	}
	return data, name, nil
}

// k8sResolvConfInput turns the flags into kubelet's input.
func k8sResolvConfInput(env *Env, opts *k8sResolvConfOptions) (k8s.PodResolvConfInput, error) {
	in := k8s.PodResolvConfInput{Namespace: opts.Namespace, ClusterDomain: strings.TrimSuffix(opts.ClusterDomain, "."), HostNetwork: opts.HostNetwork}
	policy, ok := k8s.ParseDNSPolicy(opts.DNSPolicy)
	if !ok {
		return in, Usagef("--dns-policy: %s is not a DNS policy: want ClusterFirst, ClusterFirstWithHostNet, Default or None", quoteToken(opts.DNSPolicy))
	}
	in.DNSPolicy = policy
	for _, s := range opts.ClusterDNS {
		for _, part := range strings.Split(s, ",") {
			a, err := netip.ParseAddr(strings.TrimSpace(part))
			if err != nil || a.Zone() != "" {
				return in, Usagef("--cluster-dns: %s is not an IP address: want e.g. 10.96.0.10", quoteToken(part))
			}
			in.ClusterDNS = append(in.ClusterDNS, a.Unmap())
		}
	}
	for _, s := range opts.NodeIPs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return in, Usagef("--node-ip: %s is not an IP address: want e.g. 198.51.100.10", quoteToken(s))
		}
		in.NodeIPs = append(in.NodeIPs, a)
	}
	changed := opts.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	switch {
	case changed("host-resolv-conf") && opts.HostResolvConf == "":
		in.ResolvConf = "" // kubelet --resolv-conf=""
	case opts.HostResolvConf != "":
		data, name, err := k8sReadFile(env, opts.HostResolvConf, "--host-resolv-conf:")
		if err != nil {
			return in, err
		}
		in.ResolvConf, in.ResolvConfData = name, data
	default:
		in.ResolvConf = "(no --host-resolv-conf: an empty node file)"
	}
	if opts.DNSConfig != "" {
		data, name, err := k8sReadFile(env, opts.DNSConfig, "--dns-config:")
		if err != nil {
			return in, err
		}
		c, err := k8s.PodResolvConfParseDNSConfig(data, name)
		if err != nil {
			return in, k8sManifestErr(err)
		}
		in.DNSConfig = c
	}
	if opts.Pod != "" {
		data, name, err := k8sReadFile(env, opts.Pod, "--pod:")
		if err != nil {
			return in, err
		}
		p, err := k8s.PodResolvConfParsePod(data, name)
		if err != nil {
			return in, k8sManifestErr(err)
		}
		in.PodName, in.Namespace, in.PodUID = p.Name, p.Namespace, p.UID
		in.DNSPolicy, in.HostNetwork, in.DNSConfig = p.DNSPolicy, p.HostNetwork, p.DNSConfig
	}
	if err := k8s.PodResolvConfValidate(in.DNSPolicy, in.DNSConfig); err != nil {
		msgs := strings.Split(err.Error(), "\n")
		return in, BadInputf("the API server rejects this pod: %s", strings.Join(msgs, "; "))
	}
	return in, nil
}

// k8sManifestErr is bad input naming the file, the line and the value,
// from the manifest readers' typed errors (*k8s.PodManifestError,
// *kubeproxy.ParseError), which say it with Message.
func k8sManifestErr(err error) error {
	var m interface{ Message() string }
	if errors.As(err, &m) {
		return BadInput(errors.New(m.Message()))
	}
	return BadInput(err)
}

// k8sPodResolvConf is kubelet's resolv.conf for the pod the flags
// describe; its events go to standard error as warnings.
func k8sPodResolvConf(env *Env, opts *k8sResolvConfOptions) (*k8s.PodResolvConfResult, error) {
	in, err := k8sResolvConfInput(env, opts)
	if err != nil {
		return nil, err
	}
	r, err := k8s.PodResolvConf(in)
	if err != nil {
		var pe *k8s.PodResolvConfError
		if errors.As(err, &pe) {
			return nil, BadInputf("%s: kubelet cannot create the pod's sandbox: %s", pe.File, pe.Msg)
		}
		return nil, err
	}
	for _, e := range r.Events {
		env.Warnf("kubelet event on the %s: %s %s: %s", e.Object, e.Type, e.Reason, e.Message)
	}
	return r, nil
}

func k8sResolvConfRun(env *Env, opts *k8sResolvConfOptions) error {
	r, err := k8sPodResolvConf(env, opts)
	if err != nil {
		return err
	}
	if !opts.Explain {
		r.Steps = nil
	}
	if env.JSON() {
		return WriteJSON(env.Out, k8sResolvConfJSON{Type: "resolv_conf", File: r.File(), PodResolvConfResult: r})
	}
	io.WriteString(env.Out, r.File())
	if opts.Explain {
		io.WriteString(env.Out, "\n; where each line came from:\n")
		t := env.NewTable()
		t.Row(env.Paint(Bold, ";"), env.Paint(Bold, "LINE"), env.Paint(Bold, "ENTRY"), env.Paint(Bold, "ACTION"), env.Paint(Bold, "FROM"))
		for _, s := range r.Steps {
			line, val := s.Line, s.Value
			if line == "" {
				line, val = "-", "-"
			}
			t.Row(";", line, val, s.Action, s.From)
		}
		t.Flush()
		if r.OptionsOrderVaries {
			io.WriteString(env.Out, "; kubelet's order of the options varies from pod to pod (a Go map); netcalc prints the base options first, then the pod's\n")
		}
		if r.File() == "" {
			io.WriteString(env.Out, "; the file is empty: no nameserver, the pod's resolver asks 127.0.0.1\n")
		}
	}
	return nil
}

// k8sDNSOptions are the flags of "netcalc k8s dns".
type k8sDNSOptions struct {
	Services      string
	ClusterDomain string
	TTL           uint32
	Pods          string
	Type          string
	Explain       bool
	Listen        string
}

func addK8sDNSFlags(cmd *cobra.Command, opts *k8sDNSOptions) {
	f := cmd.Flags()
	f.StringVar(&opts.Services, "services", "", "the cluster's Services, EndpointSlices and Pods, a YAML `FILE` as kube-proxy reads it (- for standard input)")
	f.StringVar(&opts.ClusterDomain, "cluster-domain", "cluster.local", "the cluster's DNS zone `DOMAIN`")
	f.Uint32Var(&opts.TTL, "ttl", 30, "TTL of every record in `SECONDS`, 1-3600 (kubeadm's Corefile: 30)")
	f.StringVar(&opts.Pods, "pods", "insecure", "pod records a-b-c-d.NS.pod.ZONE, `MODE`: insecure (kubeadm), verified (only Pods in the file) or disabled")
	_ = cmd.MarkFlagRequired("services")
}

// newK8sDNSCmd is "netcalc k8s dns": the cluster DNS server's answers.
func newK8sDNSCmd(env *Env) *cobra.Command {
	opts := &k8sDNSOptions{}
	cmd := &cobra.Command{
		Use:   "dns NAME [TYPE] --services FILE",
		Short: "Answer a DNS question as the cluster's DNS server (CoreDNS) would, from Service and EndpointSlice manifests",
		Long: `Answer NAME (type A unless TYPE or -t says otherwise) as a cluster DNS server
following the Kubernetes DNS specification (schema 1.1.0) does, the way
CoreDNS's kubernetes plugin does it, from the manifests in --services FILE:
the Services and EndpointSlices kube-proxy reads (through the same parser),
plus Pods (their spec.hostname and spec.subdomain name headless endpoints,
as the EndpointSlice controller does) and ExternalName Services.

  SVC.NS.svc.ZONE            A/AAAA: the cluster IP; headless: every ready
                             endpoint (none ready: NXDOMAIN)
  EP.SVC.NS.svc.ZONE         an endpoint by hostname or dashed address
  _PORT._PROTO.SVC.NS.svc.ZONE
                             SRV for a named port (priority 0, weight
                             100/records), targets' addresses in additional
  ExternalName Services      CNAME to the external name
  A-B-C-D.NS.pod.ZONE        the address A.B.C.D (--pods insecure)
  reverse names              PTR for cluster IPs and ready endpoints
  dns-version.ZONE           TXT "1.1.0"

A name that exists without records of the type is NODATA (NOERROR, no
answer, the SOA in the authority section); a name that does not exist is
NXDOMAIN; names outside the zone and the reverse zones are REFUSED (CoreDNS
would forward them). Exit 0 with records, exit 1 for NODATA, NXDOMAIN or
REFUSED. -o json prints the answer with an "rcode" field; --explain says
which rule decided it.`,
		Example: `  netcalc k8s dns api.shop.svc.cluster.local --services cluster.yaml
  netcalc k8s dns _postgres._tcp.db.shop.svc.cluster.local SRV --services cluster.yaml
  netcalc k8s dns 10.96.0.20 PTR --services cluster.yaml --explain
  netcalc k8s dns serve --services cluster.yaml --listen 127.0.0.1:5398`,
		Args: explainArgs(nil, cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			typ, given := opts.Type, cmd.Flags().Changed("type") || len(args) == 2
			if len(args) == 2 {
				if cmd.Flags().Changed("type") {
					return Usagef("the type is given twice (%s and -t %s): want one", quoteToken(args[1]), quoteToken(opts.Type))
				}
				typ = args[1]
			}
			return k8sDNSRun(env, opts, args[0], typ, given)
		},
	}
	addK8sDNSFlags(cmd, opts)
	cmd.Flags().StringVarP(&opts.Type, "type", "t", "A", "DNS record `TYPE` (A, AAAA, SRV, PTR, CNAME, TXT, SOA, NS...)")
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "say which rule decided the answer")
	cmd.AddCommand(newK8sDNSServeCmd(env))
	return cmd
}

func newK8sDNSServeCmd(env *Env) *cobra.Command {
	opts := &k8sDNSOptions{}
	cmd := &cobra.Command{
		Use:   "serve --services FILE [--listen ADDR:PORT]",
		Short: "Serve the cluster's DNS answers on a local address (UDP and TCP) until interrupted",
		Long: `Serve the answers of "netcalc k8s dns" over DNS (UDP and TCP) on --listen
(default 127.0.0.1:5398; port 0 picks a free one) until interrupted, so that
a resolver can ask it: for instance "netcalc resolve --resolv-conf POD-FILE
--server 127.0.0.1:5398 NAME", POD-FILE being what "netcalc k8s resolv-conf"
prints. The address is printed on standard error when the server is ready;
every query is printed on standard output as it arrives (the transport, the
client, the name, the type and the rcode), in JSON with -o json.`,
		Example: `  netcalc k8s dns serve --services cluster.yaml --listen 127.0.0.1:5398`,
		Args:    explainArgs(nil, cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return k8sDNSServeRun(cmd.Context(), env, opts)
		},
	}
	addK8sDNSFlags(cmd, opts)
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:5398", "local `ADDR:PORT` to serve on (UDP and TCP)")
	return cmd
}

// k8sLoadClusterDNS reads --services and applies the flags.
func k8sLoadClusterDNS(env *Env, opts *k8sDNSOptions) (*k8s.ClusterDNS, error) {
	if opts.TTL < 1 || opts.TTL > 3600 {
		return nil, Usagef("--ttl: %d is out of range: want 1-3600 (CoreDNS allows 0-3600; netcalc's zero TTL means its default, 30)", opts.TTL)
	}
	mode, ok := k8s.ParseClusterDNSPodMode(opts.Pods)
	if !ok {
		return nil, Usagef("--pods: %s is not a pod mode: want insecure, verified or disabled", quoteToken(opts.Pods))
	}
	data, name, err := k8sReadFile(env, opts.Services, "--services:")
	if err != nil {
		return nil, err
	}
	c, err := k8s.ClusterDNSParse(data, name)
	if err != nil {
		return nil, k8sManifestErr(err)
	}
	c.Zone, c.TTL, c.Pods = opts.ClusterDomain, opts.TTL, mode
	for _, n := range c.Notes {
		env.Errorf("note: %s", clusterDNSNote(n))
	}
	return c, nil
}

// clusterDNSNote words a note of k8s.ClusterDNSParse.
func clusterDNSNote(n k8s.ClusterDNSNote) string {
	if n.Kind == k8s.NoteEndpointHostname {
		return fmt.Sprintf("EndpointSlice %s: endpoint hostname %q is not read (kube-proxy's manifest parser drops it); the endpoint is named by its address unless a Pod in the file has spec.hostname %[2]q and spec.subdomain naming the Service", n.Slice, n.Hostname)
	}
	return string(n.Kind)
}

// k8sDNSQuestion turns NAME into a question: an IP address is asked as
// its reverse name (PTR unless a type is given).
func k8sDNSQuestion(name, typ string, typeGiven bool) (string, resolve.Type, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		name = resolve.ReverseName(a.Unmap())
		if !typeGiven {
			typ = "PTR"
		}
	}
	t, err := resolve.ParseType(typ)
	if err != nil {
		return "", 0, Usagef("%s is not a DNS record type: want a name such as A, AAAA, SRV, PTR or TYPE65", quoteToken(typ))
	}
	if strings.Contains(name, "..") || strings.HasPrefix(name, ".") || name == "" {
		return "", 0, BadInputf("%s is not a domain name: want e.g. api.shop.svc.cluster.local", quoteToken(name))
	}
	return name, t, nil
}

func k8sDNSRun(env *Env, opts *k8sDNSOptions, name, typ string, typeGiven bool) error {
	c, err := k8sLoadClusterDNS(env, opts)
	if err != nil {
		return err
	}
	qname, qtype, err := k8sDNSQuestion(name, typ, typeGiven)
	if err != nil {
		return err
	}
	a := c.Answer(qname, qtype)
	if env.JSON() {
		if !opts.Explain {
			a.Why = nil
		}
		if err := WriteJSON(env.Out, a); err != nil {
			return err
		}
	} else {
		k8sPrintAnswer(env, a, opts.Explain)
	}
	if len(a.Answer) == 0 {
		return silentExit{ExitFail}
	}
	return nil
}

func k8sPrintAnswer(env *Env, a *k8s.ClusterDNSAnswer, explain bool) {
	if len(a.Answer) > 0 {
		t := env.NewTable()
		t.Row(env.Paint(Bold, "NAME"), env.Paint(Bold, "TYPE"), env.Paint(Bold, "TTL"), env.Paint(Bold, "DATA"))
		for _, r := range a.Answer {
			t.Row(r.Name, r.Type.String(), strconv.FormatUint(uint64(r.TTL), 10), r.Data)
		}
		t.Flush()
	}
	status := a.Rcode.String()
	if a.NoData() {
		status = "NOERROR, no " + a.Type.String() + " record (NODATA)"
	}
	if a.Authoritative {
		status += ", authoritative"
	}
	fmt.Fprintf(env.Out, "; %s %s: %s\n", a.Name, a.Type, status)
	for _, r := range a.Authority {
		fmt.Fprintf(env.Out, "; authority: %s\n", r)
	}
	for _, r := range a.Additional {
		fmt.Fprintf(env.Out, "; additional: %s\n", r)
	}
	if explain {
		for _, w := range a.Why {
			fmt.Fprintf(env.Out, "; why: %s\n", w)
		}
	}
}

// k8sServeQueryJSON is one query line of "k8s dns serve -o json".
type k8sServeQueryJSON struct {
	Type      string         `json:"type"`
	Transport string         `json:"transport"`
	Client    netip.AddrPort `json:"client"`
	Name      string         `json:"name"`
	QType     resolve.Type   `json:"qtype"`
	Rcode     resolve.Rcode  `json:"rcode"`
	Answers   int            `json:"answers"`
}

func k8sDNSServeRun(ctx context.Context, env *Env, opts *k8sDNSOptions) error {
	c, err := k8sLoadClusterDNS(env, opts)
	if err != nil {
		return err
	}
	ap, err := netip.ParseAddrPort(opts.Listen)
	if err != nil {
		return Usagef("--listen: %s is not ADDR:PORT: want e.g. 127.0.0.1:5398", quoteToken(opts.Listen))
	}
	pc, err := net.ListenPacket("udp", ap.String())
	if err != nil {
		return Failedf("--listen %s: %v", ap, k8sNetErr(err))
	}
	defer pc.Close()
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		return Failedf("--listen %s (tcp): %v", pc.LocalAddr(), k8sNetErr(err))
	}
	defer ln.Close()
	if ctx == nil {
		ctx = context.Background()
	}
	var mu sync.Mutex
	onQuery := func(from netip.AddrPort, tr string, a *k8s.ClusterDNSAnswer) {
		mu.Lock()
		defer mu.Unlock()
		if env.JSON() {
			WriteJSON(env.Out, k8sServeQueryJSON{Type: "query", Transport: tr, Client: from, Name: a.Name, QType: a.Type, Rcode: a.Rcode, Answers: len(a.Answer)})
		} else {
			status := a.Rcode.String()
			if a.NoData() {
				status = "NODATA"
			}
			fmt.Fprintf(env.Out, "%s\t%s\t%s\t%s\t%s\t%s\n", tr, from, a.Name, a.Type, status, countOf(len(a.Answer), "answer"))
		}
		_ = env.Out.Flush()
	}
	env.Errorf("serving %s (%d Services) on %s (udp, tcp); interrupt to stop", c.ZoneName(), len(c.Services), pc.LocalAddr())
	if err := c.Serve(ctx, pc, k8s.ClusterDNSServeOptions{Listener: ln, OnQuery: onQuery}); err != nil {
		return Failed(err)
	}
	return nil
}

func k8sNetErr(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// addK8sPodDNSFlags adds the pod's and the kubelet's flags of
// "k8s resolv-conf" (without --explain) to another command, for
// "netcalc resolve --pod FILE NAME": see k8sPodResolveConfig.
func addK8sPodDNSFlags(cmd *cobra.Command, opts *k8sResolvConfOptions) {
	f := cmd.Flags()
	f.StringVar(&opts.Pod, "pod", "", "resolve as this pod would: a Pod manifest `FILE` (its resolv.conf as kubelet forms it; see netcalc k8s resolv-conf)")
	f.StringVar(&opts.Namespace, "namespace", "default", "with the pod flags: the pod's `NAMESPACE`")
	f.StringVar(&opts.DNSPolicy, "dns-policy", "ClusterFirst", "with the pod flags: the pod's dnsPolicy `POLICY`")
	f.BoolVar(&opts.HostNetwork, "host-network", false, "with the pod flags: the pod uses the host's network")
	f.StringVar(&opts.DNSConfig, "dns-config", "", "with the pod flags: the pod's dnsConfig `FILE`")
	f.StringArrayVar(&opts.ClusterDNS, "cluster-dns", nil, "with the pod flags: kubelet --cluster-dns `IP`, repeatable")
	f.StringVar(&opts.ClusterDomain, "cluster-domain", "cluster.local", "with the pod flags: kubelet --cluster-domain `DOMAIN`")
	f.StringVar(&opts.HostResolvConf, "host-resolv-conf", "", "with the pod flags: the node's resolv.conf `FILE` kubelet reads")
	for _, fl := range []string{"namespace", "dns-policy", "host-network", "dns-config"} {
		cmd.MarkFlagsMutuallyExclusive("pod", fl)
	}
	opts.changed = f.Changed
}

// k8sPodDNSFlagsSet reports whether any pod flag of addK8sPodDNSFlags was
// given: then the pod's resolv.conf replaces the host's.
func k8sPodDNSFlagsSet(cmd *cobra.Command) bool {
	for _, fl := range []string{"pod", "namespace", "dns-policy", "host-network", "dns-config", "cluster-dns", "cluster-domain", "host-resolv-conf"} {
		if cmd.Flags().Changed(fl) {
			return true
		}
	}
	return false
}

// k8sPodResolvConfFile is the text of k8sPodResolvConf.
func k8sPodResolvConfFile(env *Env, opts *k8sResolvConfOptions) (string, error) {
	r, err := k8sPodResolvConf(env, opts)
	if err != nil {
		return "", err
	}
	return r.File(), nil
}

// k8sPodResolvConfName names the pod's file in resolver warnings.
const k8sPodResolvConfName = "kubelet's resolv.conf for the pod"

// k8sPodResolveConfig is the resolver configuration of the pod the flags
// describe: kubelet's resolv.conf for it read with glibc's rules, as the
// pod's C library reads it (for musl, read k8sPodResolvConfFile with
// resolve.ParseMuslResolvConf). The file's nameservers are cluster
// addresses; "netcalc resolve" points the queries elsewhere with --server
// (for instance at "netcalc k8s dns serve").
func k8sPodResolveConfig(env *Env, opts *k8sResolvConfOptions, confEnv resolve.ConfEnv) (resolve.Config, error) {
	text, err := k8sPodResolvConfFile(env, opts)
	if err != nil {
		return resolve.Config{}, err
	}
	// The container has no LOCALDOMAIN or RES_OPTIONS of the host, and its
	// hostname is the pod's.
	confEnv.Getenv, confEnv.Hostname = nil, ""
	return resolve.ParseResolvConf(strings.NewReader(text), k8sPodResolvConfName, confEnv)
}
