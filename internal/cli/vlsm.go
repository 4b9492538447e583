package cli

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type vlsmOptions struct {
	Parent   string
	Requests []string // "50" or "NAME=50"
	MaxBits  string   // --max-prefix: longest prefix length of any block, "" for none
	Map      bool     // draw the partition bar
	Tree     bool     // print the binary split tree instead of the table
}

func newVlsmCmd(env *Env) *cobra.Command {
	opts := &vlsmOptions{}
	cmd := &cobra.Command{
		Use:   "vlsm PARENT HOSTS...",
		Short: "Plan variable-length subnets for a list of host counts",
		Long: `Divide PARENT among subnets that must hold the given numbers of hosts
(variable-length subnet masking). Each request gets the smallest block whose
usable hosts hold it, with the host rules of 'netcalc cidr': 2 hosts fit a /31
(RFC 3021), 1 host a /32; IPv6 blocks lose the Subnet-Router anycast address,
/127 holds 2. Blocks are placed largest request first and packed from the start
of PARENT; the space left is printed as the minimal list of CIDRs. A request may
carry a name: web=50. --max-prefix N makes every block /N or larger: 30 to
avoid /31 and /32. All arithmetic is exact integer math.

IPv6 subnets are /64 or larger by default, however few their hosts: SLAAC,
privacy addresses and much else need a 64-bit interface identifier (RFC 7421),
and a note on standard error says when a request got a /64 instead of a
smaller block. Any --max-prefix replaces this default: --max-prefix 128 lifts
it, for point-to-point links such as /127 (RFC 6164). A parent longer than /64
is planned without it.

The table is in address order, with its header line on a terminal and when
piped (tab-separated then); its # column is each request's position on the
command line. When the requests do not fit, netcalc says how many addresses are
missing and what parent size would hold them, and exits 1.

On a terminal a one-line map of PARENT follows the table (--map draws it in
plain ASCII when piped too, --map=false turns it off); --tree prints the binary
split tree instead of the table. With -o json each allocation is one object
(order, name, requested, cidr, usable_hosts, first_host, last_host; counts as
decimal strings) with "type": "allocation", then one {"type": "unused",
"unused": [...]} object; with --tree, each tree node is one object: cidr,
depth, kind (branch, leaf or free), label.`,
		Example: `  netcalc vlsm 192.168.1.0/24 50 20 10 2
  netcalc vlsm 10.20.0.0/22 office=300 lab=120 dmz=25 link=2 --map
  netcalc vlsm 2001:db8::/56 lan=1000 mgmt=50 --max-prefix 64 -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return env.usageError("vlsm", "vlsm wants the parent prefix, then the hosts each subnet must hold: vlsm 192.168.1.0/24 50 20")
			case 1:
				return env.usageError("vlsm", "vlsm wants the hosts each subnet of %s must hold after it, such as: vlsm %s 50 20", quoteToken(args[0]), args[0])
			}
			opts.Parent, opts.Requests = args[0], args[1:]
			if !cmd.Flags().Changed("map") {
				opts.Map = env.StdoutTTY
			}
			return vlsmRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.MaxBits, "max-prefix", "", "longest prefix length `N` of any block, e.g. 30 to avoid /31 and /32 (default: 64 for IPv6, RFC 7421; none for IPv4)")
	f.BoolVar(&opts.Map, "map", false, "draw the one-line map of the parent (default: on a terminal)")
	f.BoolVar(&opts.Tree, "tree", false, "print the binary split tree instead of the table")
	return cmd
}

func vlsmRun(env *Env, opts *vlsmOptions) error {
	parent, err := planParseParent(env, opts.Parent)
	if err != nil {
		return err
	}
	maxBits := 0
	if opts.MaxBits != "" {
		n, ok := netcalc.ParseLength(opts.MaxBits)
		if !ok || n < parent.Bits() || n > parent.Addr().BitLen() {
			return BadInputf("--max-prefix: %s is not a prefix length for %s, want a number %d-%d",
				quoteToken(opts.MaxBits), parent, parent.Bits(), parent.Addr().BitLen())
		}
		maxBits = n
	}
	// RFC 7421: IPv6 subnets are /64 unless the user says otherwise.
	v6Floor := opts.MaxBits == "" && !parent.Addr().Is4() && parent.Bits() <= 64
	if v6Floor {
		maxBits = 64
	}
	reqs := make([]netcalc.Request, len(opts.Requests))
	named := false
	for i, arg := range opts.Requests {
		name, num, ok := strings.Cut(arg, "=")
		if !ok {
			name, num = "", arg
		} else if name == "" {
			return BadInputf("vlsm: request %s has an empty name, want NAME=HOSTS or HOSTS", quoteToken(arg))
		}
		n, err := planParseCount("vlsm: request "+strconv.Itoa(i+1), num)
		if err != nil {
			return err
		}
		reqs[i] = netcalc.Request{Name: name, Hosts: n, MaxBits: maxBits}
		named = named || name != ""
	}
	if v6Floor {
		for _, r := range reqs {
			if l, ok := netcalc.BlockForHosts(false, r.Hosts); ok && l > 64 {
				env.Errorf("IPv6 subnets are /64 or larger (RFC 7421): a request for %s got a /64, not a /%d; --max-prefix 128 lifts this", planPlural(r.Hosts, "host"), l)
				break
			}
		}
	}
	plan, err := netcalc.PlanVLSM(parent, reqs)
	if err != nil {
		var nf *netcalc.NoFitError
		if errors.As(err, &nf) {
			return Failed(fmt.Errorf("%w; blocks: %s", err, vlsmBlocks(parent, reqs)))
		}
		return planErr(err)
	}

	segs := make([]netcalc.MapSegment, len(plan.Allocations))
	for i, a := range plan.Allocations {
		segs[i] = netcalc.MapSegment{Prefix: a.Prefix, Label: vlsmLabel(a)}
	}
	if opts.Tree {
		return planWriteTree(env, netcalc.PlanTree(plan.Parent, segs))
	}
	if env.JSON() {
		for _, r := range plan.Records() {
			if err := WriteJSON(env.Out, r); err != nil {
				return err
			}
		}
		return nil
	}

	t := env.NewTable()
	header := []string{"#", "REQUESTED", "CIDR", "USABLE", "FIRST HOST", "LAST HOST"}
	if named {
		header = append(header, "NAME")
	}
	t.Row(header...)
	for _, a := range plan.Allocations {
		row := []string{strconv.Itoa(a.Order), a.Requested.String(), a.Prefix.String(), a.UsableHosts.String(),
			a.FirstHost.String(), a.LastHost.String()}
		if named {
			row = append(row, a.Name)
		}
		t.Row(row...)
	}
	for _, u := range plan.Unused {
		t.Row("-", "unused", u.String())
	}
	if err := t.Flush(); err != nil {
		return err
	}
	if opts.Map {
		// Label cells with the request's position: 1-9, then a-z, A-Z.
		for i, a := range plan.Allocations {
			segs[i].Label = vlsmGlyph(a.Order)
		}
		used := netcalc.PrefixCount(plan.Parent).Sub(plan.UnusedCount())
		caption := fmt.Sprintf("%s: %s, %s of %s addresses used, %s free",
			plan.Parent, planPlural(netcalc.CountFromUint64(uint64(len(plan.Allocations))), "subnet"),
			used, netcalc.PrefixCount(plan.Parent), plan.UnusedCount())
		planWriteMap(env, netcalc.NewPartitionMap(plan.Parent, segs, planMapWidth), caption)
	}
	return nil
}

// vlsmLabel is the tree label of an allocation: "#2 web: 50 hosts (62 usable)",
// "#4: 1 host (1 usable)".
func vlsmLabel(a netcalc.Allocation) string {
	s := "#" + strconv.Itoa(a.Order)
	if a.Name != "" {
		s += " " + a.Name
	}
	return s + ": " + planPlural(a.Requested, "host") + " (" + a.UsableHosts.String() + " usable)"
}

// vlsmGlyph is the one-character map label of request number order.
func vlsmGlyph(order int) string {
	const glyphs = "123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	if order >= 1 && order <= len(glyphs) {
		return glyphs[order-1 : order]
	}
	return "*"
}

// vlsmBlocks lists the block each request needs, for the no-fit message:
// "50->/26 20->/27".
func vlsmBlocks(parent netip.Prefix, reqs []netcalc.Request) string {
	var parts []string
	for _, r := range reqs {
		l, ok := r.Block(parent.Addr().Is4())
		b := "too large for any block"
		if ok {
			b = "/" + strconv.Itoa(l)
		}
		parts = append(parts, r.Hosts.String()+"->"+b)
	}
	return strings.Join(parts, " ")
}
