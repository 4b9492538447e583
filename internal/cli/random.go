package cli

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type randomOptions struct {
	Prefix string
	Avoid  []string
	Seed   string
}

func newRandomCmd(env *Env) *cobra.Command {
	opts := &randomOptions{}
	cmd := &cobra.Command{
		Use:   "random --prefix LEN",
		Short: "Pick a random private IPv4 subnet (RFC 1918) that avoids given prefixes",
		Long: `Print a /LEN subnet of the private IPv4 space (10.0.0.0/8, 172.16.0.0/12,
192.168.0.0/16, RFC 1918) chosen uniformly among those that overlap none of
the --avoid prefixes (repeatable; comma-separated lists work too). When
every /LEN overlaps them, the command fails (exit 1). --seed N makes the
choice reproducible. For a random unique local IPv6 /48, use "netcalc ula".`,
		Example: `  netcalc random --prefix 24
  netcalc random --prefix 16 --avoid 10.0.0.0/8 --avoid 192.168.0.0/16 --seed 7`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return BadInputf("unexpected argument %s: random takes only flags; run 'netcalc random --help' for usage", quoteToken(args[0]))
			}
			return randomRun(env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Prefix, "prefix", "24", "length `LEN` of the subnet to pick (8-32, 24 or /24)")
	cmd.Flags().StringSliceVar(&opts.Avoid, "avoid", nil, "`CIDR` the subnet must not overlap (repeatable)")
	cmd.Flags().StringVar(&opts.Seed, "seed", "", "seed `N` of the random choice, for a reproducible one")
	return cmd
}

func randomRun(env *Env, opts *randomOptions) error {
	bits, ok := netcalc.ParseLength(opts.Prefix)
	if !ok || bits < 8 || bits > 32 {
		return BadInputf("--prefix %s is not a private IPv4 subnet length, expected 8 to 32 such as 24 or /24", quoteToken(opts.Prefix))
	}
	var avoid []netip.Prefix
	for _, s := range opts.Avoid {
		p, err := netcalc.ParsePrefix(s)
		if err != nil {
			return BadInputf("--avoid %s", netcalc.Message(err))
		}
		avoid = append(avoid, p.Masked())
	}
	r, err := seededRand(opts.Seed)
	if err != nil {
		return err
	}
	p, err := netcalc.RandomPrivate(r, bits, avoid)
	if err != nil {
		if errors.Is(err, netcalc.ErrNoRoom) {
			return Failedf("%s", netcalc.Message(err))
		}
		return BadInputf("%s", netcalc.Message(err))
	}
	if env.JSON() {
		return WriteJSON(env.Out, struct {
			Prefix string `json:"prefix"`
		}{p.String()})
	}
	_, err = io.WriteString(env.Out, p.String()+"\n")
	return err
}

// seededRand returns a pseudo-random generator seeded with seed, a --seed
// value, or from crypto/rand when seed is "".
func seededRand(seed string) (*mrand.Rand, error) {
	var n uint64
	if seed != "" {
		var err error
		if n, err = strconv.ParseUint(seed, 10, 64); err != nil {
			return nil, BadInputf("--seed %s is not a whole number 0 to 2^64-1", quoteToken(seed))
		}
	} else {
		var b [8]byte
		if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
			return nil, Failedf("reading random bytes: %v", err)
		}
		n = binary.LittleEndian.Uint64(b[:])
	}
	return mrand.New(mrand.NewPCG(n, 0)), nil
}
