package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Record is one line of the JSON Lines form of a result: Type says what
// Value is ("range" a Range, "pod_network" a PodNetwork, "service_network"
// a ServiceNetwork, "node_cidrs" a *NodeCIDRs, "finding" a Finding,
// "summary" a Summary; "node" a Node for check). It marshals as Value's
// object with "type" added first, as a struct embedding Value after a Type
// field would.
type Record struct {
	Type  string
	Value any
}

// MarshalJSON returns {"type":TYPE, then Value's fields}. HTML characters
// are left as they are (the caller's encoder escapes them if it is set
// to). Value must marshal as a JSON object.
func (r Record) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Value); err != nil {
		return nil, err
	}
	v := bytes.TrimSpace(b.Bytes())
	if len(v) < 2 || v[0] != '{' {
		return nil, fmt.Errorf("k8s: record %q: %s is not a JSON object", r.Type, v)
	}
	t, err := json.Marshal(r.Type)
	if err != nil {
		return nil, err
	}
	out := append([]byte(`{"type":`), t...)
	if v[1] != '}' {
		out = append(out, ',')
	}
	return append(out, v[1:]...), nil
}

// Summary is the last record of a plan: its profile and version and how
// many findings it has of each severity.
type Summary struct {
	Profile  string  `json:"profile"`
	Version  Version `json:"version"`
	Errors   int     `json:"errors"`
	Warnings int     `json:"warnings"`
	Notes    int     `json:"notes"`
}

// Records returns the plan as JSON Lines records, in the order "netcalc -o
// json k8s plan" prints them: the ranges, the pod networks, the Service
// networks, the node's pod CIDRs (when Config.ShowNode asked for a node
// that has some), the findings, then the Summary.
func (p *Plan) Records() []Record {
	var out []Record
	for _, r := range p.Ranges {
		out = append(out, Record{"range", r})
	}
	for _, pn := range p.Pods {
		out = append(out, Record{"pod_network", pn})
	}
	for _, s := range p.Services {
		out = append(out, Record{"service_network", s})
	}
	if p.Node != nil && len(p.Node.CIDRs) > 0 {
		out = append(out, Record{"node_cidrs", p.Node})
	}
	for _, f := range p.Findings {
		out = append(out, Record{"finding", f})
	}
	return append(out, Record{"summary", Summary{p.Profile.String(), p.Version, p.Count(Error), p.Count(Warning), p.Count(Note)}})
}
