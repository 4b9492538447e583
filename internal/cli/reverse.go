package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type reverseOptions struct {
	Files []string // --file
	Args  []string
	CNAME bool
}

func newReverseCmd(env *Env) *cobra.Command {
	opts := &reverseOptions{}
	cmd := &cobra.Command{
		Use:   "reverse PREFIX|ADDRESS...",
		Short: "Name the reverse-DNS zones of a prefix (in-addr.arpa., ip6.arpa., RFC 2317)",
		Long: `Print the reverse-DNS zones that hold exactly the PTR names of each
prefix, one "PREFIX ZONE" line per zone:

  - on an octet (IPv4) or nibble (IPv6) boundary, one zone;
  - otherwise the zones of its subnets at the next boundary
    (198.51.100.0/23 gives two /24 zones, 2001:db8::/47 two /48 zones);
  - an IPv4 /25 to /31 gets an RFC 2317 classless zone, FIRST/LEN under
    the /24's zone (192.0.2.64/26 -> 64/26.2.0.192.in-addr.arpa.), with
    the parent zone as a third column; --cname prints the CNAME records the
    parent zone needs instead (RFC 2317 section 4).

A bare address prints its PTR name. With no arguments, or "-", one input
per line is read from standard input.`,
		Example: `  netcalc reverse 198.51.100.0/22
  netcalc reverse 192.0.2.64/26
  netcalc reverse --cname 192.0.2.64/26
  netcalc reverse 2001:db8::/47`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return reverseRun(env, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.CNAME, "cname", false, "print the RFC 2317 CNAME records of a /25-/31 for its parent zone")
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func reverseRun(env *Env, opts *reverseOptions) error {
	note := maskNote{env: env}
	return eachCalc(env, listArgs(opts.Args, opts.Files), "reverse", "a prefix such as 192.0.2.0/24", func(in Input, s string) (calcOut, error) {
		sp, err := netcalc.ParseSpec(s)
		if err != nil {
			return calcOut{}, err
		}
		p := sp.Prefix
		if sp.Mask != netcalc.MaskImplicit {
			note.check(in, netcalc.ListEntry{Prefix: p})
		}
		type zoneJSON struct {
			Type   string `json:"type"`
			Input  string `json:"input"`
			Prefix string `json:"prefix"`
			Zone   string `json:"zone,omitempty"`
			Parent string `json:"parent,omitempty"`
			Name   string `json:"name,omitempty"`
			Target string `json:"target,omitempty"`
		}
		var recs []zoneJSON
		var sb strings.Builder
		switch {
		case sp.Mask == netcalc.MaskImplicit:
			ptr := netcalc.PTR(p.Addr())
			recs = append(recs, zoneJSON{Type: "ptr", Input: in.Text, Prefix: p.String(), Name: ptr})
			sb.WriteString(ptr + "\n")
		case opts.CNAME:
			cs := netcalc.ClasslessCNAMEs(p)
			if cs == nil {
				return calcOut{}, errNoCNAME
			}
			for _, c := range cs {
				recs = append(recs, zoneJSON{Type: "cname", Input: in.Text, Prefix: p.Masked().String(), Name: c.Name, Target: c.Target})
				sb.WriteString(c.String() + "\n")
			}
		default:
			for _, z := range netcalc.ReverseZones(p) {
				recs = append(recs, zoneJSON{Type: "zone", Input: in.Text, Prefix: z.Prefix.String(), Zone: z.Zone, Parent: z.Parent})
				line := z.Prefix.String() + "\t" + z.Zone
				if z.Classless() {
					line += "\t" + z.Parent
				}
				sb.WriteString(line + "\n")
			}
		}
		var js strings.Builder
		for _, r := range recs {
			if err := WriteJSON(&js, r); err != nil {
				return calcOut{}, err
			}
		}
		return calcOut{Text: sb.String(), JSON: rawLines(js.String())}, nil
	})
}

var errNoCNAME = errorString("--cname needs an IPv4 prefix from /25 to /31 (RFC 2317 classless delegation)")

type errorString string

func (e errorString) Error() string { return string(e) }

// rawLines is JSON text already encoded, one object per line.
type rawLines string
