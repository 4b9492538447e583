package kubeproxy

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// config reads netcalc's own scenario format.
func (p *parser) config(n node) error {
	if err := n.Fields("node", "nodeIPs", "clusterCIDR", "bridgeIP", "ipv6", "masqueradeAll", "masqueradeBit",
		"localhostNodePorts", "nfacct", "randomFully", "kubeVersion", "conntrackTCPBeLiberal", "nodePortAddresses", "zone",
		"services"); err != nil {
		return err
	}
	c := p.cfg
	var err error
	// Several scenario documents merge: each sets only the keys it has.
	if v := n.Get("node"); !v.Missing() {
		if c.Node, err = v.Str(); err != nil {
			return err
		}
	}
	if v := n.Get("nodeIPs"); !v.Missing() {
		if c.NodeIPs, err = v.Addrs(); err != nil {
			return err
		}
	}
	if v := n.Get("clusterCIDR"); !v.Missing() {
		if c.ClusterCIDR, err = v.Prefix(); err != nil {
			return err
		}
	}
	if v := n.Get("bridgeIP"); !v.Missing() {
		if c.BridgeIP, err = v.Addr(); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{"ipv6", &c.IPv6}, {"masqueradeAll", &c.MasqueradeAll}, {"localhostNodePorts", &c.LocalhostNodePorts}, {"randomFully", &c.RandomFully}, {"conntrackTCPBeLiberal", &c.ConntrackTCPBeLiberal}} {
		if v := n.Get(f.key); !v.Missing() {
			if *f.dst, err = v.Bool(false); err != nil {
				return err
			}
		}
	}
	if v := n.Get("nfacct"); !v.Missing() {
		if c.NFAcctInvalid, c.NFAcctLocalhost, err = nfacctCounters(v); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"kubeVersion", &c.KubeVersion}, {"zone", &c.Zone}} {
		if v := n.Get(f.key); !v.Missing() {
			if *f.dst, err = v.Str(); err != nil {
				return err
			}
		}
	}
	if _, err := c.KubeMinor(); err != nil {
		kv := n.Get("kubeVersion")
		if _, num := kv.Value().(json.Number); num {
			return kv.Errorf(ErrInvalid, "%s is a number to YAML (1.30 reads as 1.3): want the release quoted, e.g. kubeVersion: \"1.%d\"", c.KubeVersion, LatestKubeMinor)
		}
		return kv.Errorf(ErrInvalid, "%q is not a kube-proxy release netcalc simulates: want 1.%d to 1.%d", c.KubeVersion, MinKubeMinor, LatestKubeMinor)
	}
	if v := n.Get("nodePortAddresses"); !v.Missing() {
		l, err := v.List()
		if err != nil {
			return err
		}
		c.NodePortAddresses = nil
		for _, it := range l {
			str, err := it.Str()
			if err != nil {
				return err
			}
			if str != "primary" {
				pf, err := it.Prefix()
				if err != nil {
					return err
				}
				str = pf.String()
			}
			c.NodePortAddresses = append(c.NodePortAddresses, str)
		}
	}
	if v := n.Get("masqueradeBit"); !v.Missing() {
		if c.MasqueradeBit, err = v.Int(0, 31, "a mark bit"); err != nil {
			return err
		}
	}
	svcs, err := n.Get("services").List()
	if err != nil {
		return err
	}
	for _, sn := range svcs {
		s, err := p.service(sn)
		if err != nil {
			return err
		}
		if s.Type == "ExternalName" {
			continue // a DNS alias: kube-proxy writes no rules for it
		}
		c.Services = append(c.Services, s)
	}
	return nil
}

