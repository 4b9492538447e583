package k8s

import (
	"bufio"
	"errors"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netcalc/netcalc/netcalc"
)

// The cases in this file are the upstream validation tests of Kubernetes
// v1.37.2, reproduced with the same inputs and outcomes. Each test names
// the upstream test it copies.

// sloppy parses a CIDR the way netutils.ParseCIDRSloppy does: host bits
// cleared; "" gives the zero Prefix.
func sloppy(t *testing.T, s string) netip.Prefix {
	t.Helper()
	if s == "" {
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{} // ParseCIDRSloppy returns nil: an unset range
	}
	return p.Masked()
}

// cmd/kube-apiserver/app/options/validation_test.go TestClusterServiceIPRange.
// Feature gates map to versions: both MultiCIDRServiceAllocator and
// DisableAllocatorDualWrite on is the 1.34 default; only the first on is
// 1.33; both off is 1.32.
func TestClusterServiceIPRange(t *testing.T) {
	tests := []struct {
		name            string
		primary, second string
		expectErrors    bool
		allocator, noDW bool
	}{
		{"no service cidr", "", "", true, false, false},
		{"only secondary service cidr", "", "10.0.0.0/16", true, false, false},
		{"primary and secondary are provided but not dual stack v4-v4", "10.0.0.0/16", "11.0.0.0/16", true, false, false},
		{"primary and secondary are provided but not dual stack v6-v6", "2000::/108", "3000::/108", true, false, false},
		{"service cidr is too big", "10.0.0.0/8", "", true, false, false},
		{"service cidr IPv4 is too big but gate enbled", "10.0.0.0/8", "", true, true, false},
		{"service cidr IPv6 is too big but only ipallocator gate enabled", "2001:db8::/64", "", true, true, false},
		{"service cidr IPv6 is too big but only ipallocator gate enabled /12", "2001:db8::/12", "", true, true, false},
		{"service cidr IPv4 is too big but gate enabled", "10.0.0.0/8", "", false, true, true},
		{"service cidr IPv6 is too big but gate enabled", "2001:db8::/64", "", false, true, true},
		{"service cidr IPv6 is too big and gate enabled", "2001:db8::/12", "", false, true, true},
		{"dual-stack secondary cidr too big", "10.0.0.0/16", "3000::/64", true, false, false},
		{"dual-stack secondary cidr too big but only ipallocator gate enabled", "10.0.0.0/16", "3000::/48", true, true, false},
		{"dual-stack secondary cidr too big gate enabled", "10.0.0.0/16", "3000::/48", false, true, true},
		{"more than two entries", "10.0.0.0/16,244.0.0.0/16", "3000::/108", true, false, false},
		{"valid primary", "10.0.0.0/16", "", false, false, false},
		{"valid primary, class E range", "244.0.0.0/16", "", false, false, false},
		{"valid v4-v6 dual stack", "10.0.0.0/16", "3000::/108", false, false, false},
		{"valid v6-v4 dual stack", "3000::/108", "10.0.0.0/16", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Version{1, 32}
			if tt.allocator {
				v = Version{1, 33}
			}
			if tt.allocator && tt.noDW {
				v = Version{1, 34}
			}
			// The flag value is split on commas (validateClusterIPFlags);
			// the primary is parsed whole, so "a,b" is an unset primary.
			var list []netip.Prefix
			if strings.Contains(tt.primary, ",") {
				list = append(list, netip.Prefix{})
				for _, s := range strings.Split(tt.primary, ",")[1:] {
					list = append(list, sloppy(t, s))
				}
			} else {
				list = append(list, sloppy(t, tt.primary))
			}
			if tt.second != "" {
				list = append(list, sloppy(t, tt.second))
			}
			errs := ServiceFlagErrors(list, v)
			if got := len(errs) > 0; got != tt.expectErrors {
				t.Errorf("ServiceFlagErrors(%v, %s) = %q; want errors %v", list, v, errs, tt.expectErrors)
			}
		})
	}
}

