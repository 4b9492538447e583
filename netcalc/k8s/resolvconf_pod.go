package k8s

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

// PodResolvConfPod is what a Pod manifest says about the pod's DNS.
type PodResolvConfPod struct {
	Name        string        `json:"name"`
	Namespace   string        `json:"namespace"`
	UID         string        `json:"uid,omitempty"`
	DNSPolicy   DNSPolicy     `json:"dns_policy"`
	HostNetwork bool          `json:"host_network"`
	DNSConfig   *PodDNSConfig `json:"dns_config,omitempty"`
	Hostname    string        `json:"hostname,omitempty"`
	Subdomain   string        `json:"subdomain,omitempty"`
}

// ErrPodManifest is the sentinel of the errors PodResolvConfParsePod and
// PodResolvConfParseDNSConfig return; test with errors.Is.
var ErrPodManifest = errors.New("k8s: bad pod manifest")

// PodManifestError is a manifest that cannot be read, with the file it is
// in and what was expected.
type PodManifestError struct {
	File string
	Msg  string
}

func (e *PodManifestError) Error() string { return "k8s: " + e.File + ": " + e.Msg }

// Unwrap returns ErrPodManifest.
func (e *PodManifestError) Unwrap() error { return ErrPodManifest }

type podManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		UID       string `json:"uid"`
	} `json:"metadata"`
	Spec struct {
		DNSPolicy   DNSPolicy     `json:"dnsPolicy"`
		HostNetwork bool          `json:"hostNetwork"`
		DNSConfig   *PodDNSConfig `json:"dnsConfig"`
		Hostname    string        `json:"hostname"`
		Subdomain   string        `json:"subdomain"`
	} `json:"spec"`
}

// PodResolvConfParsePod reads the first Pod of a YAML (or JSON) manifest
// file, whose documents are separated by "---" lines; documents of other
// kinds are skipped. The namespace defaults to "default" and the policy to
// ClusterFirst, as the API server defaults them. file names the input in
// errors.
func PodResolvConfParsePod(data []byte, file string) (*PodResolvConfPod, error) {
	var kinds []string
	for _, d := range splitYAMLDocs(data) {
		if strings.TrimSpace(d) == "" {
			continue
		}
		var m podManifest
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			return nil, &PodManifestError{File: file, Msg: cleanYAMLError(err)}
		}
		if m.Kind != "Pod" {
			if m.Kind == "" {
				kinds = append(kinds, "a document without kind")
			} else {
				kinds = append(kinds, "kind "+m.Kind)
			}
			continue
		}
		p := &PodResolvConfPod{Name: m.Metadata.Name, Namespace: m.Metadata.Namespace, UID: m.Metadata.UID,
			DNSPolicy: m.Spec.DNSPolicy, HostNetwork: m.Spec.HostNetwork, DNSConfig: m.Spec.DNSConfig,
			Hostname: m.Spec.Hostname, Subdomain: m.Spec.Subdomain}
		if p.Namespace == "" {
			p.Namespace = "default"
		}
		if p.DNSPolicy == "" {
			p.DNSPolicy = DNSPolicyClusterFirst
		}
		return p, nil
	}
	if len(kinds) == 0 {
		return nil, &PodManifestError{File: file, Msg: "no Pod in the file: want a manifest with kind: Pod"}
	}
	return nil, &PodManifestError{File: file, Msg: "no Pod in the file (found " + strings.Join(kinds, ", ") + "): want a manifest with kind: Pod"}
}

// PodResolvConfParseDNSConfig reads a pod's dnsConfig on its own (the
// mapping under spec.dnsConfig: nameservers, searches, options), YAML or
// JSON. Unknown fields are errors.
func PodResolvConfParseDNSConfig(data []byte, file string) (*PodDNSConfig, error) {
	var c PodDNSConfig
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, &PodManifestError{File: file, Msg: cleanYAMLError(err)}
	}
	return &c, nil
}

func splitYAMLDocs(data []byte) []string {
	var docs []string
	var cur []string
	for _, l := range strings.Split(string(data), "\n") {
		if l == "---" || strings.HasPrefix(l, "--- ") || strings.TrimRight(l, "\r") == "---" {
			docs = append(docs, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	return append(docs, strings.Join(cur, "\n"))
}

var (
	yamlTypeErr = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`cannot unmarshal (\w+) into Go (?:struct field|value of type) (?:\w+\.)?([\w.]*?)(?: of type (\S+))?$`)
	})
	yamlUnknown  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`unknown field "([^"]*)"`) })
	yamlPrefixes = []string{"error converting YAML to JSON: ", "error unmarshaling JSON: ", "while decoding JSON: ", "json: ", "yaml: "}
)

// cleanYAMLError turns sigs.k8s.io/yaml's error into the user's words.
func cleanYAMLError(err error) string {
	msg := err.Error()
	for changed := true; changed; {
		changed = false
		for _, p := range yamlPrefixes {
			if strings.HasPrefix(msg, p) {
				msg, changed = strings.TrimPrefix(msg, p), true
			}
		}
	}
	if m := yamlUnknown().FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown field %q: want nameservers, searches or options", m[1])
	}
	if m := yamlTypeErr().FindStringSubmatch(msg); m != nil {
		want := map[string]string{"string": "a string (quote numbers: \"2\")", "bool": "true or false", "": "another type"}[m[3]]
		if want == "" {
			want = "a " + strings.TrimPrefix(strings.TrimPrefix(m[3], "[]"), "k8s.") + " value"
			if strings.HasPrefix(m[3], "[]") {
				want = "a list"
			}
		}
		field := m[2]
		if field == "" {
			field = "the document"
		}
		return fmt.Sprintf("%s: a %s is not allowed here: want %s", field, m[1], want)
	}
	return msg
}
