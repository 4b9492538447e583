package nat

import (
	"fmt"
	"net/netip"
	"strings"

	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// Kind is the kind of translation a NAT performs, named as iptables
// targets name them. It is a typed string usable as a flag value.
type Kind string

// The NAT kinds.
const (
	// SNAT rewrites the source to an address from Config.External
	// (iptables SNAT --to-source).
	SNAT Kind = "snat"
	// Masquerade is SNAT to the outgoing interface's primary address,
	// Config.External, which must then be one address (iptables
	// MASQUERADE).
	Masquerade Kind = "masquerade"
	// DNAT only forwards: Config.Forwards rewrite inbound destinations
	// (iptables DNAT --to-destination, a router's port forward);
	// outbound packets leave untranslated.
	DNAT Kind = "dnat"
	// Static translates only the 1:1 pairs of Config.Static, in both
	// directions, keeping ports (Cisco "ip nat inside source static").
	Static Kind = "static"
)

// Mapping is the RFC 4787 §4.1 mapping behaviour: when two connections
// from the same internal endpoint X:x share an external endpoint X':x'.
type Mapping string

// The mapping behaviours.
const (
	// EIM (endpoint-independent) reuses X:x's external endpoint for every
	// destination. It is Linux's find_appropriate_src step, which reuses
	// an existing mapping of the same source address, protocol and port
	// when the resulting tuple is unique.
	EIM Mapping = "eim"
	// ADM (address-dependent) reuses it only toward the same destination
	// address.
	ADM Mapping = "adm"
	// APDM (address- and port-dependent) allocates for every new
	// destination address and port.
	APDM Mapping = "apdm"
)

// Filtering is the RFC 4787 §5 filtering behaviour: which inbound packets
// to an external endpoint X':x' are let in.
type Filtering string

// The filtering behaviours.
const (
	// EIF (endpoint-independent) accepts packets from any Z:z.
	EIF Filtering = "eif"
	// ADF (address-dependent) accepts packets from an address X:x has
	// sent to.
	ADF Filtering = "adf"
	// APDF (address- and port-dependent) accepts only packets matching a
	// conntrack reply tuple, as Linux does. Only under APDF may one
	// external port serve several internal endpoints toward different
	// destinations (port overlapping, RFC 7857 §3); under EIF and ADF an
	// external endpoint belongs to one mapping.
	APDF Filtering = "apdf"
)

// PortAssignment is how a source NAT picks the external port.
type PortAssignment string

// The port assignments.
const (
	// Preserve is Linux's default (nf_nat_core.c get_unique_tuple): keep
	// the original port when the resulting reply tuple is unused (unique
	// over the full 5-tuple, so one external port may serve several
	// destinations), reuse the mapping of the same source (per Mapping),
	// else search the range from a random offset: 128 tries, then windows
	// of 64, 32, 16 and 8 tries from new random offsets.
	Preserve PortAssignment = "preserve"
	// Random never preserves and starts the search at an offset hashed
	// from the source address, destination address and port and the seed
	// (iptables --random before Linux 5.0; RFC 6056 algorithm 3 style): a
	// given client and destination always start at the same port.
	Random PortAssignment = "random"
	// RandomFully never preserves and starts the search at an offset
	// from the seeded PRNG, new for every connection (iptables
	// --random-fully, what kube-proxy uses).
	RandomFully PortAssignment = "random-fully"
)

// Forward is a port forward (DNAT): inbound packets of Proto to External
// go to Internal. An Internal port of 0 keeps the destination port.
type Forward struct {
	Proto    packet.Protocol `json:"proto"`
	External netip.AddrPort  `json:"external"`
	Internal netip.AddrPort  `json:"internal"`
}

// StaticNAT is a 1:1 translation between an inside and an outside address;
// ports are kept and any outside host may reach Inside through Outside.
type StaticNAT struct {
	Inside  netip.Addr `json:"inside"`
	Outside netip.Addr `json:"outside"`
}

// Config describes a NAT. The zero Config is not usable (it has no
// external address); start from Preset or fill External.
type Config struct {
	// Kind is the translation kind; default Masquerade.
	Kind Kind `json:"kind,omitempty"`
	// External is the external address range source NAT picks from, in
	// the same family as the inside hosts. Masquerade needs exactly one
	// address. Required for SNAT and Masquerade.
	External netipx.IPRange `json:"external"`
	// PortMin and PortMax bound the external ports (--to-ports). When
	// both are zero, Linux's ranges apply: an original port below 512
	// maps into 1-511, 512-1023 into 600-1023, 1024 and above into
	// 1024-65535; ICMP identifiers use 0-65535.
	PortMin uint16 `json:"port-min,omitempty"`
	PortMax uint16 `json:"port-max,omitempty"`
	// Mapping is the mapping behaviour; default EIM.
	Mapping Mapping `json:"mapping,omitempty"`
	// Filtering is the filtering behaviour; default APDF.
	Filtering Filtering `json:"filtering,omitempty"`
	// Ports is the port assignment; default Preserve.
	Ports PortAssignment `json:"port-assignment,omitempty"`
	// Persistent picks the external address from the source address
	// alone, not source and destination (--persistent); default false.
	Persistent bool `json:"persistent,omitempty"`
	// Hairpin lets inside hosts reach each other through external
	// endpoints (RFC 4787 REQ-9), with the sender's external address and
	// port as source (REQ-9a); default false, as on a Linux router
	// without the extra DNAT+SNAT rules.
	Hairpin bool `json:"hairpin,omitempty"`
	// Timeouts are the conntrack timeouts; zero fields take Linux's.
	Timeouts Timeouts `json:"timeouts,omitempty"`
	// Forwards are port forwards, applied with any Kind.
	Forwards []Forward `json:"forwards,omitempty"`
	// Static are 1:1 translations, applied with any Kind.
	Static []StaticNAT `json:"static,omitempty"`
	// Seed seeds the port-search PRNG and the Random hash; default 0.
	// The same seed and events always give the same table.
	Seed uint64 `json:"seed"`
	// SizeHint is the number of connections to allocate room for; default
	// 0 (grow as needed).
	SizeHint int `json:"-"`
}

// Preset names a ready-made behaviour. It is a typed string usable as a
// flag value.
type Preset string

// The presets.
const (
	// PresetLinux is netfilter's default MASQUERADE: EIM-like reuse
	// (find_appropriate_src), APDF filtering (only reply tuples are
	// de-NATed), port preservation, no hairpinning, Linux timeouts.
	PresetLinux Preset = "linux"
	// PresetFullCone is RFC 3489's full cone: EIM + EIF, hairpinning.
	PresetFullCone Preset = "full-cone"
	// PresetRestrictedCone is the (address-)restricted cone: EIM + ADF.
	PresetRestrictedCone Preset = "restricted-cone"
	// PresetPortRestrictedCone is the port-restricted cone: EIM + APDF.
	PresetPortRestrictedCone Preset = "port-restricted-cone"
	// PresetSymmetric is the symmetric NAT: APDM + APDF with random-fully
	// ports, so every destination sees a different external port.
	PresetSymmetric Preset = "symmetric"
)

// Presets lists the presets in a stable order.
func Presets() []Preset {
	return []Preset{PresetLinux, PresetFullCone, PresetRestrictedCone, PresetPortRestrictedCone, PresetSymmetric}
}

// Config returns the preset's behaviour as a masquerade Config without an
// external address, and false if p is not a preset. The cones and the
// symmetric NAT hairpin, as RFC 4787 REQ-9 requires; all use Linux's
// timeouts.
func (p Preset) Config() (Config, bool) {
	c := Config{Kind: Masquerade, Mapping: EIM, Ports: Preserve, Timeouts: LinuxTimeouts()}
	switch p {
	case PresetLinux:
		c.Filtering = APDF
	case PresetFullCone:
		c.Filtering, c.Hairpin = EIF, true
	case PresetRestrictedCone:
		c.Filtering, c.Hairpin = ADF, true
	case PresetPortRestrictedCone:
		c.Filtering, c.Hairpin = APDF, true
	case PresetSymmetric:
		c.Mapping, c.Filtering, c.Ports, c.Hairpin = APDM, APDF, RandomFully, true
	default:
		return Config{}, false
	}
	return c, true
}

// ParsePreset returns the preset named s.
func ParsePreset(s string) (Preset, error) {
	if _, ok := Preset(s).Config(); ok {
		return Preset(s), nil
	}
	names := make([]string, 0, 5)
	for _, p := range Presets() {
		names = append(names, string(p))
	}
	return "", &ConfigError{Field: "preset", Value: s, Msg: "want one of " + strings.Join(names, ", ")}
}

// ConfigError reports an invalid Config field: Field names it as the
// scenario file does, Value is the offending value.
type ConfigError struct {
	Field string
	Value string
	Msg   string
}

// Error returns `nat: FIELD "VALUE": MSG`, or `nat: FIELD: MSG` when the
// field is missing (Value is empty).
func (e *ConfigError) Error() string { return "nat: " + e.msg() }

func (e *ConfigError) msg() string {
	if e.Value == "" {
		return e.Field + ": " + e.Msg
	}
	return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Msg)
}

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// normalize fills defaults and checks the configuration.
func (c Config) normalize() (Config, error) {
	if c.Kind == "" {
		c.Kind = Masquerade
	}
	if c.Mapping == "" {
		c.Mapping = EIM
	}
	if c.Filtering == "" {
		c.Filtering = APDF
	}
	if c.Ports == "" {
		c.Ports = Preserve
	}
	c.Timeouts = c.Timeouts.WithDefaults()
	switch c.Kind {
	case SNAT, Masquerade, DNAT, Static:
	default:
		return c, &ConfigError{Field: "kind", Value: string(c.Kind), Msg: "want snat, masquerade, dnat or static"}
	}
	switch c.Mapping {
	case EIM, ADM, APDM:
	default:
		return c, &ConfigError{Field: "mapping", Value: string(c.Mapping), Msg: "want eim, adm or apdm"}
	}
	switch c.Filtering {
	case EIF, ADF, APDF:
	default:
		return c, &ConfigError{Field: "filtering", Value: string(c.Filtering), Msg: "want eif, adf or apdf"}
	}
	switch c.Ports {
	case Preserve, Random, RandomFully:
	default:
		return c, &ConfigError{Field: "port-assignment", Value: string(c.Ports), Msg: "want preserve, random or random-fully"}
	}
	if c.Kind == SNAT || c.Kind == Masquerade {
		if !c.External.IsValid() {
			return c, &ConfigError{Field: "external", Msg: "missing: kind " + string(c.Kind) + " needs the external address (or a range A-B, or a prefix)"}
		}
	}
	if c.External.IsValid() {
		if c.Kind == Masquerade && c.External.From() != c.External.To() {
			return c, &ConfigError{Field: "external", Value: c.External.String(), Msg: "masquerade uses the interface's one address; use kind snat for a pool"}
		}
		if c.External.From().Zone() != "" {
			return c, &ConfigError{Field: "external", Value: c.External.String(), Msg: "want addresses without a zone"}
		}
	}
	if c.PortMax == 0 && c.PortMin != 0 {
		return c, &ConfigError{Field: "ports", Value: fmt.Sprintf("%d-%d", c.PortMin, c.PortMax), Msg: "want both ends of the port range"}
	}
	if c.PortMax != 0 && c.PortMin > c.PortMax {
		return c, &ConfigError{Field: "ports", Value: fmt.Sprintf("%d-%d", c.PortMin, c.PortMax), Msg: "want MIN-MAX with 1 <= MIN <= MAX <= 65535"}
	}
	for _, f := range c.Forwards {
		v := fmt.Sprintf("%v %v->%v", f.Proto, f.External, f.Internal)
		if f.Proto != packet.TCP && f.Proto != packet.UDP {
			return c, &ConfigError{Field: "forwards", Value: v, Msg: "want proto tcp or udp"}
		}
		if !f.External.IsValid() || !f.Internal.Addr().IsValid() || f.External.Addr().Is4() != f.Internal.Addr().Is4() {
			return c, &ConfigError{Field: "forwards", Value: v, Msg: "want external ADDR:PORT and internal ADDR[:PORT] of one family"}
		}
	}
	if c.Kind == DNAT && len(c.Forwards) == 0 {
		return c, &ConfigError{Field: "forwards", Msg: "missing: kind dnat needs at least one forward {proto, external, internal}"}
	}
	for _, s := range c.Static {
		if !s.Inside.IsValid() || !s.Outside.IsValid() || s.Inside.Is4() != s.Outside.Is4() {
			return c, &ConfigError{Field: "static", Value: s.Inside.String() + "<->" + s.Outside.String(), Msg: "want inside and outside addresses of one family"}
		}
	}
	if c.Kind == Static && len(c.Static) == 0 {
		return c, &ConfigError{Field: "static", Msg: "missing: kind static needs at least one {inside, outside} pair"}
	}
	return c, nil
}
