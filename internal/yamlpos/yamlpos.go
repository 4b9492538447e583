// Package yamlpos says where things are in YAML text: the line and column
// of a value given its path of mapping keys and sequence indexes (from
// go.yaml.in/yaml/v3's node positions), and the line a YAML parser's syntax
// error names. It is the one position helper of netcalc's YAML readers
// (topo, kube-proxy scenarios, Kubernetes manifests).
package yamlpos

import (
	"bytes"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Index holds the node positions of one YAML document. The zero Index (and
// a nil *Index) knows no positions: Find reports false.
type Index struct {
	root *yaml.Node
}

// Parse reads the first YAML document of text for its positions. Text that
// go.yaml.in/yaml/v3 cannot read gives an Index that knows no positions, so
// that an error being reported is never replaced by another.
func Parse(text []byte) *Index {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(text)).Decode(&doc); err != nil {
		return &Index{}
	}
	return &Index{root: &doc}
}

// Find returns the 1-based line and column of the value at path, each
// element a mapping key (string) or a sequence index (int): for a key, the
// position of the key; for an index, the position of the item (in block
// style, its "-" line). When only a leading part of the path exists, Find
// returns the position of the deepest part that does and found false; an
// empty path is the document's top value. An alias ends the walk at the
// alias. It returns 0, 0, false when the document is empty or unread.
func (x *Index) Find(path ...any) (line, col int, found bool) {
	if x == nil || x.root == nil {
		return 0, 0, false
	}
	n := x.root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return 0, 0, false
		}
		n = n.Content[0]
	}
	line, col = n.Line, n.Column
	for _, el := range path {
		var next, at *yaml.Node
		switch el := el.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == el {
						at, next = k, n.Content[i+1]
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && el >= 0 && el < len(n.Content) {
				at = n.Content[el]
				next = at
			}
		}
		if at == nil {
			return line, col, false
		}
		line, col, n = at.Line, at.Column, next
	}
	return line, col, true
}

// DuplicateKey returns a key that a mapping of the document holds twice
// (the outermost such mapping's first, outer mappings before the ones they
// hold), with the 1-based line and column of its
// second occurrence; ok false when there is none or the document is
// unread. Most YAML readers silently keep the last value of a repeated
// key; a strict reader rejects it.
func (x *Index) DuplicateKey() (key string, line, col int, ok bool) {
	if x == nil || x.root == nil {
		return "", 0, 0, false
	}
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.MappingNode {
			seen := map[string]bool{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i]; k.Kind == yaml.ScalarNode {
					if seen[k.Value] {
						key, line, col, ok = k.Value, k.Line, k.Column, true
						return true
					}
					seen[k.Value] = true
				}
			}
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(x.root)
	return key, line, col, ok
}

// SyntaxError splits the message of a YAML parser's error
// (go.yaml.in/yaml/v2 and v3, also through sigs.k8s.io/yaml's
// "error converting YAML to JSON: " wrapping) into the 1-based line it
// names (0 when none) and the message without the prefixes and the line:
// "yaml: line 3: did not find expected key" gives 3 and "did not find
// expected key". The YAML libraries make these errors with fmt.Errorf, so
// the text is all there is to read.
func SyntaxError(err error) (line int, msg string) {
	msg = err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
	n, err2 := strconv.Atoi(rest[:digits])
	if digits == 0 || err2 != nil {
		return 0, msg
	}
	return n, strings.TrimPrefix(rest[digits:], ": ")
}

// Where words a position for the start of an error message:
// "FILE:LINE: PATH: ", "line LINE: " when file is "", and without the
// parts that are unknown (line 0, path ""); "" when all are.
func Where(file string, line int, path string) string {
	s := ""
	if file != "" {
		s += file + ":"
	}
	if line > 0 {
		if file == "" {
			s += "line "
		}
		s += strconv.Itoa(line) + ":"
	}
	if s != "" {
		s += " "
	}
	if path != "" {
		s += path + ": "
	}
	return s
}
