package nat

import (
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// Verdict is what the NAT did with a packet.
type Verdict string

// The verdicts.
const (
	Accept Verdict = "accept"
	Drop   Verdict = "drop"
)

// The drop reasons (Decision.Reason).
const (
	// NoMapping: nothing (no connection, forward, static entry or
	// mapping) matches the inbound packet's destination, or an inside
	// host of a static-only NAT has no static entry.
	NoMapping packet.Reason = "no-mapping"
	// Filtered: a mapping exists, but the filtering behaviour refuses
	// this remote endpoint.
	Filtered packet.Reason = "filtered"
	// Expired: the connection or mapping the packet would have matched
	// timed out on the virtual clock.
	Expired packet.Reason = "expired"
	// PortExhausted: source NAT found no free external port
	// (ErrPortExhausted).
	PortExhausted packet.Reason = "port-exhausted"
	// HairpinOff: an inside host addressed an external endpoint of the
	// NAT and hairpinning is off.
	HairpinOff packet.Reason = "hairpin-disabled"
	// Clash: the translated packet would duplicate the tuple of another
	// live connection, so conntrack refuses the new entry.
	Clash packet.Reason = "clash"
)

// Cause says what decided a packet, as a code finer than the drop
// Reason: which connection, forward, static entry, mapping or source-NAT
// choice let it through, or which check dropped it. The endpoints it
// names are in Decision's Inside, External and Remote fields, as each
// constant says; printers turn a Cause into words.
type Cause string

// The causes of accepted packets.
const (
	// CauseEstablished: the packet belongs to a known connection, in its
	// original direction.
	CauseEstablished Cause = "established"
	// CauseReply: the packet is a reply of a known connection.
	CauseReply Cause = "reply"
	// CauseForward: a port forward sent the packet to Inside.
	CauseForward Cause = "forward"
	// CauseStatic: a static entry pairs Inside's address with External's.
	CauseStatic Cause = "static"
	// CauseMapping: the mapping of Inside let the packet in under
	// Filtering (EIF: anyone; ADF: Inside has sent to Remote's address).
	CauseMapping Cause = "mapping"
	// CauseSourceNAT: source NAT chose External for Inside; Alloc says
	// how.
	CauseSourceNAT Cause = "source-nat"
	// CauseUntranslated: an outbound packet the NAT does not translate
	// (a dnat-only NAT's outbound traffic).
	CauseUntranslated Cause = "untranslated"
)

// The causes of dropped packets.
const (
	// CauseNotPeer (Filtered): a mapping of External exists, but
	// Filtering refuses Remote (ADF compares its address, APDF its
	// address and port).
	CauseNotPeer Cause = "not-peer"
	// CauseMappingExpired (Expired): the mapping of External timed out.
	CauseMappingExpired Cause = "mapping-expired"
	// CauseConnExpired (Expired): the connection the packet belongs to
	// timed out.
	CauseConnExpired Cause = "connection-expired"
	// CauseNoMapping (NoMapping): nothing maps External.
	CauseNoMapping Cause = "no-mapping"
	// CauseOwnPing (NoMapping): an inside host pinged an external
	// address of the NAT, which answers an echo itself.
	CauseOwnPing Cause = "own-ping"
	// CauseNoStatic (NoMapping): a static-only NAT has no entry for the
	// packet's source.
	CauseNoStatic Cause = "no-static"
	// CauseOwnAddress (HairpinOff): the packet is addressed to an
	// external endpoint of the NAT and hairpinning is off.
	CauseOwnAddress Cause = "own-address"
	// CausePortExhausted (PortExhausted): no external port was free;
	// Decision.Exhausted has the search.
	CausePortExhausted Cause = "port-exhausted"
	// CauseClash (Clash): the new entry would duplicate Decision.Clash,
	// the original tuple of a live connection.
	CauseClash Cause = "clash"
)

// Decision is the NAT's decision for one Event, as data: the verdict and
// reason codes, the Cause and the endpoints it names, the packet as it
// leaves and the conntrack entry. It holds no sentences; netcalc's
// command line words it.
type Decision struct {
	Event
	Verdict Verdict `json:"verdict"`
	// Reason is why the packet was dropped; "" when accepted.
	Reason packet.Reason `json:"reason,omitempty"`
	// Cause is what decided the packet.
	Cause Cause `json:"cause"`
	// Hairpin reports that an inside host's packet was addressed to an
	// external endpoint of the NAT and resolved back to the inside (or
	// dropped while resolving it): Cause, Inside, External and Remote
	// then describe that resolution, and the packet's new source is
	// Out's.
	Hairpin bool `json:"hairpin,omitempty"`
	// Filtering is the filtering behaviour that let the packet in
	// (CauseMapping) or refused it (CauseNotPeer); "" otherwise.
	Filtering Filtering `json:"filtering,omitempty"`
	// Inside is the inside endpoint the Cause names: the forward's
	// target, the static entry's inside address (with the packet's
	// port), the mapping's owner, the source-NAT source.
	Inside netip.AddrPort `json:"inside,omitzero"`
	// External is the NAT's endpoint the Cause names: the static
	// entry's outside address, the endpoint source NAT chose, the
	// endpoint a mapping was looked up for.
	External netip.AddrPort `json:"external,omitzero"`
	// Remote is the outside endpoint the filtering judged (CauseMapping
	// under ADF, CauseNotPeer).
	Remote netip.AddrPort `json:"remote,omitzero"`
	// Exhausted is the port search that gave up (CausePortExhausted),
	// the error Process returned; nil otherwise.
	Exhausted *ExhaustedError `json:"exhausted,omitempty"`
	// Clash is the original tuple of the live connection the new entry
	// would duplicate (CauseClash); nil otherwise.
	Clash *Tuple `json:"clash,omitempty"`
	// Out is the packet as it leaves the NAT; zero when dropped.
	Out Tuple `json:"out"`
	// New reports that the packet created a conntrack entry.
	New bool `json:"new,omitempty"`
	// Alloc says how source NAT chose the new connection's external
	// endpoint; AllocNone when the packet created no source-NAT entry.
	Alloc Allocation `json:"allocation,omitempty"`
	// Conn is the entry after the packet; zero when dropped.
	Conn Conn `json:"conn"`
}

// The actions of the steps Decision.Step returns (packet.Step.Action).
const (
	// ActionTranslate: the packet was accepted and rewritten.
	ActionTranslate packet.Action = "translate"
	// ActionAccept: the packet was accepted as it arrived.
	ActionAccept packet.Action = "accept"
	// ActionDrop: the packet was dropped; Reason says why.
	ActionDrop packet.Action = "drop"
)

// Step returns the decision as the step netcalc's simulators share: Action
// ActionTranslate, ActionAccept or ActionDrop; Verdict "ACCEPT" or "DROP"
// (the netfilter verdict); Reason the drop reason; Count the ports tried
// when the port search gave up; Before the packet as it arrived and After
// as it left (nil when dropped). Node, Hook, Table, Chain and Rule stay
// empty: a NAT table is one box without rules.
func (r Decision) Step() packet.Step {
	before := r.Packet.Packet()
	s := packet.Step{Action: ActionDrop, Verdict: "DROP", Reason: r.Reason, Before: &before}
	if r.Exhausted != nil {
		s.Count = r.Exhausted.Tries
	}
	if r.Verdict != Accept {
		return s
	}
	after := r.Out.Packet()
	s.Action, s.Verdict, s.After = ActionAccept, "ACCEPT", &after
	if after != before {
		s.Action = ActionTranslate
	}
	return s
}

// Detail returns the Cause refined by what it depends on, the key a
// printer words the decision by: "mapping eif", "not-peer apdf" (with
// the Filtering), "source-nat preserved" (with the Alloc), "static in"
// when the static entry was found from its outside address (an inbound
// or hairpin packet) and "static out" otherwise; any other Cause as
// itself.
func (r Decision) Detail() string {
	switch r.Cause {
	case CauseMapping, CauseNotPeer:
		return string(r.Cause) + " " + string(r.Filtering)
	case CauseSourceNAT:
		return string(r.Cause) + " " + r.Alloc.String()
	case CauseStatic:
		if r.Dir == Inbound || r.Hairpin {
			return "static in"
		}
		return "static out"
	}
	return string(r.Cause)
}

// Record is a Decision as one flat JSON object of text fields, the form
// netcalc nat simulate -o json writes per event: Type "event", At in
// seconds, the packets in FormatPacket form, the conntrack entry in
// conntrack -L form. Note is left to the printer, which words the
// decision (Detail) for people.
type Record struct {
	Type    string  `json:"type"`
	At      float64 `json:"at"`
	Line    int     `json:"line,omitempty"`
	Dir     string  `json:"dir"`
	Packet  string  `json:"packet"`
	Flags   string  `json:"flags,omitempty"`
	Verdict string  `json:"verdict"`
	Reason  string  `json:"reason,omitempty"`
	Out     string  `json:"out,omitempty"`
	New     bool    `json:"new"`
	Note    string  `json:"note,omitempty"`
	Entry   string  `json:"conntrack,omitempty"`
}

// Record returns r as a Record with an empty Note; Out and Entry are
// set only when the packet was accepted.
func (r Decision) Record() Record {
	j := Record{Type: "event", At: r.At.Seconds(), Line: r.Line, Dir: string(r.Dir),
		Packet: FormatPacket(r.Packet), Flags: r.Flags.String(), Verdict: string(r.Verdict),
		Reason: string(r.Reason), New: r.New}
	if r.Verdict == Accept {
		j.Out = FormatPacket(r.Out)
		j.Entry = r.Conn.String()
	}
	return j
}
