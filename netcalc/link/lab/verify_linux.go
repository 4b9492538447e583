//go:build linux

package lab

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netcalc/netcalc/netcalc/packet"
	"github.com/netcalc/netcalc/netcalc/topo"
)

// readSNMP reads the calling thread's namespace's counters: the "Ip:",
// "Icmp:" and "IpExt:" tables of snmp and netstat ("Ip.InAddrErrors") and
// snmp6 ("Ip6InAddrErrors"). /proc/thread-self, not /proc/self: the
// thread is the one inside the namespace.
func readSNMP(m map[string]int64) error {
	for _, f := range []string{"snmp", "netstat"} {
		b, err := os.ReadFile("/proc/thread-self/net/" + f)
		if err != nil {
			return err
		}
		lines := strings.Split(string(b), "\n")
		for i := 0; i+1 < len(lines); i += 2 {
			h, v := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			if len(h) != len(v) || len(h) == 0 {
				continue
			}
			tab := strings.TrimSuffix(h[0], ":")
			for j := 1; j < len(h); j++ {
				n, _ := strconv.ParseInt(v[j], 10, 64)
				m[tab+"."+h[j]] = n
			}
		}
	}
	b, err := os.ReadFile("/proc/thread-self/net/snmp6")
	if err != nil {
		return nil // IPv6 disabled
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			m[f[0]] = n
		}
	}
	return nil
}

type receiver struct {
	node  string
	close func()
	recv  func(deadline time.Time) (Arrival, bool)
}

// send sends f's packet from its node and watches every node for its
// arrival: raw ICMP (or TCP) sockets see what is delivered locally, a UDP
// socket on the port sees a datagram, a TCP listener answers a SYN.
func send(t *topo.Topology, p string, f topo.Flow, ports []uint16) (*Sent, error) {
	v6 := f.Dst.Is6()
	var rs []*receiver
	defer func() {
		for _, r := range rs {
			r.close()
		}
	}()
	for _, n := range t.Nodes {
		var r *receiver
		err := Do(p, n.Name, func() error {
			var err error
			r, err = listen(n.Name, f, v6, ports)
			return err
		})
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	s := &Sent{}
	err := Do(p, f.From, func() error {
		s.Answered, s.Err = transmit(f, v6)
		return nil
	})
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(waitReply)
	if s.Answered {
		deadline = time.Now().Add(50 * time.Millisecond)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func(r *receiver) {
			defer wg.Done()
			if a, ok := r.recv(deadline); ok {
				mu.Lock()
				s.Arrivals = append(s.Arrivals, a)
				mu.Unlock()
			}
		}(r)
	}
	wg.Wait()
	return s, nil
}

func family(v6 bool) int {
	if v6 {
		return unix.AF_INET6
	}
	return unix.AF_INET
}

// rawSocket opens a raw socket of proto with a receive timeout.
func rawSocket(v6 bool, proto int) (int, error) {
	return unix.Socket(family(v6), unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
}

func recvUntil(fd int, deadline time.Time, match func(b []byte, from netip.Addr) (Arrival, bool)) (Arrival, bool) {
	buf := make([]byte, 2048)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return Arrival{}, false
		}
		tv := unix.NsecToTimeval(left.Nanoseconds())
		_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return Arrival{}, false
		}
		var fa netip.Addr
		switch sa := from.(type) {
		case *unix.SockaddrInet4:
			fa = netip.AddrFrom4(sa.Addr)
		case *unix.SockaddrInet6:
			fa = netip.AddrFrom16(sa.Addr)
		}
		if a, ok := match(buf[:n], fa); ok {
			return a, true
		}
	}
}

// ipPayload strips an IPv4 header (raw IPv4 sockets include it) and
// returns the addresses it names.
func ipPayload(b []byte, v6 bool, from netip.Addr) ([]byte, netip.Addr, netip.Addr) {
	if v6 {
		return b, from, netip.Addr{}
	}
	if len(b) < 20 {
		return nil, netip.Addr{}, netip.Addr{}
	}
	ihl := int(b[0]&0x0f) * 4
	if len(b) < ihl {
		return nil, netip.Addr{}, netip.Addr{}
	}
	return b[ihl:], netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
}

