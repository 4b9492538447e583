package topo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/netcalc/netcalc/internal/yamlpos"
)

// MaxFileSize is the largest topology file Parse reads (64 MiB).
const MaxFileSize = 64 << 20

// Options are the settings of Parse. The zero Options works for a file that
// names no other file.
type Options struct {
	// File names the input in errors ("" for none).
	File string
	// ReadFile reads a file the topology names (the k8s block's services
	// file), relative names as the caller resolves them. Default nil: such
	// a file is an error.
	ReadFile func(name string) ([]byte, error)
}

// Parse reads a topology file from r: name, nodes, links, or a k8s block
// that generates nodes and links (both may be given; the generated nodes
// come after the written ones). It fills in what the kernel derives (see
// Topology, Node.RoutingTable, DefaultMAC). Errors are *Error values naming the
// line and the YAML path; a route that does not parse wraps a *RouteError.
func Parse(r io.Reader, opt Options) (*Topology, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: opt.File, Msg: "reading: " + err.Error(), Err: ErrInvalid}
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: opt.File, Msg: fmt.Sprintf("larger than %d bytes", MaxFileSize), Err: ErrInvalid}
	}
	p := &parser{file: opt.File, opt: opt}
	t, err := p.parse(data)
	if err != nil {
		return nil, err
	}
	t.derive()
	return t, nil
}

type parser struct {
	file string
	opt  Options
}

func (p *parser) errf(n *yaml.Node, path string, sentinel error, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: p.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func (p *parser) parse(data []byte) (*Topology, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: p.file, Msg: "empty file: want a mapping with nodes and links (or a k8s block)", Err: ErrInvalid}
		}
		line, msg := yamlpos.SyntaxError(err)
		return nil, &Error{File: p.file, Line: line, Msg: msg, Err: ErrSyntax}
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		return nil, p.errf(&more, "", ErrInvalid, "a second YAML document: want one topology per file")
	}
	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root, "", ErrInvalid, "want a mapping with nodes and links (or a k8s block), not %s", describe(root))
	}
	t := &Topology{}
	var k8sNode *yaml.Node
	var linksNode *yaml.Node
	err := p.mapping(root, "", func(key string, k, v *yaml.Node) error {
		switch key {
		case "name":
			s, err := p.str(v, "name")
			t.Name = s
			return err
		case "nodes":
			return p.nodes(t, v)
		case "links":
			linksNode = v
			return nil
		case "k8s":
			k8sNode = v
			return nil
		}
		return p.errf(k, key, ErrUnknownField, "unknown field: want name, nodes, links or k8s")
	})
	if err != nil {
		return nil, err
	}
	if linksNode != nil {
		if err := p.links(t, linksNode); err != nil {
			return nil, err
		}
	}
	if k8sNode != nil {
		if err := p.k8s(t, k8sNode); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return quote(n.Value)
	}
	return "nothing"
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// mapping calls f for each key of a mapping node, refusing duplicates.
func (p *parser) mapping(n *yaml.Node, path string, f func(key string, k, v *yaml.Node) error) error {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return p.errf(n, path, ErrInvalid, "want a mapping, not %s", describe(n))
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return p.errf(k, path, ErrInvalid, "want a name as key, not %s", describe(k))
		}
		if k.Value == "<<" {
			return p.errf(k, path, ErrInvalid, "merge keys (<<) are not supported")
		}
		if seen[k.Value] {
			return p.errf(k, join(path, k.Value), ErrDuplicate, "given twice")
		}
		seen[k.Value] = true
		if err := f(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) seq(n *yaml.Node, path string, f func(i int, v *yaml.Node) error) error {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, path, ErrInvalid, "want a list, not %s", describe(n))
	}
	for i, v := range n.Content {
		if err := f(i, resolve(v)); err != nil {
			return err
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func (p *parser) str(n *yaml.Node, path string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, path, ErrInvalid, "want a string, not %s", describe(n))
	}
	return n.Value, nil
}

func (p *parser) integer(n *yaml.Node, path string, min, max int, what string) (int, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, p.errf(n, path, ErrInvalid, "want %s, not %s", what, describe(n))
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < min || v > max {
		return 0, p.errf(n, path, ErrInvalid, "%s: want %s", quote(n.Value), what)
	}
	return v, nil
}

func (p *parser) boolean(n *yaml.Node, path string) (bool, error) {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "true", "True", "TRUE":
			return true, nil
		case "false", "False", "FALSE":
			return false, nil
		}
	}
	return false, p.errf(n, path, ErrInvalid, "%s: want true or false", describe(n))
}

func (p *parser) nodes(t *Topology, v *yaml.Node) error {
	return p.mapping(v, "nodes", func(name string, k, nv *yaml.Node) error {
		path := "nodes." + name
		if err := checkName(name); err != nil {
			return p.errf(k, path, ErrInvalid, "%s: %v", quote(name), err)
		}
		n, err := p.node(name, nv, path)
		if err != nil {
			return err
		}
		n.Line = k.Line
		t.Nodes = append(t.Nodes, n)
		return nil
	})
}

