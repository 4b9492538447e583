package link_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/internal/testlab"
	"github.com/netcalc/netcalc/netcalc/fib"
	"github.com/netcalc/netcalc/netcalc/link"
)

// TestTableLookupLab reads two lab namespaces into a fib.State
// (Host.Table) and checks the pure model's lookup against the kernel's:
// for every question, `ip -j route get` in the namespace and
// fib.State.Lookup must agree on whether there is a route, and on its
// table, type, gateway and device. The PolicyRouting lab exercises the
// rule walk (from, fwmark, iif, unreachable rules); the Tables lab every
// route type, multipath and onlink routes, IPv4 and IPv6.
func TestTableLookupLab(t *testing.T) {
	l := testlab.New(t)
	_, v6err := os.Stat("/proc/sys/net/ipv6")
	labs := []struct {
		ns   string
		asks [][]string // ip route get arguments
	}{
		{l.PolicyRouting(), [][]string{
			{"198.51.100.70"},
			{"198.51.100.70", "from", "203.0.113.1"},
			{"198.51.100.70", "from", "203.0.113.5"},
			{"198.51.100.70", "mark", "0x310"},
			{"198.51.100.70", "mark", "17"},
			{"198.51.100.70", "from", "203.0.113.5", "mark", "0x10"},
			{"198.51.100.70", "from", "198.51.100.9", "iif", "d1"},
			{"198.51.100.70", "from", "198.51.100.9", "iif", "d0"},
			{"198.51.100.200"},
			{"203.0.113.5"},
			{"2001:db8:2::9", "from", "2001:db8:1::1"},
			{"2001:db8:2::9"},
		}},
		{l.Tables(), [][]string{
			{"198.51.100.10"},
			{"198.51.100.130"},
			{"198.51.100.70"},
			{"198.51.100.40"},
			{"198.51.100.230"},
			{"203.0.113.77"},
			{"203.0.113.1"},
			{"203.0.113.255"},
			{"198.51.100.10", "oif", "d0"},
			{"2001:db8:1::77"},
			{"2001:db8:1::1"},
			{"2001:db8:2::5"},
			{"2001:db8:3::5"},
			{"2001:db8:4::5"},
			{"2001:db8:5::5"},
			{"2001:db8:8::5"},
		}},
	}
	for _, lab := range labs {
		h, err := link.Open(lab.ns)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		tb, err := h.State(context.Background())
		if err != nil {
			t.Fatalf("Host.Table: %v", err)
		}
		if len(tb.Interfaces) == 0 || len(tb.Routes) == 0 || len(tb.Rules4) == 0 {
			t.Fatalf("Host.Table: %d interfaces, %d routes, %d IPv4 rules; want all filled", len(tb.Interfaces), len(tb.Routes), len(tb.Rules4))
		}
		for _, ask := range lab.asks {
			name := strings.Join(ask, " ")
			t.Run(name, func(t *testing.T) {
				if strings.Contains(ask[0], ":") && v6err != nil {
					t.Skip("the kernel has no IPv6")
				}
				q := fib.Query{Dst: netip.MustParseAddr(ask[0])}
				for i := 1; i+1 < len(ask); i += 2 {
					switch ask[i] {
					case "from":
						q.Src = netip.MustParseAddr(ask[i+1])
					case "iif":
						q.Iif = ask[i+1]
					case "oif":
						q.Oif = ask[i+1]
					case "mark":
						m, _ := strconv.ParseUint(ask[i+1], 0, 32)
						q.Mark = uint32(m)
					}
				}
				if q.Iif != "" {
					q.UID = ^uint32(0)
				}
				d := tb.Lookup(q)
				out, err := exec.Command("ip", append([]string{"-j", "-n", lab.ns, "route", "get"}, ask...)...).Output()
				if err != nil {
					if d.OK() {
						t.Errorf("Lookup(%s) = %s route %s via %s in table %d; the kernel has no route", name, d.Route.Type, d.Route.Dst, d.Route.Gateway, d.Route.Table)
					}
					return
				}
				var k []struct{ Type, Gateway, Dev, Table string }
				if err := json.Unmarshal(out, &k); err != nil || len(k) != 1 {
					t.Fatalf("ip -j route get %s: %v %s", name, err, out)
				}
				if k[0].Table == "" {
					k[0].Table = "main"
				}
				if k[0].Type == "" {
					k[0].Type = "unicast"
				}
				if !d.OK() {
					t.Fatalf("Lookup(%s): outcome %s; the kernel routes via %q dev %s table %s", name, d.Outcome(), k[0].Gateway, k[0].Dev, k[0].Table)
				}
				r := d.Route
				table := r.TableName()
				if (r.Type == fib.Local || r.Type == fib.Broadcast) && q.Dst.Is4() && k[0].Table == "main" {
					// Without custom rules the kernel merges IPv4's local
					// table into main and its answer names main.
					table = "main"
				}
				if table != k[0].Table || string(r.Type) != k[0].Type {
					t.Errorf("Lookup(%s) = %s route in table %s; the kernel says %s in table %s", name, r.Type, r.TableName(), k[0].Type, k[0].Table)
				}
				if r.Type != fib.Unicast {
					return // local and broadcast answers name lo, not the route's device
				}
				gws := []string{r.Gateway.String()}
				devs := []string{r.Interface}
				if !r.Gateway.IsValid() {
					gws = []string{""}
				}
				for _, nh := range r.Nexthops {
					gws, devs = append(gws, nh.Gateway.String()), append(devs, nh.Interface)
				}
				if !slices.Contains(gws, k[0].Gateway) || !slices.Contains(devs, k[0].Dev) {
					t.Errorf("Lookup(%s) = via %v dev %v; the kernel says via %q dev %s", name, gws, devs, k[0].Gateway, k[0].Dev)
				}
			})
		}
	}
}
