package kubeproxy

import (
	"fmt"
	"hash/fnv"
	"sort"
)

// k8sSlice is an EndpointSlice waiting for its Service.
type k8sSlice struct {
	namespace, service string
	endpoints          []Endpoint
}

// k8sService reads a v1 Service manifest.
func (p *parser) k8sService(n node) error {
	var s Service
	meta, spec := n.Get("metadata"), n.Get("spec")
	if _, err := meta.Object(); err != nil {
		return err
	}
	if !spec.Missing() {
		if _, err := spec.Object(); err != nil {
			return err
		}
	}
	if err := p.serviceCommon(meta, spec, &s); err != nil {
		return err
	}
	if s.Type == "ExternalName" {
		return nil // not proxied
	}
	if t := spec.Get("sessionAffinityConfig").Get("clientIP").Get("timeoutSeconds"); !t.Missing() {
		var err error
		if s.SessionAffinityTimeout, err = t.Int(1, 86400, "a timeout in seconds"); err != nil {
			return err
		}
	}
	ingress, err := n.Get("status").Get("loadBalancer").Get("ingress").List()
	if err != nil {
		return err
	}
	if s.Type == LoadBalancer {
		for _, in := range ingress {
			a, err := in.Get("ip").Addr()
			if err != nil {
				return err
			}
			mode, err := in.Get("ipMode").Enum("VIP", "VIP", "Proxy")
			if err != nil {
				return err
			}
			switch {
			case !a.IsValid():
			case mode == "Proxy":
				s.LoadBalancerProxyIPs = append(s.LoadBalancerProxyIPs, a)
			default:
				s.LoadBalancerIPs = append(s.LoadBalancerIPs, a)
			}
		}
	}
	p.cfg.Services = append(p.cfg.Services, s)
	return nil
}

// k8sEndpointSlice reads a discovery.k8s.io/v1 EndpointSlice. kube-proxy
// uses each endpoint's first address; readiness defaults as the API says
// (ready and serving when unset, not terminating).
func (p *parser) k8sEndpointSlice(n node) error {
	meta := n.Get("metadata")
	ns, err := meta.Get("namespace").Str()
	if err != nil {
		return err
	}
	if ns == "" {
		ns = "default"
	}
	svc, err := meta.Get("labels").Get("kubernetes.io/service-name").Str()
	if err != nil {
		return err
	}
	if svc == "" {
		return meta.Errorf(ErrInvalid, "EndpointSlice without the kubernetes.io/service-name label: want it to name its Service")
	}
	at, err := n.Get("addressType").Enum("IPv4", "IPv4", "IPv6", "FQDN")
	if err != nil {
		return err
	}
	if at == "FQDN" {
		return nil
	}
	ports := map[string]int{}
	pl, err := n.Get("ports").List()
	if err != nil {
		return err
	}
	for _, pn := range pl {
		name, err := pn.Get("name").Str()
		if err != nil {
			return err
		}
		port, err := pn.Get("port").Port("a port")
		if err != nil {
			return err
		}
		if port != 0 {
			ports[name] = port
		}
	}
	sl := k8sSlice{namespace: ns, service: svc}
	el, err := n.Get("endpoints").List()
	if err != nil {
		return err
	}
	for _, en := range el {
		addrs, err := en.Get("addresses").Addrs()
		if err != nil {
			return err
		}
		if len(addrs) == 0 {
			return en.Errorf(ErrInvalid, "endpoint without addresses: want addresses: [IP]")
		}
		e := Endpoint{IP: addrs[0], Ports: ports}
		if e.Node, err = en.Get("nodeName").Str(); err != nil {
			return err
		}
		if e.Zone, err = en.Get("zone").Str(); err != nil {
			return err
		}
		for _, h := range []struct {
			key string
			dst *[]string
		}{{"forZones", &e.ZoneHints}, {"forNodes", &e.NodeHints}} {
			l, err := en.Get("hints").Get(h.key).List()
			if err != nil {
				return err
			}
			for _, it := range l {
				name, err := it.Get("name").Str()
				if err != nil {
					return err
				}
				*h.dst = append(*h.dst, name)
			}
		}
		cond := en.Get("conditions")
		if e.Ready, err = cond.Get("ready").Bool(true); err != nil {
			return err
		}
		if e.Serving, err = cond.Get("serving").Bool(e.Ready); err != nil {
			return err
		}
		if e.Terminating, err = cond.Get("terminating").Bool(false); err != nil {
			return err
		}
		sl.endpoints = append(sl.endpoints, e)
	}
	p.slices = append(p.slices, sl)
	return nil
}

