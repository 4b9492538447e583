package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestFastYAML checks that whenever fastYAML accepts a document, it gives
// exactly what the general path (sigs.k8s.io/yaml, then encoding/json with
// UseNumber) gives: on every YAML file under testdata and on variants of
// lines that probe its edges (scalars YAML reads as numbers, booleans,
// nulls or strings; layouts; comments).
func TestFastYAML(t *testing.T) {
	var docs []string
	for _, pattern := range []string{"../../../testdata/*/*.yaml", "../../../testdata/*/*/*.yaml", "../testdata/*/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range (&Reader{}).Split(b) {
				docs = append(docs, string(d.Text))
			}
		}
	}
	if len(docs) < 10 {
		t.Fatalf("only %d test documents found", len(docs))
	}
	files := len(docs)
	scalars := []string{"80", "0", "08", "0x10", "0o7", "1_000", "-1", "+1", "1.5", "1e3", ".5", ".inf", "1:20", "1:2:3",
		"10.0.0.1", "10.0.0.0/8", "10.0.0", "1.2.3.4.5", "2001:db8::1", "2001:db8::/64", "::1", "fe80::1", "::ffff:10.0.0.1",
		"abc", "a b", "a:b", "a#b", "a #b", "yes", "No", "on", "OFF", "y", "N", "true", "True", "FALSE", "null", "Null", "~",
		"2001-12-14", "2001-12-14t21:59:43.10-05:00", "123456789012345678", "1234567890123456789", "TCP", "node-a", "ns/name",
		"é", "a\\b", "x,y", "'q'", `"q"`, "&a", "*a", "!t", "|", ">", "%x", "@x", "`x", "?x", "-x", "- x", "a: b", "{}", "[]"}
	layouts := []string{
		"k: %s", "k: %s # c", "a:\n  k: %s", "l:\n- %s\n- x", "l:\n  - %s", "- k: %s\n  j: 1", "m: {k: %s, j: 1}", "s: [%s, 2]",
		"- {k: %s}", "k:   %s  ", "a:\n  b:\n    k: %s\n  c: 2\nd: 3", "k: %s\nk: 1",
	}
	for _, s := range scalars {
		for _, l := range layouts {
			docs = append(docs, strings.ReplaceAll(l, "%s", s))
		}
	}
	docs = append(docs, "", "# only a comment", "k:", "k:\n", "- \n- a", "a:\n- b\nc: d", "a:\n  - b\n c: d", "a: b\n  c: d",
		"a:\n\tb: c", "a: b\r\nc: d", "key: value\n...", "? a\n: b", "a: |\n  x", "a: >\n  x", "a: b\n- c", "- a\nb: c",
		"a: [b, [c]]", "a: {b: {c: d}}", "a: {b: c,}", "a: [b,]", "a: {b: c", "a: [b", "a:\n  - b: 1\n    c: 2\n  - d: 3",
		"a: &x 1\nb: *x", "<<: {a: 1}", "a: 1 #c\n#d\nb: 2", "a:    # c\n  b: 1")
	fast, fastFiles := 0, 0
	for i, text := range docs {
		v, ok := fastYAML(strings.Split(text, "\n"))
		if !ok {
			continue
		}
		fast++
		if i < files {
			fastFiles++
		}
		want, err := (&Document{Text: []byte(text), Start: 1, lines: strings.Split(text, "\n"), r: &Reader{File: "t"}}).decode()
		if err != nil {
			t.Errorf("fastYAML accepted a document the general path rejects (%v):\n%s", err, text)
			continue
		}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("fastYAML gives %#v, the general path %#v, for:\n%s", v, want, text)
		}
	}
	t.Logf("fastYAML took %d of %d documents, %d of the %d from files", fast, len(docs), fastFiles, files)
	if fastFiles == 0 || fast < 100 {
		t.Errorf("fastYAML took too few documents to test it")
	}
}

// TestSplitDocumentsSlices checks that documents sliced out of the input
// have the lines and text that joining the lines gave.
func TestSplitDocumentsSlices(t *testing.T) {
	for _, in := range []string{"", "\n", "a: 1", "a: 1\n", "---", "---\n", "a: 1\n---\nb: 2\n", "---\na: 1\n---", "a\n---\n---\nb",
		"a: 1\r\n---\r\nb: 2", "--- x\na\n---\tb\nc\n--- \n", "a\n\n---\n\nb\n\n", "----\na"} {
		got := (&Reader{}).Split([]byte(in))
		lines := strings.Split(in, "\n")
		var want [][]string
		var starts []int
		cur, start := []string(nil), 1
		for i, l := range lines {
			if l == "---" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t") || l == "---\r" {
				want, starts = append(want, cur), append(starts, start)
				cur, start = nil, i+2
				continue
			}
			cur = append(cur, l)
		}
		want, starts = append(want, cur), append(starts, start)
		if len(got) != len(want) {
			t.Fatalf("%q: %d documents, want %d", in, len(got), len(want))
		}
		for i, d := range got {
			if !reflect.DeepEqual(append([]string{}, d.lines...), append([]string{}, want[i]...)) || string(d.Text) != strings.Join(want[i], "\n") || d.Start != starts[i] {
				t.Errorf("%q document %d: lines %q text %q start %d; want %q %q %d", in, i, d.lines, d.Text, d.Start, want[i], strings.Join(want[i], "\n"), starts[i])
			}
		}
	}
}
