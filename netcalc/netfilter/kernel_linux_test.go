//go:build linux

package netfilter

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netcalc/netcalc/internal/testlab"
)

// TestKernelRoundTrip loads rule sets with iptables-restore into a network
// namespace the test creates and deletes (internal/testlab), reads them
// back with iptables-save (plain and -c) and checks that Parse then WriteTo
// reproduces what iptables-save printed byte for byte, and that the parsed
// rules are those that were loaded (same chains, same rule count per
// chain). It needs root, iproute2 and iptables; it sends no packets.
func TestKernelRoundTrip(t *testing.T) {
	for _, tool := range []string{"ip", "iptables-restore", "iptables-save"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages iproute2, iptables)", tool)
		}
	}
	lab := testlab.New(t)
	upstream, err := os.ReadFile(shared("kubeproxy", "upstream-overall.iptables"))
	if err != nil {
		t.Fatal(err)
	}
	labRules, err := os.ReadFile(filepath.Join("testdata", "lab.rules"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rules string
	}{
		{"lab", string(labRules)},
		// nfacct objects do not exist in a fresh namespace.
		{"kube-proxy upstream", regexp.MustCompile(` -m nfacct --nfacct-name \S+`).ReplaceAllString(string(upstream), "")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := lab.NS("nf" + string(rune('a'+i)))
			loaded, err := ParseString(tt.rules)
			if err != nil {
				t.Fatalf("Parse(rules to load): %v", err)
			}
			cmd := exec.Command("ip", "netns", "exec", ns, "iptables-restore", "-w", "5")
			cmd.Stdin = strings.NewReader(tt.rules)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("iptables-restore: %v\n%s", err, out)
			}
			for _, args := range [][]string{nil, {"-c"}} {
				out := lab.Exec(ns, "iptables-save", args...)
				rs, err := ParseString(out)
				if err != nil {
					t.Fatalf("Parse(iptables-save %v): %v\n%s", args, err, out)
				}
				var b bytes.Buffer
				if _, err := rs.WriteTo(&b); err != nil {
					t.Fatal(err)
				}
				if b.String() != out {
					t.Errorf("iptables-save %v: Parse+WriteTo differs (-kernel +ours):\n%s", args, cmp.Diff(out, b.String()))
				}
				if diff := cmp.Diff(shape(loaded), shape(rs)); diff != "" {
					t.Errorf("iptables-save %v holds other chains or rule counts than were loaded (-loaded +saved):\n%s", args, diff)
				}
			}
		})
	}
}

// shape maps "table chain" to the chain's rule count, for the user-defined
// chains and the built-in chains that have rules.
func shape(rs *Ruleset) map[string]int {
	m := map[string]int{}
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			if len(c.Rules) > 0 || !contains(BuiltinChains(t.Name), c.Name) {
				m[t.Name+" "+c.Name] = len(c.Rules)
			}
		}
	}
	return m
}