// finish attaches EndpointSlices to their Services and rejects duplicate
// Services.
func (p *parser) finish() error {
	idx := map[string]int{}
	for i, s := range p.cfg.Services {
		k := s.NamespacedName()
		if _, dup := idx[k]; dup {
			return &ParseError{File: p.file, Msg: "Service " + k + " defined twice: want each Service once", Err: ErrDuplicate}
		}
		idx[k] = i
	}
	for _, sl := range p.slices {
		i, ok := idx[sl.namespace+"/"+sl.service]
		if !ok {
			continue // kube-proxy ignores slices of unknown Services
		}
		p.cfg.Services[i].Endpoints = append(p.cfg.Services[i].Endpoints, sl.endpoints...)
	}
	return p.allocateNodePorts()
}

// Node ports are allocated from the apiserver's default
// --service-node-port-range.
const (
	NodePortMin = 30000
	NodePortMax = 32767
)

// allocateNodePorts gives every port of a NodePort or LoadBalancer Service
// that has no nodePort one from NodePortMin-NodePortMax, as the apiserver
// would. The apiserver picks at random; netcalc picks deterministically so
// that the same file always gives the same rules: the port
// NodePortMin + FNV-1a-32("namespace/name:portname/protocol", the
// unnamed port being "namespace/name/protocol") mod 2768, or the
// next free one (wrapping) when that one is taken. Ports that are set in
// the file (nodePort and healthCheckNodePort) are reserved first, then
// Services are served in namespace/name order, ports in spec order. Each
// allocation is recorded in Config.Notes.
func (p *parser) allocateNodePorts() error {
	used := map[int]bool{}
	for _, s := range p.cfg.Services {
		for _, sp := range s.Ports {
			if sp.NodePort != 0 {
				used[sp.NodePort] = true
			}
		}
		if s.HealthCheckNodePort != 0 {
			used[s.HealthCheckNodePort] = true
		}
	}
	order := make([]int, len(p.cfg.Services))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return p.cfg.Services[order[a]].NamespacedName() < p.cfg.Services[order[b]].NamespacedName()
	})
	const size = NodePortMax - NodePortMin + 1
	for _, i := range order {
		s := &p.cfg.Services[i]
		if s.Type != NodePort && s.Type != LoadBalancer {
			continue
		}
		for j := range s.Ports {
			sp := &s.Ports[j]
			key := s.PortName(*sp) + "/" + sp.Protocol.String()
			if sp.NodePort != 0 || p.noNodePort[key] {
				continue
			}
			h := fnv.New32a()
			h.Write([]byte(key))
			start := int(h.Sum32() % size)
			for k := 0; k < size && sp.NodePort == 0; k++ {
				if c := NodePortMin + (start+k)%size; !used[c] {
					sp.NodePort = c
				}
			}
			if sp.NodePort == 0 {
				return &ParseError{File: p.file, Msg: fmt.Sprintf("Service port %s (%s) has no nodePort and all of %d-%d are taken: want a nodePort in the file",
					s.PortName(*sp), sp.Protocol.String(), NodePortMin, NodePortMax), Err: ErrInvalid}
			}
			used[sp.NodePort] = true
			p.cfg.Notes = append(p.cfg.Notes, Note{Kind: NoteNodePortAllocated, Service: s.NamespacedName(), ServiceType: s.Type,
				Port: sp.Port, Protocol: sp.Protocol, NodePort: sp.NodePort, Hashed: key})
		}
	}
	return nil
}
