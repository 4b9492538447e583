package netfilter

import "sync"

// builtinOption returns the canonical short name of an option iptables
// itself parses (not a match module), or "" for any other option; each
// takes one argument except -f.
func builtinOption(name string) string {
	switch name {
	case "-s", "--source", "--src":
		return "-s"
	case "-d", "--destination", "--dst":
		return "-d"
	case "-p", "--protocol":
		return "-p"
	case "-i", "--in-interface":
		return "-i"
	case "-o", "--out-interface":
		return "-o"
	case "-f", "--fragment":
		return "-f"
	}
	return ""
}

// moduleOptions lists, for the match modules the parser knows, each option
// and how many arguments it takes. An option after "-m NAME" is given to
// the nearest earlier module that defines it; options of modules not listed
// here go to the module they follow. The walker evaluates only some of
// these (see walk.go); the list is for parsing. It is built on first use.
var moduleOptions = sync.OnceValue(func() map[string]map[string]int {
	return map[string]map[string]int{
		"tcp": {"--sport": 1, "--source-port": 1, "--dport": 1, "--destination-port": 1,
			"--tcp-flags": 2, "--syn": 0, "--tcp-option": 1},
		"udp":     {"--sport": 1, "--source-port": 1, "--dport": 1, "--destination-port": 1},
		"udplite": {"--sport": 1, "--source-port": 1, "--dport": 1, "--destination-port": 1},
		"sctp": {"--sport": 1, "--source-port": 1, "--dport": 1, "--destination-port": 1,
			"--chunk-types": 2},
		"dccp": {"--sport": 1, "--source-port": 1, "--dport": 1, "--destination-port": 1,
			"--dccp-types": 1, "--dccp-option": 1},
		"icmp":     {"--icmp-type": 1},
		"icmp6":    {"--icmpv6-type": 1},
		"comment":  {"--comment": 1},
		"mark":     {"--mark": 1},
		"connmark": {"--mark": 1},
		"state":    {"--state": 1},
		"conntrack": {"--ctstate": 1, "--ctproto": 1, "--ctorigsrc": 1, "--ctorigdst": 1,
			"--ctreplsrc": 1, "--ctrepldst": 1, "--ctorigsrcport": 1, "--ctorigdstport": 1,
			"--ctreplsrcport": 1, "--ctrepldstport": 1, "--ctstatus": 1, "--ctexpire": 1, "--ctdir": 1},
		"statistic": {"--mode": 1, "--probability": 1, "--every": 1, "--packet": 1},
		"recent": {"--name": 1, "--set": 0, "--rcheck": 0, "--update": 0, "--remove": 0,
			"--seconds": 1, "--reap": 0, "--hitcount": 1, "--rttl": 0, "--rsource": 0,
			"--rdest": 0, "--mask": 1},
		"addrtype": {"--src-type": 1, "--dst-type": 1, "--limit-iface-in": 0, "--limit-iface-out": 0},
		"multiport": {"--sports": 1, "--source-ports": 1, "--dports": 1, "--destination-ports": 1,
			"--ports": 1},
		"nfacct": {"--nfacct-name": 1},
	}
})

// protoModule returns the match module a -p protocol loads implicitly,
// so that "-p tcp --dport 80" works without "-m tcp", or "".
func protoModule(proto string) string {
	switch proto {
	case "tcp", "udp", "udplite", "sctp", "dccp", "icmp":
		return proto
	case "icmpv6", "ipv6-icmp":
		return "icmp6"
	}
	return ""
}
