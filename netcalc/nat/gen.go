package nat

import (
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// Flows describes random outbound flows for a scale run: N new
// connections from random hosts of Inside, with source ports from Linux's
// default ephemeral range 32768-60999, to random hosts of Dest on DstPort,
// one every Interval of virtual time.
type Flows struct {
	// Inside is the inside subnet; required.
	Inside netip.Prefix
	// Dest is the subnet of destinations; required, same family.
	Dest netip.Prefix
	// N is the number of flows.
	N int
	// Seed seeds the generator; the same seed gives the same flows.
	Seed uint64
	// Proto is TCP or UDP; default TCP.
	Proto packet.Protocol
	// DstPort is the destination port; default 443.
	DstPort uint16
	// Interval is the virtual time between flows; default 0 (all at once).
	Interval time.Duration
}

// Events yields the flows as outbound events.
func (f Flows) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		rng := rand.New(rand.NewPCG(f.Seed, 0x666c6f7773)) // "flows"
		proto := f.Proto
		if proto == 0 {
			proto = packet.TCP
		}
		dport := f.DstPort
		if dport == 0 {
			dport = 443
		}
		for i := 0; i < f.N; i++ {
			p := Tuple{
				Proto:   proto,
				Src:     randomIn(rng, f.Inside),
				Dst:     randomIn(rng, f.Dest),
				SrcPort: uint16(32768 + rng.IntN(60999-32768+1)),
				DstPort: dport,
			}
			if !yield(Event{At: time.Duration(i) * f.Interval, Dir: Outbound, Packet: p}) {
				return
			}
		}
	}
}

// randomIn returns a random address of p (any of its addresses, network
// and broadcast included for prefixes shorter than /31, as a scale test
// does not care).
func randomIn(rng *rand.Rand, p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	b := a.As16()
	host := a.BitLen() - p.Bits()
	r := [2]uint64{rng.Uint64(), rng.Uint64()}
	for i := 15; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		mask := byte(1<<n - 1)
		b[i] |= byte(r[i/8]>>(8*(i%8))) & mask
		host -= n
	}
	out := netip.AddrFrom16(b)
	if a.Is4() {
		out = out.Unmap()
	}
	return out
}

// Summary describes a table after a scale run.
type Summary struct {
	Stats
	// Live is the number of live connections.
	Live int `json:"live"`
	// InsideHosts is the number of distinct inside addresses with a live
	// connection.
	InsideHosts int `json:"inside_hosts"`
	// ExternalAddrs is the number of external addresses in use.
	ExternalAddrs int `json:"external_addrs"`
	// ExternalPorts is the number of distinct external (address, port)
	// pairs in use; below Live when ports are shared across destinations.
	ExternalPorts int `json:"external_ports"`
	// MaxPerPort is the most connections sharing one external endpoint.
	MaxPerPort int `json:"max_per_port"`
}

// Summary counts the live table.
func (t *Translator) Summary() Summary {
	s := Summary{Stats: t.Stats()}
	hosts := map[netip.Addr]struct{}{}
	addrs := map[netip.Addr]struct{}{}
	ports := map[endpoint]int{}
	for _, ce := range t.ct.Entries() {
		e := entry{ce}
		s.Live++
		hosts[e.internal().addr] = struct{}{}
		x := e.external()
		addrs[x.addr] = struct{}{}
		ports[x]++
		s.MaxPerPort = max(s.MaxPerPort, ports[x])
	}
	s.InsideHosts, s.ExternalAddrs, s.ExternalPorts = len(hosts), len(addrs), len(ports)
	return s
}

// Scale is a scale run (netcalc nat simulate --flows): Flows through a
// NAT that behaves as Preset, behind External (one address: masquerade; a
// pool: snat), with the external ports PortMin-PortMax (both zero:
// Linux's ranges). Flows.Seed seeds the port search too.
type Scale struct {
	Preset           Preset
	External         netipx.IPRange
	PortMin, PortMax uint16
	Flows
}

// ScaleSummary is what a scale run reports: the NAT's behaviour as it
// ran, the flows and seed, and the table's Summary.
type ScaleSummary struct {
	Type      string         `json:"type"` // "summary"
	Preset    Preset         `json:"preset"`
	Kind      Kind           `json:"kind"`
	Mapping   Mapping        `json:"mapping"`
	Filtering Filtering      `json:"filtering"`
	Ports     PortAssignment `json:"port_assignment"`
	Flows     int            `json:"flows"`
	Seed      uint64         `json:"seed"`
	Summary
	// External is the external range the flows were translated to; the
	// JSON record carries it as "external", in ExternalString's form.
	External netipx.IPRange `json:"-"`
}

// ExternalString is External as the user wrote it: one address, or the
// range A-B of a pool.
func (s ScaleSummary) ExternalString() string {
	if s.External.From() == s.External.To() {
		return s.External.From().String()
	}
	return s.External.String()
}

// MarshalJSON writes the summary record with "external"
// (ExternalString) after the table's counts.
func (s ScaleSummary) MarshalJSON() ([]byte, error) {
	type plain ScaleSummary
	return json.Marshal(struct {
		plain
		External string `json:"external"`
	}{plain(s), s.ExternalString()})
}

