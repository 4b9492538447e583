package topo

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Severity is how bad a Finding is.
type Severity string

// Severities.
const (
	// SevError is a mistake: the kernel refuses it or the network cannot
	// work as written.
	SevError Severity = "error"
	// SevWarning is something the kernel accepts that a person rarely
	// means.
	SevWarning Severity = "warning"
)

// Finding is one lint result: its severity, the check that found it, where
// in the file (YAML path and line) and what is wrong.
type Finding struct {
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	Path     string   `json:"path"`
	Line     int      `json:"line"`
	Message  string   `json:"message"`
}

// The names of the checks, as Finding.Check carries them.
const (
	CheckMissingNode      = "missing-node"      // a link names a node that is not in the file
	CheckMissingInterface = "missing-interface" // a bridge port or route dev names no interface
	CheckLinkReuse        = "link-reuse"        // an interface is the end of two links, or a bridge is
	CheckDuplicateAddress = "duplicate-address" // two interfaces on one segment share an address
	CheckTwoSubnets       = "two-subnets"       // one segment carries two subnets of a family
	CheckGatewayOffLink   = "gateway-off-link"  // no link-scope route covers a route's gateway
	CheckGatewayMissing   = "gateway-missing"   // no interface on the segment owns a gateway
	CheckNoForwarding     = "no-forwarding"     // a node is a gateway but does not forward
	CheckNoReturnRoute    = "no-return-route"   // the destination has no route back to the source
	CheckMTUMismatch      = "mtu-mismatch"      // two ends of a link or ports of a bridge differ
	CheckBridgePort       = "bridge-port"       // a port is in two bridges or has addresses
)

// Segments groups the interfaces into layer-2 segments (veth peers and the
// ports of a bridge with the bridge itself). The result maps "node:iface" to
// a segment number; interfaces without a link or bridge are alone.
func (t *Topology) Segments() map[string]int {
	parent := map[string]string{}
	find := func(x string) string {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b string) {
		if _, ok := parent[a]; !ok {
			return
		}
		if _, ok := parent[b]; !ok {
			return
		}
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[ra] = rb
		}
	}
	var order []string
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			k := n.Name + ":" + ifc.Name
			parent[k] = k
			order = append(order, k)
		}
	}
	for _, l := range t.Links {
		union(l.Endpoints[0].String(), l.Endpoints[1].String())
	}
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			if ifc.Master != "" {
				union(n.Name+":"+ifc.Name, n.Name+":"+ifc.Master)
			}
		}
	}
	ids := map[string]int{}
	out := make(map[string]int, len(order))
	for _, k := range order {
		r := find(k)
		id, ok := ids[r]
		if !ok {
			id = len(ids)
			ids[r] = id
		}
		out[k] = id
	}
	return out
}

