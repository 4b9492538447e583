package topo

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// TestWalkLine: each line walks as the first trace of a fresh Sim would,
// with its reply when asked and accepted; a blank line is no walk; a bad
// line is a *FlowError naming the token.
func TestWalkLine(t *testing.T) {
	top := readExample(t, "home-nat.yaml")
	s, err := NewSim(top, 1)
	if err != nil {
		t.Fatal(err)
	}
	line := "laptop 203.0.113.200:80 tcp"
	for i := range 2 {
		w, err := s.WalkLine(line, true)
		if err != nil {
			t.Fatal(err)
		}
		fresh, _ := NewSim(top, 1)
		want, err := fresh.Walk(w.Flow, true)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(w, want) {
			t.Errorf("walk %d differs from a fresh Sim's:\n%+v\nwant\n%+v", i, w, want)
		}
		if !w.Accepted() || w.Reply == nil || w.Reply.At != "laptop" {
			t.Errorf("walk %d: accepted %v, reply %+v", i, w.Accepted(), w.Reply)
		}
	}
	if w, err := s.WalkLine("  # nothing", true); w != nil || err != nil {
		t.Errorf("comment line: %+v, %v; want nothing", w, err)
	}
	var fe *FlowError
	if _, err := s.WalkLine("laptop 203.0.113.200:80 sctp", true); !errors.As(err, &fe) || fe.Token != "sctp" {
		t.Errorf("bad line: %v; want a FlowError on sctp", err)
	}
	// Not accepted: no reply is walked, and Accepted is false.
	w, err := s.WalkLine("phone 203.0.113.64", true)
	if err != nil {
		t.Fatal(err)
	}
	if w.Accepted() || w.Reply != nil || w.Trace.Disposition != NoRoute {
		t.Errorf("phone -> 203.0.113.64: %s, reply %v; want NO_ROUTE and no reply", w.Trace.Disposition, w.Reply)
	}
}

func TestSelect(t *testing.T) {
	top := readExample(t, "gateway.yaml")
	if all, ok := top.Select(""); !ok || len(all) != len(top.Nodes) {
		t.Errorf("Select(\"\") = %d nodes, %v; want all %d", len(all), ok, len(top.Nodes))
	}
	if one, ok := top.Select("r"); !ok || len(one) != 1 || one[0].Name != "r" {
		t.Errorf("Select(r) = %v, %v", one, ok)
	}
	if none, ok := top.Select("zz"); ok || none != nil {
		t.Errorf("Select(zz) = %v, %v; want nil, false", none, ok)
	}
	if got := top.NodeNames(); len(got) != len(top.Nodes) || got[0] != top.Nodes[0].Name {
		t.Errorf("NodeNames() = %v", got)
	}
}

// TestWalkReplyError: when the reply cannot be walked (a rule of the
// answering node the walker cannot evaluate), the walk comes back with its
// trace and the error.
func TestWalkReplyError(t *testing.T) {
	s, err := NewSim(parseString(t, ownerRuleTopology), 1)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Walk(Flow{From: "b", Dst: netip.MustParseAddr("198.51.100.1")}, true)
	var re *RuleError
	if !errors.As(err, &re) || re.Node != "a" {
		t.Fatalf("err %v; want a RuleError on node a", err)
	}
	if w == nil || w.Trace.Disposition != Accepted || w.Reply != nil {
		t.Fatalf("walk %+v; want the accepted trace without a reply", w)
	}
	if w, err := s.Walk(Flow{From: "b", Dst: netip.MustParseAddr("198.51.100.1")}, false); err != nil || !w.Accepted() {
		t.Errorf("without the reply: %v, %v", w, err)
	}
}
