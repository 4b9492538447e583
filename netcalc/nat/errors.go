package nat

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/conntrack"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrConntrackSyntax means a line is not in `conntrack -L` format
	// (conntrack.ErrSyntax).
	ErrConntrackSyntax = conntrack.ErrSyntax
	// ErrConfig means a NAT configuration is invalid; the error is a
	// *ConfigError naming the field.
	ErrConfig = errors.New("nat: invalid configuration")
	// ErrPortExhausted means source NAT found no free external port for a
	// new connection; the packet is dropped (the kernel counts it as
	// insert_failed). The error is an *ExhaustedError.
	ErrPortExhausted = errors.New("nat: port exhausted")
	// ErrScenario means a scenario file could not be read; the error is a
	// *ScenarioError with the line.
	ErrScenario = errors.New("nat: bad scenario")
	// ErrPacket means an event's packet cannot be simulated (mixed
	// address families, an unsupported protocol, time going backwards).
	ErrPacket = errors.New("nat: bad packet")
)

// ExhaustedError reports that no external port was free for a new
// connection: the search over Min-Max on Addr gave up after Tries.
type ExhaustedError struct {
	Packet Tuple      `json:"packet"`
	Addr   netip.Addr `json:"addr"`
	Min    uint16     `json:"min"`
	Max    uint16     `json:"max"`
	Tries  int        `json:"tries"`
}

// Error returns "nat: port exhausted: no free port for PROTO TUPLE on
// ADDR in MIN-MAX after N tries".
func (e *ExhaustedError) Error() string { return "nat: " + e.msg() }

func (e *ExhaustedError) msg() string {
	return fmt.Sprintf("port exhausted: no free port for %v %v on %v in %d-%d after %d tries",
		e.Packet.Proto, e.Packet, e.Addr, e.Min, e.Max, e.Tries)
}

// Unwrap returns ErrPortExhausted.
func (e *ExhaustedError) Unwrap() error { return ErrPortExhausted }

// EventError reports an event Process cannot simulate (mixed address
// families, an unsupported protocol, time going backwards): Msg says
// why, naming the packet.
type EventError struct {
	Event Event
	Msg   string
}

// Error returns "nat: bad packet: MSG".
func (e *EventError) Error() string { return "nat: " + e.msg() }

func (e *EventError) msg() string { return "bad packet: " + e.Msg }

// Unwrap returns ErrPacket.
func (e *EventError) Unwrap() error { return ErrPacket }

// A messager is one of nat's errors: msg is its message without the
// package prefix, which Error adds.
type messager interface{ msg() string }

// message returns err's message without nat's package prefix: msg for
// nat's own errors, Error otherwise.
func message(err error) string {
	if m, ok := err.(messager); ok {
		return m.msg()
	}
	return err.Error()
}
