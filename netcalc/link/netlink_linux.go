package link

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Open returns the view of the named network namespace, as `ip netns`
// names it (a file in /run/netns), or of the caller's own namespace when
// netns is "". Entering another namespace needs CAP_SYS_ADMIN. The error
// wraps ErrNoNamespace when the name does not exist.
func Open(name string) (*Host, error) {
	s := &netlinkSystem{ns: netns.None()}
	if name != "" {
		op := "netns " + strconv.Quote(name)
		if strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
			return nil, &Error{Op: op, Err: ErrNoNamespace, Detail: "not a namespace name; list them with `ip netns list`"}
		}
		ns, err := netns.GetFromName(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, &Error{Op: op, Err: ErrNoNamespace, Detail: "list them with `ip netns list`"}
			}
			return nil, &Error{Op: op, Err: ErrNoNamespace, Cause: err}
		}
		s.ns = ns
		// Try setns(2) first: its EPERM is a real errno, which
		// netlink.NewHandleAt would only report as text.
		if err := s.inNamespace(func() error { return nil }); err != nil {
			ns.Close()
			if isPermission(err) {
				return nil, &Error{Op: op, Err: ErrNetnsPermission}
			}
			return nil, &Error{Op: op, Err: errors.New("cannot enter the namespace"), Cause: err}
		}
		s.h, err = netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
		if err != nil {
			ns.Close()
			return nil, &Error{Op: op, Err: errors.New("cannot open netlink in the namespace"), Cause: err}
		}
	} else {
		var err error
		s.h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return nil, &Error{Op: "open", Err: errors.New("opening netlink"), Cause: err}
		}
	}
	return newHost(s, name), nil
}

// netlinkSystem implements system with vishvananda/netlink handles bound
// to one namespace; raw sockets are opened on a thread switched into it.
type netlinkSystem struct {
	h  *netlink.Handle
	ns netns.NsHandle // netns.None() for the caller's own
}

var _ system = (*netlinkSystem)(nil)

func (s *netlinkSystem) close() error {
	s.h.Close()
	if s.ns.IsOpen() {
		return s.ns.Close()
	}
	return nil
}

// inNamespace runs fn on an OS thread switched into the namespace, so
// that sockets it creates belong there. Sockets keep their namespace
// after the thread switches back.
func (s *netlinkSystem) inNamespace(fn func() error) error {
	if !s.ns.IsOpen() {
		return fn()
	}
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	if err := netns.Set(s.ns); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	ferr := fn()
	if err := netns.Set(orig); err == nil {
		// Only a thread back in its own namespace may be reused; otherwise
		// the runtime discards it when the goroutine ends.
		runtime.UnlockOSThread()
	}
	return ferr
}

// retryDump repeats a netlink dump once when the kernel reports that it
// was interrupted by a concurrent change, and accepts the second result.
func retryDump[T any](f func() (T, error)) (T, error) {
	v, err := f()
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		v, err = f()
		if errors.Is(err, netlink.ErrDumpInterrupted) {
			err = nil
		}
	}
	return v, err
}

// linkNames dumps the links and maps each index to its name, for the
// views that show an interface by name.
func (s *netlinkSystem) linkNames() ([]netlink.Link, map[int]string, error) {
	ls, err := retryDump(s.h.LinkList)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int]string, len(ls))
	for _, l := range ls {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	return ls, names, nil
}

func (s *netlinkSystem) links() ([]Interface, error) {
	ls, names, err := s.linkNames()
	if err != nil {
		return nil, err
	}
	out := make([]Interface, 0, len(ls))
	for _, l := range ls {
		a := l.Attrs()
		i := Interface{Index: a.Index, Name: a.Name, Kind: l.Type(), MTU: a.MTU, State: operState(a.OperState)}
		i.MAC, i.HasMAC = MACFrom(a.HardwareAddr)
		i.up = a.Flags&net.FlagUp != 0
		i.loopback = a.Flags&net.FlagLoopback != 0
		i.pointToPoint = a.Flags&net.FlagPointToPoint != 0
		i.noARP = a.RawFlags&unix.IFF_NOARP != 0
		if i.loopback {
			i.HasMAC = false
		}
		i.Flags = linkFlags(a.RawFlags)
		if a.MasterIndex != 0 {
			i.Master = names[a.MasterIndex]
			if i.Master == "" {
				i.Master = fmt.Sprintf("ifindex %d", a.MasterIndex)
			}
		}
		if _, ok := l.(*netlink.Veth); ok && a.ParentIndex != 0 {
			// IFLA_LINK names the peer; with IFLA_LINK_NETNSID set it is an
			// index in another namespace.
			if n, ok := names[a.ParentIndex]; ok && a.NetNsID < 0 {
				i.Peer = n
			} else {
				i.Peer = fmt.Sprintf("ifindex %d in another namespace", a.ParentIndex)
			}
		}
		out = append(out, i)
	}
	return out, nil
}

