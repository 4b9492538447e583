package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/link"
)

type addrOptions struct {
	Netns string
	Names []string
}

func newAddrCmd(env *Env) *cobra.Command {
	opts := &addrOptions{}
	cmd := &cobra.Command{
		Use:   "addr [INTERFACE]...",
		Short: "List interface addresses and the subnet each implies (like ip -br addr)",
		Long: `List every address assigned to an interface, as the network layer sees it,
with the subnet its prefix length implies, computed exactly: network,
broadcast (IPv4), first and last usable host and the usable host count.
With interface names, list only theirs.

--netns NAME shows the addresses inside a network namespace.`,
		Example: `  netcalc addr
  netcalc addr eth0 -o json
  sudo netcalc addr --netns lab1`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			return addrRun(cmd, env, opts)
		},
	}
	addNetnsFlag(cmd, &opts.Netns)
	return cmd
}

func addrRun(cmd *cobra.Command, env *Env, opts *addrOptions) error {
	return withHost("addr", opts.Netns, func(h *link.Host) error {
		as, err := h.Addrs(cmd.Context())
		if err != nil {
			return linkErr(err)
		}
		if len(opts.Names) > 0 {
			ls, err := h.Links(cmd.Context())
			if err != nil {
				return linkErr(err)
			}
			_, missing := link.SelectInterfaces(ls, opts.Names)
			for _, n := range missing {
				env.Report(BadInputf("addr: %q: no such interface (see 'netcalc link')", n))
			}
			as = link.AddressesOn(as, opts.Names)
		}
		t := env.NewTable()
		if env.StdoutTTY && !env.JSON() {
			t.Row("INTERFACE", "ADDRESS", "SCOPE", "NETWORK", "BROADCAST", "USABLE RANGE", "HOSTS", "FLAGS")
		}
		for _, a := range as {
			in := a.Subnet()
			if env.JSON() {
				if err := WriteJSON(env.Out, in); err != nil {
					return err
				}
				continue
			}
			bcast := "-"
			if in.Broadcast.IsValid() {
				bcast = in.Broadcast.String()
			}
			rng := "-"
			if in.FirstHost.IsValid() {
				rng = in.FirstHost.String() + "-" + in.LastHost.String()
			}
			t.Row(a.Interface, a.Prefix.String(), a.Scope, in.Network.String(), bcast, rng, in.UsableHosts.String(), linkDash(strings.Join(a.Flags, ",")))
		}
		if err := t.Flush(); err != nil {
			return err
		}
		return env.Finish()
	})
}
