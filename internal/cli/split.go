package cli

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"go4.org/netipx"

	"github.com/netcalc/netcalc/netcalc"
)

// planMapWidth is the number of cells in the partition bar, 2^planMapBits.
const planMapWidth, planMapBits = 64, 6

type splitOptions struct {
	Parent string
	Prefix string // --prefix: new prefix length, "20" or "/20"
	Count  string // --subnets: at least this many subnets
	Hosts  string // --hosts: each subnet holds this many hosts
	Limit  uint64 // --limit: most subnets printed; 0 = no limit
	Map    bool   // draw the partition bar
	Tree   bool   // print the binary split tree instead of the list
}

func newSplitCmd(env *Env) *cobra.Command {
	opts := &splitOptions{}
	cmd := &cobra.Command{
		Use:   "split PREFIX (--prefix N | --subnets N | --hosts N)",
		Short: "Cut a prefix into equal subnets by length, by count or by hosts",
		Long: `Cut PREFIX into equal subnets, chosen one of three ways:

  --prefix N   subnets of prefix length N (/N)
  --subnets N  the fewest equal subnets that number at least N
  --hosts N    the smallest equal subnets whose usable hosts hold N
               (the /31, /32, /127 and /128 rules of 'netcalc cidr' apply)

--subnets and --hosts say on standard error which length they chose and why.
Subnets stream in address order, one CIDR per line when piped and as a table
with the first and last address and the usable hosts on a terminal. A split
into more than --limit subnets (default 65536; 0 lifts the limit) is refused,
so a typo cannot print 2^64 lines; IPv6 splits into /64s are normal.

On a terminal a one-line map of PREFIX follows the list (--map draws it in
plain ASCII when piped too, --map=false turns it off); --tree prints the binary
split tree instead of the list. With -o json each subnet is one JSON object:
cidr, first, last, addresses, usable_hosts (counts as decimal strings); with
--tree, each tree node is one object: cidr, depth, kind (branch or leaf).
Host bits set in PREFIX are cleared, with a warning.`,
		Example: `  netcalc split 10.0.0.0/16 --prefix 20
  netcalc split 10.0.0.0/16 --subnets 9
  netcalc split 10.0.0.0/16 --hosts 500 -o json
  netcalc split 2001:db8:0:100::/56 --prefix 64
  netcalc split 192.168.0.0/24 --prefix 26 --tree`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return env.usageError("split", "split wants the prefix to cut, such as 10.0.0.0/16")
			case len(args) > 1:
				const msg = "split cuts one prefix, got %d arguments: %s"
				if bits, ok := netcalc.ParseLength(args[1]); ok && len(args) == 2 && opts.Prefix == "" && opts.Count == "" && opts.Hosts == "" {
					// "split 10.0.0.0/16 /20": the length belongs to --prefix.
					env.Errorf(msg, len(args), quoteToken(strings.Join(args, " ")))
					return env.usageError("split", "for /%d subnets: netcalc split %s --prefix %d", bits, args[0], bits)
				}
				return env.usageError("split", msg, len(args), quoteToken(strings.Join(args, " ")))
			}
			opts.Parent = args[0]
			if !cmd.Flags().Changed("map") {
				opts.Map = env.StdoutTTY
			}
			return splitRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Prefix, "prefix", "", "split into subnets of prefix length `N` (e.g. 20 or /20)")
	f.StringVar(&opts.Count, "subnets", "", "split into at least `N` equal subnets")
	aliasFlag(env, f, "count", "subnets")
	f.StringVar(&opts.Hosts, "hosts", "", "split into the smallest subnets holding `N` usable hosts")
	f.Uint64Var(&opts.Limit, "limit", 65536, "refuse to print more than `N` subnets (0: no limit)")
	f.BoolVar(&opts.Map, "map", false, "draw the one-line map of the prefix (default: on a terminal)")
	f.BoolVar(&opts.Tree, "tree", false, "print the binary split tree instead of the list")
	return cmd
}

