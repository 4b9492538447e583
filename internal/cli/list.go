package cli

import (
	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type listOptions struct {
	Args   []string
	Files  []string // --file
	Usable bool
}

func newListCmd(env *Env) *cobra.Command {
	opts := &listOptions{}
	cmd := &cobra.Command{
		Use:   "list [PREFIX|RANGE|@FILE|-]...",
		Short: "Print every address of prefixes or ranges, streaming",
		Long: `Print every address of each prefix or range, one per line, in order. Output
streams: "netcalc list 2001:db8::/64 | head" is fine.

--usable prints only usable host addresses, by the rules of "netcalc cidr":
an IPv4 /0-/30 loses its network and broadcast addresses, an IPv6 /0-/126
its Subnet-Router anycast address (the first); /31, /32, /127 and /128 keep
all. A range (FIRST-LAST) has no network or broadcast address, so --usable
lists all of it. A prefix with host bits set (10.0.0.1/30) lists its
network, with a warning.

Inputs are arguments; with none, or "-", one per line is read from standard
input; @FILE or --file FILE reads a list file ("#" comments and blank lines
skipped). No input prints nothing (exit 0). A bad input is reported on
standard error (and as {"input","line","error"} with -o json), the others
are still listed, and the exit status is 2.`,
		Example: `  netcalc list 10.0.0.0/30
  netcalc list --usable 192.168.1.0/29
  netcalc list 10.0.0.250-10.0.1.5
  netcalc list -o json 2001:db8::/126`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = listArgs(args, opts.Files)
			return listRun(env, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.Usable, "usable", false, "only usable host addresses: skip network and broadcast (IPv4) or Subnet-Router anycast (IPv6)")
	aliasFlag(env, f, "hosts", "usable")
	addFileFlag(f, &opts.Files)
	return cmd
}

func listRun(env *Env, opts *listOptions) error {
	w := &listWriter{env: env, buf: make([]byte, 0, 64<<10)}
	_, err := env.eachEntry("list", opts.Args, "prefixes or ranges", func(_ string, e netcalc.ListEntry) error {
		first, last := e.Range.From(), e.Range.To()
		if opts.Usable && e.Prefix.IsValid() {
			first, last = netcalc.HostRange(e.Prefix)
		}
		pre, suf := "", "\n"
		if env.JSON() {
			pre, suf = `{"address":"`, "\"}\n"
		}
		// Each input's addresses are flushed to env.Out before the next
		// input is read, so that a bad line's report keeps its place.
		for a := first; a.IsValid(); {
			w.buf, a = netcalc.AppendAddrLines(w.buf, a, last, pre, suf, cap(w.buf)-256*32)
			if err := w.flush(); err != nil {
				return err
			}
		}
		return nil
	})
	if ferr := w.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	return env.Finish()
}

// listWriter batches lines into 64 KiB writes.
type listWriter struct {
	env *Env
	buf []byte
}

// line ends the line appended to buf, and writes buf out once it holds
// 63 KiB.
func (w *listWriter) line() error {
	w.buf = append(w.buf, '\n')
	if len(w.buf) < 63<<10 {
		return nil
	}
	return w.flush()
}

func (w *listWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.env.Out.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}
