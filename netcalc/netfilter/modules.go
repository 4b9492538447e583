package netfilter

// builtinOptions are the options iptables itself parses (not a match
// module), with their canonical short name; each takes one argument except
// -f.
var builtinOptions = map[string]string{
	"-s": "-s", "--source": "-s", "--src": "-s",
	"-d": "-d", "--destination": "-d", "--dst": "-d",
	"-p": "-p", "--protocol": "-p",
	"-i": "-i", "--in-interface": "-i",
	"-o": "-o", "--out-interface": "-o",
	"-f": "-f", "--fragment": "-f",
}

// moduleOptions lists, for the match modules the parser knows, each option
// and how many arguments it takes. An option after "-m NAME" is given to
// the nearest earlier module that defines it; options of modules not listed
// here go to the module they follow. The walker evaluates only some of
// these (see walk.go); the list is for parsing.
var moduleOptions = map[string]map[string]int{
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

// protoModules maps a -p protocol to the match module it loads implicitly,
// so that "-p tcp --dport 80" works without "-m tcp".
var protoModules = map[string]string{
	"tcp": "tcp", "udp": "udp", "udplite": "udplite", "sctp": "sctp", "dccp": "dccp",
	"icmp": "icmp", "icmpv6": "icmp6", "ipv6-icmp": "icmp6",
}
