package netfilter

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

func TestParseNATRangeErrors(t *testing.T) {
	for _, in := range []string{"", ":", "10.0.0.1:", "10.0.0.1:0-x", "10.0.0.2-10.0.0.1", "10.0.0.1-2001:db8::1",
		"[2001:db8::1", "[2001:db8::1]80", "fe80::1%eth0", "10.0.0.1:80:90", "host:80", "10.0.0.1:90-80"} {
		if r, err := ParseNATRange(in); !errors.Is(err, ErrBadValue) {
			t.Errorf("ParseNATRange(%q) = %+v, %v; want ErrBadValue", in, r, err)
		}
	}
}

func TestCTState(t *testing.T) {
	for _, in := range []string{"NEW", "RELATED,ESTABLISHED", "INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT"} {
		s, ok := ParseCTState(in)
		if !ok || s.String() != in {
			t.Errorf("ParseCTState(%q) = %v (%q), %v; want it back", in, s, s.String(), ok)
		}
	}
	if s, ok := ParseCTState("established,related"); !ok || s != CTEstablished|CTRelated {
		t.Errorf("ParseCTState(lower case) = %v, %v", s, ok)
	}
	for _, in := range []string{"", "NEW,", "OLD"} {
		if _, ok := ParseCTState(in); ok {
			t.Errorf("ParseCTState(%q) accepted", in)
		}
	}
}

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]packet.Protocol{"tcp": 6, "UDP": 17, "all": 0, "0": 0, "132": 132, "ipv6-icmp": 58, "icmpv6": 58} {
		if got, ok := parseProtocol(in); !ok || got != want {
			t.Errorf("parseProtocol(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "256", "-1", "tcpx"} {
		if _, ok := parseProtocol(in); ok {
			t.Errorf("parseProtocol(%q) accepted", in)
		}
	}
}

func TestStepJSON(t *testing.T) {
	b, err := json.Marshal(Step{Table: "nat", Chain: "A", Rule: 2, Matched: true, Action: ActionJump, Target: "B"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"table":"nat","chain":"A","depth":0,"rule":2,"matched":true,"action":"jump","target":"B"}`
	if string(b) != want {
		t.Errorf("json = %s; want %s", b, want)
	}
	b, _ = json.Marshal(Verdict{Kind: VerdictDNAT, Chain: "A", Rule: 0})
	if want := `{"kind":"DNAT","policy":false,"chain":"A","rule":0}`; string(b) != want {
		t.Errorf("json = %s; want %s", b, want)
	}
}
