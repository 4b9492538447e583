package netcalc

import (
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go4.org/netipx"
)

func planRequests(t *testing.T, hosts ...string) []Request {
	t.Helper()
	rs := make([]Request, len(hosts))
	for i, h := range hosts {
		name, n, ok := strings.Cut(h, "=")
		if !ok {
			name, n = "", h
		}
		rs[i] = Request{Name: name, Hosts: planMustCount(t, n)}
	}
	return rs
}

func TestPlanVLSM(t *testing.T) {
	tests := []struct {
		name    string
		parent  string
		hosts   []string
		maxBits int
		want    string // Plan.String
	}{
		{
			name: "issue example", parent: "192.168.1.0/24", hosts: []string{"50", "20", "10", "2"},
			want: "1 50 192.168.1.0/26\n2 20 192.168.1.64/27\n3 10 192.168.1.96/28\n4 2 192.168.1.112/31\n" +
				"unused 192.168.1.114/31 192.168.1.116/30 192.168.1.120/29 192.168.1.128/25",
		},
		{
			// Debian ipcalc 0.42 gives a /27 for 50 and a /29 for 10 (float log2).
			name: "user order kept in Order, largest placed first", parent: "192.168.1.0/24", hosts: []string{"10", "50", "20"},
			want: "2 50 192.168.1.0/26\n3 20 192.168.1.64/27\n1 10 192.168.1.96/28\nunused 192.168.1.112/28 192.168.1.128/25",
		},
		{
			name: "ties keep order", parent: "10.0.0.0/28", hosts: []string{"a=2", "b=2", "c=2"},
			want: "1 2 10.0.0.0/31\n2 2 10.0.0.2/31\n3 2 10.0.0.4/31\nunused 10.0.0.6/31 10.0.0.8/29",
		},
		{
			name: "exact fit leaves nothing", parent: "10.0.0.0/24", hosts: []string{"126", "62", "30", "14", "6", "2", "1", "1"},
			want: "1 126 10.0.0.0/25\n2 62 10.0.0.128/26\n3 30 10.0.0.192/27\n4 14 10.0.0.224/28\n5 6 10.0.0.240/29\n" +
				"6 2 10.0.0.248/31\n7 1 10.0.0.250/32\n8 1 10.0.0.251/32\nunused 10.0.0.252/30",
		},
		{
			name: "whole parent", parent: "10.0.0.0/24", hosts: []string{"254"},
			want: "1 254 10.0.0.0/24\nunused",
		},
		{
			name: "one host per /32", parent: "10.0.0.0/31", hosts: []string{"1", "1"},
			want: "1 1 10.0.0.0/32\n2 1 10.0.0.1/32\nunused",
		},
		{
			name: "host bits cleared", parent: "10.0.0.77/24", hosts: []string{"100"},
			want: "1 100 10.0.0.0/25\nunused 10.0.0.128/25",
		},
		{
			name: "IPv6 /64s and a /127", parent: "2001:db8::/62", hosts: []string{"18446744073709551615", "2", "1000"},
			want: "1 18446744073709551615 2001:db8::/64\n3 1000 2001:db8:0:1::/118\n2 2 2001:db8:0:1::400/127\n" +
				"unused 2001:db8:0:1::402/127 2001:db8:0:1::404/126 2001:db8:0:1::408/125 2001:db8:0:1::410/124 " +
				"2001:db8:0:1::420/123 2001:db8:0:1::440/122 2001:db8:0:1::480/121 2001:db8:0:1::500/120 " +
				"2001:db8:0:1::600/119 2001:db8:0:1::800/117 2001:db8:0:1::1000/116 2001:db8:0:1::2000/115 " +
				"2001:db8:0:1::4000/114 2001:db8:0:1::8000/113 2001:db8:0:1::1:0/112 2001:db8:0:1::2:0/111 " +
				"2001:db8:0:1::4:0/110 2001:db8:0:1::8:0/109 2001:db8:0:1::10:0/108 2001:db8:0:1::20:0/107 " +
				"2001:db8:0:1::40:0/106 2001:db8:0:1::80:0/105 2001:db8:0:1::100:0/104 2001:db8:0:1::200:0/103 " +
				"2001:db8:0:1::400:0/102 2001:db8:0:1::800:0/101 2001:db8:0:1::1000:0/100 2001:db8:0:1::2000:0/99 " +
				"2001:db8:0:1::4000:0/98 2001:db8:0:1::8000:0/97 2001:db8:0:1:0:1::/96 2001:db8:0:1:0:2::/95 " +
				"2001:db8:0:1:0:4::/94 2001:db8:0:1:0:8::/93 2001:db8:0:1:0:10::/92 2001:db8:0:1:0:20::/91 " +
				"2001:db8:0:1:0:40::/90 2001:db8:0:1:0:80::/89 2001:db8:0:1:0:100::/88 2001:db8:0:1:0:200::/87 " +
				"2001:db8:0:1:0:400::/86 2001:db8:0:1:0:800::/85 2001:db8:0:1:0:1000::/84 2001:db8:0:1:0:2000::/83 " +
				"2001:db8:0:1:0:4000::/82 2001:db8:0:1:0:8000::/81 2001:db8:0:1:1::/80 2001:db8:0:1:2::/79 " +
				"2001:db8:0:1:4::/78 2001:db8:0:1:8::/77 2001:db8:0:1:10::/76 2001:db8:0:1:20::/75 " +
				"2001:db8:0:1:40::/74 2001:db8:0:1:80::/73 2001:db8:0:1:100::/72 2001:db8:0:1:200::/71 " +
				"2001:db8:0:1:400::/70 2001:db8:0:1:800::/69 2001:db8:0:1:1000::/68 2001:db8:0:1:2000::/67 " +
				"2001:db8:0:1:4000::/66 2001:db8:0:1:8000::/65 2001:db8:0:2::/63",
		},
		{
			name: "IPv6 capped at /64 for SLAAC", parent: "2001:db8::/62", hosts: []string{"lan=1000", "mgmt=50", "p2p=2"}, maxBits: 64,
			want: "1 1000 2001:db8::/64\n2 50 2001:db8:0:1::/64\n3 2 2001:db8:0:2::/64\nunused 2001:db8:0:3::/64",
		},
		{
			name: "IPv4 capped at /30: no /31 or /32", parent: "10.0.0.0/28", hosts: []string{"2", "1", "6"}, maxBits: 30,
			want: "3 6 10.0.0.0/29\n1 2 10.0.0.8/30\n2 1 10.0.0.12/30\nunused",
		},
		{
			name: "the last block of the address space", parent: "255.255.255.0/24", hosts: []string{"126", "126"},
			want: "1 126 255.255.255.0/25\n2 126 255.255.255.128/25\nunused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := planRequests(t, tt.hosts...)
			for i := range reqs {
				reqs[i].MaxBits = tt.maxBits
			}
			plan, err := PlanVLSM(MustParsePrefix(tt.parent), reqs)
			if err != nil {
				t.Fatalf("PlanVLSM(%s, %v): %v", tt.parent, tt.hosts, err)
			}
			if diff := cmp.Diff(tt.want, plan.String()); diff != "" {
				t.Errorf("PlanVLSM(%s, %v) (-want +got):\n%s", tt.parent, tt.hosts, diff)
			}
			planCheck(t, plan, reqs)
		})
	}
}

