package cli

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// kubeProxyNFTFlags are the settings only the nftables mode reads:
// --service-cidr, --nodeport-addresses (CIDRs) and
// --nftables-localhost-nodeports (kube-proxy's
// KubeProxyNFTablesLocalhostNodePorts feature gate).
type kubeProxyNFTFlags struct {
	ServiceCIDRs      []string
	NodePortAddresses []string
	LocalhostReject   bool
}

// addKubeProxyNFTFlags registers the nftables-only flags on a kube-proxy
// rules or trace command. When the other mode registers
// --nodeport-addresses itself, pass withNodePortAddresses false.
func addKubeProxyNFTFlags(cmd *cobra.Command, f *kubeProxyNFTFlags, withNodePortAddresses bool) {
	fs := cmd.Flags()
	fs.StringSliceVar(&f.ServiceCIDRs, "service-cidr", nil, "Service IP range `CIDR`, repeatable (--mode nftables: traffic to an unallocated address in it is dropped)")
	if withNodePortAddresses {
		fs.StringSliceVar(&f.NodePortAddresses, "nodeport-addresses", nil, "`CIDR`s of the node IPs that accept NodePorts, repeatable (default: every local address but loopback)")
	}
	fs.BoolVar(&f.LocalhostReject, "nftables-localhost-nodeports", false, "--mode nftables: kube-proxy's KubeProxyNFTablesLocalhostNodePorts gate (alpha in 1.37): count and reject NodePort traffic to loopback")
}

// options checks the flags and returns them as the library's options.
func (f *kubeProxyNFTFlags) options() (kubeproxy.NFTOptions, error) {
	var o kubeproxy.NFTOptions
	o.LocalhostNodePortReject = f.LocalhostReject
	for _, l := range []struct {
		flag string
		in   []string
		out  *[]netip.Prefix
	}{{"--service-cidr", f.ServiceCIDRs, &o.ServiceCIDRs}, {"--nodeport-addresses", f.NodePortAddresses, &o.NodePortAddresses}} {
		for _, s := range l.in {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return o, BadInputf("%s: %s is not a CIDR prefix: want e.g. 10.96.0.0/12 or 2001:db8::/64", l.flag, quoteToken(s))
			}
			*l.out = append(*l.out, p.Masked())
		}
	}
	return o, nil
}

// kubeProxyNFTJSON is the JSON of `kube-proxy rules --mode nftables`.
type kubeProxyNFTJSON struct {
	Version string                `json:"kube_proxy_version"`
	Family  string                `json:"family"`
	Table   string                `json:"table"`
	Objects []kubeproxy.NFTObject `json:"objects"`
	Ports   []kubeproxy.NFTPort   `json:"ports"`
}

// runKubeProxyRulesNFT prints what kube-proxy's nftables proxier hands to
// nft for cfg: the "add" transaction, loadable with nft -f.
func runKubeProxyRulesNFT(env *Env, cfg *kubeproxy.Config, nft kubeproxy.NFTOptions) error {
	rs := kubeproxy.RenderNFT(cfg, nft)
	if env.JSON() {
		ports := rs.Ports
		if ports == nil {
			ports = []kubeproxy.NFTPort{}
		}
		return WriteJSON(env.Out, kubeProxyNFTJSON{Version: kubeproxy.NFTVersion, Family: rs.Family, Table: kubeproxy.NFTTable, Objects: rs.Objects, Ports: ports})
	}
	_, err := rs.WriteTo(env.Out)
	return err
}

// runKubeProxyTraceNFT walks p (its source and destination already
// checked against the run's family) through the nftables table:
// connections > 1 prints the distribution instead. A rejected or dropped
// packet exits 1.
func runKubeProxyTraceNFT(env *Env, cfg *kubeproxy.Config, nft kubeproxy.NFTOptions, p kubeproxy.Packet, connections int, seed uint64) error {
	return traceNFTRuleset(env, kubeproxy.RenderNFT(cfg, nft), cfg, p, connections, seed)
}