// cmd/kube-apiserver/app/options/validation_test.go TestValidateMaxCIDRRange:
// the exact error texts.
func TestValidateMaxCIDRRange(t *testing.T) {
	tests := []struct {
		name, cidr, want string
	}{
		{"valid ipv4 cidr", "10.92.0.0/12", ""},
		{"valid ipv6 cidr", "3000::/108", ""},
		{"ipv4 cidr too big", "10.92.0.0/8", "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12"},
		{"ipv6 cidr too big", "3000::/64", "specified --service-cluster-ip-range is too large; for 128-bit addresses, the mask must be >= 108"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ServiceFlagErrors([]netip.Prefix{sloppy(t, tt.cidr)}, Version{1, 33})
			got := strings.Join(errs, "; ")
			if got != tt.want {
				t.Errorf("ServiceFlagErrors(%s, 1.33) = %q; want %q", tt.cidr, got, tt.want)
			}
		})
	}
}

// pkg/registry/core/service/ipallocator/bitmap_test.go Test_calculateRangeOffset.
func TestCalculateRangeOffset(t *testing.T) {
	tests := []struct {
		name, cidr string
		want       uint64
	}{
		{"full mask IPv4", "192.168.1.1/32", 0},
		{"full mask IPv6", "fd00::1/128", 0},
		{"very small mask IPv4", "192.168.1.1/30", 0},
		{"very small mask IPv6", "fd00::1/126", 0},
		{"small mask IPv4", "192.168.1.1/28", 0},
		{"small mask IPv4 /27", "192.168.1.1/27", 16},
		{"small mask IPv6", "fd00::1/124", 0},
		{"small mask IPv6 /122", "fd00::1/122", 16},
		{"medium mask IPv4", "192.168.1.1/22", 64},
		{"medium mask IPv6", "fd00::1/118", 64},
		{"large mask IPv4", "192.168.1.1/8", 256},
		{"large mask IPv6", "fd00::1/12", 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BandOffset(netip.MustParsePrefix(tt.cidr)); got != tt.want {
				t.Errorf("BandOffset(%s) = %d; want %d", tt.cidr, got, tt.want)
			}
		})
	}
}

// pkg/controller/nodeipam/ipam/cidrset/cidr_set_test.go TestIndexToCIDRBlock.
func TestIndexToCIDRBlock(t *testing.T) {
	tests := []struct {
		cluster string
		mask    int
		index   uint64
		want    string
		desc    string
	}{
		{"127.123.3.0/16", 24, 0, "127.123.0.0/24", "1st IP address indexed with IPv4"},
		{"127.123.0.0/16", 24, 15, "127.123.15.0/24", "16th IP address indexed with IPv4"},
		{"192.168.5.219/28", 32, 5, "192.168.5.213/32", "5th IP address indexed with IPv4"},
		{"2001:0db8:1234:3::/48", 64, 0, "2001:db8:1234::/64", "1st IP address indexed with IPv6 /64"},
		{"2001:0db8:1234::/48", 64, 15, "2001:db8:1234:f::/64", "16th IP address indexed with IPv6 /64"},
		{"2001:0db8:85a3::8a2e:0370:7334/50", 63, 6425, "2001:db8:85a3:3232::/63", "6426th IP address indexed with IPv6 /63"},
		{"2001:0db8::/32", 48, 0, "2001:db8::/48", "1st IP address indexed with IPv6 /48"},
		{"2001:0db8::/32", 48, 15, "2001:db8:f::/48", "16th IP address indexed with IPv6 /48"},
		{"2001:0db8:85a3::8a2e:0370:7334/32", 48, 6425, "2001:db8:1919::/48", "6426th IP address indexed with IPv6 /48"},
		{"2001:0db8:1234:ff00::/56", 72, 0, "2001:db8:1234:ff00::/72", "1st IP address indexed with IPv6 /72"},
		{"2001:0db8:1234:ff00::/56", 72, 15, "2001:db8:1234:ff00:f00::/72", "16th IP address indexed with IPv6 /72"},
		{"2001:0db8:1234:ff00::0370:7334/56", 72, 6425, "2001:db8:1234:ff19:1900::/72", "6426th IP address indexed with IPv6 /72"},
		{"2001:0db8:1234:0:1234::/80", 96, 0, "2001:db8:1234:0:1234::/96", "1st IP address indexed with IPv6 /96"},
		{"2001:0db8:1234:0:1234::/80", 96, 15, "2001:db8:1234:0:1234:f::/96", "16th IP address indexed with IPv6 /96"},
		{"2001:0db8:1234:ff00::0370:7334/80", 96, 6425, "2001:db8:1234:ff00:0:1919::/96", "6426th IP address indexed with IPv6 /96"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := NodeCIDR(netip.MustParsePrefix(tt.cluster), tt.mask, tt.index)
			if err != nil || got.String() != tt.want {
				t.Errorf("NodeCIDR(%s, %d, %d) = %v, %v; want %s", tt.cluster, tt.mask, tt.index, got, err, tt.want)
			}
		})
	}
}

