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
	return filepath.Join("..", "..", "testdata", "kubeproxy", name)
}

// mustParseFile parses the fixture name of testdata/kubeproxy.
func mustParseFile(t testing.TB, name string) *Config {
	t.Helper()
	return mustParsePath(t, fixture(name), name)
}

// mustParsePath parses the scenario file at path, named name in errors,
// and fails the test if it cannot be read or parsed.
func mustParsePath(t testing.TB, path, name string) *Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return mustParseYAML(t, string(data), name)
}

// readUpstream returns an expected text copied from kube-proxy's tests,
// without the "#" lines that name its origin.
func readUpstream(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l)
		}
	}
	return b.String()
}

func renderString(t *testing.T, cfg *Config) string {
	t.Helper()
	var b strings.Builder
	if _, err := Render(cfg).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestUpstreamFullText renders the Services of each of kube-proxy's
// iptables proxier tests whose expectation is a full iptables-restore
// text (kubernetes v1.37.2 pkg/proxy/iptables/proxier_test.go, named in
// the first line of each .iptables file, copied verbatim and never
// rewritten by -update) and compares byte for byte. The upstream text is
// the independent oracle for chain names, rule layout, probabilities and
// endpoint order.
func TestUpstreamFullText(t *testing.T) {
	for _, name := range []string{"overall", "bad-ips", "repeated-first"} {
		t.Run(name, func(t *testing.T) {
			cfg := mustParseFile(t, "upstream-"+name+".yaml")
			want := readUpstream(t, "upstream-"+name+".iptables")
			if diff := cmp.Diff(want, renderString(t, cfg)); diff != "" {
				t.Errorf("Render(upstream-%s) mismatch (-upstream +netcalc):\n%s", name, diff)
			}
		})
	}
}

// TestUpstreamOverall checks that netcalc's default for localhostNodePorts
// is kube-proxy's (true), the value upstream's NewFakeProxier sets: without
// the line, the same rules as upstream's TestOverallIPTablesRules.
func TestUpstreamOverall(t *testing.T) {
	want := readUpstream(t, "upstream-overall.iptables")
	data, err := os.ReadFile(fixture("upstream-overall.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse([]byte(strings.Replace(string(data), "\nlocalhostNodePorts: true\n", "\n", 1)), "upstream-overall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, renderString(t, cfg)); diff != "" {
		t.Errorf("without localhostNodePorts: true the rules differ from upstream's:\n%s", diff)
	}
}
