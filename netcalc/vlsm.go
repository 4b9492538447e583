package netcalc

import (
	"cmp"
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go4.org/netipx"
)

// Request is one subnet asked of a VLSM plan: how many hosts it must hold,
// an optional name and an optional cap on the prefix length. The zero
// Request asks for zero hosts and is refused by PlanVLSM.
type Request struct {
	Name  string // label shown next to the allocation; "" for none
	Hosts Count  // usable hosts the subnet must hold, at least 1
	// MaxBits is the longest prefix length the block may have, for
	// example 64 so that an IPv6 subnet can use SLAAC, or 30 to avoid
	// point-to-point /31s. 0 means no cap (the family's full length).
	MaxBits int
}

// Block returns the prefix length of the block PlanVLSM gives r in a
// parent of the IPv4 (is4) or IPv6 family: the smallest whose usable
// hosts hold r.Hosts (BlockForHosts), or /MaxBits when that is larger;
// false when no block of the family holds r.Hosts.
func (r Request) Block(is4 bool) (int, bool) {
	l, ok := BlockForHosts(is4, r.Hosts)
	if ok && r.MaxBits > 0 {
		l = min(l, r.MaxBits)
	}
	return l, ok
}

// Allocation is the subnet a VLSM plan gives one Request.
type Allocation struct {
	// Order is the request's 1-based position in the caller's list.
	Order int `json:"order"`
	// Name is the request's name, if it had one.
	Name string `json:"name,omitempty"`
	// Requested is the number of hosts asked for.
	Requested Count `json:"requested"`
	// Prefix is the block given, the smallest whose UsableHosts hold
	// Requested.
	Prefix netip.Prefix `json:"cidr"`
	// UsableHosts is UsableHosts(Prefix).
	UsableHosts Count `json:"usable_hosts"`
	// FirstHost and LastHost are HostRange(Prefix).
	FirstHost netip.Addr `json:"first_host"`
	LastHost  netip.Addr `json:"last_host"`
}

// Plan is the result of PlanVLSM: the allocations in address order (which
// is also largest request first) and the space left over.
type Plan struct {
	// Parent is the network that was divided, host bits cleared.
	Parent netip.Prefix `json:"parent"`
	// Allocations holds one entry per request, in address order.
	Allocations []Allocation `json:"allocations"`
	// Unused is the rest of Parent as the minimal sorted list of prefixes.
	Unused []netip.Prefix `json:"unused"`
}

// PlanRecord is one JSON Lines record of a plan, as vlsm -o json writes
// it: an allocation, {"type": "allocation"} followed by the Allocation's
// fields, or, last, the space left over, {"type": "unused", "unused":
// [...]}.
type PlanRecord struct {
	Type string `json:"type"` // "allocation" or "unused"
	*Allocation
	Unused *[]netip.Prefix `json:"unused,omitempty"` // an empty list when nothing is left
}

// Records returns p's allocations, in order, then its unused space, as
// PlanRecords.
func (p Plan) Records() []PlanRecord {
	rs := make([]PlanRecord, 0, len(p.Allocations)+1)
	for i := range p.Allocations {
		rs = append(rs, PlanRecord{Type: "allocation", Allocation: &p.Allocations[i]})
	}
	unused := p.Unused
	if unused == nil {
		unused = []netip.Prefix{}
	}
	return append(rs, PlanRecord{Type: "unused", Unused: &unused})
}

// NoFitError is returned by PlanVLSM when the requests do not fit in the
// parent. It wraps ErrNoRoom.
type NoFitError struct {
	Parent netip.Prefix
	// Need is the number of addresses the requested blocks take together.
	Need *big.Int
	// Have is the number of addresses in Parent.
	Have Count
	// Missing is Need minus Have.
	Missing *big.Int
	// Fits is the longest prefix length whose block would hold all the
	// requests, or -1 when no block of the family is large enough.
	Fits int
}

// Error says how much space is missing and what size of parent would do.
func (e *NoFitError) Error() string { return "netcalc: " + e.Message() }

// Message returns the error without the package prefix.
func (e *NoFitError) Message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the requests need %s addresses but %s has %s: %s addresses missing",
		e.Need, e.Parent, e.Have, e.Missing)
	if e.Fits >= 0 {
		fmt.Fprintf(&b, " (a /%d parent would hold them)", e.Fits)
	}
	return b.String()
}

// Unwrap returns ErrNoRoom.
func (e *NoFitError) Unwrap() error { return ErrNoRoom }

