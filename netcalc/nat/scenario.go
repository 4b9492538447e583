package nat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go4.org/netipx"
	"sigs.k8s.io/yaml"

	"github.com/netcalc/netcalc/netcalc/conntrack"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// Scenario is a NAT configuration and the packets to run through it, as
// read from a scenario file.
type Scenario struct {
	Config Config  `json:"config"`
	Events []Event `json:"events"`
	// Until is the virtual time at which to list the table; default the
	// time of the last event.
	Until time.Duration `json:"until"`
}

// ScenarioError reports a problem in a scenario file, or an event of it
// that cannot be run. Line is the 1-based line it was found at (0 when
// the YAML form hides it, e.g. flow style, or when the problem is the
// whole configuration); Err is the underlying error (a *ConfigError,
// *PacketError, *EventError or a YAML error).
type ScenarioError struct {
	Line int
	Err  error
}

// Error returns "nat: scenario line N: MSG" (or "nat: scenario: MSG"),
// where MSG is what Msg returns.
func (e *ScenarioError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("nat: scenario line %d: %s", e.Line, e.Msg())
	}
	return "nat: scenario: " + e.Msg()
}

// Msg returns the problem without the package prefix or the line, in the
// scenario file's terms: `mapping "cone": want eim, adm or apdm`, `event
// 2: packet "udp 10.0.0.5 -> 198.51.100.7:53": "10.0.0.5": want ADDR:PORT
// ([ADDR]:PORT for IPv6)`.
func (e *ScenarioError) Msg() string { return message(e.Err) }

// Unwrap returns the underlying error; errors.Is(err, ErrScenario) holds
// as well.
func (e *ScenarioError) Unwrap() []error { return []error{ErrScenario, e.Err} }

// duration is a scenario time: a number of seconds (30, 0.5) or a Go
// duration string ("1m30s", "250ms").
type duration time.Duration

func (d *duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s := strings.TrimSpace(fmt.Sprint(v))
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 1e9 || math.IsNaN(f) {
			return &timeError{text: s, want: "0 to 1e9 seconds"}
		}
		*d = duration(time.Duration(math.Round(f * float64(time.Second))))
		return nil
	}
	x, err := time.ParseDuration(s)
	if err != nil || x < 0 || x > 1e9*time.Second {
		return &timeError{text: s, want: "seconds (30, 0.5) or a duration (1m30s, 250ms), at most 1e9 s"}
	}
	*d = duration(x)
	return nil
}

// timeError is a scenario time that is not one: text is the value as
// written, which also finds its line.
type timeError struct{ text, want string }

func (e *timeError) Error() string { return fmt.Sprintf("time %q: want %s", e.text, e.want) }

type rawScenario struct {
	NAT    rawConfig  `json:"nat"`
	Events []rawEvent `json:"events"`
	Until  *duration  `json:"until"`
}

type rawConfig struct {
	Preset         string              `json:"preset"`
	Kind           string              `json:"kind"`
	External       string              `json:"external"`
	Ports          string              `json:"ports"`
	Mapping        string              `json:"mapping"`
	Filtering      string              `json:"filtering"`
	PortAssignment string              `json:"port-assignment"`
	Persistent     *bool               `json:"persistent"`
	Hairpin        *bool               `json:"hairpin"`
	Seed           *uint64             `json:"seed"`
	Timeouts       map[string]duration `json:"timeouts"`
	Forwards       []struct {
		Proto    string `json:"proto"`
		External string `json:"external"`
		Internal string `json:"internal"`
	} `json:"forwards"`
	Static []struct {
		Inside  string `json:"inside"`
		Outside string `json:"outside"`
	} `json:"static"`
}

type rawEvent struct {
	At  *duration `json:"at"`
	Out string    `json:"out"`
	In  string    `json:"in"`
}

// eventError names the event an error is about.
type eventError struct {
	n   int
	err error
}

func (e *eventError) Error() string { return e.msg() }