// checkName refuses node names that cannot be a namespace name or an
// endpoint ("a:eth0").
func checkName(s string) error {
	if s == "" || len(s) > 64 {
		return errors.New("want a node name of 1-64 characters")
	}
	if strings.ContainsAny(s, ":/ \t") || s == "." || s == ".." {
		return errors.New("want a node name without ':', '/' or spaces")
	}
	return nil
}

func (p *parser) node(name string, v *yaml.Node, path string) (*Node, error) {
	n := &Node{Name: name, Kind: Host}
	var ifaces, bridges *yaml.Node
	err := p.mapping(v, path, func(key string, k, v *yaml.Node) error {
		kp := join(path, key)
		switch key {
		case "kind":
			s, err := p.str(v, kp)
			if err != nil {
				return err
			}
			switch Kind(s) {
			case Host, Router:
				n.Kind = Kind(s)
			default:
				return p.errf(v, kp, ErrInvalid, "%s: want host or router", quote(s))
			}
		case "interfaces":
			ifaces = v
		case "bridges":
			bridges = v
		case "routes":
			return p.seq(v, kp, func(i int, rv *yaml.Node) error {
				s, err := p.str(rv, idx(kp, i))
				if err != nil {
					return err
				}
				r, err := ParseRoute(s)
				if err != nil {
					return &Error{File: p.file, Line: rv.Line, Path: idx(kp, i), Msg: err.Error(), Err: err}
				}
				n.Routes = append(n.Routes, r)
				n.RouteLines = append(n.RouteLines, rv.Line)
				return nil
			})
		case "sysctls":
			return p.mapping(v, kp, func(sk string, _, sv *yaml.Node) error {
				if sv.Kind != yaml.ScalarNode || sv.Tag == "!!null" {
					return p.errf(sv, join(kp, sk), ErrInvalid, "want a value such as 1, not %s", describe(sv))
				}
				if n.Sysctls == nil {
					n.Sysctls = map[string]string{}
				}
				val := sv.Value
				switch val {
				case "true":
					val = "1"
				case "false":
					val = "0"
				}
				n.Sysctls[strings.ReplaceAll(sk, "/", ".")] = val
				return nil
			})
		case "iptables":
			s, err := p.str(v, kp)
			if err != nil {
				return err
			}
			n.IPTables = s
		default:
			return p.errf(k, kp, ErrUnknownField, "unknown field: want kind, interfaces, bridges, routes, sysctls or iptables")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n.ifByName = map[string]*Interface{}
	add := func(ifc *Interface, k *yaml.Node) error {
		if n.ifByName[ifc.Name] != nil {
			return p.errf(k, ifc.Path, ErrDuplicate, "%s is both an interface and a bridge", quote(ifc.Name))
		}
		n.ifByName[ifc.Name] = ifc
		n.Interfaces = append(n.Interfaces, ifc)
		return nil
	}
	err = p.mapping(ifaces, join(path, "interfaces"), func(name string, k, v *yaml.Node) error {
		ifc, err := p.iface(name, k, v, join(path, "interfaces")+"."+name, false)
		if err != nil {
			return err
		}
		return add(ifc, k)
	})
	if err != nil {
		return nil, err
	}
	err = p.mapping(bridges, join(path, "bridges"), func(name string, k, v *yaml.Node) error {
		ifc, err := p.iface(name, k, v, join(path, "bridges")+"."+name, true)
		if err != nil {
			return err
		}
		return add(ifc, k)
	})
	return n, err
}

func (p *parser) iface(name string, k, v *yaml.Node, path string, bridge bool) (*Interface, error) {
	if !validIfName(name) {
		return nil, p.errf(k, path, ErrInvalid, "%s: not an interface name: want 1-15 characters, no '/', ':' or spaces", quote(name))
	}
	if name == "lo" {
		return nil, p.errf(k, path, ErrInvalid, "\"lo\" is every node's loopback: 127.0.0.1/8 and ::1 are implied")
	}
	ifc := &Interface{Name: name, Kind: Dummy, Path: path, Line: k.Line}
	if bridge {
		ifc.Kind = Bridge
	}
	fields := "addrs, mac or mtu"
	if bridge {
		fields = "ports, addrs, mac, mtu or hairpin"
	}
	err := p.mapping(v, path, func(key string, kk, vv *yaml.Node) error {
		kp := join(path, key)
		switch key {
		case "addrs":
			return p.seq(vv, kp, func(i int, av *yaml.Node) error {
				s, err := p.str(av, idx(kp, i))
				if err != nil {
					return err
				}
				a, err := netip.ParsePrefix(s)
				if err != nil || a.Addr().Zone() != "" || a.Addr().Is4In6() {
					return p.errf(av, idx(kp, i), ErrInvalid, "%s: want an address with its prefix length, such as 198.51.100.10/24 or 2001:db8::10/64", quote(s))
				}
				if a.Addr().IsUnspecified() || a.Addr().IsMulticast() {
					return p.errf(av, idx(kp, i), ErrInvalid, "%s: an unspecified or multicast address cannot be assigned to an interface", quote(s))
				}
				for _, b := range ifc.Addrs {
					if b.Addr() == a.Addr() {
						return p.errf(av, idx(kp, i), ErrDuplicate, "%s: address given twice", quote(s))
					}
				}
				ifc.Addrs = append(ifc.Addrs, a)
				return nil
			})
		case "mac":
			s, err := p.str(vv, kp)
			if err != nil {
				return err
			}
			m, err := parseMAC(s)
			if err != nil {
				return p.errf(vv, kp, ErrInvalid, "%s: %v", quote(s), err)
			}
			ifc.MAC, ifc.macSet = m, true
		case "mtu":
			n, err := p.integer(vv, kp, 68, 65535, "an MTU from 68 to 65535")
			if err != nil {
				return err
			}
			ifc.MTU, ifc.mtuSet = n, true
		case "ports":
			if !bridge {
				break
			}
			return p.seq(vv, kp, func(i int, pv *yaml.Node) error {
				s, err := p.str(pv, idx(kp, i))
				if err != nil {
					return err
				}
				if !validIfName(s) {
					return p.errf(pv, idx(kp, i), ErrInvalid, "%s: not an interface name: want 1-15 characters, no '/', ':' or spaces", quote(s))
				}
				for _, q := range ifc.Ports {
					if q == s {
						return p.errf(pv, idx(kp, i), ErrDuplicate, "%s: port given twice", quote(s))
					}
				}
				ifc.Ports = append(ifc.Ports, s)
				return nil
			})
		case "hairpin":
			if !bridge {
				break
			}
			b, err := p.boolean(vv, kp)
			ifc.Hairpin = b
			return err
		}
		switch key {
		case "addrs", "mac", "mtu":
			return nil
		case "ports", "hairpin":
			if bridge {
				return nil
			}
		}
		return p.errf(kk, kp, ErrUnknownField, "unknown field: want %s", fields)
	})
	return ifc, err
}

// parseMAC parses a 48-bit MAC address in colon or hyphen form.
func parseMAC(s string) (MAC, error) {
	var m MAC
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == '-' })
	if len(parts) != 6 {
		return m, errors.New("want a MAC address such as 02:00:00:00:00:0a")
	}
	for i, h := range parts {
		if len(h) != 2 {
			return m, errors.New("want a MAC address such as 02:00:00:00:00:0a")
		}
		b, err := strconv.ParseUint(h, 16, 8)
		if err != nil {
			return m, errors.New("want a MAC address such as 02:00:00:00:00:0a")
		}
		m[i] = byte(b)
	}
	if m[0]&1 != 0 {
		return m, errors.New("a multicast MAC address cannot be an interface's address")
	}
	if m == (MAC{}) {
		return m, errors.New("the all-zero MAC address cannot be an interface's address")
	}
	return m, nil
}

func (p *parser) links(t *Topology, v *yaml.Node) error {
	return p.seq(v, "links", func(i int, lv *yaml.Node) error {
		path := idx("links", i)
		l := &Link{Line: lv.Line, Path: path}
		got := false
		err := p.mapping(lv, path, func(key string, k, vv *yaml.Node) error {
			if key != "endpoints" {
				return p.errf(k, join(path, key), ErrUnknownField, "unknown field: want endpoints")
			}
			got = true
			ep := join(path, "endpoints")
			if vv.Kind != yaml.SequenceNode || len(vv.Content) != 2 {
				return p.errf(vv, ep, ErrInvalid, "want two endpoints such as [\"a:eth0\", \"b:eth0\"], not %s", describe(vv))
			}
			for j, e := range vv.Content {
				e = resolve(e)
				s, err := p.str(e, idx(ep, j))
				if err != nil {
					return err
				}
				node, ifn, ok := strings.Cut(s, ":")
				if !ok || checkName(node) != nil || !validIfName(ifn) {
					return p.errf(e, idx(ep, j), ErrInvalid, "%s: want NODE:INTERFACE such as \"a:eth0\" (interface names 1-15 characters)", quote(s))
				}
				if ifn == "lo" {
					return p.errf(e, idx(ep, j), ErrInvalid, "%s: lo cannot be one end of a veth pair", quote(s))
				}
				l.Endpoints[j] = Endpoint{Node: node, Interface: ifn, Line: e.Line}
			}
			if l.Endpoints[0] == l.Endpoints[1] {
				return p.errf(vv, ep, ErrInvalid, "%s: both ends are the same interface", quote(l.Endpoints[0].String()))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !got {
			return p.errf(lv, path, ErrInvalid, "want endpoints: [\"a:eth0\", \"b:eth0\"]")
		}
		t.Links = append(t.Links, l)
		return nil
	})
}
