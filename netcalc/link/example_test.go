package link_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/netcalc/netcalc/netcalc/link"
)

func ExampleMAC() {
	m := link.MustParseMAC("02-00-5E-10-00-01")
	fmt.Println(m, m.Kind(), m.Admin())
	fmt.Println(link.MustParseMAC("01:00:5e:00:00:fb").Kind())
	// Output:
	// 02:00:5e:10:00:01 unicast local
	// multicast
}

// ExampleResolver needs a network and CAP_NET_RAW, so it has no Output and
// never runs in tests.
func ExampleResolver() {
	h, err := link.Open("") // the caller's own network namespace
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	r := &link.Resolver{Host: h, Timeout: 500 * time.Millisecond, Attempts: 3}
	res, err := r.Resolve(context.Background(), netip.MustParseAddr("198.51.100.1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s is-at %s via %s on %s in %v\n", res.Target, res.MAC, res.NextHop, res.Interface, res.RTT)
}
