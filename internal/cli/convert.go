package cli

import (
	"errors"
	"io"
	"math/big"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type convertOptions struct {
	Files []string // --file
	Args  []string
	IPv6  bool
	NAT64 string
}

func newConvertCmd(env *Env) *cobra.Command {
	opts := &convertOptions{}
	cmd := &cobra.Command{
		Use:   "convert ADDRESS|INTEGER...",
		Short: "Convert addresses to and from integers, binary and IPv4-in-IPv6 forms",
		Long: `Print each address in every form: its decimal integer, 0x hexadecimal,
0b binary and dotted binary (8-bit groups for IPv4, 16-bit groups for IPv6).
For an IPv4 address, also its IPv4-mapped IPv6 address (::ffff:a.b.c.d,
RFC 4291), its 6to4 prefix (2002::/16, RFC 3056) and its NAT64 address
(RFC 6052) under --nat64 (default the well-known 64:ff9b::/96; a
network-specific /32, /40, /48, /56, /64 or /96 also works). For an IPv6
address, the IPv4 address it carries, if any (IPv4-mapped, 6to4, or NAT64
under --nat64).

An input is an address or an integer in any form printed: 3221225985,
0xc0000201, 0b11000000..., 11000000.00000000.00000010.00000001. An integer
below 2^32 is read as IPv4 unless --ipv6 is given. With no arguments, or
"-", one input per line is read from standard input; bad inputs are reported
and the others still printed, with exit status 2.`,
		Example: `  netcalc convert 192.0.2.1
  netcalc convert 3221225985 0xc0000201
  netcalc convert --ipv6 1
  netcalc convert --nat64 2001:db8:100::/40 192.0.2.33 2001:db8:1c0:2:21::`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return convertRun(env, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.IPv6, "ipv6", false, "read integers as IPv6 addresses even when below 2^32")
	cmd.Flags().StringVar(&opts.NAT64, "nat64", "64:ff9b::/96", "NAT64 `CIDR` (RFC 6052: /32, /40, /48, /56, /64 or /96)")
	addFileFlag(cmd.Flags(), &opts.Files)
	return cmd
}

func convertRun(env *Env, opts *convertOptions) error {
	nat64, err := netcalc.ParsePrefix(opts.NAT64)
	if err == nil {
		_, err = netcalc.NAT64Embed(nat64, netip.MustParseAddr("192.0.2.1"))
	}
	if err != nil {
		return BadInputf("--nat64 %s: %s", quoteToken(opts.NAT64), netcalc.Message(err))
	}
	return eachCalc(env, listArgs(opts.Args, opts.Files), "convert", "an address or an integer", func(in Input, s string) (calcOut, error) {
		a, err := netcalc.ParseAddrAny(s, opts.IPv6)
		if err != nil {
			return calcOut{}, err
		}
		f := netcalc.Convert(a, nat64)
		rows := [][]string{{"Address:", f.Address.String()}, {"Decimal:", f.Decimal}, {"Hex:", f.Hex}, {"Binary:", f.Binary}, {"Dotted binary:", f.DottedBinary}}
		if f.Version == 4 {
			rows = append(rows, []string{"IPv4-mapped:", f.MappedIPv6.String()}, []string{"6to4 prefix:", f.SixToFour.String()},
				[]string{"NAT64:", f.NAT64.String() + " (" + nat64.Masked().String() + ")"})
		} else if e := f.Embedded; e != nil {
			how := e.Kind
			if how == "nat64" {
				how += " " + nat64.Masked().String()
			}
			rows = append(rows, []string{"Embedded IPv4:", e.Address.String() + " (" + how + ")"})
		}
		var sb strings.Builder
		writeKeyRows(&sb, rows)
		return calcOut{Text: sb.String(), JSON: struct {
			Input string `json:"input"`
			netcalc.Forms
		}{in.Text, f}, Block: true}, nil
	})
}

// calcOut is what a calculator verb prints for one input: Text (whole
// lines, each ending in a newline) or the JSON record.
type calcOut struct {
	Text  string
	JSON  any  // a value to encode, or rawLines already encoded
	Block bool // Text is a key/value block: blank line between two
}

// eachCalc runs fn on each input of a calculator verb (arguments, or lines
// of standard input), text stripped of a trailing "#" comment, and prints
// each result as text or as one JSON line. Multi-line text results are
// separated by a blank line when they are key/value blocks. A failing input is reported, naming it, and
// in -o json also written to standard output as {"input","line","error"};
// the others still run and the exit status is 2 at the end. No input at
// all prints nothing. what names the command, want what an input must be.
func eachCalc(env *Env, args []string, what, want string, fn func(in Input, s string) (calcOut, error)) error {
	if len(args) == 0 && env.StdinTTY {
		return BadInputf("no input: give %s, or pipe one per line; run 'netcalc %s --help' for usage", want, what)
	}
	wrote := false
	_, err := env.EachInput(args, true, func(in Input) error {
		out, err := fn(in, stripComment(in))
		if err != nil {
			env.BadLine(in, errors.New(inputError(in, err)))
			return nil
		}
		if env.JSON() {
			if raw, ok := out.JSON.(rawLines); ok {
				_, err := io.WriteString(env.Out, string(raw))
				return err
			}
			return WriteJSON(env.Out, out.JSON)
		}
		if wrote && out.Block {
			io.WriteString(env.Out, "\n")
		}
		wrote = true
		_, err = io.WriteString(env.Out, out.Text)
		return err
	})
	if err != nil {
		return err
	}
	return env.Finish()
}

// inputError words err for the user: a parse error already names its
// token; any other error gets the input quoted in front, instead of the
// value the library names when that is the input itself.
func inputError(in Input, err error) string {
	var pe *netcalc.ParseError
	if errors.As(err, &pe) {
		return netcalc.Message(err)
	}
	var ce *netcalc.Error
	if errors.As(err, &ce) && ce.Value != "" && strings.EqualFold(ce.Value, stripComment(in)) {
		return quoteToken(in.Text) + ": " + ce.Msg
	}
	return quoteToken(in.Text) + ": " + netcalc.Message(err)
}

// parseBig parses a signed integer written in decimal or as 0x hex, for
// offsets and indexes.
func parseBig(s, what string) (*big.Int, error) {
	t := s
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = t[1:]
	} else {
		t = strings.TrimPrefix(t, "+")
	}
	base := 10
	if strings.HasPrefix(strings.ToLower(t), "0x") {
		base, t = 16, t[2:]
	}
	n, ok := new(big.Int).SetString(t, base)
	if !ok || t == "" || strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-") {
		return nil, BadInputf("%s %s is not a whole number, expected for example 5, -5 or 0x100", what, quoteToken(s))
	}
	if neg {
		n.Neg(n)
	}
	return n, nil
}
