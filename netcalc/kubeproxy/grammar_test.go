package kubeproxy

import (
	"encoding/json"
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netcalc/netcalc/netcalc/packet"
)

// TestTraceConntrackOneTruth: the JSON "conntrack" object and the
// "conntrack_line" rendered next to it agree on every field, use included
// (it was 0 in the object while the line said use=1).
func TestTraceConntrackOneTruth(t *testing.T) {
	rs := Render(mustParseFile(t, "cluster.yaml"))
	for _, proto := range []packet.Protocol{packet.TCP, packet.UDP} {
		dst := "10.96.12.34:80"
		if proto == packet.UDP {
			dst = "10.96.0.10:53"
		}
		r := NewTracer(rs, 1).Trace(packet.Tuple{Src: netip.MustParseAddrPort("10.244.1.7:40000"), Dst: netip.MustParseAddrPort(dst), Protocol: proto})
		if r.Conntrack == nil {
			t.Fatalf("%s %s: no conntrack entry (verdict %s)", proto, dst, r.Verdict)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Conntrack struct {
				Use     int `json:"use"`
				Mark    int `json:"mark"`
				Timeout int `json:"timeout"`
			} `json:"conntrack"`
			Line string `json:"conntrack_line"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.Line == "" || m.Line != r.ConntrackLine() {
			t.Fatalf("conntrack_line %q, ConntrackLine() %q", m.Line, r.ConntrackLine())
		}
		f := strings.Fields(m.Line)
		for _, want := range []string{"use=" + itoa(m.Conntrack.Use), "mark=" + itoa(m.Conntrack.Mark), itoa(m.Conntrack.Timeout)} {
			if !containsField(f, want) {
				t.Errorf("%s: conntrack object says %s, the line does not: %s", proto, want, m.Line)
			}
		}
		if m.Conntrack.Use != 1 {
			t.Errorf("%s: conntrack.use = %d, want 1 (a listed entry)", proto, m.Conntrack.Use)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func containsField(f []string, s string) bool {
	for _, x := range f {
		if x == s {
			return true
		}
	}
	return false
}

var snakeKey = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)

// checkJSON walks a decoded JSON value: every key snake_case, every
// "protocol"/"proto" value lower-case.
func checkJSON(t *testing.T, where string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snakeKey.MatchString(k) {
				t.Errorf("%s: key %q is not snake_case", where, k)
			}
			if s, ok := x.(string); ok && (k == "protocol" || k == "proto") && s != strings.ToLower(s) {
				t.Errorf("%s: %s %q is not lower-case", where, k, s)
			}
			if m, ok := x.(map[string]any); ok && k == "ports" {
				for _, y := range m { // Endpoint.Ports: keys are port names, data
					checkJSON(t, where+"."+k, y)
				}
				continue
			}
			checkJSON(t, where+"."+k, x)
		}
	case []any:
		for _, x := range v {
			checkJSON(t, where, x)
		}
	}
}

// TestJSONOneDialect marshals every kube-proxy type that reaches JSON
// output with its optional fields set: snake_case keys, lower-case
// protocols.
func TestJSONOneDialect(t *testing.T) {
	cfg := mustParseFile(t, "cluster.yaml")
	rs := Render(cfg)
	tr := NewTracer(rs, 1)
	p := packet.Tuple{Src: netip.MustParseAddrPort("203.0.113.9:51000"), Dst: netip.MustParseAddrPort("10.96.12.34:80"), Protocol: packet.TCP}
	values := map[string]any{
		"trace":        tr.Trace(p),
		"distribution": tr.Distribute(p, 20),
		"config":       cfg,
		"ports":        rs.Ports,
		"rules":        rs.NAT.Rules(ChainServices),
	}
	for name, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var x any
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		checkJSON(t, name, x)
	}
	b, _ := json.Marshal(tr.Trace(p))
	for _, want := range []string{`"protocol":"tcp"`, `"balanced_by":"KUBE-SVC-`, `"rule_probability":"0.`, `"conntrack_line":"tcp `} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace JSON lacks %s:\n%s", want, b)
		}
	}
	var pr packet.Protocol
	if err := json.Unmarshal([]byte(`"SCTP"`), &pr); err != nil || pr != packet.SCTP {
		t.Errorf(`unmarshal "SCTP" = %v, %v`, pr, err)
	}
}

func TestLocalhostNodePortsDefault(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"node: a\n", true},
		{"node: a\nlocalhostNodePorts: false\n", false},
		{"node: a\nlocalhostNodePorts: true\n", true},
	} {
		cfg := mustParseYAML(t, tt.in, "x.yaml")
		if cfg.LocalhostNodePorts != tt.want {
			t.Errorf("%q: LocalhostNodePorts = %v, want %v (kube-proxy's default is true)", tt.in, cfg.LocalhostNodePorts, tt.want)
		}
	}
}

const nodePortScenario = `
services:
- namespace: shop
  name: web
  type: NodePort
  clusterIP: 10.96.0.1
  ports:
  - {name: http, port: 80}
  - {name: https, port: 443}
  endpoints: [{ip: 10.244.0.1}]
- namespace: shop
  name: lb
  type: LoadBalancer
  clusterIP: 10.96.0.2
  ports:
  - {port: 80}
- namespace: shop
  name: plain
  clusterIP: 10.96.0.3
  ports:
  - {port: 80}
`

