package k8s

import (
	"testing"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

// FuzzClusterDNSAnswer asks CoreDNS's test cluster arbitrary questions: no
// panic, only NOERROR, NXDOMAIN or REFUSED, and every negative answer in
// the zones carries one SOA.
func FuzzClusterDNSAnswer(f *testing.F) {
	f.Add("svc1.testns.svc.cluster.local.", uint16(1))
	f.Add("_http._tcp.hdls1.testns.svc.cluster.local.", uint16(33))
	f.Add("1.0.0.10.in-addr.arpa.", uint16(12))
	f.Add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.", uint16(12))
	f.Add("---.testns.pod.cluster.local", uint16(28)) // dashes only
	f.Add("external-to-service.testns.svc.cluster.local", uint16(1))
	f.Add(".", uint16(6))
	f.Add("..cluster.local.", uint16(1))
	c := corednsFixture()
	// A CNAME loop inside the zone must end.
	c.Services = append(c.Services, ClusterDNSService{Namespace: "testns", Name: "loop", Type: "ExternalName", ExternalName: "loop.testns.svc.cluster.local"})
	f.Add("loop.testns.svc.cluster.local.", uint16(1))
	f.Fuzz(func(t *testing.T, name string, qtype uint16) {
		a := c.Answer(name, resolve.Type(qtype))
		switch a.Rcode {
		case resolve.RcodeSuccess, resolve.RcodeNXDomain:
			if len(a.Answer) == 0 && len(a.Authority) != 1 {
				t.Fatalf("%q %d: negative answer with %d authority records", name, qtype, len(a.Authority))
			}
		case resolve.RcodeRefused:
		default:
			t.Fatalf("%q %d: rcode %s", name, qtype, a.Rcode)
		}
	})
}
