package netcalc

import (
	"iter"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go4.org/netipx"
)

// MapSegment is one stretch of a partition map: a prefix inside the parent
// and its label. An empty Label marks free space.
type MapSegment struct {
	Prefix netip.Prefix
	Label  string
}

// Free reports whether the segment is free space.
func (s MapSegment) Free() bool { return s.Label == "" }

// PartitionMap draws a parent block as a row of cells, like a disk
// partition bar: each cell shows which segment occupies that part of the
// parent. The zero PartitionMap has no cells.
type PartitionMap struct {
	// Parent is the block drawn, host bits cleared.
	Parent netip.Prefix
	// Segments cover Parent in address order: the used prefixes given to
	// NewPartitionMap and the free space between them as minimal prefixes.
	Segments []MapSegment
	// Cells holds, for each cell from left to right, an index into
	// Segments.
	Cells []int
}

// NewPartitionMap lays out parent over width cells. used lists the
// occupied prefixes with their labels (non-empty); prefixes outside parent
// are ignored and overlapping ones are drawn in address order. When there
// are no more segments than cells every segment gets at least one cell and
// the rest are shared in proportion to size (largest remainders first);
// otherwise each cell shows the segment under its midpoint. Sizes are
// exact integers, so IPv6 parents draw as precisely as IPv4 ones.
func NewPartitionMap(parent netip.Prefix, used []MapSegment, width int) PartitionMap {
	m := PartitionMap{Parent: parent.Masked()}
	if !parent.IsValid() || width <= 0 {
		return m
	}
	parent = parent.Masked()
	var b netipx.IPSetBuilder
	b.AddPrefix(parent)
	for _, u := range used {
		if !u.Free() && parent.Contains(u.Prefix.Addr()) && u.Prefix.Bits() >= parent.Bits() {
			p := u.Prefix.Masked()
			m.Segments = append(m.Segments, MapSegment{Prefix: p, Label: u.Label})
			b.RemovePrefix(p)
		}
	}
	free, _ := b.IPSet()
	for _, p := range free.Prefixes() {
		m.Segments = append(m.Segments, MapSegment{Prefix: p})
	}
	slices.SortStableFunc(m.Segments, planSegmentCmp)

	// Runs are the stretches drawn as one piece: each used segment alone,
	// and each group of adjacent free segments together.
	type run struct{ first, last int }
	var runs []run
	for i, s := range m.Segments {
		if n := len(runs); n > 0 && s.Free() && m.Segments[runs[n-1].last].Free() {
			runs[n-1].last = i
			continue
		}
		runs = append(runs, run{i, i})
	}
	total := PrefixCount(parent).Big()
	starts := make([]*big.Int, len(m.Segments))
	for i, s := range m.Segments {
		starts[i] = planOffset(parent, s.Prefix.Addr())
	}
	m.Cells = make([]int, width)
	// segmentAt returns the segment holding the address at offset x (0 <= x < total).
	segmentAt := func(x *big.Int) int {
		i, found := slices.BinarySearchFunc(starts, x, func(a, t *big.Int) int { return a.Cmp(t) })
		if !found {
			i--
		}
		return i
	}
	if len(runs) > width {
		// More pieces than cells: each cell shows what lies under its midpoint.
		for c := range m.Cells {
			m.Cells[c] = segmentAt(planFrac(total, 2*c+1, 2*width))
		}
		return m
	}

	// One cell per run at least; share the rest by size, largest remainder first.
	w := big.NewInt(int64(width))
	widths := make([]int, len(runs))
	rems := make([]*big.Int, len(runs))
	sizes := make([]*big.Int, len(runs))
	sum := 0
	for i, r := range runs {
		size := new(big.Int)
		for j := r.first; j <= r.last; j++ {
			size.Add(size, PrefixCount(m.Segments[j].Prefix).Big())
		}
		sizes[i] = size
		q, rem := new(big.Int).QuoRem(new(big.Int).Mul(size, w), total, new(big.Int))
		widths[i] = max(1, int(q.Int64()))
		if q.Sign() == 0 {
			rem.SetInt64(-1) // already rounded up to one cell
		}
		rems[i] = rem
		sum += widths[i]
	}
	byRem := make([]int, len(widths))
	for i := range byRem {
		byRem[i] = i
	}
	slices.SortStableFunc(byRem, func(a, b int) int { return rems[b].Cmp(rems[a]) })
	for k := 0; sum < width; k = (k + 1) % len(byRem) {
		widths[byRem[k]]++
		sum++
	}
	for sum > width { // too many one-cell minimums: shrink the widest
		i := 0
		for j := range widths {
			if widths[j] > widths[i] {
				i = j
			}
		}
		widths[i]--
		sum--
	}
	c := 0
	for i, n := range widths {
		r := runs[i]
		for k := range n {
			seg := r.first
			if r.last > r.first { // a free run of several prefixes: sample within it
				x := planFrac(sizes[i], 2*k+1, 2*n)
				seg = segmentAt(x.Add(x, starts[r.first]))
			}
			m.Cells[c] = seg
			c++
		}
	}
	return m
}

// planFrac returns floor(total*num/den).
func planFrac(total *big.Int, num, den int) *big.Int {
	x := new(big.Int).Mul(total, big.NewInt(int64(num)))
	return x.Quo(x, big.NewInt(int64(den)))
}

// planSegmentCmp orders segments by address, then by prefix length.
func planSegmentCmp(x, y MapSegment) int {
	if c := x.Prefix.Addr().Compare(y.Prefix.Addr()); c != 0 {
		return c
	}
	return x.Prefix.Bits() - y.Prefix.Bits()
}

