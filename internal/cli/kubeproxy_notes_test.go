package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// notesScenario has a NodePort Service and a LoadBalancer Service without
// nodePorts, with trafficDistribution PreferClose and PreferSameNode and
// zoned endpoints on node-a and node-b: every kind of kube-proxy note.
const notesScenario = `node: node-a
nodeIPs: [198.51.100.10]
clusterCIDR: 10.244.0.0/16
services:
- namespace: shop
  name: web
  type: NodePort
  trafficDistribution: PreferClose
  clusterIP: 10.96.12.34
  ports: [{name: http, port: 80, targetPort: 8080}, {name: dns, port: 81, protocol: UDP}]
  endpoints:
  - {ip: 10.244.1.10, node: node-a, zone: zone-a}
  - {ip: 10.244.2.11, node: node-b, zone: zone-b}
- namespace: shop
  name: near
  type: LoadBalancer
  trafficDistribution: PreferSameNode
  clusterIP: 10.96.12.35
  ports: [{name: http, port: 80, targetPort: 8080}]
  endpoints:
  - {ip: 10.244.1.12, node: node-a, zone: zone-a}
  - {ip: 10.244.2.13, node: node-b, zone: zone-b}
`

// TestKubeProxyNotes pins the words of every kubeproxy.NoteKind (Parse's
// zone hints and nodePort allocations, Render's topology filter by zone
// and by node) on standard error, sentence for sentence as the library
// wrote them when notes were strings.
func TestKubeProxyNotes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.yaml")
	if err := os.WriteFile(file, []byte(notesScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	parse := []string{
		"netcalc: note: Service shop/web has trafficDistribution PreferClose: 2 endpoint(s) hinted for their own zone, as the EndpointSlice controller does (kube-proxy reads only the hints)",
		"netcalc: note: Service shop/near has trafficDistribution PreferSameNode: 2 endpoint(s) hinted for their own zone, as the EndpointSlice controller does (kube-proxy reads only the hints)",
		`netcalc: note: LoadBalancer Service shop/near port 80/tcp has no nodePort: allocated 32338 (deterministic: 30000 + FNV-1a of "shop/near:http/tcp" mod 2768, next free)`,
		`netcalc: note: NodePort Service shop/web port 80/tcp has no nodePort: allocated 31626 (deterministic: 30000 + FNV-1a of "shop/web:http/tcp" mod 2768, next free)`,
		`netcalc: note: NodePort Service shop/web port 81/udp has no nodePort: allocated 31765 (deterministic: 30000 + FNV-1a of "shop/web:dns/udp" mod 2768, next free)`,
	}
	zone := func(port string) string {
		return "netcalc: note: " + port + ": topology-aware routing: 1 of 2 ready endpoints serve cluster traffic on this node (hints for zone zone-a)"
	}
	tests := []struct {
		name    string
		version string
		render  []string
	}{
		{"node hints", "1.34", []string{
			"netcalc: note: shop/near:http: topology-aware routing: 1 of 2 ready endpoints serve cluster traffic on this node (hints for node node-a)",
			zone("shop/web:http"), zone("shop/web:dns"),
		}},
		{"zone hints only before 1.34", "1.33", []string{zone("shop/near:http"), zone("shop/web:http"), zone("shop/web:dns")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runKubeProxy(t, "kube-proxy", "rules", "--zone", "zone-a", "--kube-version", tt.version, file)
			if code != 0 {
				t.Fatalf("exit %d; want 0\n%s", code, stderr)
			}
			want := ""
			for _, l := range append(append([]string(nil), parse...), tt.render...) {
				want += l + "\n"
			}
			if diff := cmp.Diff(want, stderr); diff != "" {
				t.Errorf("standard error (-want +got):\n%s", diff)
			}
		})
	}
}
