package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// referenceDir is the committed Markdown reference, docs/reference.
var referenceDir = filepath.Join("..", "..", "docs", "reference")

const regenerateReference = "rm -f docs/reference/netcalc*.md && go run ./cmd/netcalc man --markdown --dir docs/reference" +
	" (or go test ./internal/cli -run TestReferenceDocs -update)"

// runMan runs "netcalc ARGS..." in-process with the given environment and
// returns the exit status and standard error.
func runMan(t *testing.T, vars map[string]string, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := NewEnv(strings.NewReader(""), &stdout, &stderr, func(k string) string { return vars[k] })
	code := Run(context.Background(), env, args)
	if stdout.Len() > 0 {
		t.Errorf("netcalc %s wrote to standard output: %q", strings.Join(args, " "), stdout.String())
	}
	return code, stderr.String()
}

// readPages returns the files of dir whose names start with "netcalc".
func readPages(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string][]byte{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "netcalc") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		pages[e.Name()] = b
	}
	return pages
}

// TestReferenceDocs regenerates the Markdown reference from the command
// definitions and fails when docs/reference differs from it in any byte,
// or has a page too many or too few.
func TestReferenceDocs(t *testing.T) {
	tmp := t.TempDir()
	if code, stderr := runMan(t, nil, "man", "--markdown", "--dir", tmp); code != 0 {
		t.Fatalf("netcalc man --markdown: exit %d\n%s", code, stderr)
	}
	want := readPages(t, tmp)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		for name := range readPages(t, referenceDir) {
			if err := os.Remove(filepath.Join(referenceDir, name)); err != nil {
				t.Fatal(err)
			}
		}
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(referenceDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	got := readPages(t, referenceDir)
	for _, name := range sortedKeys(want) {
		if _, ok := got[name]; !ok {
			t.Errorf("docs/reference/%s is missing (a command was added or renamed); regenerate: %s", name, regenerateReference)
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/reference/%s describes no command any more; regenerate: %s", name, regenerateReference)
			continue
		}
		if !bytes.Equal(got[name], want[name]) {
			t.Errorf("docs/reference/%s differs from the command definitions; regenerate: %s\n%s", name, regenerateReference,
				diff.Diff("docs/reference/"+name, got[name], "generated/"+name, want[name]))
		}
	}
	for name, b := range want {
		if bytes.Contains(b, []byte("Auto generated")) {
			t.Errorf("%s carries cobra's generation date line; the pages must be reproducible", name)
		}
	}
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestManPages writes the man pages and checks their names (what "man
// netcalc-cidr" looks for), their header and that they are reproducible.
func TestManPages(t *testing.T) {
	epoch := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"} // 2026-01-01
	dir1, dir2 := t.TempDir(), filepath.Join(t.TempDir(), "new", "man1")
	for _, dir := range []string{dir1, dir2} {
		if code, stderr := runMan(t, epoch, "man", "--dir", dir); code != 0 {
			t.Fatalf("netcalc man --dir %s: exit %d\n%s", dir, code, stderr)
		}
	}
	pages1, pages2 := readPages(t, dir1), readPages(t, dir2)

	// One page per Markdown reference page, same command tree.
	md := t.TempDir()
	if code, stderr := runMan(t, nil, "man", "--markdown", "--dir", md); code != 0 {
		t.Fatalf("netcalc man --markdown: exit %d\n%s", code, stderr)
	}
	var wantNames []string
	for name := range readPages(t, md) {
		wantNames = append(wantNames, strings.ReplaceAll(strings.TrimSuffix(name, ".md"), "_", "-")+".1")
	}
	slices.Sort(wantNames)
	if names := sortedKeys(pages1); !slices.Equal(names, wantNames) {
		t.Errorf("man pages = %v; want %v", names, wantNames)
	}
	for _, name := range []string{"netcalc.1", "netcalc-cidr.1", "netcalc-kube-proxy-trace.1", "netcalc-man.1"} {
		if _, ok := pages1[name]; !ok {
			t.Errorf("no %s among %v", name, sortedKeys(pages1))
		}
	}
	if p := pages1["netcalc-cidr.1"]; !bytes.Contains(p, []byte(`.TH "NETCALC-CIDR" "1" "Jan 2026" "netcalc `)) ||
		!bytes.Contains(p, []byte("netcalc-cidr - Describe")) {
		t.Errorf("netcalc-cidr.1 lacks the section 1 header or its NAME line:\n%.400s", p)
	}
	for name, b := range pages1 {
		if !bytes.Equal(b, pages2[name]) {
			t.Errorf("%s differs between two runs with the same SOURCE_DATE_EPOCH", name)
		}
		if bytes.Contains(b, []byte("Auto generated")) {
			t.Errorf("%s carries cobra's generation line", name)
		}
	}
}

func TestManBadUsage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"no dir", []string{"man"}, nil, "netcalc: man: --dir DIR is missing"},
		{"dir is a file", []string{"man", "--dir", file}, nil, "is a file, want a directory"},
		{"bad epoch", []string{"man", "--dir", t.TempDir()}, map[string]string{"SOURCE_DATE_EPOCH": "yesterday"},
			`SOURCE_DATE_EPOCH="yesterday" is not a number`},
		{"argument", []string{"man", "x"}, nil, "netcalc: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := runMan(t, tt.vars, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("netcalc %s = exit %d, %q; want exit 2 and %q", strings.Join(tt.args, " "), code, stderr, tt.want)
			}
		})
	}
}

