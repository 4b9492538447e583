package k8s

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netcalc/netcalc/netcalc/resolve"
)

// ClusterDNSSchemaVersion is the version of the Kubernetes DNS-Based Service
// Discovery specification the answers follow, served as the TXT record of
// dns-version.<zone>.
const ClusterDNSSchemaVersion = "1.1.0"

// ClusterDNSPodMode is how names under <zone>'s "pod" label are answered,
// as CoreDNS's kubernetes plugin option "pods" says.
type ClusterDNSPodMode string

// The pod modes. The empty mode means ClusterDNSPodsInsecure, the mode of
// the Corefile kubeadm writes.
const (
	// ClusterDNSPodsDisabled answers NXDOMAIN for every pod name (the
	// plugin's own default).
	ClusterDNSPodsDisabled ClusterDNSPodMode = "disabled"
	// ClusterDNSPodsInsecure answers a-b-c-d.<ns>.pod.<zone> with the
	// address a.b.c.d whenever the namespace exists (kube-dns's old
	// behaviour; kubeadm's Corefile).
	ClusterDNSPodsInsecure ClusterDNSPodMode = "insecure"
	// ClusterDNSPodsVerified answers only when a pod with that address
	// exists in that namespace.
	ClusterDNSPodsVerified ClusterDNSPodMode = "verified"
)

// ParseClusterDNSPodMode returns the pod mode named s, in any letter case;
// ok is false for anything else.
func ParseClusterDNSPodMode(s string) (m ClusterDNSPodMode, ok bool) {
	switch m := ClusterDNSPodMode(strings.ToLower(s)); m {
	case ClusterDNSPodsInsecure, ClusterDNSPodsVerified, ClusterDNSPodsDisabled:
		return m, true
	}
	return "", false
}

// ClusterDNSPort is a port of a Service or of its endpoints.
type ClusterDNSPort struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"` // lower-case: tcp, udp, sctp
	Port     int    `json:"port"`
}

// ClusterDNSEndpoint is one endpoint of a Service's EndpointSlices.
type ClusterDNSEndpoint struct {
	Addresses []netip.Addr `json:"addresses"`
	// Hostname is the endpoint's hostname field, "" when unset (the name
	// is then the address with dashes, as CoreDNS names it).
	Hostname string `json:"hostname,omitempty"`
	// Ready is the ready condition (true when unset, as the API says).
	// Only ready endpoints are served.
	Ready bool `json:"ready"`
	// Ports are the slice's ports; none means a portless slice.
	Ports []ClusterDNSPort `json:"ports"`
}

// ClusterDNSService is a Service as cluster DNS sees it.
type ClusterDNSService struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Type is spec.type: ClusterIP, NodePort, LoadBalancer or
	// ExternalName.
	Type string `json:"type"`
	// ClusterIPs are spec.clusterIPs; none means a headless Service.
	ClusterIPs []netip.Addr `json:"cluster_ips"`
	// ExternalName is spec.externalName of an ExternalName Service.
	ExternalName string               `json:"external_name,omitempty"`
	Ports        []ClusterDNSPort     `json:"ports"`
	Endpoints    []ClusterDNSEndpoint `json:"endpoints"`
}

// Headless reports whether the Service has no cluster IP (and is not an
// ExternalName Service).
func (s *ClusterDNSService) Headless() bool {
	return len(s.ClusterIPs) == 0 && s.Type != "ExternalName"
}

// ClusterDNSPod is a pod as cluster DNS sees it.
type ClusterDNSPod struct {
	Namespace string       `json:"namespace"`
	Name      string       `json:"name"`
	IPs       []netip.Addr `json:"ips"`
	Hostname  string       `json:"hostname,omitempty"`
	Subdomain string       `json:"subdomain,omitempty"`
}

