package kubeproxy

import (
	"errors"

	"github.com/netcalc/netcalc/netcalc/k8s/manifest"
)

// Parse reads a kube-proxy scenario: one or more YAML documents separated by
// "---" lines. A document without "kind" is netcalc's own format (node,
// nodeIPs, clusterCIDR, flags and services with their endpoints; several
// such documents merge, later keys winning, Services adding up); documents
// of kind Service (v1), EndpointSlice (discovery.k8s.io/v1) and List are
// read as Kubernetes manifests, EndpointSlices joining their Service through
// the kubernetes.io/service-name label; other kinds are skipped. file names
// the input in errors. Errors are *ParseError values naming the line.
func Parse(data []byte, file string) (*Config, error) {
	// localhostNodePorts defaults to true, as kube-proxy's
	// --iptables-localhost-nodeports does.
	p := &parser{file: file, cfg: &Config{LocalhostNodePorts: true}}
	r := &manifest.Reader{File: file, Note: p.note}
	for _, d := range r.Split(data) {
		if err := p.document(d); err != nil {
			return nil, parseError(err)
		}
	}
	if err := p.finish(); err != nil {
		return nil, parseError(err)
	}
	return p.cfg, nil
}

// parseError turns the manifest reader's *manifest.Error into a
// *ParseError (the sentinels are the same values).
func parseError(err error) error {
	var me *manifest.Error
	if errors.As(err, &me) {
		return &ParseError{File: me.File, Line: me.Line, Path: me.Path, Msg: me.Msg, Err: me.Err}
	}
	return err
}

// node is a decoded value with its path, for errors that name the line.
type node = manifest.Node

type parser struct {
	file   string
	cfg    *Config
	slices []k8sSlice
	// noNodePort holds the Service ports ("ns/name:port/proto") whose
	// nodePort is an explicit 0: none wanted, none allocated.
	noNodePort map[string]bool
}

// note records a value with leading zeros read as canonical.
func (p *parser) note(n manifest.Note) {
	p.cfg.Notes = append(p.cfg.Notes, Note{Kind: NoteLeadingZeros, File: n.File, Line: n.Line, Field: n.Path, Value: n.Value, Canonical: n.Canonical})
}

func (p *parser) document(d *manifest.Document) error {
	n, err := d.Root()
	if err != nil || n.Missing() {
		return err
	}
	if _, err := n.Object(); err != nil {
		return err
	}
	switch n.Kind() {
	case "":
		return p.config(n)
	case "Service":
		return p.k8sService(n)
	case "EndpointSlice":
		return p.k8sEndpointSlice(n)
	case "List":
		items, err := n.Items()
		if err != nil {
			return err
		}
		for _, it := range items {
			if _, err := it.Object(); err != nil {
				return err
			}
			switch it.Kind() {
			case "Service":
				err = p.k8sService(it)
			case "EndpointSlice":
				err = p.k8sEndpointSlice(it)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}
