package kubeproxy

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestKubectlList reads what `kubectl get svc,endpointslices -A -o yaml`
// and `-o json` print: a List with managedFields, annotations, status,
// ownerReferences, targetRefs, a headless and an ExternalName Service and
// an unknown kind (ConfigMap). Both forms give the same Config; the
// Services kube-proxy proxies are there with their slices' endpoints,
// zones and hints, and the ipMode Proxy ingress IP is kept apart.
func TestKubectlList(t *testing.T) {
	y := mustParseFile(t, "kubectl-list.yaml")
	j := mustParseFile(t, "kubectl-list.json")
	if diff := cmp.Diff(y, j, cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})); diff != "" {
		t.Errorf("kubectl -o yaml and -o json give different Configs (-yaml +json):\n%s", diff)
	}
	var names []string
	for _, s := range y.Services {
		names = append(names, s.NamespacedName())
	}
	if want := []string{"default/kubernetes", "shop/web", "shop/db"}; !cmp.Equal(names, want) {
		t.Errorf("Services = %q; want %q (ExternalName skipped, headless kept without rules)", names, want)
	}
	web := y.Services[1]
	if len(web.Endpoints) != 3 || web.Endpoints[0].Zone != "zone-a" || !cmp.Equal(web.Endpoints[1].ZoneHints, []string{"zone-b"}) {
		t.Errorf("shop/web endpoints = %+v; want 3 with zones and hints", web.Endpoints)
	}
	if got := web.Endpoints[0].Ports["http"]; got != 8080 {
		t.Errorf("shop/web endpoint port = %d; want 8080 from the slice", got)
	}
	if len(web.LoadBalancerIPs) != 1 || web.LoadBalancerIPs[0].String() != "203.0.113.50" ||
		len(web.LoadBalancerProxyIPs) != 1 || web.LoadBalancerProxyIPs[0].String() != "203.0.113.51" {
		t.Errorf("shop/web LB IPs = %v, proxy %v; want [203.0.113.50], proxy [203.0.113.51]", web.LoadBalancerIPs, web.LoadBalancerProxyIPs)
	}
	if web.TrafficDistribution != "PreferClose" {
		t.Errorf("shop/web trafficDistribution = %q; want PreferClose", web.TrafficDistribution)
	}
}
