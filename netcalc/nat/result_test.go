package nat

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// eqAddrPort compares netip.Addr and netip.AddrPort values (whose fields
// are unexported) with ==.
var eqAddrPort = cmp.Options{
	cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

func TestResultStep(t *testing.T) {
	cfg := preset(t, PresetLinux, "203.0.113.7")
	cfg.PortMin, cfg.PortMax = 40000, 40000
	res, _ := run(t, cfg,
		"0 out tcp 10.0.0.5:40000 -> 198.51.100.7:443",
		"0 in tcp 198.51.100.7:443 -> 203.0.113.7:40000",
		"0 out tcp 10.0.0.6:40000 -> 198.51.100.7:443",
	)
	tu := func(s, d string) *packet.Tuple {
		return &packet.Tuple{Protocol: packet.TCP, Src: netip.MustParseAddrPort(s), Dst: netip.MustParseAddrPort(d)}
	}
	want := []packet.Step{
		{Action: ActionTranslate, Verdict: "ACCEPT", Before: tu("10.0.0.5:40000", "198.51.100.7:443"), After: tu("203.0.113.7:40000", "198.51.100.7:443")},
		{Action: ActionTranslate, Verdict: "ACCEPT", Before: tu("198.51.100.7:443", "203.0.113.7:40000"), After: tu("198.51.100.7:443", "10.0.0.5:40000")},
		{Action: ActionDrop, Verdict: "DROP", Reason: PortExhausted, Count: 1, Before: tu("10.0.0.6:40000", "198.51.100.7:443")},
	}
	for i, r := range res {
		if diff := cmp.Diff(want[i], r.Step(), eqAddrPort); diff != "" {
			t.Errorf("event %d: Step() mismatch (-want +got):\n%s", i+1, diff)
		}
	}
	if res[2].Cause != CausePortExhausted || res[2].Exhausted == nil || res[2].Exhausted.Min != 40000 {
		t.Errorf("exhausted result: cause %v, search %+v; want %v with the search", res[2].Cause, res[2].Exhausted, CausePortExhausted)
	}
	// an untranslated packet is accepted as it is
	d := preset(t, PresetLinux, "203.0.113.7")
	d.Kind, d.Forwards = DNAT, []Forward{{Proto: packet.TCP, External: netip.MustParseAddrPort("203.0.113.7:8080"), Internal: netip.MustParseAddrPort("10.0.0.10:80")}}
	res, _ = run(t, d, "0 out tcp 10.0.0.5:1 -> 198.51.100.7:2")
	if s := res[0].Step(); s.Action != ActionAccept || res[0].Cause != CauseUntranslated {
		t.Errorf("dnat-only outbound: action %v, cause %v; want %v, %v", s.Action, res[0].Cause, ActionAccept, CauseUntranslated)
	}
}

func TestResultCauses(t *testing.T) {
	cfg := preset(t, PresetRestrictedCone, "203.0.113.7")
	res, _ := run(t, cfg,
		"0 out udp 10.0.0.5:5000 -> 198.51.100.7:53",
		"1 in udp 198.51.100.7:99 -> 203.0.113.7:5000", // ADF: same address, other port
		"1 in udp 198.51.100.8:53 -> 203.0.113.7:5000", // ADF refuses a new address
		"1 in udp 198.51.100.8:53 -> 203.0.113.7:6000", // nothing maps
	)
	ap := netip.MustParseAddrPort
	for i, want := range []Decision{
		{Cause: CauseSourceNAT, Alloc: AllocPreserved, Inside: ap("10.0.0.5:5000"), External: ap("203.0.113.7:5000")},
		{Cause: CauseMapping, Filtering: ADF, Inside: ap("10.0.0.5:5000"), External: ap("203.0.113.7:5000"), Remote: ap("198.51.100.7:99")},
		{Cause: CauseNotPeer, Filtering: ADF, External: ap("203.0.113.7:5000"), Remote: ap("198.51.100.8:53")},
		{Cause: CauseNoMapping, External: ap("203.0.113.7:6000")},
	} {
		r := res[i]
		got := Decision{Cause: r.Cause, Alloc: r.Alloc, Filtering: r.Filtering, Inside: r.Inside, External: r.External, Remote: r.Remote}
		if diff := cmp.Diff(want, got, eqAddrPort); diff != "" {
			t.Errorf("event %d mismatch (-want +got):\n%s", i+1, diff)
		}
	}
}

func TestScenarioRunErrors(t *testing.T) {
	sc, err := ParseScenario([]byte("nat:\n  external: 203.0.113.7\nevents:\n  - {out: \"tcp [2001:db8::5]:1 -> [2001:db8::7]:2\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.Run(nil)
	var se *ScenarioError
	var ee *EventError
	if !errors.As(err, &se) || se.Line != 4 || !errors.As(err, &ee) || !errors.Is(err, ErrPacket) {
		t.Fatalf("Run = %v; want a *ScenarioError at line 4 wrapping an *EventError", err)
	}
	if want := "bad packet: src=2001:db8::5 dst=2001:db8::7 sport=1 dport=2: source NAT to 203.0.113.7-203.0.113.7 cannot translate an IPv6 source"; se.Msg() != want {
		t.Errorf("Msg() = %q; want %q", se.Msg(), want)
	}
	if want := "nat: scenario line 4: " + se.Msg(); err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
	stop := errors.New("stop")
	sc, _ = ParseScenario([]byte("nat:\n  external: 203.0.113.7\nevents:\n  - {out: \"tcp 10.0.0.5:1 -> 198.51.100.7:2\"}\n"))
	if _, err := sc.Run(func(Decision) error { return stop }); err != stop {
		t.Errorf("Run with a failing yield = %v; want its error", err)
	}
}

func TestScenarioErrorMsg(t *testing.T) {
	for _, tt := range []struct {
		name, src, msg string
		line           int
	}{
		{"config", "nat:\n  external: 203.0.113.7\n  mapping: cone\n", `mapping "cone": want eim, adm or apdm`, 3},
		{"packet", "nat:\n  external: 203.0.113.7\nevents:\n  - {out: \"udp 10.0.0.5 -> 198.51.100.7:53\"}\n",
			`event 1: packet "udp 10.0.0.5 -> 198.51.100.7:53": "10.0.0.5": want ADDR:PORT ([ADDR]:PORT for IPv6)`, 4},
		// the line of a bad time is found from the typed error's text, also in flow style
		{"time", "nat: {external: 203.0.113.7}\nevents:\n  - {at: 0, out: \"tcp 10.0.0.5:1 -> 198.51.100.7:2\"}\n  - {at: 1x, out: \"tcp 10.0.0.5:1 -> 198.51.100.7:2\"}\n",
			`time "1x": want seconds (30, 0.5) or a duration (1m30s, 250ms), at most 1e9 s`, 4},
		{"negative timeout", "nat:\n  external: 203.0.113.7\n  timeouts: {udp: -5}\n", `time "-5": want 0 to 1e9 seconds`, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tt.src))
			var se *ScenarioError
			if !errors.As(err, &se) || se.Line != tt.line || se.Msg() != tt.msg {
				t.Fatalf("ParseScenario = %v; want line %d, message %q", err, tt.line, tt.msg)
			}
		})
	}
}

func TestScaleRun(t *testing.T) {
	sc := Scale{Preset: PresetLinux, External: mustRange("203.0.113.1-203.0.113.2"), PortMin: 20000, PortMax: 20009,
		Flows: Flows{Inside: netip.MustParsePrefix("10.0.0.0/24"), Dest: netip.MustParsePrefix("198.51.100.7/32"), N: 30, Seed: 3}}
	s, err := sc.Run()
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != SNAT || s.Accepted+s.Exhausted != 30 || s.ExternalAddrs != 2 || s.Live != s.Accepted || s.Accepted > 20 {
		t.Errorf("Run() = %+v; want snat over 2 addresses, at most 20 flows accepted (10 ports each), the rest exhausted", s)
	}
	sc.Inside = netip.MustParsePrefix("2001:db8::/64")
	var ce *ConfigError
	if _, err := sc.Run(); !errors.As(err, &ce) || ce.Field != "inside" {
		t.Errorf("Run() with IPv6 inside and IPv4 external = %v; want a *ConfigError for inside", err)
	}
	sc.Preset = "cone"
	if _, err := sc.Run(); !errors.As(err, &ce) || ce.Field != "preset" {
		t.Errorf("Run() with preset cone = %v; want a *ConfigError for preset", err)
	}
}