// traceNFTRuleset traces p through rs, rendered from a manifest or read
// from a node's nft list ruleset, and prints the walk or, with
// connections > 1, the spread over the endpoints.
func traceNFTRuleset(env *Env, rs *kubeproxy.NFTRuleset, cfg *kubeproxy.Config, p kubeproxy.Packet, connections int, seed uint64) error {
	tr := kubeproxy.NewNFTTracer(rs, seed)
	if connections > 1 {
		d := tr.Distribute(p, connections)
		if env.JSON() {
			return WriteJSON(env.Out, d)
		}
		return writeDistribution(env, p, d, "after the first connection the client was in the endpoint's affinity set, and every later connection went to the same endpoint")
	}
	r := tr.Trace(p)
	if env.JSON() {
		if err := WriteJSON(env.Out, r); err != nil {
			return err
		}
	} else {
		writeNFTTrace(env, r)
	}
	if r.Verdict == "REJECT" || r.Verdict == "DROP" {
		env.Record(ExitFail)
	}
	return env.Finish()
}

// nftHookWords says where each base chain sits.
var nftHookWords = map[string]string{
	"filter-prerouting-pre-dnat": "prerouting, filter before DNAT (priority -110)",
	"filter-output-pre-dnat":     "output, filter before DNAT (priority -110)",
	"nat-prerouting":             "prerouting, DNAT (priority -100)",
	"nat-output":                 "output, DNAT (priority -100)",
	"filter-input":               "input, filter (priority 0)",
	"filter-forward":             "forward, filter (priority 0)",
	"filter-output":              "output, filter (priority 0)",
	"nat-postrouting":            "postrouting, SNAT (priority 100)",
}