func (p *parser) service(n node) (Service, error) {
	var s Service
	if err := n.Fields("namespace", "name", "type", "clusterIP", "clusterIPs", "externalIPs", "loadBalancerIPs", "loadBalancerSourceRanges",
		"sessionAffinity", "sessionAffinityTimeout", "externalTrafficPolicy", "internalTrafficPolicy", "healthCheckNodePort",
		"loadBalancerProxyIPs", "trafficDistribution", "ports", "endpoints"); err != nil {
		return s, err
	}
	if err := p.serviceCommon(n, n, &s); err != nil {
		return s, err
	}
	var err error
	if s.SessionAffinityTimeout, err = n.Get("sessionAffinityTimeout").Int(1, 86400, "a timeout in seconds"); err != nil {
		return s, err
	}
	if s.LoadBalancerIPs, err = n.Get("loadBalancerIPs").Addrs(); err != nil {
		return s, err
	}
	if s.LoadBalancerProxyIPs, err = n.Get("loadBalancerProxyIPs").Addrs(); err != nil {
		return s, err
	}
	if len(s.LoadBalancerIPs)+len(s.LoadBalancerProxyIPs) > 0 && s.Type != LoadBalancer {
		return s, n.Get("loadBalancerIPs").Errorf(ErrInvalid, "load-balancer IPs on a %s Service: want type LoadBalancer", s.Type)
	}
	eps, err := n.Get("endpoints").List()
	if err != nil {
		return s, err
	}
	if len(eps) > 0 {
		s.Endpoints = make([]Endpoint, 0, len(eps))
	}
	var shared map[string]int // the ports of endpoints that name none (endpointOwn)
	for _, en := range eps {
		e, err := endpointOwn(en, &s, &shared)
		if err != nil {
			return s, err
		}
		s.Endpoints = append(s.Endpoints, e)
	}
	p.deriveHints(&s)
	return s, nil
}

// resolvePorts returns an endpoint's port for every Service port:
// byName[NAME], else port, else the targetPort, else the port.
func resolvePorts(s *Service, byName map[string]int, port int) map[string]int {
	ports := make(map[string]int, len(s.Ports))
	for _, sp := range s.Ports {
		switch {
		case byName[sp.Name] != 0:
			ports[sp.Name] = byName[sp.Name]
		case port != 0:
			ports[sp.Name] = port
		case sp.TargetPort != 0:
			ports[sp.Name] = sp.TargetPort
		default:
			ports[sp.Name] = sp.Port
		}
	}
	return ports
}

// deriveHints sets the hints the EndpointSlice controller writes for a
// Service of netcalc's own format with a trafficDistribution:
// PreferClose and PreferSameZone hint every endpoint that has a zone for
// its own zone, PreferSameNode also for its own node. Endpoints that
// carry hints of their own keep them.
func (p *parser) deriveHints(s *Service) {
	td := s.TrafficDistribution
	if td != "PreferClose" && td != "PreferSameZone" && td != "PreferSameNode" {
		return
	}
	n := 0
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		if len(e.ZoneHints)+len(e.NodeHints) > 0 {
			continue
		}
		if e.Zone != "" {
			e.ZoneHints = []string{e.Zone}
			n++
		}
		if td == "PreferSameNode" && e.Node != "" {
			e.NodeHints = []string{e.Node}
		}
	}
	if n > 0 {
		p.cfg.Notes = append(p.cfg.Notes, Note{Kind: NoteZoneHints, Service: s.NamespacedName(), TrafficDistribution: td, Endpoints: n})
	}
}

// nfacctCounters reads the nfacct key: true or false for both of
// kube-proxy's counters, or a list naming the ones that exist.
func nfacctCounters(n node) (invalid, localhost bool, err error) {
	if _, ok := n.Value().([]any); !ok {
		b, err := n.Bool(false)
		return b, b, err
	}
	l, err := n.List()
	if err != nil {
		return false, false, err
	}
	for _, it := range l {
		name, err := it.Enum("", NFAcctInvalidCounter, NFAcctLocalhostCounter)
		if err != nil {
			return false, false, err
		}
		invalid = invalid || name == NFAcctInvalidCounter
		localhost = localhost || name == NFAcctLocalhostCounter
	}
	return invalid, localhost, nil
}

// The nfacct counters kube-proxy's iptables rules count into
// (pkg/proxy/metrics).
const (
	NFAcctInvalidCounter   = "ct_state_invalid_dropped_pkts"
	NFAcctLocalhostCounter = "localhost_nps_accepted_pkts"
)

