package cli

import (
	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

func init() { register(func(env *Env) *cobra.Command { return newListCmd(env) }) }

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

// dec holds the decimal text of 0-255: a literal of constants, which the
// linker lays out statically (no code runs for it at start-up).
var dec = [256]string{
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
	"16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
	"32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
	"48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
	"64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
	"80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
	"96", "97", "98", "99", "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "110", "111",
	"112", "113", "114", "115", "116", "117", "118", "119", "120", "121", "122", "123", "124", "125", "126", "127",
	"128", "129", "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "140", "141", "142", "143",
	"144", "145", "146", "147", "148", "149", "150", "151", "152", "153", "154", "155", "156", "157", "158", "159",
	"160", "161", "162", "163", "164", "165", "166", "167", "168", "169", "170", "171", "172", "173", "174", "175",
	"176", "177", "178", "179", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "190", "191",
	"192", "193", "194", "195", "196", "197", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207",
	"208", "209", "210", "211", "212", "213", "214", "215", "216", "217", "218", "219", "220", "221", "222", "223",
	"224", "225", "226", "227", "228", "229", "230", "231", "232", "233", "234", "235", "236", "237", "238", "239",
	"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255",
}