func TestPlanVLSMErrors(t *testing.T) {
	tests := []struct {
		name    string
		parent  string
		hosts   []string
		wantErr error
		msg     string // substring of the error
		missing string
		fits    int
	}{
		{name: "does not fit", parent: "192.168.1.0/24", hosts: []string{"200", "20", "50"}, wantErr: ErrNoRoom,
			msg:     `the requests need 352 addresses but 192.168.1.0/24 has 256: 96 addresses missing (a /23 parent would hold them)`,
			missing: "96", fits: 23},
		{name: "one host too many", parent: "10.0.0.0/24", hosts: []string{"255"}, wantErr: ErrNoRoom, missing: "256", fits: 23},
		{name: "larger than IPv4", parent: "10.0.0.0/8", hosts: []string{"1", "4294967295"}, wantErr: ErrNoRoom,
			msg: "request 2 asks for 4294967295 hosts, more than any IPv4 block holds (4294967294)"},
		{name: "IPv6 over 2^128", parent: "::/0", hosts: []string{"170141183460469231731687303715884105728", "170141183460469231731687303715884105728"},
			wantErr: ErrNoRoom, fits: -1, missing: "340282366920938463463374607431768211456"},
		{name: "zero hosts", parent: "10.0.0.0/24", hosts: []string{"10", "0"}, wantErr: ErrZeroRequest, msg: "request 2 asks for 0 hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanVLSM(MustParsePrefix(tt.parent), planRequests(t, tt.hosts...))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PlanVLSM(%s, %v) error = %v; want %v", tt.parent, tt.hosts, err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "netcalc: ") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("PlanVLSM(%s, %v) error = %q; want it to contain %q", tt.parent, tt.hosts, err, tt.msg)
			}
			var nf *NoFitError
			if tt.missing == "" {
				return
			}
			if !errors.As(err, &nf) {
				t.Fatalf("error %v is not a *NoFitError", err)
			}
			if nf.Missing.String() != tt.missing || nf.Fits != tt.fits {
				t.Errorf("NoFitError Missing = %s, Fits = %d; want %s, %d", nf.Missing, nf.Fits, tt.missing, tt.fits)
			}
		})
	}
}

