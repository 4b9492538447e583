package kubeproxy

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// ParseProtocol reads a protocol kube-proxy proxies: tcp, udp or sctp in
// any case, or its number (6, 17, 132). Any other text is a
// *ProtocolError.
func ParseProtocol(s string) (packet.Protocol, error) {
	switch strings.ToLower(s) {
	case "tcp", "6":
		return packet.TCP, nil
	case "udp", "17":
		return packet.UDP, nil
	case "sctp", "132":
		return packet.SCTP, nil
	}
	n, err := strconv.Atoi(s)
	return 0, &ProtocolError{Text: s, OutOfRange: err == nil && (n < 0 || n > 255)}
}

// ProtocolError reports text that is not a protocol kube-proxy proxies.
// OutOfRange reports whether it is a number outside 0-255, which is no
// protocol at all.
type ProtocolError struct {
	Text       string
	OutOfRange bool
}

func (e *ProtocolError) Error() string {
	if e.OutOfRange {
		return fmt.Sprintf("kubeproxy: %q is out of range: protocol numbers are 0-255, and kube-proxy proxies tcp (6), udp (17) and sctp (132)", e.Text)
	}
	return fmt.Sprintf("kubeproxy: %q is not a protocol kube-proxy proxies: want tcp, udp or sctp", e.Text)
}

// ParseAddrPort reads a packet's endpoint: IP:PORT, [IPv6]:PORT, or,
// when portRequired is false, a bare IP (port 0). The address is unmapped
// (::ffff:10.0.0.1 is 10.0.0.1); zones are refused. Anything else is an
// *AddrPortError saying what is wrong.
func ParseAddrPort(s string, portRequired bool) (netip.AddrPort, error) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		if portRequired {
			return netip.AddrPort{}, &AddrPortError{Input: s, Problem: AddrPortNoPort}
		}
		return netip.AddrPortFrom(a.Unmap(), 0), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, &AddrPortError{Input: s, Problem: AddrPortNotAddress}
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return netip.AddrPort{}, &AddrPortError{Input: s, Token: host, Problem: AddrPortNotIP}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return netip.AddrPort{}, &AddrPortError{Input: s, Token: port, Problem: AddrPortPortRange}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(n)), nil
}

// AddrPortProblem says what is wrong with an endpoint ParseAddrPort
// refused.
type AddrPortProblem string

// The problems of an AddrPortError.
const (
	// AddrPortNoPort: a bare IP where a port is required.
	AddrPortNoPort AddrPortProblem = "no port"
	// AddrPortNotAddress: neither an IP nor HOST:PORT.
	AddrPortNotAddress AddrPortProblem = "not an address"
	// AddrPortNotIP: the host part (Token) is not an IP address, or has a
	// zone.
	AddrPortNotIP AddrPortProblem = "not an IP address"
	// AddrPortPortRange: the port part (Token) is not a number 1-65535.
	AddrPortPortRange AddrPortProblem = "port out of range"
)

// AddrPortError reports an endpoint ParseAddrPort refused: Input is the
// text, Token the offending host or port part (AddrPortNotIP,
// AddrPortPortRange), Problem what is wrong.
type AddrPortError struct {
	Input   string
	Token   string
	Problem AddrPortProblem
}

// Error returns "kubeproxy: "INPUT": PROBLEM", with the offending part
// for a bad host or port.
func (e *AddrPortError) Error() string {
	if e.Token != "" {
		return fmt.Sprintf("kubeproxy: %q: %q: %s", e.Input, e.Token, e.Problem)
	}
	return fmt.Sprintf("kubeproxy: %q: %s", e.Input, e.Problem)
}

// ServiceType is a Service's spec.type.
type ServiceType string

// The Service types that get rules. ExternalName Services are not proxied.
const (
	ClusterIP    ServiceType = "ClusterIP"
	NodePort     ServiceType = "NodePort"
	LoadBalancer ServiceType = "LoadBalancer"
)

// TrafficPolicy is an externalTrafficPolicy or internalTrafficPolicy value.
type TrafficPolicy string

// The traffic policies. The empty policy means Cluster.
const (
	PolicyCluster TrafficPolicy = "Cluster"
	PolicyLocal   TrafficPolicy = "Local"
)

