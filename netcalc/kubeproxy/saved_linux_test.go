//go:build linux

package kubeproxy

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"
)

// TestIPTablesSaveKernel loads node-a.iptables-save into a network
// namespace the test creates and deletes (iptables-restore, which checks
// every rule against the kernel), dumps it again with the real
// iptables-save (the kernel's own spelling and order of every match) and
// traces through that dump: the traces must agree with the manifest's, as
// for the fixture itself. It needs root, ip and iptables; it sends no
// packets.
func TestIPTablesSaveKernel(t *testing.T) {
	for _, tool := range []string{"ip", "iptables-restore", "iptables-save"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian package iptables / iproute2)", tool)
		}
	}
	ns := testlab.New(t).NS("save")
	data, err := os.ReadFile(fixture("node-a.iptables-save"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "iptables-restore", "-w", "5")
	cmd.Stdin = bytes.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("iptables-restore rejected node-a.iptables-save: %v\n%s", err, out)
	}
	out, err := exec.Command("ip", "netns", "exec", ns, "iptables-save").Output()
	if err != nil {
		t.Fatalf("iptables-save: %v", err)
	}
	checkSavedAgrees(t, bytes.NewReader(out))
}