// pkg/controller/nodeipam/ipam/cidrset/cidr_set_test.go TestCIDRSetv6: the
// first two allocations, and the IPv6-only 16-bit limit.
func TestCIDRSetv6(t *testing.T) {
	tests := []struct {
		cluster     string
		mask        int
		want, want2 string
		expectErr   bool
		desc        string
	}{
		{"127.0.0.0/8", 32, "127.0.0.0/32", "127.0.0.1/32", false, "Max cluster subnet size with IPv4"},
		{"beef:1234::/32", 49, "", "", true, "Max cluster subnet size with IPv6"},
		{"2001:beef:1234:369b::/60", 64, "2001:beef:1234:3690::/64", "2001:beef:1234:3691::/64", false, "Allocate a few IPv6"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			cl := netip.MustParsePrefix(tt.cluster)
			msg := KCMNodeMaskError(cl, tt.mask)
			if (msg != "") != tt.expectErr {
				t.Fatalf("KCMNodeMaskError(%s, %d) = %q; want error %v", cl, tt.mask, msg, tt.expectErr)
			}
			if tt.expectErr {
				if msg != "New CIDR set failed; the node CIDR size is too big" {
					t.Errorf("message %q; want ErrCIDRSetSubNetTooBig's text", msg)
				}
				return
			}
			for i, want := range []string{tt.want, tt.want2} {
				got, err := NodeCIDR(cl, tt.mask, uint64(i))
				if err != nil || got.String() != want {
					t.Errorf("NodeCIDR(%s, %d, %d) = %v, %v; want %s", cl, tt.mask, i, got, err, want)
				}
			}
		})
	}
}

// pkg/controller/nodeipam/ipam/cidrset/cidr_set_test.go Test_getMaxCIDRs.
func TestGetMaxCIDRs(t *testing.T) {
	for _, tt := range []struct {
		cluster string
		mask    int
		want    uint64
	}{{"10.0.0.0/16", 24, 256}, {"2001:db8::/48", 64, 65536}} {
		if got := MaxNodes(netip.MustParsePrefix(tt.cluster), tt.mask); got != netcalc.CountFromUint64(tt.want) {
			t.Errorf("MaxNodes(%s, %d) = %s; want %d", tt.cluster, tt.mask, got, tt.want)
		}
	}
}

func TestNodeCIDRErrors(t *testing.T) {
	cl := netip.MustParsePrefix("10.244.0.0/24")
	if _, err := NodeCIDR(cl, 24, 1); !errors.Is(err, ErrNodeIndex) {
		t.Errorf("NodeCIDR(/24 of /24, index 1) error %v; want ErrNodeIndex (kubernetes#85866: one node CIDR only)", err)
	}
	if _, err := NodeCIDR(cl, 23, 0); !errors.Is(err, ErrNodeMask) {
		t.Errorf("NodeCIDR(/23 of /24) error %v; want ErrNodeMask", err)
	}
	// The last of 2^24 node CIDRs of a /8 (kcm accepts any IPv4 difference).
	got, err := NodeCIDR(netip.MustParsePrefix("10.0.0.0/8"), 32, 1<<24-1)
	if err != nil || got != netip.MustParsePrefix("10.255.255.255/32") {
		t.Errorf("NodeCIDR(10/8, 32, 2^24-1) = %v, %v; want 10.255.255.255/32", got, err)
	}
}