// PlanVLSM divides parent among requests by variable-length subnet
// masking. Each request gets the smallest block whose UsableHosts hold it
// (BlockForHosts: the /31, /32, /127 and /128 rules apply), or the block
// of length MaxBits when that is larger; blocks are placed largest first
// (equal blocks by larger request, then in the caller's order) and packed
// from the start of parent. Because every block is a power of two placed
// in decreasing size, each lands aligned and the plan fits exactly when
// the block sizes sum to at most the size of parent. The rest of parent is
// returned as Unused. All arithmetic is on integers.
//
// The host bits of parent are cleared. A request of zero hosts wraps
// ErrZeroRequest, a MaxBits outside 0 to the family's length wraps
// ErrSplitLength; requests that do not fit return a *NoFitError.
func PlanVLSM(parent netip.Prefix, requests []Request) (Plan, error) {
	if !parent.IsValid() {
		return Plan{}, planErrorf(ErrSplitLength, "vlsm: invalid parent prefix")
	}
	parent = parent.Masked()
	is4 := parent.Addr().Is4()
	bitLen := parent.Addr().BitLen()

	type sized struct {
		order int
		bits  int
	}
	blocks := make([]sized, len(requests))
	need := new(big.Int)
	for i, r := range requests {
		if r.Hosts.IsZero() {
			return Plan{}, planErrorf(ErrZeroRequest, "vlsm: request %d asks for 0 hosts: ask for at least 1", i+1)
		}
		if r.MaxBits < 0 || r.MaxBits > bitLen {
			return Plan{}, planErrorf(ErrSplitLength, "vlsm: request %d: longest prefix /%d is out of range, must be 0-%d",
				i+1, r.MaxBits, bitLen)
		}
		l, ok := r.Block(is4)
		if !ok {
			return Plan{}, planErrorf(ErrNoRoom, "vlsm: request %d asks for %s hosts, more than any IPv%d block holds (%s)",
				i+1, r.Hosts, map[bool]int{true: 4, false: 6}[is4], UsableHosts(netip.PrefixFrom(parent.Addr(), 0)))
		}
		need.Add(need, new(big.Int).Lsh(big.NewInt(1), uint(bitLen-l)))
		blocks[i] = sized{order: i, bits: l}
	}
	have := PrefixCount(parent)
	if haveBig := have.Big(); need.Cmp(haveBig) > 0 {
		fits := -1
		for l := bitLen; l >= 0; l-- {
			if new(big.Int).Lsh(big.NewInt(1), uint(bitLen-l)).Cmp(need) >= 0 {
				fits = l
				break
			}
		}
		return Plan{}, &NoFitError{
			Parent:  parent,
			Need:    need,
			Have:    have,
			Missing: new(big.Int).Sub(need, haveBig),
			Fits:    fits,
		}
	}

	// Largest block first, then largest request; otherwise the caller's order.
	slices.SortStableFunc(blocks, func(a, b sized) int {
		if a.bits != b.bits {
			return a.bits - b.bits
		}
		return requests[b.order].Hosts.Cmp(requests[a.order].Hosts)
	})
	plan := Plan{Parent: parent, Allocations: make([]Allocation, 0, len(blocks))}
	next, full := parent.Addr(), false
	for _, b := range blocks {
		if full { // cannot happen once the sizes fit; guard the invariant
			return Plan{}, fmt.Errorf("netcalc: vlsm: internal error: parent exhausted early")
		}
		p := netip.PrefixFrom(next, b.bits)
		if p.Masked() != p {
			return Plan{}, fmt.Errorf("netcalc: vlsm: internal error: %s is not aligned", p)
		}
		r := requests[b.order]
		first, last := HostRange(p)
		plan.Allocations = append(plan.Allocations, Allocation{
			Order:       b.order + 1,
			Name:        r.Name,
			Requested:   r.Hosts,
			Prefix:      p,
			UsableHosts: UsableHosts(p),
			FirstHost:   first,
			LastHost:    last,
		})
		end := netipx.PrefixLastIP(p)
		if end == netipx.PrefixLastIP(parent) {
			full = true
		} else {
			next = end.Next()
		}
	}
	if !full {
		plan.Unused = netipx.IPRangeFrom(next, netipx.PrefixLastIP(parent)).Prefixes()
	}
	return plan, nil
}

// InOrder returns the allocations sorted by the caller's request order.
func (p Plan) InOrder() []Allocation {
	out := slices.Clone(p.Allocations)
	slices.SortFunc(out, func(a, b Allocation) int { return cmp.Compare(a.Order, b.Order) })
	return out
}

// UnusedCount returns the number of addresses in Unused.
func (p Plan) UnusedCount() Count {
	var n Count
	for _, u := range p.Unused {
		n = n.Add(PrefixCount(u))
	}
	return n
}

// String returns the plan as lines "ORDER REQUESTED CIDR" in address
// order followed by one "unused CIDR..." line.
func (p Plan) String() string {
	var b strings.Builder
	for _, a := range p.Allocations {
		b.WriteString(strconv.Itoa(a.Order) + " " + a.Requested.String() + " " + a.Prefix.String() + "\n")
	}
	b.WriteString("unused")
	for _, u := range p.Unused {
		b.WriteString(" " + u.String())
	}
	return b.String()
}
