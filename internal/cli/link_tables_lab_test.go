package cli_test

import (
	"encoding/json"
	"math/big"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"
)

// trimLines removes the blanks ip leaves at the end of its lines, and
// blurs the seconds a route has left (they count down between two reads).
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = expiresRE.ReplaceAllString(strings.TrimRight(l, " "), "expires Nsec")
	}
	return strings.Join(lines, "\n")
}

var expiresRE = regexp.MustCompile(`expires \d+sec`)

// nullIsTrue turns the nulls by which ip -j writes switches ("ecn",
// "router") into true, netcalc's form, inside v.
func nullIsTrue(v any) any {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		for k, e := range x {
			x[k] = nullIsTrue(e)
		}
	case []any:
		for i, e := range x {
			x[i] = nullIsTrue(e)
		}
	}
	return v
}

// factsRE matches the "  # facts" tail netcalc adds to a route's first line
// or a neighbour's line.
var factsRE = regexp.MustCompile(`(?m)  # [^\n]*$`)

// withoutFacts returns netcalc's text without the "#" tails, and the tails.
func withoutFacts(s string) (string, []string) {
	var tails []string
	for _, m := range factsRE.FindAllString(s, -1) {
		tails = append(tails, strings.TrimPrefix(m, "  # "))
	}
	return factsRE.ReplaceAllString(s, ""), tails
}

func hasIPv6() bool {
	_, err := os.Stat("/proc/sys/net/ipv6")
	return err == nil
}

// TestRouteListLab compares `netcalc route` with `ip route` in a namespace
// holding every route type, multipath, onlink, linkdown, protocols and
// IPv6 preferences (testlab.Tables): the text line for line (netcalc adds
// the "#" facts), and -o json field for field with `ip -j route`, for the
// main table, table all, numbered tables and local, IPv4 and IPv6. The
// facts are checked against math/big.
func TestRouteListLab(t *testing.T) {
	l := testlab.New(t)
	ns := l.Tables()
	fams := []string{"4"}
	if hasIPv6() {
		fams = append(fams, "6")
	}
	for _, fam := range fams {
		for _, table := range []string{"main", "all", "100", "200", "local"} {
			if fam == "4" && table == "200" {
				continue // table 200 holds IPv6 routes only; ip -4 says it does not exist
			}
			t.Run("ipv"+fam+" table "+table, func(t *testing.T) {
				want := trimLines(l.IP("-"+fam, "-n", ns, "route", "show", "table", table))
				out, errOut, code := runCLI(t, "route", "--netns", ns, "--ipv"+fam, "--table", table)
				if code != 0 {
					t.Fatalf("netcalc route --ipv%s --table %s: exit %d, stderr %q", fam, table, code, errOut)
				}
				got, tails := withoutFacts(out)
				got = trimLines(got)
				if got != want {
					t.Errorf("netcalc route --ipv%s --table %s (without the # facts):\n%s\nip -%s route show table %s:\n%s", fam, table, got, fam, table, want)
				}
				compareRouteJSON(t, l, ns, fam, table, tails)
			})
		}
	}
	t.Run("default is main, both families", func(t *testing.T) {
		out, _, code := runCLI(t, "route", "--netns", ns)
		got, _ := withoutFacts(out)
		got = trimLines(got)
		want := "IPv4:\n" + trimLines(l.IP("-n", ns, "route"))
		if hasIPv6() {
			want += "\nIPv6:\n" + trimLines(l.IP("-6", "-n", ns, "route"))
		}
		if code != 0 || got != want {
			t.Errorf("netcalc route: exit %d\n%s\nwant\n%s", code, got, want)
		}
	})
	t.Run("the lab has every kind of route", func(t *testing.T) {
		all := l.IP("-n", ns, "route", "show", "table", "all") + l.IP("-6", "-n", ns, "route", "show", "table", "all")
		for _, kind := range []string{"blackhole ", "unreachable ", "prohibit ", "throw ", "local ", "broadcast ", "nexthop via", "onlink", "linkdown",
			"proto static", "scope link", " src ", "mtu lock 1400", "rtt 20ms", "rttvar 2s", "features ecn", "congctl reno", "pref high", "expires "} {
			if !strings.Contains(all, kind) {
				t.Errorf("lab broken: no %q route:\n%s", kind, all)
			}
		}
	})
}

