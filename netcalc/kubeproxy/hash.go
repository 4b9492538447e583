package kubeproxy

import (
	"crypto/sha256"
	"encoding/base32"
)

// Chain-name prefixes kube-proxy uses in the nat table.
const (
	PrefixService  = "KUBE-SVC-" // Cluster-policy endpoints of a Service port
	PrefixLocal    = "KUBE-SVL-" // Local-policy endpoints of a Service port
	PrefixExternal = "KUBE-EXT-" // NodePort / LoadBalancer / externalIP entry
	PrefixFirewall = "KUBE-FW-"  // loadBalancerSourceRanges filter
	PrefixEndpoint = "KUBE-SEP-" // one endpoint
)

// PortProtoHash returns kube-proxy's portProtoHash: the first 16 characters
// of the standard base32 encoding of sha256(servicePortName + protocol),
// protocol in lower case ("tcp"). KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
// KUBE-FW- chains of one Service port share it.
func PortProtoHash(servicePortName, protocol string) string {
	sum := sha256.Sum256([]byte(servicePortName + protocol))
	return string(appendHash16(nil, &sum))
}

// ServiceChain returns the KUBE-SVC- chain of a Service port, e.g.
// ServiceChain("default/kubernetes:https", "tcp") is
// "KUBE-SVC-NPX46M4PTMTKRN6Y".
func ServiceChain(servicePortName, protocol string) string {
	return PrefixService + PortProtoHash(servicePortName, protocol)
}

// EndpointChain returns the KUBE-SEP- chain of one endpoint: the hash of
// servicePortName + protocol + endpoint, where endpoint is "IP:port" as
// net.JoinHostPort writes it ("[2001:db8::1]:80" for IPv6).
func EndpointChain(servicePortName, protocol, endpoint string) string {
	sum := sha256.Sum256([]byte(servicePortName + protocol + endpoint))
	return string(appendHash16([]byte(PrefixEndpoint), &sum))
}

// appendHash16 appends the first 16 characters of the standard base32
// encoding of sum: those of its first 10 bytes (base32 encodes 5 bytes
// as 8 characters).
func appendHash16(dst []byte, sum *[sha256.Size]byte) []byte {
	var enc [16]byte
	base32.StdEncoding.Encode(enc[:], sum[:10])
	return append(dst, enc[:]...)
}