func operState(s netlink.LinkOperState) string {
	switch s {
	case netlink.OperUp:
		return "UP"
	case netlink.OperDown:
		return "DOWN"
	case netlink.OperLowerLayerDown:
		return "LOWERLAYERDOWN"
	case netlink.OperDormant:
		return "DORMANT"
	case netlink.OperNotPresent:
		return "NOTPRESENT"
	case netlink.OperTesting:
		return "TESTING"
	}
	return "UNKNOWN"
}

func linkFlags(f uint32) []string {
	var out []string
	for _, x := range []struct {
		bit  uint32
		name string
	}{
		{unix.IFF_LOOPBACK, "LOOPBACK"}, {unix.IFF_BROADCAST, "BROADCAST"}, {unix.IFF_POINTOPOINT, "POINTOPOINT"},
		{unix.IFF_MULTICAST, "MULTICAST"}, {unix.IFF_NOARP, "NOARP"}, {unix.IFF_UP, "UP"}, {unix.IFF_LOWER_UP, "LOWER_UP"},
	} {
		if f&x.bit != 0 {
			out = append(out, x.name)
		}
	}
	return out
}

func (s *netlinkSystem) addrs() ([]Address, error) {
	_, names, err := s.linkNames()
	if err != nil {
		return nil, err
	}
	as, err := retryDump(func() ([]netlink.Addr, error) { return s.h.AddrList(nil, netlink.FAMILY_ALL) })
	if err != nil {
		return nil, err
	}
	out := make([]Address, 0, len(as))
	for _, a := range as {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		bits, _ := a.Mask.Size()
		if ip.Is6() && ip.IsLinkLocalUnicast() {
			ip = ip.WithZone(names[a.LinkIndex])
		}
		out = append(out, Address{Interface: names[a.LinkIndex], Index: a.LinkIndex,
			Prefix: netip.PrefixFrom(ip, bits), Scope: scopeName(a.Scope), Flags: addrFlags(a.Flags)})
	}
	return out, nil
}

func scopeName(s int) string {
	switch s {
	case unix.RT_SCOPE_UNIVERSE:
		return "global"
	case unix.RT_SCOPE_SITE:
		return "site"
	case unix.RT_SCOPE_LINK:
		return "link"
	case unix.RT_SCOPE_HOST:
		return "host"
	case unix.RT_SCOPE_NOWHERE:
		return "nowhere"
	}
	return itoa(s)
}

func addrFlags(f int) []string {
	var out []string
	for _, x := range []struct {
		bit  int
		name string
	}{
		{unix.IFA_F_SECONDARY, "secondary"}, {unix.IFA_F_NODAD, "nodad"}, {unix.IFA_F_DADFAILED, "dadfailed"},
		{unix.IFA_F_DEPRECATED, "deprecated"}, {unix.IFA_F_TENTATIVE, "tentative"}, {unix.IFA_F_PERMANENT, "permanent"},
	} {
		if f&x.bit != 0 {
			out = append(out, x.name)
		}
	}
	return out
}

func family(f int) int {
	switch f {
	case 4:
		return netlink.FAMILY_V4
	case 6:
		return netlink.FAMILY_V6
	}
	return netlink.FAMILY_ALL
}