// Affinity is a Service's sessionAffinity.
type Affinity string

// The session affinities. The empty affinity means None.
const (
	AffinityNone     Affinity = "None"
	AffinityClientIP Affinity = "ClientIP"
)

// DefaultAffinityTimeout is sessionAffinityConfig.clientIP.timeoutSeconds
// when it is not set: 10800 s (3 h). The API allows 1 to 86400.
const DefaultAffinityTimeout = 10800

// DefaultMasqueradeBit is kube-proxy's --iptables-masquerade-bit default:
// bit 14, the mark 0x4000.
const DefaultMasqueradeBit = 14

// Config is everything kube-proxy on one node knows: the node, the cluster
// CIDR used to tell pod traffic from other traffic, its flags, and the
// Services with their endpoints. The zero Config is an IPv4 node with no
// name, no cluster CIDR (kube-proxy's "no local detector": no `! -s CIDR`
// masquerade rule) and no Services.
type Config struct {
	// Node is the name of the simulated node; endpoints whose Node equals
	// it are local. Default "".
	Node string `json:"node"`
	// NodeIPs are the node's addresses: destinations of type LOCAL for
	// NodePorts, sources of node-originated traffic, and the address
	// MASQUERADE picks. Loopback is always local. Default none.
	NodeIPs []netip.Addr `json:"node_ips"`
	// ClusterCIDR is the pod network (--cluster-cidr with
	// --detect-local-mode=ClusterCIDR). Default none.
	ClusterCIDR netip.Prefix `json:"cluster_cidr"`
	// BridgeIP is the node's pod-bridge address (cni0), the source
	// MASQUERADE picks for packets leaving towards a local pod. Default:
	// the first node IP.
	BridgeIP netip.Addr `json:"bridge_ip"`
	// IPv6 selects the ip6tables rule set; Services, endpoints and
	// addresses of the other family are ignored, as kube-proxy's
	// single-family proxier ignores them. Default false (IPv4).
	IPv6 bool `json:"ipv6"`
	// MasqueradeAll is --masquerade-all: SNAT all ClusterIP traffic.
	// Default false.
	MasqueradeAll bool `json:"masquerade_all"`
	// MasqueradeBit is --iptables-masquerade-bit. Default 14 (0x4000).
	MasqueradeBit int `json:"masquerade_bit"`
	// LocalhostNodePorts is --iptables-localhost-nodeports (IPv4 only):
	// NodePorts answer on 127.0.0.0/8 and the filter table gets the
	// KUBE-FIREWALL martian guard. Parse sets it true unless the file says
	// localhostNodePorts: false, as kube-proxy's own default is true; the
	// zero Config has it false.
	LocalhostNodePorts bool `json:"localhost_node_ports"`
	// NFAcctInvalid reports whether the nfacct counter
	// ct_state_invalid_dropped_pkts exists (kube-proxy creates it at start
	// when the kernel has nfnetlink_acct): the INVALID drop rule of
	// KUBE-FORWARD then counts into it with `-m nfacct --nfacct-name
	// ct_state_invalid_dropped_pkts`, the source of kube-proxy's metric
	// kubeproxy_iptables_ct_state_invalid_dropped_packets_total.
	// Default false.
	NFAcctInvalid bool `json:"nfacct_invalid"`
	// NFAcctLocalhost reports whether the nfacct counter
	// localhost_nps_accepted_pkts exists: each NodePort then gets a first
	// rule for -d 127.0.0.0/8 counting into it (IPv4 with localhost
	// NodePorts only), the source of the metric
	// kubeproxy_iptables_localhost_nodeports_accepted_packets_total.
	// Default false.
	NFAcctLocalhost bool `json:"nfacct_localhost"`
	// RandomFully reports whether iptables supports MASQUERADE
	// --random-fully; it matters only before kube-proxy 1.37, which
	// always writes it. Default false.
	RandomFully bool `json:"random_fully"`
	// KubeVersion is the kube-proxy release simulated, "1.N" with N from
	// MinKubeMinor to LatestKubeMinor; "" means the newest. See
	// KubeMinor for what changes between releases.
	KubeVersion string `json:"kube_version,omitempty"`
	// ConntrackTCPBeLiberal is the node's net.netfilter.nf_conntrack_tcp_be_liberal
	// (kube-proxy's --conntrack-tcp-be-liberal sets it): when on,
	// kube-proxy writes no KUBE-FORWARD rule dropping ctstate INVALID.
	// Default false.
	ConntrackTCPBeLiberal bool `json:"conntrack_tcp_be_liberal"`
	// NodePortAddresses is --nodeport-addresses: CIDRs (or "primary", the
	// node IPs) whose local addresses accept NodePorts. Entries of the
	// other family are ignored; none (or a 0.0.0.0/0 or ::/0 entry) means
	// every local address (-m addrtype --dst-type LOCAL). Default none.
	NodePortAddresses []string `json:"nodeport_addresses,omitempty"`
	// Zone is the node's topology.kubernetes.io/zone label, against which
	// endpoints' zone hints are matched. Default "".
	Zone string `json:"zone,omitempty"`
	// Services are the Services to proxy.
	Services []Service `json:"services"`
	// Notes are what Parse filled in that the user should hear about, such
	// as a nodePort it allocated, in the order Parse met them.
	Notes []Note `json:"notes,omitempty"`
}

