package k8s

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

// TestClusterDNSServe serves the shop cluster on 127.0.0.1:0 and asks it
// with netcalc's own resolver configured by the resolv.conf kubelet
// writes for a ClusterFirst pod in namespace shop (nameserver replaced
// by the test server's address): "api.shop" takes ndots:5's search walk.
func TestClusterDNSServe(t *testing.T) {
	c := readClusterFixture(t)
	pc, ln := listenLoopbackDNS(t)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var seen []string
	done := make(chan error, 1)
	go func() {
		done <- c.Serve(ctx, pc, ClusterDNSServeOptions{Listener: ln, OnQuery: func(_ netip.AddrPort, tr string, a *ClusterDNSAnswer) {
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s %s %s", a.Name, a.Type, a.Rcode))
			mu.Unlock()
		}})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	pod, err := PodResolvConf(PodResolvConfInput{Namespace: "shop", ClusterDomain: "cluster.local",
		ClusterDNS: []netip.Addr{netip.MustParseAddr("10.96.0.10")}, ResolvConf: "node", ResolvConfData: []byte("search corp.example\nnameserver 198.51.100.53\n")})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := resolve.ParseResolvConf(strings.NewReader(pod.File()), "pod resolv.conf", resolve.ConfEnv{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Ndots != 5 {
		t.Fatalf("ndots %d; want 5 from kubelet's file", cfg.Ndots)
	}
	cfg.Servers = []netip.AddrPort{netip.MustParseAddrPort(pc.LocalAddr().String())}
	cfg.Timeout = 2 * time.Second
	cfg.Attempts = 1
	r := &resolve.Resolver{Config: cfg, Order: []resolve.Source{resolve.DNS}}

	res, err := r.Lookup(context.Background(), "api.shop", resolve.TypeA)
	if err != nil {
		t.Fatalf("Lookup(api.shop): %v", err)
	}
	if got := res.Addrs(); len(got) != 1 || got[0] != netip.MustParseAddr("10.96.0.20") {
		t.Errorf("Lookup(api.shop) = %v; want 10.96.0.20", got)
	}
	want := []string{"api.shop.shop.svc.cluster.local. NXDOMAIN", "api.shop.svc.cluster.local. NOERROR"}
	var got []string
	for _, q := range res.Queries {
		got = append(got, q.Name+" "+q.Rcode.String())
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("queries %q; want %q", got, want)
	}
	mu.Lock()
	if len(seen) != 2 || !strings.HasPrefix(seen[1], "api.shop.svc.cluster.local. A NOERROR") {
		t.Errorf("server saw %q; want the two queries", seen)
	}
	mu.Unlock()

	// A headless Service's SRV over the same server, and its PTR.
	res, err = r.Lookup(context.Background(), "_postgres._tcp.db.shop.svc.cluster.local.", resolve.TypeSRV)
	if err != nil || len(res.Answers) != 2 {
		t.Errorf("SRV lookup: %v, %v; want two answers", err, res.Answers)
	}
	res, err = r.Lookup(context.Background(), "10.244.1.21")
	if err != nil || len(res.Answers) != 1 || res.Answers[0].Data != "db-0.db.shop.svc.cluster.local." {
		t.Errorf("reverse lookup: %v, %v; want db-0.db.shop.svc.cluster.local.", err, res.Answers)
	}
}

// TestClusterDNSServeTruncated: a headless Service with 100 ready
// endpoints does not fit a UDP reply; the server sets TC and netcalc's
// resolver asks again over TCP, getting all 100.
func TestClusterDNSServeTruncated(t *testing.T) {
	svc := ClusterDNSService{Namespace: "shop", Name: "big", Type: "ClusterIP"}
	for i := 0; i < 100; i++ {
		svc.Endpoints = append(svc.Endpoints, ClusterDNSEndpoint{Addresses: []netip.Addr{netip.AddrFrom4([4]byte{10, 244, 1, byte(i + 1)})}, Ready: true})
	}
	c := &ClusterDNS{Services: []ClusterDNSService{svc}}
	pc, ln := listenLoopbackDNS(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, pc, ClusterDNSServeOptions{Listener: ln}) }()
	defer func() { cancel(); <-done }()
	r := &resolve.Resolver{Config: resolve.Config{Servers: []netip.AddrPort{netip.MustParseAddrPort(pc.LocalAddr().String())}, Timeout: 2 * time.Second, Attempts: 1},
		Order: []resolve.Source{resolve.DNS}}
	res, err := r.Lookup(context.Background(), "big.shop.svc.cluster.local.", resolve.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Addrs()) != 100 || res.Transport != resolve.TCP {
		t.Errorf("%d addresses over %s; want 100 over tcp", len(res.Addrs()), res.Transport)
	}
	if len(res.Queries) < 2 || !res.Queries[0].Truncated {
		t.Errorf("queries %+v; want a truncated UDP reply first", res.Queries)
	}
}

// listenLoopbackDNS opens a UDP socket on a free loopback port and a TCP
// listener on the same port, for a test DNS server; both close when the
// test ends.
func listenLoopbackDNS(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return pc, ln
}
