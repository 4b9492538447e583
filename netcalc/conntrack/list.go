package conntrack

import (
	"bufio"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// MaxListLine is the longest line ParseList reads; a conntrack line with
// every optional field is under 600 bytes.
const MaxListLine = 4096

// Listed is one entry of a real conntrack table as `conntrack -L` or
// /proc/net/nf_conntrack lists it. Unlike Conn it keeps what the kernel
// prints and netcalc does not simulate: any protocol number, the state of
// SCTP and DCCP, zones, labels, the security context and counters.
type Listed struct {
	Type string `json:"type"` // always "conn"
	Line int    `json:"line"`
	// Family is "ipv4" or "ipv6".
	Family string `json:"family"`
	// Proto is the protocol name conntrack prints ("tcp", "udp", "icmp",
	// "icmpv6", "sctp", "dccp", "gre", "udplite", "unknown").
	Proto    string `json:"proto"`
	ProtoNum uint8  `json:"proto_num"`
	Timeout  uint32 `json:"timeout"`
	// State is the TCP, SCTP or DCCP state; "" for other protocols.
	State     string `json:"state,omitempty"`
	Orig      Tuple  `json:"orig"`
	Reply     Tuple  `json:"reply"`
	Unreplied bool   `json:"unreplied,omitempty"`
	Assured   bool   `json:"assured,omitempty"`
	Offload   bool   `json:"offload,omitempty"`
	Mark      uint32 `json:"mark"`
	// Zone is the conntrack zone (zone=, also a directional orig-zone or
	// reply-zone); 0 when absent.
	Zone   uint16 `json:"zone,omitempty"`
	Labels string `json:"labels,omitempty"`
	Secctx string `json:"secctx,omitempty"`
	Use    uint32 `json:"use,omitempty"`
	// Packets and Bytes are the accounting counters of the original and
	// reply directions (net.netfilter.nf_conntrack_acct=1).
	Packets [2]uint64 `json:"packets,omitempty"`
	Bytes   [2]uint64 `json:"bytes,omitempty"`
}

// protoNames are the protocols conntrack names, by number ("" for the
// others).
var protoNames = [256]string{1: "icmp", 6: "tcp", 17: "udp", 33: "dccp", 47: "gre", 58: "icmpv6", 132: "sctp", 136: "udplite"}

// states lists the states conntrack prints for the protocols that have
// them (nf_conntrack_proto_{tcp,sctp,dccp}.c): see statesOf.
var states = [...]struct {
	proto string
	names []string
}{
	{"tcp", []string{"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"}},
	{"sctp", []string{"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED", "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED"}},
	{"dccp", []string{"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING", "TIMEWAIT", "IGNORE", "INVALID"}},
}

// statesOf returns the states conntrack prints for proto, or nil for a
// protocol without them.
func statesOf(proto string) []string {
	for _, s := range states {
		if s.proto == proto {
			return s.names
		}
	}
	return nil
}

// ListError is a line ParseList refused: its number and why.
type ListError struct {
	Line int
	Text string
	Err  *SyntaxError
}

// Error returns "line N: "TOKEN": MSG".
func (e *ListError) Error() string {
	return "line " + strconv.Itoa(e.Line) + ": " + strconv.Quote(e.Err.Token) + ": " + e.Err.Msg
}

// Unwrap returns the *SyntaxError.
func (e *ListError) Unwrap() error { return e.Err }

// ParseList reads a whole `conntrack -L` listing or /proc/net/nf_conntrack
// file. Blank lines, '#' comments and the summary conntrack writes on
// standard error ("conntrack v1.4.7 (conntrack-tools): 3 flow entries
// have been shown.") are skipped. It returns the entries it could parse
// and one *ListError per line it refused, in line order; a read error
// (or a line longer than MaxListLine) stops it and is returned as err.
func ParseList(r io.Reader) (ents []Listed, bad []*ListError, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxListLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' || isSummary(line) {
			continue
		}
		e, se := ParseListed(line)
		if se != nil {
			bad = append(bad, &ListError{Line: n, Text: line, Err: se})
			continue
		}
		e.Line = n
		ents = append(ents, e)
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return ents, bad, &ListError{Line: n + 1, Err: &SyntaxError{Token: "", Msg: "longer than " + strconv.Itoa(MaxListLine) + " bytes"}}
		}
		return ents, bad, err
	}
	return ents, bad, nil
}