// planCheck verifies a plan's invariants against netipx: each allocation
// is the smallest block holding its request (model host rules), inside the
// parent, with its host range; the allocations are disjoint, contiguous
// from the parent's start, largest request first; Unused is exactly the
// rest as netipx's minimal prefix list.
func planCheck(t *testing.T, plan Plan, reqs []Request) {
	t.Helper()
	parent := plan.Parent
	is4 := parent.Addr().Is4()
	bitLen := parent.Addr().BitLen()
	if len(plan.Allocations) != len(reqs) {
		t.Fatalf("%d allocations for %d requests", len(plan.Allocations), len(reqs))
	}
	seen := make(map[int]bool)
	var used netipx.IPSetBuilder
	next := parent.Addr()
	for i, a := range plan.Allocations {
		if a.Order < 1 || a.Order > len(reqs) || seen[a.Order] {
			t.Fatalf("allocation %d has bad order %d", i, a.Order)
		}
		seen[a.Order] = true
		r := reqs[a.Order-1]
		if a.Requested != r.Hosts || a.Name != r.Name {
			t.Errorf("allocation %d: requested %s %q; want %s %q", i, a.Requested, a.Name, r.Hosts, r.Name)
		}
		if i > 0 {
			prev := plan.Allocations[i-1]
			if prev.Prefix.Bits() > a.Prefix.Bits() ||
				(prev.Prefix.Bits() == a.Prefix.Bits() && prev.Requested.Cmp(a.Requested) < 0) {
				t.Errorf("allocation %d (%s for %s) placed after a smaller one (%s for %s)", i, a.Prefix, a.Requested, prev.Prefix, prev.Requested)
			}
		}
		h := bitLen - a.Prefix.Bits()
		need := r.Hosts.Big()
		minH := r.MaxBits // the cap, as host bits
		if minH > 0 {
			minH = bitLen - minH
		}
		if planModelUsable(is4, h).Cmp(need) < 0 || (h > minH && planModelUsable(is4, h-1).Cmp(need) >= 0) || h < minH {
			t.Errorf("allocation %s for %s hosts (longest /%d) is not the smallest block holding them", a.Prefix, r.Hosts, r.MaxBits)
		}
		if a.Prefix.Masked() != a.Prefix || !parent.Contains(a.Prefix.Addr()) || a.Prefix.Bits() < parent.Bits() {
			t.Errorf("allocation %s is not an aligned block inside %s", a.Prefix, parent)
		}
		if a.Prefix.Addr() != next {
			t.Errorf("allocation %s does not start at %s: not packed", a.Prefix, next)
		}
		next = netipx.PrefixLastIP(a.Prefix).Next()
		if a.UsableHosts.Big().Cmp(planModelUsable(is4, h)) != 0 {
			t.Errorf("allocation %s usable hosts = %s", a.Prefix, a.UsableHosts)
		}
		if f, l := HostRange(a.Prefix); a.FirstHost != f || a.LastHost != l {
			t.Errorf("allocation %s hosts %s-%s; want %s-%s", a.Prefix, a.FirstHost, a.LastHost, f, l)
		}
		used.AddPrefix(a.Prefix)
	}
	var rest netipx.IPSetBuilder
	rest.AddPrefix(parent)
	u, _ := used.IPSet()
	rest.RemoveSet(u)
	rs, _ := rest.IPSet()
	if diff := cmp.Diff(planStrings(rs.Prefixes()), planStrings(plan.Unused)); diff != "" {
		t.Errorf("Unused (-netipx +got):\n%s", diff)
	}
}

