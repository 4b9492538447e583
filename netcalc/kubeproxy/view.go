package kubeproxy

import (
	"bytes"
	"encoding/json"
	"strings"
)

// marshal is json.Marshal without HTML escaping, as netcalc writes all
// JSON: rule text keeps its "->" and "&&" as they are.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// MarshalJSON writes the table as `netcalc kube-proxy rules -o json`
// prints it: {"table": NAME, "chains": [...], "rules": [...]}, the rules
// of every chain in chain order.
func (t *Table) MarshalJSON() ([]byte, error) {
	rules := []*Rule{}
	for _, c := range t.Chains() {
		rules = append(rules, t.Rules(c)...)
	}
	return marshal(struct {
		Table  string   `json:"table"`
		Chains []string `json:"chains"`
		Rules  []*Rule  `json:"rules"`
	}{t.Name, t.Chains(), rules})
}

// MarshalJSON writes the ruleset with the kube-proxy release it follows
// (NFTVersion) and its table (NFTTable): {"kube_proxy_version",
// "family", "table", "objects", "ports"}; "ports" is [] when no Service
// port is proxied.
func (rs *NFTRuleset) MarshalJSON() ([]byte, error) {
	ports := rs.Ports
	if ports == nil {
		ports = []NFTPort{}
	}
	return marshal(struct {
		Version string      `json:"kube_proxy_version"`
		Family  string      `json:"family"`
		Table   string      `json:"table"`
		Objects []NFTObject `json:"objects"`
		Ports   []NFTPort   `json:"ports"`
	}{NFTVersion, rs.Family, NFTTable, rs.Objects, ports})
}

// ServiceDrops returns the filter-table rules that refuse Service traffic
// the nat table does not show: the REJECT of a Service port without
// endpoints and the DROP of a Local-policy port without local endpoints.
func (rs *Ruleset) ServiceDrops() []*Rule {
	var out []*Rule
	for _, c := range rs.Filter.Chains() {
		for _, r := range rs.Filter.Rules(c) {
			if r.Target == "REJECT" || (r.Target == "DROP" && strings.Contains(r.Text, "has no local endpoints")) {
				out = append(out, r)
			}
		}
	}
	return out
}
