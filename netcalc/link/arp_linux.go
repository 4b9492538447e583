package link

import (
	"net"
	"net/netip"
	"time"

	"github.com/mdlayher/arp"
)

// arpConn adapts a mdlayher/arp client (an AF_PACKET socket) to
// neighConn. It builds its own requests so that the sender address is the
// route's preferred source rather than the interface's first IPv4 address,
// which is what arp.Client.Resolve would use.
type arpConn struct {
	c   *arp.Client
	mac net.HardwareAddr
	src netip.Addr
}

var _ neighConn = (*arpConn)(nil)

func stdInterface(ifi Interface) *net.Interface {
	var flags net.Flags
	if ifi.up {
		flags |= net.FlagUp
	}
	return &net.Interface{Index: ifi.Index, MTU: ifi.MTU, Name: ifi.Name, HardwareAddr: ifi.MAC.HardwareAddr(), Flags: flags}
}

// dialARP opens the raw socket; the caller is in the right namespace.
func dialARP(ifi Interface, src netip.Addr) (*arpConn, error) {
	c, err := arp.Dial(stdInterface(ifi))
	if err != nil {
		return nil, err
	}
	return &arpConn{c: c, mac: ifi.MAC.HardwareAddr(), src: src}, nil
}

var broadcastMAC = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func (a *arpConn) request(target netip.Addr) error {
	p, err := arp.NewPacket(arp.OperationRequest, a.mac, a.src, net.HardwareAddr{0, 0, 0, 0, 0, 0}, target)
	if err != nil {
		return err
	}
	return a.c.WriteTo(p, broadcastMAC)
}

func (a *arpConn) read() (netip.Addr, MAC, error) {
	for {
		p, _, err := a.c.Read()
		if err != nil {
			return netip.Addr{}, MAC{}, err
		}
		if p.Operation != arp.OperationReply {
			continue
		}
		mac, ok := MACFrom(p.SenderHardwareAddr)
		if !ok {
			continue
		}
		return p.SenderIP, mac, nil
	}
}

func (a *arpConn) setDeadline(t time.Time) error { return a.c.SetDeadline(t) }
func (a *arpConn) close() error                  { return a.c.Close() }
