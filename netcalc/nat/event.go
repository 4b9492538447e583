package nat

import "time"

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