func (e *eventError) msg() string { return fmt.Sprintf("event %d: %s", e.n, message(e.err)) }

func (e *eventError) Unwrap() error { return e.err }

// compiled on first use: nothing is built at start-up
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+)`) })

// ParseScenario reads a scenario file:
//
//	nat:
//	  preset: linux            # optional: linux, full-cone, restricted-cone, port-restricted-cone, symmetric
//	  kind: masquerade         # snat, masquerade, dnat, static
//	  external: 203.0.113.7    # address, range (A-B) or prefix
//	  ports: 1024-65535        # optional --to-ports range
//	  mapping: eim             # eim, adm, apdm
//	  filtering: apdf          # eif, adf, apdf
//	  port-assignment: preserve  # preserve, random, random-fully
//	  hairpin: false
//	  persistent: false
//	  seed: 1
//	  timeouts: {udp: 30s, tcp-established: 2h4m}
//	  forwards: [{proto: tcp, external: "203.0.113.7:8080", internal: "10.0.0.10:80"}]
//	  static: [{inside: 10.0.0.20, outside: 203.0.113.20}]
//	events:
//	  - {at: 0, out: "tcp 10.0.0.5:40000 -> 198.51.100.7:443"}
//	  - {at: 0.1, in: "tcp 198.51.100.7:443 -> 203.0.113.7:40000"}
//	until: 60s                 # optional: list the table at this time
//
// Fields set after a preset override it. Errors are *ScenarioError with the
// line number when it can be found; ParseScenario never panics.
func ParseScenario(src []byte) (*Scenario, error) {
	var raw rawScenario
	if err := yaml.UnmarshalStrict(src, &raw); err != nil {
		return nil, yamlError(src, err)
	}
	lines := newLineIndex(src)
	sc := &Scenario{}
	cfg, err := raw.NAT.config()
	if err != nil {
		var ce *ConfigError
		line := 0
		if errors.As(err, &ce) {
			line = lines.key(ce.Field)
		}
		return nil, &ScenarioError{Line: line, Err: err}
	}
	if _, err := cfg.normalize(); err != nil {
		var ce *ConfigError
		line := 0
		if errors.As(err, &ce) {
			line = lines.key(ce.Field)
		}
		return nil, &ScenarioError{Line: line, Err: err}
	}
	sc.Config = cfg
	var last time.Duration
	for i, re := range raw.Events {
		line := lines.event(i)
		evErr := func(err error) error {
			return &ScenarioError{Line: line, Err: &eventError{n: i + 1, err: err}}
		}
		var ev Event
		ev.Line = line
		switch {
		case re.Out != "" && re.In != "":
			return nil, evErr(errors.New("give either out: or in:, not both"))
		case re.Out != "":
			ev.Dir = Outbound
		case re.In != "":
			ev.Dir = Inbound
		default:
			return nil, evErr(errors.New(`want out: "PACKET" or in: "PACKET"`))
		}
		ev.Packet, ev.Flags, err = ParsePacket(re.Out+re.In, ev.Dir)
		if err != nil {
			return nil, evErr(portRange(err))
		}
		ev.At = last
		if re.At != nil {
			ev.At = time.Duration(*re.At)
		}
		if ev.At < last {
			return nil, evErr(fmt.Errorf("at %v is before the previous event's %v; list events in time order", ev.At, last))
		}
		last = ev.At
		sc.Events = append(sc.Events, ev)
	}
	sc.Until = last
	if raw.Until != nil {
		sc.Until = time.Duration(*raw.Until)
		if sc.Until < last {
			return nil, &ScenarioError{Line: lines.key("until"), Err: fmt.Errorf("until %v is before the last event (%v)", sc.Until, last)}
		}
	}
	return sc, nil
}

// Run runs the scenario: a new Translator for its Config, every event through
// Process in order, yield called with each Decision, then the clock moved
// to Until. It returns the table, to list at Until. Drops, port
// exhaustion included, are Results, not errors. A Config New refuses is a
// *ScenarioError with Line 0, an event the table cannot simulate a
// *ScenarioError with the event's line; an error from yield ends the run
// and is returned as it is.
func (sc *Scenario) Run(yield func(Decision) error) (*Translator, error) {
	t, err := New(sc.Config)
	if err != nil {
		return nil, &ScenarioError{Err: err}
	}
	if err := t.Run(slices.Values(sc.Events), yield); err != nil {
		var ee *EventError
		if errors.As(err, &ee) {
			return nil, &ScenarioError{Line: ee.Event.Line, Err: ee}
		}
		return nil, err
	}
	if err := t.Advance(sc.Until); err != nil {
		return nil, &ScenarioError{Err: err}
	}
	return t, nil
}

// RunScenario parses a scenario file's text (ParseScenario) and runs it
// (Scenario.Run), returning every Decision in event order and the table
// at Until. Its errors are ParseScenario's and Run's.
func RunScenario(src []byte) ([]Decision, *Translator, error) {
	sc, err := ParseScenario(src)
	if err != nil {
		return nil, nil, err
	}
	var ds []Decision
	t, err := sc.Run(func(d Decision) error { ds = append(ds, d); return nil })
	return ds, t, err
}

// Run processes events in order and calls yield, when it is not nil,
// with each Decision. Drops, port exhaustion included, are Results; Run
// stops at the first other error of Process (an *EventError) or of
// yield, and returns it.
func (t *Translator) Run(events iter.Seq[Event], yield func(Decision) error) error {
	for ev := range events {
		r, err := t.Process(ev)
		if err != nil && !errors.Is(err, ErrPortExhausted) {
			return err
		}
		if yield != nil {
			if err := yield(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func yamlError(src []byte, err error) error {
	lines := newLineIndex(src)
	var te *json.UnmarshalTypeError
	var bad *timeError
	switch {
	case errors.As(err, &te):
		field := te.Field[strings.LastIndexByte(te.Field, '.')+1:]
		msg := fmt.Sprintf("%q holds %s, want %s", te.Field, jsonValue(te.Value), jsonKind(te.Type.Kind().String()))
		if te.Field == "" {
			msg = fmt.Sprintf("the scenario is %s, want a mapping with nat: and events:", jsonValue(te.Value))
		}
		return &ScenarioError{Line: lines.key(field), Err: errors.New(msg)}
	case errors.As(err, &bad):
		return &ScenarioError{Line: lines.contains(bad.text), Err: bad}
	}
	// sigs.k8s.io/yaml wraps the YAML parser's and encoding/json's errors
	// with %w; theirs are plain text, read below: go.yaml.in/yaml/v2's
	// "yaml: line N: MSG" and encoding/json's `json: unknown field "F"`.
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	msg, line := err.Error(), 0
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.Replace(msg, "yaml: line "+m[1]+": ", "yaml: ", 1)
	}
	if rest, ok := strings.CutPrefix(msg, "yaml: "); ok {
		msg = "not valid yaml: " + rest
	}
	if m := regexp.MustCompile(`unknown field "([^"]+)"`).FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("unknown field %q (see netcalc nat simulate --help for the fields)", m[1])
		line = lines.key(m[1][strings.LastIndexByte(m[1], '.')+1:])
	}
	return &ScenarioError{Line: line, Err: errors.New(msg)}
}

