package k8s

import (
	"sort"
	"strings"
)

// InstanceType is an EC2 instance type's network limits: elastic network
// interfaces, IPv4 addresses per interface and vCPUs (for the prefix
// delegation cap).
type InstanceType struct {
	Name       string `json:"instance_type"`
	ENIs       int    `json:"enis"`
	IPv4PerENI int    `json:"ipv4_per_eni"`
	VCPUs      int    `json:"vcpus"`
}

// instanceTypes holds the EC2 network limits of common types (EC2 user
// guide "IP addresses per network interface per instance type").
var instanceTypes = []InstanceType{
	{"t3.nano", 2, 2, 2}, {"t3.micro", 2, 2, 2}, {"t3.small", 3, 4, 2}, {"t3.medium", 3, 6, 2},
	{"t3.large", 3, 12, 2}, {"t3.xlarge", 4, 15, 4}, {"t3.2xlarge", 4, 15, 8},
	{"t3a.small", 2, 4, 2}, {"t2.xlarge", 3, 15, 4}, {"m4.large", 2, 10, 2},
	{"m5.large", 3, 10, 2}, {"m5.xlarge", 4, 15, 4}, {"m5.2xlarge", 4, 15, 8}, {"m5.4xlarge", 8, 30, 16},
	{"m5.8xlarge", 8, 30, 32}, {"m5.12xlarge", 8, 30, 48}, {"m5.16xlarge", 15, 50, 64}, {"m5.24xlarge", 15, 50, 96},
	{"m6i.large", 3, 10, 2}, {"m7g.medium", 2, 4, 1},
	{"c5.large", 3, 10, 2}, {"c5.xlarge", 4, 15, 4}, {"c5.2xlarge", 4, 15, 8}, {"c5.4xlarge", 8, 30, 16},
	{"c5.9xlarge", 8, 30, 36}, {"c5.18xlarge", 15, 50, 72},
	{"r5.large", 3, 10, 2}, {"r5.xlarge", 4, 15, 4},
}

// InstanceTypes returns the instance types the EKS profile knows, by name.
func InstanceTypes() []InstanceType {
	t := append([]InstanceType(nil), instanceTypes...)
	sort.Slice(t, func(i, j int) bool { return t[i].Name < t[j].Name })
	return t
}

// LookupInstanceType returns the limits of the named type (case-insensitive).
func LookupInstanceType(name string) (InstanceType, bool) {
	for _, t := range instanceTypes {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return InstanceType{}, false
}

// MaxPods returns the Amazon VPC CNI's max pods for the type: in
// secondary-IP mode ENIs x (IPv4 per ENI - 1) + 2 (the first address of
// each ENI is the ENI's own; +2 for host-network pods, aws-node and
// kube-proxy); with prefix delegation each secondary slot holds a /28 (16
// addresses), ENIs x ((IPv4 per ENI - 1) x 16) + 2, capped at 110 below 30
// vCPUs and at 250 from 30 on (amazon-eks-ami max-pods-calculator.sh).
func (t InstanceType) MaxPods(prefixDelegation bool) int {
	if !prefixDelegation {
		return t.ENIs*(t.IPv4PerENI-1) + 2
	}
	n := t.ENIs*((t.IPv4PerENI-1)*16) + 2
	limit := 250
	if t.VCPUs < 30 {
		limit = 110
	}
	return min(n, limit)
}
