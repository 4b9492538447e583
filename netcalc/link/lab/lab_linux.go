//go:build linux

package lab

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// capEff returns the process's effective capability set.
var capEff = readCapEff

func readCapEff() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, errors.New("no CapEff in /proc/self/status")
}

// CheckCapabilities returns an *Error wrapping ErrPermission that names the
// capabilities the process lacks (CAP_NET_ADMIN, CAP_SYS_ADMIN), or nil.
func CheckCapabilities(op string) error {
	eff, err := capEff()
	if err != nil {
		return nil // cannot tell: let the kernel say
	}
	var missing []string
	if eff&(1<<unix.CAP_NET_ADMIN) == 0 {
		missing = append(missing, "CAP_NET_ADMIN")
	}
	if eff&(1<<unix.CAP_SYS_ADMIN) == 0 {
		missing = append(missing, "CAP_SYS_ADMIN")
	}
	if len(missing) == 0 {
		return nil
	}
	return &Error{Op: op, Err: &permError{"needs " + strings.Join(missing, " and ") + " to manage network namespaces and their devices: run as root"}}
}

// permError is a missing capability; it matches ErrPermission.
type permError struct{ msg string }

func (e *permError) Error() string        { return e.msg }
func (e *permError) Is(target error) bool { return target == ErrPermission }

// inNS runs f on an OS thread that is inside ns. The thread returns to the
// caller's namespace afterwards, or is thrown away if it cannot.
func inNS(ns netns.NsHandle, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		if err := netns.Set(ns); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		err = f()
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		} // else the goroutine ends locked and Go retires the thread
		errc <- err
	}()
	return <-errc
}

func nsExists(name string) bool {
	_, err := os.Lstat(filepath.Join(NetnsDir, name))
	return err == nil
}

type builder struct {
	t       *topo.Topology
	p       string
	ns      map[string]netns.NsHandle
	h       map[string]*netlink.Handle
	created []string
	step    int
	failAt  int
}

// stepHook, when set (by tests), is called before each step of Up.
var stepHook func(step int, object string)

func (b *builder) do(object string, f func() error) error {
	b.step++
	if stepHook != nil {
		stepHook(b.step, object)
	}
	if b.failAt > 0 && b.step == b.failAt {
		return &Error{Op: "up", Object: object, Err: ErrInjected}
	}
	if err := f(); err != nil {
		return &Error{Op: "up", Object: object, Err: err}
	}
	return nil
}

func (b *builder) close() {
	for _, h := range b.h {
		h.Close()
	}
	for _, ns := range b.ns {
		ns.Close()
	}
}

// rollback removes every namespace b created and the marker.
func (b *builder) rollback() {
	b.close()
	for _, n := range b.created {
		_ = netns.DeleteNamed(n)
	}
	_ = os.Remove(MarkerPath(b.p))
}