// jsonKind says what a Go kind is in the scenario file's terms.
func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "a mapping (key: value)"
	case "slice", "array":
		return "a list"
	case "bool":
		return "true or false"
	case "string":
		return "text"
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number ≥ 0"
	case "int", "int8", "int16", "int32", "int64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	}
	return "a value"
}

// jsonValue says what the YAML held, from encoding/json's description of
// it ("string", "number -1", "object", "array", "bool").
func jsonValue(v string) string {
	switch {
	case v == "string":
		return "text"
	case v == "object":
		return "a mapping"
	case v == "array":
		return "a list"
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "number "):
		return strings.TrimPrefix(v, "number ")
	case v == "number":
		return "a number"
	}
	return v
}

// portRange words a packet error about an ADDR:PORT whose port does not
// fit in 16 bits as what it is: a port out of range.
func portRange(err error) error {
	var pe *PacketError
	if !errors.As(err, &pe) {
		return err
	}
	i := strings.LastIndexByte(pe.Token, ':')
	if i < 0 {
		return err
	}
	if n, perr := strconv.ParseUint(pe.Token[i+1:], 10, 64); perr == nil && n > 65535 ||
		errors.Is(perr, strconv.ErrRange) {
		c := *pe
		c.Msg = fmt.Sprintf("port %s is out of range, want 1-65535", shortNumber(pe.Token[i+1:]))
		return &c
	}
	return err
}

