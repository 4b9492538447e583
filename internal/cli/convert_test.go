package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCalcVerbsRunF checks that each calculator verb fills its options from
// the command line and hands them to runF (the R13 seam).
func TestCalcVerbsRunF(t *testing.T) {
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	var got *nthOptions
	cmd := newNthCmd(env, func(o *nthOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--prefix", "/26", "--", "-1", "198.51.100.0/24"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := &nthOptions{Index: "-1", Prefix: "/26", Args: []string{"198.51.100.0/24"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nth options (-want +got):\n%s", diff)
	}
	var add *addOptions
	cmd = newAddCmd(env, "sub", func(o *addOptions) error { add = o; return nil })
	cmd.SetArgs([]string{"0x10", "10.0.0.1", "10.0.0.2"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&addOptions{Verb: "sub", N: "0x10", Args: []string{"10.0.0.1", "10.0.0.2"}}, add); diff != "" {
		t.Errorf("sub options (-want +got):\n%s", diff)
	}
}

// TestEachCalcTerminalStdin: with no argument and a terminal on standard
// input, a calculator verb is a usage error instead of waiting.
func TestEachCalcTerminalStdin(t *testing.T) {
	var out, errb bytes.Buffer
	env := NewEnv(strings.NewReader("10.0.0.1\n"), &out, &errb, nil)
	env.StdinTTY = true
	code := Run(context.Background(), env, []string{"add", "1"})
	if code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), "netcalc: no input: give an address, or pipe one per line; run 'netcalc add --help' for usage") {
		t.Fatalf("add 1 on a terminal: exit %d, stdout %q, stderr %q; want exit 2 and a usage error", code, out.String(), errb.String())
	}
}

// TestEachCalcJSONErrors: in -o json every bad input line is a JSON object
// on stdout with its line number, in order with the good ones.
func TestEachCalcJSONErrors(t *testing.T) {
	stdout, stderr, code := runCLI(t, "10.0.0.1\n\n# c\n255.255.255.255\n", "-o", "json", "add", "1")
	want := `{"address":"10.0.0.1","add":"1","result":"10.0.0.2"}
{"input":"255.255.255.255","line":4,"error":"\"255.255.255.255\": adding 1 goes past 255.255.255.255, the last IPv4 address"}
`
	if stdout != want || code != 2 {
		t.Fatalf("stdout:\n%s\nexit %d; want\n%sexit 2", stdout, code, want)
	}
	if stderr != "netcalc: line 4: \"255.255.255.255\": adding 1 goes past 255.255.255.255, the last IPv4 address\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestParseBig(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"5", "5"}, {"-5", "-5"}, {"+5", "5"}, {"0x10", "16"}, {"-0X10", "-16"},
		{"340282366920938463463374607431768211456", "340282366920938463463374607431768211456"},
		{"", ""}, {"-", ""}, {"0x", ""}, {"--5", ""}, {"-+5", ""}, {"+-5", ""}, {"0x-5", ""}, {"1e3", ""}, {"five", ""},
	}
	for _, tt := range tests {
		n, err := parseBig(tt.in, "N")
		got := ""
		if err == nil {
			got = n.String()
		}
		if got != tt.want {
			t.Errorf("parseBig(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