// NoteKind says what a Note reports, as a code; printers turn it and the
// Note's facts into words.
type NoteKind string

// The notes of Parse (Config.Notes) and Render (Ruleset.Notes).
const (
	// NoteLeadingZeros (Parse): the value Value of Field at File:Line has
	// leading zeros and was read as Canonical, as kube-proxy reads it (API
	// servers before 1.22 stored such values).
	NoteLeadingZeros NoteKind = "leading-zeros"
	// NoteNodePortAllocated (Parse): the port Port/Protocol of the
	// ServiceType Service Service has no nodePort and got NodePort:
	// NodePortMin + FNV-1a-32 of Hashed mod (NodePortMax-NodePortMin+1),
	// or the next free port after it.
	NoteNodePortAllocated NoteKind = "nodeport-allocated"
	// NoteZoneHints (Parse): the TrafficDistribution of Service Service
	// had Parse hint Endpoints of its endpoints for their own zone, as the
	// EndpointSlice controller does (kube-proxy reads only the hints).
	NoteZoneHints NoteKind = "zone-hints"
	// NoteTopology (Render): topology-aware routing leaves Endpoints of
	// the Ready ready endpoints of the Service port Service serving
	// cluster traffic on this node, by the hints for Hint: a node when
	// NodeHints is true, else a zone.
	NoteTopology NoteKind = "topology"
)

// Note is one thing Parse filled in or Render decided that the user should
// hear about: a Kind and the facts it names (see each NoteKind); the
// fields another kind has no use for stay zero.
type Note struct {
	Kind NoteKind `json:"kind"`
	// File and Line locate the value (NoteLeadingZeros).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Field is the value's path in the file, such as "spec.clusterIP";
	// Value is the value as written and Canonical as read
	// (NoteLeadingZeros).
	Field     string `json:"field,omitempty"`
	Value     string `json:"value,omitempty"`
	Canonical string `json:"canonical,omitempty"`
	// Service is the Service ("namespace/name") or, for NoteTopology, its
	// port ("namespace/name:port", as Service.PortName).
	Service string `json:"service,omitempty"`
	// ServiceType, Port, Protocol and NodePort are the Service's type, the
	// port, its protocol and the nodePort allocated; Hashed is the string
	// hashed to pick it, "namespace/name:portname/protocol"
	// (NoteNodePortAllocated).
	ServiceType ServiceType     `json:"service_type,omitempty"`
	Port        int             `json:"port,omitempty"`
	Protocol    packet.Protocol `json:"protocol,omitempty"`
	NodePort    int             `json:"node_port,omitempty"`
	Hashed      string          `json:"hashed,omitempty"`
	// TrafficDistribution is the Service's trafficDistribution
	// (NoteZoneHints).
	TrafficDistribution string `json:"traffic_distribution,omitempty"`
	// Endpoints counts the endpoints the note is about: those hinted
	// (NoteZoneHints), those left serving (NoteTopology).
	Endpoints int `json:"endpoints,omitempty"`
	// Ready counts the ready endpoints; Hint is the node (NodeHints true)
	// or the zone whose hints decided (NoteTopology).
	Ready     int    `json:"ready,omitempty"`
	Hint      string `json:"hint,omitempty"`
	NodeHints bool   `json:"node_hints,omitempty"`
}

