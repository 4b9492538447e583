package kubeproxy

import "strings"

// yamlEntry is a key or a sequence dash found on a line of block YAML.
type yamlEntry struct {
	line   int // 0-based within the document
	indent int
	key    string // "" for a dash
}

// scanEntries lists the block-style keys and dashes of lines, enough to
// find the line of a value from its path. Flow collections and multi-line
// scalars are not parsed; a lookup that runs into them stops early.
func scanEntries(lines []string) []yamlEntry {
	var out []yamlEntry
	for i, l := range lines {
		ind := len(l) - len(strings.TrimLeft(l, " "))
		rest := l[ind:]
		if rest == "" || rest[0] == '#' {
			continue
		}
		for strings.HasPrefix(rest, "- ") || rest == "-" {
			out = append(out, yamlEntry{i, ind, ""})
			if rest == "-" {
				rest = ""
				break
			}
			n := len(rest) - len(strings.TrimLeft(rest[1:], " ")) // dash + spaces
			ind += n
			rest = rest[n:]
		}
		if k, ok := keyOf(rest); ok {
			out = append(out, yamlEntry{i, ind, k})
		}
	}
	return out
}

// keyOf returns the mapping key that starts s ("port: 80" → "port").
func keyOf(s string) (string, bool) {
	if s == "" || s[0] == '{' || s[0] == '[' || s[0] == '#' {
		return "", false
	}
	if s[0] == '"' || s[0] == '\'' {
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 || !strings.HasPrefix(s[end+2:], ":") {
			return "", false
		}
		return s[1 : end+1], true
	}
	i := strings.Index(s, ":")
	if i <= 0 || (i+1 < len(s) && s[i+1] != ' ') {
		return "", false
	}
	return strings.TrimSpace(s[:i]), true
}

// locate returns the 0-based line of the value at path (string keys and int
// indexes) in block YAML, or the deepest line it could find.
func locate(entries []yamlEntry, path []any) int {
	pos, parent, line := 0, -1, 0
	if len(entries) > 0 {
		line = entries[0].line
	}
	for _, el := range path {
		found := false
		switch el := el.(type) {
		case string:
			mapIndent := -1
			for j := pos; j < len(entries); j++ {
				e := entries[j]
				if e.key == "" {
					if e.indent <= parent {
						break
					}
					continue
				}
				if mapIndent < 0 {
					if e.indent <= parent {
						break
					}
					mapIndent = e.indent
				}
				if e.indent < mapIndent {
					break
				}
				if e.indent == mapIndent && e.key == el {
					pos, parent, line, found = j+1, e.indent, e.line, true
					break
				}
			}
		case int:
			dashIndent, n := -1, 0
			for j := pos; j < len(entries); j++ {
				e := entries[j]
				if dashIndent < 0 {
					if e.key != "" || e.indent < parent {
						break
					}
					dashIndent = e.indent
				}
				if e.indent < dashIndent || (e.indent == dashIndent && e.key != "") {
					break
				}
				if e.indent == dashIndent && e.key == "" {
					if n == el {
						pos, parent, line, found = j+1, e.indent, e.line, true
						break
					}
					n++
				}
			}
		}
		if !found {
			return line
		}
	}
	return line
}
