package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/link"
)

type arpOptions struct {
	Targets   []string
	Interface string
	Count     int
	Timeout   time.Duration
	Retries   int
	Source    string
	Cache     bool
	Scan      string
	Rate      float64
	Netns     string
}

func newArpCmd(env *Env) *cobra.Command {
	opts := &arpOptions{}
	cmd := &cobra.Command{
		Use:   "arp TARGET... | --scan PREFIX | --cache",
		Short: "Find a neighbour's MAC address with a real ARP or NDP exchange",
		Long: `Ask the link layer who has an IP address, the way the host itself would:
look up the kernel's route to TARGET (as 'ip route get' does), then send an
ARP request (IPv4) or a Neighbor Solicitation (IPv6) out of that interface.
An on-link target is asked directly; for an off-link target the next hop is
the route's gateway, so the answer is the router's MAC, and netcalc says so.

Each probe sends up to 1+retries requests, each waiting --timeout; -c sends
several probes and prints each reply with its round-trip time, then a
summary. The MAC's properties are shown: unicast or multicast, universally
or locally administered (the U/L bit; veth and VM interfaces are local).

Probing needs a raw socket: root or CAP_NET_RAW. Without it netcalc says so
and answers from the kernel's neighbour table, labelled "cached" with the
entry's state (REACHABLE, STALE, ...); --cache asks the table only, and
--cache without a TARGET lists the whole table as 'netcalc neigh' does. A
probe does not add an entry to your neighbour table.

--scan PREFIX probes every host of an on-link IPv4 prefix concurrently,
rate-limited, with retries, and lists the hosts that answered, sorted.

Exit status: 0 a reply (or cached answer), 1 no reply, no route or no cache
entry, 2 bad usage, or no permission and no cached answer.`,
		Example: `  sudo netcalc arp 192.168.1.1
  sudo netcalc arp 2001:db8::2 -c 3
  netcalc arp --cache 192.168.1.1 -o json
  netcalc arp --cache
  sudo netcalc arp --scan 198.51.100.0/24 --timeout 200ms
  sudo netcalc arp --netns lab1 203.0.113.2`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Targets = args
			switch {
			case opts.Scan == "" && len(args) == 0 && !opts.Cache:
				return BadInputf("arp: give a TARGET address, --scan PREFIX, or --cache to list the neighbour table")
			case opts.Scan != "" && len(args) > 0:
				return BadInputf("arp: --scan takes no TARGET arguments (got %q)", args[0])
			case opts.Count < 1:
				return BadInputf("arp: -c/--count: %d is not a count, want 1 or more", opts.Count)
			case opts.Retries < 0:
				return BadInputf("arp: -r/--retries: %d is negative", opts.Retries)
			case opts.Timeout <= 0:
				return BadInputf("arp: --timeout: %v is not a positive duration", opts.Timeout)
			case opts.Rate <= 0:
				return BadInputf("arp: --rate: %v is not a positive rate", opts.Rate)
			case opts.Scan != "" && opts.Cache:
				return BadInputf("arp: --scan sends probes; read the cache with --cache TARGET instead")
			}
			if opts.Cache && len(args) == 0 { // the neighbour table, as netcalc neigh lists it (-i: one interface)
				return withHost("arp", opts.Netns, func(h *link.Host) error {
					return neighList(cmd, env, h, "arp --cache", &neighOptions{Interface: opts.Interface})
				})
			}
			return arpRun(cmd.Context(), env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Interface, "interface", "i", "", "send on this `IFACE` (default: the one the route uses)")
	f.IntVarP(&opts.Count, "count", "c", 1, "number `N` of probes to send to each target")
	opts.Timeout = time.Second
	f.Var(&durationValue{&opts.Timeout}, "timeout", "`DURATION` each request waits for a reply (e.g. 500ms; a bare number is seconds)")
	f.Lookup("timeout").DefValue = "1s"
	deprecatedShorthand(env, f, "t", "timeout")
	f.IntVarP(&opts.Retries, "retries", "r", 2, "`N` requests resent when one times out, per probe")
	f.StringVar(&opts.Source, "src", "", "sender `ADDR` of the requests (default: the route's preferred source)")
	aliasFlag(env, f, "source", "src")
	f.BoolVar(&opts.Cache, "cache", false, "answer from the kernel's neighbour table only; needs no privilege")
	f.StringVar(&opts.Scan, "scan", "", "probe every host of this on-link IPv4 `PREFIX` and list those that answer")
	f.Float64Var(&opts.Rate, "rate", 1000, "with --scan, the most requests per second, `N`")
	addNetnsFlag(cmd, &opts.Netns)
	return cmd
}

// deprecatedShorthand keeps -short working as a hidden, deprecated spelling
// of --long (netcalc's one grammar gives -t to resolve's --type): using it
// writes one warning to env's standard error. The hidden flag's long name
// is the letter itself, so it shows nowhere in --help.
func deprecatedShorthand(env *Env, fs *pflag.FlagSet, short, long string) {
	f := fs.Lookup(long)
	if f == nil {
		panic("deprecatedShorthand: no flag --" + long)
	}
	fs.AddFlag(&pflag.Flag{
		Name:      short,
		Shorthand: short,
		Usage:     "deprecated shorthand of --" + long,
		Value:     &deprecatedValue{Value: f.Value, env: env, old: "-" + short, new: "--" + long},
		DefValue:  f.DefValue,
		Hidden:    true,
	})
}

// durationValue is a flag accepting Go durations ("250ms") or plain
// seconds ("0.5").
type durationValue struct{ p *time.Duration }

func (d *durationValue) String() string {
	if d.p == nil {
		return ""
	}
	return d.p.String()
}
func (d *durationValue) Type() string { return "duration" }
func (d *durationValue) Set(s string) error {
	bad := fmt.Errorf("%q is not a duration, want e.g. 500ms, 2s or 0.5", s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		// Beyond ±292 years (and NaN) the conversion would wrap around.
		if !(math.Abs(f) < math.MaxInt64/float64(time.Second)) {
			return bad
		}
		*d.p = time.Duration(f * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return bad
	}
	*d.p = v
	return nil
}

const permissionAdvice = "needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep $(which netcalc)`"

func arpRun(ctx context.Context, env *Env, opts *arpOptions) error {
	return withHost("arp", opts.Netns, func(h *link.Host) error {
		r := &link.Resolver{Host: h, Interface: opts.Interface, Timeout: opts.Timeout, Attempts: opts.Retries + 1, CacheOnly: opts.Cache}
		if opts.Source != "" {
			src, err := netip.ParseAddr(opts.Source)
			if err != nil {
				return BadInputf("arp: --src: %s is not an IP address", quoteToken(opts.Source))
			}
			r.Source = src
		}
		if opts.Scan != "" {
			return arpScan(ctx, env, r, opts)
		}
		for _, s := range opts.Targets {
			a, err := netcalc.ParseAddr(s)
			if err != nil {
				perr := linkParseErr("arp", err)
				env.Report(BadInput(perr))
				if env.JSON() {
					if err := WriteJSON(env.Out, link.ProbeReport{Target: s, RTTs: []int64{}, Error: perr.Error()}); err != nil {
						return err
					}
				}
				continue
			}
			if r, err = arpTarget(ctx, env, r, a, opts.Count); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return Failedf("arp: interrupted")
			}
		}
		return env.Finish()
	})
}

// arpTarget probes one target count times, printing as it goes, and
// records the exit status. It returns the resolver to use for the next
// target (a cache-only one after a permission error); only output errors
// are returned.
func arpTarget(ctx context.Context, env *Env, r *link.Resolver, target netip.Addr, count int) (*link.Resolver, error) {
	fellBack := false // this target's probes fell back to the cache: not cached is then bad usage
	p := r.Probe(ctx, target, link.ProbeOptions{Count: count,
		OnPermission: func(error) {
			env.Errorf("arp: %s; answering from the kernel's neighbour table", permissionAdvice)
			fellBack = true
		},
		Reply: func(i int, res link.Resolution, err error) {
			switch {
			case err == nil && !env.JSON():
				fmt.Fprintln(env.Out, arpLine(env, res))
			case errors.Is(err, link.ErrTimeout):
				if !env.JSON() && count > 1 {
					fmt.Fprintf(env.Out, "%s: no reply to probe %d\n", target, i+1)
				}
			case err != nil:
				env.Report(arpErr(err, fellBack))
			}
		}})
	if p.CacheOnly {
		cr := *r
		cr.CacheOnly = true
		r = &cr
	}
	v := p.Report(target)
	if v.Received == 0 && errors.Is(p.Err, link.ErrTimeout) {
		env.Report(linkErr(p.Err))
	}
	if env.JSON() {
		return r, WriteJSON(env.Out, v)
	}
	if v.Sent > 1 {
		fmt.Fprintf(env.Out, "--- %s: %d probes, %d replies, %d%% lost", target, v.Sent, v.Received, p.Loss())
		if lo, avg, hi, ok := p.RTTStats(); ok {
			fmt.Fprintf(env.Out, ", rtt min/avg/max %s/%s/%s", formatRTT(lo), formatRTT(avg), formatRTT(hi))
		}
		fmt.Fprintln(env.Out, " ---")
	}
	return r, nil
}

// arpErr maps a probe's error to its exit status: not cached after
// falling back to the cache for want of privilege is bad usage (2).
func arpErr(err error, fellBack bool) error {
	if fellBack && errors.Is(err, link.ErrNotCached) {
		return BadInput(err)
	}
	return linkErr(err)
}

// arpLine is the text answer for one reply.
func arpLine(env *Env, res link.Resolution) string {
	mac := env.Paint(Bold, res.MAC.String())
	props := res.MAC.Kind() + ", " + res.MAC.Admin() + "ly administered"
	how := "rtt " + formatRTT(res.RTT)
	if res.Cached {
		how = "cached, " + string(res.State)
	}
	switch {
	case res.Local:
		return fmt.Sprintf("%s is a local address of %s, is-at %s (%s)", res.Target, res.Interface, mac, props)
	case res.OnLink:
		return fmt.Sprintf("%s is-at %s on %s (%s; %s)", res.Target, mac, res.Interface, how, props)
	}
	return fmt.Sprintf("%s is not on-link; next hop %s on %s is-at %s (%s; %s)", res.Target, res.NextHop, res.Interface, mac, how, props)
}

func arpScan(ctx context.Context, env *Env, r *link.Resolver, opts *arpOptions) error {
	p, err := netip.ParsePrefix(opts.Scan)
	if err != nil {
		return BadInputf("arp: --scan: %q is not a prefix, want an IPv4 CIDR like 198.51.100.0/24", opts.Scan)
	}
	so := link.ScanOptions{Rate: opts.Rate}
	progress := env.StderrTTY && !env.JSON()
	if progress {
		last := -1
		so.Progress = func(done, total int) {
			const width = 30
			pct := 100 * done / max(total, 1)
			if pct == last {
				return // redraw only when the percentage moves
			}
			last = pct
			n := width * done / max(total, 1)
			fmt.Fprintf(env.Stderr, "\rscanning %s [%s%s] %3d%%", p, strings.Repeat("#", n), strings.Repeat(".", width-n), pct)
		}
	}
	start := time.Now()
	res, err := r.Scan(ctx, p, so)
	if progress {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
	if err != nil {
		if ctx.Err() != nil {
			return Failedf("arp: --scan interrupted")
		}
		if errors.Is(err, link.ErrPermission) {
			return BadInput(fmt.Errorf("%w; 'ip neigh' lists what the kernel already knows", err))
		}
		return linkErr(err)
	}
	if env.JSON() {
		for _, x := range res {
			if err := WriteJSON(env.Out, x.ScanReport()); err != nil {
				return err
			}
		}
	} else {
		t := env.NewTable()
		if env.StdoutTTY {
			t.Row("IP", "MAC", "RTT", "INTERFACE", "MAC KIND")
		}
		for _, x := range res {
			t.Row(x.Target.String(), x.MAC.String(), formatRTT(x.RTT), x.Interface, x.MAC.Kind()+", "+x.MAC.Admin())
		}
		if err := t.Flush(); err != nil {
			return err
		}
	}
	if env.StderrTTY {
		fmt.Fprintf(env.Stderr, "%s: %d hosts answered in %s\n", p.Masked(), len(res), time.Since(start).Round(time.Millisecond))
	}
	if len(res) == 0 {
		return Failedf("arp: --scan %s: no host answered", p.Masked())
	}
	return nil
}
