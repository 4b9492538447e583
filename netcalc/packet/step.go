package packet

import "net/netip"

// Tuple names a packet of a flow: protocol, source and destination. For
// ICMP the source port is the echo identifier and the destination port 0.
type Tuple struct {
	Protocol Protocol       `json:"protocol"`
	Src      netip.AddrPort `json:"src"`
	Dst      netip.AddrPort `json:"dst"`
}

// String returns "tcp 10.0.0.5:40000 -> 198.51.100.7:443" (for ICMP
// "icmp 10.0.0.5 -> 198.51.100.7 id 40000").
func (t Tuple) String() string {
	if t.Protocol.IsICMP() {
		return t.Protocol.String() + " " + t.Src.Addr().String() + " -> " + t.Dst.Addr().String() + " id " + itoa(t.Src.Port())
	}
	return t.Protocol.String() + " " + t.Src.String() + " -> " + t.Dst.String()
}

func itoa(n uint16) string {
	var b [5]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// Action is what a step did, as a code: each simulator defines its own
// constants (kubeproxy's "enter", "match"; topo's "ROUTED", "NETFILTER";
// nat's "translate"), and printers turn them into words.
type Action string

// Reason is why a step ended as it did, as a code ("port-exhausted",
// "hairpin-disabled", "not-drawn"); "" when there is nothing to explain.
type Reason string

// Step is one thing a simulator did to a packet: a rule it matched, a
// chain it entered, a translation, a route, a drop. The fields a
// simulator has no use for stay zero (nat has no Node or Chain; a route
// step has no Rule).
type Step struct {
	// Node is the host the step happened on (topo); "" for one-box
	// simulators.
	Node string `json:"node,omitempty"`
	// Hook, Table and Chain locate a netfilter step ("PREROUTING", "nat",
	// "KUBE-SERVICES"); Depth counts jumps from the built-in chain.
	Hook  string `json:"hook,omitempty"`
	Table string `json:"table,omitempty"`
	Chain string `json:"chain,omitempty"`
	Depth int    `json:"depth,omitempty"`
	// Rule is the rule the step is about in the kernel tool's syntax
	// (iptables-save's "-A CHAIN ...", nft's list output).
	Rule   string `json:"rule,omitempty"`
	Action Action `json:"action"`
	// Verdict is the netfilter verdict the step decided ("ACCEPT",
	// "DROP", "DNAT"), "" when it decided none.
	Verdict string `json:"verdict,omitempty"`
	Reason  Reason `json:"reason,omitempty"`
	// Count is how many things the step covers, where Action says
	// (rules skipped, tries made).
	Count int `json:"count,omitempty"`
	// Before and After are the packet before and after the step when the
	// step rewrote it (NAT); nil otherwise.
	Before *Tuple `json:"before,omitempty"`
	After  *Tuple `json:"after,omitempty"`
	// Lookup is the set or map lookup the step made (nft's "ip daddr
	// @set", a verdict map, an affinity set it added the source to); nil
	// when it made none.
	Lookup *Lookup `json:"lookup,omitempty"`
	// Draw is the random choice the step made (iptables' statistic match,
	// nft's numgen); nil when it made none.
	Draw *Draw `json:"draw,omitempty"`
}

// Lookup is a key looked up in a named set or map: whether it is there
// and, for a map, the element's value ("goto service-X", "drop").
type Lookup struct {
	Set   string `json:"set"`
	Key   string `json:"key"`
	Hit   bool   `json:"hit,omitempty"`
	Value string `json:"value,omitempty"`
}

// Draw is a random choice: a statistic match that fires with Probability
// (the step's Reason says whether it was drawn), or a numgen that picked
// Pick (0-based) of Mod elements, Value being the element picked ("IP .
// port", "goto CHAIN"). The fields of the other kind stay zero.
type Draw struct {
	Probability float64 `json:"probability,omitempty"`
	Mod         int     `json:"mod,omitempty"`
	Pick        int     `json:"pick"`
	Value       string  `json:"value,omitempty"`
}
