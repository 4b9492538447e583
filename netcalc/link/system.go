package link

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"time"
)

// system is the seam between this package's logic and the operating
// system: netlink queries and raw-socket probes. The Linux implementation
// is netlinkSystem; tests use a fake.
type system interface {
	// links lists the interfaces with Kind, Master and Peer filled in.
	links() ([]Interface, error)
	// addrs lists every address of every interface.
	addrs() ([]Address, error)
	// routes lists the routes of every table for one family (4 or 6).
	routes(family int) ([]Route, error)
	// routeGet asks the kernel for the route of one packet.
	routeGet(req routeRequest) (Route, error)
	// rules lists the policy routing rules of one family (4 or 6).
	rules(family int) ([]Rule, error)
	// neighbors lists the neighbour table entries of one family (4 or 6,
	// 0 for both).
	neighbors(family int) ([]Neighbor, error)
	// dial opens a raw-socket prober on ifi sending from src (ARP for an
	// IPv4 src, NDP for IPv6).
	dial(ifi Interface, src netip.Addr) (neighConn, error)
	close() error
}

// routeRequest is one route lookup: to dst, optionally from src, in
// through interface index iif (0 = locally generated), out of interface
// index oif (0 = any), with firewall mark mark.
type routeRequest struct {
	dst, src netip.Addr
	iif, oif int
	mark     uint32
}

// neighConn sends address resolution requests and reads the replies on
// one interface. request and read may be used concurrently with each other,
// but read must not be called from two goroutines.
type neighConn interface {
	// request sends one request (ARP who-has, or Neighbor Solicitation)
	// for target.
	request(target netip.Addr) error
	// read returns the next reply's sender address and hardware address.
	// It fails with an error matching os.ErrDeadlineExceeded after the
	// deadline and with net.ErrClosed after close.
	read() (netip.Addr, MAC, error)
	setDeadline(t time.Time) error
	close() error
}

// isClosed reports whether err comes from using a closed connection.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) }