// shortNumber cuts a long run of digits for a message.
func shortNumber(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

func (rc rawConfig) config() (Config, error) {
	var c Config
	if rc.Preset != "" {
		p, err := ParsePreset(rc.Preset)
		if err != nil {
			return c, err
		}
		c, _ = p.Config()
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = strings.ToLower(v)
		}
	}
	k, m, f, pa := string(c.Kind), string(c.Mapping), string(c.Filtering), string(c.Ports)
	set(&k, rc.Kind)
	set(&m, rc.Mapping)
	set(&f, rc.Filtering)
	set(&pa, rc.PortAssignment)
	c.Kind, c.Mapping, c.Filtering, c.Ports = Kind(k), Mapping(m), Filtering(f), PortAssignment(pa)
	if rc.External != "" {
		r, err := ParseRange(rc.External)
		if err != nil {
			return c, &ConfigError{Field: "external", Value: rc.External, Msg: "want an address, a range A-B or a prefix"}
		}
		c.External = r
	}
	if rc.Ports != "" {
		lo, hi, ok := parsePorts(rc.Ports)
		if !ok {
			return c, &ConfigError{Field: "ports", Value: rc.Ports, Msg: "want PORT or MIN-MAX with 1 <= MIN <= MAX <= 65535"}
		}
		c.PortMin, c.PortMax = lo, hi
	}
	if rc.Persistent != nil {
		c.Persistent = *rc.Persistent
	}
	if rc.Hairpin != nil {
		c.Hairpin = *rc.Hairpin
	}
	if rc.Seed != nil {
		c.Seed = *rc.Seed
	}
	for name, d := range rc.Timeouts {
		dst := map[string]*time.Duration{
			"tcp-syn-sent": &c.Timeouts.TCPSynSent, "tcp-syn-recv": &c.Timeouts.TCPSynRecv,
			"tcp-established": &c.Timeouts.TCPEstablished, "tcp-fin-wait": &c.Timeouts.TCPFinWait,
			"tcp-close-wait": &c.Timeouts.TCPCloseWait, "tcp-last-ack": &c.Timeouts.TCPLastAck,
			"tcp-time-wait": &c.Timeouts.TCPTimeWait, "tcp-close": &c.Timeouts.TCPClose,
			"udp": &c.Timeouts.UDP, "udp-stream": &c.Timeouts.UDPStream, "icmp": &c.Timeouts.ICMP,
		}[name]
		if dst == nil {
			return c, &ConfigError{Field: name, Value: name, Msg: "not a timeout; want tcp-syn-sent, tcp-syn-recv, tcp-established, tcp-fin-wait, tcp-close-wait, tcp-last-ack, tcp-time-wait, tcp-close, udp, udp-stream or icmp"}
		}
		if d <= 0 {
			return c, &ConfigError{Field: name, Value: time.Duration(d).String(), Msg: "want a timeout above zero"}
		}
		*dst = time.Duration(d)
	}
	for _, rf := range rc.Forwards {
		v := fmt.Sprintf("%s %s -> %s", rf.Proto, rf.External, rf.Internal)
		p, err := packet.ParseProtocol(rf.Proto)
		if err != nil || !conntrack.Simulated(p) {
			return c, &ConfigError{Field: "forwards", Value: v, Msg: "want proto: tcp or udp"}
		}
		ext, err := netip.ParseAddrPort(rf.External)
		if err != nil {
			return c, &ConfigError{Field: "forwards", Value: v, Msg: "want external: ADDR:PORT"}
		}
		in, err := netip.ParseAddrPort(rf.Internal)
		if err != nil {
			a, err2 := netip.ParseAddr(rf.Internal)
			if err2 != nil {
				return c, &ConfigError{Field: "forwards", Value: v, Msg: "want internal: ADDR or ADDR:PORT"}
			}
			in = netip.AddrPortFrom(a, 0)
		}
		c.Forwards = append(c.Forwards, Forward{Proto: p, External: ext, Internal: in})
	}
	for _, rs := range rc.Static {
		in, err1 := netip.ParseAddr(rs.Inside)
		out, err2 := netip.ParseAddr(rs.Outside)
		if err1 != nil || err2 != nil {
			return c, &ConfigError{Field: "static", Value: rs.Inside + " <-> " + rs.Outside, Msg: "want inside: ADDR and outside: ADDR"}
		}
		c.Static = append(c.Static, StaticNAT{Inside: in, Outside: out})
	}
	return c, nil
}