// ClusterDNS is a cluster's DNS server: what it knows and how it is
// configured. Its answers follow the Kubernetes DNS specification
// (kubernetes/dns docs/specification.md, schema 1.1.0) as CoreDNS's
// kubernetes plugin implements it (plugin/kubernetes, v1.14). The zero
// ClusterDNS serves an empty cluster.local zone with TTL 30.
type ClusterDNS struct {
	// Zone is the cluster domain. Default "cluster.local".
	Zone string `json:"zone"`
	// TTL of every record. Default 30, kubeadm's Corefile "ttl 30" (the
	// plugin's own default is 5).
	TTL uint32 `json:"ttl"`
	// Serial is the SOA serial (CoreDNS: the Unix time of the last change
	// it saw). Default 1.
	Serial uint32 `json:"serial"`
	// Pods is the pod mode. Default insecure.
	Pods ClusterDNSPodMode `json:"pods"`
	// Namespaces are the namespaces that exist besides those of the
	// Services and Pods; default, kube-system, kube-public and
	// kube-node-lease always exist.
	Namespaces []string            `json:"namespaces,omitempty"`
	Services   []ClusterDNSService `json:"services"`
	PodList    []ClusterDNSPod     `json:"pod_list,omitempty"`
	// Notes are what ClusterDNSParse could not take from the file, in
	// file order.
	Notes []ClusterDNSNote `json:"notes,omitempty"`
}

// ClusterDNSNoteKind says what a ClusterDNSNote reports, as a code;
// printers turn it and the note's facts into words.
type ClusterDNSNoteKind string

// The notes of ClusterDNSParse.
const (
	// NoteEndpointHostname: an endpoint of the EndpointSlice Slice has
	// the hostname Hostname, which is not read (kube-proxy's manifest
	// parser drops it): the endpoint is named by its address unless a Pod
	// in the file has spec.hostname Hostname and a spec.subdomain naming
	// the Service.
	NoteEndpointHostname ClusterDNSNoteKind = "endpoint-hostname"
)

// ClusterDNSNote is one thing ClusterDNSParse could not take from the
// file: a Kind and the facts it names.
type ClusterDNSNote struct {
	Kind ClusterDNSNoteKind `json:"kind"`
	// Slice is the EndpointSlice, "namespace/name".
	Slice    string `json:"endpoint_slice,omitempty"`
	Hostname string `json:"hostname,omitempty"`
}

// ClusterDNSAnswer is the server's reply to one question, as a stub
// resolver receives it.
type ClusterDNSAnswer struct {
	Name string       `json:"name"` // the question, fully qualified as asked
	Type resolve.Type `json:"type"`
	// Rcode is NOERROR (with or without records), NXDOMAIN, or REFUSED
	// for a name outside the zones the server is authoritative for.
	Rcode resolve.Rcode `json:"rcode"`
	// Authoritative is the AA bit: set for every name in the zones.
	Authoritative bool             `json:"authoritative"`
	Answer        []resolve.Answer `json:"answer"`
	Authority     []resolve.Answer `json:"authority"`
	Additional    []resolve.Answer `json:"additional"`
	// Why is the rule that decided the answer, one sentence each.
	Why []string `json:"why,omitempty"`
}

// NoData reports whether the answer is NODATA: NOERROR without records.
func (a *ClusterDNSAnswer) NoData() bool {
	return a.Rcode == resolve.RcodeSuccess && len(a.Answer) == 0
}

func (c *ClusterDNS) zone() string {
	z := strings.ToLower(strings.TrimSuffix(c.Zone, "."))
	if z == "" {
		z = "cluster.local"
	}
	return z + "."
}

func (c *ClusterDNS) ttl() uint32 {
	if c.TTL == 0 {
		return 30
	}
	return c.TTL
}

// ZoneName returns the zone, fully qualified and lower-case
// ("cluster.local.").
func (c *ClusterDNS) ZoneName() string { return c.zone() }

// namespaceExists reports whether ns is a namespace of the cluster.
func (c *ClusterDNS) namespaceExists(ns string) bool {
	switch ns {
	case "default", "kube-system", "kube-public", "kube-node-lease":
		return true
	}
	for _, n := range c.Namespaces {
		if strings.EqualFold(n, ns) {
			return true
		}
	}
	for i := range c.Services {
		if strings.EqualFold(c.Services[i].Namespace, ns) {
			return true
		}
	}
	for i := range c.PodList {
		if strings.EqualFold(c.PodList[i].Namespace, ns) {
			return true
		}
	}
	return false
}

// item is one thing a name resolves to (CoreDNS's msg.Service): an
// address or a name, with a port and the owner name used as SRV target.
type item struct {
	host   string // IP address or a domain name (ExternalName)
	port   int    // -1 for none
	target string // fully qualified owner of the address record
}

// Answer answers the question name/qtype as the cluster DNS server does.
// Names are compared case-insensitively; records are owned by the name
// as asked. It never fails: every question has an rcode.
func (c *ClusterDNS) Answer(name string, qtype resolve.Type) *ClusterDNSAnswer {
	return c.answer(name, qtype, 0)
}