func planStrings(ps []netip.Prefix) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// planBrute searches every placement of aligned blocks of any size (not
// only the smallest) in a parent of at most 64 addresses, one block per
// request, disjoint, each holding its request under the model host rules.
// It returns the lowest possible end of the used space (the highest used
// offset + 1), or -1 when no placement exists.
func planBrute(is4 bool, hostBits int, reqs []uint64, minH []int) int {
	size := 1 << hostBits
	best := -1
	var place func(i int, used uint64, end int)
	place = func(i int, used uint64, end int) {
		if best >= 0 && end >= best {
			return // cannot improve
		}
		if i == len(reqs) {
			best = end
			return
		}
		for h := minH[i]; h <= hostBits; h++ {
			if planModelUsable(is4, h).Cmp(new(big.Int).SetUint64(reqs[i])) < 0 {
				continue
			}
			blk := 1 << h
			mask := uint64(1)<<blk - 1
			if blk == 64 {
				mask = ^uint64(0)
			}
			for off := 0; off+blk <= size; off += blk {
				m := mask << off
				if used&m == 0 {
					place(i+1, used|m, max(end, off+blk))
				}
			}
		}
	}
	place(0, 0, 0)
	return best
}

// TestPlanVLSMBruteForce checks PlanVLSM against an exhaustive search on
// small parents: it fits exactly when some placement exists, it then uses
// the least space any placement can (packed from the start), and when it
// does not fit the missing count is the sum of the smallest blocks minus
// the parent's size.
func TestPlanVLSMBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4)) // fixed seed: reproducible
	for iter := 0; iter < 1500; iter++ {
		is4 := r.IntN(3) > 0
		hostBits := r.IntN(7) // parents of 1 to 64 addresses
		var parent netip.Prefix
		if is4 {
			parent = netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(r.UintN(256))}), 32-hostBits).Masked()
		} else {
			parent = netip.PrefixFrom(netip.MustParseAddr("2001:db8::").Next(), 128-hostBits).Masked()
		}
		n := 1 + r.IntN(4)
		hosts := make([]uint64, n)
		minH := make([]int, n)
		reqs := make([]Request, n)
		for i := range hosts {
			hosts[i] = 1 + r.Uint64N(uint64(max(1, (1<<hostBits)/2)))
			reqs[i] = Request{Hosts: CountFromUint64(hosts[i])}
			if r.IntN(3) == 0 { // a cap on the prefix length: blocks of at least 2^minH
				minH[i] = r.IntN(hostBits + 1)
				reqs[i].MaxBits = parent.Addr().BitLen() - minH[i]
			}
		}
		best := planBrute(is4, hostBits, hosts, minH)
		plan, err := PlanVLSM(parent, reqs)
		if best < 0 {
			var nf *NoFitError
			if !errors.As(err, &nf) {
				t.Fatalf("PlanVLSM(%s, %v) = %v, %v; brute force finds no placement", parent, hosts, plan, err)
			}
			sum := 0
			for i, h := range hosts {
				b := minH[i]
				for planModelUsable(is4, b).Cmp(new(big.Int).SetUint64(h)) < 0 {
					b++
				}
				sum += 1 << b
			}
			if want := int64(sum - 1<<hostBits); nf.Missing.Int64() != want {
				t.Fatalf("PlanVLSM(%s, %v) missing %s; want %d", parent, hosts, nf.Missing, want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("PlanVLSM(%s, %v): %v; brute force fits in %d addresses", parent, hosts, err, best)
		}
		planCheck(t, plan, reqs)
		end := 0
		for _, a := range plan.Allocations {
			end += 1 << (parent.Addr().BitLen() - a.Prefix.Bits())
		}
		if end != best {
			t.Fatalf("PlanVLSM(%s, %v) uses %d addresses from the start; brute force needs only %d", parent, hosts, end, best)
		}
	}
}

