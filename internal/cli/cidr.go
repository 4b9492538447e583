package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
)

type cidrOptions struct {
	Args    []string
	Files   []string // --file
	Explain bool
}

func newCidrCmd(env *Env) *cobra.Command {
	opts := &cidrOptions{}
	cmd := &cobra.Command{
		Annotations: map[string]string{outputAnnotation: "text,json,shell"},
		Use:         "cidr [ADDRESS[/LEN|/MASK] [MASK|LEN]]...",
		Short:       "Describe an address and its network: mask, range, hosts, class, binary view",
		Long: `Describe each address and the network it sits in: netmask, wildcard,
network, broadcast, first and last usable host, exact address and host counts,
legacy class, IANA classification (special-purpose registries, IPv6 address
space), PTR name and the binary view with the network|host split.

Inputs: 192.168.1.10/24, 192.168.1.10/255.255.255.0, "192.168.1.10 255.255.255.0"
or "192.168.1.10 24" (two arguments, or one line of standard input, as ipcalc
reads them), a Cisco wildcard mask (192.168.1.10 0.0.0.255), a bare address
(/32 or /128), and IPv6 in every text form (2001:db8::1/64, fe80::1%eth0/64,
::ffff:10.0.0.1/120). With no arguments, or "-", one input per line is read
from standard input.

Host rules: IPv4 /0-/30 have network and broadcast addresses and 2^h-2 hosts;
/31 is a point-to-point link with two hosts and no broadcast (RFC 3021); /32 is
one host. IPv6 has no broadcast; up to /126 the first address is the
Subnet-Router anycast address (RFC 4291 2.6.1), so 2^h-1 hosts; /127 has two
(RFC 6164); /128 one.

With -o shell, NAME=value lines for eval, one block per input separated by
a blank line: ipcalc-ng's names ADDRESS, NETMASK, PREFIX, BROADCAST, NETWORK,
MINADDR and MAXADDR (first and last usable host), ADDRSPACE, ADDRESSES (usable
hosts, as ipcalc-ng counts them), then VERSION, CIDR, WILDCARD, TOTAL_ADDRESSES,
GLOBALLY_REACHABLE, DECIDED_BY_REGISTRY, DECIDED_BY_PREFIX and PTR. Values are
shell-quoted; a name with no value is printed empty.

Classification, with the IANA registries of
` + netcalc.RegistryDate + `:
the output says which registry entry decided whether the address is globally
reachable (IPv6 outside 2000::/3 is not global unicast).`,
		Example: `  netcalc cidr 192.168.1.10/24
  netcalc cidr 192.168.1.10 24
  eval "$(netcalc cidr -o shell 10.0.0.1/30)"; echo "$NETWORK $BROADCAST"
  netcalc cidr 10.0.0.1 255.255.255.252 --explain
  netcalc cidr 2001:db8::1/64 -o json
  printf '10.0.0.0/8\n172.16.5.4/12\n' | netcalc cidr`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return cidrRun(env, opts)
		},
	}
	addFileFlag(cmd.Flags(), &opts.Files)
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "add a step-by-step explanation of the computation")
	return cmd
}

func cidrRun(env *Env, opts *cidrOptions) error {
	args := listArgs(opts.Args, opts.Files)
	line := func(in Input, dst []byte) ([]byte, error) {
		sp, err := netcalc.ParseSpec(in.Text)
		return cidrFormat(env, opts, in, sp, err, dst)
	}
	if len(args) == 0 || (len(args) == 1 && args[0] == "-") {
		if len(args) == 0 && env.StdinTTY {
			return BadInputf("no input: give an address such as 192.168.1.10/24, or pipe one per line; run 'netcalc cidr --help' for usage")
		}
		// No input at all prints nothing and succeeds: describing nothing is
		// a transformation of nothing (the empty-input rule of the README).
		_, err := env.EachLineParallel(env.Stdin, "stdin", cidrSep(env), line)
		if err != nil {
			return err
		}
		return env.Finish()
	}
	var buf []byte
	wrote := false
	for i := 0; i < len(args); i++ {
		if name, ok := strings.CutPrefix(args[i], "@"); ok || args[i] == "-" {
			if !ok {
				name = "-"
			}
			r, source, err := env.openList(name)
			if err != nil {
				env.Report(err)
				continue
			}
			if wrote {
				io.WriteString(env.Out, cidrSep(env))
			}
			n, err := env.EachLineParallel(r, source, cidrSep(env), line)
			r.Close()
			if err != nil {
				env.Report(err)
			}
			wrote = wrote || n > 0
			continue
		}
		sp, text, n, err := netcalc.ParseSpecArgs(args[i:])
		in := Input{Text: text}
		i += n - 1
		out, err := cidrFormat(env, opts, in, sp, err, buf[:0])
		if len(out) > 0 {
			if wrote {
				io.WriteString(env.Out, cidrSep(env))
			}
			env.Out.Write(out)
			wrote = true
		}
		buf = out
		env.Report(err)
	}
	return env.Finish()
}