// Check lints the topology: what the kernel would accept (or refuse) but a
// person did not mean. Findings come in file order within each check, errors
// and warnings mixed; see the Check* constants for the list.
func (t *Topology) Check() []Finding {
	var fs []Finding
	add := func(sev Severity, check, path string, line int, format string, args ...any) {
		fs = append(fs, Finding{Severity: sev, Check: check, Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	// Links: ends that do not exist, interfaces on two links, bridges as ends.
	used := map[string]string{}
	for _, l := range t.Links {
		for j, e := range l.Endpoints {
			path := idx(l.Path+".endpoints", j)
			n := t.Node(e.Node)
			if n == nil {
				add(SevError, CheckMissingNode, path, e.Line, "%s: no node %s in the file", quote(e.String()), quote(e.Node))
				continue
			}
			if ifc := n.Interface(e.Interface); ifc != nil && ifc.Kind == Bridge {
				add(SevError, CheckLinkReuse, path, e.Line, "%s is a bridge: link a port of it (a veth end) and list that port in the bridge's ports", quote(e.String()))
				continue
			}
			if prev, ok := used[e.String()]; ok {
				add(SevError, CheckLinkReuse, path, e.Line, "%s is already one end of %s: a veth end has exactly one peer", quote(e.String()), prev)
				continue
			}
			used[e.String()] = l.Path
		}
		a, b := t.endIface(l.Endpoints[0]), t.endIface(l.Endpoints[1])
		if a != nil && b != nil && a.Kind != Bridge && b.Kind != Bridge && a.MTU != b.MTU {
			add(SevWarning, CheckMTUMismatch, l.Path, l.Line, "%s has MTU %d but its peer %s has %d: the larger side's big packets are dropped at the smaller", l.Endpoints[0], a.MTU, l.Endpoints[1], b.MTU)
		}
	}
	// Bridges: ports that do not exist, ports in two bridges, MTUs.
	for _, n := range t.Nodes {
		portOf := map[string]string{}
		for _, br := range n.Interfaces {
			if br.Kind != Bridge {
				continue
			}
			for i, p := range br.Ports {
				path := idx(br.Path+".ports", i)
				pi := n.Interface(p)
				switch {
				case pi == nil:
					add(SevError, CheckMissingInterface, path, br.Line, "%s: node %s has no interface %s: list it under interfaces or link it", quote(p), n.Name, quote(p))
					continue
				case pi.Kind == Bridge:
					add(SevError, CheckBridgePort, path, br.Line, "%s is a bridge: a bridge cannot be a port of another bridge here", quote(p))
					continue
				}
				if prev, ok := portOf[p]; ok {
					add(SevError, CheckBridgePort, path, br.Line, "%s is already a port of bridge %s: an interface has one master", quote(p), prev)
					continue
				}
				portOf[p] = br.Name
				if len(pi.Addrs) > 0 {
					add(SevWarning, CheckBridgePort, pi.Path, pi.Line, "%s is a port of bridge %s but has addresses: put them on the bridge (a port's frames belong to the bridge)", p, br.Name)
				}
				if pi.MTU != br.MTU {
					add(SevWarning, CheckMTUMismatch, path, br.Line, "port %s has MTU %d but bridge %s has %d", p, pi.MTU, br.Name, br.MTU)
				}
			}
		}
	}
	seg := t.Segments()
	fs = append(fs, t.checkSegments(seg)...)
	fs = append(fs, t.checkRoutes(seg)...)
	return fs
}

func (t *Topology) endIface(e Endpoint) *Interface {
	if n := t.Node(e.Node); n != nil {
		return n.Interface(e.Interface)
	}
	return nil
}

// ifPath is where an interface is in the file, or the link that made it.
func (t *Topology) ifPath(n *Node, ifc *Interface) (string, int) {
	if ifc.Path != "" {
		return ifc.Path, ifc.Line
	}
	for _, l := range t.Links {
		for j, e := range l.Endpoints {
			if e.Node == n.Name && e.Interface == ifc.Name {
				return idx(l.Path+".endpoints", j), e.Line
			}
		}
	}
	return "nodes." + n.Name, n.Line
}

func (t *Topology) checkSegments(seg map[string]int) []Finding {
	var fs []Finding
	type owner struct {
		n   *Node
		ifc *Interface
	}
	addrs := map[int]map[netip.Addr]owner{}
	nets := map[int]map[int]map[netip.Prefix]owner{} // segment → family → subnet
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			id := seg[n.Name+":"+ifc.Name]
			if addrs[id] == nil {
				addrs[id] = map[netip.Addr]owner{}
				nets[id] = map[int]map[netip.Prefix]owner{}
			}
			for _, a := range ifc.Addrs {
				if prev, ok := addrs[id][a.Addr()]; ok {
					path, line := t.ifPath(n, ifc)
					fs = append(fs, Finding{SevError, CheckDuplicateAddress, path, line,
						fmt.Sprintf("%s on %s:%s is also on %s:%s, on the same segment: ARP/NDP answers from both", a.Addr(), n.Name, ifc.Name, prev.n.Name, prev.ifc.Name)})
					continue
				}
				addrs[id][a.Addr()] = owner{n, ifc}
				if a.IsSingleIP() || a.Bits() == 31 && a.Addr().Is4() {
					continue
				}
				f := fam(a.Addr())
				if nets[id][f] == nil {
					nets[id][f] = map[netip.Prefix]owner{}
				}
				m := a.Masked()
				if _, ok := nets[id][f][m]; ok {
					continue
				}
				for other, o := range nets[id][f] {
					path, line := t.ifPath(n, ifc)
					fs = append(fs, Finding{SevWarning, CheckTwoSubnets, path, line,
						fmt.Sprintf("%s:%s is in %s but %s:%s on the same segment is in %s: hosts of the two subnets cannot reach each other without a router", n.Name, ifc.Name, m, o.n.Name, o.ifc.Name, other)})
					break
				}
				nets[id][f][m] = owner{n, ifc}
			}
		}
	}
	return fs
}

// linkRoute returns the interface a gateway is on-link through: the
// interface of the most specific link-scope route (connected or "dev X"
// without gateway) covering gw, restricted to dev when given.
func (n *Node) linkRoute(gw netip.Addr, dev string) *Interface {
	if n.linkRoutes == nil {
		n.linkRoutes = []*Route{}
		n.each(func(r *Route) bool {
			if r.Table == "main" && r.Type == Unicast && !r.Via.IsValid() && r.Dev != "" {
				n.linkRoutes = append(n.linkRoutes, r)
			}
			return true
		})
	}
	best := -1
	var out *Interface
	for _, r := range n.linkRoutes {
		if !r.Dst.Contains(gw) || dev != "" && r.Dev != dev {
			continue
		}
		if r.Dst.Bits() > best {
			best, out = r.Dst.Bits(), n.ifByName[r.Dev]
		}
	}
	return out
}

// lookup returns the route the main table chooses for dst (longest prefix,
// then lowest metric, then first), ignoring the local table, or false.
func (n *Node) lookup(dst netip.Addr) (Route, bool) {
	best := -1
	var out Route
	n.each(func(r *Route) bool {
		if r.Table != "main" || !r.Dst.Contains(dst) {
			return true
		}
		if r.Dst.Bits() > best || r.Dst.Bits() == best && r.Metric < out.Metric {
			best, out = r.Dst.Bits(), *r
		}
		return true
	})
	return out, best >= 0
}

// owns reports whether the node has address a (or a is loopback).
func (n *Node) owns(a netip.Addr) bool {
	found := false
	n.each(func(r *Route) bool {
		found = r.Type == Local && r.Dst.Contains(a)
		return !found
	})
	return found
}

func (t *Topology) checkRoutes(seg map[string]int) []Finding {
	var fs []Finding
	// Who owns which address, for gateways.
	type owner struct {
		n   *Node
		ifc *Interface
	}
	ownerOf := map[netip.Addr][]owner{}
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			for _, a := range ifc.Addrs {
				ownerOf[a.Addr()] = append(ownerOf[a.Addr()], owner{n, ifc})
			}
			if ifc.LinkLocal.IsValid() {
				ownerOf[ifc.LinkLocal.Addr()] = append(ownerOf[ifc.LinkLocal.Addr()], owner{n, ifc})
			}
		}
	}
	reported := map[string]bool{}
	idxAddrs := t.addrIndex()
	type defKey struct {
		n *Node
		f int
	}
	hasDef := map[defKey]bool{}
	for _, n := range t.Nodes {
		for i, r := range n.Routes {
			path, line := idx("nodes."+n.Name+".routes", i), 0
			if i < len(n.RouteLines) {
				line = n.RouteLines[i]
			}
			if r.Dev != "" && n.Interface(r.Dev) == nil {
				fs = append(fs, Finding{SevError, CheckMissingInterface, path, line,
					fmt.Sprintf("%s: node %s has no interface %s (the kernel refuses the route: \"Cannot find device\")", quote(r.String()), n.Name, quote(r.Dev))})
				continue
			}
			if !r.Via.IsValid() {
				continue
			}
			var out *Interface
			if r.Onlink {
				out = n.Interface(r.Dev)
			} else {
				out = n.linkRoute(r.Via, r.Dev)
			}
			if out == nil {
				where := ""
				if r.Dev != "" {
					where = " through " + r.Dev
				}
				fs = append(fs, Finding{SevError, CheckGatewayOffLink, path, line,
					fmt.Sprintf("gateway %s is not on-link%s: no address of node %s covers it (the kernel refuses the route: \"Nexthop has invalid gateway\"); add an address in its subnet or \"onlink\"", r.Via, where, n.Name)})
				continue
			}
			// Is there someone on that segment with the gateway address?
			id := seg[n.Name+":"+out.Name]
			var gw *Node
			for _, o := range ownerOf[r.Via] {
				if seg[o.n.Name+":"+o.ifc.Name] == id {
					gw = o.n
					break
				}
			}
			if gw == nil {
				fs = append(fs, Finding{SevWarning, CheckGatewayMissing, path, line,
					fmt.Sprintf("no interface on %s's segment owns gateway %s: the neighbour lookup will fail", out.Name, r.Via)})
				continue
			}
			if gw == n {
				continue
			}
			f := fam(r.Via)
			if !gw.Forwarding(f) && !reported[gw.Name+"/"+fmt.Sprint(f)] && !gw.owns(r.Dst.Addr()) {
				reported[gw.Name+"/"+fmt.Sprint(f)] = true
				key := "net.ipv4.ip_forward"
				if f == 6 {
					key = "net.ipv6.conf.all.forwarding"
				}
				fs = append(fs, Finding{SevError, CheckNoForwarding, path, line,
					fmt.Sprintf("node %s is the gateway of %s but does not forward IPv%d: set kind: router or %s: 1 on %s", gw.Name, quote(r.String()), f, key, gw.Name)})
			}
			// The return path: the far end must have a route back to
			// this node's source address.
			src := r.Src
			if !src.IsValid() {
				src = primary(out, f)
			}
			if !src.IsValid() {
				continue
			}
			for _, dn := range idxAddrs.destinations(r) {
				if dn == n {
					continue
				}
				k := defKey{dn, f}
				has, ok := hasDef[k]
				if !ok {
					has = dn.hasDefault(f)
					hasDef[k] = has
				}
				if has {
					continue
				}
				if _, ok := dn.lookup(src); !ok {
					k := dn.Name + "|" + src.String()
					if reported[k] {
						continue
					}
					reported[k] = true
					fs = append(fs, Finding{SevWarning, CheckNoReturnRoute, path, line,
						fmt.Sprintf("node %s, reached by this route, has no route back to %s (%s:%s): replies are lost", dn.Name, src, n.Name, out.Name)})
				}
			}
		}
	}
	return fs
}