// cmd/kubeadm/app/apis/kubeadm/validation/validation_test.go
// TestValidatePodSubnetNodeMask. cmExtraArgs set the mask of one family.
func TestValidatePodSubnetNodeMask(t *testing.T) {
	tests := []struct {
		name     string
		subnet   string
		arg      string // "ipv4=N" or "ipv6=N"
		expected bool
	}{
		{"dual IPv4 only, but mask too small. Default node-mask", "10.0.0.16/29", "", false},
		{"dual IPv4 only, but mask too small. Configured node-mask", "10.0.0.16/24", "ipv4=23", false},
		{"dual IPv6 only, but mask too small. Default node-mask", "2001:db8::1/112", "", false},
		{"dual IPv6 only, but mask too small. Configured node-mask", "2001:db8::1/64", "ipv6=24", false},
		{"dual IPv6 only, but mask difference greater than 16. Default node-mask", "2001:db8::1/12", "", false},
		{"dual IPv6 only, but mask difference greater than 16. Configured node-mask", "2001:db8::1/64", "ipv6=120", false},
		{"dual IPv4 only CIDR", "10.0.0.16/12", "", true},
		{"dual IPv6 only CIDR", "2001:db8::/48", "", true},
		{"dual, but IPv4 mask too small. Default node-mask", "10.0.0.16/29,2001:db8::/48", "", false},
		{"dual, but IPv4 mask too small. Configured node-mask", "10.0.0.16/24,2001:db8::/48", "ipv4=23", false},
		{"dual, but IPv6 mask too small. Default node-mask", "2001:db8::1/112,10.0.0.16/16", "", false},
		{"dual, but IPv6 mask too small. Configured node-mask", "10.0.0.16/16,2001:db8::1/64", "ipv6=24", false},
		{"dual, but mask difference greater than 16. Default node-mask", "2001:db8::1/12,10.0.0.16/16", "", false},
		{"dual, but mask difference greater than 16. Configured node-mask", "10.0.0.16/16,2001:db8::1/64", "ipv6=120", false},
		{"dual IPv4 IPv6", "2001:db8::/48,10.0.0.16/12", "", true},
		{"dual IPv6 IPv4", "2001:db8::/48,10.0.0.16/12", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m4, m6 := 24, 64
			if f, v, ok := strings.Cut(tt.arg, "="); ok {
				n, _ := strconv.Atoi(v)
				if f == "ipv4" {
					m4 = n
				} else {
					m6 = n
				}
			}
			var errs []string
			for _, s := range strings.Split(tt.subnet, ",") {
				p := sloppy(t, s)
				m := m6
				if p.Addr().Is4() {
					m = m4
				}
				if msg := KubeadmNodeMaskError(p, m); msg != "" {
					errs = append(errs, msg)
				}
			}
			if got := len(errs) == 0; got != tt.expected {
				t.Errorf("%s: valid = %v (%q); want %v", tt.subnet, got, errs, tt.expected)
			}
		})
	}
}

// cmd/kubeadm/app/apis/kubeadm/validation/validation_test.go
// TestValidateServiceSubnetSize.
func TestValidateServiceSubnetSize(t *testing.T) {
	tests := []struct {
		name, subnet string
		expected     bool
	}{
		{"single IPv4, but mask too large.", "10.0.0.16/2", false},
		{"single IPv6, but mask too large.", "2001:db8::1/64", false},
		{"single IPv4 CIDR", "10.0.0.16/12", true},
		{"single IPv6 CIDR", "2001:db8::/112", true},
		{"dual, but IPv4 mask too large.", "2001:db8::1/112,10.0.0.16/6", false},
		{"dual, but IPv6 mask too large.", "2001:db8::1/12,10.0.0.16/16", false},
		{"dual IPv4 IPv6", "10.0.0.16/12,2001:db8::/112", true},
		{"dual IPv6 IPv4", "2001:db8::/112,10.0.0.16/12", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := true
			for _, s := range strings.Split(tt.subnet, ",") {
				if KubeadmServiceSizeError(sloppy(t, s)) != "" {
					ok = false
				}
			}
			if ok != tt.expected {
				t.Errorf("%s: valid = %v; want %v", tt.subnet, ok, tt.expected)
			}
		})
	}
}