// cidrSep separates two outputs: a blank line in text and shell output,
// nothing in JSON Lines.
func cidrSep(env *Env) string {
	if env.JSON() {
		return ""
	}
	return "\n"
}

// cidrFormat appends the output for one input to dst. A parse error comes
// back as a bad-input error to report; in JSON mode the input's
// {"input": ..., "line": N, "error": ...} line is appended to dst as well
// ("line" only for a line of a list, not for an argument).
func cidrFormat(env *Env, opts *cidrOptions, in Input, sp netcalc.Spec, perr error, dst []byte) ([]byte, error) {
	if perr != nil {
		return env.appendBadLine(dst, in, perr)
	}
	info := netcalc.DescribeSpec(sp)
	if env.JSON() {
		dst = append(dst, `{"input":`...)
		dst = netcalc.AppendJSONString(dst, in.Text)
		dst = append(dst, ',')
		dst = info.AppendJSON(dst)
		return append(dst, "}\n"...), nil
	}
	if env.Shell() {
		return info.AppendShell(dst), nil
	}
	var sb strings.Builder
	writeCidrText(env, &sb, info, opts.Explain)
	return append(dst, sb.String()...), nil
}

func writeCidrText(env *Env, w io.Writer, in netcalc.Info, explain bool) {
	v4 := in.Address.Is4()
	maxBits := in.Address.BitLen()
	h := maxBits - in.Bits
	p := env.Paint
	none := p(Dim, "none")

	rows := [][]string{{"Address:", p(Bold, in.Address.String())}}
	if in.Mask == netcalc.MaskWildcard {
		rows = append(rows, []string{"Mask given:", netcalc.MaskString(in.Wildcard) + " is a Cisco wildcard (inverse) mask, read as /" + strconv.Itoa(in.Bits)})
	}
	rows = append(rows,
		[]string{"Netmask:", netcalc.MaskString(in.Netmask) + " = /" + strconv.Itoa(in.Bits)},
		[]string{"Wildcard:", netcalc.MaskString(in.Wildcard)},
		[]string{"Network:", p(Cyan, in.Network.String())},
	)
	switch {
	case in.Broadcast.IsValid():
		rows = append(rows, []string{"Broadcast:", in.Broadcast.String()})
	case v4:
		rows = append(rows, []string{"Broadcast:", none + " (" + shortRule(in) + ")"})
	default:
		rows = append(rows, []string{"Broadcast:", none + " (IPv6 has no broadcast)"})
	}
	rows = append(rows,
		[]string{"First host:", in.FirstHost.String()},
		[]string{"Last host:", in.LastHost.String()},
		[]string{"Addresses:", in.Addresses.String() + " (2^" + strconv.Itoa(h) + ")"},
		[]string{"Usable hosts:", p(Green, in.UsableHosts.String()) + " (" + shortRule(in) + ")"},
	)
	if v4 {
		rows = append(rows, []string{"Class:", in.Class + " (legacy classful, informational only)"})
	} else {
		rows = append(rows, []string{"Exploded:", in.Exploded})
	}
	rows = append(rows,
		[]string{"Type:", describeRegistry(in.Registry, in.AddressSpace, in.GloballyReachable)},
		[]string{"Decided by:", describeDecision(in.DecidedBy)})
	if in.Embedded != nil {
		rows = append(rows, []string{"Embedded IPv4:", in.Embedded.Address.String() + " (" + in.Embedded.Kind + "): " + describeRegistry(in.Embedded.Registry, netcalc.Entry{}, in.Embedded.GloballyReachable)})
	}
	rows = append(rows, []string{"PTR:", in.PTR})
	writeKeyRows(w, rows)

	// Binary view: the AND that gives the network.
	addr := in.Address.WithZone("")
	fmt.Fprintf(w, "Binary (network bits | host bits):\n")
	brow := [][]string{
		{"  address", paintBits(env, netcalc.Binary(addr, in.Bits)), addr.String()},
		{"  netmask", paintBits(env, netcalc.Binary(in.Netmask, in.Bits)), "/" + strconv.Itoa(in.Bits)},
		{"  AND", paintBits(env, netcalc.Binary(in.Network.Addr(), in.Bits)), in.Network.Addr().String() + " = network"},
	}
	writeKeyRows(w, brow)
	if addr != in.Network.Addr() || in.Bits < maxBits {
		fmt.Fprintf(w, "So: %s is address #%s of the block %s, which runs from %s to %s.\n",
			in.Address, in.HostIndex(), in.Network, in.First, in.Last)
	}
	if explain {
		writeCidrExplain(env, w, in)
	}
}