// serviceCommon reads the fields shared by netcalc's format (meta == spec
// == the service node) and a Kubernetes Service (metadata, spec).
func (p *parser) serviceCommon(meta, spec node, s *Service) error {
	var err error
	if s.Name, err = meta.Get("name").Str(); err != nil {
		return err
	}
	if s.Name == "" {
		return meta.Errorf(ErrInvalid, "Service without a name: want name: NAME")
	}
	if s.Namespace, err = meta.Get("namespace").Str(); err != nil {
		return err
	}
	if s.Namespace == "" {
		s.Namespace = "default"
	}
	t, err := spec.Get("type").Enum(string(ClusterIP), string(ClusterIP), string(NodePort), string(LoadBalancer), "ExternalName")
	if err != nil {
		return err
	}
	s.Type = ServiceType(t)
	cip := spec.Get("clusterIP")
	if v, _ := cip.Str(); v != "None" {
		if s.ClusterIP, err = cip.Addr(); err != nil {
			return err
		}
	}
	if s.ClusterIPs, err = clusterIPs(spec.Get("clusterIPs")); err != nil {
		return err
	}
	if v, _ := cip.Str(); v == "" && len(s.ClusterIPs) > 0 {
		s.ClusterIP = s.ClusterIPs[0] // spec.clusterIP is spec.clusterIPs[0]
	}
	if s.ExternalIPs, err = spec.Get("externalIPs").Addrs(); err != nil {
		return err
	}
	if s.LoadBalancerSourceRanges, err = spec.Get("loadBalancerSourceRanges").Prefixes(); err != nil {
		return err
	}
	if s.TrafficDistribution, err = spec.Get("trafficDistribution").Enum("", "PreferClose", "PreferSameZone", "PreferSameNode"); err != nil {
		return err
	}
	a, err := spec.Get("sessionAffinity").Enum(string(AffinityNone), string(AffinityNone), string(AffinityClientIP))
	if err != nil {
		return err
	}
	s.SessionAffinity = Affinity(a)
	for _, f := range []struct {
		key string
		dst *TrafficPolicy
	}{{"externalTrafficPolicy", &s.ExternalTrafficPolicy}, {"internalTrafficPolicy", &s.InternalTrafficPolicy}} {
		v, err := spec.Get(f.key).Enum(string(PolicyCluster), string(PolicyCluster), string(PolicyLocal))
		if err != nil {
			return err
		}
		*f.dst = TrafficPolicy(v)
	}
	if s.HealthCheckNodePort, err = spec.Get("healthCheckNodePort").Port("a port"); err != nil {
		return err
	}
	ports, err := spec.Get("ports").List()
	if err != nil {
		return err
	}
	if len(ports) == 0 && s.Type != "ExternalName" {
		return spec.Errorf(ErrInvalid, "Service %s/%s has no ports: want ports: [{port: 80}]", s.Namespace, s.Name)
	}
	names := map[string]bool{}
	for _, pn := range ports {
		sp, noneWanted, err := servicePort(pn, s.Type)
		if err != nil {
			return err
		}
		if noneWanted {
			if p.noNodePort == nil {
				p.noNodePort = map[string]bool{}
			}
			p.noNodePort[s.PortName(sp)+"/"+sp.Protocol.String()] = true
		}
		if names[sp.Name] {
			return pn.Get("name").Errorf(ErrDuplicate, "port name %q used twice: want unique names", sp.Name)
		}
		if len(ports) > 1 && sp.Name == "" {
			return pn.Errorf(ErrInvalid, "unnamed port in a Service with %d ports: want a name on every port", len(ports))
		}
		names[sp.Name] = true
		s.Ports = append(s.Ports, sp)
	}
	return nil
}

