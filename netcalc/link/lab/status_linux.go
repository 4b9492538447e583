//go:build linux

package lab

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// Inspect reads node's namespace of the lab with prefix p: devices,
// main-table routes, neighbours, and (when n is not nil) the sysctls n sets
// and the iptables rule counts.
func Inspect(p string, n *topo.Node) (*NodeState, error) {
	name := NSName(p, n.Name)
	ns, err := netns.GetFromName(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Op: "status", Object: "namespace " + name, Err: ErrNotBuilt}
		}
		return nil, &Error{Op: "status", Object: "namespace " + name, Err: err}
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, &Error{Op: "status", Object: "namespace " + name, Err: err}
	}
	defer h.Close()
	st := &NodeState{Node: n.Name, Namespace: name, Links: []LinkState{}, Routes: []topo.Route{}, Neighbors: []Neighbour{}}
	links, err := h.LinkList()
	if err != nil {
		return nil, &Error{Op: "status", Object: "links of " + name, Err: err}
	}
	byIndex := map[int]string{}
	for _, l := range links {
		byIndex[l.Attrs().Index] = l.Attrs().Name
	}
	for _, l := range links {
		a := l.Attrs()
		if a.Name == "lo" {
			continue
		}
		ls := LinkState{Name: a.Name, Kind: l.Type(), MAC: a.HardwareAddr.String(), MTU: a.MTU, Master: byIndex[a.MasterIndex], Up: a.Flags&net.FlagUp != 0, Addrs: []netip.Prefix{}}
		if a.Protinfo != nil {
			ls.Hairpin = a.Protinfo.Hairpin
		}
		addrs, err := h.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			return nil, &Error{Op: "status", Object: "addresses of " + name + ":" + a.Name, Err: err}
		}
		for _, ad := range addrs {
			ip, ok := netip.AddrFromSlice(ad.IP)
			if !ok {
				continue
			}
			ones, _ := ad.Mask.Size()
			ls.Addrs = append(ls.Addrs, netip.PrefixFrom(ip.Unmap(), ones))
		}
		st.Links = append(st.Links, ls)
	}
	if err := readProtinfo(h, st, links); err != nil {
		return nil, &Error{Op: "status", Object: "bridge ports of " + name, Err: err}
	}
	routes, err := h.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, &Error{Op: "status", Object: "routes of " + name, Err: err}
	}
	for _, r := range routes {
		st.Routes = append(st.Routes, fromKernel(r, byIndex))
	}
	neigh, err := h.NeighList(0, netlink.FAMILY_ALL)
	if err == nil {
		for _, ne := range neigh {
			ip, ok := netip.AddrFromSlice(ne.IP)
			if !ok {
				continue
			}
			nb := Neighbour{Dev: byIndex[ne.LinkIndex], IP: ip.Unmap(), State: neighState(ne.State)}
			if len(ne.HardwareAddr) > 0 {
				nb.MAC = ne.HardwareAddr.String()
			}
			st.Neighbors = append(st.Neighbors, nb)
		}
	}
	sys := nodeSysctls(n)
	ipt := strings.TrimSpace(n.IPTables) != ""
	err = inNS(ns, func() error {
		if len(sys) > 0 {
			st.Sysctls = map[string]string{}
			for _, kv := range sys {
				b, err := os.ReadFile(filepath.Join("/proc/sys", strings.ReplaceAll(kv[0], ".", "/")))
				if err != nil {
					st.Sysctls[kv[0]] = "(" + unwrapPath(err).Error() + ")"
					continue
				}
				st.Sysctls[kv[0]] = strings.TrimSpace(string(b))
			}
		}
		if !ipt {
			return nil
		}
		tool := strings.Replace(iptablesTool(n.IPTables), "-restore", "-save", 1)
		var out, stderr bytes.Buffer
		cmd := exec.Command(tool)
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %v %s", tool, err, strings.TrimSpace(stderr.String()))
		}
		st.IPTables = RuleCounts(out.String())
		return nil
	})
	if err != nil {
		return nil, &Error{Op: "status", Object: name, Err: err}
	}
	return st, nil
}

