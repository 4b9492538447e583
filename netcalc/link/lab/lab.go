// Package lab builds a netcalc topology (package netcalc/topo) for real on
// Linux: one named network namespace per node ("PREFIX-NODE", as `ip netns
// add` makes them), veth pairs, bridges, MACs, MTUs, addresses, routes,
// sysctls and iptables rules, through netlink in one process. It also tears
// a lab down, compares a built lab with its file (Status), runs a command
// inside a node (Exec) and prints the equivalent shell script (Emit, which
// works on every OS).
//
// Safety: Up only creates namespaces that do not exist yet and refuses a
// name that is taken; before it creates anything it writes a marker file,
// /run/netcalc/PREFIX.json, listing the namespaces it is about to create.
// Down removes only the namespaces that a marker lists, so it never deletes
// a namespace netcalc did not make, and it also cleans up after an Up that
// was interrupted. Building needs CAP_NET_ADMIN and CAP_SYS_ADMIN (root).
package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// ErrUnsupported is returned by Up, Down, Status and Exec on an operating
// system other than Linux.
var ErrUnsupported = errors.New("building a topology needs Linux network namespaces (Linux only)")

// ErrRefused means that building would touch something netcalc does not own:
// a namespace name that is taken, the host's own namespace, or a prefix that
// does not make valid namespace names. Nothing was changed.
var ErrRefused = errors.New("refused")

// ErrPermission means that the process lacks a capability building needs;
// the Error's Detail names it.
var ErrPermission = errors.New("permission denied")

// ErrNotBuilt means that no lab with the prefix exists (no marker and no
// namespace).
var ErrNotBuilt = errors.New("no such lab")

// ErrNoCommand means that Exec found no such command.
var ErrNoCommand = errors.New("command not found")

// MarkerDir is where Up records what it creates.
var MarkerDir = "/run/netcalc"

// NetnsDir is where named network namespaces are mounted (as ip-netns(8)).
const NetnsDir = "/run/netns"

// Error is a failure of one object of the lab: Object names it ("veth
// a:eth0 <-> r:eth0", "route 10.0.0.0/8 via 198.51.100.1 on a"), Err is
// the kernel's or the tool's error.
type Error struct {
	Op     string // "up", "down", "status", "exec"
	Object string
	Err    error
}