// paintBits colours the network and host parts of a Binary rendering.
func paintBits(env *Env, s string) string {
	net, host, ok := strings.Cut(s, " | ")
	if !ok {
		return s
	}
	return env.Paint(Cyan, net) + " | " + env.Paint(Yellow, host)
}

func shortRule(in netcalc.Info) string {
	h := in.Address.BitLen() - in.Bits
	switch {
	case in.Address.Is4() && h == 1:
		return "point-to-point link, RFC 3021"
	case h == 1:
		return "point-to-point link, RFC 6164"
	case h == 0:
		return "single address"
	case in.Address.Is4():
		return "2^" + strconv.Itoa(h) + " - 2: network and broadcast are not hosts"
	default:
		return "2^" + strconv.Itoa(h) + " - 1: the Subnet-Router anycast address is not a host, RFC 4291 2.6.1"
	}
}

// describeRegistry names the special-purpose entries containing an
// address, most specific first, then its IPv6 Address Space row (space,
// zero for IPv4) unless an entry has the same prefix, and its reachability.
func describeRegistry(es []netcalc.Entry, space netcalc.Entry, global bool) string {
	reach := "globally reachable"
	if !global {
		reach = "not globally reachable"
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name+" ("+e.Prefix.String()+", "+e.RFC+")")
	}
	if space.Prefix.IsValid() && (len(es) == 0 || es[len(es)-1].Prefix != space.Prefix) {
		names = append(names, space.Name+" ("+space.Prefix.String()+", "+space.RFC+")")
	}
	if len(names) == 0 {
		return "global unicast, " + reach
	}
	return strings.Join(names, " inside ") + "; " + reach
}

// describeDecision says which registry row decided reachability, and how.
func describeDecision(d netcalc.Decision) string {
	s := netcalc.RegistryTitle(d.Registry)
	if d.Entry.Prefix.IsValid() {
		s += ", " + d.Entry.Prefix.String() + " (" + d.Entry.Name + ")"
	}
	return s + ": " + d.Rule
}

