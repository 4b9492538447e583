package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestCalcVerbsArgs checks that the calculator verbs read a negative
// index after "--" and a hexadecimal count as the user wrote them.
func TestCalcVerbsArgs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"nth", "--prefix", "/26", "--", "-1", "198.51.100.0/24"}, "198.51.100.192/26\n"},
		{[]string{"-o", "json", "sub", "0x10", "10.0.0.1", "10.0.0.2"}, `{"address":"10.0.0.1","add":"-16","result":"9.255.255.241"}
{"address":"10.0.0.2","add":"-16","result":"9.255.255.242"}
`},
	} {
		stdout, stderr, code := runCLI(t, "", tt.args...)
		if stdout != tt.want || code != 0 {
			t.Errorf("netcalc %s: exit %d, stdout %q, stderr %q; want %q", strings.Join(tt.args, " "), code, stdout, stderr, tt.want)
		}
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