func (e *Error) Error() string {
	s := e.Op
	if e.Object != "" {
		s += ": " + e.Object
	}
	return s + ": " + errText(e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// errText returns err's message; a bare errno reads as the kernel's words.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// compiled on first use: nothing is built at start-up
var prefixRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`) })

// PrefixRule says what a name prefix may be.
const PrefixRule = "want letters, digits, '.', '_' or '-' (at most 64 bytes), starting with a letter or digit"

// ErrBadPrefix means a name prefix cannot make namespace names (see
// PrefixRule).
var ErrBadPrefix = errors.New("bad name prefix")

// CheckPrefix reports whether p makes valid namespace names (PrefixRule).
func CheckPrefix(p string) error {
	if p == "" || len(p) > 64 || !prefixRE().MatchString(p) {
		return fmt.Errorf("%w %s: %s", ErrBadPrefix, strconv.Quote(p), PrefixRule)
	}
	return nil
}

// NSName returns the namespace name of node in a lab with prefix p.
func NSName(p, node string) string { return p + "-" + node }

// UnpluggedNS returns the name of the namespace that holds the far ends of
// the interfaces a file lists on no link ("PREFIX:unplugged"; ':' cannot
// occur in a node name, so it is never a node's namespace). Such an
// interface is a veth whose peer stays down there: no carrier, like an
// unplugged cable, which is what the model says of it.
func UnpluggedNS(p string) string { return p + ":unplugged" }

// unplugged returns the interfaces of t on no link, as "node\x00iface",
// with the peer names they get in UnpluggedNS (u0, u1, ...).
func unplugged(t *topo.Topology) (ifs []*topo.Interface, nodes []*topo.Node) {
	for _, n := range t.Nodes {
		for _, ifc := range n.Interfaces {
			if ifc.Kind == topo.Dummy {
				ifs = append(ifs, ifc)
				nodes = append(nodes, n)
			}
		}
	}
	return ifs, nodes
}

// Marker is the record Up keeps in MarkerDir/PREFIX.json.
type Marker struct {
	Prefix     string   `json:"prefix"`
	Name       string   `json:"name"`
	Namespaces []string `json:"namespaces"`
	// Complete is false while Up is building (or was interrupted).
	Complete bool   `json:"complete"`
	By       string `json:"by"`
}

// MarkerPath returns the marker file of prefix p.
func MarkerPath(p string) string { return filepath.Join(MarkerDir, p+".json") }

// ReadMarker reads the marker of prefix p; os.ErrNotExist when there is none.
func ReadMarker(p string) (*Marker, error) {
	b, err := os.ReadFile(MarkerPath(p))
	if err != nil {
		return nil, err
	}
	var m Marker
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: not a netcalc lab marker: %v", MarkerPath(p), err)
	}
	return &m, nil
}

// writeMarker writes m; with excl it fails (fs.ErrExist) when a marker for
// the prefix exists, so two ups of one prefix cannot both start.
func writeMarker(m *Marker, excl bool) error {
	if err := os.MkdirAll(MarkerDir, 0o755); err != nil {
		return err
	}
	b, _ := json.Marshal(m)
	f, err := os.CreateTemp(MarkerDir, "."+m.Prefix+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if excl {
		return os.Link(tmp, MarkerPath(m.Prefix))
	}
	return os.Rename(tmp, MarkerPath(m.Prefix))
}

// owned reports whether namespace name can belong to the lab with prefix
// p: PREFIX-NODE or PREFIX:unplugged. Down deletes no other, whatever a
// marker says.
func owned(p, name string) bool {
	return strings.HasPrefix(name, p+"-") && len(name) > len(p)+1 && !strings.ContainsAny(name, "/") || name == UnpluggedNS(p)
}

func newMarker(t *topo.Topology, p string) *Marker {
	m := &Marker{Prefix: p, Name: t.Name, By: "netcalc topo up"}
	for _, n := range t.Nodes {
		m.Namespaces = append(m.Namespaces, NSName(p, n.Name))
	}
	if ifs, _ := unplugged(t); len(ifs) > 0 {
		m.Namespaces = append(m.Namespaces, UnpluggedNS(p))
	}
	return m
}

// Prefix returns p, or the topology's name when p is "".
func Prefix(t *topo.Topology, p string) string {
	if p == "" {
		return t.Name
	}
	return p
}

// forwardingSysctls returns the sysctls Up sets on n, in order: forwarding
// for a router, then the file's sysctls (sorted), which may override it.
func nodeSysctls(n *topo.Node) [][2]string {
	var out [][2]string
	if n.Kind == topo.Router {
		out = append(out, [2]string{"net.ipv4.ip_forward", "1"}, [2]string{"net.ipv6.conf.all.forwarding", "1"})
	}
	keys := make([]string, 0, len(n.Sysctls))
	for k := range n.Sysctls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, [2]string{k, n.Sysctls[k]})
	}
	return out
}

// dadSysctls turn IPv6 duplicate address detection off in a new namespace,
// so that link-local addresses work at once too.
var dadSysctls = [][2]string{{"net.ipv6.conf.all.accept_dad", "0"}, {"net.ipv6.conf.default.accept_dad", "0"}}

// iptablesTool returns "ip6tables-restore" when the rules name IPv6
// addresses and "iptables-restore" otherwise.
func iptablesTool(text string) string {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			switch f[i] {
			case "-s", "-d", "--source", "--destination", "--to-destination", "--to-source":
				a := f[i+1]
				if strings.Count(a, ":") >= 2 {
					return "ip6tables-restore"
				}
			}
		}
	}
	return "iptables-restore"
}

// Options tune Up.
type Options struct {
	// Prefix names the namespaces (PREFIX-NODE); "" means the file's name.
	Prefix string
	// FailAt, when > 0, makes Up fail at its FailAt-th step as if the
	// kernel had refused it, to test that a failure removes everything.
	FailAt int
	// KeepOnFailure leaves what a failed Up built, marker included, as a
	// process killed at that step would: for tests of Down.
	KeepOnFailure bool
}

// Result says what Up built.
type Result struct {
	Prefix     string `json:"prefix"`
	Namespaces int    `json:"namespaces"`
	Links      int    `json:"links"`
	Steps      int    `json:"steps"`
}

// ErrInjected is the failure Options.FailAt injects.
var ErrInjected = errors.New("injected failure (Options.FailAt)")

// DownResult says what Down did.
type DownResult struct {
	Prefix string `json:"prefix"`
	// Removed are the namespaces deleted; Absent those the marker lists
	// that did not exist (an interrupted up, or a second down).
	Removed []string `json:"removed"`
	Absent  []string `json:"absent,omitempty"`
	// LeftAlone are namespaces with the prefix that no marker lists:
	// netcalc did not create them, so they are kept.
	LeftAlone []string `json:"left_alone,omitempty"`
	Marker    bool     `json:"marker"`
}
