package lab

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// Diff is one difference between a topology file and a built lab.
type Diff struct {
	Node string `json:"node"`
	// Kind is "missing" (in the file, not in the kernel), "extra" (in the
	// kernel, not in the file) or "different".
	Kind   string `json:"kind"`
	Object string `json:"object"`
	Want   string `json:"want,omitempty"`
	Have   string `json:"have,omitempty"`
}

func (d Diff) String() string {
	s := d.Node + ": " + d.Kind + " " + d.Object
	switch d.Kind {
	case "different":
		s += ": want " + d.Want + ", have " + d.Have
	case "missing":
		if d.Want != "" {
			s += " (" + d.Want + ")"
		}
	case "extra":
		if d.Have != "" {
			s += " (" + d.Have + ")"
		}
	}
	return s
}

// LinkState is one device of a namespace as the kernel holds it.
type LinkState struct {
	Name    string         `json:"name"`
	Kind    string         `json:"kind"` // veth, bridge, dummy, ...
	MAC     string         `json:"mac"`
	MTU     int            `json:"mtu"`
	Master  string         `json:"master,omitempty"`
	Up      bool           `json:"up"`
	Hairpin bool           `json:"hairpin,omitempty"`
	Addrs   []netip.Prefix `json:"addrs"` // link-local fe80::/10 addresses included
}

// Neighbour is one entry of a namespace's neighbour table.
type Neighbour struct {
	Dev   string     `json:"dev"`
	IP    netip.Addr `json:"ip"`
	MAC   string     `json:"mac,omitempty"`
	State string     `json:"state"`
}

// NodeState is what the kernel holds for one node of a built lab: its
// devices, its main routing table as topo.Route values (Origin Connected
// for proto kernel routes), its neighbour table and the sysctls the file
// names. topo verify reads hops through it.
type NodeState struct {
	Node      string            `json:"node"`
	Namespace string            `json:"namespace"`
	Links     []LinkState       `json:"links"`
	Routes    []topo.Route      `json:"routes"`
	Neighbors []Neighbour       `json:"neighbors"`
	Sysctls   map[string]string `json:"sysctls,omitempty"`
	// IPTables counts the rules per "table/chain" of iptables-save (or
	// ip6tables-save when the file's rules are IPv6).
	IPTables map[string]int `json:"iptables,omitempty"`
}

// Link returns the named device, or nil.
func (s *NodeState) Link(name string) *LinkState {
	for i := range s.Links {
		if s.Links[i].Name == name {
			return &s.Links[i]
		}
	}
	return nil
}

// RuleCounts counts the rules ("-A" lines) per "table/chain" of
// iptables-save text.
func RuleCounts(text string) map[string]int {
	out := map[string]int{}
	table := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
		case strings.HasPrefix(line, "-A "):
			if f := strings.Fields(line); len(f) > 1 {
				out[table+"/"+f[1]]++
			}
		}
	}
	return out
}

func routeKey(r topo.Route, withDev bool) string {
	typ := string(r.Type)
	if typ == "" {
		typ = string(topo.Unicast)
	}
	dev := "*"
	if withDev {
		dev = r.Dev
	}
	return fmt.Sprintf("%s %s via=%v dev=%s src=%v metric=%d", typ, r.Dst, r.Via, dev, r.Src, r.Metric)
}

// compare returns the differences between node n of the file and the
// kernel's state s.
func compare(n *topo.Node, s *NodeState) []Diff {
	var out []Diff
	add := func(kind, obj, want, have string) {
		out = append(out, Diff{Node: n.Name, Kind: kind, Object: obj, Want: want, Have: have})
	}
	seen := map[string]bool{"lo": true}
	for _, ifc := range n.Interfaces {
		seen[ifc.Name] = true
		l := s.Link(ifc.Name)
		obj := "interface " + ifc.Name
		if l == nil {
			add("missing", obj, string(ifc.Kind), "")
			continue
		}
		if kind := string(ifc.Kind); kind != l.Kind && !(ifc.Kind == topo.Dummy && l.Kind == "veth") {
			add("different", obj+" kind", string(ifc.Kind), l.Kind)
		}
		if ifc.MAC.String() != l.MAC {
			add("different", obj+" mac", ifc.MAC.String(), l.MAC)
		}
		if ifc.MTU != l.MTU {
			add("different", obj+" mtu", fmt.Sprint(ifc.MTU), fmt.Sprint(l.MTU))
		}
		if ifc.Master != l.Master {
			add("different", obj+" master", orNone(ifc.Master), orNone(l.Master))
		}
		if ifc.Master != "" && ifc.Hairpin != l.Hairpin {
			add("different", obj+" hairpin", onOff(ifc.Hairpin), onOff(l.Hairpin))
		}
		if !l.Up {
			add("different", obj+" state", "up", "down")
		}
		want := map[netip.Prefix]bool{}
		for _, a := range ifc.Addrs {
			want[a] = true
		}
		have := map[netip.Prefix]bool{}
		for _, a := range l.Addrs {
			if a.Addr().Is6() && a.Addr().IsLinkLocalUnicast() && !want[a] {
				continue // the kernel's own link-local address
			}
			have[a] = true
			if !want[a] {
				add("extra", "address "+a.String()+" on "+ifc.Name, "", "")
			}
		}
		for _, a := range ifc.Addrs {
			if !have[a] {
				add("missing", "address "+a.String()+" on "+ifc.Name, "", "")
			}
		}
	}
	for _, l := range s.Links {
		if !seen[l.Name] {
			add("extra", "interface "+l.Name, "", l.Kind)
		}
	}
	// Routes: the main table, static and connected. A file's route
	// without dev matches a kernel route on any device.
	taken := make([]bool, len(s.Routes))
	for _, r := range n.RoutingTable() {
		if r.Table != "main" {
			continue
		}
		withDev := r.Dev != ""
		k := routeKey(r, withDev)
		found := false
		for i, kr := range s.Routes {
			if !taken[i] && routeKey(kr, withDev) == k {
				taken[i], found = true, true
				break
			}
		}
		if !found {
			add("missing", "route "+r.String(), "", "")
		}
	}
	for i, r := range s.Routes {
		if !taken[i] {
			add("extra", "route "+r.String(), "", "")
		}
	}
	for _, kv := range nodeSysctls(n) {
		if v, ok := s.Sysctls[kv[0]]; ok && strings.TrimSpace(v) != strings.TrimSpace(kv[1]) {
			add("different", "sysctl "+kv[0], kv[1], v)
		}
	}
	if s.IPTables != nil {
		want := RuleCounts(n.IPTables)
		keys := map[string]bool{}
		for k := range want {
			keys[k] = true
		}
		for k := range s.IPTables {
			keys[k] = true
		}
		var ks []string
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			if want[k] != s.IPTables[k] {
				add("different", "iptables "+k+" rules", fmt.Sprint(want[k]), fmt.Sprint(s.IPTables[k]))
			}
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