// servicePort reads one entry of spec.ports. noneWanted reports an
// explicit "nodePort: 0": no NodePort at all, as kube-proxy's own test
// fixtures feed it, where a missing nodePort gets one allocated (see
// allocateNodePorts).
func servicePort(n node, t ServiceType) (sp ServicePort, noneWanted bool, err error) {
	m, err := n.Object()
	if err != nil {
		return sp, false, err
	}
	if sp.Name, err = n.Get("name").Str(); err != nil {
		return sp, false, err
	}
	// Kubernetes spells the protocols in capitals and accepts no other
	// spelling.
	pr, err := n.Get("protocol").Enum("TCP", "TCP", "UDP", "SCTP")
	if err != nil {
		return sp, false, err
	}
	sp.Protocol, _ = packet.ParseProtocol(pr)
	if m["port"] == nil {
		return sp, false, n.Errorf(ErrInvalid, "port without a number: want port: 1-65535")
	}
	if sp.Port, err = n.Get("port").Port("a port"); err != nil {
		return sp, false, err
	}
	if _, named := m["targetPort"].(string); !named { // a named targetPort resolves through the endpoints
		if sp.TargetPort, err = n.Get("targetPort").Port("a port"); err != nil {
			return sp, false, err
		}
	}
	np := n.Get("nodePort")
	if num, ok := np.Value().(json.Number); ok && num.String() == "0" {
		noneWanted = true
	} else if sp.NodePort, err = np.Port("a port"); err != nil {
		return sp, false, err
	}
	if (sp.NodePort != 0 || noneWanted) && t != NodePort && t != LoadBalancer {
		return sp, false, np.Errorf(ErrInvalid, "nodePort on a %s Service: want type NodePort or LoadBalancer", t)
	}
	return sp, noneWanted, nil
}

// endpointOwn reads an endpoint of netcalc's format and resolves its port
// for every Service port: ports[NAME], else port, else the targetPort.
// Endpoints that name no port share one Ports map, *shared, made by the
// first of them (a map per endpoint was half of a large Config's memory).
func endpointOwn(n node, s *Service, shared *map[string]int) (Endpoint, error) {
	var e Endpoint
	if err := n.Fields("ip", "port", "ports", "node", "zone", "zoneHints", "nodeHints", "ready", "serving", "terminating"); err != nil {
		return e, err
	}
	var err error
	if e.IP, err = n.Get("ip").Addr(); err != nil {
		return e, err
	}
	if !e.IP.IsValid() {
		return e, n.Errorf(ErrInvalid, "endpoint without an address: want ip: ADDRESS")
	}
	port, err := n.Get("port").Port("a port")
	if err != nil {
		return e, err
	}
	var byName map[string]int // nil (reads as 0) unless the endpoint names ports
	if pm := n.Get("ports"); !pm.Missing() {
		byName = map[string]int{}
		m, err := pm.Object()
		if err != nil {
			return e, err
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			known := false
			var names []string
			for _, sp := range s.Ports {
				known = known || sp.Name == k
				names = append(names, sp.Name)
			}
			if !known {
				return e, pm.Get(k).Errorf(ErrInvalid, "no Service port is named %q: want one of %s", k, strings.Join(names, ", "))
			}
			if byName[k], err = pm.Get(k).Port("a port"); err != nil {
				return e, err
			}
		}
	}
	if byName == nil && port == 0 && *shared != nil {
		e.Ports = *shared
	} else {
		e.Ports = resolvePorts(s, byName, port)
		if byName == nil && port == 0 {
			*shared = e.Ports
		}
	}
	if e.Node, err = n.Get("node").Str(); err != nil {
		return e, err
	}
	if e.Zone, err = n.Get("zone").Str(); err != nil {
		return e, err
	}
	if e.ZoneHints, err = n.Get("zoneHints").Strs(); err != nil {
		return e, err
	}
	if e.NodeHints, err = n.Get("nodeHints").Strs(); err != nil {
		return e, err
	}
	if e.Ready, err = n.Get("ready").Bool(true); err != nil {
		return e, err
	}
	if e.Serving, err = n.Get("serving").Bool(e.Ready); err != nil {
		return e, err
	}
	if e.Terminating, err = n.Get("terminating").Bool(false); err != nil {
		return e, err
	}
	return e, nil
}

// clusterIPs reads spec.clusterIPs; "None" (headless) gives none.
func clusterIPs(n node) ([]netip.Addr, error) {
	l, err := n.List()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, it := range l {
		if v, _ := it.Str(); v == "None" {
			continue
		}
		a, err := it.Addr()
		if err != nil {
			return nil, err
		}
		if a.IsValid() {
			out = append(out, a)
		}
	}
	return out, nil
}
