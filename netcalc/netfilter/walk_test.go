package netfilter

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// steps summarizes a walk as "CHAIN/RULE action[ target][ miss=M]" lines,
// for comparison in tests.
func steps(res Result) []string {
	var out []string
	for _, s := range res.Steps {
		x := fmt.Sprintf("%s/%d %s", s.Chain, s.Rule, s.Action)
		if s.Target != "" {
			x += " " + s.Target
		}
		if s.Miss != "" {
			x += " miss=" + s.Miss
		}
		out = append(out, x)
	}
	return out
}

func mustParse(t *testing.T, s string) *Ruleset {
	t.Helper()
	rs, err := ParseString(s)
	if err != nil {
		t.Fatalf("ParseString: %v", err)
	}
	return rs
}

// filter wraps rule lines in a filter table with chains A, B and C.
func filter(policy string, rules ...string) string {
	return "*filter\n:INPUT " + policy + " [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n:C - [0:0]\n" +
		strings.Join(rules, "\n") + "\nCOMMIT\n"
}

func nat(rules ...string) string {
	return "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:A - [0:0]\n" +
		strings.Join(rules, "\n") + "\nCOMMIT\n"
}

var (
	client = netip.MustParseAddr("203.0.113.7")
	server = netip.MustParseAddr("198.51.100.2")
)

func tcp(dport uint16) Packet {
	return Packet{Src: client, Dst: server, Proto: packet.TCP, SrcPort: 40000, DstPort: dport, In: "veth0", State: CTNew}
}

// draws returns a Random func that yields xs in order and counts calls.
func draws(xs ...float64) (func() float64, *int) {
	n := new(int)
	return func() float64 {
		x := xs[*n%len(xs)]
		*n++
		return x
	}, n
}

