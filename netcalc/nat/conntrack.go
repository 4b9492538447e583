package nat

import (
	"fmt"

	"github.com/netcalc/netcalc/netcalc/conntrack"
)

// The connection-tracking model lives in netcalc/conntrack; these names
// keep nat's API whole for its callers.

// TCPState is a conntrack TCP state (conntrack.TCPState).
type TCPState = conntrack.TCPState

// The TCP states, in the kernel's order.
const (
	None        = conntrack.None
	SynSent     = conntrack.SynSent
	SynRecv     = conntrack.SynRecv
	Established = conntrack.Established
	FinWait     = conntrack.FinWait
	CloseWait   = conntrack.CloseWait
	LastAck     = conntrack.LastAck
	TimeWait    = conntrack.TimeWait
	Close       = conntrack.Close
	SynSent2    = conntrack.SynSent2
)

// Tuple is one direction of a tracked connection (conntrack.Tuple).
type Tuple = conntrack.Tuple

// Conn is one conntrack entry as `conntrack -L` lists it (conntrack.Conn).
type Conn = conntrack.Conn

// TCPFlags are the TCP flags of a simulated packet (conntrack.TCPFlags).
type TCPFlags = conntrack.TCPFlags

// The TCP flags netcalc tracks.
const (
	SYN = conntrack.SYN
	ACK = conntrack.ACK
	FIN = conntrack.FIN
	RST = conntrack.RST
)

// Timeouts are conntrack timeouts per protocol and TCP state
// (conntrack.Timeouts); zero fields take Linux's defaults.
type Timeouts = conntrack.Timeouts

// LinuxTimeouts returns Linux's default conntrack timeouts.
func LinuxTimeouts() Timeouts { return conntrack.LinuxTimeouts() }

// ConntrackError describes why ParseConn rejected a line
// (conntrack.SyntaxError).
type ConntrackError = conntrack.SyntaxError

// ParseConn parses one `conntrack -L` line (conntrack.ParseConn).
func ParseConn(line string) (Conn, error) { return conntrack.ParseConn(line) }

// ParseTCPFlags parses a comma- or plus-separated list of syn, ack, fin,
// rst (conntrack.ParseTCPFlags); an unknown flag is an error wrapping
// ErrPacket.
func ParseTCPFlags(s string) (TCPFlags, error) {
	f, err := conntrack.ParseTCPFlags(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrPacket, err)
	}
	return f, nil
}