// compareRouteJSON checks `netcalc -o json route` against `ip -j route`:
// the same routes in the same order, every field of ip's with ip's value,
// and only netcalc's documented extras besides; and each route's facts
// (prefix, addresses, first, last, and the text's tail) against math/big.
func compareRouteJSON(t *testing.T, l *testlab.Lab, ns, fam, table string, tails []string) {
	t.Helper()
	var ip []map[string]any
	if err := json.Unmarshal([]byte(l.IP("-j", "-"+fam, "-n", ns, "route", "show", "table", table)), &ip); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "-o", "json", "route", "--netns", ns, "--ipv"+fam, "--table", table)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if out == "" {
		lines = nil
	}
	if code != 0 || len(lines) != len(ip) || len(tails) != len(ip) {
		t.Fatalf("netcalc -o json route --ipv%s --table %s: exit %d (%s), %d lines, %d text facts; ip -j route has %d routes\n%s", fam, table, code, errOut, len(lines), len(tails), len(ip), out)
	}
	extras := map[string]bool{"table": true, "family": true, "prefix": true, "addresses": true, "first": true, "last": true}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for k, v := range ip[i] {
			v = nullIsTrue(v)
			if k == "expires" {
				// Counting down: within two seconds of ip's reading.
				if g, ok := got[k].(float64); !ok || g > v.(float64)+2 || g < v.(float64)-2 {
					t.Errorf("route %v: expires = %v; ip -j route says %v", ip[i]["dst"], got[k], v)
				}
				continue
			}
			if g, ok := got[k]; !ok || !reflect.DeepEqual(g, v) {
				t.Errorf("route %v: %s = %v; ip -j route says %v\n%s", ip[i]["dst"], k, g, v, line)
			}
		}
		for k := range got {
			if _, ok := ip[i][k]; !ok && !extras[k] {
				t.Errorf("route %v: field %s that ip -j route does not have\n%s", ip[i]["dst"], k, line)
			}
		}
		if _, ok := ip[i]["table"]; !ok && got["table"] != table && !(table == "all" && got["table"] == "main") {
			t.Errorf("route %v: table %v; listed from table %s", ip[i]["dst"], got["table"], table)
		}
		checkFacts(t, got, tails[i], fam)
	}
}

// checkFacts recomputes a route's block from its dst with math/big.
func checkFacts(t *testing.T, got map[string]any, tail, fam string) {
	t.Helper()
	dst, _ := got["dst"].(string)
	bitLen := 32
	if fam == "6" {
		bitLen = 128
	}
	var p netip.Prefix
	switch {
	case dst == "default" && fam == "4":
		p = netip.MustParsePrefix("0.0.0.0/0")
	case dst == "default":
		p = netip.MustParsePrefix("::/0")
	case strings.Contains(dst, "/"):
		p = netip.MustParsePrefix(dst)
	default:
		a := netip.MustParseAddr(dst)
		p = netip.PrefixFrom(a, bitLen)
	}
	size := new(big.Int).Lsh(big.NewInt(1), uint(bitLen-p.Bits()))
	first := new(big.Int).SetBytes(p.Masked().Addr().AsSlice())
	last := new(big.Int).Sub(new(big.Int).Add(first, size), big.NewInt(1))
	lastAddr, _ := netip.AddrFromSlice(last.FillBytes(make([]byte, bitLen/8)))
	if got["prefix"] != p.Masked().String() || got["addresses"] != size.String() || got["first"] != p.Masked().Addr().String() || got["last"] != lastAddr.String() {
		t.Errorf("route %s: prefix %v addresses %v first %v last %v; want %s %s %s %s", dst, got["prefix"], got["addresses"], got["first"], got["last"], p.Masked(), size, p.Masked().Addr(), lastAddr)
	}
	want := size.String() + " addresses, " + p.Masked().Addr().String() + " to " + lastAddr.String()
	if size.Cmp(big.NewInt(1)) == 0 {
		want = "1 address"
	}
	if tail != want {
		t.Errorf("route %s: text facts %q; want %q", dst, tail, want)
	}
}