// readProtinfo fills in the hairpin mode of bridge ports (LinkList does
// not return AF_BRIDGE protinfo).
func readProtinfo(h *netlink.Handle, st *NodeState, links []netlink.Link) error {
	for i := range st.Links {
		if st.Links[i].Master == "" {
			continue
		}
		for _, l := range links {
			if l.Attrs().Name != st.Links[i].Name {
				continue
			}
			pi, err := h.LinkGetProtinfo(l)
			if err != nil {
				return err
			}
			st.Links[i].Hairpin = pi.Hairpin
		}
	}
	return nil
}

func neighState(s int) string {
	switch {
	case s&netlink.NUD_PERMANENT != 0:
		return "PERMANENT"
	case s&netlink.NUD_REACHABLE != 0:
		return "REACHABLE"
	case s&netlink.NUD_STALE != 0:
		return "STALE"
	case s&netlink.NUD_DELAY != 0:
		return "DELAY"
	case s&netlink.NUD_PROBE != 0:
		return "PROBE"
	case s&netlink.NUD_FAILED != 0:
		return "FAILED"
	case s&netlink.NUD_INCOMPLETE != 0:
		return "INCOMPLETE"
	case s&netlink.NUD_NOARP != 0:
		return "NOARP"
	}
	return "NONE"
}

var kernelTypes = map[int]topo.RouteType{unix.RTN_UNICAST: topo.Unicast, unix.RTN_BLACKHOLE: topo.Blackhole, unix.RTN_UNREACHABLE: topo.Unreachable, unix.RTN_PROHIBIT: topo.Prohibit, unix.RTN_LOCAL: topo.Local, unix.RTN_BROADCAST: topo.Broadcast, unix.RTN_ANYCAST: topo.Anycast, unix.RTN_MULTICAST: topo.Multicast}

// fromKernel converts a kernel route to topo's form.
func fromKernel(r netlink.Route, byIndex map[int]string) topo.Route {
	out := topo.Route{Type: kernelTypes[r.Type], Dev: byIndex[r.LinkIndex], Metric: uint32(r.Priority), Table: "main", Origin: topo.Static}
	if out.Type == "" {
		out.Type = topo.RouteType(fmt.Sprintf("type%d", r.Type))
	}
	if r.Dst != nil {
		ip, _ := netip.AddrFromSlice(r.Dst.IP)
		ones, _ := r.Dst.Mask.Size()
		out.Dst = netip.PrefixFrom(ip.Unmap(), ones)
	} else if r.Family == unix.AF_INET6 {
		out.Dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	} else {
		out.Dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	}
	if ip, ok := netip.AddrFromSlice(r.Gw); ok {
		out.Via = ip.Unmap()
	}
	if ip, ok := netip.AddrFromSlice(r.Src); ok {
		out.Src = ip.Unmap()
	}
	switch r.Scope {
	case netlink.SCOPE_LINK:
		out.Scope = "link"
	case netlink.SCOPE_HOST:
		out.Scope = "host"
	default:
		out.Scope = "global"
	}
	if r.Protocol == unix.RTPROT_KERNEL {
		out.Origin = topo.Connected
	}
	if r.Flags&int(netlink.FLAG_ONLINK) != 0 {
		out.Onlink = true
	}
	return out
}

// Status compares the lab with prefix p against t: for every node, the
// namespace, devices, addresses, main-table routes, sysctls and iptables
// rule counts; and namespaces with the prefix that the file does not have.
// An empty result means the lab is what the file says.
func Status(t *topo.Topology, p string) ([]Diff, error) {
	if err := CheckPrefix(p); err != nil {
		return nil, &Error{Op: "status", Err: err}
	}
	if err := CheckCapabilities("status"); err != nil {
		return nil, err
	}
	var out []Diff
	want := map[string]bool{}
	for _, n := range t.Nodes {
		want[NSName(p, n.Name)] = true
		st, err := Inspect(p, n)
		if errors.Is(err, ErrNotBuilt) {
			out = append(out, Diff{Node: n.Name, Kind: "missing", Object: "namespace " + NSName(p, n.Name)})
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, compare(n, st)...)
	}
	all, err := Namespaces(p)
	if err != nil {
		return out, &Error{Op: "status", Object: NetnsDir, Err: err}
	}
	for _, ns := range all {
		if !want[ns] {
			out = append(out, Diff{Node: strings.TrimPrefix(ns, p+"-"), Kind: "extra", Object: "namespace " + ns})
		}
	}
	return out, nil
}