func TestAllocateNodePorts(t *testing.T) {
	cfg := mustParseYAML(t, nodePortScenario, "np.yaml")
	again, _ := Parse([]byte(nodePortScenario), "np.yaml")
	seen := map[int]bool{}
	for i, s := range cfg.Services {
		for j, sp := range s.Ports {
			if s.Type == ClusterIP {
				if sp.NodePort != 0 {
					t.Errorf("ClusterIP Service %s got nodePort %d", s.Name, sp.NodePort)
				}
				continue
			}
			if sp.NodePort < NodePortMin || sp.NodePort > NodePortMax {
				t.Errorf("%s: nodePort %d outside %d-%d", s.PortName(sp), sp.NodePort, NodePortMin, NodePortMax)
			}
			if seen[sp.NodePort] {
				t.Errorf("%s: nodePort %d allocated twice", s.PortName(sp), sp.NodePort)
			}
			seen[sp.NodePort] = true
			if again.Services[i].Ports[j].NodePort != sp.NodePort {
				t.Errorf("%s: not deterministic: %d then %d", s.PortName(sp), sp.NodePort, again.Services[i].Ports[j].NodePort)
			}
		}
	}
	// One note per allocated port, in namespace/name order, naming the
	// port, its nodePort and the string hashed.
	var wantNotes []Note
	for _, name := range []string{"shop/lb", "shop/web"} {
		for _, s := range cfg.Services {
			if s.NamespacedName() != name {
				continue
			}
			for _, sp := range s.Ports {
				wantNotes = append(wantNotes, Note{Kind: NoteNodePortAllocated, Service: name, ServiceType: s.Type, Port: sp.Port,
					Protocol: packet.TCP, NodePort: sp.NodePort, Hashed: s.PortName(sp) + "/tcp"})
			}
		}
	}
	if diff := cmp.Diff(wantNotes, cfg.Notes); len(wantNotes) != 3 || diff != "" {
		t.Errorf("notes: %d wanted (want 3), diff (-want +got):\n%s", len(wantNotes), diff)
	}
	// The rules use the allocated port.
	web := cfg.Services[0].Ports[0].NodePort
	if !strings.Contains(Render(cfg).NAT.String(), "--dport "+itoa(web)+" -j KUBE-EXT-") {
		t.Errorf("no KUBE-NODEPORTS rule for the allocated port %d", web)
	}

	// A port already taken in the file moves the allocation to the next
	// free one.
	taken := strings.Replace(nodePortScenario, "  - {name: https, port: 443}", "  - {name: https, port: 443, nodePort: "+itoa(web)+"}", 1)
	cfg2, err := Parse([]byte(taken), "np.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := web + 1
	if want > NodePortMax {
		want = NodePortMin
	}
	for seen := true; seen; {
		seen = false
		for _, s := range cfg2.Services[1:2] { // shop/lb is allocated before shop/web
			if s.Ports[0].NodePort == want {
				want++
				seen = true
			}
		}
	}
	if got := cfg2.Services[0].Ports[0].NodePort; got != want {
		t.Errorf("with %d taken, shop/web:http got %d, want %d", web, got, want)
	}

	// nodePort: 0 says none, as kube-proxy's own fixtures do.
	none := strings.Replace(nodePortScenario, "  - {port: 80}\n- namespace: shop\n  name: plain", "  - {port: 80, nodePort: 0}\n- namespace: shop\n  name: plain", 1)
	cfg3, err := Parse([]byte(none), "np.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if np := cfg3.Services[1].Ports[0].NodePort; np != 0 {
		t.Errorf("nodePort: 0 gave %d, want none", np)
	}
	if _, err := Parse([]byte(strings.Replace(nodePortScenario, "  - {port: 80}\n", "  - {port: 80, nodePort: 0}\n", 2)), "np.yaml"); err == nil {
		t.Error("nodePort: 0 on a ClusterIP Service accepted")
	}
}

func TestSkippedFamily(t *testing.T) {
	cfg := mustParseYAML(t, `
services:
- {name: v4, clusterIP: 10.96.0.1, ports: [{port: 80}], endpoints: [{ip: 10.244.0.1}, {ip: "2001:db8::5"}]}
- {name: v6, clusterIP: "2001:db8:ff::1", ports: [{port: 80}]}
- {name: dual, clusterIP: 10.96.0.2, clusterIPs: [10.96.0.2, "2001:db8:ff::2"], ports: [{port: 80}], endpoints: [{ip: 10.244.0.2}, {ip: "2001:db8::6"}]}
- {name: headless, clusterIP: None, ports: [{port: 80}]}
`, "f.yaml")
	svcs, eps := cfg.SkippedFamily()
	if strings.Join(svcs, ",") != "default/v6" || strings.Join(eps, ",") != "default/v4 2001:db8::5" {
		t.Errorf("IPv4 run: skipped %q %q", svcs, eps)
	}
	cfg.IPv6 = true
	svcs, eps = cfg.SkippedFamily()
	if strings.Join(svcs, ",") != "default/v4" || len(eps) != 0 {
		t.Errorf("IPv6 run: skipped %q %q", svcs, eps)
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse([]byte("services: x\n"), "a.yaml")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%v is not a *ParseError", err)
	}
	if got, want := pe.Message(), `a.yaml:1: services: "x" is not a list: want "- item" lines`; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
	if got := err.Error(); got != "kubeproxy: "+pe.Message() {
		t.Errorf("Error() = %q", got)
	}
}
