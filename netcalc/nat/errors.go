package nat

import (
	"errors"
	"strconv"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrProto means a protocol name or number is not one netcalc
	// simulates.
	ErrProto = errors.New("nat: unknown protocol")
	// ErrConntrackSyntax means a line is not in `conntrack -L` format.
	ErrConntrackSyntax = errors.New("nat: not a conntrack line")
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

// ConntrackError describes why ParseConn rejected a line: Token is the
// offending field (quoted in the message), Msg what was expected.
type ConntrackError struct {
	Token string
	Msg   string
}

// Error returns `nat: conntrack line: "TOKEN": MSG`.
func (e *ConntrackError) Error() string {
	return "nat: conntrack line: " + strconv.Quote(e.Token) + ": " + e.Msg
}

// Unwrap returns ErrConntrackSyntax.
func (e *ConntrackError) Unwrap() error { return ErrConntrackSyntax }
