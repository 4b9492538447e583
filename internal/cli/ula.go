package cli

import (
	crand "crypto/rand"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type ulaOptions struct {
	MAC    string
	Time   string
	Seed   string
	Prefix string // length 48-64 of the prefix to print
	// Now and Interfaces are injected by tests; nil means the clock and
	// the host's interfaces.
	Now        func() time.Time
	Interfaces func() ([]net.Interface, error)
}

func newULACmd(env *Env) *cobra.Command {
	opts := &ulaOptions{}
	cmd := &cobra.Command{
		Use:   "ula",
		Short: "Generate a unique local IPv6 /48 (RFC 4193)",
		Long: `Print a unique local IPv6 /48 made the way RFC 4193 section 3.2.2 says:
the SHA-1 digest of the time (64-bit NTP format) followed by an EUI-64, whose
last 40 bits become the Global ID after fd00::/8.

The time is now unless --time gives one (RFC 3339, such as
2026-01-02T15:04:05Z). The EUI-64 is made from --mac, else from the MAC of
the first interface that has one, else from random bytes. With --seed N the
time and EUI-64 are drawn from a pseudo-random generator seeded with N
instead, so the same N always gives the same /48 (for tests and docs; a
real network should use the default).

--prefix LEN (49 to 64) prints a random /LEN inside that /48 instead, its
subnet ID drawn from the same seed, or at random (like ipcalc-ng -6 -r 64).`,
		Example: `  netcalc ula
  netcalc ula --mac 52:54:00:12:34:56 --time 2026-01-02T15:04:05Z
  netcalc ula --seed 1 -o json
  netcalc ula --prefix 64`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return BadInputf("unexpected argument %s: ula takes only flags; run 'netcalc ula --help' for usage", quoteToken(args[0]))
			}
			return ulaRun(env, opts)
		},
	}
	cmd.Flags().StringVar(&opts.MAC, "mac", "", "`MAC` address to make the EUI-64 from (default: the first interface's)")
	cmd.Flags().StringVar(&opts.Time, "time", "", "`TIME` to use, RFC 3339 (default: now)")
	cmd.Flags().StringVar(&opts.Seed, "seed", "", "seed `N` of the pseudo-random time and EUI-64, for a reproducible /48")
	cmd.Flags().StringVar(&opts.Prefix, "prefix", "48", "length `LEN` of the prefix to print, 48 to 64 (a random subnet of the /48 when longer)")
	return cmd
}

func ulaRun(env *Env, opts *ulaOptions) error {
	bits, ok := netcalc.ParseLength(opts.Prefix)
	if !ok || bits < 48 || bits > 64 {
		return BadInputf("--prefix %s is not a unique local prefix length, expected 48 to 64 such as 48 or /64", quoteToken(opts.Prefix))
	}
	var ntp uint64
	var eui [8]byte
	var r *rand.Rand // draws the subnet ID after the /48 when seeded
	source := "mac"
	switch {
	case opts.Seed != "":
		if opts.MAC != "" || opts.Time != "" {
			return BadInputf("--seed draws the time and the EUI-64: give it without --mac and --time")
		}
		var err error
		if r, err = seededRand(opts.Seed); err != nil {
			return err
		}
		ntp, eui = netcalc.ULAInputFrom(r)
		source = "seed"
	default:
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		t := now()
		if opts.Time != "" {
			var err error
			if t, err = time.Parse(time.RFC3339Nano, opts.Time); err != nil {
				return BadInputf("--time %s is not an RFC 3339 time such as 2026-01-02T15:04:05Z", quoteToken(opts.Time))
			}
		}
		ntp = netcalc.NTPTime(t)
		var mac net.HardwareAddr
		if opts.MAC != "" {
			m, err := netcalc.ParseMAC(opts.MAC)
			if err != nil {
				return BadInputf("--mac %s", netcalc.Message(err))
			}
			mac = m
		} else {
			ifaces := net.Interfaces
			if opts.Interfaces != nil {
				ifaces = opts.Interfaces
			}
			if list, err := ifaces(); err == nil {
				mac = netcalc.FirstMAC(list)
			}
		}
		if mac != nil {
			eui, _ = netcalc.InterfaceID(mac)
		} else {
			if _, err := io.ReadFull(crand.Reader, eui[:]); err != nil {
				return Failedf("reading random bytes: %v", err)
			}
			source = "random"
		}
	}
	p := netcalc.ULA(ntp, eui)
	if bits > 48 && r == nil {
		var err error
		if r, err = seededRand(""); err != nil {
			return err
		}
	}
	p, err := netcalc.ULASubnet(p, bits, r)
	if err != nil {
		return Failed(err) // cannot happen: bits is 48 to 64
	}
	if env.JSON() {
		return WriteJSON(env.Out, struct {
			Prefix string `json:"prefix"`
			NTP    string `json:"ntp_time"`
			EUI64  string `json:"eui64"`
			Source string `json:"eui64_source"`
		}{p.String(), "0x" + strconv.FormatUint(ntp, 16), net.HardwareAddr(eui[:]).String(), source})
	}
	_, err = io.WriteString(env.Out, p.String()+"\n")
	return err
}