// SkippedFamily names what Render leaves out because it is of the other IP
// family than the run (Config.IPv6), as kube-proxy's single-family proxier
// ignores it: single-stack Services of the other family ("namespace/name"),
// and endpoints of the other family ("namespace/name IP") of Services that
// have no cluster IP of that family (a dual-stack Service's other-family
// endpoints belong to the other proxier and are not listed).
func (c *Config) SkippedFamily() (services, endpoints []string) {
	for i := range c.Services {
		s := &c.Services[i]
		if !s.ClusterIP.IsValid() {
			continue // headless: no rules in either family
		}
		if !s.clusterIPFor(c.IPv6).IsValid() {
			services = append(services, s.NamespacedName())
			continue
		}
		if s.clusterIPFor(!c.IPv6).IsValid() {
			continue
		}
		for _, e := range s.Endpoints {
			if e.IP.IsValid() && e.IP.Is6() != c.IPv6 {
				endpoints = append(endpoints, s.NamespacedName()+" "+e.IP.String())
			}
		}
	}
	sort.Strings(services)
	sort.Strings(endpoints)
	return services, endpoints
}

// Service is one Service with its endpoints.
type Service struct {
	Namespace string      `json:"namespace"`
	Name      string      `json:"name"`
	Type      ServiceType `json:"type"`
	// ClusterIP is spec.clusterIP; an invalid (zero) address means a
	// headless Service, which gets no rules.
	ClusterIP netip.Addr `json:"cluster_ip"`
	// ClusterIPs is spec.clusterIPs of a dual-stack Service: the IPv6
	// proxier uses its IPv6 address, the IPv4 proxier its IPv4 one.
	ClusterIPs      []netip.Addr `json:"cluster_ips,omitempty"`
	ExternalIPs     []netip.Addr `json:"external_ips,omitempty"`
	LoadBalancerIPs []netip.Addr `json:"load_balancer_ips,omitempty"`
	// LoadBalancerProxyIPs are load-balancer ingress IPs with ipMode
	// Proxy: the load balancer proxies to the node, so kube-proxy (1.30
	// and later) writes no rule for them.
	LoadBalancerProxyIPs []netip.Addr `json:"load_balancer_proxy_ips,omitempty"`
	// TrafficDistribution is spec.trafficDistribution (PreferClose,
	// PreferSameZone, PreferSameNode) or "". kube-proxy itself reads only
	// the endpoints' hints, which the EndpointSlice controller sets from
	// it; in netcalc's own format Parse sets those hints the same way.
	TrafficDistribution      string         `json:"traffic_distribution,omitempty"`
	LoadBalancerSourceRanges []netip.Prefix `json:"load_balancer_source_ranges,omitempty"`
	SessionAffinity          Affinity       `json:"session_affinity"`
	// SessionAffinityTimeout is in seconds; 0 means DefaultAffinityTimeout.
	SessionAffinityTimeout int           `json:"session_affinity_timeout,omitempty"`
	ExternalTrafficPolicy  TrafficPolicy `json:"external_traffic_policy"`
	InternalTrafficPolicy  TrafficPolicy `json:"internal_traffic_policy"`
	HealthCheckNodePort    int           `json:"health_check_node_port,omitempty"`
	Ports                  []ServicePort `json:"ports"`
	Endpoints              []Endpoint    `json:"endpoints"`
}

// ServicePort is one entry of spec.ports.
type ServicePort struct {
	// Name is the port name; "" for a Service's single unnamed port.
	Name string `json:"name"`
	// Protocol is TCP, UDP or SCTP (a manifest spells them so; JSON
	// lower-case, as netcalc writes every protocol).
	Protocol packet.Protocol `json:"protocol"`
	Port     int             `json:"port"`
	// TargetPort is the endpoint port; 0 means Port.
	TargetPort int `json:"target_port,omitempty"`
	NodePort   int `json:"node_port,omitempty"`
}

