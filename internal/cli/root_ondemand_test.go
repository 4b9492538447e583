package cli

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestRegistryNames checks registry in root.go: each entry's names are
// the name and aliases of the command its constructor makes (a wrong name
// only makes netcalc slower, as onDemand then builds the whole tree, so
// nothing else would notice), and every function of the package that
// makes a command from an *Env is used somewhere, by registry or by a
// parent command: a new command missing from registry fails here.
func TestRegistryNames(t *testing.T) {
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	for _, r := range registry {
		c := r.newCmd(env)
		if got := strings.Join(append([]string{c.Name()}, c.Aliases...), " "); got != r.names {
			t.Errorf("registry in internal/cli/root.go names %q, but the command its constructor makes is %q", r.names, got)
		}
	}

	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	makers := map[string]bool{} // func(env *Env, ...) *cobra.Command, by name
	used := map[string]bool{}   // names used outside their own declaration
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Type.Results == nil || len(fd.Type.Results.List) != 1 || fd.Type.Params.NumFields() == 0 {
				continue
			}
			if types.ExprString(fd.Type.Results.List[0].Type) == "*cobra.Command" &&
				types.ExprString(fd.Type.Params.List[0].Type) == "*Env" {
				makers[fd.Name.Name] = true
			}
		}
	}
	for _, f := range parsed {
		for _, d := range f.Decls {
			self := ""
			if fd, ok := d.(*ast.FuncDecl); ok {
				self = fd.Name.Name
			}
			ast.Inspect(d, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && id.Name != self {
					used[id.Name] = true
				}
				return true
			})
		}
	}
	if len(makers) < len(registry) {
		t.Fatalf("found %d command constructors, fewer than registry's %d entries", len(makers), len(registry))
	}
	for name := range makers {
		if !used[name] {
			t.Errorf("%s makes a command but nothing uses it: add it to registry in internal/cli/root.go (and to commandGroups)", name)
		}
	}
}

// wholeTreeRun runs args as Run did before commands were built on demand:
// the whole tree, whatever the command line.
func wholeTreeRun(env *Env, args []string) int {
	root, started := newRootCmd(env)
	return execute(context.Background(), env, root, started, implicitCidr(root, args))
}

// TestOnDemandSameAsWholeTree runs command lines both ways, the tree built
// for the one command and the whole tree, and wants the same standard
// output, standard error and exit status: every command and subcommand
// with a bad flag and a bad -o (their errors name flags and commands and
// suggest spellings), and lines that run, fail or go to the implicit cidr.
func TestOnDemandSameAsWholeTree(t *testing.T) {
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	root, _ := newRootCmd(env)
	var lines [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if len(path) > 0 {
			lines = append(lines,
				append(slices.Clone(path), "--no-such-flag"),
				append(slices.Clone(path), "--outptu", "json"),
				append(slices.Clone(path), "-o", "nope"),
				append(slices.Clone(path), "-o", "shell", "x"),
				append(slices.Clone(path), "--field"),
			)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(slices.Clone(path), sub.Name()))
		}
	}
	walk(root, nil)
	for _, l := range []string{
		"version", "version -o json", "version extra", "version --field go",
		"cidr 192.168.1.10/24", "cidr 10.0.0.1/8 --field network --field broadcast",
		"192.168.1.10/24", "192.168.1.10/24 -o json", "2001:db8::1/64 --field nope", "10.0.0.1/33",
		"192.168.1.10 255.255.255.0", "cidr", "cidr nope", "cidrr 10.0.0.1", "nosuchcommand", "1x",
		"merge 10.0.0.0/25 10.0.0.128/25", "summarize 10.0.0.0/25 10.0.0.128/25 -o json", "aggregate",
		"split 10.0.0.0/22 --prefix 24 -o json", "split 10.0.0.0/22", "add 10.0.0.1 5", "sub 10.0.0.1 300",
		"list 10.0.0.0/30", "range 10.0.0.1-10.0.0.9", "supernet 10.0.0.0/24 10.0.1.0/24", "vlsm 10.0.0.0/24 50 20",
		"link nope", "link", "k8s", "k8s nope", "k8s plan --nodes x", "topo", "topo nope", "nat", "kube-proxy",
		"contains 10.0.0.0/8 10.1.2.3", "overlaps 10.0.0.0/8 10.1.0.0/16", "convert 10.0.0.1",
		"reverse 10.0.0.0/24", "eui64 2001:db8::/64 00:11:22:33:44:55", "nth 10.0.0.0/24 5", "next 10.0.0.0/24",
		"prev 10.0.0.0/24", "distance 10.0.0.1 10.0.0.9", "intersect 10.0.0.0/8 10.1.0.0/16",
		"cidr 10.0.0.1 -- -x", "cidr --help", "help cidr", "",
		"-o json 10.0.0.1", "-o json cidr 10.0.0.1/24", "--field network 10.0.0.1/24", "--field=network cidr 10.0.0.1/24",
		"--no-color split 10.0.0.0/22 --prefix 24", "--no-color=false cidr 10.0.0.1", "-ojson version", "-o=json version",
		"--output=json version", "--output json summarize 10.0.0.0/25 10.0.0.128/25", "-o shell 10.0.0.1/24",
		"-o", "-o json", "--field", "-o json nosuch", "-o json -- cidr 10.0.0.1", "-o -- cidr 10.0.0.1",
		"-v", "--version", "--version cidr", "-o json --version", "-x cidr 10.0.0.1", "--bogus cidr 10.0.0.1",
		"-o json link nope", "-o json help", "--field x man", "-o json k8s plan --nodes x",
	} {
		lines = append(lines, strings.Fields(l))
	}
	lines = append(lines, []string{"-o", "json", "", "version"}, []string{"", "cidr", "10.0.0.1"}, []string{"cidr", "", "10.0.0.1"})
	lazy := 0
	for _, args := range lines {
		if newCmd, _, _ := onDemand(args); newCmd != nil {
			lazy++
		}
		var out1, err1, out2, err2 bytes.Buffer
		code1 := Run(context.Background(), NewEnv(strings.NewReader(""), &out1, &err1, nil), args)
		code2 := wholeTreeRun(NewEnv(strings.NewReader(""), &out2, &err2, nil), args)
		if code1 != code2 || out1.String() != out2.String() || err1.String() != err2.String() {
			t.Errorf("netcalc %s: built on demand: exit %d, stdout %q, stderr %q; whole tree: exit %d, stdout %q, stderr %q",
				strings.Join(args, " "), code1, out1.String(), err1.String(), code2, out2.String(), err2.String())
		}
	}
	if lazy < len(lines)/2 {
		t.Errorf("only %d of %d command lines were built on demand", lazy, len(lines))
	}
}

