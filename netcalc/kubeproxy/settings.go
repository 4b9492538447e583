package kubeproxy

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// Mode is the kube-proxy proxy mode simulated.
type Mode string

// The modes netcalc simulates.
const (
	ModeIPTables Mode = "iptables"
	ModeNFTables Mode = "nftables"
)

// ParseMode reads a mode in any case; "" is ModeIPTables, kube-proxy's
// default on Linux. Other text is a *SettingError for "mode".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "iptables", "":
		return ModeIPTables, nil
	case "nftables":
		return ModeNFTables, nil
	}
	return "", &SettingError{Setting: "mode", Value: s}
}

// Settings are what a caller says about a node beside a scenario file or
// a node's rule dump (netcalc's kube-proxy flags). Each field is the value
// of the setting named in its comment; it replaces the file's value only
// when Given reports the setting given, except ServiceCIDRs and
// NFTLocalhostNodePortReject, which no file holds. The zero Settings
// changes nothing.
type Settings struct {
	Node                  string   // "node"
	NodeIPs               []string // "node-ip": addresses
	ClusterCIDR           string   // "cluster-cidr": a prefix
	BridgeIP              string   // "bridge-ip": an address
	IPv6                  bool     // "ipv6"
	MasqueradeAll         bool     // "masquerade-all"
	LocalhostNodePorts    bool     // "localhost-nodeports"
	RandomFully           bool     // "random-fully"
	KubeVersion           string   // "kube-version": 1.N
	NodePortAddresses     []string // "nodeport-addresses": prefixes or "primary"
	ConntrackTCPBeLiberal bool     // "conntrack-tcp-be-liberal"
	// NFAcct ("nfacct") names the nfacct counters that exist:
	// NFAcctInvalidCounter, NFAcctLocalhostCounter, "all" or "none".
	NFAcct []string
	Zone   string // "zone"
	// ServiceCIDRs ("service-cidr", nftables mode) are the Service IP
	// ranges: traffic to an unallocated address in them is dropped.
	ServiceCIDRs []string
	// NFTLocalhostNodePortReject ("nftables-localhost-nodeports") is
	// kube-proxy's KubeProxyNFTablesLocalhostNodePorts gate.
	NFTLocalhostNodePortReject bool
	// Given reports whether the setting of that name was given; nil means
	// none was.
	Given func(setting string) bool
}

func (s *Settings) given(name string) bool { return s.Given != nil && s.Given(name) }

// SettingError reports a setting whose value is not what the setting
// takes: Setting is its name ("node-ip", "kube-version", "mode", ...),
// Value the text given.
type SettingError struct {
	Setting, Value string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("kubeproxy: %s: %q is not a valid value", e.Setting, e.Value)
}

// DumpSettingError reports a setting that changes the rules kube-proxy
// writes given with a node's rule dump, which already holds the rules.
type DumpSettingError struct{ Setting string }

func (e *DumpSettingError) Error() string {
	return "kubeproxy: " + e.Setting + " changes the rules kube-proxy writes, and a node's dump already holds them"
}

// FamilyError reports a traced address of the other IP family than the
// run's: Dst reports whether it is the destination (else the source),
// IPv6 whether the run is IPv6. The single-family simulator has no rule
// for it, and "routed unchanged" would be a wrong answer.
type FamilyError struct {
	Dst  bool
	Addr netip.Addr
	IPv6 bool
}

func (e *FamilyError) Error() string {
	which, fam := "source", "IPv4"
	if e.Dst {
		which = "destination"
	}
	if e.IPv6 {
		fam = "IPv6"
	}
	return fmt.Sprintf("kubeproxy: %s %s is not an %s address", which, e.Addr, fam)
}

// CheckFamily returns a *FamilyError when p's source or destination is
// not of the run's family (ipv6).
func CheckFamily(p packet.Tuple, ipv6 bool) error {
	for _, a := range []struct {
		dst  bool
		addr netip.Addr
	}{{false, p.Src.Addr()}, {true, p.Dst.Addr()}} {
		if a.addr.Is6() != ipv6 {
			return &FamilyError{Dst: a.dst, Addr: a.addr, IPv6: ipv6}
		}
	}
	return nil
}

// rulesSettings are the settings that change the rules kube-proxy writes
// (in the order they are checked), which a node's dump already holds.
var rulesSettings = []string{"node", "masquerade-all", "localhost-nodeports", "random-fully", "kube-version", "nodeport-addresses",
	"conntrack-tcp-be-liberal", "nfacct", "zone"}