// Run builds the NAT, sized for the flows, feeds it every flow and
// summarises the table. A preset that is not one, or a configuration New
// refuses, is a *ConfigError; inside, destination and external addresses
// of different families a *ConfigError for "inside".
func (s Scale) Run() (ScaleSummary, error) {
	cfg, ok := s.Preset.Config()
	if !ok {
		_, err := ParsePreset(string(s.Preset))
		return ScaleSummary{}, err
	}
	v4 := s.Inside.Addr().Is4()
	if s.Dest.Addr().Is4() != v4 || s.External.From().Is4() != v4 {
		return ScaleSummary{}, &ConfigError{Field: "inside", Value: s.Inside.String(), Msg: "want the inside, destination and external addresses of one family"}
	}
	cfg.Seed, cfg.SizeHint, cfg.External = s.Seed, s.N, s.External
	cfg.PortMin, cfg.PortMax = s.PortMin, s.PortMax
	if s.External.From() != s.External.To() {
		cfg.Kind = SNAT
	}
	t, err := New(cfg)
	if err != nil {
		return ScaleSummary{}, err
	}
	if err := t.Run(s.Events(), nil); err != nil {
		return ScaleSummary{}, err
	}
	c := t.Config()
	return ScaleSummary{Type: "summary", Preset: s.Preset, Kind: c.Kind, Mapping: c.Mapping, Filtering: c.Filtering,
		Ports: c.Ports, Flows: s.N, Seed: s.Seed, Summary: t.Summary(), External: c.External}, nil
}

// MaxScaleFlows is the most flows ParseScale accepts: a flow holds about
// 200 bytes of table, so 5,000,000 flows are 1 GB.
const MaxScaleFlows = 5_000_000

// ScaleOptions are a scale run's settings as a user gives them, in text
// (netcalc nat simulate's generator flags); ParseScale checks them and
// returns the Scale they describe.
type ScaleOptions struct {
	// Preset names the NAT's behaviour (ParsePreset).
	Preset string
	// Flows is the number of flows, 0 to MaxScaleFlows.
	Flows int
	// Seed seeds the flows and the port search.
	Seed uint64
	// Inside is the prefix the flows come from, e.g. 10.0.0.0/16.
	Inside string
	// Dest is the prefix the flows go to, of Inside's family.
	Dest string
	// External is the external address, range A-B or prefix (ParseRange),
	// of Inside's family.
	External string
	// Ports is the external port range MIN-MAX; "" means Linux's ranges.
	Ports string
	// Proto is tcp or udp, in either case.
	Proto string
	// Interval is the virtual time between flows; not negative.
	Interval time.Duration
}

// ScaleOptionError reports a ScaleOptions value ParseScale refuses. Field
// names the option as netcalc's flags do: preset, flows, interval,
// external, ports, inside, dst or proto, or family when Inside, Dest and
// External are not of one address family. Value is the value as given
// (Flows and Interval in decimal and Duration.String form, Proto in lower
// case; "" for family).
type ScaleOptionError struct {
	Field string
	Value string
}

// Error returns "nat: invalid configuration: bad FIELD "VALUE"".
func (e *ScaleOptionError) Error() string {
	if e.Field == "family" {
		return "nat: invalid configuration: inside, destination and external addresses of different families"
	}
	return fmt.Sprintf("nat: invalid configuration: bad %s %q", e.Field, e.Value)
}

// Unwrap returns ErrConfig.
func (e *ScaleOptionError) Unwrap() error { return ErrConfig }

// ParseScale checks o, in the order of ScaleOptionError's fields, and
// returns the Scale it describes. The first value it refuses is a
// *ScaleOptionError.
func ParseScale(o ScaleOptions) (Scale, error) {
	bad := func(field, value string) (Scale, error) {
		return Scale{}, &ScaleOptionError{Field: field, Value: value}
	}
	sc := Scale{Preset: Preset(o.Preset), Flows: Flows{N: o.Flows, Seed: o.Seed, Interval: o.Interval}}
	var err error
	if _, err := ParsePreset(o.Preset); err != nil {
		return bad("preset", o.Preset)
	}
	if o.Flows < 0 || o.Flows > MaxScaleFlows {
		return bad("flows", strconv.Itoa(o.Flows))
	}
	if o.Interval < 0 {
		return bad("interval", o.Interval.String())
	}
	if sc.External, err = ParseRange(o.External); err != nil {
		return bad("external", o.External)
	}
	if o.Ports != "" {
		pr, ok := conntrack.ParsePortRange(o.Ports)
		if !ok {
			return bad("ports", o.Ports)
		}
		sc.PortMin, sc.PortMax = pr.Lo, pr.Hi
	}
	if sc.Inside, err = netip.ParsePrefix(o.Inside); err != nil {
		return bad("inside", o.Inside)
	}
	if sc.Dest, err = netip.ParsePrefix(o.Dest); err != nil {
		return bad("dst", o.Dest)
	}
	if v4 := sc.Inside.Addr().Is4(); sc.Dest.Addr().Is4() != v4 || sc.External.From().Is4() != v4 {
		return bad("family", "")
	}
	proto := strings.ToLower(o.Proto)
	if sc.Proto, _ = packet.ParseProtocol(proto); proto != "tcp" && proto != "udp" {
		return bad("proto", proto)
	}
	return sc, nil
}
