package k8s

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/netcalc/netcalc/netcalc/k8s/manifest"
	"github.com/netcalc/netcalc/netcalc/kubeproxy"
)

// ClusterDNSParse reads the cluster's objects from the manifests
// kube-proxy reads (kubeproxy.Parse: Services and EndpointSlices, or
// netcalc's own scenario format) plus, from the same file, the Pods
// (name, namespace, spec.hostname, spec.subdomain, status.podIPs) and the
// ExternalName Services, which kube-proxy has no use for and its parser
// drops. An endpoint gets the hostname of the Pod that has its address
// when that Pod's spec.hostname is set and its spec.subdomain names the
// Service, as the EndpointSlice controller sets it (ShouldSetHostname).
// file names the input in errors, which are kubeproxy's *ParseError or a
// *PodManifestError.
func ClusterDNSParse(data []byte, file string) (*ClusterDNS, error) {
	cfg, err := kubeproxy.Parse(data, file)
	if err != nil {
		return nil, err
	}
	extra, err := clusterDNSExtras(data, file)
	if err != nil {
		return nil, podManifestError(err)
	}
	c := &ClusterDNS{PodList: extra.pods, Notes: extra.notes}
	for _, s := range cfg.Services {
		c.Services = append(c.Services, clusterDNSFromKubeProxy(&s, extra.pods))
	}
	c.Services = append(c.Services, extra.externalNames...)
	return c, nil
}

func clusterDNSFromKubeProxy(s *kubeproxy.Service, pods []ClusterDNSPod) ClusterDNSService {
	out := ClusterDNSService{Namespace: s.Namespace, Name: s.Name, Type: string(s.Type)}
	if s.Type == "" {
		out.Type = "ClusterIP"
	}
	if s.ClusterIP.IsValid() {
		out.ClusterIPs = append(out.ClusterIPs, s.ClusterIP)
		for _, a := range s.ClusterIPs {
			if a != s.ClusterIP {
				out.ClusterIPs = append(out.ClusterIPs, a)
			}
		}
	}
	protos := map[string]string{}
	for _, p := range s.Ports {
		proto := p.Protocol.String()
		if proto == "" {
			proto = "tcp"
		}
		protos[p.Name] = proto
		out.Ports = append(out.Ports, ClusterDNSPort{Name: p.Name, Protocol: proto, Port: p.Port})
	}
	for _, e := range s.Endpoints {
		de := ClusterDNSEndpoint{Addresses: []netip.Addr{e.IP}, Ready: e.Ready}
		names := make([]string, 0, len(e.Ports))
		for n := range e.Ports {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			proto := protos[n]
			if proto == "" {
				proto = "tcp"
			}
			de.Ports = append(de.Ports, ClusterDNSPort{Name: n, Protocol: proto, Port: e.Ports[n]})
		}
		for _, p := range pods {
			if p.Namespace != s.Namespace || p.Hostname == "" || p.Subdomain != s.Name {
				continue
			}
			for _, ip := range p.IPs {
				if ip == e.IP {
					de.Hostname = p.Hostname
				}
			}
		}
		out.Endpoints = append(out.Endpoints, de)
	}
	return out
}

type clusterDNSExtra struct {
	pods          []ClusterDNSPod
	externalNames []ClusterDNSService
	notes         []ClusterDNSNote
}

// clusterDNSExtras reads the Pods and ExternalName Services of the file.
func clusterDNSExtras(data []byte, file string) (*clusterDNSExtra, error) {
	x := &clusterDNSExtra{}
	r := &manifest.Reader{File: file}
	for _, d := range r.Split(data) {
		n, err := d.Root()
		if err != nil {
			return nil, err
		}
		if n.Missing() {
			continue
		}
		if err := x.object(n); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// object reads one object (the items of a List).
func (x *clusterDNSExtra) object(n manifest.Node) error {
	if err := mapping(n, false); err != nil {
		return err
	}
	var kind, name, ns string
	meta := n.Get("metadata")
	for _, f := range []struct {
		n   manifest.Node
		dst *string
	}{{n.Get("kind"), &kind}, {meta.Get("name"), &name}, {meta.Get("namespace"), &ns}} {
		var err error
		if *f.dst, err = strictStr(f.n); err != nil {
			return err
		}
	}
	if ns == "" {
		ns = "default"
	}
	switch kind {
	case "List":
		items, err := list(n.Get("items"))
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := x.object(it); err != nil {
				return err
			}
		}
	case "Pod":
		return x.pod(n, ns, name)
	case "EndpointSlice":
		eps, err := list(n.Get("endpoints"))
		if err != nil {
			return err
		}
		for _, e := range eps {
			h, err := strictStr(e.Get("hostname"))
			if err != nil {
				return err
			}
			if h != "" {
				x.notes = append(x.notes, ClusterDNSNote{Kind: NoteEndpointHostname, Slice: ns + "/" + name, Hostname: h})
			}
		}
	case "Service":
		spec := n.Get("spec")
		typ, err := strictStr(spec.Get("type"))
		if err != nil || typ != "ExternalName" {
			return err
		}
		s := ClusterDNSService{Namespace: ns, Name: name, Type: "ExternalName"}
		if s.ExternalName, err = strictStr(spec.Get("externalName")); err != nil {
			return err
		}
		ports, err := list(spec.Get("ports"))
		if err != nil {
			return err
		}
		for _, p := range ports {
			dp := ClusterDNSPort{}
			if dp.Name, err = strictStr(p.Get("name")); err != nil {
				return err
			}
			if dp.Protocol, err = strictStr(p.Get("protocol")); err != nil {
				return err
			}
			if dp.Port, err = p.Get("port").Int(0, 65535, "a port"); err != nil {
				return err
			}
			dp.Protocol = strings.ToLower(dp.Protocol)
			if dp.Protocol == "" {
				dp.Protocol = "tcp"
			}
			s.Ports = append(s.Ports, dp)
		}
		x.externalNames = append(x.externalNames, s)
	}
	return nil
}

// pod reads a Pod's hostname, subdomain and addresses.
func (x *clusterDNSExtra) pod(n manifest.Node, ns, name string) error {
	p := ClusterDNSPod{Namespace: ns, Name: name}
	spec, status := n.Get("spec"), n.Get("status")
	var err error
	if p.Hostname, err = strictStr(spec.Get("hostname")); err != nil {
		return err
	}
	if p.Subdomain, err = strictStr(spec.Get("subdomain")); err != nil {
		return err
	}
	ips := []manifest.Node{status.Get("podIP")}
	l, err := list(status.Get("podIPs"))
	if err != nil {
		return err
	}
	for _, pi := range l {
		ips = append(ips, pi.Get("ip"))
	}
	for _, in := range ips {
		s, err := strictStr(in)
		if err != nil {
			return err
		}
		if s == "" {
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return &PodManifestError{File: in.File(), Line: in.Line(), Msg: fmt.Sprintf("Pod %s/%s: status.podIPs: %q is not an IP address: want e.g. 10.244.1.10", ns, p.Name, s)}
		}
		if !containsAddr(p.IPs, a.Unmap()) {
			p.IPs = append(p.IPs, a.Unmap())
		}
	}
	x.pods = append(x.pods, p)
	return nil
}

func containsAddr(l []netip.Addr, a netip.Addr) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}