// DumpNode returns the Config of a node whose rules come from a dump
// (ReadIPTablesSave, ReadNFTListing for nft): only the settings about the
// node itself, node-ip, cluster-cidr, bridge-ip and ipv6. A setting that
// changes the rules is a *DumpSettingError; so are, for an nft dump,
// service-cidr, nftables-localhost-nodeports and cluster-cidr, which its
// rules hold.
func (s *Settings) DumpNode(nft bool) (*Config, error) {
	names := rulesSettings
	if nft {
		names = append(names[:len(names):len(names)], "service-cidr", "nftables-localhost-nodeports", "cluster-cidr")
	}
	for _, n := range names {
		if s.given(n) {
			return nil, &DumpSettingError{Setting: n}
		}
	}
	cfg := &Config{IPv6: s.IPv6}
	if err := s.applyNode(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// applyNode applies the settings about the node itself: node-ip,
// cluster-cidr, bridge-ip, ipv6.
func (s *Settings) applyNode(cfg *Config) error {
	if s.given("node-ip") {
		cfg.NodeIPs = nil
		for _, v := range s.NodeIPs {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return &SettingError{Setting: "node-ip", Value: v}
			}
			cfg.NodeIPs = append(cfg.NodeIPs, a)
		}
	}
	if s.given("cluster-cidr") {
		p, err := netip.ParsePrefix(s.ClusterCIDR)
		if err != nil {
			return &SettingError{Setting: "cluster-cidr", Value: s.ClusterCIDR}
		}
		cfg.ClusterCIDR = p.Masked()
	}
	if s.given("bridge-ip") {
		a, err := netip.ParseAddr(s.BridgeIP)
		if err != nil {
			return &SettingError{Setting: "bridge-ip", Value: s.BridgeIP}
		}
		cfg.BridgeIP = a
	}
	if s.given("ipv6") {
		cfg.IPv6 = s.IPv6
	}
	return nil
}

// Apply applies the given settings to cfg (a parsed scenario). A value
// that does not parse is a *SettingError naming the setting.
func (s *Settings) Apply(cfg *Config) error {
	if s.given("node") {
		cfg.Node = s.Node
	}
	if err := s.applyNode(cfg); err != nil {
		return err
	}
	for _, b := range []struct {
		name string
		dst  *bool
		v    bool
	}{{"masquerade-all", &cfg.MasqueradeAll, s.MasqueradeAll}, {"localhost-nodeports", &cfg.LocalhostNodePorts, s.LocalhostNodePorts},
		{"random-fully", &cfg.RandomFully, s.RandomFully}} {
		if s.given(b.name) {
			*b.dst = b.v
		}
	}
	if s.given("kube-version") {
		cfg.KubeVersion = s.KubeVersion
		if _, err := cfg.KubeMinor(); err != nil {
			return &SettingError{Setting: "kube-version", Value: s.KubeVersion}
		}
	}
	if s.given("nodeport-addresses") {
		cfg.NodePortAddresses = nil
		for _, v := range s.NodePortAddresses {
			if v != "primary" {
				p, err := netip.ParsePrefix(v)
				if err != nil {
					return &SettingError{Setting: "nodeport-addresses", Value: v}
				}
				v = p.Masked().String()
			}
			cfg.NodePortAddresses = append(cfg.NodePortAddresses, v)
		}
	}
	if s.given("conntrack-tcp-be-liberal") {
		cfg.ConntrackTCPBeLiberal = s.ConntrackTCPBeLiberal
	}
	if s.given("nfacct") {
		cfg.NFAcctInvalid, cfg.NFAcctLocalhost = false, false
		for _, v := range s.NFAcct {
			switch v {
			case "all":
				cfg.NFAcctInvalid, cfg.NFAcctLocalhost = true, true
			case "none":
			case NFAcctInvalidCounter:
				cfg.NFAcctInvalid = true
			case NFAcctLocalhostCounter:
				cfg.NFAcctLocalhost = true
			default:
				return &SettingError{Setting: "nfacct", Value: v}
			}
		}
	}
	if s.given("zone") {
		cfg.Zone = s.Zone
	}
	return nil
}

// LoadScenario parses a scenario (see Parse; name is the file's name in
// errors and notes) and applies s to it. Errors are *ParseError or
// *SettingError values.
func LoadScenario(data []byte, name string, s *Settings) (*Config, error) {
	cfg, err := Parse(data, name)
	if err != nil {
		return nil, err
	}
	if err := s.Apply(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// NFTOptions returns the nftables renderer's options for cfg:
// ServiceCIDRs and the localhost gate from s, the NodePort addresses from
// cfg.NodePortAddresses ("primary": the node's first address of the
// family, as a host prefix). A prefix that does not parse is a
// *SettingError.
func (s *Settings) NFTOptions(cfg *Config) (NFTOptions, error) {
	o := NFTOptions{LocalhostNodePortReject: s.NFTLocalhostNodePortReject}
	var npa []string
	for _, a := range cfg.NodePortAddresses {
		if a != "primary" {
			npa = append(npa, a)
			continue
		}
		for _, ip := range cfg.NodeIPs {
			if ip.Is6() == cfg.IPv6 {
				npa = append(npa, netip.PrefixFrom(ip, ip.BitLen()).String())
				break
			}
		}
	}
	for _, l := range []struct {
		setting string
		in      []string
		out     *[]netip.Prefix
	}{{"service-cidr", s.ServiceCIDRs, &o.ServiceCIDRs}, {"nodeport-addresses", npa, &o.NodePortAddresses}} {
		for _, v := range l.in {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return o, &SettingError{Setting: l.setting, Value: v}
			}
			*l.out = append(*l.out, p.Masked())
		}
	}
	return o, nil
}

// IsIPTablesSave reports whether data looks like iptables-save output:
// its first line that is neither blank nor a comment starts a table
// ("*nat").
func IsIPTablesSave(data []byte) bool {
	for l := range bytes.SplitSeq(data, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		return l[0] == '*'
	}
	return false
}

// RenderNFT renders cfg's nftables ruleset (the package's RenderNFT)
// with the options NFTOptions derives from s and cfg, whose
// *SettingError it returns.
func (s *Settings) RenderNFT(cfg *Config) (*NFTRuleset, error) {
	o, err := s.NFTOptions(cfg)
	if err != nil {
		return nil, err
	}
	return RenderNFT(cfg, o), nil
}
