package link

import (
	"errors"
	"net/netip"
)

// ErrUnsupported is returned by every query on an operating system other
// than Linux, where netcalc has no netlink or raw-socket support.
var ErrUnsupported = errors.New("not supported on this OS (Linux only)")

// ErrPermission means that an active probe needs a raw socket and the
// process has neither root nor CAP_NET_RAW. Reading the kernel's neighbour
// table (Resolver.CacheOnly) still works.
var ErrPermission = errors.New("needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep $(which netcalc)`")

// ErrNoRoute means that the kernel has no route to the target, so there is
// no interface to ask on.
var ErrNoRoute = errors.New("no route")

// ErrTimeout means that no reply arrived before the last attempt's deadline.
var ErrTimeout = errors.New("no reply")

// ErrNotCached means that the kernel's neighbour table has no usable entry
// (with a hardware address) for the next hop.
var ErrNotCached = errors.New("not in the neighbour table")

// ErrNotARPable means that the chosen interface has no link-layer address
// resolution: loopback, point-to-point or NOARP links (tun, WireGuard), or a
// hardware address that is not a 6-byte Ethernet MAC.
var ErrNotARPable = errors.New("interface does not do address resolution")

// ErrNoSource means that the egress interface has no address of the
// target's family to send the probe from.
var ErrNoSource = errors.New("no source address")

// ErrNoInterface means that a named interface does not exist.
var ErrNoInterface = errors.New("no such interface")

// ErrNoNamespace means that a named network namespace does not exist (see
// `ip netns list`).
var ErrNoNamespace = errors.New("no such network namespace")

// ErrNetnsPermission means that entering another network namespace was
// refused: it needs root (CAP_SYS_ADMIN).
var ErrNetnsPermission = errors.New("entering another network namespace needs root (CAP_SYS_ADMIN)")

// ErrInvalidTarget means that the target is not an address a neighbour can
// own: the zero Addr, unspecified, multicast or the IPv4 broadcast address.
var ErrInvalidTarget = errors.New("not a unicast address")

// Error is the error returned by Host and Resolver operations. It names the
// operation and its target and wraps one of the package's sentinel errors
// (test with errors.Is) and, where there is one, the system's error.
type Error struct {
	Op     string     // "arp", "ndp", "route", "scan", "neighbors", ...
	Target netip.Addr // zero when the operation has no target
	Iface  string     // interface concerned, if any
	Err    error      // a sentinel such as ErrTimeout
	Detail string     // extra explanation, may be empty
	Cause  error      // underlying system error, may be nil
}

// Error returns "link: OP TARGET: ERR (DETAIL): CAUSE", leaving out the
// parts that are empty.
func (e *Error) Error() string {
	s := "link: " + e.Op
	if e.Target.IsValid() {
		s += " " + e.Target.String()
	}
	if e.Iface != "" {
		s += " on " + e.Iface
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and the system error, so that errors.Is
// matches either.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}
