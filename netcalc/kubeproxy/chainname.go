package kubeproxy

import (
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// ChainNames are the iptables chains kube-proxy names for one Service
// port and, when an endpoint is given, for that endpoint.
type ChainNames struct {
	// ServicePort is kube-proxy's ServicePortName: "namespace/name:port",
	// or "namespace/name" for an unnamed port.
	ServicePort string          `json:"service_port"`
	Protocol    packet.Protocol `json:"protocol"`
	// Endpoint is "IP:port" as net.JoinHostPort writes it; "" when none
	// was given.
	Endpoint string `json:"endpoint,omitempty"`
	Cluster  string `json:"cluster"`  // KUBE-SVC-
	Local    string `json:"local"`    // KUBE-SVL-
	External string `json:"external"` // KUBE-EXT-
	Firewall string `json:"firewall"` // KUBE-FW-
	// EndpointChain is the endpoint's KUBE-SEP- chain; "" without one.
	EndpointChain string `json:"endpoint_chain,omitempty"`
}

// ServicePortNameError reports text that is not a Service port name
// "namespace/name" or "namespace/name:port".
type ServicePortNameError struct{ Text string }

func (e *ServicePortNameError) Error() string {
	return "kubeproxy: " + e.Text + " is not a Service port name: want NAMESPACE/NAME or NAMESPACE/NAME:PORT"
}

// ChainNamesFor returns the chain names of Service port servicePort
// ("namespace/name[:port]") with protocol proto, and of endpoint ep unless
// ep is the zero AddrPort. A name not of that form is a
// *ServicePortNameError.
func ChainNamesFor(servicePort string, proto packet.Protocol, ep netip.AddrPort) (ChainNames, error) {
	ns, rest, ok := strings.Cut(servicePort, "/")
	if !ok || ns == "" || rest == "" || strings.HasPrefix(rest, ":") || strings.HasSuffix(rest, ":") {
		return ChainNames{}, &ServicePortNameError{Text: servicePort}
	}
	h := PortProtoHash(servicePort, proto.String())
	c := ChainNames{ServicePort: servicePort, Protocol: proto, Cluster: PrefixService + h, Local: PrefixLocal + h,
		External: PrefixExternal + h, Firewall: PrefixFirewall + h}
	if ep.IsValid() {
		c.Endpoint = ep.String()
		c.EndpointChain = EndpointChain(servicePort, proto.String(), c.Endpoint)
	}
	return c, nil
}