// routes dumps the routes of every table for one family (4 or 6), in the
// kernel's order (the order of `ip route show table all`), skipping cached
// clones. netlink.RouteList drops the IPv6 router preference, so the dump
// is decoded here; the request is made from a thread inside the namespace.
func (s *netlinkSystem) routes(fam int) ([]Route, error) {
	_, names, err := s.linkNames()
	if err != nil {
		return nil, err
	}
	var msgs [][]byte
	err = s.inNamespace(func() error {
		var err error
		msgs, err = retryDump(func() ([][]byte, error) {
			req := nl.NewNetlinkRequest(unix.RTM_GETROUTE, unix.NLM_F_DUMP|unix.NLM_F_REQUEST)
			m := &nl.RtMsg{}
			m.Family = uint8(family(fam))
			req.AddData(m)
			return req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWROUTE)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Route, 0, len(msgs))
	for _, m := range msgs {
		rt, ok, err := decodeRoute(m, fam)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		rt.Interface = names[rt.Index]
		for i := range rt.Nexthops {
			rt.Nexthops[i].Interface = names[rt.Nexthops[i].Index]
		}
		if len(rt.Nexthops) > 0 && !rt.Gateway.IsValid() {
			// The first nexthop stands for the route; RouteGet tells which
			// one is used.
			rt.Gateway, rt.Index, rt.Interface = rt.Nexthops[0].Gateway, rt.Nexthops[0].Index, rt.Nexthops[0].Interface
		}
		out = append(out, rt)
	}
	return out, nil
}

// decodeRoute decodes one RTM_NEWROUTE message (struct rtmsg, then
// attributes); ok is false for a message of another family and for cached
// clones, which `ip route` does not list either.
func decodeRoute(m []byte, fam int) (rt Route, ok bool, err error) {
	if len(m) < unix.SizeofRtMsg {
		return Route{}, false, errors.New("short RTM_NEWROUTE message")
	}
	h := nl.DeserializeRtMsg(m)
	if h.Flags&unix.RTM_F_CLONED != 0 || int(h.Family) != family(fam) {
		return Route{}, false, nil
	}
	attrs, err := parseAttrs(m[h.Len():])
	if err != nil {
		return Route{}, false, err
	}
	rt = Route{Type: routeType(int(h.Type)), Table: int(h.Table), Protocol: protocolName(int(h.Protocol)),
		Scope: scopeName(int(h.Scope)), Flags: routeFlags(h.Flags)}
	zero := netip.IPv4Unspecified()
	if fam == 6 {
		zero = netip.IPv6Unspecified()
	}
	rt.Dst = netip.PrefixFrom(zero, 0)
	u32 := func(b []byte) uint32 {
		if len(b) < 4 {
			return 0
		}
		return nl.NativeEndian().Uint32(b[:4])
	}
	addr := func(b []byte) netip.Addr {
		a, _ := netip.AddrFromSlice(b)
		return a.Unmap()
	}
	for _, a := range attrs {
		v := a.Value
		switch a.Attr.Type {
		case unix.RTA_DST:
			rt.Dst = netip.PrefixFrom(addr(v), int(h.Dst_len))
		case unix.RTA_GATEWAY:
			rt.Gateway = addr(v)
		case unix.RTA_OIF:
			rt.Index = int(u32(v))
		case unix.RTA_PREFSRC:
			rt.Source = addr(v)
		case unix.RTA_PRIORITY:
			rt.Metric = int(u32(v))
		case unix.RTA_TABLE:
			rt.Table = int(u32(v))
		case unix.RTA_CACHEINFO:
			// struct rta_cacheinfo: clntref, lastuse, expires (USER_HZ
			// ticks), ...
			if len(v) >= 12 {
				if e := int32(nl.NativeEndian().Uint32(v[8:])); e > 0 {
					rt.Expires = ticks(uint32(e))
				}
			}
		case unix.RTA_METRICS:
			ms, err := decodeMetrics(v)
			if err != nil {
				return Route{}, false, err
			}
			rt.Metrics = ms
		case unix.RTA_PREF:
			if len(v) > 0 {
				rt.Pref = routePref(v[0])
			}
		case unix.RTA_MULTIPATH:
			for len(v) >= unix.SizeofRtNexthop {
				nh := nl.DeserializeRtNexthop(v)
				n := int(nh.RtNexthop.Len)
				if n < unix.SizeofRtNexthop || n > len(v) {
					return Route{}, false, errors.New("malformed RTA_MULTIPATH")
				}
				hop := Nexthop{Index: int(nh.RtNexthop.Ifindex), Weight: int(nh.RtNexthop.Hops) + 1, Flags: routeFlags(uint32(nh.RtNexthop.Flags))}
				sub, err := parseAttrs(v[unix.SizeofRtNexthop:n])
				if err != nil {
					return Route{}, false, err
				}
				for _, sa := range sub {
					if sa.Attr.Type == unix.RTA_GATEWAY {
						hop.Gateway = addr(sa.Value)
					}
				}
				rt.Nexthops = append(rt.Nexthops, hop)
				n = (n + unix.RTA_ALIGNTO - 1) &^ (unix.RTA_ALIGNTO - 1)
				if n > len(v) {
					break
				}
				v = v[n:]
			}
		}
	}
	return rt, true, nil
}

// metricNames are the `ip route` names of the RTAX_* route metrics,
// indexed by number (RTAX_LOCK, 1, is the lock mask).
var metricNames = [...]string{2: "mtu", 3: "window", 4: "rtt", 5: "rttvar", 6: "ssthresh", 7: "cwnd", 8: "advmss",
	9: "reordering", 10: "hoplimit", 11: "initcwnd", 12: "features", 13: "rto_min", 14: "initrwnd", 15: "quickack",
	16: "congctl", 17: "fastopen_no_cookie"}

// decodeMetrics decodes the nested RTA_METRICS attributes in RTAX order,
// with rtt and rttvar turned into milliseconds as ip shows them.
func decodeMetrics(b []byte) ([]Metric, error) {
	attrs, err := parseAttrs(b)
	if err != nil {
		return nil, err
	}
	vals := map[int][]byte{}
	for _, a := range attrs {
		vals[int(a.Attr.Type)] = a.Value
	}
	var lock uint32
	if v := vals[unix.RTAX_LOCK]; len(v) >= 4 {
		lock = nl.NativeEndian().Uint32(v)
	}
	var out []Metric
	for i := 2; i < len(metricNames); i++ {
		v, ok := vals[i]
		if !ok {
			continue
		}
		m := Metric{Name: metricNames[i], Locked: lock&(1<<i) != 0}
		switch {
		case i == unix.RTAX_CC_ALGO:
			m.Algo = strings.TrimRight(string(v), "\x00")
		case len(v) >= 4:
			m.Value = nl.NativeEndian().Uint32(v)
		}
		switch i {
		case unix.RTAX_RTT:
			m.Value /= 8
		case unix.RTAX_RTTVAR:
			m.Value /= 4
		}
		out = append(out, m)
	}
	return out, nil
}

// parseAttrs splits netlink attributes (struct rtattr, each padded to 4
// bytes). Unlike nl.ParseRouteAttr it returns an error, never panics, on
// a malformed message.
func parseAttrs(b []byte) ([]syscall.NetlinkRouteAttr, error) {
	var out []syscall.NetlinkRouteAttr
	for len(b) >= unix.SizeofRtAttr {
		n := int(nl.NativeEndian().Uint16(b))
		if n < unix.SizeofRtAttr || n > len(b) {
			return nil, errors.New("malformed netlink attribute")
		}
		typ := nl.NativeEndian().Uint16(b[2:]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
		out = append(out, syscall.NetlinkRouteAttr{Attr: syscall.RtAttr{Len: uint16(n), Type: typ}, Value: b[unix.SizeofRtAttr:n]})
		n = (n + unix.RTA_ALIGNTO - 1) &^ (unix.RTA_ALIGNTO - 1)
		if n >= len(b) {
			break
		}
		b = b[n:]
	}
	return out, nil
}

// convertRoute converts the kernel's route get answer.
func convertRoute(r netlink.Route, fam int) Route {
	rt := Route{Type: routeType(r.Type), Index: r.LinkIndex, Table: r.Table, Metric: r.Priority}
	if r.Dst != nil {
		ip, _ := netip.AddrFromSlice(r.Dst.IP)
		bits, _ := r.Dst.Mask.Size()
		rt.Dst = netip.PrefixFrom(ip.Unmap(), bits)
	} else if fam == 6 || r.Family == unix.AF_INET6 {
		rt.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	} else {
		rt.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	}
	if ip, ok := netip.AddrFromSlice(r.Gw); ok {
		rt.Gateway = ip.Unmap()
	}
	if ip, ok := netip.AddrFromSlice(r.Src); ok {
		rt.Source = ip.Unmap()
	}
	return rt
}

// protocolName names a route protocol as iproute2's built-in table does
// (/etc/iproute2/rt_protos may add names; netcalc does not read it).
func protocolName(p int) string {
	switch p {
	case 0:
		return "unspec"
	case 1:
		return "redirect"
	case 2:
		return "kernel"
	case 3:
		return "boot"
	case 4:
		return "static"
	case 8:
		return "gated"
	case 9:
		return "ra"
	case 10:
		return "mrt"
	case 11:
		return "zebra"
	case 12:
		return "bird"
	case 13:
		return "dnrouted"
	case 14:
		return "xorp"
	case 15:
		return "ntk"
	case 16:
		return "dhcp"
	case 18:
		return "keepalived"
	case 42:
		return "babel"
	case 99:
		return "openr"
	case 186:
		return "bgp"
	case 187:
		return "isis"
	case 188:
		return "ospf"
	case 189:
		return "rip"
	case 192:
		return "eigrp"
	}
	return itoa(p)
}

// routePref names an IPv6 route preference (RFC 4191) as ip does.
func routePref(p uint8) string {
	switch p {
	case 0:
		return "medium"
	case 1:
		return "high"
	case 3:
		return "low"
	}
	return itoa(int(p))
}

// routeFlags names the flags of a route or nexthop in the order `ip route`
// prints them.
func routeFlags(f uint32) []string {
	var out []string
	for _, x := range []struct {
		bit  uint32
		name string
	}{
		{unix.RTNH_F_DEAD, "dead"}, {unix.RTNH_F_ONLINK, "onlink"}, {unix.RTNH_F_PERVASIVE, "pervasive"},
		{unix.RTNH_F_OFFLOAD, "offload"}, {0x40, "trap"}, {unix.RTM_F_NOTIFY, "notify"},
		{unix.RTNH_F_LINKDOWN, "linkdown"}, {unix.RTNH_F_UNRESOLVED, "unresolved"},
		{0x2000, "rt_offload"}, {0x4000, "rt_trap"}, {0x8000, "rt_offload_failed"},
	} {
		if f&x.bit != 0 {
			out = append(out, x.name)
		}
	}
	return out
}

func routeType(t int) RouteType {
	switch t {
	case unix.RTN_UNICAST:
		return Unicast
	case unix.RTN_LOCAL:
		return Local
	case unix.RTN_BROADCAST:
		return Broadcast
	case unix.RTN_ANYCAST:
		return Anycast
	case unix.RTN_MULTICAST:
		return Multicast
	case unix.RTN_BLACKHOLE:
		return Blackhole
	case unix.RTN_UNREACHABLE:
		return Unreachable
	case unix.RTN_PROHIBIT:
		return Prohibit
	case unix.RTN_THROW:
		return Throw
	}
	return RouteType("type" + itoa(t))
}

func (s *netlinkSystem) routeGet(req routeRequest) (Route, error) {
	opts := &netlink.RouteGetOptions{OifIndex: req.oif, IifIndex: req.iif, Mark: req.mark}
	if req.src.IsValid() {
		opts.SrcAddr = net.IP(req.src.AsSlice())
	}
	rs, err := s.h.RouteGetWithOptions(net.IP(req.dst.AsSlice()), opts)
	if err != nil {
		return Route{}, err
	}
	if len(rs) == 0 {
		return Route{}, unix.ENETUNREACH
	}
	fam := 4
	if req.dst.Is6() {
		fam = 6
	}
	rt := convertRoute(rs[0], fam)
	if l, err := s.h.LinkByIndex(rt.Index); err == nil {
		rt.Interface = l.Attrs().Name
	}
	return rt, nil
}

// Rule message constants of linux/fib_rules.h that x/sys/unix lacks.
const (
	fibRuleInvert      = 0x2
	fibRuleIifDetached = 0x8
	fibRuleOifDetached = 0x10
	fraL3mdev          = 19
	frActToTbl         = 1
	frActGoto          = 2
	frActNop           = 3
	frActBlackhole     = 6
	frActUnreachable   = 7
	frActProhibit      = 8
)

// rules dumps the policy routing rules of one family. netlink.RuleList
// drops the action (the message type: blackhole, unreachable, ...) and
// the detached flags, so the dump is decoded here; the request is made
// from a thread inside the namespace.
func (s *netlinkSystem) rules(fam int) ([]Rule, error) {
	var msgs [][]byte
	err := s.inNamespace(func() error {
		var err error
		msgs, err = retryDump(func() ([][]byte, error) {
			req := nl.NewNetlinkRequest(unix.RTM_GETRULE, unix.NLM_F_DUMP|unix.NLM_F_REQUEST)
			req.AddData(nl.NewIfInfomsg(family(fam))) // the kernel reads only the family
			return req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWRULE)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Rule, 0, len(msgs))
	for _, m := range msgs {
		r, err := decodeRule(m)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// decodeRule decodes one RTM_NEWRULE message (struct fib_rule_hdr, which
// has the layout of struct rtmsg, then attributes).
func decodeRule(m []byte) (Rule, error) {
	if len(m) < unix.SizeofRtMsg {
		return Rule{}, errors.New("short RTM_NEWRULE message")
	}
	h := nl.DeserializeRtMsg(m)
	attrs, err := parseAttrs(m[h.Len():])
	if err != nil {
		return Rule{}, err
	}
	r := Rule{Table: int(h.Table), Not: h.Flags&fibRuleInvert != 0, Tos: int(h.Tos), SuppressPrefixLength: -1, SuppressIfgroup: -1,
		IifDetached: h.Flags&fibRuleIifDetached != 0, OifDetached: h.Flags&fibRuleOifDetached != 0}
	switch h.Type {
	case frActToTbl:
		r.Action = ActionLookup
	case frActGoto:
		r.Action = ActionGoto
	case frActNop:
		r.Action = ActionNop
	case frActBlackhole:
		r.Action = ActionBlackhole
	case frActUnreachable:
		r.Action = ActionUnreachable
	case frActProhibit:
		r.Action = ActionProhibit
	default:
		r.Action = RuleAction("action" + itoa(int(h.Type)))
	}
	u32 := func(b []byte) uint32 { return nl.NativeEndian().Uint32(b[:4]) }
	prefix := func(b []byte, bits uint8) netip.Prefix {
		a, _ := netip.AddrFromSlice(b)
		return netip.PrefixFrom(a, int(bits))
	}
	for _, a := range attrs {
		v := a.Value
		switch a.Attr.Type {
		case unix.FRA_TABLE:
			r.Table = int(u32(v))
		case unix.FRA_SRC:
			r.From = prefix(v, h.Src_len)
		case unix.FRA_DST:
			r.To = prefix(v, h.Dst_len)
		case unix.FRA_FWMARK:
			r.Mark = u32(v)
		case unix.FRA_FWMASK:
			r.Mask = u32(v)
		case unix.FRA_IIFNAME:
			r.Iif = strings.TrimRight(string(v), "\x00")
		case unix.FRA_OIFNAME:
			r.Oif = strings.TrimRight(string(v), "\x00")
		case unix.FRA_PRIORITY:
			r.Priority = int(u32(v))
		case unix.FRA_GOTO:
			r.Goto = int(u32(v))
		case unix.FRA_SUPPRESS_PREFIXLEN:
			if x := u32(v); x != 0xffffffff {
				r.SuppressPrefixLength = int(x)
			}
		case unix.FRA_SUPPRESS_IFGROUP:
			if x := u32(v); x != 0xffffffff {
				r.SuppressIfgroup = int(x)
			}
		case unix.FRA_TUN_ID:
			if len(v) >= 8 {
				r.TunID = binary.BigEndian.Uint64(v[:8])
			}
		case fraL3mdev:
			r.L3mdev = len(v) > 0 && v[0] != 0
		case unix.FRA_UID_RANGE:
			if len(v) >= 8 {
				ur := [2]uint32{u32(v), u32(v[4:])}
				r.UIDRange = &ur
			}
		case unix.FRA_IP_PROTO:
			if len(v) > 0 {
				r.IPProto = int(v[0])
			}
		case unix.FRA_SPORT_RANGE:
			if len(v) >= 4 {
				pr := [2]uint16{nl.NativeEndian().Uint16(v), nl.NativeEndian().Uint16(v[2:])}
				r.Sport = &pr
			}
		case unix.FRA_DPORT_RANGE:
			if len(v) >= 4 {
				pr := [2]uint16{nl.NativeEndian().Uint16(v), nl.NativeEndian().Uint16(v[2:])}
				r.Dport = &pr
			}
		}
	}
	if r.Mark != 0 && r.Mask == 0 {
		r.Mask = 0xffffffff
	}
	return r, nil
}

// neighbors dumps the neighbour table of one family (4 or 6, 0 for both)
// in the kernel's order. netlink.NeighList drops the probe count, so the
// dump is decoded here; the request is made from a thread inside the
// namespace.
func (s *netlinkSystem) neighbors(fam int) ([]Neighbor, error) {
	_, names, err := s.linkNames()
	if err != nil {
		return nil, err
	}
	var msgs [][]byte
	err = s.inNamespace(func() error {
		var err error
		msgs, err = retryDump(func() ([][]byte, error) {
			req := nl.NewNetlinkRequest(unix.RTM_GETNEIGH, unix.NLM_F_DUMP|unix.NLM_F_REQUEST)
			req.AddData(&netlink.Ndmsg{Family: uint8(family(fam))})
			return req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWNEIGH)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Neighbor, 0, len(msgs))
	for _, m := range msgs {
		nb, ok, err := decodeNeighbor(m, fam)
		if err != nil {
			return nil, err
		}
		if ok {
			nb.Interface = names[nb.Index]
			out = append(out, nb)
		}
	}
	return out, nil
}

// decodeNeighbor decodes one RTM_NEWNEIGH message (struct ndmsg, then
// attributes); ok is false for an entry of another family or without an
// IP address (a bridge FDB entry).
func decodeNeighbor(m []byte, fam int) (nb Neighbor, ok bool, err error) {
	const ndmsgLen = 12 // family, pad, pad16, ifindex, state, flags, type
	if len(m) < ndmsgLen {
		return Neighbor{}, false, errors.New("short RTM_NEWNEIGH message")
	}
	nf, state, flags := m[0], int(nl.NativeEndian().Uint16(m[8:])), m[10]
	if nf != unix.AF_INET && nf != unix.AF_INET6 || (fam != 0 && int(nf) != family(fam)) {
		return Neighbor{}, false, nil
	}
	attrs, err := parseAttrs(m[ndmsgLen:])
	if err != nil {
		return Neighbor{}, false, err
	}
	nb = Neighbor{Index: int(int32(nl.NativeEndian().Uint32(m[4:]))), State: nudState(state), Router: flags&unix.NTF_ROUTER != 0}
	for _, a := range attrs {
		v := a.Value
		switch a.Attr.Type {
		case unix.NDA_DST:
			ip, ok := netip.AddrFromSlice(v)
			if !ok {
				return Neighbor{}, false, nil
			}
			nb.Addr = ip.Unmap()
		case unix.NDA_LLADDR:
			nb.MAC, nb.HasMAC = MACFrom(net.HardwareAddr(v))
		case unix.NDA_CACHEINFO:
			// struct nda_cacheinfo: confirmed, used, updated, refcnt, in
			// USER_HZ ticks.
			if len(v) >= 12 {
				nb.Confirmed = ticks(nl.NativeEndian().Uint32(v))
				nb.Used = ticks(nl.NativeEndian().Uint32(v[4:]))
				nb.Updated = ticks(nl.NativeEndian().Uint32(v[8:]))
			}
			if len(v) >= 16 {
				nb.Refs = int(nl.NativeEndian().Uint32(v[12:]))
			}
		case unix.NDA_PROBES:
			if len(v) >= 4 {
				nb.Probes = int(nl.NativeEndian().Uint32(v))
			}
		}
	}
	if !nb.Addr.IsValid() {
		return Neighbor{}, false, nil
	}
	if state&(netlink.NUD_FAILED|netlink.NUD_INCOMPLETE) != 0 {
		nb.HasMAC = false
	}
	return nb, true, nil
}

// ticks converts a neighbour cache age in USER_HZ clock ticks (always 100
// a second to user space on Linux) to a duration.
func ticks(t uint32) time.Duration { return time.Duration(t) * 10 * time.Millisecond }

func nudState(s int) NeighborState {
	var names []string
	for _, x := range []struct {
		bit  int
		name string
	}{
		{netlink.NUD_INCOMPLETE, "INCOMPLETE"}, {netlink.NUD_REACHABLE, "REACHABLE"}, {netlink.NUD_STALE, "STALE"},
		{netlink.NUD_DELAY, "DELAY"}, {netlink.NUD_PROBE, "PROBE"}, {netlink.NUD_FAILED, "FAILED"},
		{netlink.NUD_NOARP, "NOARP"}, {netlink.NUD_PERMANENT, "PERMANENT"},
	} {
		if s&x.bit != 0 {
			names = append(names, x.name)
		}
	}
	if len(names) == 0 {
		return "NONE"
	}
	return NeighborState(strings.Join(names, ","))
}

func (s *netlinkSystem) dial(ifi Interface, src netip.Addr) (neighConn, error) {
	var c neighConn
	err := s.inNamespace(func() error {
		var err error
		if src.Is4() {
			c, err = dialARP(ifi, src)
		} else {
			c, err = dialNDP(ifi, src)
		}
		return err
	})
	return c, err
}

func isUnreachable(err error) bool {
	return errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EHOSTUNREACH)
}