func (c *ClusterDNS) answer(name string, qtype resolve.Type, depth int) *ClusterDNSAnswer {
	fq := name
	if !strings.HasSuffix(fq, ".") {
		fq += "."
	}
	a := &ClusterDNSAnswer{Name: fq, Type: qtype, Answer: []resolve.Answer{}, Authority: []resolve.Answer{}, Additional: []resolve.Answer{}}
	n := strings.ToLower(fq)
	zone := c.zone()
	why := func(format string, args ...any) { a.Why = append(a.Why, fmt.Sprintf(format, args...)) }

	for _, rz := range []string{"in-addr.arpa.", "ip6.arpa."} {
		if n == rz || strings.HasSuffix(n, "."+rz) {
			c.reverse(a, n, rz, why)
			return a
		}
	}
	if n != zone && !strings.HasSuffix(n, "."+zone) {
		a.Rcode = resolve.RcodeRefused
		why("%s is outside the zones this server is authoritative for (%s, in-addr.arpa., ip6.arpa.): REFUSED; a real cluster's CoreDNS forwards it to the node's resolvers (forward . /etc/resolv.conf)", fq, zone)
		return a
	}
	a.Authoritative = true
	rel := strings.TrimSuffix(strings.TrimSuffix(n, zone), ".")
	ttl := c.ttl()
	switch {
	case rel == "":
		switch qtype {
		case resolve.TypeSOA:
			a.Answer = append(a.Answer, c.soa(zone))
			why("the zone apex: its SOA")
		case resolve.TypeNS:
			a.Answer = append(a.Answer, resolve.Answer{Name: fq, Type: resolve.TypeNS, TTL: ttl, Data: "ns.dns." + zone})
			why("the zone apex: CoreDNS names itself ns.dns.%s", zone)
		default:
			c.nodata(a, zone, why, "the zone apex has only SOA and NS records")
		}
		return a
	case rel == "dns-version":
		if qtype == resolve.TypeTXT {
			a.Answer = append(a.Answer, resolve.Answer{Name: fq, Type: resolve.TypeTXT, TTL: 28800, Data: strconv.Quote(ClusterDNSSchemaVersion)})
			why("dns-version.%s: the schema version of the specification the server follows (spec §2.1)", zone)
		} else {
			c.nodata(a, zone, why, "dns-version has only a TXT record")
		}
		return a
	}
	segs := strings.Split(rel, ".")
	last := len(segs) - 1
	kind := segs[last]
	if kind != "svc" && kind != "pod" {
		c.nxdomain(a, zone, why, "the label before %s must be svc or pod, not %q", zone, kind)
		return a
	}
	if last == 0 {
		c.nodata(a, zone, why, "%s.%s exists (it holds the namespaces) but has no records itself", kind, zone)
		return a
	}
	ns := segs[last-1]
	if !c.namespaceExists(ns) {
		c.nxdomain(a, zone, why, "no namespace %q in the cluster", ns)
		return a
	}
	if last == 1 {
		c.nodata(a, zone, why, "namespace %s exists but its name has no records itself", ns)
		return a
	}
	if kind == "pod" {
		c.pod(a, segs[:last-1], ns, qtype, why)
		return a
	}
	svcName := segs[last-2]
	var endpoint, port, proto string
	switch last {
	case 2:
	case 3:
		endpoint = segs[0]
	case 4:
		port, proto = strings.TrimPrefix(segs[0], "_"), strings.TrimPrefix(segs[1], "_")
	default:
		c.nxdomain(a, zone, why, "too many labels for <service>.<namespace>.svc, <endpoint>.<service>.<namespace>.svc or _<port>._<proto>.<service>.<namespace>.svc")
		return a
	}
	var svc *ClusterDNSService
	for i := range c.Services {
		if strings.EqualFold(c.Services[i].Namespace, ns) && strings.EqualFold(c.Services[i].Name, svcName) {
			svc = &c.Services[i]
			break
		}
	}
	if svc == nil {
		c.nxdomain(a, zone, why, "no Service %s in namespace %s", svcName, ns)
		return a
	}
	svcFQ := svc.Name + "." + svc.Namespace + ".svc." + zone
	var items []item
	switch {
	case svc.Type == "ExternalName":
		if endpoint != "" || port != "" {
			c.nxdomain(a, zone, why, "ExternalName Service %s/%s has no endpoints and no port names below it", svc.Namespace, svc.Name)
			return a
		}
		if _, err := netip.ParseAddr(svc.ExternalName); err == nil || svc.ExternalName == "" {
			c.nxdomain(a, zone, why, "ExternalName Service %s/%s names %q, not a DNS name: no record (CoreDNS)", svc.Namespace, svc.Name, svc.ExternalName)
			return a
		}
		items = append(items, item{host: strings.TrimSuffix(svc.ExternalName, ".") + ".", port: -1})
		why("ExternalName Service %s/%s: a CNAME to %s (spec §2.5)", svc.Namespace, svc.Name, svc.ExternalName)
	case svc.Headless() || endpoint != "":
		for _, e := range svc.Endpoints {
			if !e.Ready {
				continue
			}
			for _, ip := range e.Addresses {
				epName := clusterDNSEndpointName(e.Hostname, ip)
				if endpoint != "" && !strings.EqualFold(endpoint, epName) {
					continue
				}
				ports := e.Ports
				if len(ports) == 0 {
					ports = []ClusterDNSPort{{Port: -1}}
				}
				for _, p := range ports {
					if !matchPortProto(port, p.Name, proto, p.Protocol) {
						continue
					}
					items = append(items, item{host: ip.String(), port: p.Port, target: epName + "." + svcFQ})
				}
			}
		}
		switch {
		case len(items) == 0 && endpoint != "":
			c.nxdomain(a, zone, why, "Service %s/%s has no ready endpoint named %q (an endpoint's name is its hostname, else its address with dashes)", svc.Namespace, svc.Name, endpoint)
			return a
		case len(items) == 0 && port != "":
			c.nxdomain(a, zone, why, "no ready endpoint of headless Service %s/%s has a port named %q with protocol %q", svc.Namespace, svc.Name, port, proto)
			return a
		case len(items) == 0:
			c.nxdomain(a, zone, why, "headless Service %s/%s has no ready endpoint: NXDOMAIN (spec §2.4.1)", svc.Namespace, svc.Name)
			return a
		case endpoint != "":
			why("endpoint %s of Service %s/%s: its addresses (spec §2.4.1)", endpoint, svc.Namespace, svc.Name)
		default:
			why("headless Service %s/%s: one record per ready endpoint (spec §2.4.1)", svc.Namespace, svc.Name)
		}
	default:
		for _, p := range svc.Ports {
			if !matchPortProto(port, p.Name, proto, p.Protocol) {
				continue
			}
			for _, ip := range svc.ClusterIPs {
				items = append(items, item{host: ip.String(), port: p.Port, target: svcFQ})
			}
		}
		if len(items) == 0 {
			c.nxdomain(a, zone, why, "Service %s/%s has no port named %q with protocol %q", svc.Namespace, svc.Name, port, proto)
			return a
		}
		why("ClusterIP Service %s/%s: its cluster IP (spec §2.3.1), whether or not it has endpoints", svc.Namespace, svc.Name)
	}
	c.records(a, fq, qtype, items, depth, why)
	return a
}

