package kubeproxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixture returns the path of a shared fixture in testdata/kubeproxy.
func fixture(name string) string {
	return filepath.Join("..", "..", "..", "testdata", "kubeproxy", name)
}

func mustParseFile(t testing.TB, name string) *Config {
	t.Helper()
	data, err := os.ReadFile(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestUpstreamOverall renders the Services of kube-proxy's own
// TestOverallIPTablesRules and compares the result byte for byte with that
// test's expected iptables-restore input (copied from kubernetes
// pkg/proxy/iptables/proxier_test.go into upstream-overall.iptables; it is
// never rewritten by -update). The upstream text is the independent oracle
// for chain names, rule layout, probabilities and endpoint order.
func TestUpstreamOverall(t *testing.T) {
	cfg := mustParseFile(t, "upstream-overall.yaml")
	want, err := os.ReadFile(fixture("upstream-overall.iptables"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := Render(cfg).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("Render(upstream-overall) mismatch (-upstream +netcalc):\n%s", diff)
	}
	// netcalc's default for localhostNodePorts is kube-proxy's (true), the
	// value upstream's NewFakeProxier sets: without the line, same rules.
	data, err := os.ReadFile(fixture("upstream-overall.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg2, err := Parse([]byte(strings.Replace(string(data), "\nlocalhostNodePorts: true\n", "\n", 1)), "upstream-overall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b2 strings.Builder
	if _, err := Render(cfg2).WriteTo(&b2); err != nil {
		t.Fatal(err)
	}
	if got := b2.String(); got != b.String() {
		t.Errorf("without localhostNodePorts: true the rules differ from upstream's:\n%s", cmp.Diff(string(want), got))
	}
}
