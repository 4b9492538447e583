package cli

import (
	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

func init() { register(func(env *Env) *cobra.Command { return newListCmd(env, nil) }) }

type listOptions struct {
	Args   []string
	Files  []string // --file
	Usable bool
}

func newListCmd(env *Env, runF func(*listOptions) error) *cobra.Command {
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
			if runF != nil {
				return runF(opts)
			}
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
	if err := env.waitsOnTerminal("list", opts.Args, "prefixes or ranges"); err != nil {
		return err
	}
	w := &listWriter{env: env, buf: make([]byte, 0, 64<<10)}
	note := maskNote{env: env}
	_, err := env.EachInput(opts.Args, true, func(in Input) error {
		e, err := netcalc.ParseEntry(stripComment(in))
		if err != nil {
			env.BadLine(in, err)
			return nil
		}
		note.check(in, e)
		first, last := e.Range.From(), e.Range.To()
		if opts.Usable && e.Prefix.IsValid() {
			first, last = netcalc.HostRange(e.Prefix)
		}
		// Each input's addresses are flushed to env.Out before the next
		// input is read, so that a bad line's report keeps its place.
		if first.Is4() {
			if err := w.list4(first.As4(), last.As4()); err != nil {
				return err
			}
			return w.flush()
		}
		for a := first; ; a = a.Next() {
			if err := w.addr(a.AppendTo); err != nil {
				return err
			}
			if a == last {
				return w.flush()
			}
		}
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

func (w *listWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.env.Out.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

// addr appends one address line written by appendTo.
func (w *listWriter) addr(appendTo func([]byte) []byte) error {
	if w.env.JSON() {
		w.buf = append(w.buf, `{"address":"`...)
		w.buf = appendTo(w.buf)
		w.buf = append(w.buf, "\"}\n"...)
	} else {
		w.buf = append(appendTo(w.buf), '\n')
	}
	if len(w.buf) > cap(w.buf)-128 {
		return w.flush()
	}
	return nil
}

// list4 writes every IPv4 address from first to last with a formatter
// that avoids net/netip per address: the first three octets are formatted
// once per 256 addresses.
func (w *listWriter) list4(first, last [4]byte) error {
	lo := uint32(first[0])<<24 | uint32(first[1])<<16 | uint32(first[2])<<8 | uint32(first[3])
	hi := uint32(last[0])<<24 | uint32(last[1])<<16 | uint32(last[2])<<8 | uint32(last[3])
	pre, suf := "", "\n"
	if w.env.JSON() {
		pre, suf = `{"address":"`, "\"}\n"
	}
	var head []byte
	for x := uint64(lo); x <= uint64(hi); {
		v := uint32(x)
		head = append(head[:0], pre...)
		head = append(head, dec[v>>24]...)
		head = append(head, '.')
		head = append(head, dec[v>>16&0xff]...)
		head = append(head, '.')
		head = append(head, dec[v>>8&0xff]...)
		head = append(head, '.')
		end := uint64(v | 0xff)
		if end > uint64(hi) {
			end = uint64(hi)
		}
		for o := x & 0xff; x <= end; x, o = x+1, o+1 {
			w.buf = append(w.buf, head...)
			w.buf = append(w.buf, dec[o]...)
			w.buf = append(w.buf, suf...)
		}
		if len(w.buf) > cap(w.buf)-256*32 {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// dec holds the decimal text of 0-255.
var dec = func() (t [256]string) {
	for i := range t {
		t[i] = itoa(i)
	}
	return t
}()
