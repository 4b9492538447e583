package nat_test

import (
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/nat"
	"github.com/netcalc/netcalc/netcalc/packet"
)

func TestParseScale(t *testing.T) {
	ok := nat.ScaleOptions{Preset: "linux", Flows: 10, Seed: 3, Inside: "10.0.0.0/24", Dest: "198.51.100.7/32",
		External: "203.0.113.1", Proto: "UDP"}
	tests := []struct {
		name  string
		edit  func(o *nat.ScaleOptions)
		field string // "" means accepted
		value string
	}{
		{"valid", func(o *nat.ScaleOptions) {}, "", ""},
		{"preset", func(o *nat.ScaleOptions) { o.Preset = "cone" }, "preset", "cone"},
		{"flows negative", func(o *nat.ScaleOptions) { o.Flows = -1 }, "flows", "-1"},
		{"flows too many", func(o *nat.ScaleOptions) { o.Flows = nat.MaxScaleFlows + 1 }, "flows", "5000001"},
		{"interval", func(o *nat.ScaleOptions) { o.Interval = -1e9 }, "interval", "-1s"},
		{"external", func(o *nat.ScaleOptions) { o.External = "nowhere" }, "external", "nowhere"},
		{"ports", func(o *nat.ScaleOptions) { o.Ports = "9-1" }, "ports", "9-1"},
		{"inside", func(o *nat.ScaleOptions) { o.Inside = "10.0.0.0/33" }, "inside", "10.0.0.0/33"},
		{"dst", func(o *nat.ScaleOptions) { o.Dest = "x" }, "dst", "x"},
		{"family", func(o *nat.ScaleOptions) { o.Dest = "2001:db8::/64" }, "family", ""},
		{"proto", func(o *nat.ScaleOptions) { o.Proto = "ICMP" }, "proto", "icmp"},
		// the first bad value is the one reported, in flag order
		{"preset before flows", func(o *nat.ScaleOptions) { o.Preset, o.Flows = "cone", -1 }, "preset", "cone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			sc, err := nat.ParseScale(o)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ParseScale(%+v) = %v; want no error", o, err)
				}
				if sc.Proto != packet.UDP || sc.Inside != netip.MustParsePrefix("10.0.0.0/24") || sc.N != 10 || sc.Seed != 3 {
					t.Errorf("ParseScale(%+v) = %+v; want udp flows from 10.0.0.0/24, N 10, seed 3", o, sc)
				}
				return
			}
			var oe *nat.ScaleOptionError
			if !errors.As(err, &oe) || oe.Field != tt.field || oe.Value != tt.value {
				t.Fatalf("ParseScale(%+v) error = %v; want *ScaleOptionError{%s, %q}", o, err, tt.field, tt.value)
			}
			if !errors.Is(err, nat.ErrConfig) {
				t.Errorf("ParseScale error %v is not ErrConfig", err)
			}
		})
	}
}

func TestDecisionDetail(t *testing.T) {
	tests := []struct {
		name string
		d    nat.Decision
		want string
	}{
		{"mapping", nat.Decision{Cause: nat.CauseMapping, Filtering: nat.ADF}, "mapping adf"},
		{"not peer", nat.Decision{Cause: nat.CauseNotPeer, Filtering: nat.APDF}, "not-peer apdf"},
		{"source nat", nat.Decision{Cause: nat.CauseSourceNAT, Alloc: nat.AllocPreserved}, "source-nat preserved"},
		{"static outbound", nat.Decision{Event: nat.Event{Dir: nat.Outbound}, Cause: nat.CauseStatic}, "static out"},
		{"static inbound", nat.Decision{Event: nat.Event{Dir: nat.Inbound}, Cause: nat.CauseStatic}, "static in"},
		{"static hairpin", nat.Decision{Event: nat.Event{Dir: nat.Outbound}, Cause: nat.CauseStatic, Hairpin: true}, "static in"},
		{"other", nat.Decision{Cause: nat.CauseClash, Filtering: nat.ADF}, "clash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Detail(); got != tt.want {
				t.Errorf("Decision{Cause: %s}.Detail() = %q; want %q", tt.d.Cause, got, tt.want)
			}
		})
	}
}