func splitRun(env *Env, opts *splitOptions) error {
	parent, err := planParseParent(env, opts.Parent)
	if err != nil {
		return err
	}
	set := 0
	for _, v := range []string{opts.Prefix, opts.Count, opts.Hosts} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return BadInputf("split: give exactly one of --prefix, --subnets or --hosts")
	}

	var s netcalc.Split
	switch {
	case opts.Prefix != "":
		bits, ok := netcalc.ParseLength(opts.Prefix)
		if !ok {
			return BadInputf("--prefix: %s is not a prefix length, want a number %d-%d", quoteToken(opts.Prefix), parent.Bits(), parent.Addr().BitLen())
		}
		s, err = netcalc.SplitPrefix(parent, bits)
		if err != nil {
			return planErr(err)
		}
	case opts.Count != "":
		n, err := planParseCount("--subnets", opts.Count)
		if err != nil {
			return err
		}
		if s, err = netcalc.SplitByCount(parent, n); err != nil {
			return planErr(err)
		}
		size := "1 address"
		if s.Size() != netcalc.CountFromUint64(1) {
			size = s.Size().String() + " addresses"
		}
		why := fmt.Sprintf("--subnets %s: /%d gives %s of %s", n, s.Bits, planPlural(s.Count(), "subnet"), size)
		if s.Bits > parent.Bits() {
			why += fmt.Sprintf("; /%d would give only %s", s.Bits-1, netcalc.PowerOfTwo(s.Bits-1-parent.Bits()))
		}
		env.Errorf("%s", why)
	default:
		n, err := planParseCount("--hosts", opts.Hosts)
		if err != nil {
			return err
		}
		if s, err = netcalc.SplitByHosts(parent, n); err != nil {
			return planErr(err)
		}
		usable := netcalc.UsableHosts(netip.PrefixFrom(parent.Addr(), s.Bits))
		why := fmt.Sprintf("--hosts %s: /%d holds %s, %s", n, s.Bits,
			planPlural(usable, "usable host"), planPlural(s.Count(), "subnet"))
		if s.Bits < parent.Addr().BitLen() {
			why += fmt.Sprintf("; /%d would hold only %s", s.Bits+1, netcalc.UsableHosts(netip.PrefixFrom(parent.Addr(), s.Bits+1)))
		}
		env.Errorf("%s", why)
	}

	if opts.Limit > 0 && s.Count().Cmp(netcalc.CountFromUint64(opts.Limit)) > 0 {
		return BadInputf("split: %s into /%d makes %s subnets, more than --limit %d; raise --limit (0 lifts it) to print them all",
			s.Parent, s.Bits, s.Count(), opts.Limit)
	}

	if opts.Tree {
		return planWriteTree(env, s.Tree())
	}
	if env.JSON() {
		return splitWriteJSON(env, s)
	}
	if env.StdoutTTY {
		splitWriteTable(env.Out, s)
	} else {
		var buf []byte
		for p := range s.All() {
			buf = p.AppendTo(buf[:0])
			buf = append(buf, '\n')
			if _, err := env.Out.Write(buf); err != nil {
				return err
			}
		}
	}
	if opts.Map {
		splitWriteMap(env, s)
	}
	return nil
}

// splitWriteJSON writes one object per subnet.
func splitWriteJSON(env *Env, s netcalc.Split) error {
	var buf []byte
	for p := range s.All() {
		if _, err := env.Out.Write(append(netcalc.AppendSubnetJSON(buf[:0], p), '\n')); err != nil {
			return err
		}
	}
	return nil
}

