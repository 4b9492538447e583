package netcalc

import (
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"strconv"

	"go4.org/netipx"
)

// Errors of the subnet planners (Split, SplitByCount, SplitByHosts, PlanVLSM);
// test for them with errors.Is.
var (
	// ErrSplitLength means a split asked for a prefix length shorter than
	// the parent's or longer than the address family allows.
	ErrSplitLength = errors.New("split length out of range")
	// ErrNoRoom means the parent prefix is too small for what was asked:
	// too many subnets, too many hosts, or VLSM requests that do not fit.
	ErrNoRoom = errors.New("not enough address space")
	// ErrZeroRequest means a subnet count or host count of zero was asked
	// for; every request needs at least one.
	ErrZeroRequest = errors.New("request of zero")
)

// Split is a parent prefix cut into equal subnets of one prefix length.
// The zero Split is invalid and yields no subnets.
type Split struct {
	// Parent is the network being split, host bits cleared.
	Parent netip.Prefix `json:"parent"`
	// Bits is the prefix length of every subnet, Parent.Bits() or more.
	Bits int `json:"bits"`
}

// SplitPrefix returns parent cut into subnets of prefix length bits. The
// host bits of parent are cleared. bits must lie between parent.Bits()
// and the family's length (32 or 128); otherwise the error wraps
// ErrSplitLength.
func SplitPrefix(parent netip.Prefix, bits int) (Split, error) {
	if !parent.IsValid() {
		return Split{}, planErrorf(ErrSplitLength, "split: invalid parent prefix")
	}
	parent = parent.Masked()
	if bits < parent.Bits() || bits > parent.Addr().BitLen() {
		return Split{}, planErrorf(ErrSplitLength, "cannot split %s into /%d subnets: the new prefix length must be %d-%d", parent, bits, parent.Bits(), parent.Addr().BitLen())
	}
	return Split{Parent: parent, Bits: bits}, nil
}

// SplitByCount returns the split of parent into the fewest equal subnets
// that number at least n: the shortest prefix length L with
// 2^(L-parent.Bits()) >= n. n = 0 wraps ErrZeroRequest; an n above the
// number of addresses in parent wraps ErrNoRoom.
func SplitByCount(parent netip.Prefix, n Count) (Split, error) {
	if !parent.IsValid() {
		return Split{}, planErrorf(ErrSplitLength, "split: invalid parent prefix")
	}
	parent = parent.Masked()
	if n.IsZero() {
		return Split{}, planErrorf(ErrZeroRequest, "cannot split %s into 0 subnets: ask for at least 1", parent)
	}
	hostBits := parent.Addr().BitLen() - parent.Bits()
	for k := 0; k <= hostBits; k++ {
		if PowerOfTwo(k).Cmp(n) >= 0 {
			return Split{Parent: parent, Bits: parent.Bits() + k}, nil
		}
	}
	return Split{}, planErrorf(ErrNoRoom, "%s has room for at most %s subnets (its %s addresses as /%d), not %s", parent, PrefixCount(parent), PrefixCount(parent), parent.Addr().BitLen(), n)
}

// SplitByHosts returns the split of parent into the smallest equal subnets
// whose UsableHosts hold at least n hosts: the longest prefix length L with
// UsableHosts(/L) >= n, so the /31, /32, /127 and /128 rules apply. n = 0
// wraps ErrZeroRequest; n above UsableHosts(parent) wraps ErrNoRoom.
func SplitByHosts(parent netip.Prefix, n Count) (Split, error) {
	if !parent.IsValid() {
		return Split{}, planErrorf(ErrSplitLength, "split: invalid parent prefix")
	}
	parent = parent.Masked()
	if n.IsZero() {
		return Split{}, planErrorf(ErrZeroRequest, "cannot split %s into subnets of 0 hosts: ask for at least 1", parent)
	}
	l, ok := BlockForHosts(parent.Addr().Is4(), n)
	if !ok || l < parent.Bits() {
		return Split{}, planErrorf(ErrNoRoom, "%s holds at most %s usable hosts, not %s", parent, UsableHosts(parent), n)
	}
	return Split{Parent: parent, Bits: l}, nil
}

