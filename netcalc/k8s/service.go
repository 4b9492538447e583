package k8s

import (
	"fmt"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc"
)

// ServiceNetwork is what one Service range gives: the reserved addresses,
// the KEP-3070 static band and how many Services fit.
type ServiceNetwork struct {
	CIDR netip.Prefix `json:"cidr"`
	// Kubernetes is the ClusterIP of the default/kubernetes Service, the
	// first address after the network address (GetIndexedIP(range, 1)).
	Kubernetes netip.Addr `json:"kubernetes"`
	// DNS is the conventional cluster DNS address, the 10th address
	// (kubeadm DefaultClusterDNSIP); invalid when the range is too small.
	DNS netip.Addr `json:"dns"`
	// DNSInStaticBand reports whether DNS lies in the static band.
	DNSInStaticBand bool `json:"dns_in_static_band"`
	// BandOffset is the KEP-3070 offset: the static band is the first
	// BandOffset addresses after the network address; 0 means no band.
	BandOffset uint64 `json:"band_offset"`
	// StaticFirst and StaticLast bound the static band; invalid when
	// BandOffset is 0.
	StaticFirst netip.Addr `json:"static_first,omitzero"`
	StaticLast  netip.Addr `json:"static_last,omitzero"`
	// Allocator names the ClusterIP allocator of the planned version:
	// "bitmap" up to 1.33, "ipaddress" (the ServiceCIDR allocator) from 1.34.
	Allocator string `json:"allocator"`
	// Services is how many ClusterIPs the allocator hands out, the
	// kubernetes Service included.
	Services netcalc.Count `json:"services"`
}

// BandOffset returns the KEP-3070 static band size of a Service range,
// as kube-apiserver's calculateRangeOffset computes it:
// min(max(16, size/16), 256), and 0 for ranges of 16 addresses or fewer.
// The size is k8s.io/utils/net RangeSize, which is 0 for IPv4 /0 and /1.
func BandOffset(p netip.Prefix) uint64 {
	const lo, hi, step = 16, 256, 16
	n := rangeSize(p)
	if n <= lo {
		return 0
	}
	return uint64(min(max(lo, n/step), hi))
}

// BitmapServices returns how many ClusterIPs the bitmap allocator (up to
// 1.33) hands out: IPv4 size-2 (no network, no broadcast); IPv6 the first
// 65536 addresses minus the network address.
func BitmapServices(p netip.Prefix) netcalc.Count {
	n := rangeSize(p)
	if !p.Addr().Is4() {
		n = min(n, 65536)
	} else {
		n--
	}
	return netcalc.CountFromUint64(uint64(max(n-1, 0)))
}

// IPAddressServices returns how many ClusterIPs the ServiceCIDR allocator
// (hostsPerNetwork) hands out: the range minus the network address and,
// for IPv4, the broadcast address; saturating at 2^64-1.
func IPAddressServices(p netip.Prefix) netcalc.Count {
	hb := p.Addr().BitLen() - p.Bits()
	if hb >= 64 {
		return netcalc.CountFromUint64(^uint64(0))
	}
	n := uint64(1) << hb
	n--
	if p.Addr().Is4() && n > 0 {
		n--
	}
	return netcalc.CountFromUint64(n)
}

// newServiceNetwork describes one Service range for version v.
func newServiceNetwork(p netip.Prefix, v Version) ServiceNetwork {
	p = p.Masked()
	s := ServiceNetwork{CIDR: p}
	s.Kubernetes, _ = indexedIP(p, 1)
	s.DNS, _ = indexedIP(p, 10)
	if v.AtLeast(v126) {
		s.BandOffset = BandOffset(p)
	}
	if s.BandOffset > 0 {
		s.StaticFirst, _ = indexedIP(p, 1)
		s.StaticLast, _ = indexedIP(p, s.BandOffset)
		s.DNSInStaticBand = s.DNS.IsValid() && s.BandOffset >= 10
	}
	if newAllocator(v) {
		s.Allocator, s.Services = "ipaddress", IPAddressServices(p)
	} else {
		s.Allocator, s.Services = "bitmap", BitmapServices(p)
	}
	return s
}

// newAllocator reports whether version v runs the ServiceCIDR allocator
// alone (MultiCIDRServiceAllocator and DisableAllocatorDualWrite on by
// default from 1.34), which lifts the /12 and /108 flag limits.
func newAllocator(v Version) bool { return v.AtLeast(v134) }

// ServiceFlagErrors reproduces kube-apiserver's validateClusterIPFlags
// and ServiceIPRange checks of --service-cluster-ip-range for version v:
// at most two entries, two entries of different families, each at least
// 8 addresses, and (before 1.34, or with the ServiceCIDR allocator's dual
// write still on) no more than 20 host bits. It returns the upstream
// error texts.
func ServiceFlagErrors(cidrs []netip.Prefix, v Version) []string {
	return serviceFlagErrors(cidrs, !newAllocator(v.orLatest()))
}

func serviceFlagErrors(cidrs []netip.Prefix, limits bool) []string {
	var errs []string
	if len(cidrs) == 0 || !cidrs[0].IsValid() {
		errs = append(errs, "--service-cluster-ip-range must contain at least one valid cidr")
	}
	if len(cidrs) == 0 {
		return errs
	}
	if len(cidrs) > 2 {
		errs = append(errs, "--service-cluster-ip-range must not contain more than two entries")
	}
	flags := []string{"--service-cluster-ip-range", "--service-cluster-ip-range[1]"}
	for i, p := range cidrs[:min(len(cidrs), 2)] {
		if !p.IsValid() {
			continue
		}
		if i == 1 && cidrs[0].IsValid() && p.Addr().Is4() == cidrs[0].Addr().Is4() {
			errs = append(errs, "--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family")
		}
		if limits && p.Addr().BitLen()-p.Bits() > 20 {
			errs = append(errs, fmt.Sprintf("specified %s is too large; for %d-bit addresses, the mask must be >= %d", flags[i], p.Addr().BitLen(), p.Addr().BitLen()-20))
		}
	}
	if cidrs[0].IsValid() && min(rangeSize(cidrs[0]), 1<<16) < 8 {
		errs = append(errs, "the service cluster IP range must be at least 8 IP addresses")
	}
	return errs
}
