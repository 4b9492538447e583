package k8s

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/kubeproxy"
)

// TestPodManifestErrors: a manifest the pod readers cannot use is a
// *PodManifestError naming the line and the path of the value.
func TestPodManifestErrors(t *testing.T) {
	tests := []struct {
		name string
		read func(data []byte, file string) error
		in   string
		want string
	}{
		{"dnsConfig: unknown field", parseDNSConfigErr, "nameservers: [10.0.0.1]\nsearch: [a]\n",
			`dns.yaml:2: search: unknown field "search": want nameservers, searches or options`},
		{"dnsConfig: option's unknown field", parseDNSConfigErr, "options:\n- name: ndots\n  valeu: \"2\"\n",
			`dns.yaml:3: options[0].valeu: unknown field "valeu": want name or value`},
		{"dnsConfig: a number for a string", parseDNSConfigErr, "options:\n- name: ndots\n  value: 2\n",
			`dns.yaml:3: options[0].value: a number is not allowed here: want a string (quote numbers: "2")`},
		{"dnsConfig: a string for a list", parseDNSConfigErr, "searches: a.example\n",
			`dns.yaml:1: searches: a string is not allowed here: want a list`},
		{"dnsConfig: a repeated key", parseDNSConfigErr, "nameservers: [10.0.0.1]\nsearches: [a]\nnameservers: [10.0.0.2]\n",
			`dns.yaml:3: key "nameservers" given twice in one mapping: want each key once`},
		{"dnsConfig: not YAML", parseDNSConfigErr, "nameservers: [10.0.0.1\n",
			`dns.yaml:1: did not find expected ',' or ']'`},
		{"pod: hostNetwork not a bool", parsePodErr, "kind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: \"yes\"\n",
			`pod.yaml:4: spec.hostNetwork: a string is not allowed here: want true or false`},
		{"pod: second document", parsePodErr, "kind: Service\n---\nkind: Pod\nspec:\n  dnsConfig:\n    nameservers: 10.0.0.1\n",
			`pod.yaml:6: spec.dnsConfig.nameservers: a string is not allowed here: want a list`},
		{"pod: none", parsePodErr, "kind: Service\n---\n{}\n",
			`pod.yaml: no Pod in the file (found kind Service, a document without kind): want a manifest with kind: Pod`},
		{"cluster DNS: a Pod's bad address", clusterDNSErr, "kind: Pod\nmetadata: {name: p}\nstatus:\n  podIPs:\n  - ip: 10.0.0.300\n",
			`cluster.yaml:5: Pod default/p: status.podIPs: "10.0.0.300" is not an IP address: want e.g. 10.244.1.10`},
		{"cluster DNS: a List item", clusterDNSErr, "kind: List\nitems:\n- kind: Service\n  metadata: {name: x}\n  spec: {type: ExternalName, externalName: 5}\n",
			`cluster.yaml:5: items[0].spec.externalName: a number is not allowed here: want a string (quote numbers: "2")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read([]byte(tt.in), "")
			var pe *PodManifestError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPodManifest) {
				t.Fatalf("error %v (%T); want a *PodManifestError", err, err)
			}
			if got := pe.Message(); got != tt.want {
				t.Errorf("Message() = %q; want %q", got, tt.want)
			}
			if err.Error() != "k8s: "+pe.Message() {
				t.Errorf("Error() = %q; want k8s: and the message", err)
			}
		})
	}
}

func parseDNSConfigErr(data []byte, _ string) error {
	_, err := PodResolvConfParseDNSConfig(data, "dns.yaml")
	return err
}

func parsePodErr(data []byte, _ string) error {
	_, err := PodResolvConfParsePod(data, "pod.yaml")
	return err
}

func clusterDNSErr(data []byte, _ string) error {
	_, err := ClusterDNSParse(data, "cluster.yaml")
	return err
}

func TestPodResolvConfParsePod(t *testing.T) {
	in := `# a Service first
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  uid: "1234"
spec:
  hostname: web-0
  subdomain: web
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  dnsConfig:
    nameservers: [10.0.0.53]
    searches: [corp.example]
    options:
    - name: ndots
      value: "2"
    - name: edns0
`
	got, err := PodResolvConfParsePod([]byte(in), "pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	two := "2"
	want := &PodResolvConfPod{Name: "web-0", Namespace: "default", UID: "1234", DNSPolicy: DNSPolicyClusterFirstWithHostNet, HostNetwork: true,
		Hostname: "web-0", Subdomain: "web", DNSConfig: &PodDNSConfig{Nameservers: []string{"10.0.0.53"}, Searches: []string{"corp.example"},
			Options: []PodDNSOption{{Name: "ndots", Value: &two}, {Name: "edns0"}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PodResolvConfParsePod() mismatch (-want +got):\n%s", diff)
	}
	// JSON is YAML; an empty dnsConfig file is an empty dnsConfig.
	c, err := PodResolvConfParseDNSConfig([]byte(`{"nameservers": ["10.0.0.53"], "options": [{"name": "ndots", "value": "1"}]}`), "dns.json")
	if err != nil || len(c.Nameservers) != 1 || len(c.Options) != 1 || *c.Options[0].Value != "1" {
		t.Errorf("PodResolvConfParseDNSConfig(JSON) = %+v, %v", c, err)
	}
	if c, err := PodResolvConfParseDNSConfig([]byte("# nothing\n"), "dns.yaml"); err != nil || c == nil || c.Nameservers != nil {
		t.Errorf("PodResolvConfParseDNSConfig(empty) = %+v, %v; want an empty config", c, err)
	}
}

// FuzzPodManifest feeds arbitrary bytes to the pod readers: they must not
// panic, and an error is a *PodManifestError (ClusterDNSParse: or
// kube-proxy's *ParseError) whose line is inside the input.
func FuzzPodManifest(f *testing.F) {
	f.Add([]byte("kind: Pod\nmetadata: {name: p}\nspec:\n  dnsConfig: {nameservers: [10.0.0.1], options: [{name: ndots, value: \"2\"}]}\n")) // a whole Pod
	f.Add([]byte("kind: List\nitems:\n- kind: Pod\n  status: {podIPs: [{ip: 10.0.0.1}, 3]}\n"))                                              // a List with a bad address item
	f.Add([]byte("---\n- a\n---\nkind: Pod\nspec: {hostNetwork: 1}\n"))                                                                      // a list document, then a wrong type
	f.Add([]byte("options:\n- name: ndots\n\tvalue: 1\n"))                                                                                   // a tab in the indentation
	f.Add([]byte("{\"kind\": \"Pod\", \"spec\": {\"dnsConfig\": {\"searches\": \"x\"}}}"))                                                   // JSON
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		for _, read := range []func([]byte, string) error{parsePodErr, parseDNSConfigErr, clusterDNSErr} {
			err := read(data, "")
			if err == nil {
				continue
			}
			var pe *PodManifestError
			var ke *kubeproxy.ParseError
			line := 0
			switch {
			case errors.As(err, &pe):
				line = pe.Line
			case errors.As(err, &ke):
				line = ke.Line
			default:
				t.Fatalf("error %v (%T) is neither a *PodManifestError nor a *kubeproxy.ParseError", err, err)
			}
			if line < 0 || line > lines {
				t.Fatalf("error line %d outside the input's %d lines: %v", line, lines, err)
			}
		}
	})
}

func TestParseDNSPolicyAndPodMode(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want DNSPolicy
		ok   bool
	}{{"ClusterFirst", DNSPolicyClusterFirst, true}, {"clusterfirstwithhostnet", DNSPolicyClusterFirstWithHostNet, true},
		{"DEFAULT", DNSPolicyDefault, true}, {"None", DNSPolicyNone, true}, {"", "", false}, {"ClusterFirst ", "", false}} {
		if got, ok := ParseDNSPolicy(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseDNSPolicy(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		in   string
		want ClusterDNSPodMode
		ok   bool
	}{{"insecure", ClusterDNSPodsInsecure, true}, {"Verified", ClusterDNSPodsVerified, true}, {"DISABLED", ClusterDNSPodsDisabled, true}, {"", "", false}, {"maybe", "", false}} {
		if got, ok := ParseClusterDNSPodMode(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseClusterDNSPodMode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
