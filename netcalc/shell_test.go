package netcalc

import (
	"strings"
	"testing"
)

func TestAppendShellQuoted(t *testing.T) {
	for in, want := range map[string]string{"": "", "a b": "'a b'", "it's": `'it'\''s'`, "$HOME": "'$HOME'", "fe80::1%eth0": "fe80::1%eth0"} {
		if got := string(appendShellQuoted(nil, in)); got != want {
			t.Errorf("appendShellQuoted(%q) = %s; want %s", in, got, want)
		}
	}
}

func TestInfoAppendShell(t *testing.T) {
	got := string(Describe(MustParsePrefix("2001:db8::1/127")).AppendShell(nil))
	for _, line := range []string{"ADDRESS=2001:db8::1\n", "PREFIX=127\n", "BROADCAST=\n", "MINADDR=2001:db8::\n",
		"MAXADDR=2001:db8::1\n", "ADDRSPACE=Documentation\n", "ADDRESSES=2\n", "VERSION=6\n", "GLOBALLY_REACHABLE=false\n"} {
		if !strings.Contains(got, line) {
			t.Errorf("AppendShell() = %q; want a line %q", got, line)
		}
	}
}
