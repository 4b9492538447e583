package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestEveryCommandHasAGroup keeps "netcalc --help" ordered by purpose: a
// new top-level command must be named in commandGroups, or cobra would list
// it under a stray "Additional Commands" heading.
func TestEveryCommandHasAGroup(t *testing.T) {
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	root, _ := newRootCmd(env)
	for _, c := range root.Commands() {
		if c.GroupID == "" {
			t.Errorf("command %q is in no group of commandGroups (internal/cli/root.go)", c.Name())
		}
	}
}
