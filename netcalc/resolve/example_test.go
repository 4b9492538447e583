package resolve_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

// ExampleResolver_Lookup builds a resolver from readers (a Kubernetes pod's
// resolv.conf and a hosts file) and shows where the answer came from. It
// needs a DNS server, so it has no Output and never runs in tests.
func ExampleResolver_Lookup() {
	conf, _ := resolve.ParseResolvConf(strings.NewReader(
		"nameserver 127.0.0.1\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"),
		"resolv.conf", resolve.ConfEnv{})
	hosts, _ := resolve.ParseHosts(strings.NewReader("198.51.100.99 filehost.example.test filehost\n"), "hosts")
	r := &resolve.Resolver{Config: conf, Hosts: hosts}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := r.Lookup(ctx, "api.corp.test")
	for _, q := range res.Queries {
		fmt.Println(q.Name, q.Type, q.Server, q.Outcome())
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Addrs(), "from", res.Source, "candidate", res.Candidate, "of", len(res.Candidates))
}

// ExampleParseResolvConf shows glibc's limits being applied.
func ExampleParseResolvConf() {
	conf, _ := resolve.ParseResolvConf(strings.NewReader(
		"nameserver 127.0.0.1\nsearch a.test . b.test\noptions ndots:20 attempts:9\n"),
		"resolv.conf", resolve.ConfEnv{})
	fmt.Println(conf.Search, conf.Ndots, conf.Attempts)
	for _, w := range conf.Warnings {
		fmt.Println(w)
	}
	fmt.Println(conf.NameList("web"))
	// Output:
	// [a.test b.test] 15 5
	// resolv.conf:3: options ndots:20 capped at 15, as glibc does
	// resolv.conf:3: options attempts:9 capped at 5, as glibc does
	// [web.a.test. web.b.test. web.]
}

// ExampleReverseName shows the PTR names of an IPv4 and an IPv6 address.
func ExampleReverseName() {
	fmt.Println(resolve.ReverseName(netip.MustParseAddr("198.51.100.10")))
	fmt.Println(resolve.ReverseName(netip.MustParseAddr("2001:db8::1")))
	// Output:
	// 10.100.51.198.in-addr.arpa.
	// 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.
}