// listen opens node's receivers: for UDP and TCP, on each of ports (the
// flow's and the one a DNAT may rewrite it to).
func listen(node string, f topo.Flow, v6 bool, ports []uint16) (*receiver, error) {
	if (f.Proto == packet.UDP || f.Proto == packet.TCP) && len(ports) > 1 {
		var rs []*receiver
		for _, port := range ports {
			g := f
			g.DstPort = port
			r, err := listen(node, g, v6, nil)
			if err != nil {
				for _, r := range rs {
					r.close()
				}
				return nil, err
			}
			rs = append(rs, r)
		}
		return &receiver{node: node, close: func() {
			for _, r := range rs {
				r.close()
			}
		}, recv: func(d time.Time) (Arrival, bool) {
			type got struct {
				a  Arrival
				ok bool
			}
			ch := make(chan got, len(rs))
			for _, r := range rs {
				go func(r *receiver) { a, ok := r.recv(d); ch <- got{a, ok} }(r)
			}
			var res got
			for range rs {
				if g := <-ch; g.ok && !res.ok {
					res = g
				}
			}
			return res.a, res.ok
		}}, nil
	}
	switch f.Proto {
	case packet.UDP:
		network := "udp4"
		if v6 {
			network = "udp6"
		}
		c, err := net.ListenPacket(network, ":"+strconv.Itoa(int(f.DstPort)))
		if err != nil {
			return nil, err
		}
		return &receiver{node: node, close: func() { c.Close() }, recv: func(d time.Time) (Arrival, bool) {
			_ = c.SetReadDeadline(d)
			buf := make([]byte, 2048)
			_, from, err := c.ReadFrom(buf)
			if err != nil {
				return Arrival{}, false
			}
			ap, _ := netip.ParseAddrPort(from.String())
			return Arrival{Node: node, Src: ap.Addr().Unmap()}, true
		}}, nil
	case packet.TCP:
		network := "tcp4"
		if v6 {
			network = "tcp6"
		}
		l, err := net.Listen(network, ":"+strconv.Itoa(int(f.DstPort)))
		if err != nil {
			return nil, err
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		fd, err := rawSocket(v6, unix.IPPROTO_TCP)
		if err != nil {
			l.Close()
			return nil, err
		}
		return &receiver{node: node, close: func() { l.Close(); unix.Close(fd) }, recv: func(d time.Time) (Arrival, bool) {
			return recvUntil(fd, d, func(b []byte, from netip.Addr) (Arrival, bool) {
				pl, src, dst := ipPayload(b, v6, from)
				if len(pl) < 14 {
					return Arrival{}, false
				}
				sport, dport, flags := binary.BigEndian.Uint16(pl[0:2]), binary.BigEndian.Uint16(pl[2:4]), pl[13]
				if dport != f.DstPort || flags&0x02 == 0 || flags&0x10 != 0 {
					return Arrival{}, false
				}
				_ = sport
				return Arrival{Node: node, Src: src, Dst: dst}, true
			})
		}}, nil
	}
	proto, req := unix.IPPROTO_ICMP, byte(8)
	if v6 {
		proto, req = unix.IPPROTO_ICMPV6, 128
	}
	fd, err := rawSocket(v6, proto)
	if err != nil {
		return nil, err
	}
	return &receiver{node: node, close: func() { unix.Close(fd) }, recv: func(d time.Time) (Arrival, bool) {
		return recvUntil(fd, d, func(b []byte, from netip.Addr) (Arrival, bool) {
			pl, src, dst := ipPayload(b, v6, from)
			if len(pl) < 8 || pl[0] != req || binary.BigEndian.Uint16(pl[4:6]) != f.SrcPort {
				return Arrival{}, false
			}
			return Arrival{Node: node, Src: src, Dst: dst}, true
		})
	}}, nil
}

func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// transmit sends the packet from the calling thread's namespace; it
// reports the send error and whether an answer came back.
func transmit(f topo.Flow, v6 bool) (bool, error) {
	switch f.Proto {
	case packet.UDP:
		network := "udp4"
		if v6 {
			network = "udp6"
		}
		c, err := net.DialUDP(network, &net.UDPAddr{Port: int(f.SrcPort)}, net.UDPAddrFromAddrPort(netip.AddrPortFrom(f.Dst, f.DstPort)))
		if err != nil {
			return false, err
		}
		defer c.Close()
		_, err = c.Write([]byte("netcalc topo verify"))
		return false, err
	case packet.TCP:
		network := "tcp4"
		if v6 {
			network = "tcp6"
		}
		d := net.Dialer{LocalAddr: &net.TCPAddr{Port: int(f.SrcPort)}, Timeout: waitReply}
		c, err := d.Dial(network, netip.AddrPortFrom(f.Dst, f.DstPort).String())
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && op.Timeout() {
				return false, nil
			}
			return false, err
		}
		c.Close()
		return true, nil
	}
	proto, req, rep := unix.IPPROTO_ICMP, byte(8), byte(0)
	if v6 {
		proto, req, rep = unix.IPPROTO_ICMPV6, 128, 129
	}
	fd, err := rawSocket(v6, proto)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	msg := []byte{req, 0, 0, 0, byte(f.SrcPort >> 8), byte(f.SrcPort), 0, 1, 'n', 'e', 't', 'c', 'a', 'l', 'c', '!'}
	if !v6 {
		binary.BigEndian.PutUint16(msg[2:], checksum(msg))
	}
	var sa unix.Sockaddr
	if v6 {
		sa = &unix.SockaddrInet6{Addr: f.Dst.As16()}
	} else {
		sa = &unix.SockaddrInet4{Addr: f.Dst.As4()}
	}
	if f.Src.IsValid() {
		var bsa unix.Sockaddr
		if v6 {
			bsa = &unix.SockaddrInet6{Addr: f.Src.As16()}
		} else {
			bsa = &unix.SockaddrInet4{Addr: f.Src.As4()}
		}
		if err := unix.Bind(fd, bsa); err != nil {
			return false, err
		}
	}
	if err := unix.Sendto(fd, msg, 0, sa); err != nil {
		return false, err
	}
	_, ok := recvUntil(fd, time.Now().Add(waitReply), func(b []byte, from netip.Addr) (Arrival, bool) {
		pl, _, _ := ipPayload(b, v6, from)
		if len(pl) < 8 || pl[0] != rep || binary.BigEndian.Uint16(pl[4:6]) != f.SrcPort {
			return Arrival{}, false
		}
		return Arrival{}, true
	})
	return ok, nil
}

// bridgeNetfilter reports whether the br_netfilter module is loaded (its
// sysctls exist): bridged frames then go through iptables.
func bridgeNetfilter() bool {
	_, err := os.Stat("/proc/sys/net/bridge/bridge-nf-call-iptables")
	return err == nil
}
