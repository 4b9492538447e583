package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// nftAffinityWords say how ClientIP affinity held a client in nftables
// mode (see writeDistribution).
const nftAffinityWords = "after the first connection the client was in the endpoint's affinity set, and every later connection went to the same endpoint"

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

func writeNFTTrace(env *Env, r kubeproxy.NFTTraceResult) {
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
	fmt.Fprintf(w, "packet     %s %s -> %s (first packet, %s path, table %s kube-proxy)\n", p.Protocol, p.Src, p.Dst, path, fam)
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
		writeChoices(w, rows)
	}
	writeVerdict(env, r.Verdict, r.Endpoint, r.Affinity, "no kube-proxy rule changes this packet: it is routed unchanged")
	if r.Verdict != "DNAT" {
		return
	}
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
}

func paintHit(env *Env, hit bool) string {
	if hit {
		return env.Paint(Green, "lookup:")
	}
	return env.Paint(Dim, "lookup:")
}

// nftMasqReasons word why a rule asked for masquerading, with {src} the
// client address, {cidr} the cluster CIDR, {mark} the masquerade mark and
// {endpoint} the endpoint's address.
var nftMasqReasons = map[packet.Reason]string{
	kubeproxy.MasqOffCluster:      "services: source {src} is outside the cluster CIDR {cidr}, so off-cluster traffic to a ClusterIP is marked {mark} and masqueraded (replies return through this node)",
	kubeproxy.MasqAll:             "services: --masquerade-all marks every ClusterIP connection",
	kubeproxy.MasqExternalCluster: "external chain: externalTrafficPolicy Cluster marks external traffic, as the endpoint may be on another node (the client address is lost)",
	kubeproxy.MasqLocalExternal:   "external chain: the node itself connects (fib saddr type local) to a Local-policy Service; masqueraded so the endpoint can reply",
	kubeproxy.MasqHairpin:         "masquerading: hairpin, the endpoint {endpoint} is the client itself (@hairpin-connections); without SNAT it would answer itself directly",
}

// nftMasqWords says why a rule asked for masquerading.
func nftMasqWords(reason packet.Reason, r kubeproxy.NFTTraceResult) string {
	return reasonWords(nftMasqReasons, reason, "{src}", r.Packet.Src.Addr().String(), "{cidr}", fmt.Sprint(r.ClusterCIDR),
		"{mark}", fmt.Sprintf("%#x", r.MasqueradeMark), "{endpoint}", r.Endpoint.Addr().String())
}
