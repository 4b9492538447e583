package k8s

import (
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, x := range s {
		out = append(out, netip.MustParseAddr(x))
	}
	return out
}

// corednsFixture is the cluster of CoreDNS's plugin/kubernetes/handler_test.go
// (coredns/coredns at 4b26cced3, APIConnServeTest: svcIndex and epsIndex),
// with the plugin's default TTL 5 and the serial its expectations show.
func corednsFixture() *ClusterDNS {
	http := []ClusterDNSPort{{Name: "http", Protocol: "tcp", Port: 80}}
	ep := func(ip, host string) ClusterDNSEndpoint {
		return ClusterDNSEndpoint{Addresses: addrs(ip), Hostname: host, Ready: true, Ports: http}
	}
	return &ClusterDNS{Zone: "cluster.local", TTL: 5, Serial: 1499347823, Namespaces: []string{"testns"}, Services: []ClusterDNSService{
		{Namespace: "kube-system", Name: "kubedns", Type: "ClusterIP", ClusterIPs: addrs("10.0.0.10"), Ports: []ClusterDNSPort{{Name: "dns", Protocol: "udp", Port: 53}},
			Endpoints: []ClusterDNSEndpoint{{Addresses: addrs("172.0.0.100"), Ready: true, Ports: []ClusterDNSPort{{Name: "dns", Protocol: "udp", Port: 53}}}}},
		{Namespace: "testns", Name: "svc1", Type: "ClusterIP", ClusterIPs: addrs("10.0.0.1"), Ports: http, Endpoints: []ClusterDNSEndpoint{ep("172.0.0.1", "ep1a")}},
		{Namespace: "testns", Name: "svcempty", Type: "ClusterIP", ClusterIPs: addrs("10.0.0.1"), Ports: http},
		{Namespace: "testns", Name: "svc6", Type: "ClusterIP", ClusterIPs: addrs("1234:abcd::1"), Ports: http},
		{Namespace: "testns", Name: "hdls1", Type: "ClusterIP", Endpoints: []ClusterDNSEndpoint{
			ep("172.0.0.2", ""), ep("172.0.0.3", ""), ep("172.0.0.4", "dup-name"), ep("172.0.0.5", "dup-name"), ep("5678:abcd::1", ""), ep("5678:abcd::2", "")}},
		{Namespace: "testns", Name: "external", Type: "ExternalName", ExternalName: "ext.interwebs.test", Ports: http},
		{Namespace: "testns", Name: "external-to-service", Type: "ExternalName", ExternalName: "svc1.testns.svc.cluster.local.", Ports: http},
		{Namespace: "testns", Name: "hdlsprtls", Type: "ClusterIP", Endpoints: []ClusterDNSEndpoint{{Addresses: addrs("172.0.0.20"), Ready: true}}},
		{Namespace: "unexposedns", Name: "svc1", Type: "ClusterIP", ClusterIPs: addrs("10.0.0.2"), Ports: http},
		{Namespace: "testns", Name: "svc-dual-stack", Type: "ClusterIP", ClusterIPs: addrs("10.0.0.3", "10::3"), Ports: http},
	}}
}

const corednsSOA = "cluster.local.	5	IN	SOA	ns.dns.cluster.local. hostmaster.cluster.local. 1499347823 7200 1800 86400 5"

type dnsCase struct {
	qname  string
	qtype  uint16
	rcode  int
	answer []string
	ns     []string
	extra  []string
}