// records turns items into the answer for qtype (CoreDNS backend_lookup).
func (c *ClusterDNS) records(a *ClusterDNSAnswer, fq string, qtype resolve.Type, items []item, depth int, why func(string, ...any)) {
	zone, ttl := c.zone(), c.ttl()
	seen := map[string]bool{}
	add := func(list *[]resolve.Answer, r resolve.Answer) {
		k := strings.ToLower(r.Name) + " " + r.Type.String() + " " + r.Data
		if !seen[k] {
			seen[k] = true
			*list = append(*list, r)
		}
	}
	switch qtype {
	case resolve.TypeA, resolve.TypeAAAA:
		for _, it := range items {
			if ip, err := netip.ParseAddr(it.host); err == nil {
				if (qtype == resolve.TypeA) == ip.Is4() {
					add(&a.Answer, resolve.Answer{Name: fq, Type: qtype, TTL: ttl, Data: ip.String()})
				}
				continue
			}
			add(&a.Answer, resolve.Answer{Name: fq, Type: resolve.TypeCNAME, TTL: ttl, Data: it.host})
			if t := strings.ToLower(it.host); (t == zone || strings.HasSuffix(t, "."+zone)) && depth < 8 {
				sub := c.answer(it.host, qtype, depth+1)
				for _, r := range sub.Answer {
					add(&a.Answer, r)
				}
				why("%s is in the zone: its records follow the CNAME", it.host)
			} else {
				why("%s is outside the zone: CoreDNS asks its upstream for it; netcalc has none, so the answer is the CNAME alone", it.host)
			}
		}
	case resolve.TypeCNAME:
		for _, it := range items {
			if _, err := netip.ParseAddr(it.host); err != nil {
				add(&a.Answer, resolve.Answer{Name: fq, Type: resolve.TypeCNAME, TTL: ttl, Data: it.host})
			}
		}
	case resolve.TypeSRV:
		var srv []item
		for _, it := range items {
			if _, err := netip.ParseAddr(it.host); err != nil {
				srv = nil
				break
			}
			if it.port >= 0 {
				srv = append(srv, it)
			}
		}
		if len(srv) > 0 {
			w := 100 / len(items)
			if w == 0 {
				w = 1
			}
			for _, it := range srv {
				add(&a.Answer, resolve.Answer{Name: fq, Type: resolve.TypeSRV, TTL: ttl, Data: fmt.Sprintf("0 %d %d %s", w, it.port, it.target)})
				ip := netip.MustParseAddr(it.host)
				t := resolve.TypeA
				if !ip.Is4() {
					t = resolve.TypeAAAA
				}
				add(&a.Additional, resolve.Answer{Name: it.target, Type: t, TTL: ttl, Data: ip.String()})
			}
			why("SRV: priority 0, weight 100/%d records = %d (CoreDNS), one per port and target; the targets' addresses in the additional section (spec §2.3.2, §2.4.2)", len(items), w)
		}
	}
	if len(a.Answer) == 0 {
		c.nodata(a, zone, why, "the name exists, with no %s record", qtype)
	}
}

