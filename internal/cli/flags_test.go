package cli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestAliasFlag(t *testing.T) {
	var stderr bytes.Buffer
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &stderr, nil)
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var s string
	var b bool
	fs.StringVar(&s, "hosts-file", "/etc/hosts", "")
	fs.BoolVar(&b, "usable", false, "")
	aliasFlag(env, fs, "hosts", "hosts-file")
	aliasFlag(env, fs, "hosts-switch", "usable")
	if err := fs.Parse([]string{"--hosts", "h.txt", "--hosts-switch"}); err != nil {
		t.Fatal(err)
	}
	if s != "h.txt" || !b {
		t.Errorf("values = %q, %v; want h.txt, true", s, b)
	}
	want := "netcalc: warning: --hosts is deprecated: use --hosts-file\nnetcalc: warning: --hosts-switch is deprecated: use --usable\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q; want %q", stderr.String(), want)
	}
	if !fs.Lookup("hosts").Hidden {
		t.Error("the old spelling is not hidden")
	}
}

func TestQuoteToken(t *testing.T) {
	long := strings.Repeat("1", 3000000)
	got := quoteToken(long)
	if want := `"` + strings.Repeat("1", 80) + `…"`; got != want {
		t.Errorf("quoteToken(3 MB) = %.100q...; want 80 characters and …", got)
	}
	if got := quoteToken("10.0.0.1/33"); got != `"10.0.0.1/33"` {
		t.Errorf("quoteToken(short) = %s", got)
	}
}

func TestUseArgs(t *testing.T) {
	tests := []struct{ use, want string }{
		{"split PREFIX (--prefix N | --subnets N | --hosts N)", "PREFIX"},
		{"simulate [SCENARIO.yaml | --preset NAME --flows N]", "[SCENARIO.yaml]"},
		{"arp TARGET... | --scan PREFIX", "TARGET..."},
		{"resolve NAME... [-t TYPE]... | --file FILE", "NAME..."},
		{"trace FILE --src IP[:PORT] --dst IP:PORT", "FILE"},
		{"cidr [ADDRESS[/LEN|/MASK] [MASK]]...", "[ADDRESS[/LEN|/MASK] [MASK]]..."},
		{"chain-name NAMESPACE/NAME[:PORT] PROTOCOL [ENDPOINT-IP:PORT]", "NAMESPACE/NAME[:PORT] PROTOCOL [ENDPOINT-IP:PORT]"},
		{"version", ""},
	}
	for _, tt := range tests {
		if got := useArgs(tt.use); got != tt.want {
			t.Errorf("useArgs(%q) = %q; want %q", tt.use, got, tt.want)
		}
	}
}

func TestArgsError(t *testing.T) {
	cmd := &cobra.Command{Use: "vlsm PARENT HOSTS..."}
	tests := []struct {
		name  string
		check cobra.PositionalArgs
		args  []string
		want  string
	}{
		{"none wanted", cobra.NoArgs, []string{"a"}, `'vlsm' takes no arguments; got "a"`},
		{"too many", cobra.ExactArgs(1), []string{"a", "b"}, `'vlsm' takes PARENT HOSTS..., exactly 1 argument; got 2: "b" is one too many`},
		{"too many of a range", cobra.RangeArgs(1, 2), []string{"a", "b", "c", "d"}, `'vlsm' takes PARENT HOSTS..., at most 2 arguments; got 4: "c" "d" are too many`},
		{"too few", cobra.MinimumNArgs(2), []string{"a"}, `'vlsm' takes PARENT HOSTS..., at least 2 arguments; got 1: missing HOSTS...`},
		{"none given", cobra.MinimumNArgs(2), nil, `'vlsm' takes PARENT HOSTS..., at least 2 arguments; got none: missing PARENT HOSTS...`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := argsError(cmd, tt.check, tt.args, tt.check(cmd, tt.args))
			if err == nil || err.Error() != tt.want {
				t.Errorf("argsError(%q) = %v; want %s", tt.args, err, tt.want)
			}
		})
	}
}

