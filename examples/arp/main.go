// Command arp resolves IP addresses to MAC addresses with netcalc's link
// library, the way the host would: route lookup, next hop, then an ARP
// request (IPv4) or Neighbor Solicitation (IPv6) on the egress interface.
// Without CAP_NET_RAW it falls back to the kernel's neighbour table.
//
//	go run ./examples/arp 198.51.100.1 2001:db8::1
//	sudo ip netns exec lab go run ./examples/arp 203.0.113.2
package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/netcalc/netcalc/netcalc/link"
)

func main() { os.Exit(run(os.Args[1:])) }

// run resolves each address and returns the exit status; it returns
// rather than exits so that its deferred Close and cancel run.
func run(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: arp ADDRESS...")
		return 2
	}
	h, err := link.Open("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer h.Close()
	r := &link.Resolver{Host: h, Timeout: time.Second, Attempts: 3}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status := 0
	for _, s := range args {
		target, err := netip.ParseAddr(s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "arp: %q is not an IP address\n", s)
			status = 2
			continue
		}
		res, err := r.Resolve(ctx, target)
		if errors.Is(err, link.ErrPermission) {
			fmt.Fprintln(os.Stderr, "arp: no CAP_NET_RAW; reading the neighbour table instead")
			cr := *r
			cr.CacheOnly = true
			res, err = cr.Resolve(ctx, target)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		how := "rtt " + res.RTT.String()
		if res.Cached {
			how = "cached " + string(res.State)
		}
		fmt.Printf("%s next hop %s on %s is-at %s (%s, %s %s)\n",
			res.Target, res.NextHop, res.Interface, res.MAC, how, res.MAC.Kind(), res.MAC.Admin())
	}
	return status
}
