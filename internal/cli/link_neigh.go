package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/fib"
	"github.com/netcalc/netcalc/netcalc/link"
)

type neighOptions struct {
	Netns      string
	IPv4, IPv6 bool
	All        bool   // NOARP entries too (ip neigh show nud all)
	Interface  string // only this device (ip neigh show dev DEV)
}

func newNeighCmd(env *Env) *cobra.Command {
	opts := &neighOptions{}
	cmd := &cobra.Command{
		Use:   "neigh",
		Short: "List the neighbour (ARP and NDP) cache (like ip neigh)",
		Long: `List the kernel's neighbour table, as 'ip neigh' does: each address, the
interface, the hardware address when it is known, "router" for an IPv6
router, and the entry's state:
  REACHABLE   confirmed recently
  STALE       not confirmed lately; checked at the next use
  DELAY       used while STALE, waiting for a confirmation before probing
  PROBE       being probed
  INCOMPLETE  first probe sent, no answer yet
  FAILED      probing got no answer
  PERMANENT   added by hand, never expires
  NOARP       needs no resolution (multicast, loopback, NOARP links)
After "#" come the entry's ages and probe count ('ip -s neigh'): how long
ago it was last used, last confirmed and last updated, and how many probes
were sent since the last confirmation.

Entries come in the kernel's order, exactly as 'ip neigh' lists them (up to
the "#" ages); like 'ip neigh', NOARP entries are left out unless --all is
given ('ip neigh show nud all'). --ipv4 or --ipv6 lists one family only, -i
one interface. -o json writes one object per entry with the field names of
'ip -j -s neigh' (dst, dev, lladdr, router, used, confirmed, updated in
seconds, refcnt, probes, state as a list), plus "family".

'netcalc arp --cache' without a TARGET lists the same table.`,
		Example: `  netcalc neigh
  netcalc neigh --ipv6 -i eth0
  netcalc neigh --all -o json
  sudo netcalc neigh --netns lab1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFamilyFlags("neigh", opts.IPv4, opts.IPv6); err != nil {
				return err
			}
			return withHost("neigh", opts.Netns, func(h *link.Host) error { return neighList(cmd, env, h, "neigh", opts) })
		},
	}
	addNetnsFlag(cmd, &opts.Netns)
	f := cmd.Flags()
	f.BoolVar(&opts.IPv4, "ipv4", false, "list only the IPv4 (ARP) entries")
	f.BoolVar(&opts.IPv6, "ipv6", false, "list only the IPv6 (NDP) entries")
	f.BoolVar(&opts.All, "all", false, "list the NOARP entries too (ip neigh show nud all)")
	f.StringVarP(&opts.Interface, "interface", "i", "", "list only the entries of this `IFACE`")
	return cmd
}

// neighList prints the neighbour table of h for the command name cmdName
// (neigh, or arp --cache).
func neighList(cmd *cobra.Command, env *Env, h *link.Host, cmdName string, opts *neighOptions) error {
	if opts.Interface != "" {
		if err := checkDevice(cmd, h, opts.Interface); err != nil {
			return BadInputf("%s: -i %s: %v", cmdName, quoteToken(opts.Interface), err)
		}
	}
	fam := 0
	if opts.IPv4 {
		fam = 4
	} else if opts.IPv6 {
		fam = 6
	}
	ns, err := h.NeighborTable(cmd.Context(), fam)
	if err != nil {
		return linkErr(err)
	}
	for _, n := range fib.SelectNeighbors(ns, opts.Interface, opts.All) {
		if env.JSON() {
			if err := WriteJSON(env.Out, n.Entry()); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(env.Out, strings.Join(n.Fields(opts.Interface == ""), " ")+"  # "+neighAges(n))
	}
	return env.Finish()
}

// neighAges gives an entry's ages in whole seconds, as ip -s neigh does,
// and its probe count.
func neighAges(n link.Neighbor) string {
	e := n.Entry()
	return fmt.Sprintf("used %ds ago, confirmed %ds ago, updated %ds ago, %s", e.Used, e.Confirmed, e.Updated, plural(n.Probes, "probe", "probes"))
}