// isSummary reports whether line is conntrack's closing summary.
func isSummary(line string) bool {
	return strings.HasPrefix(line, "conntrack v") && strings.HasSuffix(line, "have been shown.")
}

// ParseListed parses one line of `conntrack -L` (any output options but
// xml) or of /proc/net/nf_conntrack, which starts with the L3 protocol
// ("ipv4     2 ").
func ParseListed(line string) (Listed, *SyntaxError) {
	e := Listed{Type: "conn"}
	f := strings.Fields(line)
	if len(f) >= 2 && (f[0] == "ipv4" || f[0] == "ipv6") {
		want := map[string]string{"ipv4": "2", "ipv6": "10"}[f[0]]
		if f[1] != want {
			return e, &SyntaxError{Token: f[1], Msg: "want " + want + " after " + f[0] + " (its address family number)"}
		}
		e.Family = f[0]
		f = f[2:]
	}
	if len(f) < 3 {
		return e, &SyntaxError{Token: line, Msg: "want PROTO NUMBER TIMEOUT and two tuples"}
	}
	if !slices.Contains(protoNames[:], f[0]) && f[0] != "unknown" {
		return e, &SyntaxError{Token: f[0], Msg: "want a protocol name (tcp, udp, icmp, icmpv6, sctp, dccp, gre, udplite, unknown) or a family (ipv4, ipv6)"}
	}
	num, err := strconv.ParseUint(f[1], 10, 8)
	if err != nil {
		return e, &SyntaxError{Token: f[1], Msg: "want the protocol number 0-255"}
	}
	e.ProtoNum = uint8(num)
	e.Proto = f[0]
	name := protoNames[e.ProtoNum]
	known := name != ""
	switch {
	case known && f[0] != name:
		return e, &SyntaxError{Token: f[0], Msg: "want " + name + " for protocol " + f[1]}
	case !known && f[0] != "unknown":
		return e, &SyntaxError{Token: f[1], Msg: "want the protocol number of " + f[0]}
	}
	t, err := strconv.ParseUint(f[2], 10, 32)
	if err != nil {
		return e, &SyntaxError{Token: f[2], Msg: "want the seconds until expiry"}
	}
	e.Timeout = uint32(t)
	f = f[3:]
	if sts := statesOf(e.Proto); sts != nil {
		if len(f) == 0 || !slices.Contains(sts, f[0]) {
			tok := line
			if len(f) > 0 {
				tok = f[0]
			}
			return e, &SyntaxError{Token: tok, Msg: "want a " + e.Proto + " state such as " + sts[3]}
		}
		e.State = f[0]
		f = f[1:]
	}
	se := e.parseFields(f, line)
	return e, se
}

