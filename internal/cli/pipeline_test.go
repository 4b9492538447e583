package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc"
)

// longLine is a 3 MB line, far past netcalc.MaxListLine and past the
// 1 MB bufio.Scanner buffer the readers used before.
var longLine = strings.Repeat("1", 3_000_000)

// TestLongLine: a line longer than netcalc.MaxListLine is bad input on
// every list reader (exit 2, its line number and the limit, the lines
// around it still read), never "bufio.Scanner: token too long" (exit 1).
func TestLongLine(t *testing.T) {
	in := "10.0.0.1\n" + longLine + "\n10.0.0.2\n"
	for _, args := range [][]string{
		{"list"}, {"range"}, {"contains", "10.0.0.0/8"}, {"overlaps"}, {"supernet"},
		{"merge"}, {"intersect", "-", "10.0.0.0/8"}, {"cidr"},
		{"list", "-"}, {"merge", "--file", "-"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runCLI(t, in, args...)
			if code != ExitUsage {
				t.Errorf("exit status %d; want 2", code)
			}
			if !strings.Contains(stderr, "netcalc: line 2: longer than 65536 bytes\n") {
				t.Errorf("stderr = %.300q; want line 2: longer than 65536 bytes", stderr)
			}
			if strings.Contains(stderr, "bufio") || len(stderr) > 300 {
				t.Errorf("stderr = %.300q (%d bytes); want no Go internals and a short message", stderr, len(stderr))
			}
			// the streaming commands go on after the long line
			if args[0] == "list" && stdout != "10.0.0.1\n10.0.0.2\n" {
				t.Errorf("stdout = %q; want both addresses around the long line", stdout)
			}
		})
	}
}

// TestLongLineJSON: in -o json the long line is an {"input","line","error"}
// object in its place on standard output, its input cut to 80 characters.
func TestLongLineJSON(t *testing.T) {
	in := "10.0.0.1\n" + longLine + "\n10.0.0.2\n"
	want := `{"input":"` + strings.Repeat("1", 80) + `…","line":2,"error":"longer than 65536 bytes"}` + "\n"
	for _, tt := range []struct {
		args   []string
		stdout string
	}{
		{[]string{"-o", "json", "list"}, `{"address":"10.0.0.1"}` + "\n" + want + `{"address":"10.0.0.2"}` + "\n"},
		{[]string{"-o", "json", "merge"}, want},
		{[]string{"-o", "json", "supernet"}, want},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, _, code := runCLI(t, in, tt.args...)
			if code != ExitUsage || stdout != tt.stdout {
				t.Errorf("exit %d, stdout\n%s\nwant exit 2, stdout\n%s", code, stdout, tt.stdout)
			}
		})
	}
	// cidr's parallel reader too, in order
	stdout, _, code := runCLI(t, in, "-o", "json", "cidr")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != ExitUsage || len(lines) != 3 || lines[1]+"\n" != want {
		t.Errorf("cidr -o json: exit %d, lines %q; want exit 2 and the error object second", code, lines)
	}
}

// TestLongToken: a bad token under the line limit is quoted cut to 80
// characters, not echoed whole.
func TestLongToken(t *testing.T) {
	tok := strings.Repeat("z", 60_000)
	for _, args := range [][]string{
		{"list"}, {"contains", "10.0.0.0/8"}, {"merge"}, {"list", tok}, {"merge", "10.0.0.0/8", "--exclude", tok},
		{"split", tok, "--prefix", "3"}, {"split", "10.0.0.0/8", "--subnets", tok},
		{"vlsm", "10.0.0.0/8", "--max-prefix", tok, "4"}, {"vlsm", "10.0.0.0/8", "web=" + tok},
	} {
		_, stderr, code := runCLI(t, tok+"\n", args...)
		if code != ExitUsage || len(stderr) > 300 || !strings.Contains(stderr, strings.Repeat("z", 80)+`…"`) {
			t.Errorf("%s: exit %d, stderr %.300q (%d bytes); want exit 2 and the token cut to 80 characters", args[0], code, stderr, len(stderr))
		}
	}
}

// TestEachLineLong: EachLine (used by resolve --file) stops at a long line
// with a bad-input error naming the line and the limit.
func TestEachLineLong(t *testing.T) {
	var got []string
	err := EachLine(strings.NewReader("a\n"+longLine+"\nb\n"), "names.txt", true, func(in Input) error {
		got = append(got, in.Text)
		return nil
	})
	if err == nil || err.Error() != "names.txt:2: longer than 65536 bytes" || ExitCode(err, true) != ExitUsage {
		t.Errorf("EachLine error = %v; want names.txt:2: longer than 65536 bytes, exit 2", err)
	}
	if len(got) != 1 || got[0] != "a" {
		t.Errorf("EachLine lines = %q; want [a]", got)
	}
	if !errors.Is(err, netcalc.ErrLineTooLong) {
		t.Errorf("EachLine error %v does not wrap netcalc.ErrLineTooLong", err)
	}
}