// splitWriteTable writes the terminal view: aligned columns with a header.
// Widths come from the longest possible texts so rows stream without
// buffering the whole split.
func splitWriteTable(w io.Writer, s netcalc.Split) {
	cw, aw := len("255.255.255.255/32"), len("255.255.255.255")
	if !s.Parent.Addr().Is4() {
		cw, aw = len("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), len("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
		// Most IPv6 splits are far shorter: size by the parent's own texts.
		last := netipx.PrefixLastIP(s.Parent).String()
		aw = max(len(s.Parent.Addr().String()), len(last))
		cw = aw + 4
	}
	row := func(c ...string) { fmt.Fprintf(w, "%-*s  %-*s  %-*s  %s\n", cw, c[0], aw, c[1], aw, c[2], c[3]) }
	row("CIDR", "FIRST", "LAST", "USABLE HOSTS")
	usable := ""
	for p := range s.All() {
		if usable == "" {
			usable = netcalc.UsableHosts(p).String()
		}
		row(p.String(), p.Addr().String(), netipx.PrefixLastIP(p).String(), usable)
	}
}

// splitWriteMap draws the parent with its subnets. Up to planMapWidth
// subnets each get their own cells, labelled with their index in base 36
// (cycling); beyond that each cell stands for a group of subnets.
func splitWriteMap(env *Env, s netcalc.Split) {
	m, perCell := s.Map(planMapBits)
	caption := fmt.Sprintf("%s: %s of /%d", s.Parent, planPlural(s.Count(), "subnet"), s.Bits)
	if !perCell.IsZero() {
		caption += fmt.Sprintf(", %s per cell", perCell)
	}
	planWriteMap(env, m, caption)
}

// planWriteMap writes a partition map after a blank line: on a colour
// terminal with coloured cells and '·' for free space, else the plain
// ASCII of PartitionMap.String.
func planWriteMap(env *Env, m netcalc.PartitionMap, caption string) {
	var b strings.Builder
	b.WriteString("\n" + caption + "\n")
	if env.Color {
		colours := []string{"7;34", "7;32", "7;33", "7;36", "7;35", "7;31"}
		bar := m.Bar()
		b.WriteByte('[')
		for c := 0; c < len(m.Cells); {
			i, e := m.Cells[c], c+1
			for e < len(m.Cells) && m.Cells[e] == i {
				e++
			}
			if m.Segments[i].Free() {
				b.WriteString(env.Paint(Dim, strings.Repeat("·", e-c)))
			} else {
				b.WriteString(env.Paint(colours[i%len(colours)], bar[c:e]))
			}
			c = e
		}
		b.WriteString("]\n")
		first, last := m.Parent.Addr().String(), netipx.PrefixLastIP(m.Parent).String()
		b.WriteString(first + strings.Repeat(" ", max(1, len(m.Cells)+2-len(first)-len(last))) + last + "\n")
	} else {
		b.WriteString(m.String() + "\n")
	}
	io.WriteString(env.Out, b.String())
}

// planWriteTree prints a binary split tree: box-drawing characters on a
// terminal, ASCII when piped, one object per node with -o json.
func planWriteTree(env *Env, tree func(func(netcalc.TreeLine) bool)) error {
	var buf []byte
	for l := range tree {
		if env.JSON() {
			buf = append(l.AppendJSON(buf[:0]), '\n')
		} else {
			line := l.String()
			if env.StdoutTTY {
				line = planBoxTree().Replace(line)
			}
			buf = append(append(buf[:0], line...), '\n')
		}
		if _, err := env.Out.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

var planBoxTree = sync.OnceValue(func() *strings.Replacer {
	return strings.NewReplacer("|   ", "│   ", "+-- ", "├── ", "`-- ", "└── ")
})

// planParseParent parses the prefix to split or plan, masking host bits
// with a warning.
func planParseParent(env *Env, s string) (netip.Prefix, error) {
	p, err := netcalc.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, BadInputf("%s", inputMessage(err))
	}
	if m := p.Masked(); m != p {
		env.Warnf("%s has host bits set; using its network %s", p, m)
		p = m
	}
	return p, nil
}

// planParseCount parses a count of subnets or hosts: decimal digits up to
// 2^128.
func planParseCount(flag, s string) (netcalc.Count, error) {
	n, err := netcalc.ParseCount(s)
	switch {
	case errors.Is(err, netcalc.ErrOutOfRange):
		return n, BadInputf("%s: %s is more than 2^128, the whole IPv6 space; want 1 to 2^128", flag, s)
	case err != nil:
		return n, BadInputf("%s: %s is not a whole number, want 1 or more (up to 2^128)", flag, quoteToken(s))
	}
	return n, nil
}

// planErr maps a planner error to an exit status: not enough room is a
// failed operation (1), anything else bad input (2).
func planErr(err error) error {
	if errors.Is(err, netcalc.ErrNoRoom) {
		return Failed(err)
	}
	return BadInput(err)
}

// planPlural returns "1 subnet" or "N subnets".
func planPlural(n netcalc.Count, noun string) string {
	if n == netcalc.CountFromUint64(1) {
		return "1 " + noun
	}
	return n.String() + " " + noun + "s"
}
