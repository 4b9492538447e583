package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	addr := netip.MustParseAddr
	noPerm := func(f *fakeSystem) {
		f.dialFn = func(Interface, netip.Addr) error { return fmt.Errorf("socket: %w", os.ErrPermission) }
		f.ns = []Neighbor{{Addr: addr("203.0.113.2"), MAC: macPeer, HasMAC: true, Interface: "eth0", Index: 2, State: "STALE"}}
	}
	tests := []struct {
		name           string
		target         string
		count          int
		setup          func(f *fakeSystem)
		fallBack       bool
		sent, received int
		rtts           int
		replies        int // Reply calls
		wantErr        error
		cacheOnly      bool
	}{
		{name: "three answers", target: "203.0.113.2", count: 3, sent: 3, received: 3, rtts: 3, replies: 3},
		{name: "zero count is one probe", target: "203.0.113.2", sent: 1, received: 1, rtts: 1, replies: 1},
		{name: "silence goes on", target: "203.0.113.99", count: 2, sent: 2, replies: 2, wantErr: ErrTimeout},
		{name: "a bad target ends it", target: "224.0.0.1", count: 3, sent: 1, replies: 1, wantErr: ErrInvalidTarget},
		{name: "local answers once", target: "203.0.113.1", count: 3, sent: 1, received: 1, replies: 1},
		{name: "no permission, no fallback", target: "203.0.113.2", count: 2, setup: noPerm, sent: 1, replies: 1, wantErr: ErrPermission},
		{name: "no permission falls back to the cache", target: "203.0.113.2", count: 2, setup: noPerm, fallBack: true,
			sent: 1, received: 1, replies: 1, cacheOnly: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.setup != nil {
				tt.setup(f)
			}
			r := &Resolver{Host: newHost(f, ""), Timeout: 5 * time.Millisecond, Attempts: 1}
			replies, perms := 0, 0
			opts := ProbeOptions{Count: tt.count, Reply: func(int, Resolution, error) { replies++ }}
			if tt.fallBack {
				opts.OnPermission = func(err error) {
					perms++
					if !errors.Is(err, ErrPermission) {
						t.Errorf("OnPermission(%v); want ErrPermission", err)
					}
				}
			}
			p := r.Probe(context.Background(), addr(tt.target), opts)
			if p.Sent != tt.sent || p.Received != tt.received || len(p.RTTs) != tt.rtts || replies != tt.replies || p.CacheOnly != tt.cacheOnly {
				t.Errorf("Probe(%s) = sent %d, received %d, %d RTTs, %d replies, cache only %v; want %d, %d, %d, %d, %v",
					tt.target, p.Sent, p.Received, len(p.RTTs), replies, p.CacheOnly, tt.sent, tt.received, tt.rtts, tt.replies, tt.cacheOnly)
			}
			if !errors.Is(p.Err, tt.wantErr) || (tt.wantErr == nil && p.Err != nil) {
				t.Errorf("Probe(%s).Err = %v; want %v", tt.target, p.Err, tt.wantErr)
			}
			if tt.fallBack && perms != 1 {
				t.Errorf("OnPermission called %d times; want 1", perms)
			}
			if r.CacheOnly {
				t.Errorf("Probe changed its Resolver")
			}
		})
	}
	t.Run("stats", func(t *testing.T) {
		p := Probes{Sent: 4, Received: 3, RTTs: []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond}}
		lo, avg, hi, ok := p.RTTStats()
		if lo != time.Millisecond || avg != 2*time.Millisecond || hi != 3*time.Millisecond || !ok || p.Loss() != 25 {
			t.Errorf("RTTStats, Loss = %v %v %v %v, %d; want 1ms 2ms 3ms true, 25", lo, avg, hi, ok, p.Loss())
		}
		if _, _, _, ok := (Probes{}).RTTStats(); ok || (Probes{}).Loss() != 0 {
			t.Errorf("zero Probes: RTTStats ok or Loss not 0")
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		r := &Resolver{Host: newHost(newFake(), ""), Timeout: time.Second, Attempts: 1}
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		p := r.Probe(ctx, addr("203.0.113.99"), ProbeOptions{Count: 5})
		if p.Err != nil || p.Sent != 1 {
			t.Errorf("interrupted Probe = sent %d, Err %v; want 1, nil", p.Sent, p.Err)
		}
	})
}

func TestProbesReport(t *testing.T) {
	addr := netip.MustParseAddr
	res := Resolution{Target: addr("203.0.113.2"), NextHop: addr("203.0.113.2"), OnLink: true, Interface: "eth0", MAC: macPeer, Protocol: "arp"}
	v := Probes{Sent: 2, Received: 1, RTTs: []time.Duration{1500}, Last: res}.Report(res.Target)
	if v.MAC == nil || *v.MAC != macPeer || v.MACKind != macPeer.Kind() || v.Sent != 2 || v.Received != 1 || len(v.RTTs) != 1 || v.RTTs[0] != 1500 || v.Error != "" {
		t.Errorf("Report of an answer = %+v", v)
	}
	v = Probes{Sent: 1, Last: res, Err: ErrTimeout}.Report(res.Target)
	if v.MAC != nil || v.Error != ErrTimeout.Error() || v.RTTs == nil || v.Interface != "eth0" {
		t.Errorf("Report of silence = %+v; want no MAC, the error, an empty RTT list", v)
	}
}

func TestScanReport(t *testing.T) {
	addr := netip.MustParseAddr
	res := Resolution{Target: addr("203.0.113.9"), NextHop: addr("203.0.113.9"), OnLink: true, Interface: "veth0", Source: addr("203.0.113.1"),
		MAC: macPeer, Protocol: "arp", RTT: 2500, Attempt: 2}
	got, err := json.Marshal(res.ScanReport())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"target":"203.0.113.9","next_hop":"203.0.113.9","on_link":true,"interface":"veth0","source":"203.0.113.1","mac":%q,`+
		`"mac_kind":%q,"mac_admin":%q,"protocol":"arp","cached":false,"local":false,"probes":2,"replies":1,"rtt_ns":[2500]}`, macPeer, macPeer.Kind(), macPeer.Admin())
	if string(got) != want {
		t.Errorf("ScanReport JSON = %s; want %s", got, want)
	}
}