// Endpoint is one backend address. Ports maps a Service port name to the
// port this endpoint listens on for it; a Service port whose name is missing
// from Ports does not use the endpoint (as with an EndpointSlice that lacks
// that port). Parse gives the endpoints of one Service (or EndpointSlice)
// that listen on the same ports one shared map: copy it before changing
// one endpoint's ports.
type Endpoint struct {
	IP    netip.Addr     `json:"ip"`
	Ports map[string]int `json:"ports"`
	Node  string         `json:"node,omitempty"`
	// Zone is the endpoint's zone; ZoneHints and NodeHints are the
	// EndpointSlice hints forZones and forNodes.
	Zone        string   `json:"zone,omitempty"`
	ZoneHints   []string `json:"zone_hints,omitempty"`
	NodeHints   []string `json:"node_hints,omitempty"`
	Ready       bool     `json:"ready"`
	Serving     bool     `json:"serving"`
	Terminating bool     `json:"terminating"`
}

// clusterIPFor returns the Service's cluster IP of the family, or an invalid
// Addr when it has none (single-stack Service of the other family, or
// headless).
func (s *Service) clusterIPFor(v6 bool) netip.Addr {
	if s.ClusterIP.IsValid() && s.ClusterIP.Is6() == v6 {
		return s.ClusterIP
	}
	if !s.ClusterIP.IsValid() {
		return netip.Addr{} // headless: no rules whatever clusterIPs says
	}
	for _, a := range s.ClusterIPs {
		if a.Is6() == v6 {
			return a
		}
	}
	return netip.Addr{}
}

// NamespacedName returns "namespace/name".
func (s *Service) NamespacedName() string { return s.Namespace + "/" + s.Name }

// PortName returns kube-proxy's ServicePortName string for port p:
// "namespace/name:portName", or "namespace/name" for an unnamed port.
func (s *Service) PortName(p ServicePort) string {
	if p.Name == "" {
		return s.NamespacedName()
	}
	return s.NamespacedName() + ":" + p.Name
}

func (s *Service) affinityTimeout() int {
	if s.SessionAffinityTimeout > 0 {
		return s.SessionAffinityTimeout
	}
	return DefaultAffinityTimeout
}

// joinHostPort is net.JoinHostPort for an address and a port number:
// "10.0.0.1:80", "[2001:db8::1]:80".
func joinHostPort(a netip.Addr, port int) string {
	if a.Is4() {
		return a.String() + ":" + strconv.Itoa(port)
	}
	return "[" + a.String() + "]:" + strconv.Itoa(port)
}

// The kube-proxy releases netcalc simulates.
const (
	MinKubeMinor    = 28
	LatestKubeMinor = 37
)

// KubeMinor returns the minor release of c.KubeVersion (37 for "1.37"),
// LatestKubeMinor when it is empty, or an error naming the value. What
// differs between releases: 1.37 always writes MASQUERADE --random-fully
// (before, only when iptables supports it: RandomFully); 1.30 and later
// skip load-balancer IPs with ipMode Proxy (LoadBalancerIPMode beta);
// 1.34 and later honour node hints (PreferSameTrafficDistribution beta).
func (c *Config) KubeMinor() (int, error) {
	if c.KubeVersion == "" {
		return LatestKubeMinor, nil
	}
	v := strings.TrimPrefix(c.KubeVersion, "v")
	maj, min, ok := strings.Cut(v, ".")
	n, err := strconv.Atoi(min)
	if !ok || maj != "1" || err != nil || n < MinKubeMinor || n > LatestKubeMinor {
		return 0, fmt.Errorf("kubeproxy: kube-proxy version %q: want 1.%d to 1.%d", c.KubeVersion, MinKubeMinor, LatestKubeMinor)
	}
	return n, nil
}

// masqueradeMark returns the mark kube-proxy's rules set to ask for
// masquerade: 1 << MasqueradeBit, DefaultMasqueradeBit when the bit is
// not 1-31.
func (c *Config) masqueradeMark() uint32 {
	bit := c.MasqueradeBit
	if bit <= 0 || bit > 31 {
		bit = DefaultMasqueradeBit
	}
	return uint32(1) << bit
}

func (c *Config) minor() int {
	n, err := c.KubeMinor()
	if err != nil {
		return LatestKubeMinor
	}
	return n
}
