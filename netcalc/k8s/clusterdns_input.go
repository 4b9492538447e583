package k8s

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

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
		return nil, err
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

type clusterDNSObject struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Type         string `json:"type"`
		ExternalName string `json:"externalName"`
		Hostname     string `json:"hostname"`
		Subdomain    string `json:"subdomain"`
		Ports        []struct {
			Name     string `json:"name"`
			Protocol string `json:"protocol"`
			Port     int    `json:"port"`
		} `json:"ports"`
	} `json:"spec"`
	Status struct {
		PodIP  string `json:"podIP"`
		PodIPs []struct {
			IP string `json:"ip"`
		} `json:"podIPs"`
	} `json:"status"`
	Items     []clusterDNSObject `json:"items"`
	Endpoints []struct {
		Addresses []string `json:"addresses"`
		Hostname  string   `json:"hostname"`
	} `json:"endpoints"`
}

type clusterDNSExtra struct {
	pods          []ClusterDNSPod
	externalNames []ClusterDNSService
	notes         []string
}

// clusterDNSExtras reads the Pods and ExternalName Services of the file.
func clusterDNSExtras(data []byte, file string) (*clusterDNSExtra, error) {
	x := &clusterDNSExtra{}
	var visit func(o *clusterDNSObject) error
	visit = func(o *clusterDNSObject) error {
		ns := o.Metadata.Namespace
		if ns == "" {
			ns = "default"
		}
		switch o.Kind {
		case "List":
			for i := range o.Items {
				if err := visit(&o.Items[i]); err != nil {
					return err
				}
			}
		case "Pod":
			p := ClusterDNSPod{Namespace: ns, Name: o.Metadata.Name, Hostname: o.Spec.Hostname, Subdomain: o.Spec.Subdomain}
			ips := []string{o.Status.PodIP}
			for _, pi := range o.Status.PodIPs {
				ips = append(ips, pi.IP)
			}
			for _, s := range ips {
				if s == "" {
					continue
				}
				a, err := netip.ParseAddr(s)
				if err != nil {
					return &PodManifestError{File: file, Msg: fmt.Sprintf("Pod %s/%s: status.podIPs: %q is not an IP address: want e.g. 10.244.1.10", ns, p.Name, s)}
				}
				if !containsAddr(p.IPs, a.Unmap()) {
					p.IPs = append(p.IPs, a.Unmap())
				}
			}
			x.pods = append(x.pods, p)
		case "EndpointSlice":
			for _, e := range o.Endpoints {
				if e.Hostname != "" {
					x.notes = append(x.notes, fmt.Sprintf("EndpointSlice %s/%s: endpoint hostname %q is not read (kube-proxy's manifest parser drops it); the endpoint is named by its address unless a Pod in the file has spec.hostname %[3]q and spec.subdomain naming the Service", ns, o.Metadata.Name, e.Hostname))
				}
			}
		case "Service":
			if o.Spec.Type != "ExternalName" {
				return nil
			}
			s := ClusterDNSService{Namespace: ns, Name: o.Metadata.Name, Type: "ExternalName", ExternalName: o.Spec.ExternalName}
			for _, p := range o.Spec.Ports {
				proto := strings.ToLower(p.Protocol)
				if proto == "" {
					proto = "tcp"
				}
				s.Ports = append(s.Ports, ClusterDNSPort{Name: p.Name, Protocol: proto, Port: p.Port})
			}
			x.externalNames = append(x.externalNames, s)
		}
		return nil
	}
	for _, d := range splitYAMLDocs(data) {
		if strings.TrimSpace(d) == "" {
			continue
		}
		var o clusterDNSObject
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			// kubeproxy.Parse has read the same text without error, so
			// only a type mismatch in the fields read here can land here.
			return nil, &PodManifestError{File: file, Msg: cleanYAMLError(err)}
		}
		if err := visit(&o); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func containsAddr(l []netip.Addr, a netip.Addr) bool {
	for _, x := range l {
		if x == a {
			return true
		}
	}
	return false
}
