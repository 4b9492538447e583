package kubeproxy

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/packet"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  error
		line int
		msg  string // substring
	}{
		{name: "syntax error in the second document", err: ErrSyntax, line: 7, msg: "did not find expected",
			in: "node: a\n---\nservices:\n- name: web\n  clusterIP: 10.0.0.1\n  ports:\n  - {port: 80\n"},
		{name: "tab indentation", err: ErrSyntax, line: 2, msg: "tab",
			in: "services:\n\t- name: web\n"},
		{name: "unknown field names the key", err: ErrUnknownField, line: 4, msg: `unknown field "clustrIP"`,
			in: "node: a\nservices:\n- name: web\n  clustrIP: 10.0.0.1\n"},
		{name: "port out of range", err: ErrInvalid, line: 7, msg: "70000 is not a port",
			in: "services:\n- name: web\n  clusterIP: 10.0.0.1\n  ports:\n  - name: a\n    port: 80\n    nodePort: 70000\n"},
		{name: "port as a word", err: ErrInvalid, line: 6, msg: `"http" is not a port`,
			in: "services:\n- name: web\n  clusterIP: 10.0.0.1\n  ports:\n  - name: a\n    port: http\n"},
		{name: "bad endpoint address", err: ErrInvalid, line: 7, msg: `"10.0.0.300" is not an IP address`,
			in: "services:\n- name: web\n  clusterIP: 10.0.0.1\n  ports: [{port: 80}]\n  endpoints:\n  - ip: 10.0.0.2\n  - ip: 10.0.0.300\n"},
		{name: "nodePort on a ClusterIP Service", err: ErrInvalid, line: 4, msg: "want type NodePort",
			in: "services:\n- name: web\n  clusterIP: 10.0.0.1\n  ports: [{port: 80, nodePort: 30000}]\n"},
		{name: "bad policy", err: ErrInvalid, line: 4, msg: `"local" is not allowed: want Cluster or Local`,
			in: "services:\n- name: web\n  clusterIP: 10.0.0.1\n  externalTrafficPolicy: local\n  ports: [{port: 80}]\n"},
		{name: "endpoint port for an unknown name", err: ErrInvalid, line: 7, msg: `no Service port is named "https"`,
			in: "services:\n- name: web\n  clusterIP: 10.0.0.1\n  ports: [{name: http, port: 80}]\n  endpoints:\n  - ip: 10.0.0.2\n    ports: {https: 8443}\n"},
		{name: "two unnamed ports", err: ErrInvalid, line: 5, msg: "want a name on every port",
			in: "services:\n- name: web\n  clusterIP: 10.0.0.1\n  ports:\n  - {port: 80}\n  - {port: 443}\n"},
		{name: "Kubernetes Service with a bad port", err: ErrInvalid, line: 9, msg: "0 is not a port",
			in: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: 10.0.0.1\n  ports:\n  - name: http\n    port: 0\n"},
		{name: "EndpointSlice without its label", err: ErrInvalid, line: 4, msg: "kubernetes.io/service-name",
			in: "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\naddressType: IPv4\nmetadata:\n  name: web-1\n"},
		{name: "services is not a list", err: ErrInvalid, line: 1, msg: "is not a list",
			in: "services: web\n"},
		{name: "duplicate Service", err: ErrDuplicate, msg: "shop/web defined twice",
			in: "services:\n- {namespace: shop, name: web, clusterIP: 10.0.0.1, ports: [{port: 80}]}\n- {namespace: shop, name: web, clusterIP: 10.0.0.2, ports: [{port: 80}]}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), "in.yaml")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse() error = %v; want a *ParseError", err)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse() error = %v; want %v", err, tt.err)
			}
			if pe.Line != tt.line {
				t.Errorf("Parse() error line = %d; want %d (%v)", pe.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "kubeproxy: in.yaml:") {
				t.Errorf("Parse() error = %q; want \"kubeproxy: in.yaml:...\" containing %q", err, tt.msg)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	cfg := mustParseYAML(t, `
node: n1
services:
- name: web
  clusterIP: 10.96.0.5
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: admin, port: 9000}
  endpoints:
  - ip: 10.244.0.5
  - ip: 10.244.0.6
    port: 7000
    ports: {admin: 9999}
    ready: false
`, "x")
	want := Service{Namespace: "default", Name: "web", Type: ClusterIP, ClusterIP: netip.MustParseAddr("10.96.0.5"),
		SessionAffinity: AffinityNone, ExternalTrafficPolicy: PolicyCluster, InternalTrafficPolicy: PolicyCluster,
		Ports: []ServicePort{{Name: "http", Protocol: packet.TCP, Port: 80, TargetPort: 8080}, {Name: "admin", Protocol: packet.TCP, Port: 9000}},
		Endpoints: []Endpoint{
			{IP: netip.MustParseAddr("10.244.0.5"), Ports: map[string]int{"http": 8080, "admin": 9000}, Ready: true, Serving: true},
			{IP: netip.MustParseAddr("10.244.0.6"), Ports: map[string]int{"http": 7000, "admin": 9999}},
		}}
	if diff := cmp.Diff([]Service{want}, cfg.Services, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("Parse() services (-want +got):\n%s", diff)
	}
}

// TestParseManifestsMatchOwnFormat checks that the Kubernetes manifests of
// shop/web and the same Service in netcalc's format give identical rules.
func TestParseManifestsMatchOwnFormat(t *testing.T) {
	k8s := mustParseFile(t, "manifests.yaml")
	own := mustParseFile(t, "cluster.yaml")
	var web []Service
	for _, s := range own.Services {
		if s.NamespacedName() == "shop/web" {
			web = append(web, s)
		}
	}
	own.Services = web
	k8s.Node, k8s.NodeIPs, k8s.ClusterCIDR = own.Node, own.NodeIPs, own.ClusterCIDR
	own.BridgeIP, own.RandomFully = netip.Addr{}, false
	a, b := Render(k8s).NAT.String(), Render(own).NAT.String()
	if diff := cmp.Diff(b, a); diff != "" {
		t.Errorf("manifests vs own format (-own +manifests):\n%s", diff)
	}
}

// TestDualStack renders one dual-stack Service (clusterIPs, an IPv4 and an
// IPv6 EndpointSlice) for each family, as kube-proxy's two proxiers do.
func TestDualStack(t *testing.T) {
	cfg := mustParseYAML(t, `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.0.7
  clusterIPs: [10.96.0.7, "fd00:10:96::7"]
  ipFamilies: [IPv4, IPv6]
  ports: [{name: http, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-4, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [10.244.1.5]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-6, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv6
ports: [{name: http, port: 8080}]
endpoints: [{addresses: ["fd00:10:244:1::5"]}]
`, "ds.yaml")
	for _, v6 := range []bool{false, true} {
		cfg.IPv6 = v6
		nat := Render(cfg).NAT.String()
		want := []string{"-d 10.96.0.7 --dport 80", "--to-destination 10.244.1.5:8080"}
		bad := "fd00"
		if v6 {
			want = []string{"-d fd00:10:96::7 --dport 80", "--to-destination [fd00:10:244:1::5]:8080"}
			bad = "10.244.1.5"
		}
		for _, w := range want {
			if !strings.Contains(nat, w) {
				t.Errorf("IPv6=%v: rules lack %q:\n%s", v6, w, nat)
			}
		}
		if strings.Contains(nat, bad) {
			t.Errorf("IPv6=%v: rules mention the other family (%s):\n%s", v6, bad, nat)
		}
	}
}

// TestParseMerge: scenario documents merge, later keys winning.
func TestParseMerge(t *testing.T) {
	cfg := mustParseYAML(t, "node: a\nclusterCIDR: 10.0.0.0/8\n---\nnode: b\nservices:\n- {name: web, clusterIP: 10.96.0.1, ports: [{port: 80}]}\n---\nservices:\n- {name: api, clusterIP: 10.96.0.2, ports: [{port: 80}]}\n", "m.yaml")
	if cfg.Node != "b" || cfg.ClusterCIDR != netip.MustParsePrefix("10.0.0.0/8") || len(cfg.Services) != 2 {
		t.Errorf("merged config = node %q, CIDR %v, %d services; want b, 10.0.0.0/8, 2", cfg.Node, cfg.ClusterCIDR, len(cfg.Services))
	}
}