// TestNeighLab compares `netcalc neigh` with `ip neigh` in a namespace
// whose cache holds an entry in every state (testlab.Tables): the text
// line for line (netcalc adds the "#" ages), --all with `ip neigh show nud
// all`, and -o json field for field with `ip -j -s neigh`, the ages within
// the time between two ip snapshots. The transient states move on while
// the test runs, so a comparison whose two ip snapshots differ is retried.
func TestNeighLab(t *testing.T) {
	l := testlab.New(t)
	ns := l.Tables()
	t.Run("the lab has every state", func(t *testing.T) {
		all := l.IP("-n", ns, "neigh", "show", "nud", "all")
		for _, st := range []string{"PERMANENT", "NOARP", "INCOMPLETE", "STALE", "REACHABLE", "FAILED"} {
			if !strings.Contains(all, " "+st) {
				t.Errorf("lab broken: no %s entry:\n%s", st, all)
			}
		}
		if hasIPv6() && !strings.Contains(all, " router ") {
			t.Errorf("lab broken: no router entry:\n%s", all)
		}
	})
	for _, c := range []struct {
		name string
		args []string // netcalc's
		ip   []string // ip's, after -n NS neigh show
	}{
		{"ip neigh", nil, nil},
		{"nud all", []string{"--all"}, []string{"nud", "all"}},
		{"ipv4", []string{"--ipv4"}, []string{"-4"}},
		{"ipv6 dev d0", []string{"--ipv6", "-i", "d0"}, []string{"-6", "dev", "d0"}},
	} {
		t.Run(c.name+" text", func(t *testing.T) {
			ipArgs := func() []string {
				a := []string{"-n", ns}
				rest := c.ip
				if len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
					a = append([]string{rest[0]}, a...)
					rest = rest[1:]
				}
				return append(append(a, "neigh", "show"), rest...)
			}()
			for try := 0; ; try++ {
				before := trimLines(l.IP(ipArgs...))
				out, errOut, code := runCLI(t, append([]string{"neigh", "--netns", ns}, c.args...)...)
				after := trimLines(l.IP(ipArgs...))
				if code != 0 {
					t.Fatalf("netcalc neigh %v: exit %d, stderr %q", c.args, code, errOut)
				}
				got, _ := withoutFacts(out)
				if before != after && try < 5 {
					continue // an entry changed state meanwhile
				}
				if got != before && got != after {
					t.Errorf("netcalc neigh %v (without the # ages):\n%s\nip %v:\n%s", c.args, got, ipArgs, before)
				}
				break
			}
		})
	}
	t.Run("json is ip -j -s neigh's", func(t *testing.T) {
		type entry = map[string]any
		snap := func() []entry {
			var v []entry
			if err := json.Unmarshal([]byte(l.IP("-j", "-s", "-n", ns, "neigh", "show", "nud", "all")), &v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		states := func(es []entry) string {
			var b strings.Builder
			for _, e := range es {
				b.WriteString(e["dst"].(string) + " " + e["dev"].(string) + " " + strings.TrimSpace(strings.Join(strs(e["state"]), ",")) + ";")
			}
			return b.String()
		}
		for try := 0; ; try++ {
			before := snap()
			out, _, code := runCLI(t, "-o", "json", "neigh", "--netns", ns, "--all")
			after := snap()
			if states(before) != states(after) && try < 5 {
				continue
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 || len(lines) != len(before) {
				t.Fatalf("netcalc -o json neigh --all: exit %d, %d lines; ip has %d entries\n%s", code, len(lines), len(before), out)
			}
			for i, line := range lines {
				var got entry
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatal(err)
				}
				for k, v := range before[i] {
					g, ok := got[k]
					switch k {
					case "used", "confirmed", "updated":
						// Ages grow between the snapshots (or restart at an update).
						lo, hi := v.(float64), after[i][k].(float64)
						if f, isNum := g.(float64); !isNum || (f < min(lo, hi) || f > max(lo, hi)) {
							t.Errorf("neigh %v: %s = %v; ip -j -s neigh says %v then %v", before[i]["dst"], k, g, lo, hi)
						}
						continue
					case "router":
						if v == nil && g == true { // ip writes switches as null
							continue
						}
					}
					if !ok || !reflect.DeepEqual(g, v) && !reflect.DeepEqual(g, after[i][k]) {
						t.Errorf("neigh %v: %s = %v; ip -j -s neigh says %v\n%s", before[i]["dst"], k, g, v, line)
					}
				}
				for k := range got {
					if _, ok := before[i][k]; !ok && k != "family" {
						t.Errorf("neigh %v: field %s that ip -j -s neigh does not have\n%s", before[i]["dst"], k, line)
					}
				}
			}
			break
		}
	})
	t.Run("arp --cache lists the table", func(t *testing.T) {
		a, _, code := runCLI(t, "arp", "--cache", "--netns", ns, "-i", "d0")
		b, _, _ := runCLI(t, "neigh", "--netns", ns, "-i", "d0")
		a, _ = withoutFacts(a)
		b, _ = withoutFacts(b)
		if code != 0 || a != b || !strings.Contains(a, "203.0.113.9 lladdr 02:00:00:00:00:09 PERMANENT") {
			t.Errorf("arp --cache: exit %d\n%s\nwant netcalc neigh's\n%s", code, a, b)
		}
	})
}

func strs(v any) []string {
	var out []string
	if xs, ok := v.([]any); ok {
		for _, x := range xs {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}
