package topo

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseRoute checks that ParseRoute never panics and that every route it
// accepts prints (String) as text that parses back to the same Route.
func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{
		"default via 198.51.100.1",                   // family from the gateway
		"default via 2001:db8::1",                    // IPv6 default from the gateway
		"::/0 dev eth0",                              // IPv6 default without gateway: String must keep the family
		"blackhole 192.0.2.0/24",                     // no gateway, no dev
		"10.0.0.1/8 dev eth0",                        // host bits set
		"203.0.113.0/24 via inet6 fe80::1 dev eth0",  // mixed families through inet6
		"default via 198.51.100.1 metric 4294967295", // metric at the top of uint32
		"default via 198.51.100.1 dev eth0 onlink",   // onlink
		"203.0.113.7 dev eth0 scope host",            // bare address and a non-default scope
		"unreachable default",                        // a type with default
		"default via ::ffff:1.2.3.4",                 // IPv4-mapped gateway
		"default via fe80::1%eth0",                   // zone
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoute(s)
		if err != nil {
			return
		}
		back, err := ParseRoute(r.String())
		if err != nil {
			t.Fatalf("ParseRoute(%q).String() = %q does not parse: %v", s, r.String(), err)
		}
		if back != r {
			t.Fatalf("ParseRoute(%q) = %+v; its String %q reads back as %+v", s, r, r.String(), back)
		}
	})
}

// FuzzParse checks that Parse never panics on any file and that a file it
// accepts writes (WriteYAML) as a file that parses to the same output.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"nodes:\n  a:\n    interfaces:\n      eth0: {addrs: [198.51.100.1/24]}\nlinks:\n  - endpoints: [\"a:eth0\", \"b:eth0\"]\n", // a link to a missing node
		"nodes:\n  a: &x {kind: router}\n  b: *x\n",                                                       // aliases
		"nodes:\n  a:\n    iptables: \" *nat\\nCOMMIT\"\n",                                                // iptables text that a block scalar cannot hold
		"nodes:\n  a:\n    iptables: |-\n      *nat\n      COMMIT\n",                                      // no final newline
		"nodes:\n  \"yes\": {sysctls: {net.ipv4.ip_forward: \"on\"}}\n",                                   // a name YAML reads as a bool
		"nodes:\n  a: {bridges: {br0: {ports: [p1, p1]}}}\n",                                              // duplicate port
		"k8s: {nodes: 2, node-network: 198.51.100.0/24, cluster-cidr: 10.244.0.0/16, pods-per-node: 1}\n", // the generator
		"nodes:\n  a:\n    routes: [\"default via 10.0.0.300\"]\n",                                        // bad route
		"{",            // syntax error
		"nodes: [a]\n", // wrong type
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		top, err := Parse(strings.NewReader(s), Options{File: "f"})
		if err != nil {
			return
		}
		if len(top.Nodes) > 100 {
			return // a big generated cluster: slow to write and read, nothing new
		}
		_ = top.Check()
		var a bytes.Buffer
		if err := top.WriteYAML(&a); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(bytes.NewReader(a.Bytes()), Options{File: "f"})
		if err != nil {
			t.Fatalf("written file does not parse: %v\n%s", err, a.Bytes())
		}
		var b bytes.Buffer
		if err := back.WriteYAML(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("write, parse, write differs:\n%s\n---\n%s", a.Bytes(), b.Bytes())
		}
	})
}