// planOffset returns a's distance from the start of parent.
func planOffset(parent netip.Prefix, a netip.Addr) *big.Int {
	return new(big.Int).Sub(RangeCount(parent.Addr(), a).Big(), big.NewInt(1))
}

// Bar returns the cells as plain ASCII: each used cell shows the first
// byte of its segment's label (or '#' for a non-ASCII label), free cells
// show '.'.
func (m PartitionMap) Bar() string {
	b := make([]byte, len(m.Cells))
	for c, i := range m.Cells {
		s := m.Segments[i]
		switch {
		case s.Free():
			b[c] = '.'
		case s.Label[0] < 0x80 && s.Label[0] > ' ':
			b[c] = s.Label[0]
		default:
			b[c] = '#'
		}
	}
	return string(b)
}

// String returns two lines of plain ASCII: the bar between brackets, and
// under it the first address of the parent at the left and the last at
// the right.
func (m PartitionMap) String() string {
	if len(m.Cells) == 0 {
		return ""
	}
	first, last := m.Parent.Addr().String(), netipx.PrefixLastIP(m.Parent).String()
	pad := len(m.Cells) + 2 - len(first) - len(last)
	if pad < 1 {
		pad = 1
	}
	return "[" + m.Bar() + "]\n" + first + strings.Repeat(" ", pad) + last
}

// TreeKind says what a node of a binary split tree is.
type TreeKind string

// The kinds of tree nodes.
const (
	TreeBranch TreeKind = "branch" // split further into its two halves
	TreeLeaf   TreeKind = "leaf"   // a subnet of the plan or split
	TreeFree   TreeKind = "free"   // unused space, not split further
)

// TreeLine is one line of a binary split tree, from the parent down: a
// prefix, its depth below the parent and how it is drawn.
type TreeLine struct {
	Prefix netip.Prefix
	Depth  int
	Kind   TreeKind
	Label  string // the leaf's label, "" otherwise
	// Guide is the ASCII drawn before the prefix: for each ancestor "|   "
	// when more siblings follow at that level, else "    ", then "+-- "
	// or "`-- " (last child). The root has none.
	Guide string
}

// AppendJSON appends l as the JSON object split --tree and vlsm --tree
// write for a node: {"cidr", "depth", "kind"}, and "label" for a labelled
// leaf.
func (l TreeLine) AppendJSON(b []byte) []byte {
	b = append(b, `{"cidr":"`...)
	b = l.Prefix.AppendTo(b)
	b = append(b, `","depth":`...)
	b = strconv.AppendInt(b, int64(l.Depth), 10)
	b = append(b, `,"kind":"`...)
	b = append(b, l.Kind...)
	b = append(b, '"')
	if l.Label != "" {
		b = append(b, `,"label":`...)
		b = AppendJSONString(b, l.Label)
	}
	return append(b, '}')
}

// String returns the guide, the prefix and, for leaves and free space,
// the label or "(free)".
func (l TreeLine) String() string {
	s := l.Guide + l.Prefix.String()
	switch {
	case l.Kind == TreeFree:
		s += "  (free)"
	case l.Label != "":
		s += "  " + l.Label
	}
	return s
}

// PlanTree returns the binary split tree of parent down to the used
// prefixes: a node is a leaf when it is one of used, free when nothing in
// used lies inside it, and otherwise a branch shown with both halves. The
// tree has fewer than 2*(bits below parent)*len(used)+1 lines.
func PlanTree(parent netip.Prefix, used []MapSegment) iter.Seq[TreeLine] {
	parent = parent.Masked()
	segs := slices.Clone(used)
	slices.SortFunc(segs, planSegmentCmp)
	return planTree(parent, func(p netip.Prefix) (TreeKind, string) {
		inside := false
		for _, s := range segs {
			q := s.Prefix.Masked()
			if q == p {
				return TreeLeaf, s.Label
			}
			if p.Overlaps(q) {
				inside = true
			}
		}
		if !inside {
			return TreeFree, ""
		}
		if p.Bits() == p.Addr().BitLen() {
			return TreeFree, "" // cannot split further; overlap is partial
		}
		return TreeBranch, ""
	})
}

// Tree returns the binary split tree from s.Parent down to its subnets:
// 2*Count()-1 lines, streamed.
func (s Split) Tree() iter.Seq[TreeLine] {
	if !s.IsValid() {
		return func(func(TreeLine) bool) {}
	}
	return planTree(s.Parent, func(p netip.Prefix) (TreeKind, string) {
		if p.Bits() >= s.Bits {
			return TreeLeaf, ""
		}
		return TreeBranch, ""
	})
}

// planTree walks the tree depth first; classify decides each node.
func planTree(parent netip.Prefix, classify func(netip.Prefix) (TreeKind, string)) iter.Seq[TreeLine] {
	return func(yield func(TreeLine) bool) {
		var walk func(p netip.Prefix, depth int, indent, elbow string) bool
		walk = func(p netip.Prefix, depth int, indent, elbow string) bool {
			kind, label := classify(p)
			if !yield(TreeLine{Prefix: p, Depth: depth, Kind: kind, Label: label, Guide: indent + elbow}) {
				return false
			}
			if kind != TreeBranch {
				return true
			}
			childIndent := indent
			switch elbow {
			case "+-- ":
				childIndent += "|   "
			case "`-- ":
				childIndent += "    "
			}
			lo := netip.PrefixFrom(p.Addr(), p.Bits()+1)
			hi := netip.PrefixFrom(netipx.PrefixLastIP(lo).Next(), p.Bits()+1)
			return walk(lo, depth+1, childIndent, "+-- ") && walk(hi, depth+1, childIndent, "`-- ")
		}
		if parent.IsValid() {
			walk(parent, 0, "", "")
		}
	}
}