// corednsCases are commonDnsTestCases and dnsTestCases of CoreDNS's
// handler_test.go, in its order, with its expected sections. Left out:
// "CNAME External Truncated Lookup" (needs CoreDNS's upstream).
var corednsCases = []dnsCase{
	{"svc1.testns.svc.cluster.local.", dns.TypeA, 0, []string{"svc1.testns.svc.cluster.local.	5	IN	A	10.0.0.1"}, nil, nil},
	{"svcempty.testns.svc.cluster.local.", dns.TypeA, 0, []string{"svcempty.testns.svc.cluster.local.	5	IN	A	10.0.0.1"}, nil, nil},
	{"svc1.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{"svc1.testns.svc.cluster.local.	5	IN	SRV	0 100 80 svc1.testns.svc.cluster.local."}, nil, []string{"svc1.testns.svc.cluster.local.  5       IN      A       10.0.0.1"}},
	{"svcempty.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{"svcempty.testns.svc.cluster.local.	5	IN	SRV	0 100 80 svcempty.testns.svc.cluster.local."}, nil, []string{"svcempty.testns.svc.cluster.local.  5       IN      A       10.0.0.1"}},
	{"svc6.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{"svc6.testns.svc.cluster.local.	5	IN	SRV	0 100 80 svc6.testns.svc.cluster.local."}, nil, []string{"svc6.testns.svc.cluster.local.  5       IN      AAAA       1234:abcd::1"}},
	{"_http._tcp.svc1.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{"_http._tcp.svc1.testns.svc.cluster.local.	5	IN	SRV	0 100 80 svc1.testns.svc.cluster.local."}, nil, []string{"svc1.testns.svc.cluster.local.	5	IN	A	10.0.0.1"}},
	{"_http._tcp.svcempty.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{"_http._tcp.svcempty.testns.svc.cluster.local.	5	IN	SRV	0 100 80 svcempty.testns.svc.cluster.local."}, nil, []string{"svcempty.testns.svc.cluster.local.	5	IN	A	10.0.0.1"}},
	{"hdls1.testns.svc.cluster.local.", dns.TypeA, 0, []string{"hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.2", "hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.3", "hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.4", "hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.5"}, nil, nil},
	{"hdlsprtls.testns.svc.cluster.local.", dns.TypeA, 0, []string{"hdlsprtls.testns.svc.cluster.local.	5	IN	A	172.0.0.20"}, nil, nil},
	{"svc1.testns.svc.cluster.local.", dns.TypeAAAA, 0, nil, []string{corednsSOA}, nil},
	{"svc0.testns.svc.cluster.local.", dns.TypeAAAA, 3, nil, []string{corednsSOA}, nil},
	{"svc0.testns.svc.cluster.local.", dns.TypeA, 3, nil, []string{corednsSOA}, nil},
	{"svc0.svc-nons.svc.cluster.local.", dns.TypeA, 3, nil, []string{corednsSOA}, nil},
	{"dns-version.cluster.local.", dns.TypeTXT, 0, []string{"dns-version.cluster.local 28800 IN TXT 1.1.0"}, nil, nil},
	{"svc1.testns.svc.cluster.local.", dns.TypeTXT, 0, nil, []string{corednsSOA}, nil},
	{"svc0.svc-nons.svc.cluster.local.", dns.TypeTXT, 3, nil, []string{corednsSOA}, nil},
	{"bogusendpoint.hdls1.testns.svc.cluster.local.", dns.TypeA, 3, nil, []string{corednsSOA}, nil},
	{"bogusendpoint.svc0.testns.svc.cluster.local.", dns.TypeA, 3, nil, []string{corednsSOA}, nil},
	{"svc6.testns.svc.cluster.local.", dns.TypeAAAA, 0, []string{"svc6.testns.svc.cluster.local.	5	IN	AAAA	1234:abcd::1"}, nil, nil},
	{"_http._tcp.svc6.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{"_http._tcp.svc6.testns.svc.cluster.local.	5	IN	SRV	0 100 80 svc6.testns.svc.cluster.local."}, nil, []string{"svc6.testns.svc.cluster.local.	5	IN	AAAA	1234:abcd::1"}},
	{"hdls1.testns.svc.cluster.local.", dns.TypeAAAA, 0, []string{"hdls1.testns.svc.cluster.local.	5	IN	AAAA	5678:abcd::1", "hdls1.testns.svc.cluster.local.	5	IN	AAAA	5678:abcd::2"}, nil, nil},
	{"svc.cluster.local.", dns.TypeA, 0, nil, []string{corednsSOA}, nil},
	{"pod.cluster.local.", dns.TypeA, 0, nil, []string{corednsSOA}, nil},
	{"testns.svc.cluster.local.", dns.TypeA, 0, nil, []string{corednsSOA}, nil},
	{"svc.cluster.local.", dns.TypeNS, 0, nil, []string{corednsSOA}, nil},
	{"testns.svc.cluster.local.", dns.TypeNS, 0, nil, []string{corednsSOA}, nil},
	{"foo.cluster.local.", dns.TypeNS, 3, nil, []string{corednsSOA}, nil},
	{"foo.svc.cluster.local.", dns.TypeNS, 3, nil, []string{corednsSOA}, nil},
	{"svc-dual-stack.testns.svc.cluster.local.", dns.TypeA, 0, []string{"svc-dual-stack.testns.svc.cluster.local.	5	IN	A	10.0.0.3"}, nil, nil},
	{"svc-dual-stack.testns.svc.cluster.local.", dns.TypeAAAA, 0, []string{"svc-dual-stack.testns.svc.cluster.local.	5	IN	AAAA	10::3"}, nil, nil},
	{"svc-dual-stack.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{"svc-dual-stack.testns.svc.cluster.local.	5	IN	SRV	0 50 80 svc-dual-stack.testns.svc.cluster.local."}, nil,
		[]string{"svc-dual-stack.testns.svc.cluster.local.  5       IN      A       10.0.0.3", "svc-dual-stack.testns.svc.cluster.local.  5       IN      AAAA       10::3"}},
	{"svc1.testns.svc.cluster.local.", dns.TypeSOA, 0, nil, []string{corednsSOA}, nil},
	{"endpoint.external.testns.svc.cluster.local.", dns.TypeCNAME, 3, nil, []string{corednsSOA}, nil},
	{"subdomain.subdomain.external.testns.svc.cluster.local.", dns.TypeCNAME, 3, nil, []string{corednsSOA}, nil},
	// dnsTestCases
	{"_http._tcp.hdls1.testns.svc.cluster.local.", dns.TypeSRV, 0, []string{
		"_http._tcp.hdls1.testns.svc.cluster.local.	5	IN	SRV	0 16 80 172-0-0-2.hdls1.testns.svc.cluster.local.",
		"_http._tcp.hdls1.testns.svc.cluster.local.	5	IN	SRV	0 16 80 172-0-0-3.hdls1.testns.svc.cluster.local.",
		"_http._tcp.hdls1.testns.svc.cluster.local.	5	IN	SRV	0 16 80 5678-abcd--1.hdls1.testns.svc.cluster.local.",
		"_http._tcp.hdls1.testns.svc.cluster.local.	5	IN	SRV	0 16 80 5678-abcd--2.hdls1.testns.svc.cluster.local.",
		"_http._tcp.hdls1.testns.svc.cluster.local.	5	IN	SRV	0 16 80 dup-name.hdls1.testns.svc.cluster.local."}, nil, []string{
		"172-0-0-2.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.2",
		"172-0-0-3.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.3",
		"5678-abcd--1.hdls1.testns.svc.cluster.local.	5	IN	AAAA	5678:abcd::1",
		"5678-abcd--2.hdls1.testns.svc.cluster.local.	5	IN	AAAA	5678:abcd::2",
		"dup-name.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.4",
		"dup-name.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.5"}},
	{"5678-abcd--2.hdls1.testns.svc.cluster.local", dns.TypeAAAA, 0, []string{"5678-abcd--2.hdls1.testns.svc.cluster.local.	5	IN	AAAA	5678:abcd::2"}, nil, nil},
	{"5678-abcd--1.hdls1.testns.svc.cluster.local.", dns.TypeAAAA, 0, []string{"5678-abcd--1.hdls1.testns.svc.cluster.local.	5	IN	AAAA	5678:abcd::1"}, nil, nil},
	{"172-0-0-20.hdlsprtls.testns.svc.cluster.local.", dns.TypeA, 0, []string{"172-0-0-20.hdlsprtls.testns.svc.cluster.local.	5	IN	A	172.0.0.20"}, nil, nil},
	{"172-0-0-2.hdls1.testns.svc.cluster.local.", dns.TypeA, 0, []string{"172-0-0-2.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.2"}, nil, nil},
	{"172-0-0-3.hdls1.testns.svc.cluster.local.", dns.TypeA, 0, []string{"172-0-0-3.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.3"}, nil, nil},
	{"dup-name.hdls1.testns.svc.cluster.local.", dns.TypeA, 0, []string{"dup-name.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.4", "dup-name.hdls1.testns.svc.cluster.local.	5	IN	A	172.0.0.5"}, nil, nil},
	{"external.testns.svc.cluster.local.", dns.TypeCNAME, 0, []string{"external.testns.svc.cluster.local.	5	IN	CNAME	ext.interwebs.test."}, nil, nil},
	{"external-to-service.testns.svc.cluster.local", dns.TypeA, 0, []string{"external-to-service.testns.svc.cluster.local.	5	IN	CNAME	svc1.testns.svc.cluster.local.", "svc1.testns.svc.cluster.local.	5	IN	A	10.0.0.1"}, nil, nil},
	// handler_pod_insecure_test.go (namespace pod-nons does not exist;
	// podns does, as CoreDNS's fake API says of every other name).
	{"10-240-0-1.podns.pod.cluster.local.", dns.TypeA, 0, []string{"10-240-0-1.podns.pod.cluster.local.	5	IN	A	10.240.0.1"}, nil, nil},
	{"172-0-0-2.podns.pod.cluster.local.", dns.TypeA, 0, []string{"172-0-0-2.podns.pod.cluster.local.	5	IN	A	172.0.0.2"}, nil, nil},
	{"blah.podns.pod.cluster.local.", dns.TypeA, 3, nil, []string{corednsSOA}, nil},
	{"blah.podns.pod.cluster.local.", dns.TypeAAAA, 3, nil, []string{corednsSOA}, nil},
	{"blah.podns.pod.cluster.local.", dns.TypeHINFO, 3, nil, []string{corednsSOA}, nil},
	{"blah.pod-nons.pod.cluster.local.", dns.TypeA, 3, nil, []string{corednsSOA}, nil},
	{"podns.pod.cluster.local.", dns.TypeA, 0, nil, []string{corednsSOA}, nil},
}

func normRRs(t *testing.T, in []string) []string {
	t.Helper()
	out := []string{}
	for _, s := range in {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("dns.NewRR(%q): %v", s, err)
		}
		out = append(out, strings.ToLower(rr.String()))
	}
	slices.Sort(out)
	return out
}

func answerStrings(l []resolve.Answer) []string {
	var out []string
	for _, a := range l {
		out = append(out, a.String())
	}
	return out
}

func TestClusterDNSCoreDNS(t *testing.T) {
	c := corednsFixture()
	c.Namespaces = append(c.Namespaces, "podns")
	for _, tt := range corednsCases {
		t.Run(tt.qname+"/"+dns.TypeToString[tt.qtype], func(t *testing.T) {
			a := c.Answer(tt.qname, resolve.Type(tt.qtype))
			if int(a.Rcode) != tt.rcode {
				t.Errorf("rcode = %s; want %s (why: %v)", a.Rcode, resolve.Rcode(tt.rcode), a.Why)
			}
			for _, sec := range []struct {
				name      string
				got, want []string
			}{{"answer", answerStrings(a.Answer), tt.answer}, {"authority", answerStrings(a.Authority), tt.ns}, {"additional", answerStrings(a.Additional), tt.extra}} {
				if diff := cmp.Diff(normRRs(t, sec.want), normRRs(t, sec.got)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", sec.name, diff)
				}
			}
			if !a.Authoritative {
				t.Errorf("AA not set")
			}
		})
	}
}

// TestClusterDNSSpec covers the specification's rules CoreDNS's cases do
// not: PTR, not-ready endpoints, empty headless Services, names outside
// the zone, pod modes.
func TestClusterDNSSpec(t *testing.T) {
	c := corednsFixture()
	c.Services = append(c.Services,
		ClusterDNSService{Namespace: "testns", Name: "hdls-empty", Type: "ClusterIP", Endpoints: []ClusterDNSEndpoint{{Addresses: addrs("172.0.0.30"), Ready: false}}},
		ClusterDNSService{Namespace: "testns", Name: "ext-ip", Type: "ExternalName", ExternalName: "198.51.100.7"})
	tests := []struct {
		qname  string
		qtype  resolve.Type
		rcode  resolve.Rcode
		answer []string
	}{
		{"1.0.0.10.in-addr.arpa.", resolve.TypePTR, 0, []string{"1.0.0.10.in-addr.arpa.	5	IN	PTR	svc1.testns.svc.cluster.local."}},
		{"2.0.0.172.in-addr.arpa.", resolve.TypePTR, 0, []string{"2.0.0.172.in-addr.arpa.	5	IN	PTR	172-0-0-2.hdls1.testns.svc.cluster.local."}},
		{"4.0.0.172.in-addr.arpa.", resolve.TypePTR, 0, []string{"4.0.0.172.in-addr.arpa.	5	IN	PTR	dup-name.hdls1.testns.svc.cluster.local."}},
		{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa.", resolve.TypePTR, 0, []string{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.7.6.5.ip6.arpa.	5	IN	PTR	5678-abcd--1.hdls1.testns.svc.cluster.local."}},
		{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.", resolve.TypePTR, 0, []string{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.	5	IN	PTR	svc6.testns.svc.cluster.local."}},
		{"30.0.0.172.in-addr.arpa.", resolve.TypePTR, 3, nil}, // not ready
		{"9.9.9.10.in-addr.arpa.", resolve.TypePTR, 3, nil},
		{"1.0.0.10.in-addr.arpa.", resolve.TypeA, 0, nil},
		{"hdls-empty.testns.svc.cluster.local.", resolve.TypeA, 3, nil},
		{"ext-ip.testns.svc.cluster.local.", resolve.TypeA, 3, nil},
		{"external.testns.svc.cluster.local.", resolve.TypeSRV, 0, nil},
		{"_http._tcp.external.testns.svc.cluster.local.", resolve.TypeSRV, 3, nil},
		{"external.testns.svc.cluster.local.", resolve.TypeA, 0, []string{"external.testns.svc.cluster.local.	5	IN	CNAME	ext.interwebs.test."}},
		{"ep1a.svc1.testns.svc.cluster.local.", resolve.TypeA, 0, []string{"ep1a.svc1.testns.svc.cluster.local.	5	IN	A	172.0.0.1"}},
		{"SVC1.TestNS.svc.Cluster.Local.", resolve.TypeA, 0, []string{"SVC1.TestNS.svc.Cluster.Local.	5	IN	A	10.0.0.1"}},
		{"_dns._udp.kubedns.kube-system.svc.cluster.local.", resolve.TypeSRV, 0, []string{"_dns._udp.kubedns.kube-system.svc.cluster.local.	5	IN	SRV	0 100 53 kubedns.kube-system.svc.cluster.local."}},
		{"_dns._tcp.kubedns.kube-system.svc.cluster.local.", resolve.TypeSRV, 3, nil},
		{"svc1.testns.foo.cluster.local.", resolve.TypeA, 3, nil},
		{"a.b.c.svc1.testns.svc.cluster.local.", resolve.TypeA, 3, nil},
		{"api.shop.", resolve.TypeA, resolve.RcodeRefused, nil},
		{"cluster.local.", resolve.TypeSOA, 0, []string{corednsSOA}},
		{"10-240-0-1.nons.pod.cluster.local.", resolve.TypeA, 3, nil},
		{"10-240-0-1.testns.pod.cluster.local.", resolve.TypeAAAA, 0, nil},
		{"2001-db8--1.testns.pod.cluster.local.", resolve.TypeAAAA, 0, []string{"2001-db8--1.testns.pod.cluster.local.	5	IN	AAAA	2001:db8::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.qname+"/"+tt.qtype.String(), func(t *testing.T) {
			a := c.Answer(tt.qname, tt.qtype)
			if a.Rcode != tt.rcode {
				t.Errorf("rcode = %s; want %s (why: %v)", a.Rcode, tt.rcode, a.Why)
			}
			got := answerStrings(a.Answer)
			if diff := cmp.Diff(normRRs(t, tt.answer), normRRs(t, got)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if a.Rcode != resolve.RcodeRefused && len(a.Answer) == 0 && len(a.Authority) != 1 {
				t.Errorf("negative answer without its SOA: %v", a.Authority)
			}
		})
	}
	// Owner names keep the query's case (first test above); the pod modes:
	c.Pods = ClusterDNSPodsDisabled
	if a := c.Answer("10-240-0-1.testns.pod.cluster.local.", resolve.TypeA); a.Rcode != resolve.RcodeNXDomain {
		t.Errorf("pods disabled: rcode %s; want NXDOMAIN", a.Rcode)
	}
	c.Pods = ClusterDNSPodsVerified
	c.PodList = []ClusterDNSPod{{Namespace: "testns", Name: "web-0", IPs: addrs("10.240.0.1")}}
	if a := c.Answer("10-240-0-1.testns.pod.cluster.local.", resolve.TypeA); a.Rcode != 0 || len(a.Answer) != 1 {
		t.Errorf("pods verified, existing pod: %s %v; want one A", a.Rcode, a.Answer)
	}
	if a := c.Answer("10-240-0-2.testns.pod.cluster.local.", resolve.TypeA); a.Rcode != resolve.RcodeNXDomain {
		t.Errorf("pods verified, no such pod: rcode %s; want NXDOMAIN", a.Rcode)
	}
}

// readClusterFixture parses testdata/dns/cluster.yaml, the manifests of
// the cluster the ClusterDNS tests serve.
func readClusterFixture(t *testing.T) *ClusterDNS {
	t.Helper()
	data, err := os.ReadFile("testdata/dns/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ClusterDNSParse(data, "cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClusterDNSParse reads the manifests through kube-proxy's parser:
// hostnames come from Pods (spec.hostname + spec.subdomain), not-ready
// endpoints are not served, ExternalName Services are read.
func TestClusterDNSParse(t *testing.T) {
	c := readClusterFixture(t)
	tests := []struct {
		qname  string
		qtype  resolve.Type
		rcode  resolve.Rcode
		answer []string
	}{
		{"api.shop.svc.cluster.local.", resolve.TypeA, 0, []string{"api.shop.svc.cluster.local. 30 IN A 10.96.0.20"}},
		{"db.shop.svc.cluster.local.", resolve.TypeA, 0, []string{"db.shop.svc.cluster.local. 30 IN A 10.244.1.21", "db.shop.svc.cluster.local. 30 IN A 10.244.2.22"}},
		{"db-0.db.shop.svc.cluster.local.", resolve.TypeA, 0, []string{"db-0.db.shop.svc.cluster.local. 30 IN A 10.244.1.21"}},
		{"_postgres._tcp.db.shop.svc.cluster.local.", resolve.TypeSRV, 0, []string{
			"_postgres._tcp.db.shop.svc.cluster.local. 30 IN SRV 0 50 5432 db-0.db.shop.svc.cluster.local.",
			"_postgres._tcp.db.shop.svc.cluster.local. 30 IN SRV 0 50 5432 10-244-2-22.db.shop.svc.cluster.local."}},
		{"22.2.244.10.in-addr.arpa.", resolve.TypePTR, 0, []string{"22.2.244.10.in-addr.arpa. 30 IN PTR 10-244-2-22.db.shop.svc.cluster.local."}},
		{"23.3.244.10.in-addr.arpa.", resolve.TypePTR, 3, nil},
		{"billing.shop.svc.cluster.local.", resolve.TypeCNAME, 0, []string{"billing.shop.svc.cluster.local. 30 IN CNAME billing.example.com."}},
		{"_https._tcp.api.shop.svc.cluster.local.", resolve.TypeSRV, 0, []string{"_https._tcp.api.shop.svc.cluster.local. 30 IN SRV 0 100 443 api.shop.svc.cluster.local."}},
	}
	for _, tt := range tests {
		t.Run(tt.qname+"/"+tt.qtype.String(), func(t *testing.T) {
			a := c.Answer(tt.qname, tt.qtype)
			if a.Rcode != tt.rcode {
				t.Errorf("rcode = %s; want %s (why: %v)", a.Rcode, tt.rcode, a.Why)
			}
			if diff := cmp.Diff(normRRs(t, tt.answer), normRRs(t, answerStrings(a.Answer))); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestClusterDNSParseHostnameNote: an EndpointSlice hostname, which
// kube-proxy's parser drops, is named in a note instead of vanishing.
func TestClusterDNSParseHostnameNote(t *testing.T) {
	data := []byte(`apiVersion: v1
kind: Service
metadata: {name: hdls, namespace: shop}
spec:
  clusterIP: None
  ports: [{name: web, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: hdls-1
  namespace: shop
  labels: {kubernetes.io/service-name: hdls}
addressType: IPv4
endpoints:
- addresses: [10.244.1.5]
  hostname: web-0
`)
	c, err := ClusterDNSParse(data, "gap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := (ClusterDNSNote{Kind: NoteEndpointHostname, Slice: "shop/hdls-1", Hostname: "web-0"}); len(c.Notes) != 1 || c.Notes[0] != want {
		t.Errorf("notes %+v; want %+v", c.Notes, want)
	}
	if a := c.Answer("10-244-1-5.hdls.shop.svc.cluster.local.", resolve.TypeA); len(a.Answer) != 1 {
		t.Errorf("the endpoint by its dashed address: %s %v", a.Rcode, a.Answer)
	}
}
