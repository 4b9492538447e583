// Command nat shows how a home router's NAT behaves for a peer-to-peer
// application: it runs the same STUN-like exchange through each preset and
// prints whether a stranger can reach the client and whether two servers
// see the same external port. It is offline: everything is simulated.
package main

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/netcalc/netcalc/netcalc/nat"
)

func main() {
	log.SetFlags(0)
	fmt.Printf("%-21s %-22s %-22s %s\n", "PRESET", "SEEN BY SERVER A", "SEEN BY SERVER B", "STRANGER")
	for _, p := range nat.Presets() {
		cfg, _ := p.Config()
		ext, err := nat.ParseRange("203.0.113.7")
		if err != nil {
			log.Fatal(err)
		}
		cfg.External, cfg.Seed = ext, 1
		t, err := nat.New(cfg)
		if err != nil {
			log.Fatal(err)
		}
		step := func(at time.Duration, dir nat.Direction, pkt string) nat.Decision {
			tp, flags, err := nat.ParsePacket(pkt, dir)
			if err != nil {
				log.Fatal(err)
			}
			r, err := t.Process(nat.Event{At: at, Dir: dir, Packet: tp, Flags: flags})
			if err != nil {
				log.Fatal(err)
			}
			return r
		}
		a := step(0, nat.Outbound, "udp 10.0.0.5:5000 -> 198.51.100.7:3478")
		b := step(time.Second, nat.Outbound, "udp 10.0.0.5:5000 -> 198.51.100.8:3478")
		// A stranger sends to the port server A saw.
		in := fmt.Sprintf("udp 198.51.100.99:4444 -> %v", a.Out.SrcAddrPort())
		s := step(2*time.Second, nat.Inbound, in)
		verdict := string(s.Verdict)
		if s.Reason != "" {
			verdict += " (" + string(s.Reason) + ")"
		}
		fmt.Printf("%-21s %-22v %-22v %s\n", p, a.Out.SrcAddrPort(), b.Out.SrcAddrPort(), verdict)
	}
	fmt.Println()
	fmt.Println("conntrack -L after the last run would list entries like:")
	cfg, _ := nat.PresetLinux.Config()
	cfg.External, _ = nat.ParseRange("203.0.113.7")
	t, _ := nat.New(cfg)
	tp, _, _ := nat.ParsePacket("tcp 10.0.0.5:40000 -> 198.51.100.7:443", nat.Outbound)
	if _, err := t.Process(nat.Event{Dir: nat.Outbound, Packet: tp}); err != nil {
		log.Fatal(err)
	}
	for _, c := range t.Conns() {
		fmt.Fprintln(os.Stdout, c)
	}
}
