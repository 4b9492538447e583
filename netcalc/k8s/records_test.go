package k8s

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
)

// TestRecordMarshalJSON: a Record marshals as a struct embedding its value
// after a Type field.
func TestRecordMarshalJSON(t *testing.T) {
	f := Finding{Severity: Warning, Rule: "r", Message: "a <b> & c", Source: "s", Versions: ">= 1.34"}
	embedded := struct {
		Type string `json:"type"`
		Finding
	}{"finding", f}
	for _, escape := range []bool{false, true} {
		var want, got bytes.Buffer
		for _, x := range []struct {
			w *bytes.Buffer
			v any
		}{{&want, embedded}, {&got, Record{"finding", f}}} {
			enc := json.NewEncoder(x.w)
			enc.SetEscapeHTML(escape)
			if err := enc.Encode(x.v); err != nil {
				t.Fatal(err)
			}
		}
		if got.String() != want.String() {
			t.Errorf("escapeHTML %v: Record = %s; want %s", escape, got.String(), want.String())
		}
	}
	if b, err := json.Marshal(Record{"empty", struct{}{}}); err != nil || string(b) != `{"type":"empty"}` {
		t.Errorf("Record of an empty struct = %s, %v; want {\"type\":\"empty\"}", b, err)
	}
	if _, err := json.Marshal(Record{"addr", netip.MustParseAddr("10.0.0.1")}); err == nil {
		t.Errorf("Record of a non-object marshalled without error")
	}
}

func TestPlanRecords(t *testing.T) {
	p, err := NewPlan(Config{Profile: Kubeadm, ClusterCIDRs: []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")}, ShowNode: true, NodeIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	recs := p.Records()
	types := map[string]int{}
	for _, r := range recs {
		types[r.Type]++
	}
	if types["range"] != len(p.Ranges) || types["finding"] != len(p.Findings) || types["node_cidrs"] != 1 || recs[len(recs)-1].Type != "summary" {
		t.Errorf("Records() types %v; want one per range and finding, node_cidrs, then a summary", types)
	}
}