// TestDirectoryList: a directory as a list is bad input (exit 2) with one
// plain message, whether named or redirected to standard input.
func TestDirectoryList(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"list", "@" + dir}, {"range", "--file", dir}, {"contains", "@" + dir, "10.0.0.1"},
		{"contains", "10.0.0.0/8", "@" + dir}, {"overlaps", "@" + dir}, {"supernet", "--file", dir},
		{"merge", dir}, {"intersect", "@" + dir, "10.0.0.0/8"},
	} {
		_, stderr, code := runCLI(t, "", args...)
		if code != ExitUsage || !strings.HasPrefix(stderr, "netcalc: "+dir+": is a directory, want a list file\n") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2, %s: is a directory, want a list file", args, code, stderr, dir)
		}
	}
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, cmd := range []string{"list", "merge", "cidr", "supernet"} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), NewEnv(f, &out, &errb, nil), []string{cmd})
		if code != ExitUsage || !strings.HasPrefix(errb.String(), "netcalc: stdin: is a directory, want a list file\n") {
			t.Errorf("%s < DIR: exit %d, stderr %q; want exit 2, stdin: is a directory, want a list file", cmd, code, errb.String())
		}
	}
}

// TestEmptyInput: a question about nothing is bad input (exit 2, "no
// input"); a transformation of nothing prints nothing (exit 0).
func TestEmptyInput(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("# nothing yet\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"contains", "10.0.0.0/8"}, 2, `netcalc: no input: contains wants at least one address, prefix or range to look for in "10.0.0.0/8"` + "\n"},
		{[]string{"contains", "10.0.0.0/8", "@" + empty}, 2, "netcalc: no input: contains wants"},
		{[]string{"overlaps"}, 2, "netcalc: no input: overlaps wants at least two prefixes or ranges to compare\n"},
		{[]string{"supernet", "--file", empty}, 2, "netcalc: no input: supernet wants at least one prefix, address or range\n"},
		{[]string{"intersect", "-", "10.0.0.0/8"}, 2, "netcalc: no input: standard input has no entries; intersect wants at least one address, prefix or range in each list\n"},
		{[]string{"intersect", "10.0.0.0/8", "@" + empty}, 2, "netcalc: no input: "},
		{[]string{"list"}, 0, ""},
		{[]string{"range", "@" + empty}, 0, ""},
		{[]string{"merge"}, 0, ""},
		{[]string{"merge", "--file", empty}, 0, ""},
		{[]string{"-o", "json", "list"}, 0, ""},
	} {
		stdout, stderr, code := runCLI(t, "# only a comment\n\n", tt.args...)
		if code != tt.code || !strings.HasPrefix(stderr, tt.msg) || (tt.msg == "" && stderr != "") {
			t.Errorf("%q on empty input: exit %d, stderr %q; want exit %d, stderr starting %q", tt.args, code, stderr, tt.code, tt.msg)
		}
		if tt.code == 0 && stdout != "" {
			t.Errorf("%q on empty input: stdout %q; want nothing", tt.args, stdout)
		}
	}
}

// noRead fails the test when a command reads standard input.
type noRead struct{ t *testing.T }

func (r noRead) Read([]byte) (int, error) {
	r.t.Errorf("standard input read although it is a terminal and no argument was given")
	return 0, io.EOF
}

// TestStdinTerminal: with no argument and standard input a terminal, a
// list command is a usage error naming its help, instead of waiting.
func TestStdinTerminal(t *testing.T) {
	for _, cmd := range []string{"list", "range", "overlaps", "supernet", "merge"} {
		var out, errb bytes.Buffer
		env := NewEnv(noRead{t}, &out, &errb, nil)
		env.StdinTTY = true
		code := Run(context.Background(), env, []string{cmd})
		if code != ExitUsage || !strings.HasPrefix(errb.String(), "netcalc: no input: give ") ||
			!strings.HasSuffix(errb.String(), "netcalc: run 'netcalc "+cmd+" --help' for usage\n") {
			t.Errorf("%s on a terminal: exit %d, stderr %q; want exit 2, no input, and the command's --help", cmd, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	env := NewEnv(noRead{t}, &out, &errb, nil)
	env.StdinTTY = true
	if code := Run(context.Background(), env, []string{"contains", "10.0.0.0/8"}); code != ExitUsage {
		t.Errorf("contains 10.0.0.0/8 on a terminal: exit %d; want 2", code)
	}
	// arguments: standard input is not read, terminal or not
	out.Reset()
	env = NewEnv(noRead{t}, &out, &errb, nil)
	env.StdinTTY = true
	if code := Run(context.Background(), env, []string{"list", "10.0.0.0/31"}); code != 0 || out.String() != "10.0.0.0\n10.0.0.1\n" {
		t.Errorf("list 10.0.0.0/31 on a terminal: exit %d, stdout %q", code, out.String())
	}
}