func TestPlanInOrder(t *testing.T) {
	plan, err := PlanVLSM(MustParsePrefix("10.0.0.0/24"), planRequests(t, "a=10", "b=100", "c=50"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range plan.InOrder() {
		got = append(got, a.Name+" "+a.Prefix.String())
	}
	want := []string{"a 10.0.0.192/28", "b 10.0.0.0/25", "c 10.0.0.128/26"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("InOrder() (-want +got):\n%s", diff)
	}
	if got := plan.UnusedCount().String(); got != "48" {
		t.Errorf("UnusedCount() = %s; want 48", got)
	}
}

func BenchmarkPlanVLSM(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	reqs := make([]Request, 1000)
	for i := range reqs {
		reqs[i] = Request{Hosts: CountFromUint64(1 + r.Uint64N(2000))}
	}
	parent := MustParsePrefix("10.0.0.0/8")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PlanVLSM(parent, reqs); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzPlanVLSM plans random requests (with a random cap on the prefix
// length, 0 for none) in random parents and checks every
// plan with planCheck; a plan that fails must need more addresses than
// the parent has.
func FuzzPlanVLSM(f *testing.F) {
	// The example: 50 20 10 2 in a /24.
	f.Add([]byte{192, 168, 1, 0}, uint8(24), []byte{0, 50, 0, 20, 0, 10, 0, 2}, uint8(0))
	// An exact fit: 126+62+30+14+6+2+1+1 fill a /24 but for a /30.
	f.Add([]byte{10, 0, 0, 0}, uint8(24), []byte{0, 126, 0, 62, 0, 30, 0, 14, 0, 6, 0, 2, 0, 1, 0, 1}, uint8(0))
	// Capped at /30: no /31 or /32 blocks.
	f.Add([]byte{10, 0, 0, 0}, uint8(28), []byte{0, 2, 0, 1, 0, 6}, uint8(30))
	// The top of the IPv4 space, where the next address wraps.
	f.Add([]byte{255, 255, 255, 255}, uint8(30), []byte{0, 1, 0, 1, 0, 2}, uint8(0))
	// IPv6 with the /127 and anycast rules.
	f.Add([]byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(112), []byte{0, 2, 0, 3, 0xff, 0xff}, uint8(0))
	// A cap shorter than the parent: every block is larger than the parent.
	f.Add([]byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(64), []byte{0, 1}, uint8(48))
	// A zero request, refused.
	f.Add([]byte{10, 0, 0, 0}, uint8(8), []byte{0, 0}, uint8(0))
	f.Fuzz(func(t *testing.T, addr []byte, bits uint8, raw []byte, maxBits uint8) {
		a, ok := netip.AddrFromSlice(addr)
		if !ok || len(raw) < 2 || len(raw) > 64 {
			return
		}
		parent := netip.PrefixFrom(a, int(bits)%(a.BitLen()+1))
		reqs := make([]Request, len(raw)/2)
		zero := false
		for i := range reqs {
			n := uint64(raw[2*i])<<8 | uint64(raw[2*i+1])
			zero = zero || n == 0
			reqs[i] = Request{Hosts: CountFromUint64(n), MaxBits: int(maxBits) % (a.BitLen() + 1)}
		}
		plan, err := PlanVLSM(parent, reqs)
		if zero {
			if !errors.Is(err, ErrZeroRequest) {
				t.Fatalf("PlanVLSM(%s) with a zero request: %v", parent, err)
			}
			return
		}
		if err != nil {
			var nf *NoFitError
			if !errors.As(err, &nf) {
				t.Fatalf("PlanVLSM(%s, %v): unexpected error %v", parent, reqs, err)
			}
			if nf.Need.Cmp(PrefixCount(parent.Masked()).Big()) <= 0 || nf.Missing.Sign() <= 0 {
				t.Fatalf("PlanVLSM(%s): NoFitError with need %s, missing %s", parent, nf.Need, nf.Missing)
			}
			return
		}
		planCheck(t, plan, reqs)
	})
}

func TestPlanRecords(t *testing.T) {
	tests := []struct {
		name   string
		parent string
		hosts  []uint64
		want   string
	}{
		{"space left", "198.51.100.0/24", []uint64{50, 20},
			`{"type":"allocation","order":1,"requested":"50","cidr":"198.51.100.0/26","usable_hosts":"62","first_host":"198.51.100.1","last_host":"198.51.100.62"}` + "\n" +
				`{"type":"allocation","order":2,"requested":"20","cidr":"198.51.100.64/27","usable_hosts":"30","first_host":"198.51.100.65","last_host":"198.51.100.94"}` + "\n" +
				`{"type":"unused","unused":["198.51.100.96/27","198.51.100.128/25"]}` + "\n"},
		{"nothing left", "203.0.113.0/31", []uint64{2},
			`{"type":"allocation","order":1,"requested":"2","cidr":"203.0.113.0/31","usable_hosts":"2","first_host":"203.0.113.0","last_host":"203.0.113.1"}` + "\n" +
				`{"type":"unused","unused":[]}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reqs []Request
			for _, h := range tt.hosts {
				reqs = append(reqs, Request{Hosts: CountFromUint64(h)})
			}
			p, err := PlanVLSM(MustParsePrefix(tt.parent), reqs)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, r := range p.Records() {
				j, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				b.Write(append(j, '\n'))
			}
			if b.String() != tt.want {
				t.Errorf("Records of %s %v as JSON =\n%s; want\n%s", tt.parent, tt.hosts, b.String(), tt.want)
			}
		})
	}
}