func writeCidrExplain(env *Env, w io.Writer, in netcalc.Info) {
	v4 := in.Address.Is4()
	maxBits := in.Address.BitLen()
	h := maxBits - in.Bits
	var b strings.Builder
	b.WriteString("\nHow this was computed:\n")
	step := 0
	say := func(format string, args ...any) {
		step++
		fmt.Fprintf(&b, "  %d. ", step)
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	if in.Mask == netcalc.MaskWildcard {
		say("%s is a Cisco wildcard mask: its bits set to 1 mark the host part, so it is the inverse of netmask %s (/%d).",
			netcalc.MaskString(in.Wildcard), netcalc.MaskString(in.Netmask), in.Bits)
	}
	switch in.Bits {
	case 0:
		say("/0 means no bit is the network part: all %d bits are the host part, so the block is the whole address space.", maxBits)
	case maxBits:
		say("/%d means all %d bits are the network part; no bit is left for hosts.", in.Bits, maxBits)
	case 1:
		say("/1 means the first bit of the %d is the network part; the other %d bits are the host part.", maxBits, h)
	default:
		say("/%d means the first %d bits of the %d are the network part; the other %s the host part.",
			in.Bits, in.Bits, maxBits, plural(h, "bit is", "bits are"))
	}
	say("The netmask has a 1 for every network bit: %s. The wildcard is its inverse: %s.", netcalc.MaskString(in.Netmask), netcalc.MaskString(in.Wildcard))
	if h == 0 {
		say("Address AND netmask keeps every bit, as there is no host bit to clear: %s AND %s = %s, the network address.",
			in.Address.WithZone(""), netcalc.MaskString(in.Netmask), in.Network.Addr())
	} else {
		say("Address AND netmask keeps the network bits and clears the host %s: %s AND %s = %s, the network address.",
			pluralWord(h, "bit", "bits"), in.Address.WithZone(""), netcalc.MaskString(in.Netmask), in.Network.Addr())
	}
	switch h {
	case 0:
		say("With no host bits, the block is the single address %s: 2^0 = 1 address.", in.First)
	case 1:
		say("Setting the one host bit to 1 gives the last address of the block: %s.", in.Last)
		say("1 host bit gives 2^1 = 2 addresses, %s to %s.", in.First, in.Last)
	case 2:
		say("Setting both host bits to 1 gives the last address of the block: %s.", in.Last)
		say("2 host bits give 2^2 = %s addresses, %s to %s.", in.Addresses, in.First, in.Last)
	default:
		say("Setting all %d host bits to 1 gives the last address of the block: %s.", h, in.Last)
		say("%d host bits give 2^%d = %s addresses, %s to %s.", h, h, in.Addresses, in.First, in.Last)
	}
	switch {
	case v4 && h >= 2:
		say("In IPv4 the first address names the network and the last (%s) is the broadcast; neither is given to a host, so 2^%d - 2 = %s usable hosts, %s to %s.",
			in.Last, h, in.UsableHosts, in.FirstHost, in.LastHost)
	case v4 && h == 1:
		say("A /31 has only two addresses. RFC 3021 lets point-to-point links use both: there is no broadcast on a link with exactly two ends, so both %s and %s are hosts.",
			in.First, in.Last)
	case v4:
		say("A /32 is a single address, a host route: no network or broadcast address to set aside.")
	case h >= 2:
		say("IPv6 has no broadcast (multicast does that job). The first address (%s) is the Subnet-Router anycast address (RFC 4291 2.6.1), so it is left out: 2^%d - 1 = %s usable hosts, %s to %s.",
			in.First, h, in.UsableHosts, in.FirstHost, in.LastHost)
	case h == 1:
		say("A /127 is a point-to-point link (RFC 6164): both addresses are used by the two routers.")
	default:
		say("A /128 is a single address.")
	}
	if in.Address.WithZone("") != in.Network.Addr() {
		say("%s is not the start of the block: it is one host inside %s. Writing it as %s/%d describes an interface, not a different network.",
			in.Address, in.Network, in.Address, in.Bits)
	}
	say("Globally reachable or not is decided by the %s.", describeDecision(in.DecidedBy))
	io.WriteString(w, b.String())
}

// pluralWord returns one when n is 1, else many.
func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// plural returns "N one" or "N many".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// writeKeyRows writes rows with the first column padded to a common width
// and the rest separated by two spaces: Aligned's output for rows whose
// later columns line up by construction, without a tabwriter per item
// (text output of a million inputs stays fast).
func writeKeyRows(w io.Writer, rows [][]string) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r[0])
		for i := 1; i < len(r); i++ {
			pad := 2
			if i == 1 {
				pad += width - len(r[0])
			}
			b.WriteString(strings.Repeat(" ", pad))
			b.WriteString(r[i])
		}
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}