// BlockForHosts returns the longest prefix length (the smallest block) of
// the IPv4 (is4) or IPv6 family whose UsableHosts is at least n, and false
// when even /0 holds fewer. n = 0 gives the full length (/32 or /128).
func BlockForHosts(is4 bool, n Count) (bits int, ok bool) {
	a := netip.IPv6Unspecified()
	if is4 {
		a = netip.IPv4Unspecified()
	}
	for l := a.BitLen(); l >= 0; l-- {
		if UsableHosts(netip.PrefixFrom(a, l)).Cmp(n) >= 0 {
			return l, true
		}
	}
	return 0, false
}

// IsValid reports whether s is a split made by SplitPrefix, SplitByCount or
// SplitByHosts.
func (s Split) IsValid() bool {
	return s.Parent.IsValid() && s.Bits >= s.Parent.Bits() && s.Bits <= s.Parent.Addr().BitLen()
}

// Count returns the number of subnets, 2^(Bits-Parent.Bits()) (exact up to
// 2^128), or zero for an invalid Split.
func (s Split) Count() Count {
	if !s.IsValid() {
		return Count{}
	}
	return PowerOfTwo(s.Bits - s.Parent.Bits())
}

// Size returns the number of addresses in each subnet.
func (s Split) Size() Count {
	if !s.IsValid() {
		return Count{}
	}
	return PowerOfTwo(s.Parent.Addr().BitLen() - s.Bits)
}

// All returns an iterator over the subnets in address order. It computes
// each subnet from the previous one and allocates nothing, so a split into
// 2^64 subnets streams like a small one; stop ranging to stop early.
func (s Split) All() iter.Seq[netip.Prefix] {
	return func(yield func(netip.Prefix) bool) {
		if !s.IsValid() {
			return
		}
		last := netipx.PrefixLastIP(s.Parent)
		a := s.Parent.Addr()
		for {
			p := netip.PrefixFrom(a, s.Bits)
			if !yield(p) {
				return
			}
			end := netipx.PrefixLastIP(p)
			if end == last {
				return
			}
			a = end.Next()
		}
	}
}

// String returns the parent and the subnets' length, such as
// "10.0.0.0/16 -> /20".
func (s Split) String() string {
	if !s.IsValid() {
		return "invalid Split"
	}
	return s.Parent.String() + " -> /" + strconv.Itoa(s.Bits)
}

// planError is an error of the planners: its message says what was wrong
// without repeating the sentinel it wraps.
type planError struct {
	msg string
	err error
}

func (e *planError) Error() string { return "netcalc: " + e.msg }

// Message returns the error without the package prefix.
func (e *planError) Message() string { return e.msg }
func (e *planError) Unwrap() error   { return e.err }

func planErrorf(sentinel error, format string, args ...any) error {
	return &planError{msg: fmt.Sprintf(format, args...), err: sentinel}
}

// Map draws the split in a PartitionMap of 2^cellBits cells. When the
// split has at most that many subnets each gets its own cells, labelled
// with its index in base 36 (0-9, then a-z, cycling); otherwise each cell
// stands for a group of subnets, labelled "#", and perCell is the number
// of subnets in a group (zero when not grouped).
func (s Split) Map(cellBits int) (m PartitionMap, perCell Count) {
	g := s // the grouping drawn
	if s.Count().Cmp(PowerOfTwo(cellBits)) > 0 {
		g, _ = SplitPrefix(s.Parent, s.Parent.Bits()+cellBits)
		perCell = PowerOfTwo(s.Bits - g.Bits)
	}
	var segs []MapSegment
	i := 0
	for p := range g.All() {
		label := "#"
		if g == s {
			label = string("0123456789abcdefghijklmnopqrstuvwxyz"[i%36])
		}
		segs = append(segs, MapSegment{Prefix: p, Label: label})
		i++
	}
	return NewPartitionMap(s.Parent, segs, 1<<cellBits), perCell
}
