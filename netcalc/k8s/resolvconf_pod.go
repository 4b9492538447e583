package k8s

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/netcalc/netcalc/internal/yamlpos"
	"github.com/netcalc/netcalc/netcalc/k8s/manifest"
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

// ErrPodManifest is the sentinel of the errors PodResolvConfParsePod,
// PodResolvConfParseDNSConfig and ClusterDNSParse return for a manifest
// that cannot be read; test with errors.Is.
var ErrPodManifest = errors.New("k8s: bad pod manifest")

// PodManifestError is a manifest that cannot be read: the file, the
// 1-based line (0 when unknown), the path of the offending value (such as
// "spec.dnsConfig.nameservers[1]", "" for none) and what was expected.
type PodManifestError struct {
	File string
	Line int
	Path string
	Msg  string
}

// Error returns "k8s: " followed by Message.
func (e *PodManifestError) Error() string { return "k8s: " + e.Message() }

// Message returns "FILE:LINE: PATH: MSG" (the parts that are known),
// without the package prefix, for the CLI.
func (e *PodManifestError) Message() string { return yamlpos.Where(e.File, e.Line, e.Path) + e.Msg }

// Unwrap returns ErrPodManifest.
func (e *PodManifestError) Unwrap() error { return ErrPodManifest }

// podManifestError turns the manifest reader's error into a
// *PodManifestError.
func podManifestError(err error) error {
	var me *manifest.Error
	if errors.As(err, &me) {
		return &PodManifestError{File: me.File, Line: me.Line, Path: me.Path, Msg: me.Msg}
	}
	return err
}

// PodResolvConfParsePod reads the first Pod of a YAML (or JSON) manifest
// file, whose documents are separated by "---" lines; documents of other
// kinds are skipped. The namespace defaults to "default" and the policy to
// ClusterFirst, as the API server defaults them. file names the input in
// errors, which are *PodManifestError values.
func PodResolvConfParsePod(data []byte, file string) (*PodResolvConfPod, error) {
	p, err := parsePod(data, file)
	return p, podManifestError(err)
}

func parsePod(data []byte, file string) (*PodResolvConfPod, error) {
	var kinds []string
	r := &manifest.Reader{File: file}
	for _, d := range r.Split(data) {
		n, err := d.Root()
		if err != nil {
			return nil, err
		}
		if n.Missing() {
			continue
		}
		if err := mapping(n, false, ""); err != nil {
			return nil, err
		}
		kind, err := strictStr(n.Get("kind"))
		if err != nil {
			return nil, err
		}
		if kind != "Pod" {
			if kind == "" {
				kinds = append(kinds, "a document without kind")
			} else {
				kinds = append(kinds, "kind "+kind)
			}
			continue
		}
		p := &PodResolvConfPod{}
		meta, spec := n.Get("metadata"), n.Get("spec")
		var policy string
		for _, f := range []struct {
			n   manifest.Node
			dst *string
		}{{meta.Get("name"), &p.Name}, {meta.Get("namespace"), &p.Namespace}, {meta.Get("uid"), &p.UID},
			{spec.Get("dnsPolicy"), &policy}, {spec.Get("hostname"), &p.Hostname}, {spec.Get("subdomain"), &p.Subdomain}} {
			if *f.dst, err = strictStr(f.n); err != nil {
				return nil, err
			}
		}
		p.DNSPolicy = DNSPolicy(policy)
		if h := spec.Get("hostNetwork"); !h.Missing() {
			if p.HostNetwork, err = h.Bool(false); err != nil {
				return nil, typeError(h, "true or false")
			}
		}
		if c := spec.Get("dnsConfig"); !c.Missing() {
			if p.DNSConfig, err = readDNSConfig(c, false); err != nil {
				return nil, err
			}
		}
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
// JSON, from the first document of data. Unknown fields and repeated keys
// are errors; errors are *PodManifestError values.
func PodResolvConfParseDNSConfig(data []byte, file string) (*PodDNSConfig, error) {
	r := &manifest.Reader{File: file, Strict: true}
	for _, d := range r.Split(data) {
		n, err := d.Root()
		if err != nil {
			return nil, podManifestError(err)
		}
		if !n.Missing() {
			c, err := readDNSConfig(n, true)
			return c, podManifestError(err)
		}
	}
	return &PodDNSConfig{}, nil
}

// readDNSConfig reads a dnsConfig mapping; strict rejects unknown fields,
// as the API server's strict field validation does.
func readDNSConfig(n manifest.Node, strict bool) (*PodDNSConfig, error) {
	if err := mapping(n, strict, "nameservers", "searches", "options"); err != nil {
		return nil, err
	}
	c := &PodDNSConfig{}
	var err error
	if c.Nameservers, err = strictStrs(n.Get("nameservers")); err != nil {
		return nil, err
	}
	if c.Searches, err = strictStrs(n.Get("searches")); err != nil {
		return nil, err
	}
	l, err := list(n.Get("options"))
	if err != nil {
		return nil, err
	}
	for _, o := range l {
		if err := mapping(o, strict, "name", "value"); err != nil {
			return nil, err
		}
		var opt PodDNSOption
		if opt.Name, err = strictStr(o.Get("name")); err != nil {
			return nil, err
		}
		if v := o.Get("value"); !v.Missing() {
			s, err := strictStr(v)
			if err != nil {
				return nil, err
			}
			opt.Value = &s
		}
		c.Options = append(c.Options, opt)
	}
	return c, nil
}

// mapping checks that n is a mapping and, when strict, that it has only
// the allowed keys (the first other one in sorted order is the error).
func mapping(n manifest.Node, strict bool, allowed ...string) error {
	m, ok := n.Value().(map[string]any)
	if !ok {
		return typeError(n, "a mapping")
	}
	var unknown []string
	for k := range m {
		if strict && !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	want := strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	return n.Get(unknown[0]).Errorf(manifest.ErrUnknownField, "unknown field %q: want %s", unknown[0], want)
}

// list reads a list; anything else but a missing value is an error.
func list(n manifest.Node) ([]manifest.Node, error) {
	if _, ok := n.Value().([]any); !ok && !n.Missing() {
		return nil, typeError(n, "a list")
	}
	return n.List()
}

// strictStr reads a string as the API server does: a number or a boolean
// is not one.
func strictStr(n manifest.Node) (string, error) {
	switch v := n.Value().(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", typeError(n, `a string (quote numbers: "2")`)
}

// strictStrs reads a list of strings as strictStr does.
func strictStrs(n manifest.Node) ([]string, error) {
	l, err := list(n)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range l {
		s, err := strictStr(it)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// typeError says that n's value has the wrong type, in JSON's words (a
// string, a number, a bool, an object, an array), and what was wanted.
func typeError(n manifest.Node, want string) error {
	got := "a string"
	switch n.Value().(type) {
	case map[string]any:
		got = "an object"
	case []any:
		got = "an array"
	case json.Number:
		got = "a number"
	case bool:
		got = "a bool"
	}
	return n.Errorf(manifest.ErrInvalid, "%s is not allowed here: want %s", got, want)
}
