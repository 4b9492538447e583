//go:build !linux

package lab

import "github.com/netcalc/netcalc/netcalc/topo"

func send(*topo.Topology, string, topo.Flow, []uint16) (*Sent, error) {
	return nil, &Error{Op: "verify", Err: ErrUnsupported}
}

func readSNMP(map[string]int64) error { return &Error{Op: "verify", Err: ErrUnsupported} }

func bridgeNetfilter() bool { return false }
