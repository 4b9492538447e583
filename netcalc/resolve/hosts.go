package resolve

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
)

// HostsEntry is one usable line of a hosts file: an address and its names,
// the first of which is canonical (hosts(5)).
type HostsEntry struct {
	Addr  netip.Addr // may carry an IPv6 zone ("fe80::1%eth0")
	Names []string   // canonical name first, then aliases, as written
	Line  int        // 1-based line number in the file
}

// Hosts is a parsed hosts(5) file. The zero Hosts (and a nil *Hosts) knows
// no names. A Hosts is immutable after parsing and safe for concurrent use.
type Hosts struct {
	// File names the file in Warnings and results ("/etc/hosts").
	File    string
	Entries []HostsEntry
	byName  map[string][]int // lower-case name → entry indexes, file order
	byAddr  map[netip.Addr][]int
}

// LoadHosts reads and parses the hosts file at path.
func LoadHosts(path string) (*Hosts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("resolve: hosts file: %w", err)
	}
	defer f.Close()
	return ParseHosts(f, path)
}

// ParseHosts parses a hosts file per hosts(5) and glibc: each line is an IP
// address followed by a canonical name and optional aliases, separated by
// blanks or tabs; '#' starts a comment anywhere on a line; lines with fewer
// than two fields or an address that does not parse are skipped, as glibc
// does. IPv6 zones are kept. It fails only when reading r fails.
func ParseHosts(r io.Reader, file string) (*Hosts, error) {
	h := &Hosts{File: file}
	sc := newLineScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) < 2 {
			continue
		}
		addr, err := netip.ParseAddr(f[0])
		if err != nil {
			continue
		}
		h.Entries = append(h.Entries, HostsEntry{Addr: addr, Names: f[1:], Line: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("resolve: reading %s: line %d: %w", file, line+1, err)
	}
	h.index()
	return h, nil
}

func (h *Hosts) index() {
	h.byName = make(map[string][]int)
	h.byAddr = make(map[netip.Addr][]int)
	for i, e := range h.Entries {
		seen := map[string]bool{}
		for _, n := range e.Names {
			k := hostsKey(n)
			if !seen[k] {
				seen[k] = true
				h.byName[k] = append(h.byName[k], i)
			}
		}
		a := e.Addr.WithZone("")
		h.byAddr[a] = append(h.byAddr[a], i)
	}
}

// hostsKey folds a name for hosts matching: ASCII letters only, as
// glibc's strcasecmp in the C locale and Go's resolver do ("BÜCHER" does
// not match "bücher").
func hostsKey(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

// Lookup returns the entries naming name (as canonical name or alias),
// ASCII-case-insensitively, in file order. The name is matched literally: no
// search list, and a trailing dot is not removed (glibc does not find
// "web.example.test." in the hosts file; see Resolver.Lookup).
func (h *Hosts) Lookup(name string) []HostsEntry {
	if h == nil || h.byName == nil {
		return nil
	}
	var out []HostsEntry
	for _, i := range h.byName[hostsKey(name)] {
		out = append(out, h.Entries[i])
	}
	return out
}

// LookupAddr returns the entries for addr (ignoring any zone), in file
// order.
func (h *Hosts) LookupAddr(addr netip.Addr) []HostsEntry {
	if h == nil || h.byAddr == nil {
		return nil
	}
	var out []HostsEntry
	for _, i := range h.byAddr[addr.WithZone("")] {
		out = append(out, h.Entries[i])
	}
	return out
}

// String returns the entries in hosts-file form, one per line, without
// comments or skipped lines; ParseHosts of it yields the same addresses
// and names.
func (h *Hosts) String() string {
	if h == nil {
		return ""
	}
	var b strings.Builder
	for _, e := range h.Entries {
		b.WriteString(e.Addr.String())
		for _, n := range e.Names {
			b.WriteByte('\t')
			b.WriteString(n)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
