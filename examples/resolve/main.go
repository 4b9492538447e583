// Command resolve looks names up the way this host does (hosts file, then
// DNS with the search list) using netcalc/resolve, and prints every query
// it sent. It reads the host's own /etc/resolv.conf, /etc/hosts and
// /etc/nsswitch.conf, so it needs the network and is not run by CI.
//
//	go run ./examples/resolve localhost example.com
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

func main() {
	r, err := resolve.Default()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	status := 0
	for _, name := range os.Args[1:] {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := r.Lookup(ctx, name)
		cancel()
		for _, q := range res.Queries {
			fmt.Printf("  query %-40s %-5s %-22s %-4s %-9s %v\n", q.Name, q.Type, q.Server, q.Transport, q.Outcome(), q.RTT.Round(time.Microsecond))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		for _, a := range res.Answers {
			fmt.Printf("%s\t%s\t%d\t%s\n", a.Name, a.Type, a.TTL, a.Data)
		}
		if res.Source == resolve.Files {
			fmt.Printf("from %s, lines %v\n", res.HostsFile, res.HostsLines)
		} else {
			fmt.Printf("from DNS %s (%s), candidate %d of %d\n", res.Server, res.Transport, res.Candidate, len(res.Candidates))
		}
	}
	os.Exit(status)
}
