package nat

import (
	"fmt"
	"net/netip"
	"time"
)

// Direction says which side of the NAT a packet arrives from.
type Direction string

// The directions.
const (
	// Outbound packets arrive from the inside (inside → outside).
	Outbound Direction = "out"
	// Inbound packets arrive from the outside, addressed to an external
	// address of the NAT.
	Inbound Direction = "in"
)

// Event is one packet reaching the NAT at a virtual time. Packet is the
// packet as it arrives, in the Tuple form conntrack uses (ICMP echo
// identifier in SrcPort, type in Type).
type Event struct {
	// At is the virtual time since the simulation started.
	At time.Duration `json:"at"`
	// Dir is the side the packet arrives from.
	Dir Direction `json:"dir"`
	// Packet is the packet before translation.
	Packet Tuple `json:"packet"`
	// Flags are the TCP flags; zero means what the connection expects
	// next.
	Flags TCPFlags `json:"flags,omitempty"`
	// Line is the scenario line the event came from, 0 if unknown.
	Line int `json:"line,omitempty"`
}

// Verdict is what the NAT did with a packet.
type Verdict string

// The verdicts.
const (
	Accept Verdict = "accept"
	Drop   Verdict = "drop"
)

// Reason says why a packet was dropped.
type Reason string

// The drop reasons.
const (
	// NoMapping: nothing (no connection, forward, static entry or
	// mapping) matches the inbound packet's destination, or an inside
	// host of a static-only NAT has no static entry.
	NoMapping Reason = "no-mapping"
	// Filtered: a mapping exists, but the filtering behaviour refuses
	// this remote endpoint.
	Filtered Reason = "filtered"
	// Expired: the connection or mapping the packet would have matched
	// timed out on the virtual clock.
	Expired Reason = "expired"
	// PortExhausted: source NAT found no free external port
	// (ErrPortExhausted).
	PortExhausted Reason = "port-exhausted"
	// HairpinOff: an inside host addressed an external endpoint of the
	// NAT and hairpinning is off.
	HairpinOff Reason = "hairpin-disabled"
	// Clash: the translated packet would duplicate the tuple of another
	// live connection, so conntrack refuses the new entry.
	Clash Reason = "clash"
)

// Result is the NAT's decision for one Event.
type Result struct {
	Event
	Verdict Verdict `json:"verdict"`
	// Reason is why the packet was dropped; empty when accepted.
	Reason Reason `json:"reason,omitempty"`
	// Out is the packet as it leaves the NAT; zero when dropped.
	Out Tuple `json:"out"`
	// New reports that the packet created a conntrack entry.
	New bool `json:"new,omitempty"`
	// Alloc says how source NAT chose the new connection's external
	// endpoint; AllocNone when the packet created no source-NAT entry.
	Alloc Allocation `json:"allocation,omitempty"`
	// Note explains the decision in a few words ("port preserved",
	// "reply", "filtered by apdf: 198.51.100.9 never contacted").
	Note string `json:"note,omitempty"`
	// Conn is the entry after the packet; zero when dropped.
	Conn Conn `json:"conn"`
}

// ExhaustedError reports that no external port was free for a new
// connection: the search over Min-Max on Addr gave up after Tries.
type ExhaustedError struct {
	Packet   Tuple
	Addr     netip.Addr
	Min, Max uint16
	Tries    int
}

// Error returns a message naming the connection and the range searched.
func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("nat: port exhausted: no free port for %v %v on %v in %d-%d after %d tries",
		e.Packet.Proto, e.Packet, e.Addr, e.Min, e.Max, e.Tries)
}

// Unwrap returns ErrPortExhausted.
func (e *ExhaustedError) Unwrap() error { return ErrPortExhausted }