func matchPortProto(port, pname, proto, pproto string) bool {
	return (port == "" || strings.EqualFold(port, pname)) && (proto == "" || strings.EqualFold(proto, pproto))
}

// clusterDNSEndpointName is CoreDNS's endpointHostname without
// endpoint_pod_names: the hostname, else the address with "." or ":"
// replaced by "-" (an IPv6 name ending in "-" gets a "0").
func clusterDNSEndpointName(hostname string, ip netip.Addr) string {
	if hostname != "" {
		return hostname
	}
	if ip.Is4() {
		return strings.ReplaceAll(ip.String(), ".", "-")
	}
	s := strings.ReplaceAll(ip.String(), ":", "-")
	if strings.HasSuffix(s, "-") {
		s += "0"
	}
	return s
}

// pod answers <name>.<ns>.pod.<zone>.
func (c *ClusterDNS) pod(a *ClusterDNSAnswer, labels []string, ns string, qtype resolve.Type, why func(string, ...any)) {
	zone := c.zone()
	mode := c.Pods
	if mode == "" {
		mode = ClusterDNSPodsInsecure
	}
	if mode == ClusterDNSPodsDisabled {
		c.nxdomain(a, zone, why, "pod records are disabled (pods disabled)")
		return
	}
	if len(labels) != 1 {
		c.nxdomain(a, zone, why, "too many labels for <a-b-c-d>.<namespace>.pod")
		return
	}
	name := labels[0]
	var s string
	if strings.Count(name, "-") == 3 && !strings.Contains(name, "--") {
		s = strings.ReplaceAll(name, "-", ".")
	} else {
		s = strings.ReplaceAll(name, "-", ":")
	}
	ip, err := netip.ParseAddr(s)
	if err != nil || ip.Zone() != "" {
		c.nxdomain(a, zone, why, "%q is not an address with dashes (a-b-c-d, or an IPv6 address with - for :)", name)
		return
	}
	if mode == ClusterDNSPodsVerified {
		found := false
		for _, p := range c.PodList {
			if strings.EqualFold(p.Namespace, ns) {
				for _, pip := range p.IPs {
					found = found || pip == ip
				}
			}
		}
		if !found {
			c.nxdomain(a, zone, why, "no pod with address %s in namespace %s (pods verified)", ip, ns)
			return
		}
		why("pod record: a pod with address %s exists in namespace %s (pods verified)", ip, ns)
	} else {
		why("pod record: %s.%s.pod.%s is %s whether or not such a pod exists (pods insecure, kubeadm's Corefile)", name, ns, zone, ip)
	}
	t := resolve.TypeA
	if !ip.Is4() {
		t = resolve.TypeAAAA
	}
	if qtype == t {
		a.Answer = append(a.Answer, resolve.Answer{Name: a.Name, Type: t, TTL: c.ttl(), Data: ip.String()})
		return
	}
	c.nodata(a, zone, why, "the pod name has only its %s record", t)
}

