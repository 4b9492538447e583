package manifest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNodeErrors: typed reads fail with an *Error naming the file, the line
// in the whole file (documents after the first counted from the top) and
// the path; JSON (kubectl -o json) gets lines too.
func TestNodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		read func(root Node) error
		want string
		err  error
	}{
		{"second document", "a: 1\n---\n# c\nspec:\n  port: x\n", func(n Node) error { _, err := n.Get("spec").Get("port").Port("a port"); return err },
			`f.yaml:5: spec.port: "x" is not a port: want an integer 1-65535`, ErrInvalid},
		{"missing key: the deepest line", "spec:\n  ports: []\n", func(n Node) error { return n.Get("spec").Get("ports").Get("x").Errorf(ErrInvalid, "m") },
			`f.yaml:2: spec.ports.x: m`, ErrInvalid},
		{"list item on the line after its dash: the item's line", "l:\n- a\n-\n  b: 1\n", func(n Node) error { l, _ := n.Get("l").List(); _, err := l[1].Str(); return err },
			`f.yaml:4: l[1]: a mapping is not a string`, ErrInvalid},
		{"unknown field", "b: 1\nzz: 2\naa: 3\n", func(n Node) error { return n.Fields("b") },
			`f.yaml:3: aa: unknown field "aa": want one of b`, ErrUnknownField},
		{"JSON", "{\n  \"kind\": \"List\",\n  \"items\": [\n    {\n      \"spec\": {\"clusterIP\": \"10.0.0.300\"}\n    }\n  ]\n}\n",
			func(n Node) error { l, _ := n.Items(); _, err := l[0].Get("spec").Get("clusterIP").Addr(); return err },
			`f.yaml:5: items[0].spec.clusterIP: "10.0.0.300" is not an IP address: want e.g. 10.96.0.10 or 2001:db8::a`, ErrInvalid},
		{"enum", "mode: fast\n", func(n Node) error { _, err := n.Get("mode").Enum("a", "a", "b"); return err },
			`f.yaml:1: mode: "fast" is not allowed: want a or b`, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reader{File: "f.yaml"}
			docs := r.Split([]byte(tt.in))
			root, err := docs[len(docs)-1].Root()
			if err != nil {
				t.Fatal(err)
			}
			err = tt.read(root)
			var me *Error
			if !errors.As(err, &me) || !errors.Is(err, tt.err) {
				t.Fatalf("error %v (%T); want an *Error wrapping %v", err, err, tt.err)
			}
			if got := me.Message(); got != tt.want {
				t.Errorf("Message() = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestNotes: values read leniently are reported with their position.
func TestNotes(t *testing.T) {
	var notes []Note
	r := &Reader{File: "f.yaml", Note: func(n Note) { notes = append(notes, n) }}
	root, err := r.Split([]byte("ips:\n- 10.0.0.1\n- 010.000.000.002\ncidr: 010.0.0.0/8\n"))[0].Root()
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := root.Get("ips").Addrs()
	if err != nil || len(addrs) != 2 || addrs[1].String() != "10.0.0.2" {
		t.Fatalf("Addrs() = %v, %v", addrs, err)
	}
	if p, err := root.Get("cidr").Prefix(); err != nil || p.String() != "10.0.0.0/8" {
		t.Fatalf("Prefix() = %v, %v", p, err)
	}
	want := []Note{{File: "f.yaml", Line: 3, Path: "ips[1]", Value: "010.000.000.002", Canonical: "10.0.0.2"},
		{File: "f.yaml", Line: 4, Path: "cidr", Value: "010.0.0.0/8", Canonical: "10.0.0.0/8"}}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("notes mismatch (-want +got):\n%s", diff)
	}
}

// TestSyntaxError: a document that is not YAML is an *Error wrapping
// ErrSyntax on the line the parser names, counted in the whole file, with a
// hint for tabs.
func TestSyntaxError(t *testing.T) {
	r := &Reader{File: "f.yaml"}
	docs := r.Split([]byte("a: 1\n---\nb:\n\t- c\n"))
	_, err := docs[1].Root()
	var me *Error
	if !errors.As(err, &me) || !errors.Is(err, ErrSyntax) {
		t.Fatalf("Root() error %v; want an *Error wrapping ErrSyntax", err)
	}
	if want := "f.yaml:4: found character that cannot start any token (a tab in the indentation: YAML indents with spaces only)"; me.Message() != want {
		t.Errorf("Message() = %q; want %q", me.Message(), want)
	}
}
