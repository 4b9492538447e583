package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// shq quotes s for a POSIX shell when it needs quoting.
func shq(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Emit writes the shell script that builds t with prefix p using ip(8),
// sysctl(8) and iptables-restore(8), in the order Up works: the marker file
// (so that `netcalc topo down` can remove a lab the script built), the
// namespaces with lo up and their sysctls, the veth pairs, other
// interfaces and bridges (forward_delay 0) with MACs and MTUs, bridge
// ports, links up, addresses (IPv6 with nodad), routes, iptables rules.
func Emit(w io.Writer, t *topo.Topology, p string) error {
	if err := CheckPrefix(p); err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	ns := func(node string) string { return shq(NSName(p, node)) }
	m := newMarker(t, p)
	m.Complete = true
	m.By = "netcalc topo emit"
	mj, _ := json.Marshal(m)
	fmt.Fprintf(b, "#!/bin/sh\n# netcalc topo emit: builds %q (%s, %s) with prefix %s\nset -e\n", t.Name, plural(len(t.Nodes), "node"), plural(len(t.Links), "link"), p)
	fmt.Fprintf(b, "mkdir -p %s\ncat > %s <<'EOF'\n%s\nEOF\n", shq(MarkerDir), shq(MarkerPath(p)), mj)
	b.WriteString("\n# namespaces\n")
	for _, n := range t.Nodes {
		fmt.Fprintf(b, "ip netns add %s\n", ns(n.Name))
		fmt.Fprintf(b, "ip -n %s link set lo up\n", ns(n.Name))
		fmt.Fprintf(b, "ip netns exec %s sysctl -qw%s\n", ns(n.Name), sysctlArgs(dadSysctls))
	}
	if ifs, nodes := unplugged(t); len(ifs) > 0 {
		b.WriteString("\n# interfaces on no link: veths whose peers stay down in " + UnpluggedNS(p) + "\n")
		fmt.Fprintf(b, "ip netns add %s\n", shq(UnpluggedNS(p)))
		for i, ifc := range ifs {
			fmt.Fprintf(b, "ip link add %s netns %s address %s mtu %d type veth peer name u%d netns %s\n", shq(ifc.Name), ns(nodes[i].Name), ifc.MAC, ifc.MTU, i, shq(UnpluggedNS(p)))
		}
	}
	if len(t.Links) > 0 {
		b.WriteString("\n# veth pairs\n")
	}
	for _, l := range t.Links {
		a, z := l.Endpoints[0], l.Endpoints[1]
		ia, iz := t.Node(a.Node).Interface(a.Interface), t.Node(z.Node).Interface(z.Interface)
		fmt.Fprintf(b, "ip link add %s netns %s address %s mtu %d type veth peer name %s netns %s address %s mtu %d\n",
			shq(a.Interface), ns(a.Node), ia.MAC, ia.MTU, shq(z.Interface), ns(z.Node), iz.MAC, iz.MTU)
	}
	b.WriteString("\n# interfaces, bridges, addresses\n")
	for _, n := range t.Nodes {
		N := ns(n.Name)
		for _, ifc := range n.Interfaces {
			switch ifc.Kind {
			case topo.Bridge:
				fmt.Fprintf(b, "ip -n %s link add %s address %s mtu %d type bridge forward_delay 0\n", N, shq(ifc.Name), ifc.MAC, ifc.MTU)
			}
		}
		if s := nodeSysctls(n); len(s) > 0 {
			fmt.Fprintf(b, "ip netns exec %s sysctl -qw%s\n", N, sysctlArgs(s))
		}
		for _, ifc := range n.Interfaces {
			if ifc.Master != "" {
				fmt.Fprintf(b, "ip -n %s link set %s master %s\n", N, shq(ifc.Name), shq(ifc.Master))
				if ifc.Hairpin {
					fmt.Fprintf(b, "ip -n %s link set %s type bridge_slave hairpin on\n", N, shq(ifc.Name))
				}
			}
		}
		for _, ifc := range n.Interfaces {
			if ifc.Kind == topo.Bridge {
				fmt.Fprintf(b, "ip -n %s link set %s mtu %d\n", N, shq(ifc.Name), ifc.MTU)
			}
		}
		for _, ifc := range n.Interfaces {
			fmt.Fprintf(b, "ip -n %s link set %s up\n", N, shq(ifc.Name))
		}
		for _, ifc := range n.Interfaces {
			for _, a := range ifc.Addrs {
				nodad := ""
				if a.Addr().Is6() {
					nodad = " nodad"
				}
				fmt.Fprintf(b, "ip -n %s addr add %s dev %s%s\n", N, a, shq(ifc.Name), nodad)
			}
		}
	}
	first := true
	for _, n := range t.Nodes {
		for _, r := range n.Routes {
			if first {
				b.WriteString("\n# routes\n")
				first = false
			}
			fam := "-4"
			if r.Dst.Addr().Is6() {
				fam = "-6"
			}
			fmt.Fprintf(b, "ip %s -n %s route add %s\n", fam, ns(n.Name), routeArgs(r))
		}
	}
	first = true
	for _, n := range t.Nodes {
		if strings.TrimSpace(n.IPTables) == "" {
			continue
		}
		if first {
			b.WriteString("\n# iptables\n")
			first = false
		}
		text := n.IPTables
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		delim := "EOF"
		for strings.Contains(text, "\n"+delim+"\n") || strings.HasPrefix(text, delim+"\n") {
			delim += "_"
		}
		fmt.Fprintf(b, "ip netns exec %s %s <<'%s'\n%s%s\n", ns(n.Name), iptablesTool(text), delim, text, delim)
	}
	return b.Flush()
}

// routeArgs is r in ip-route(8) syntax with the metric always written, so
// that the script and Up agree whatever ip's default is.
func routeArgs(r topo.Route) string {
	s := r.String()
	if !strings.Contains(s, " metric ") {
		s += " metric " + strconv.FormatUint(uint64(r.Metric), 10)
	}
	return s
}

func sysctlArgs(s [][2]string) string {
	var b strings.Builder
	for _, kv := range s {
		b.WriteString(" " + shq(kv[0]+"="+kv[1]))
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