// ParseRange parses an address ("203.0.113.7"), an inclusive range
// ("203.0.113.1-203.0.113.4") or a prefix ("203.0.113.0/30", all its
// addresses) into a range of one family.
func ParseRange(s string) (netipx.IPRange, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netipx.IPRange{}, err
		}
		return netipx.RangeOfPrefix(p.Masked()), nil
	}
	if a, b, ok := strings.Cut(s, "-"); ok {
		r, err := netipx.ParseIPRange(strings.TrimSpace(a) + "-" + strings.TrimSpace(b))
		if err != nil || !r.IsValid() {
			return netipx.IPRange{}, fmt.Errorf("nat: range %q: want FROM-TO with FROM <= TO in one family", s)
		}
		return r, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netipx.IPRange{}, err
	}
	return netipx.IPRangeFrom(a, a), nil
}

// parsePorts parses a scenario's ports: "MIN-MAX" or "PORT", spaces
// allowed around the numbers.
func parsePorts(s string) (uint16, uint16, bool) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		s = strings.TrimSpace(a) + "-" + strings.TrimSpace(b)
	}
	r, ok := conntrack.ParsePortRange(strings.TrimSpace(s))
	return r.Lo, r.Hi, ok
}

// lineIndex finds lines in a block-style YAML file, for error messages.
type lineIndex struct{ lines []string }

func newLineIndex(src []byte) lineIndex {
	return lineIndex{strings.Split(string(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))), "\n")}
}

// key returns the line of the first "key:" (also "- key:"), or 0.
func (li lineIndex) key(k string) int {
	for i, l := range li.lines {
		t := strings.TrimLeft(strings.TrimSpace(l), "- ")
		if strings.HasPrefix(t, k+":") || strings.HasPrefix(t, `"`+k+`":`) {
			return i + 1
		}
	}
	return 0
}

// contains returns the first line containing s, or 0.
func (li lineIndex) contains(s string) int {
	for i, l := range li.lines {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 0
}

// event returns the line where the n-th item (0-based) of the top-level
// events: list starts, or 0 when the list is not in block style.
func (li lineIndex) event(n int) int {
	start := -1
	for i, l := range li.lines {
		if strings.HasPrefix(l, "events:") {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return 0
	}
	indent := -1
	for i := start; i < len(li.lines); i++ {
		l := li.lines[i]
		t := strings.TrimLeft(l, " ")
		if t == "" || t[0] == '#' {
			continue
		}
		ind := len(l) - len(t)
		if ind == 0 && !strings.HasPrefix(t, "-") {
			return 0 // next top-level key
		}
		if !strings.HasPrefix(t, "-") || (indent >= 0 && ind != indent) {
			continue
		}
		indent = ind
		if n == 0 {
			return i + 1
		}
		n--
	}
	return 0
}
