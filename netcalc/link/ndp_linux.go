package link

import (
	"net/netip"
	"time"

	"github.com/mdlayher/ndp"
	"golang.org/x/net/ipv6"
)

// ndpConn adapts a mdlayher/ndp connection (an ICMPv6 raw socket) to
// neighConn: requests are Neighbor Solicitations to the target's
// solicited-node multicast group, replies are Neighbor Advertisements
// carrying a target link-layer address option.
type ndpConn struct {
	c   *ndp.Conn
	mac MAC
}

var _ neighConn = (*ndpConn)(nil)

// dialNDP opens the ICMPv6 socket bound to src; the caller is in the right
// namespace.
func dialNDP(ifi Interface, src netip.Addr) (*ndpConn, error) {
	c, _, err := ndp.Listen(stdInterface(ifi), ndp.Addr(src.WithZone("").String()))
	if err != nil {
		return nil, err
	}
	var f ipv6.ICMPFilter
	f.SetAll(true)
	f.Accept(ipv6.ICMPTypeNeighborAdvertisement)
	if err := c.SetICMPFilter(&f); err != nil {
		c.Close()
		return nil, err
	}
	return &ndpConn{c: c, mac: ifi.MAC}, nil
}

func (n *ndpConn) request(target netip.Addr) error {
	target = target.WithZone("")
	group, err := ndp.SolicitedNodeMulticast(target)
	if err != nil {
		return err
	}
	m := &ndp.NeighborSolicitation{
		TargetAddress: target,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Source, Addr: n.mac.HardwareAddr()}},
	}
	return n.c.WriteTo(m, nil, group)
}

func (n *ndpConn) read() (netip.Addr, MAC, error) {
	for {
		m, _, _, err := n.c.ReadFrom()
		if err != nil {
			return netip.Addr{}, MAC{}, err
		}
		na, ok := m.(*ndp.NeighborAdvertisement)
		if !ok {
			continue
		}
		for _, o := range na.Options {
			if lla, ok := o.(*ndp.LinkLayerAddress); ok && lla.Direction == ndp.Target {
				if mac, ok := MACFrom(lla.Addr); ok {
					return na.TargetAddress, mac, nil
				}
			}
		}
	}
}

func (n *ndpConn) setDeadline(t time.Time) error { return n.c.SetDeadline(t) }
func (n *ndpConn) close() error                  { return n.c.Close() }
