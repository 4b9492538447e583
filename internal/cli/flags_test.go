package cli

import (
	"bytes"
	"strings"
	"testing"

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