// TestOnDemandBuildsOneCommand checks that a command line naming a command
// builds that command alone, and which lines get the whole tree.
func TestOnDemandBuildsOneCommand(t *testing.T) {
	env := NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	for _, tc := range []struct {
		line, want string // want: the one command built, "" for the whole tree
	}{
		{"version", "version"},
		{"cidr 10.0.0.1", "cidr"},
		{"10.0.0.1/24 -o json", "cidr"},
		{"2001:db8::1", "cidr"},
		{"summarize 10.0.0.0/24", "merge"},
		{"link addr", "link"},
		{"k8s dns serve --help", ""},
		{"cidr 10.0.0.1 -h", ""},
		{"split -xh 10.0.0.0/8", ""},
		{"-o json cidr 10.0.0.1", "cidr"},
		{"-o json 10.0.0.1/24", "cidr"},
		{"--field network --no-color -ojson 10.0.0.1/24", "cidr"},
		{"--output=json version", "version"},
		{"-o json -- cidr 10.0.0.1", ""},
		{"-v cidr 10.0.0.1", ""},
		{"--version", ""},
		{"-o json  cidr 10.0.0.1", ""},
		{"-o json help", ""},
		{"help", ""},
		{"completion bash", ""},
		{"man", ""},
		{"serve", ""},
		{"__complete cidr ", ""},
		{"nosuchcommand", ""},
		{"10.0.0.1/33", ""},
		{"", ""},
	} {
		args := strings.Fields(tc.line)
		if tc.line == "" {
			args = []string{""}
		}
		if strings.Contains(tc.line, "  ") {
			args = strings.Split(tc.line, " ")
		}
		root, _, _ := newRootFor(env, args)
		var names []string
		for _, c := range root.Commands() {
			if c.Name() != "help" {
				names = append(names, c.Name())
			}
		}
		if tc.want == "" && len(names) < len(registry) {
			t.Errorf("netcalc %s: built %v; want the whole tree", tc.line, names)
		}
		if tc.want != "" && !slices.Equal(names, []string{tc.want}) {
			t.Errorf("netcalc %s: built %v; want %s alone", tc.line, names, tc.want)
		}
	}
}

// TestInterruptContext checks that the commands that only compute leave
// the signals alone unless they use their context, that the others watch
// them from the start, and that the context, once used, is cancelled by an
// interrupt.
func TestInterruptContext(t *testing.T) {
	for _, tc := range []struct {
		line     string
		watching bool
	}{
		{"cidr 10.0.0.1/24", false}, {"10.0.0.1/24", false}, {"version", false}, {"merge 10.0.0.0/8", false},
		{"split 10.0.0.0/8 --prefix 9", false}, {"summarize 10.0.0.0/8", false},
		{"resolve example.com", true}, {"serve", true}, {"topo up x.yaml", true}, {"link", true},
		{"k8s dns serve", true}, {"nat", true}, {"-o json cidr 10.0.0.1", false}, {"nosuchcommand", true},
	} {
		ctx := newInterruptContext(strings.Fields(tc.line))
		if ctx.watching() != tc.watching {
			t.Errorf("netcalc %s: watching the signals from the start is %v, want %v", tc.line, ctx.watching(), tc.watching)
		}
		ctx.stop()
	}

	ctx := newInterruptContext([]string{"cidr", "10.0.0.1/24"})
	defer ctx.stop()
	var out bytes.Buffer
	if code := Run(ctx, NewEnv(strings.NewReader(""), &out, &bytes.Buffer{}, nil), []string{"cidr", "10.0.0.1/24"}); code != 0 {
		t.Fatalf("netcalc cidr 10.0.0.1/24: exit %d", code)
	}
	if ctx.watching() {
		t.Error("netcalc cidr watched the signals; it never uses its context")
	}
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	if !ctx.watching() {
		t.Fatal("a context derived from it does not watch the signals")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-child.Done():
		if !errors.Is(child.Err(), context.Canceled) {
			t.Errorf("after an interrupt: %v; want context.Canceled", child.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an interrupt did not cancel the context")
	}
}
