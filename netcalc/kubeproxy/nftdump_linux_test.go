package kubeproxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"
)

// nftDumpScenarios are the upstream scenarios whose `nft list ruleset`
// listings testdata/kubeproxy/nftdump holds.
var nftDumpScenarios = []string{"overall", "overall-ipv6", "startup", "repeated"}

func nftDumpFixture(name string) string {
	return filepath.Join("..", "..", "testdata", "kubeproxy", "nftdump", name+".nft-list")
}

// TestNFTDumpKernel loads RenderNFT's transaction of each scenario with
// nft -f into a fresh namespace and checks that the kernel's `nft list
// ruleset` is the committed listing that the round-trip tests read (with
// -update it rewrites them). It needs root, ip and nft.
func TestNFTDumpKernel(t *testing.T) {
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft not installed (Debian package nftables)")
	}
	l := testlab.New(t)
	for _, n := range nftDumpScenarios {
		cfg := mustParseNFT(t, n+".yaml")
		ns := l.NS(n)
		cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
		cmd.Stdin = strings.NewReader(RenderNFT(cfg, upstreamNFTOptions(cfg.IPv6)).String())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nft -f of %s: %v\n%s", n, err, out)
		}
		list := l.Exec(ns, "nft", "list", "ruleset")
		if *update {
			if err := os.WriteFile(nftDumpFixture(n), []byte(list), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(nftDumpFixture(n))
		if err != nil {
			t.Fatal(err)
		}
		if list != string(want) {
			t.Errorf("%s: nft list ruleset differs from %s (this nft prints another form; rerun with -update and review)\n%s", n, nftDumpFixture(n), list)
		}
	}
}