func writeNFTTrace(env *Env, r kubeproxy.NFTResult) {
	w := env.Out
	p := r.Packet
	fam := "ip"
	if r.IPv6 {
		fam = "ip6"
	}
	path := "prerouting"
	if len(r.Chains) > 0 && strings.HasSuffix(r.Chains[0], "output-pre-dnat") {
		path = "output (sent by the node)"
	}
	fmt.Fprintf(w, "packet     %s %s -> %s (first packet, %s path, table %s kube-proxy)\n", p.Proto, p.Src, p.Dst, path, fam)
	if r.Service != "" {
		fmt.Fprintf(w, "service    %s\n", r.Service)
	}
	for _, s := range r.Steps {
		ind := strings.Repeat("  ", s.Depth+1)
		switch s.Action {
		case kubeproxy.ActionEnter:
			if s.Depth == 0 {
				fmt.Fprintf(w, "\n%s\n", env.Paint(Bold, "chain "+s.Chain+"  ("+nftHookWords[s.Chain]+")"))
				continue
			}
			fmt.Fprintf(w, "%s%s\n", ind, env.Paint(Cyan, s.Chain))
		case kubeproxy.ActionSkip:
			fmt.Fprintf(w, "%s  %s\n", ind, env.Paint(Dim, fmt.Sprintf("(%s did not match)", countNoun(s.Count, "rule"))))
		case kubeproxy.ActionMatch:
			fmt.Fprintf(w, "%s  %s %s\n", ind, env.Paint(Green, "match:"), s.Rule)
		case kubeproxy.ActionLookup:
			l := s.Lookup
			what := "no element"
			switch {
			case l.Hit && l.Value != "":
				what = "-> " + l.Value
			case l.Hit:
				what = "is in the set"
			}
			if strings.HasPrefix(l.Set, kubeproxy.NFTPrefixAffinity) {
				what = "not there: no recent connection from this client"
				if l.Hit {
					what = "there: this client used the endpoint recently (ClientIP affinity)"
				}
			}
			fmt.Fprintf(w, "%s  %s @%s { %s }: %s\n", ind, paintHit(env, l.Hit), l.Set, l.Key, what)
		case kubeproxy.ActionNumgen:
			fmt.Fprintf(w, "%s    numgen random mod %d drew %d: %s\n", ind, s.Draw.Mod, s.Draw.Pick, s.Draw.Value)
		case kubeproxy.ActionUpdate:
			fmt.Fprintf(w, "%s    %s added to @%s: later connections from it stick to this endpoint\n", ind, s.Lookup.Key, s.Lookup.Set)
		case kubeproxy.ActionVerdict:
			v := strings.ToLower(s.Verdict)
			if v == "accept" {
				v = "accept (continues to the next hook)"
			} else {
				v = env.Paint(Red, v)
			}
			fmt.Fprintf(w, "  %s %s\n", env.Paint(Bold, "verdict:"), v)
		}
	}
	fmt.Fprintln(w)
	if len(r.Choices) > 0 {
		fmt.Fprintf(w, "balanced by %s (numgen random mod %d, each new connection independently):\n", r.BalancedBy, len(r.Choices))
		rows := [][]string{{"  element", "endpoint", "chain", "share", ""}}
		for _, c := range r.Choices {
			mark := ""
			if c.Endpoint == r.Endpoint && r.Verdict == "DNAT" {
				mark = "<- chosen"
				if r.Affinity {
					mark += " (affinity)"
				}
			}
			ch := c.Chain
			if ch == "" {
				ch = "-"
			}
			rows = append(rows, []string{"  " + strconv.Itoa(c.Index), c.Endpoint.String(), ch, fmt.Sprintf("%.2f%%", 100*c.Share), mark})
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
		m := "no"
		if r.Masquerade {
			m = "yes (masquerade fully-random), source becomes " + r.SNAT.String()
		}
		fmt.Fprintf(w, "masquerade %s\n", m)
		for _, why := range r.MasqueradeReasons {
			fmt.Fprintf(w, "  why: %s\n", nftMasqWords(why, r))
		}
		if !r.Masquerade {
			fmt.Fprintf(w, "  why: nothing set the masquerade mark %#x and the connection is no hairpin: the endpoint sees %s\n", r.MasqueradeMark, r.Packet.Src.Addr())
		}
		if r.Conntrack != nil {
			fmt.Fprintf(w, "conntrack  %s\n", r.Conntrack)
		}
	case "NONE":
		fmt.Fprintln(w, "verdict    no kube-proxy rule changes this packet: it is routed unchanged")
	default:
		fmt.Fprintf(w, "verdict    %s\n", env.Paint(Red, r.Verdict))
	}
}

func paintHit(env *Env, hit bool) string {
	if hit {
		return env.Paint(Green, "lookup:")
	}
	return env.Paint(Dim, "lookup:")
}

// nftMasqWords says why a rule asked for masquerading.
func nftMasqWords(reason packet.Reason, r kubeproxy.NFTResult) string {
	switch reason {
	case kubeproxy.MasqOffCluster:
		return fmt.Sprintf("services: source %s is outside the cluster CIDR %s, so off-cluster traffic to a ClusterIP is marked %#x and masqueraded (replies return through this node)", r.Packet.Src.Addr(), r.ClusterCIDR, r.MasqueradeMark)
	case kubeproxy.MasqAll:
		return "services: --masquerade-all marks every ClusterIP connection"
	case kubeproxy.MasqExternalCluster:
		return "external chain: externalTrafficPolicy Cluster marks external traffic, as the endpoint may be on another node (the client address is lost)"
	case kubeproxy.MasqLocalExternal:
		return "external chain: the node itself connects (fib saddr type local) to a Local-policy Service; masqueraded so the endpoint can reply"
	case kubeproxy.MasqHairpin:
		return fmt.Sprintf("masquerading: hairpin, the endpoint %s is the client itself (@hairpin-connections); without SNAT it would answer itself directly", r.Endpoint.Addr())
	}
	return string(reason)
}
