package manifest

import (
	"errors"
	"strings"
	"testing"
)

// FuzzReader decodes arbitrary bytes and asks every value for its line: no
// panic, every line inside the input, errors are *Error values.
func FuzzReader(f *testing.F) {
	f.Add([]byte("a: 1\n---\nb: [1, {c: d}]\n"))                   // two documents, flow collections
	f.Add([]byte("l:\n-\n  x: 1\n- - y\n"))                        // a dash on its own line, nested sequences
	f.Add([]byte("a: &x {b: 1}\nc: *x\n"))                         // an alias: the fast path declines it
	f.Add([]byte("{\"kind\": \"List\", \"items\": [{\"a\": 1}]}")) // JSON
	f.Add([]byte("a: 1\r\nb:\r\r\n  - c\n"))                       // CR line breaks yaml.v3 counts and the file does not
	f.Add([]byte("a:\n\t- b\n"))                                   // a tab in the indentation
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		check := func(line int, what string) {
			if line < 1 || line > lines {
				t.Fatalf("%s on line %d, outside the input's %d lines", what, line, lines)
			}
		}
		var walk func(n Node, depth int)
		walk = func(n Node, depth int) {
			check(n.Line(), n.Path())
			if depth > 20 {
				return
			}
			switch v := n.Value().(type) {
			case map[string]any:
				for k := range v {
					walk(n.Get(k), depth+1)
				}
			case []any:
				l, _ := n.List()
				for _, it := range l {
					walk(it, depth+1)
				}
			}
		}
		for _, d := range (&Reader{File: "f", Strict: true}).Split(data) {
			root, err := d.Root()
			if err != nil {
				var me *Error
				if !errors.As(err, &me) {
					t.Fatalf("Root() error %v (%T) is not an *Error", err, err)
				}
				check(me.Line, "error "+me.Msg)
				continue
			}
			if !root.Missing() {
				walk(root, 0)
			}
		}
	})
}