// cmd/kubeadm/app/apis/kubeadm/validation/validation_test.go
// TestValidateIPNetFromString (the cases that parse; the unparsable ones
// are the CLI's input errors).
func TestValidateIPNetFromString(t *testing.T) {
	tests := []struct {
		name     string
		subnet   string
		minaddrs int64
		expected bool
	}{
		{"valid dual-stack enabled but only an IPv4 CIDR specified", "10.0.0.16/12", 10, true},
		{"valid dual-stack enabled but only an IPv6 CIDR specified", "2001:db8::/98", 10, true},
		{"valid, but IPv4 CIDR too small. At least 10 addresses needed", "10.0.0.16/29,2001:db8::/98", 10, false},
		{"valid, but IPv6 CIDR too small. At least 10 addresses needed", "10.0.0.16/12,2001:db8::/125", 10, false},
		{"valid, but only IPv4 family addresses specified. IPv6 CIDR is necessary.", "10.0.0.16/12,192.168.0.0/16", 10, false},
		{"valid, but only IPv6 family addresses specified. IPv4 CIDR is necessary.", "2001:db8::/98,2005:db8::/98", 10, false},
		{"valid IPv4 and IPv6 CIDR", "10.0.0.16/12,2001:db8::/98", 10, true},
		{"valid IPv6 and IPv4 CIDR", "10.0.0.16/12,2001:db8::/98", 10, true},
		{"invalid IPv6 and IPv4 CIDR with more than 2 subnets", "10.0.0.16/12,2001:db8::/98,192.168.0.0/16", 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l []netip.Prefix
			for _, s := range strings.Split(tt.subnet, ",") {
				l = append(l, sloppy(t, s))
			}
			errs := KubeadmSubnetErrors(l, tt.minaddrs)
			if got := len(errs) == 0; got != tt.expected {
				t.Errorf("%s: valid = %v (%q); want %v", tt.subnet, got, errs, tt.expected)
			}
		})
	}
	// The exact text for a /29 (reference A1.5).
	errs := KubeadmSubnetErrors([]netip.Prefix{netip.MustParsePrefix("10.96.0.0/29")}, 10)
	if want := []string{"subnet with 8 address(es) is too small, the minimum is 10"}; !slices.Equal(errs, want) {
		t.Errorf("KubeadmSubnetErrors(10.96.0.0/29) = %q; want %q", errs, want)
	}
}

// The EKS formula against AWS's published values (eni-max-pods.txt).
func TestEKSMaxPodsPublished(t *testing.T) {
	f, err := os.Open("../../testdata/k8s/eni-max-pods.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, n, _ := strings.Cut(line, " ")
		want, _ := strconv.Atoi(n)
		it, ok := LookupInstanceType(name)
		if !ok {
			t.Errorf("instance type %s is published but unknown", name)
			continue
		}
		seen[name] = true
		if got := it.MaxPods(false); got != want {
			t.Errorf("%s MaxPods = %d; published %d", name, got, want)
		}
	}
	for _, it := range InstanceTypes() {
		if !seen[it.Name] {
			t.Errorf("instance type %s has no published value in the test data", it.Name)
		}
	}
	if len(seen) < 12 {
		t.Errorf("only %d instance types checked; want at least a dozen", len(seen))
	}
}

// Prefix delegation: reference A3 (m5.large 434 theoretical, capped at 110).
func TestEKSPrefixDelegation(t *testing.T) {
	tests := []struct {
		name string
		want int
	}{
		{"m5.large", 110},   // 3 x (9 x 16) + 2 = 434, 2 vCPUs
		{"t3.micro", 34},    // 2 x (1 x 16) + 2 = 34, under the cap
		{"m5.8xlarge", 250}, // 32 vCPUs: cap 250
		{"c5.4xlarge", 110}, // 16 vCPUs
	}
	for _, tt := range tests {
		it, _ := LookupInstanceType(tt.name)
		if got := it.MaxPods(true); got != tt.want {
			t.Errorf("%s MaxPods(prefix delegation) = %d; want %d", tt.name, got, tt.want)
		}
	}
}