func TestFieldWriter(t *testing.T) {
	var out bytes.Buffer
	fw := newFieldWriter(nopFlusher{&out}, []string{"a", "b.c", "n", "list"}, "netcalc x")
	// written in pieces, as a buffered encoder may
	for _, p := range []string{`{"a":"x y","b":{"c":[1,{"d":true}]},`, `"n":null,"list":["p","q"]}` + "\n", `{"input":"z","error":"bad"}` + "\n"} {
		if _, err := fw.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.finish(); err != nil {
		t.Fatal(err)
	}
	if want := "x y\n1\n{\"d\":true}\n\np\nq\n"; out.String() != want {
		t.Errorf("output = %q; want %q", out.String(), want)
	}
}

func TestSetOutput(t *testing.T) {
	shell := &cobra.Command{Use: "cidr", Annotations: map[string]string{outputAnnotation: "text,json,shell"}}
	plain := &cobra.Command{Use: "split"}
	tests := []struct {
		cmd     *cobra.Command
		in      string
		want    string
		wantErr string
	}{
		{shell, "SHELL", "shell", ""},
		{plain, "Json", "json", ""},
		{plain, "shell", "", "-o/--output: split prints text or json, not shell"},
		{shell, "yaml", "", `-o/--output: "yaml" is not an output format, want text, json or shell`},
	}
	for _, tt := range tests {
		env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
		env.Output = tt.in
		err := setOutput(env, tt.cmd)
		switch {
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("-o %s on %s: error %v; want %s", tt.in, tt.cmd.Use, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || env.Output != tt.want):
			t.Errorf("-o %s on %s: %q, %v; want %q", tt.in, tt.cmd.Use, env.Output, err, tt.want)
		}
	}
}

func TestFieldWriterUnknown(t *testing.T) {
	var out bytes.Buffer
	fw := newFieldWriter(nopFlusher{&out}, []string{"a", "nope"}, "netcalc x")
	if _, err := fw.Write([]byte("{\"a\":1,\"b\":2}\n{\"a\":3,\"c\":4}\n")); err != nil {
		t.Fatal(err)
	}
	err := fw.finish()
	want := `--field "nope": no record of netcalc x has that field; the records have a, b, c`
	if err == nil || err.Error() != want || ExitCode(err, true) != ExitUsage {
		t.Errorf("finish() = %v; want exit 2 and %s", err, want)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q before finding the field was unknown; want nothing", out.String())
	}
}

// TestEveryCommandWordsItsArgs runs every command's argument check with far
// too many and with no arguments: whatever fails must say so in words,
// never in cobra's "accepts 1 arg(s), received 2".
func TestEveryCommandWordsItsArgs(t *testing.T) {
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	root, _ := newRootCmd(env)
	many := strings.Fields(strings.Repeat("x ", 40))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Args == nil {
			return
		}
		for _, args := range [][]string{many, nil} {
			err := c.Args(c, args)
			if err == nil {
				continue
			}
			msg := err.Error()
			if goInternal(msg) || strings.Contains(msg, "received") || strings.Contains(msg, "requires at least") {
				t.Errorf("%s with %d arguments: %q", c.CommandPath(), len(args), msg)
			}
			if ExitCode(err, false) != ExitUsage || !isUsage(err) {
				t.Errorf("%s with %d arguments: not a usage error: %v", c.CommandPath(), len(args), err)
			}
		}
	}
	walk(root)
}

// TestStartupTables checks the test that replaced init-time work (the
// regexp ^-[0-9.]) gives what it gave; netcalc's TestDecimalTable checks
// the decimal table that list's output uses.
func TestStartupTables(t *testing.T) {
	re := regexp.MustCompile(`^-[0-9.]`)
	for _, s := range []string{"", "-", "-1", "-.5", "--x", "-x", "1", "-9", "-/", "-:", ".5", "- 1"} {
		if got, want := negativeNumber(s), re.MatchString(s); got != want {
			t.Errorf("negativeNumber(%q) = %v, regexp says %v", s, got, want)
		}
	}
}