// reverse answers a name under in-addr.arpa. or ip6.arpa.
func (c *ClusterDNS) reverse(a *ClusterDNSAnswer, n, rz string, why func(string, ...any)) {
	a.Authoritative = true
	ip, ok := reverseAddr(n)
	if !ok {
		c.nxdomain(a, rz, why, "%s is not the reverse name of a whole address", a.Name)
		return
	}
	zone, ttl := c.zone(), c.ttl()
	var ptr []string
	for i := range c.Services {
		s := &c.Services[i]
		for _, cip := range s.ClusterIPs {
			if cip == ip && len(ptr) == 0 {
				ptr = append(ptr, s.Name+"."+s.Namespace+".svc."+zone)
				why("%s is the cluster IP of Service %s/%s (spec §2.3.3)", ip, s.Namespace, s.Name)
			}
		}
	}
	if len(ptr) == 0 {
		for i := range c.Services {
			s := &c.Services[i]
			for _, e := range s.Endpoints {
				if !e.Ready {
					continue
				}
				for _, eip := range e.Addresses {
					if eip == ip {
						ptr = append(ptr, clusterDNSEndpointName(e.Hostname, ip)+"."+s.Name+"."+s.Namespace+".svc."+zone)
						why("%s is a ready endpoint of Service %s/%s (spec §2.4.3; CoreDNS answers for every Service, headless or not)", ip, s.Namespace, s.Name)
					}
				}
			}
		}
	}
	if len(ptr) == 0 {
		c.nxdomain(a, rz, why, "%s is neither a cluster IP nor a ready endpoint address", ip)
		return
	}
	if a.Type != resolve.TypePTR {
		c.nodata(a, rz, why, "a reverse name has only PTR records")
		return
	}
	for _, p := range omitDuplicates(ptr) {
		a.Answer = append(a.Answer, resolve.Answer{Name: a.Name, Type: resolve.TypePTR, TTL: ttl, Data: p})
	}
}

// reverseAddr parses a full in-addr.arpa. or ip6.arpa. name.
func reverseAddr(n string) (netip.Addr, bool) {
	if rest, ok := strings.CutSuffix(n, ".in-addr.arpa."); ok {
		l := strings.Split(rest, ".")
		if len(l) != 4 {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(l[3] + "." + l[2] + "." + l[1] + "." + l[0])
		return a, err == nil
	}
	if rest, ok := strings.CutSuffix(n, ".ip6.arpa."); ok {
		l := strings.Split(rest, ".")
		if len(l) != 32 {
			return netip.Addr{}, false
		}
		var b strings.Builder
		for i := 31; i >= 0; i-- {
			if len(l[i]) != 1 {
				return netip.Addr{}, false
			}
			b.WriteString(l[i])
			if i%4 == 0 && i > 0 {
				b.WriteByte(':')
			}
		}
		a, err := netip.ParseAddr(b.String())
		return a, err == nil
	}
	return netip.Addr{}, false
}

func (c *ClusterDNS) soa(zone string) resolve.Answer {
	serial := c.Serial
	if serial == 0 {
		serial = 1
	}
	ttl := c.ttl()
	return resolve.Answer{Name: zone, Type: resolve.TypeSOA, TTL: min(ttl, 300),
		Data: fmt.Sprintf("ns.dns.%s hostmaster.%s %d 7200 1800 86400 %d", zone, zone, serial, ttl)}
}

func (c *ClusterDNS) nodata(a *ClusterDNSAnswer, zone string, why func(string, ...any), format string, args ...any) {
	a.Rcode = resolve.RcodeSuccess
	a.Answer = a.Answer[:0]
	a.Additional = a.Additional[:0]
	a.Authority = append(a.Authority[:0], c.soa(zone))
	why("NODATA: "+format, args...)
}

func (c *ClusterDNS) nxdomain(a *ClusterDNSAnswer, zone string, why func(string, ...any), format string, args ...any) {
	a.Rcode = resolve.RcodeNXDomain
	a.Authority = append(a.Authority[:0], c.soa(zone))
	why("NXDOMAIN: "+format, args...)
}
