package main

// The README example test: every console example in README.md and
// docs/**/*.md is run and its output compared with what the page shows.
// The syntax it recognises is described in docs/examples/README.md; in short:
//
//	<!-- example: skip REASON -->      (optional, the line(s) just before the fence)
//	<!-- example: env NAME=VALUE... -->
//	```console
//	$ netcalc cidr 10.0.0.1/8          a command, run by sh -c in a copy of docs/examples
//	...expected output...               standard output and standard error, interleaved
//	[exit 2]                            the exit status when it is not 0
//	```
//
// A fenced block is an example when its first line starts with "$ ".

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/diff"
)

// repoRoot is the repository root as seen from this package's directory.
const repoRoot = "../.."

// examplesDir holds the input files of the examples; each example block
// runs in a fresh copy of it.
const examplesDir = "docs/examples"

// exampleTimeout bounds one command of an example.
const exampleTimeout = 2 * time.Minute

// An exampleBlock is one fenced console block of a Markdown file.
type exampleBlock struct {
	File string // relative to the repository root
	Line int    // line of the opening fence, 1-based
	Skip string // the reason from <!-- example: skip REASON -->, or ""
	Env  []string
	// DNS is set by <!-- example: dnsmasq -->: the block needs the dnsmasq of
	// docs/examples/dnsmasq.conf answering on dnsmasqAddr.
	DNS  bool
	Cmds []exampleCmd
}

// An exampleCmd is one "$ " line and the output shown under it.
type exampleCmd struct {
	Line int      // line of the "$ " line
	Text string   // the shell command, continuation lines joined with "\n"
	Want []string // the expected output lines, "..." standing for any lines
	Exit int      // the expected exit status, from "[exit N]"
}