// Up builds t: one namespace per node named PREFIX-NODE and everything in
// it. It refuses (ErrRefused) when a namespace of that name or a marker for
// the prefix exists. On any failure it removes what it created and returns
// an *Error naming the object that failed and the kernel's reason.
func Up(t *topo.Topology, opt Options) (*Result, error) {
	p := Prefix(t, opt.Prefix)
	if err := CheckPrefix(p); err != nil {
		return nil, &Error{Op: "up", Err: err}
	}
	if err := CheckCapabilities("up"); err != nil {
		return nil, err
	}
	if _, err := ReadMarker(p); err == nil {
		return nil, &Error{Op: "up", Object: "lab " + p, Err: fmt.Errorf("%w: it is already built (%s exists): run 'netcalc topo down --name-prefix %s' first", ErrRefused, MarkerPath(p), p)}
	}
	for _, n := range t.Nodes {
		if nsExists(NSName(p, n.Name)) {
			return nil, &Error{Op: "up", Object: "namespace " + NSName(p, n.Name), Err: fmt.Errorf("%w: it exists already and netcalc did not create it: choose another --name-prefix", ErrRefused)}
		}
	}
	host, err := netns.Get()
	if err != nil {
		return nil, &Error{Op: "up", Object: "the current namespace", Err: err}
	}
	defer host.Close()
	b := &builder{t: t, p: p, ns: map[string]netns.NsHandle{}, h: map[string]*netlink.Handle{}, failAt: opt.FailAt}
	if err := writeMarker(newMarker(t, p), true); err != nil {
		if errors.Is(err, os.ErrExist) {
			err = fmt.Errorf("%w: another up of this prefix is running or done (%s exists)", ErrRefused, MarkerPath(p))
		}
		return nil, &Error{Op: "up", Object: "marker " + MarkerPath(p), Err: err}
	}
	if err := b.build(host); err != nil {
		if opt.KeepOnFailure {
			b.close()
			return nil, err
		}
		b.rollback()
		return nil, err
	}
	b.settle(5 * time.Second)
	b.close()
	m := newMarker(t, p)
	m.Complete = true
	if err := writeMarker(m, false); err != nil {
		b.rollback()
		return nil, &Error{Op: "up", Object: "marker " + MarkerPath(p), Err: err}
	}
	return &Result{Prefix: p, Namespaces: len(t.Nodes), Links: len(t.Links), Steps: b.step}, nil
}

func hw(m topo.MAC) net.HardwareAddr { return net.HardwareAddr(m[:]) }