// primary returns the first address of the family on ifc.
func primary(ifc *Interface, f int) netip.Addr {
	for _, a := range ifc.Addrs {
		if fam(a.Addr()) == f {
			return a.Addr()
		}
	}
	return netip.Addr{}
}

// addrIndex is every configured address with its node, sorted by address.
type addrIndex []addrOwner

type addrOwner struct {
	a netip.Addr
	n *Node
}

func (t *Topology) addrIndex() addrIndex {
	var x addrIndex
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			for _, a := range ifc.Addrs {
				x = append(x, addrOwner{a.Addr(), n})
			}
		}
	}
	sort.Slice(x, func(i, j int) bool { return x[i].a.Less(x[j].a) })
	return x
}

// destinations returns the nodes owning an address inside r's destination,
// each once (none for a default route: it names no destination).
func (x addrIndex) destinations(r Route) []*Node {
	if r.Dst.Bits() == 0 {
		return nil
	}
	lo := sort.Search(len(x), func(i int) bool { return !x[i].a.Less(r.Dst.Addr()) })
	var out []*Node
next:
	for i := lo; i < len(x) && r.Dst.Contains(x[i].a); i++ {
		for _, n := range out {
			if n == x[i].n {
				continue next
			}
		}
		out = append(out, x[i].n)
	}
	return out
}

// hasDefault reports whether the node has a default route of the family.
func (n *Node) hasDefault(f int) bool {
	found := false
	n.each(func(r *Route) bool {
		found = r.Table == "main" && r.Dst.Bits() == 0 && fam(r.Dst.Addr()) == f && r.Type == Unicast
		return !found
	})
	return found
}

// SortFindings orders findings by line, then path.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		return strings.Compare(fs[i].Path, fs[j].Path) < 0
	})
}