var (
	directiveRE = regexp.MustCompile(`^<!-- example: (.*?) -->$`)
	exitRE      = regexp.MustCompile(`^\[exit (\d+)\]$`)
	envVarRE    = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=\S*$`)
)

// parseExamples returns the example blocks of one Markdown file, or the
// errors found in its example syntax (a directive that precedes no
// example, an unknown directive, a block with "$ " lines that does not
// start with one).
func parseExamples(file string, src []byte) ([]exampleBlock, []error) {
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	var blocks []exampleBlock
	var errs []error
	used := map[int]bool{} // directive lines attached to a block
	for i := 0; i < len(lines); i++ {
		fence, ok := openingFence(lines[i])
		if !ok {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && !closesFence(lines[i], fence); i++ {
			body = append(body, lines[i])
		}
		isExample := len(body) > 0 && strings.HasPrefix(body[0], "$ ")
		if !isExample {
			for k, l := range body {
				if strings.HasPrefix(l, "$ ") {
					errs = append(errs, fmt.Errorf("%s:%d: a \"$ \" line inside a block that does not start with one; an example block starts with its first command", file, start+2+k))
					break
				}
			}
			continue
		}
		b := exampleBlock{File: file, Line: start + 1}
		// Directives: the comment lines right above the fence (blank lines between allowed).
		j := start - 1
		for j >= 0 && strings.TrimSpace(lines[j]) == "" {
			j--
		}
		for ; j >= 0; j-- {
			m := directiveRE.FindStringSubmatch(strings.TrimSpace(lines[j]))
			if m == nil {
				break
			}
			used[j] = true
			verb, arg, _ := strings.Cut(strings.TrimSpace(m[1]), " ")
			arg = strings.TrimSpace(arg)
			switch verb {
			case "skip":
				if arg == "" {
					errs = append(errs, fmt.Errorf("%s:%d: <!-- example: skip --> needs a reason", file, j+1))
				}
				b.Skip = arg
			case "env":
				for _, kv := range strings.Fields(arg) {
					if !envVarRE.MatchString(kv) {
						errs = append(errs, fmt.Errorf("%s:%d: example env %q: want NAME=VALUE", file, j+1, kv))
					}
					b.Env = append(b.Env, kv)
				}
			case "dnsmasq":
				b.DNS = true
			default:
				errs = append(errs, fmt.Errorf("%s:%d: unknown example directive %q: want skip REASON, env NAME=VALUE or dnsmasq", file, j+1, verb))
			}
		}
		b.Cmds = parseCommands(body, start+2)
		blocks = append(blocks, b)
	}
	for i, l := range lines {
		if directiveRE.MatchString(strings.TrimSpace(l)) && !used[i] {
			errs = append(errs, fmt.Errorf("%s:%d: example directive not followed by an example block", file, i+1))
		}
	}
	return blocks, errs
}

type fenceMark struct {
	char byte
	n    int
}

// openingFence reports whether line opens a fenced code block (``` or ~~~,
// at most three spaces of indentation).
func openingFence(line string) (fenceMark, bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return fenceMark{}, false
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || (t[0] == '`' && strings.Contains(t[n:], "`")) {
		return fenceMark{}, false
	}
	return fenceMark{t[0], n}, true
}

func closesFence(line string, f fenceMark) bool {
	t := strings.TrimSpace(line)
	return len(t) >= f.n && strings.Trim(t, string(f.char)) == "" && len(line)-len(strings.TrimLeft(line, " ")) <= 3
}

// parseCommands splits an example block's body (whose first line is at
// line first of the file) into commands and their expected output.
func parseCommands(body []string, first int) []exampleCmd {
	var cmds []exampleCmd
	for i := 0; i < len(body); {
		c := exampleCmd{Line: first + i, Text: strings.TrimPrefix(body[i], "$ ")}
		i++
		for strings.HasSuffix(c.Text, `\`) && i < len(body) {
			c.Text += "\n" + strings.TrimPrefix(body[i], "> ")
			i++
		}
		for i < len(body) && !strings.HasPrefix(body[i], "$ ") {
			c.Want = append(c.Want, body[i])
			i++
		}
		c.Want = trimBlank(c.Want)
		if n := len(c.Want); n > 0 {
			if m := exitRE.FindStringSubmatch(c.Want[n-1]); m != nil {
				c.Exit, _ = strconv.Atoi(m[1])
				c.Want = trimBlank(c.Want[:n-1])
			}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// matchLines reports whether got matches want, where a want line "..."
// matches any number of lines (also none) and every other line must be
// equal byte for byte.
func matchLines(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "..." {
		for k := 0; k <= len(got); k++ {
			if matchLines(want[1:], got[k:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && want[0] == got[0] && matchLines(want[1:], got[1:])
}

// exampleEnv is the environment of every example command: PATH with the
// netcalc under test first and the Go toolchain's variables, nothing else
// from the caller (no RES_OPTIONS, LOCALDOMAIN, NETCALC_*), a fixed
// locale and time zone, and colour off.
func exampleEnv(extra []string) []string {
	env := []string{"LC_ALL=C.UTF-8", "TZ=UTC", "NO_COLOR=1", "TERM=dumb"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GOCACHE", "GOPATH", "GOMODCACHE", "GOROOT", "GOFLAGS", "GOPROXY", "GOTOOLCHAIN"} {
		if v, ok := os.LookupEnv(k); ok {
			if k == "PATH" && plainNetcalcDir != "" {
				v = plainNetcalcDir + string(os.PathListSeparator) + v
			}
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// runCommand runs one example command with sh in dir and returns its
// standard output and standard error as one stream, and its exit status.
func runCommand(dir string, env []string, text string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), exampleTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", text)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe: the order the program wrote in
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.Bytes(), -1, fmt.Errorf("still running after %v", exampleTimeout)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return out.Bytes(), ee.ExitCode(), nil
	}
	return out.Bytes(), 0, err
}

// checkCommand runs c in dir and returns a report of how its output or
// exit status differs from the example, or "" when they agree.
func checkCommand(b exampleBlock, c exampleCmd, dir string) string {
	out, code, err := runCommand(dir, exampleEnv(b.Env), c.Text)
	if err != nil {
		return fmt.Sprintf("%s:%d: $ %s\n%v", b.File, c.Line, c.Text, err)
	}
	got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(out) == 0 || strings.TrimRight(string(out), "\n") == "" {
		got = nil
	}
	if code == c.Exit && matchLines(c.Want, got) {
		return ""
	}
	show := func(lines []string, code int) []byte {
		s := strings.Join(lines, "\n")
		if len(lines) > 0 {
			s += "\n"
		}
		if code != 0 {
			s += fmt.Sprintf("[exit %d]\n", code)
		}
		return []byte(s)
	}
	where := fmt.Sprintf("%s:%d", b.File, c.Line)
	return fmt.Sprintf("%s: $ %s\n%s%s", where, c.Text,
		diff.Diff(where+" (shown)", show(c.Want, c.Exit), "netcalc (got)", show(got, code)), exampleHint(string(out), code, c.Exit))
}

// exampleHint names the likely cause of a common kind of mismatch.
func exampleHint(out string, code, want int) string {
	switch {
	case code == 127:
		return "hint: a program is missing; if a fresh machine lacks it too, mark the block <!-- example: skip needs PROGRAM -->\n"
	case strings.Contains(strings.ToLower(out), "no such file"):
		return "hint: the examples run in a copy of " + examplesDir + "; put the input file there (or a link to it) and name it without a directory\n"
	case code != want && want == 0:
		return fmt.Sprintf("hint: the command exits %d; write [exit %d] as the last line of its output\n", code, code)
	}
	return ""
}

// copyTree copies the directory src to dst, following symbolic links, so
// that examples may write files without touching the repository.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		fi, err := os.Stat(path) // follows links
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, fi.Mode().Perm())
	})
}

// exampleFiles lists README.md and every docs/**/*.md except the generated
// reference pages (docs/reference), relative to the repository root.
func exampleFiles(t *testing.T) []string {
	files := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() && rel == "docs/reference" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	slices.Sort(files[1:])
	return files
}

// netcalcOnPath checks that the netcalc that sh will find is the one this
// test binary put first on PATH (testscript.Main in main_test.go), not an
// installed one.
func netcalcOnPath(t *testing.T) {
	t.Helper()
	p, err := exec.LookPath("netcalc")
	if err != nil {
		t.Fatalf("netcalc is not on PATH: %v (testscript.Main should have put this test binary there)", err)
	}
	first, _, _ := strings.Cut(os.Getenv("PATH"), string(os.PathListSeparator))
	if filepath.Dir(p) != first {
		t.Fatalf("netcalc on PATH is %s, not the test binary in %s", p, first)
	}
}

// plainNetcalcDir, when set, holds a netcalc built without -race that the
// examples run instead of this test binary (see buildPlainNetcalc).
var plainNetcalcDir string

// buildPlainNetcalc builds netcalc without the race detector for the
// examples when this test binary has it: the examples check what a user
// sees, and a few of them (100,000 NAT flows, 30,000 kube-proxy
// connections) take minutes under -race, which the CLI's own tests
// (TestScript, internal/cli) already run. Without a go command the test
// binary is used as before.
func buildPlainNetcalc(t *testing.T) {
	if !raceEnabled {
		return
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Logf("no go command on PATH: the examples run the race-enabled test binary")
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(goCmd, "build", "-o", filepath.Join(dir, "netcalc"), ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("building netcalc without -race failed, the examples run the race-enabled test binary: %v\n%s", err, out)
		return
	}
	plainNetcalcDir = dir
	t.Cleanup(func() { plainNetcalcDir = "" })
}

// TestReadmeExamples runs every console example of README.md and docs/
// and compares the output with the page byte for byte.
func TestReadmeExamples(t *testing.T) {
	netcalcOnPath(t)
	buildPlainNetcalc(t)
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh on PATH: the examples are shell command lines")
	}
	type tally struct{ run, pass, fail, skip int }
	total := map[string]*tally{}
	skips := map[string]int{}
	files := exampleFiles(t)
	for _, file := range files {
		src, err := os.ReadFile(filepath.Join(repoRoot, file))
		if err != nil {
			t.Fatal(err)
		}
		blocks, errs := parseExamples(file, src)
		for _, err := range errs {
			t.Error(err)
		}
		n := &tally{}
		total[file] = n
		for _, b := range blocks {
			name := fmt.Sprintf("%s:%d", file, b.Line)
			ran := false // false when -run leaves the block out
			if b.Skip != "" {
				t.Run(name, func(t *testing.T) { ran = true; t.Skip(b.Skip) })
				if ran {
					n.skip++
					skips[b.Skip]++
				}
				continue
			}
			skipped := false
			ok := t.Run(name, func(t *testing.T) {
				ran = true
				defer func() { skipped = t.Skipped() }()
				dir := filepath.Join(t.TempDir(), "examples")
				if err := copyTree(filepath.Join(repoRoot, examplesDir), dir); err != nil {
					t.Fatalf("copying %s: %v", examplesDir, err)
				}
				if b.DNS {
					if reason := startDnsmasq(t, dir); reason != "" {
						skips[reason]++ // counted here: the reason is known only now
						t.Skip(reason)
					}
				}
				for _, c := range b.Cmds {
					if report := checkCommand(b, c, dir); report != "" {
						t.Error(report)
					}
				}
			})
			switch {
			case !ran:
			case skipped:
				n.skip++
			case ok:
				n.run++
				n.pass++
			default:
				n.run++
				n.fail++
			}
		}
	}
	for _, file := range files {
		n := total[file]
		t.Logf("%s: %d example blocks: %d passed, %d failed, %d skipped", file, n.run+n.skip, n.pass, n.fail, n.skip)
	}
	reasons := make([]string, 0, len(skips))
	for r := range skips {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		t.Logf("skipped %d: %s", skips[r], r)
	}
}

// dnsmasqAddr is where docs/examples/dnsmasq.conf makes dnsmasq answer.
const dnsmasqAddr = "127.0.0.1:5399"

// startDnsmasq starts "dnsmasq -k -C dnsmasq.conf" in dir, as the docs tell
// the reader to, waits until it accepts connections on dnsmasqAddr and stops
// it when the test ends. It returns a skip reason when that cannot be done:
// no dnsmasq installed, or the port taken (by another run of this test, or a
// dnsmasq the reader started).
func startDnsmasq(t *testing.T, dir string) string {
	t.Helper()
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		return "needs dnsmasq (apt-get install dnsmasq-base)"
	}
	if c, err := net.DialTimeout("tcp", dnsmasqAddr, time.Second); err == nil {
		c.Close()
		return "needs " + dnsmasqAddr + " free for the examples' dnsmasq; something already listens there"
	}
	cmd := exec.Command(bin, "-k", "-C", "dnsmasq.conf")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dnsmasq: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Sprintf("the examples' dnsmasq did not start (%v): %s", err, strings.TrimSpace(stderr.String()))
		default:
		}
		if c, err := net.DialTimeout("tcp", dnsmasqAddr, 100*time.Millisecond); err == nil {
			c.Close()
			return ""
		}
		if time.Now().After(deadline) {
			t.Fatalf("dnsmasq -C dnsmasq.conf: not answering on %s after 10s: %s", dnsmasqAddr, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
