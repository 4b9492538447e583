package yamlpos

import (
	"errors"
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

func TestFind(t *testing.T) {
	const text = `# a comment
services:
- name: web
  ports:
  - {name: http, port: 80}
  -
    name: https
    port: 443
  tags: &t [a, b]
- name: db
  tags: *t
"quoted key": 1
`
	x := Parse([]byte(text))
	tests := []struct {
		name      string
		path      []any
		line, col int
		found     bool
	}{
		{"top", nil, 2, 1, true},
		{"key", []any{"services"}, 2, 1, true},
		{"item", []any{"services", 0}, 3, 3, true},
		{"key in item", []any{"services", 0, "ports"}, 4, 3, true},
		{"flow mapping key", []any{"services", 0, "ports", 0, "port"}, 5, 18, true},
		{"dash on its own line: the item's line", []any{"services", 0, "ports", 1}, 7, 5, true},
		{"flow sequence item", []any{"services", 0, "tags", 1}, 9, 16, true},
		{"missing key: the deepest found", []any{"services", 1, "ports", 0}, 10, 3, false},
		{"index out of range", []any{"services", 5, "name"}, 2, 1, false},
		{"through an alias stops", []any{"services", 1, "tags", 0}, 11, 3, false},
		{"quoted key", []any{"quoted key"}, 12, 1, true},
		{"index into a mapping", []any{0}, 2, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col, found := x.Find(tt.path...)
			if line != tt.line || col != tt.col || found != tt.found {
				t.Errorf("Find(%v) = %d, %d, %v; want %d, %d, %v", tt.path, line, col, found, tt.line, tt.col, tt.found)
			}
		})
	}
}

func TestFindUnread(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n", "a: [\n"} {
		if line, col, found := Parse([]byte(text)).Find("a"); line != 0 || col != 0 || found {
			t.Errorf("Parse(%q).Find(a) = %d, %d, %v; want 0, 0, false", text, line, col, found)
		}
	}
	var x *Index
	if line, _, _ := x.Find(); line != 0 {
		t.Errorf("nil Index: Find() = %d; want 0", line)
	}
}

func TestSyntaxError(t *testing.T) {
	v3 := func(text string) error {
		var n yaml.Node
		return yaml.Unmarshal([]byte(text), &n)
	}
	v2 := func(text string) error {
		_, err := sigsyaml.YAMLToJSON([]byte(text))
		return err
	}
	tests := []struct {
		name string
		err  error
		line int
		msg  string
	}{
		{"v3", v3("a: b\nc: d: e\n"), 2, "mapping values are not allowed in this context"},
		{"v2 through sigs.k8s.io/yaml", v2("a: b\nc: d: e\n"), 2, "mapping values are not allowed in this context"},
		{"v2 unclosed flow", v2("a: [1,\n"), 1, "did not find expected node content"},
		{"no line", errors.New("yaml: control characters are not allowed"), 0, "control characters are not allowed"},
		{"not a YAML error", fmt.Errorf("line x: y"), 0, "line x: y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
			line, msg := SyntaxError(tt.err)
			if line != tt.line || msg != tt.msg {
				t.Errorf("SyntaxError(%q) = %d, %q; want %d, %q", tt.err, line, msg, tt.line, tt.msg)
			}
		})
	}
}

func TestWhere(t *testing.T) {
	tests := []struct {
		file string
		line int
		path string
		want string
	}{
		{"f.yaml", 3, "a.b[1]", "f.yaml:3: a.b[1]: "},
		{"f.yaml", 0, "a", "f.yaml: a: "},
		{"", 3, "a", "line 3: a: "},
		{"", 3, "", "line 3: "},
		{"f.yaml", 2, "", "f.yaml:2: "},
		{"", 0, "a", "a: "},
		{"", 0, "", ""},
	}
	for _, tt := range tests {
		if got := Where(tt.file, tt.line, tt.path); got != tt.want {
			t.Errorf("Where(%q, %d, %q) = %q; want %q", tt.file, tt.line, tt.path, got, tt.want)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	tests := []struct {
		text      string
		key       string
		line, col int
		ok        bool
	}{
		{"a: 1\nb: 2\n", "", 0, 0, false},
		{"a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "a", 5, 1, true}, // the outer mapping first
		{"a: 1\nb:\n  c: 1\n  c: 2\n", "c", 4, 3, true},
		{"l:\n- {x: 1, x: 2}\n", "x", 2, 10, true},
		{"a: [\n", "", 0, 0, false},
	}
	for _, tt := range tests {
		key, line, col, ok := Parse([]byte(tt.text)).DuplicateKey()
		if key != tt.key || line != tt.line || col != tt.col || ok != tt.ok {
			t.Errorf("DuplicateKey(%q) = %q, %d, %d, %v; want %q, %d, %d, %v", tt.text, key, line, col, ok, tt.key, tt.line, tt.col, tt.ok)
		}
	}
}