// parseFields parses the fields that follow the protocol, timeout and
// state of a conntrack line (f; line is the whole line, for errors): the
// original and reply tuples, the [FLAGS] and the entry's KEY=VALUE
// fields, into e, whose Proto and ProtoNum are set. ParseListed and
// ParseConn share it. It returns nil or the *SyntaxError of the first
// field it refused.
func (e *Listed) parseFields(f []string, line string) *SyntaxError {
	p := packet.Protocol(e.ProtoNum)
	tuples := [2]*Tuple{&e.Orig, &e.Reply}
	var seen [2]map[string]bool
	ti := -1
	for _, tok := range f {
		if strings.HasPrefix(tok, "[") {
			switch tok {
			case "[UNREPLIED]":
				e.Unreplied = true
			case "[ASSURED]":
				e.Assured = true
			case "[OFFLOAD]", "[HW_OFFLOAD]":
				e.Offload = true
			case "[SEEN_REPLY]", "[DYING]", "[FIXED_TIMEOUT]", "[EXPECTED]", "[CONFIRMED]":
			default:
				return &SyntaxError{Token: tok, Msg: "want a flag such as [ASSURED] or [UNREPLIED]"}
			}
			continue
		}
		key, val, ok := strings.Cut(tok, "=")
		if !ok {
			return &SyntaxError{Token: tok, Msg: "want KEY=VALUE"}
		}
		switch key {
		case "src":
			ti++
			if ti > 1 {
				return &SyntaxError{Token: tok, Msg: "a third tuple: want only the original and the reply"}
			}
			a, err := netip.ParseAddr(val)
			if err != nil || a.Zone() != "" {
				return &SyntaxError{Token: tok, Msg: "want an IP address"}
			}
			fam := "ipv4"
			if a.Is6() {
				fam = "ipv6"
			}
			if e.Family == "" {
				e.Family = fam
			} else if e.Family != fam {
				return &SyntaxError{Token: tok, Msg: "want an " + e.Family + " address"}
			}
			tuples[ti].Proto = p
			tuples[ti].Src = a
			seen[ti] = map[string]bool{}
			continue
		case "mark":
			v, err := strconv.ParseUint(val, 0, 32)
			if err != nil {
				return &SyntaxError{Token: tok, Msg: "want a 32-bit mark"}
			}
			e.Mark = uint32(v)
			continue
		case "zone", "orig-zone", "reply-zone":
			v, err := strconv.ParseUint(val, 10, 16)
			if err != nil {
				return &SyntaxError{Token: tok, Msg: "want a zone 0-65535"}
			}
			e.Zone = uint16(v)
			continue
		case "use":
			v, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return &SyntaxError{Token: tok, Msg: "want a reference count"}
			}
			e.Use = uint32(v)
			continue
		case "secctx":
			if val == "" {
				return &SyntaxError{Token: tok, Msg: "want a security context"}
			}
			e.Secctx = val
			continue
		case "labels":
			e.Labels = val
			continue
		case "delta-time", "timestamp", "start", "stop":
			if _, err := strconv.ParseUint(strings.TrimSuffix(val, "]"), 10, 64); err != nil {
				return &SyntaxError{Token: tok, Msg: "want a number of seconds"}
			}
			continue
		case "id":
			// The entry's id (conntrack -o id) unless it is the echo
			// identifier of an ICMP tuple still being filled.
			if !p.IsICMP() || ti < 0 || seen[ti]["id"] {
				if _, err := strconv.ParseUint(val, 10, 32); err != nil {
					return &SyntaxError{Token: tok, Msg: "want an entry id"}
				}
				continue
			}
		}
		if ti < 0 {
			return &SyntaxError{Token: tok, Msg: "want src= first"}
		}
		tp := tuples[ti]
		if seen[ti][key] {
			return &SyntaxError{Token: tok, Msg: "repeated in one tuple"}
		}
		seen[ti][key] = true
		switch key {
		case "dst":
			a, err := netip.ParseAddr(val)
			if err != nil || a.Zone() != "" || a.Is4() != tp.Src.Is4() {
				return &SyntaxError{Token: tok, Msg: "want an IP address of the same family as src"}
			}
			tp.Dst = a
		case "sport", "dport", "id":
			if (key == "id") != p.IsICMP() || (key != "id" && !e.hasPorts()) {
				return &SyntaxError{Token: tok, Msg: "want sport/dport for " + portProtos + ", id for icmp"}
			}
			v, err := strconv.ParseUint(val, 10, 16)
			if err != nil {
				return &SyntaxError{Token: tok, Msg: "want a number 0-65535"}
			}
			if key == "dport" {
				tp.DstPort = uint16(v)
			} else {
				tp.SrcPort = uint16(v)
			}
		case "type", "code":
			v, err := strconv.ParseUint(val, 10, 8)
			if err != nil || !p.IsICMP() {
				return &SyntaxError{Token: tok, Msg: "want an ICMP type or code 0-255 (icmp only)"}
			}
			if key == "type" {
				tp.Type = uint8(v)
			} else {
				tp.Code = uint8(v)
			}
		case "srckey", "dstkey", "version":
			if e.Proto != "gre" {
				return &SyntaxError{Token: tok, Msg: "want srckey/dstkey for gre only"}
			}
			if _, err := strconv.ParseUint(val, 0, 32); err != nil {
				return &SyntaxError{Token: tok, Msg: "want a GRE key"}
			}
		case "packets", "bytes":
			v, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return &SyntaxError{Token: tok, Msg: "want a counter"}
			}
			if key == "packets" {
				e.Packets[ti] = v
			} else {
				e.Bytes[ti] = v
			}
		default:
			return &SyntaxError{Token: tok, Msg: "unknown field"}
		}
	}
	if ti != 1 || !e.Orig.Dst.IsValid() || !e.Reply.Dst.IsValid() {
		return &SyntaxError{Token: line, Msg: "want an original and a reply tuple, each with src= and dst="}
	}
	return nil
}

const portProtos = "tcp, udp, sctp, dccp, udplite"

// hasPorts reports whether e's protocol carries ports
// (packet.Protocol.HasPorts; ParseListed has checked that the name and
// number agree).
func (e *Listed) hasPorts() bool { return packet.Protocol(e.ProtoNum).HasPorts() }