// TestManPagesMatchCobraDoc compares netcalc's own page writers with
// github.com/spf13/cobra/doc (kept as a test dependency only: its go-md2man
// and blackfriday initialisation cost every netcalc start-up): every page of
// the real command tree, man and Markdown, and a command whose texts use each
// Markdown construct the roff writer renders, must be byte-identical.
func TestManPagesMatchCobraDoc(t *testing.T) {
	date := time.Unix(1767225600, 0).UTC()
	compare := func(t *testing.T, root *cobra.Command) {
		t.Helper()
		noAutoGenTag(root)
		got, want := t.TempDir(), t.TempDir()
		if err := genManTree(root, manHeader{Section: "1", Date: date, Source: "netcalc x", Manual: "netcalc manual"}, got); err != nil {
			t.Fatal(err)
		}
		if err := doc.GenManTree(root, &doc.GenManHeader{Section: "1", Date: &date, Source: "netcalc x", Manual: "netcalc manual"}, want); err != nil {
			t.Fatal(err)
		}
		if err := genMarkdownTree(root, got); err != nil {
			t.Fatal(err)
		}
		if err := doc.GenMarkdownTree(root, want); err != nil {
			t.Fatal(err)
		}
		gotPages, wantPages := readPages(t, got), readPages(t, want)
		if !slices.Equal(sortedKeys(gotPages), sortedKeys(wantPages)) {
			t.Fatalf("pages %v, cobra/doc writes %v", sortedKeys(gotPages), sortedKeys(wantPages))
		}
		for name, w := range wantPages {
			if g := gotPages[name]; !bytes.Equal(g, w) {
				t.Errorf("%s differs from cobra/doc's:\n%s", name, diff.Diff("cobra/doc", w, "netcalc", g))
			}
		}
	}
	t.Run("commands", func(t *testing.T) {
		root, _ := newRootCmd(NewEnv(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil))
		compare(t, root)
	})
	t.Run("markdown", func(t *testing.T) {
		root := &cobra.Command{Use: "tool", Short: "A tool - with a dash", Run: func(*cobra.Command, []string) {}}
		sub := &cobra.Command{
			Use:   "sub ARG",
			Short: "Sub's text with *emphasis*, **strong**, `code` and a\\_escape",
			Long: `First paragraph with SOURCE_DATE_EPOCH, a*b*c, _x_, __y__, **bold**,
'quoted line start
.dot line start with a \ backslash and \\ two, a\-b, 2^h-2, [x] <y> & z!  
hard break above; trailing space 
  indented continuation

  - item one
  - item two
    continued; with ` + "`code`" + `
  * star item

.a paragraph starting with a dot

#### Heading:

	code line one
	  .indented \ code

    four-space code
## Second
# First level
Text after a heading
with a line
#### Third`,
			Example: "  tool sub x\n  .dot\\n 'q'",
			Run:     func(*cobra.Command, []string) {},
		}
		sub.Flags().String("file", "", "read `FILE`; the *list* (\"-\" is stdin)")
		sub.Flags().BoolP("all", "a", false, "every **one**")
		sub.Flags().String("mode", "x", "mode")
		sub.Flags().Lookup("mode").NoOptDefVal = "y"
		root.PersistentFlags().StringSlice("field", nil, "print only `NAME`")
		root.AddCommand(sub, &cobra.Command{Use: "other", Short: "Other", Run: func(*cobra.Command, []string) {}})
		compare(t, root)
	})
}
