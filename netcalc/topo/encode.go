package topo

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// WriteYAML writes t as a plain topology file (no k8s block) that Parse
// reads back to the same topology: the nodes with their declared
// interfaces, bridges, static routes, sysctls and iptables text, then the
// links. What the kernel derives (connected routes, link-local addresses,
// interfaces that only a link names, default MACs and MTUs) is left out, as
// Parse adds it again.
func (t *Topology) WriteYAML(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	if t.Name != "" {
		bw.WriteString("name: " + yq(t.Name) + "\n")
	}
	if len(t.Nodes) > 0 {
		bw.WriteString("nodes:\n")
	} else {
		bw.WriteString("nodes: {}\n") // an empty file would not parse
	}
	for _, n := range t.Nodes {
		bw.WriteString("  " + yq(n.Name) + ":\n")
		if n.Kind != Host {
			bw.WriteString("    kind: " + string(n.Kind) + "\n")
		}
		wrote := false
		for _, ifc := range n.Interfaces {
			if ifc.Kind == Bridge || !ifc.declared() {
				continue
			}
			if !wrote {
				bw.WriteString("    interfaces:\n")
				wrote = true
			}
			bw.WriteString("      " + yq(ifc.Name) + ": {")
			bw.WriteString(ifc.fields(false))
			bw.WriteString("}\n")
		}
		wrote = false
		for _, ifc := range n.Interfaces {
			if ifc.Kind != Bridge {
				continue
			}
			if !wrote {
				bw.WriteString("    bridges:\n")
				wrote = true
			}
			bw.WriteString("      " + yq(ifc.Name) + ": {")
			bw.WriteString(ifc.fields(true))
			bw.WriteString("}\n")
		}
		if len(n.Routes) > 0 {
			bw.WriteString("    routes:\n")
			for _, r := range n.Routes {
				line = append(line[:0], "      - "...)
				line = r.AppendTo(line)
				if text := line[len("      - "):]; !plainOKBytes(text) {
					line = append(line[:len("      - ")], strconv.Quote(string(text))...)
				}
				line = append(line, '\n')
				bw.Write(line)
			}
		}
		if len(n.Sysctls) > 0 {
			bw.WriteString("    sysctls:\n")
			keys := make([]string, 0, len(n.Sysctls))
			for k := range n.Sysctls {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				bw.WriteString("      " + yq(k) + ": " + yq(n.Sysctls[k]) + "\n")
			}
		}
		if n.IPTables != "" {
			writeBlock(bw, "    iptables: ", "      ", n.IPTables)
		}
	}
	if len(t.Links) > 0 {
		bw.WriteString("links:\n")
	}
	for _, l := range t.Links {
		bw.WriteString("  - endpoints: [" + strconv.Quote(l.Endpoints[0].String()) + ", " + strconv.Quote(l.Endpoints[1].String()) + "]\n")
	}
	return bw.Flush()
}

// writeBlock writes key and text as a literal block scalar ("|", or "|-"
// for text without a final newline) when that reads back as the same text,
// else as a double-quoted string.
func writeBlock(bw *bufio.Writer, key, indent, text string) {
	body, chomp := text, "|"
	if strings.HasSuffix(body, "\n") {
		body = body[:len(body)-1]
	} else {
		chomp = "|-"
	}
	ok := body != "" && body[0] != ' ' && body[0] != '\t' && !strings.HasSuffix(body, "\n")
	for i := 0; ok && i < len(body); i++ {
		c := body[i]
		if c < ' ' && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			ok = false
		}
	}
	if ok {
		for _, l := range strings.Split(body, "\n") {
			if strings.TrimSpace(l) == "" && l != "" || strings.HasPrefix(l, "\t") {
				ok = false // blank lines with spaces or tab-led lines are not kept exactly
			}
		}
	}
	if !ok {
		bw.WriteString(key + strconv.Quote(text) + "\n")
		return
	}
	bw.WriteString(key + chomp + "\n")
	for _, l := range strings.Split(body, "\n") {
		if l == "" {
			bw.WriteString("\n")
			continue
		}
		bw.WriteString(indent + l + "\n")
	}
}

// declared reports whether the interface must be written: it is not merely
// created by a link, or it carries something a link does not give it.
func (ifc *Interface) declared() bool {
	return !ifc.Created || len(ifc.Addrs) > 0 || ifc.macSet || ifc.mtuSet
}

func (ifc *Interface) fields(bridge bool) string {
	var parts []string
	if bridge && len(ifc.Ports) > 0 {
		ps := make([]string, len(ifc.Ports))
		for i, p := range ifc.Ports {
			ps[i] = yq(p)
		}
		parts = append(parts, "ports: ["+strings.Join(ps, ", ")+"]")
	}
	if len(ifc.Addrs) > 0 {
		as := make([]string, len(ifc.Addrs))
		for i, a := range ifc.Addrs {
			as[i] = yqPrefix(a)
		}
		parts = append(parts, "addrs: ["+strings.Join(as, ", ")+"]")
	}
	if ifc.macSet {
		parts = append(parts, "mac: \""+ifc.MAC.String()+"\"")
	}
	if ifc.mtuSet {
		parts = append(parts, "mtu: "+strconv.Itoa(ifc.MTU))
	}
	if bridge && ifc.Hairpin {
		parts = append(parts, "hairpin: true")
	}
	return strings.Join(parts, ", ")
}

func yqPrefix(p netip.Prefix) string {
	if p.Addr().Is6() {
		return `"` + p.String() + `"`
	}
	return p.String()
}

// yq returns s as a YAML scalar: plain when that reads back as the same
// string, double-quoted otherwise.
func yq(s string) string {
	if plainOK(s) {
		return s
	}
	return strconv.Quote(s)
}

// plainOK reports whether s can be written as a plain YAML scalar and read
// back as the same string: no leading indicator or space, no ": " or " #",
// printable ASCII, and not a word YAML reads as a bool, null or number.
func plainOK(s string) bool {
	if s == "" || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return false
	}
	if strings.IndexByte("-?:,[]{}#&*!|>'\"%@` ", s[0]) >= 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
		if c == ':' && i+1 < len(s) && s[i+1] == ' ' || c == '#' && s[i-1] == ' ' {
			return false
		}
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", ".inf", ".nan":
			return false
		}
	}
	if strings.ContainsAny(s, " /") {
		return true // not a number
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	if _, err := strconv.ParseInt(s, 0, 64); err == nil {
		return false
	}
	return true
}

// plainOKBytes is plainOK of string(b), without converting b when the
// answer does not need the number checks (a route's text has a space or a
// slash).
func plainOKBytes(b []byte) bool {
	if len(b) <= 5 || !bytes.ContainsAny(b, " /") {
		return plainOK(string(b))
	}
	if b[len(b)-1] == ' ' || b[len(b)-1] == ':' {
		return false
	}
	if strings.IndexByte("-?:,[]{}#&*!|>'\"%@` ", b[0]) >= 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
		if c == ':' && i+1 < len(b) && b[i+1] == ' ' || c == '#' && b[i-1] == ' ' {
			return false
		}
	}
	return true
}
