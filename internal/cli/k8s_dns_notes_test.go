package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestClusterDNSNotes pins the words of k8s.ClusterDNSParse's notes on
// standard error, as the library wrote them when notes were strings.
func TestClusterDNSNotes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "gap.yaml")
	data := `apiVersion: v1
kind: Service
metadata: {name: hdls, namespace: shop}
spec:
  clusterIP: None
  ports: [{name: web, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: hdls-1
  namespace: shop
  labels: {kubernetes.io/service-name: hdls}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
  hostname: web-0
`
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runKubeProxy(t, "k8s", "dns", "hdls.shop.svc.cluster.local", "--services", file)
	want := `netcalc: note: EndpointSlice shop/hdls-1: endpoint hostname "web-0" is not read (kube-proxy's manifest parser drops it); the endpoint is named by its address unless a Pod in the file has spec.hostname "web-0" and spec.subdomain naming the Service` + "\n"
	if code != 0 || stderr != want {
		t.Errorf("k8s dns: exit %d, stderr %q; want 0 and %q", code, stderr, want)
	}
}