func TestWalk(t *testing.T) {
	tests := []struct {
		name    string
		rules   string
		table   string
		hook    Hook
		pkt     Packet
		random  []float64
		want    []string
		verdict VerdictKind
		policy  bool
		mark    uint32
	}{
		{
			name:  "source matches",
			rules: filter("DROP", "-A INPUT -s 203.0.113.0/24 -j ACCEPT"),
			pkt:   tcp(80), want: []string{"INPUT/0 verdict ACCEPT"}, verdict: VerdictAccept,
		},
		{
			name:  "negated source does not match, policy DROP",
			rules: filter("DROP", "-A INPUT ! -s 203.0.113.0/24 -j ACCEPT"),
			pkt:   tcp(80), want: []string{"INPUT/0 none ACCEPT miss=-s", "INPUT/-1 policy DROP"},
			verdict: VerdictDrop, policy: true,
		},
		{
			name:  "dotted mask and long option names",
			rules: filter("DROP", "-A INPUT --source 203.0.113.0/255.255.255.128 --destination 198.51.100.2 -j ACCEPT"),
			pkt:   tcp(80), want: []string{"INPUT/0 verdict ACCEPT"}, verdict: VerdictAccept,
		},
		{
			name:  "other family never matches, even negated",
			rules: filter("DROP", "-A INPUT ! -d 2001:db8::/32 -j ACCEPT"),
			pkt:   tcp(80), want: []string{"INPUT/0 none ACCEPT miss=-d", "INPUT/-1 policy DROP"},
			verdict: VerdictDrop, policy: true,
		},
		{
			name: "protocol, ports and ranges",
			rules: filter("DROP",
				"-A INPUT -p udp -j ACCEPT",
				"-A INPUT -p tcp -m tcp --dport 1:79 -j ACCEPT",
				"-A INPUT -p tcp -m tcp ! --sport 40000 -j ACCEPT",
				"-A INPUT -p 6 --dport 80: --sport :40000 -j ACCEPT"),
			pkt: tcp(80),
			want: []string{"INPUT/0 none ACCEPT miss=-p", "INPUT/1 none ACCEPT miss=tcp",
				"INPUT/2 none ACCEPT miss=tcp", "INPUT/3 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name: "interfaces with wildcard and negation",
			rules: filter("DROP",
				"-A INPUT -o veth0 -j ACCEPT",
				"-A INPUT ! -i veth+ -j ACCEPT",
				"-A INPUT -i vet+ -j ACCEPT"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 none ACCEPT miss=-o", "INPUT/1 none ACCEPT miss=-i", "INPUT/2 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name: "multiport",
			rules: filter("DROP",
				"-A INPUT -p tcp -m multiport --dports 22,443,8000:8080 -j ACCEPT",
				"-A INPUT -p tcp -m multiport ! --ports 80,81 -j ACCEPT",
				"-A INPUT -p tcp -m multiport --ports 1,40000 -j REJECT --reject-with tcp-reset"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 none ACCEPT miss=multiport", "INPUT/1 none ACCEPT miss=multiport", "INPUT/2 verdict REJECT"},
			verdict: VerdictReject,
		},
		{
			name:    "no chain at the hook: ACCEPT",
			rules:   "*filter\n:A - [0:0]\nCOMMIT\n",
			pkt:     tcp(80),
			want:    []string{"INPUT/-1 policy ACCEPT"},
			verdict: VerdictAccept, policy: true,
		},
		{
			name: "jump, end of user chain, continue",
			rules: filter("DROP",
				"-A INPUT -j A",
				"-A INPUT -j ACCEPT",
				"-A A -d 192.0.2.1 -j DROP"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 jump A", "A/0 none DROP miss=-d", "A/-1 end", "INPUT/1 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name: "RETURN from a user chain",
			rules: filter("DROP",
				"-A INPUT -j A",
				"-A INPUT -j ACCEPT",
				"-A A -p tcp -j RETURN",
				"-A A -j DROP"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 jump A", "A/0 return RETURN", "INPUT/1 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name: "RETURN from the built-in chain is the policy",
			rules: filter("DROP",
				"-A INPUT -j RETURN",
				"-A INPUT -j ACCEPT"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 return RETURN", "INPUT/-1 policy DROP"},
			verdict: VerdictDrop, policy: true,
		},
		{
			name: "goto: the end of the chain goes back past the goto",
			rules: filter("DROP",
				"-A INPUT -g A",
				"-A INPUT -j ACCEPT"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 goto A", "INPUT/-1 policy DROP"},
			verdict: VerdictDrop, policy: true,
		},
		{
			name: "goto then RETURN: back to the chain that jumped",
			rules: filter("DROP",
				"-A INPUT -j A",
				"-A INPUT -j ACCEPT",
				"-A A -g B",
				"-A A -j DROP",
				"-A B -j RETURN"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 jump A", "A/0 goto B", "B/0 return RETURN", "INPUT/1 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name: "MARK then mark match",
			rules: filter("DROP",
				"-A INPUT -j MARK --set-xmark 0x4000/0xc000",
				"-A INPUT -m mark --mark 0x8000/0x8000 -j DROP",
				"-A INPUT -j MARK --or-mark 0x1",
				"-A INPUT -j MARK --xor-mark 0x4000",
				"-A INPUT -j MARK --and-mark 0xff",
				"-A INPUT -j MARK --set-mark 0x10/0x10",
				"-A INPUT -m mark ! --mark 0x11 -j DROP",
				"-A INPUT -m mark --mark 17 -j ACCEPT"),
			pkt: Packet{Src: client, Dst: server, Proto: packet.TCP, Mark: 0x8001},
			want: []string{"INPUT/0 mark MARK", "INPUT/1 none DROP miss=mark", "INPUT/2 mark MARK", "INPUT/3 mark MARK",
				"INPUT/4 mark MARK", "INPUT/5 mark MARK", "INPUT/6 none DROP miss=mark", "INPUT/7 verdict ACCEPT"},
			verdict: VerdictAccept, mark: 0x11,
		},
		{
			name: "conntrack and state",
			rules: filter("DROP",
				"-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
				"-A INPUT -m state --state INVALID -j DROP",
				"-A INPUT -m conntrack ! --ctstate NEW -j DROP",
				"-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j REJECT"),
			pkt: tcp(80),
			want: []string{"INPUT/0 none ACCEPT miss=conntrack", "INPUT/1 none DROP miss=state",
				"INPUT/2 none DROP miss=conntrack", "INPUT/3 verdict REJECT"},
			verdict: VerdictReject,
		},
		{
			name: "DNAT state",
			rules: filter("DROP",
				"-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j REJECT",
				"-A INPUT -m conntrack --ctstate DNAT -j ACCEPT"),
			pkt:     Packet{Src: client, Dst: server, Proto: packet.TCP, State: CTNew | CTDNAT},
			want:    []string{"INPUT/0 none REJECT miss=conntrack", "INPUT/1 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name: "statistic draws only when reached, matches below the probability",
			rules: filter("DROP",
				"-A INPUT -m statistic --mode random --probability 0.5 -d 192.0.2.1 -j DROP",
				"-A INPUT -m comment --comment \"first of three\" -m statistic --mode random --probability 0.33333333349 -j A",
				"-A INPUT -m statistic --mode random --probability 0.5000000000 -j B",
				"-A INPUT -j C",
				"-A A -j DROP",
				"-A B -j ACCEPT",
				"-A C -j REJECT"),
			pkt:    tcp(80),
			random: []float64{0.4, 0.2},
			want: []string{"INPUT/0 none DROP miss=-d", "INPUT/1 none A miss=statistic",
				"INPUT/2 jump B", "B/0 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name:  "negated probability",
			rules: filter("DROP", "-A INPUT -m statistic --mode random ! --probability 0.25 -j ACCEPT"),
			pkt:   tcp(80), random: []float64{0.9},
			want: []string{"INPUT/0 verdict ACCEPT"}, verdict: VerdictAccept,
		},
		{
			name: "comment and nfacct always match",
			rules: filter("DROP",
				"-A INPUT -m comment --comment \"a comment\" -m nfacct --nfacct-name pkts -j ACCEPT"),
			pkt: tcp(80), want: []string{"INPUT/0 verdict ACCEPT"}, verdict: VerdictAccept,
		},
		{
			name: "rule without target counts and continues",
			rules: filter("DROP",
				"-A INPUT -p tcp",
				"-A INPUT -j LOG --log-prefix \"in: \"",
				"-A INPUT -j ACCEPT"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 continue", "INPUT/1 continue LOG", "INPUT/2 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name: "addrtype",
			rules: filter("DROP",
				"-A INPUT -m addrtype --src-type LOCAL -j DROP",
				"-A INPUT -m addrtype ! --dst-type LOCAL -j DROP",
				"-A INPUT -m addrtype --src-type UNICAST,BROADCAST --dst-type LOCAL -j ACCEPT"),
			pkt:     tcp(80),
			want:    []string{"INPUT/0 none DROP miss=addrtype", "INPUT/1 none DROP miss=addrtype", "INPUT/2 verdict ACCEPT"},
			verdict: VerdictAccept,
		},
		{
			name:    "DNAT",
			rules:   nat("-A PREROUTING -d 198.51.100.2/32 -p tcp -m tcp --dport 80 -j A", "-A A -j DNAT --to-destination 198.51.100.9:8080"),
			table:   "nat",
			hook:    Prerouting,
			pkt:     tcp(80),
			want:    []string{"PREROUTING/0 jump A", "A/0 verdict DNAT"},
			verdict: VerdictDNAT,
		},
		{
			name:    "SNAT",
			rules:   nat("-A POSTROUTING -s 203.0.113.0/24 -j SNAT --to-source 198.51.100.1"),
			table:   "nat",
			hook:    Postrouting,
			pkt:     tcp(80),
			want:    []string{"POSTROUTING/0 verdict SNAT"},
			verdict: VerdictSNAT,
		},
		{
			name:    "MASQUERADE",
			rules:   nat("-A POSTROUTING -o veth+ -j MASQUERADE", "-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1024-2048 --random-fully"),
			table:   "nat",
			hook:    Postrouting,
			pkt:     tcp(80),
			want:    []string{"POSTROUTING/0 none MASQUERADE miss=-o", "POSTROUTING/1 verdict MASQUERADE"},
			verdict: VerdictMasquerade,
		},
		{
			name:    "REDIRECT",
			rules:   nat("-A OUTPUT -p tcp -j REDIRECT --to-ports 3128"),
			table:   "nat",
			hook:    Output,
			pkt:     tcp(80),
			want:    []string{"OUTPUT/0 verdict REDIRECT"},
			verdict: VerdictRedirect,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Walker{Rules: mustParse(t, tt.rules),
				AddrType: func(a netip.Addr) AddrType {
					if a == server {
						return AddrLocal
					}
					return AddrUnicast
				}}
			if tt.random != nil {
				w.Random, _ = draws(tt.random...)
			}
			table, hook := tt.table, tt.hook
			if table == "" {
				table, hook = "filter", Input
			}
			res, err := w.Walk(table, hook, tt.pkt)
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if diff := cmp.Diff(tt.want, steps(res)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if res.Verdict.Kind != tt.verdict || res.Verdict.Policy != tt.policy {
				t.Errorf("verdict = %v (policy %v); want %v (policy %v)", res.Verdict.Kind, res.Verdict.Policy, tt.verdict, tt.policy)
			}
			if res.Packet.Mark != tt.mark {
				t.Errorf("mark = %#x; want %#x", res.Packet.Mark, tt.mark)
			}
			last := res.Steps[len(res.Steps)-1]
			if !res.Verdict.Policy && (last.Chain != res.Verdict.Chain || last.Rule != res.Verdict.Rule) {
				t.Errorf("verdict at %s/%d; last step %s/%d", res.Verdict.Chain, res.Verdict.Rule, last.Chain, last.Rule)
			}
		})
	}
}

func TestWalkStepText(t *testing.T) {
	rs := mustParse(t, filter("DROP", `-A INPUT -m comment --comment "web in" -p tcp -m tcp --dport 80 -j ACCEPT`))
	res, err := (&Walker{Rules: rs}).Walk("filter", Input, tcp(80))
	if err != nil {
		t.Fatal(err)
	}
	want := Step{Table: "filter", Chain: "INPUT", Rule: 0, Matched: true, Action: ActionVerdict, Target: "ACCEPT",
		Text: `-A INPUT -m comment --comment "web in" -p tcp -m tcp --dport 80 -j ACCEPT`}
	if diff := cmp.Diff([]Step{want}, res.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}

func TestWalkStatisticCalls(t *testing.T) {
	rs := mustParse(t, filter("DROP",
		"-A INPUT -d 192.0.2.1 -m statistic --mode random --probability 0.5 -j DROP",
		"-A INPUT -m statistic --mode random --probability 0.5 -p udp -j DROP",
		"-A INPUT -m statistic --mode random --probability 0.5 -j ACCEPT"))
	random, n := draws(0.1)
	res, err := (&Walker{Rules: rs, Random: random}).Walk("filter", Input, tcp(80))
	if err != nil {
		t.Fatal(err)
	}
	// Built-in options are checked before any module, as in the kernel:
	// the first two rules fail on -d and -p without drawing.
	if *n != 1 {
		t.Errorf("Random called %d times; want 1", *n)
	}
	if res.Verdict.Kind != VerdictAccept || res.Verdict.Rule != 2 {
		t.Errorf("verdict %v at rule %d; want ACCEPT at rule 2", res.Verdict.Kind, res.Verdict.Rule)
	}
}

func TestWalkNAT(t *testing.T) {
	tests := []struct {
		target string
		want   NATRange
	}{
		{"DNAT --to-destination 198.51.100.9:8080", NATRange{MinAddr: server9, MaxAddr: server9, MinPort: 8080, MaxPort: 8080}},
		{"DNAT --to-destination 198.51.100.9", NATRange{MinAddr: server9, MaxAddr: server9}},
		{"DNAT --to-destination 198.51.100.9-198.51.100.10:80-90", NATRange{MinAddr: server9, MaxAddr: netip.MustParseAddr("198.51.100.10"), MinPort: 80, MaxPort: 90}},
		{"SNAT --to-source 198.51.100.9 --random", NATRange{MinAddr: server9, MaxAddr: server9}},
		{"DNAT --to-destination [2001:db8::9]:80", NATRange{MinAddr: v6s9, MaxAddr: v6s9, MinPort: 80, MaxPort: 80}},
		{"DNAT --to-destination 2001:db8::9", NATRange{MinAddr: v6s9, MaxAddr: v6s9}},
		{"DNAT --to-destination :8080", NATRange{MinPort: 8080, MaxPort: 8080}},
		{"MASQUERADE --to-ports 1024-2048", NATRange{MinPort: 1024, MaxPort: 2048}},
		{"MASQUERADE", NATRange{}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rs := mustParse(t, nat("-A POSTROUTING -j "+tt.target))
			res, err := (&Walker{Rules: rs}).Walk("nat", Postrouting, tcp(80))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Verdict.To, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("To (-want +got):\n%s", diff)
			}
			if got := res.Verdict.Target.Name; got != strings.Fields(tt.target)[0] {
				t.Errorf("Target.Name = %q", got)
			}
		})
	}
}

var (
	server9 = netip.MustParseAddr("198.51.100.9")
	v6s9    = netip.MustParseAddr("2001:db8::9")
)

// TestWalkRecent is kube-proxy's ClientIP affinity: the DNAT rule --set's
// the client, the balancing chain --rcheck's it within --seconds and
// --reap's older entries.
func TestWalkRecent(t *testing.T) {
	rs := mustParse(t, nat(
		"-A PREROUTING -m recent --name EP1 --rcheck --seconds 10800 --reap -j A",
		"-A PREROUTING -m recent --name DST --rdest --rcheck -j ACCEPT",
		"-A PREROUTING -m recent --name EP1 --set -m tcp -p tcp -j DNAT --to-destination 198.51.100.9:80",
		"-A A -j DNAT --to-destination 198.51.100.10:80"))
	now := time.Unix(1_000_000, 0)
	var recent Recent
	w := &Walker{Rules: rs, Recent: &recent, Now: func() time.Time { return now }}
	walk := func() Result {
		t.Helper()
		res, err := w.Walk("nat", Prerouting, tcp(80))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := walk(); res.Verdict.Rule != 2 {
		t.Fatalf("first connection: verdict at rule %d; want 2 (not yet in the list)", res.Verdict.Rule)
	}
	if last, ok := recent.LastSeen("EP1", client); !ok || !last.Equal(now) {
		t.Fatalf("--set: LastSeen = %v, %v; want %v, true", last, ok, now)
	}
	now = now.Add(3 * time.Hour)
	if res := walk(); res.Verdict.Chain != "A" {
		t.Errorf("within --seconds: verdict in %s; want A (affinity)", res.Verdict.Chain)
	}
	now = now.Add(time.Second)
	if res := walk(); res.Verdict.Chain != "PREROUTING" {
		t.Errorf("after --seconds: verdict in %s; want PREROUTING (affinity expired)", res.Verdict.Chain)
	}
	// The expired walk reaped the entry and the DNAT rule set it again;
	// forget it to reach the --rdest rule.
	recent.Remove("EP1", client)
	recent.Set("DST", server, now)
	if res := walk(); res.Verdict.Rule != 1 || res.Verdict.Kind != VerdictAccept {
		t.Errorf("--rdest: verdict %v at rule %d; want ACCEPT at rule 1", res.Verdict.Kind, res.Verdict.Rule)
	}
	recent.Set("EP1", client, now.Add(-11000*time.Second))
	recent.Set("EP1", server9, now.Add(-11000*time.Second))
	w.Rules = mustParse(t, nat("-A PREROUTING -m recent --name EP1 --rcheck --seconds 10800 --reap -j A", "-A A -j ACCEPT"))
	walk()
	if n := recent.Len("EP1"); n != 0 {
		t.Errorf("--reap left %d entries; want 0", n)
	}
}

func TestWalkRecentUpdateRemove(t *testing.T) {
	now := time.Unix(5000, 0)
	var recent Recent
	recent.Set("L", client, time.Unix(100, 0))
	w := &Walker{Recent: &recent, Now: func() time.Time { return now }, Rules: mustParse(t, filter("DROP",
		"-A INPUT -m recent --name L --update -j A",
		"-A A -m recent --name L --remove -j ACCEPT"))}
	res, err := w.Walk("filter", Input, tcp(80))
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict.Kind != VerdictAccept || res.Verdict.Chain != "A" {
		t.Fatalf("verdict %v in %s; want ACCEPT in A", res.Verdict.Kind, res.Verdict.Chain)
	}
	if _, ok := recent.LastSeen("L", client); ok {
		t.Errorf("--remove left the entry")
	}
}

func TestWalkErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		table string
		hook  Hook
		w     Walker
		err   error
		what  string
	}{
		{name: "unknown match", rules: filter("DROP", "-A INPUT -m geoip --src-cc FR -j DROP"), err: ErrUnknownMatch, what: "geoip"},
		{name: "known but not simulated match", rules: filter("DROP", "-A INPUT -m connmark --mark 1 -j DROP"), err: ErrUnknownMatch, what: "connmark"},
		{name: "unknown target", rules: filter("DROP", "-A INPUT -j NOSUCH"), err: ErrUnknownTarget, what: "NOSUCH"},
		{name: "tcp flags", rules: filter("DROP", "-A INPUT -p tcp -m tcp --tcp-flags SYN,RST SYN -j DROP"), err: ErrUnsupported, what: "--tcp-flags"},
		{name: "statistic without Random", rules: filter("DROP", "-A INPUT -m statistic --mode random --probability 0.5 -j DROP"), err: ErrUnsupported, what: "statistic"},
		{name: "statistic nth", rules: filter("DROP", "-A INPUT -m statistic --mode nth --every 2 -j DROP"), w: Walker{Random: func() float64 { return 0 }}, err: ErrUnsupported, what: "--mode"},
		{name: "recent without lists", rules: filter("DROP", "-A INPUT -m recent --name X --set -j DROP"), err: ErrUnsupported, what: "recent"},
		{name: "recent hitcount", rules: filter("DROP", "-A INPUT -m recent --name X --rcheck --hitcount 3 -j DROP"), w: Walker{Recent: &Recent{}}, err: ErrUnsupported, what: "--hitcount"},
		{name: "addrtype without lookup", rules: filter("DROP", "-A INPUT -m addrtype --dst-type LOCAL -j DROP"), err: ErrUnsupported, what: "--dst-type"},
		{name: "bad address", rules: filter("DROP", "-A INPUT -s 10.0.0.0/33 -j DROP"), err: ErrBadValue, what: "-s"},
		{name: "address list", rules: filter("DROP", "-A INPUT -s 10.0.0.1,10.0.0.2 -j DROP"), err: ErrBadValue, what: "-s"},
		{name: "bad port", rules: filter("DROP", "-A INPUT -p tcp -m tcp --dport 70000 -j DROP"), err: ErrBadValue, what: "--dport"},
		{name: "bad mark", rules: filter("DROP", "-A INPUT -j MARK --set-xmark x"), err: ErrBadValue, what: "--set-xmark"},
		{name: "bad DNAT", rules: nat("-A PREROUTING -j DNAT --to-destination 10.0.0.1:99999"), table: "nat", hook: Prerouting, err: ErrBadValue, what: "--to-destination"},
		{name: "DNAT without range", rules: nat("-A PREROUTING -j DNAT"), table: "nat", hook: Prerouting, err: ErrBadValue, what: "DNAT"},
		{name: "jump loop", rules: filter("DROP", "-A INPUT -j A", "-A A -j B", "-A B -j A"), err: ErrLoop, what: "A"},
		{name: "goto loop", rules: filter("DROP", "-A INPUT -j A", "-A A -g B", "-A B -g A"), err: ErrLoop, what: "A"},
		{name: "jump to a built-in chain", rules: filter("DROP", "-A INPUT -j OUTPUT"), err: ErrUnknownTarget, what: "OUTPUT"},
		{name: "nat has no FORWARD", rules: nat(), table: "nat", hook: Forward, err: ErrNoHook, what: "nat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.w
			w.Rules = mustParse(t, tt.rules)
			table, hook := tt.table, tt.hook
			if table == "" {
				table, hook = "filter", Input
			}
			_, err := w.Walk(table, hook, tcp(80))
			if !errors.Is(err, tt.err) {
				t.Fatalf("Walk error = %v; want %v", err, tt.err)
			}
			var we *WalkError
			if !errors.As(err, &we) || we.What != tt.what {
				t.Fatalf("Walk error = %#v; want a *WalkError about %q", err, tt.what)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.what)) {
				t.Errorf("message %q does not quote %q", err, tt.what)
			}
		})
	}
}

func TestHooks(t *testing.T) {
	var got []string
	for _, h := range Hooks() {
		var ts []string
		for _, ht := range Tables(h) {
			s := ht.Table
			switch ht.NAT {
			case DNAT:
				s += "(DNAT)"
			case SNAT:
				s += "(SNAT)"
			}
			ts = append(ts, s)
		}
		got = append(got, string(h)+": "+strings.Join(ts, " "))
	}
	want := []string{
		"PREROUTING: raw mangle nat(DNAT)",
		"INPUT: mangle filter security nat(SNAT)",
		"FORWARD: mangle filter security",
		"OUTPUT: raw mangle nat(DNAT) filter security",
		"POSTROUTING: mangle nat(SNAT)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hook tables (-want +got):\n%s", diff)
	}
	for _, h := range Hooks() {
		ts := Tables(h)
		for i := 1; i < len(ts); i++ {
			if ts[i-1].Priority >= ts[i].Priority {
				t.Errorf("%s: %s (%d) before %s (%d)", h, ts[i-1].Table, ts[i-1].Priority, ts[i].Table, ts[i].Priority)
			}
		}
		for _, ht := range ts {
			if !contains(BuiltinChains(ht.Table), string(h)) {
				t.Errorf("table %s at %s has no built-in chain %s", ht.Table, h, h)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
