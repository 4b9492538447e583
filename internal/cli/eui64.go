package cli

import (
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type eui64Options struct {
	Files   []string // --file
	Args    []string
	Network string
}

func newEUI64Cmd(env *Env) *cobra.Command {
	opts := &eui64Options{}
	cmd := &cobra.Command{
		Use:   "eui64 MAC|IPV6-ADDRESS...",
		Short: "Turn a MAC into its EUI-64 interface ID, link-local and SLAAC addresses, and back",
		Long: `For a MAC address (00:11:22:33:44:55, 00-11-22-33-44-55, 0011.2233.4455
or 001122334455; an 8-byte EUI-64 also works), print its modified EUI-64
interface identifier (RFC 4291 appendix A: ff:fe inserted in the middle and
the universal/local bit inverted), its link-local address (fe80::/64) and,
with --network PREFIX, the address SLAAC (RFC 4862) gives it in that /64.

For an IPv6 address, print the MAC its interface identifier was made from;
an identifier without ff:fe in its middle (a privacy or manual one) was not
made from a MAC, which is an error (exit 2).

With no arguments, or "-", one input per line is read from standard input.`,
		Example: `  netcalc eui64 52:54:00:12:34:56
  netcalc eui64 --network 2001:db8:1:2::/64 52:54:00:12:34:56
  netcalc eui64 fe80::5054:ff:fe12:3456`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return eui64Run(env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Network, "network", "", "IPv6 /64 `CIDR` to build the SLAAC address in")
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

type eui64Record struct {
	Input       string `json:"input"`
	MAC         string `json:"mac"`
	InterfaceID string `json:"interface_id,omitempty"`
	LinkLocal   string `json:"link_local,omitempty"`
	Address     string `json:"address,omitempty"`
}

func eui64Run(env *Env, opts *eui64Options) error {
	var network netip.Prefix
	if opts.Network != "" {
		p, err := netcalc.ParsePrefix(opts.Network)
		if err == nil && (!p.Addr().Is6() || p.Bits() != 64) {
			return BadInputf("--network %s: SLAAC needs an IPv6 /64 prefix, such as 2001:db8:1:2::/64", quoteToken(opts.Network))
		}
		if err != nil {
			return BadInputf("--network %s", netcalc.Message(err))
		}
		network = p
	}
	return eachCalc(env, listArgs(opts.Args, opts.Files), "eui64", "a MAC address or an IPv6 address", func(in Input, s string) (calcOut, error) {
		mac, macErr := netcalc.ParseMAC(s)
		if macErr != nil {
			a, err := netcalc.ParseAddr(s)
			if err != nil {
				if strings.Contains(s, "::") || strings.Contains(s, ".") {
					return calcOut{}, err
				}
				return calcOut{}, macErr
			}
			mac, err := netcalc.MACFromEUI64(a)
			if err != nil {
				return calcOut{}, err
			}
			return calcOut{Text: mac.String() + "\n", JSON: eui64Record{Input: in.Text, MAC: mac.String(), Address: a.String()}}, nil
		}
		id, _ := netcalc.InterfaceID(mac)
		r := eui64Record{Input: in.Text, MAC: mac.String(), InterfaceID: netcalc.InterfaceIDString(id)}
		rows := [][]string{{"MAC:", r.MAC}, {"Interface ID:", r.InterfaceID}}
		ll, _ := netcalc.LinkLocal(mac)
		r.LinkLocal = ll.String()
		rows = append(rows, []string{"Link-local:", r.LinkLocal})
		if network.IsValid() {
			a, _ := netcalc.SLAAC(network, mac)
			r.Address = a.String()
			rows = append(rows, []string{"SLAAC address:", r.Address})
		}
		var sb strings.Builder
		writeKeyRows(&sb, rows)
		return calcOut{Text: sb.String(), JSON: r, Block: true}, nil
	})
}
