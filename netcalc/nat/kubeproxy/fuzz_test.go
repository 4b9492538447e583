package kubeproxy

import (
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, every
// error must be a *ParseError whose line lies inside the input, and
// anything it accepts must render and trace.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"cluster.yaml", "manifests.yaml", "upstream-overall.yaml", "ipv6.yaml"} {
		if data, err := os.ReadFile(fixture(name)); err == nil {
			f.Add(data) // the real fixtures: every feature at once
		}
	}
	f.Add([]byte("services:\n\t- name: web\n"))                                                            // tab indentation
	f.Add([]byte("---\n---\n"))                                                                            // only separators: empty documents
	f.Add([]byte("services: [{name: a, clusterIP: None, ports: [{port: 1}]}]"))                            // headless, flow style
	f.Add([]byte("a: &x [*x]\n"))                                                                          // recursive alias
	f.Add([]byte("kind: List\nitems: [{kind: Service}, 3]\n"))                                             // List with junk items
	f.Add([]byte("services:\n- name: w\n  clusterIP: 1.2.3.4\n  ports: [{port: 99999999999999999999}]\n")) // integer overflow
	f.Add([]byte("kind: EndpointSlice\nmetadata: {labels: {kubernetes.io/service-name: s}}\nendpoints: [{addresses: []}]\n"))
	f.Add([]byte("services:\n- name: w\n  clusterIP: \"::ffff:10.0.0.1\"\n  ports: [{port: 80}]\n  endpoints: [{ip: \"fe80::1%eth0\"}]\n")) // 4in6 and a zone
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "f.yaml")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v (%T) is not a *ParseError", err, err)
			}
			if lines := strings.Count(string(data), "\n") + 1; pe.Line < 0 || pe.Line > lines {
				t.Fatalf("Parse error line %d outside the input's %d lines: %v", pe.Line, lines, err)
			}
			if !strings.HasPrefix(err.Error(), "kubeproxy: f.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		rs := Render(cfg)
		tr := NewTracer(rs, 1)
		for _, s := range cfg.Services {
			for _, p := range s.Ports {
				if s.ClusterIP.IsValid() {
					tr.Trace(Packet{Src: netip.AddrPortFrom(s.ClusterIP, 1), Dst: netip.AddrPortFrom(s.ClusterIP, uint16(p.Port)), Proto: p.Protocol})
				}
			}
		}
	})
}