func ipnet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func writeSysctl(k, v string) error {
	return os.WriteFile(filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/")), []byte(v), 0)
}

// namespace creates the named namespace name from the host's (on one
// locked thread, which returns to the caller's namespace), records it as
// created and keeps its handle as b.ns[key].
func (b *builder) namespace(host netns.NsHandle, name, key string) error {
	return b.do("namespace "+name, func() error {
		return inNS(host, func() error {
			h, err := netns.NewNamed(name)
			if err != nil {
				return err
			}
			b.created = append(b.created, name)
			b.ns[key] = h
			if h.Equal(host) {
				return fmt.Errorf("%w: the new namespace is the host's", ErrRefused)
			}
			return nil
		})
	})
}

func (b *builder) build(host netns.NsHandle) error {
	t := b.t
	// Namespaces: created on one locked thread, which returns to the
	// caller's namespace after each.
	for _, n := range t.Nodes {
		if err := b.namespace(host, NSName(b.p, n.Name), n.Name); err != nil {
			return err
		}
		err := b.do("lo and sysctls of "+n.Name, func() error {
			nh, err := netlink.NewHandleAt(b.ns[n.Name], unix.NETLINK_ROUTE)
			if err != nil {
				return err
			}
			b.h[n.Name] = nh
			lo, err := nh.LinkByName("lo")
			if err != nil {
				return err
			}
			if err := nh.LinkSetUp(lo); err != nil {
				return fmt.Errorf("lo up: %w", err)
			}
			return inNS(b.ns[n.Name], func() error {
				for _, s := range dadSysctls {
					if err := writeSysctl(s[0], s[1]); err != nil {
						return fmt.Errorf("sysctl %s=%s: %w", s[0], s[1], unwrapPath(err))
					}
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
	}
	if ifs, nodes := unplugged(t); len(ifs) > 0 {
		if err := b.namespace(host, UnpluggedNS(b.p), ":unplugged"); err != nil {
			return err
		}
		for i, ifc := range ifs {
			n := nodes[i]
			err := b.do("interface "+n.Name+":"+ifc.Name+" (on no link)", func() error {
				la := netlink.NewLinkAttrs()
				la.Name, la.MTU, la.HardwareAddr = ifc.Name, ifc.MTU, hw(ifc.MAC)
				return b.h[n.Name].LinkAdd(&netlink.Veth{LinkAttrs: la, PeerName: fmt.Sprintf("u%d", i), PeerNamespace: netlink.NsFd(int(b.ns[":unplugged"]))})
			})
			if err != nil {
				return err
			}
		}
	}
	for _, l := range t.Links {
		a, z := l.Endpoints[0], l.Endpoints[1]
		ia, iz := t.Node(a.Node).Interface(a.Interface), t.Node(z.Node).Interface(z.Interface)
		err := b.do("veth "+a.String()+" <-> "+z.String(), func() error {
			la := netlink.NewLinkAttrs()
			la.Name, la.MTU, la.HardwareAddr = a.Interface, ia.MTU, hw(ia.MAC)
			return b.h[a.Node].LinkAdd(&netlink.Veth{LinkAttrs: la, PeerName: z.Interface, PeerHardwareAddr: hw(iz.MAC), PeerMTU: uint32(iz.MTU), PeerNamespace: netlink.NsFd(int(b.ns[z.Node]))})
		})
		if err != nil {
			return err
		}
	}
	for _, n := range t.Nodes {
		if err := b.node(n); err != nil {
			return err
		}
	}
	if err := b.carrier(); err != nil {
		return err
	}
	for _, n := range t.Nodes {
		if err := b.addrs(n); err != nil {
			return err
		}
	}
	// Routes go through a socket opened for each request inside the
	// namespace, with extended acknowledgements on, so that a refusal
	// carries the kernel's reason ("Nexthop has invalid gateway").
	nl.EnableErrorMessageReporting = true
	for _, n := range t.Nodes {
		if len(n.Routes) == 0 {
			continue
		}
		h := b.h[n.Name]
		err := inNS(b.ns[n.Name], func() error {
			for i, r := range n.Routes {
				object := fmt.Sprintf("route %q of %s (routes[%d])", r.String(), n.Name, i)
				nr, err := b.route(h, r)
				if err != nil {
					return &Error{Op: "up", Object: object, Err: err}
				}
				if err := b.do(object, func() error { return netlink.RouteAdd(nr) }); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// The iptables rules: one iptables-restore per node, run side by side
	// (each waits mostly on its own process start and the kernel).
	type job struct {
		n      *topo.Node
		object string
		err    error
	}
	var jobs []*job
	for _, n := range t.Nodes {
		if strings.TrimSpace(n.IPTables) == "" {
			continue
		}
		j := &job{n: n, object: iptablesTool(n.IPTables) + " in " + n.Name}
		if err := b.do(j.object, func() error { return nil }); err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	sem := make(chan struct{}, 2*runtime.NumCPU())
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			j.err = inNS(b.ns[j.n.Name], func() error { return runTool(iptablesTool(j.n.IPTables), j.n.IPTables) })
		}()
	}
	wg.Wait()
	for _, j := range jobs {
		if j.err != nil {
			return &Error{Op: "up", Object: j.object, Err: j.err}
		}
	}
	return nil
}

// carrier makes the kernel act on every veth's carrier now, then brings
// the bridges up. A device that gets its carrier after it opened (the first
// end of a veth pair, a bridge whose ports come up) is reported up, and
// given its IPv6 link-local address, by the kernel's link watcher, up to a
// second later. Asking for the link state (ETHTOOL_GLINK) runs the link
// watcher for that device at once (linkwatch_sync_dev).
func (b *builder) carrier() error {
	for _, n := range b.t.Nodes {
		var names []string
		for _, ifc := range n.Interfaces {
			if ifc.Kind == topo.Veth {
				names = append(names, ifc.Name)
			}
		}
		if err := b.do("link state of "+n.Name, func() error { return syncLinks(b.ns[n.Name], names) }); err != nil {
			return err
		}
	}
	for _, n := range b.t.Nodes {
		h := b.h[n.Name]
		var names []string
		for _, ifc := range n.Interfaces {
			if ifc.Kind != topo.Bridge {
				continue
			}
			names = append(names, ifc.Name)
			err := b.do("bridge "+n.Name+":"+ifc.Name+" up", func() error {
				l, err := h.LinkByName(ifc.Name)
				if err != nil {
					return err
				}
				if l.Attrs().MTU != ifc.MTU {
					if err := h.LinkSetMTU(l, ifc.MTU); err != nil {
						return fmt.Errorf("mtu %d: %w", ifc.MTU, err)
					}
				}
				return h.LinkSetUp(l)
			})
			if err != nil {
				return err
			}
		}
		if len(names) > 0 {
			if err := b.do("link state of "+n.Name, func() error { return syncLinks(b.ns[n.Name], names) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// syncLinks asks the kernel for the link state of each device of ns
// (SIOCETHTOOL ETHTOOL_GLINK), which makes it process pending carrier
// changes of that device synchronously.
func syncLinks(ns netns.NsHandle, names []string) error {
	if len(names) == 0 {
		return nil
	}
	return inNS(ns, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		for _, name := range names {
			ev := struct{ cmd, data uint32 }{cmd: unix.ETHTOOL_GLINK}
			var ifr [40]byte
			copy(ifr[:unix.IFNAMSIZ-1], name)
			*(*uintptr)(unsafe.Pointer(&ifr[unix.IFNAMSIZ])) = uintptr(unsafe.Pointer(&ev))
			if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr))); e != 0 {
				return fmt.Errorf("%s: link state: %w", name, e)
			}
			runtime.KeepAlive(&ev)
		}
		return nil
	})
}

// settle waits, at most d, until every interface that has a carrier holds
// its IPv6 link-local address: the kernel adds it (and the fe80::/64
// route) only once the carrier is seen, a moment after the link is up, and
// a lab is ready when the routes the model derives are all there.
func (b *builder) settle(d time.Duration) {
	deadline := time.Now().Add(d)
	for _, n := range b.t.Nodes {
		want := 0
		for _, ifc := range n.Interfaces {
			if ifc.LinkLocal.IsValid() {
				want++
			}
		}
		for want > 0 {
			addrs, err := b.h[n.Name].AddrList(nil, netlink.FAMILY_V6)
			if err != nil {
				break
			}
			have := 0
			for _, a := range addrs {
				if a.IP.IsLinkLocalUnicast() {
					have++
				}
			}
			if have >= want || time.Now().After(deadline) {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// runTool runs name with stdin; its error carries the tool's stderr.
func runTool(name, stdin string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%s", strings.ReplaceAll(msg, "\n", "; "))
		}
		return err
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, os.ErrNotExist) {
			return errors.New("no such sysctl")
		}
		return pe.Err
	}
	return err
}

// addBridge creates a bridge with forward_delay 0 (netlink's Bridge type
// cannot set it), inside ns.
func addBridge(ns netns.NsHandle, ifc *topo.Interface) error {
	return inNS(ns, func() error {
		req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
		req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
		req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(ifc.Name)))
		req.AddData(nl.NewRtAttr(unix.IFLA_MTU, nl.Uint32Attr(uint32(ifc.MTU))))
		req.AddData(nl.NewRtAttr(unix.IFLA_ADDRESS, []byte(hw(ifc.MAC))))
		info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
		info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("bridge"))
		data := info.AddRtAttr(nl.IFLA_INFO_DATA, nil)
		data.AddRtAttr(nl.IFLA_BR_FORWARD_DELAY, nl.Uint32Attr(0))
		req.AddData(info)
		_, err := req.Execute(unix.NETLINK_ROUTE, 0)
		return err
	})
}

func (b *builder) node(n *topo.Node) error {
	h, ns := b.h[n.Name], b.ns[n.Name]
	for _, ifc := range n.Interfaces {
		var err error
		switch ifc.Kind {
		case topo.Bridge:
			err = b.do("bridge "+n.Name+":"+ifc.Name, func() error { return addBridge(ns, ifc) })
		}
		if err != nil {
			return err
		}
	}
	// The node's sysctls once its interfaces exist (a per-interface sysctl
	// needs its device), before they come up.
	err := b.do("sysctls of "+n.Name, func() error {
		return inNS(ns, func() error {
			for _, s := range nodeSysctls(n) {
				if err := writeSysctl(s[0], s[1]); err != nil {
					return fmt.Errorf("sysctl %s=%s: %w", s[0], s[1], unwrapPath(err))
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	links := map[string]netlink.Link{}
	get := func(name string) (netlink.Link, error) {
		if l := links[name]; l != nil {
			return l, nil
		}
		l, err := h.LinkByName(name)
		if err != nil {
			return nil, fmt.Errorf("no interface %q: %w", name, err)
		}
		links[name] = l
		return l, nil
	}
	for _, ifc := range n.Interfaces {
		if ifc.Master == "" {
			continue
		}
		err := b.do("port "+n.Name+":"+ifc.Name+" of bridge "+ifc.Master, func() error {
			l, err := get(ifc.Name)
			if err != nil {
				return err
			}
			br, err := get(ifc.Master)
			if err != nil {
				return err
			}
			if err := h.LinkSetMasterByIndex(l, br.Attrs().Index); err != nil {
				return err
			}
			if ifc.Hairpin {
				return h.LinkSetHairpin(l, true)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, ifc := range n.Interfaces {
		if ifc.Kind == topo.Bridge {
			continue // after every port has its carrier: see bridgesUp
		}
		err := b.do("interface "+n.Name+":"+ifc.Name+" up", func() error {
			l, err := get(ifc.Name)
			if err != nil {
				return err
			}
			return h.LinkSetUp(l)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// addrs adds the addresses of n (IPv6 with nodad).
func (b *builder) addrs(n *topo.Node) error {
	h := b.h[n.Name]
	get := func(name string) (netlink.Link, error) {
		l, err := h.LinkByName(name)
		if err != nil {
			return nil, fmt.Errorf("no interface %q: %w", name, err)
		}
		return l, nil
	}
	for _, ifc := range n.Interfaces {
		for _, a := range ifc.Addrs {
			err := b.do("address "+a.String()+" on "+n.Name+":"+ifc.Name, func() error {
				l, err := get(ifc.Name)
				if err != nil {
					return err
				}
				ad := &netlink.Addr{IPNet: &net.IPNet{IP: a.Addr().AsSlice(), Mask: net.CIDRMask(a.Bits(), a.Addr().BitLen())}}
				if a.Addr().Is6() {
					ad.Flags = unix.IFA_F_NODAD
				}
				return h.AddrAdd(l, ad)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

var routeTypes = map[topo.RouteType]int{
	topo.Unicast: unix.RTN_UNICAST, "": unix.RTN_UNICAST, topo.Blackhole: unix.RTN_BLACKHOLE,
	topo.Unreachable: unix.RTN_UNREACHABLE, topo.Prohibit: unix.RTN_PROHIBIT,
}

var scopes = map[string]netlink.Scope{"": netlink.SCOPE_UNIVERSE, "global": netlink.SCOPE_UNIVERSE, "link": netlink.SCOPE_LINK, "host": netlink.SCOPE_HOST}

func (b *builder) route(h *netlink.Handle, r topo.Route) (*netlink.Route, error) {
	typ, ok := routeTypes[r.Type]
	if !ok {
		return nil, fmt.Errorf("route type %q cannot be built", r.Type)
	}
	nr := &netlink.Route{Dst: ipnet(r.Dst), Priority: int(r.Metric), Table: unix.RT_TABLE_MAIN, Protocol: unix.RTPROT_BOOT, Type: typ, Scope: scopes[r.Scope]}
	if r.Via.IsValid() {
		nr.Gw = r.Via.AsSlice()
	}
	if r.Src.IsValid() {
		nr.Src = r.Src.AsSlice()
	}
	if r.Onlink {
		nr.Flags = int(netlink.FLAG_ONLINK)
	}
	if r.Dev != "" {
		l, err := h.LinkByName(r.Dev)
		if err != nil {
			return nil, fmt.Errorf("no interface %q: %w", r.Dev, err)
		}
		nr.LinkIndex = l.Attrs().Index
	}
	return nr, nil
}

// Namespaces returns the named namespaces whose names start with p + "-".
func Namespaces(p string) ([]string, error) {
	ents, err := os.ReadDir(NetnsDir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), p+"-") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// Down removes the lab with prefix p: every namespace its marker lists
// (deleting a namespace deletes its devices, and each veth's peer with
// it), then the marker. It is idempotent: a lab that does not exist is
// not an error. Namespaces with the prefix that no marker lists are left
// alone and reported.
func Down(p string) (*DownResult, error) {
	if err := CheckPrefix(p); err != nil {
		return nil, &Error{Op: "down", Err: err}
	}
	if err := CheckCapabilities("down"); err != nil {
		return nil, err
	}
	res := &DownResult{Prefix: p, Removed: []string{}}
	ours := map[string]bool{}
	m, err := ReadMarker(p)
	switch {
	case err == nil:
		res.Marker = true
		for _, n := range m.Namespaces {
			if !owned(p, n) {
				continue // not a name this lab can have: never deleted
			}
			ours[n] = true
			if !nsExists(n) {
				res.Absent = append(res.Absent, n)
				continue
			}
			if err := netns.DeleteNamed(n); err != nil {
				return res, &Error{Op: "down", Object: "namespace " + n, Err: err}
			}
			res.Removed = append(res.Removed, n)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, &Error{Op: "down", Object: "marker", Err: err}
	}
	all, err := Namespaces(p)
	if err != nil {
		return res, &Error{Op: "down", Object: NetnsDir, Err: err}
	}
	for _, n := range all {
		if !ours[n] {
			res.LeftAlone = append(res.LeftAlone, n)
		}
	}
	if res.Marker {
		if err := os.Remove(MarkerPath(p)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return res, &Error{Op: "down", Object: "marker " + MarkerPath(p), Err: err}
		}
	}
	return res, nil
}

// Do runs f on an OS thread inside node's namespace of the lab with prefix
// p (sockets f opens belong to that namespace; processes it starts run
// there), and returns f's error. The thread goes back to the caller's
// namespace afterwards. topo verify sends its packets through it.
func Do(p, node string, f func() error) error {
	if err := CheckCapabilities("exec"); err != nil {
		return err
	}
	name := NSName(p, node)
	ns, err := netns.GetFromName(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &Error{Op: "exec", Object: "node " + node, Err: fmt.Errorf("%w: namespace %s does not exist", ErrNotBuilt, name)}
		}
		return &Error{Op: "exec", Object: "namespace " + name, Err: err}
	}
	defer ns.Close()
	return inNS(ns, f)
}

// Exec runs argv inside node's namespace of the lab with prefix p, with
// the given standard streams, and returns its exit status.
func Exec(p, node string, argv []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if err := CheckCapabilities("exec"); err != nil {
		return 0, err
	}
	name := NSName(p, node)
	ns, err := netns.GetFromName(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, &Error{Op: "exec", Object: "node " + node, Err: fmt.Errorf("%w: namespace %s does not exist: run 'netcalc topo up' first", ErrNotBuilt, name)}
		}
		return 0, &Error{Op: "exec", Object: "namespace " + name, Err: err}
	}
	defer ns.Close()
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return 0, &Error{Op: "exec", Object: argv[0], Err: ErrNoCommand}
	}
	code := 0
	err = inNS(ns, func() error {
		cmd := exec.Command(path, argv[1:]...)
		cmd.Args[0] = argv[0]
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int(ws.Signal())
			} else {
				code = ee.ExitCode()
			}
			return nil
		}
		return err
	})
	if err != nil {
		return 0, &Error{Op: "exec", Object: argv[0], Err: err}
	}
	return code, nil
}