func TestDecisionRecord(t *testing.T) {
	sc, err := nat.ParseScenario([]byte(`nat:
  preset: linux
  external: 203.0.113.7
events:
  - {at: 0, out: "tcp 10.0.0.5:40000 -> 198.51.100.7:443"}
  - {at: 2, in: "udp 198.51.100.99:53 -> 203.0.113.7:5000"}
`))
	if err != nil {
		t.Fatal(err)
	}
	var recs []nat.Record
	if _, err := sc.Run(func(d nat.Decision) error { recs = append(recs, d.Record()); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []nat.Record{
		{Type: "event", At: 0, Line: 5, Dir: "out", Packet: "tcp 10.0.0.5:40000 -> 198.51.100.7:443", Verdict: "accept",
			Out: "tcp 203.0.113.7:40000 -> 198.51.100.7:443", New: true,
			Entry: "tcp      6 120 SYN_SENT src=10.0.0.5 dst=198.51.100.7 sport=40000 dport=443 [UNREPLIED] src=198.51.100.7 dst=203.0.113.7 sport=443 dport=40000 mark=0 use=1"},
		{Type: "event", At: 2, Line: 6, Dir: "in", Packet: "udp 198.51.100.99:53 -> 203.0.113.7:5000", Verdict: "drop", Reason: "no-mapping"},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("Record() mismatch (-want +got):\n%s", diff)
	}
}

func TestStatsDropCounts(t *testing.T) {
	s := nat.Stats{Drops: map[packet.Reason]int{nat.Clash: 2, nat.NoMapping: 5, nat.Filtered: 0, nat.PortExhausted: 1}}
	want := []nat.DropCount{{nat.PortExhausted, 1}, {nat.NoMapping, 5}, {nat.Clash, 2}}
	if diff := cmp.Diff(want, s.DropCounts()); diff != "" {
		t.Errorf("DropCounts() mismatch (-want +got):\n%s", diff)
	}
	if got := (nat.Stats{}).DropCounts(); got != nil {
		t.Errorf("Stats{}.DropCounts() = %v; want nil", got)
	}
}

func TestRunScenario(t *testing.T) {
	ds, tr, err := nat.RunScenario([]byte(`nat:
  preset: linux
  external: 203.0.113.7
events:
  - {at: 0, out: "udp 10.0.0.6:5000 -> 198.51.100.53:53"}
  - {at: 1, in: "udp 198.51.100.53:53 -> 203.0.113.7:5000"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Verdict != nat.Accept || ds[1].Cause != nat.CauseReply || len(tr.Translations()) != 1 {
		t.Errorf("RunScenario = %d decisions (%+v), %d entries; want 2 accepted (new, reply) and 1 entry", len(ds), ds, len(tr.Translations()))
	}
	_, _, err = nat.RunScenario([]byte("nat:\n  preset: nosuch\n"))
	if se := (*nat.ScenarioError)(nil); !errors.As(err, &se) {
		t.Errorf("RunScenario(bad preset) error = %v; want a *ScenarioError", err)
	}
}

// The summary record names the external address or pool, as the text
// summary does, so a script needs no second run to learn it.
func TestScaleSummaryJSONExternal(t *testing.T) {
	for ext, want := range map[string]string{"203.0.113.1": "203.0.113.1", "203.0.113.0/30": "203.0.113.0-203.0.113.3"} {
		sc, err := nat.ParseScale(nat.ScaleOptions{Preset: "linux", Flows: 3, Seed: 1, Inside: "10.0.0.0/24",
			Dest: "198.51.100.0/24", External: ext, Proto: "tcp"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := sc.Run()
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Type     string `json:"type"`
			External string `json:"external"`
			Live     int    `json:"live"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.Type != "summary" || got.External != want || got.Live != 3 {
			t.Errorf("--external %s: record %s, want type summary, external %q, live 3", ext, b, want)
		}
	}
}
