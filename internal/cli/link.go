package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc"
	"github.com/netcalc/netcalc/netcalc/link"
)

type linkOptions struct {
	Netns string
	Names []string
}

func newLinkCmd(env *Env) *cobra.Command {
	opts := &linkOptions{}
	cmd := &cobra.Command{
		Use:   "link [NAME]...",
		Short: "List network interfaces: the data-link view (like ip -br link)",
		Long: `List the network interfaces the kernel knows, as layer 2 sees them: index,
name, kind (device, veth, bridge, ...), state, MAC address, MTU, flags, the
bridge a port belongs to and a veth's peer. With names, list only those.

--netns NAME shows the view from inside a network namespace created with
'ip netns add NAME': its own interfaces, separate from the host's.`,
		Example: `  netcalc link
  netcalc link eth0 -o json
  sudo netcalc link --netns lab1`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			return linkRun(cmd, env, opts)
		},
	}
	addNetnsFlag(cmd, &opts.Netns)
	return cmd
}

// addNetnsFlag adds --netns to a link-layer command.
func addNetnsFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "netns", "", "run inside the network namespace `NAME` (see 'ip netns list'; needs root)")
}

// withHost calls fn with the link-layer view of the namespace netns and
// closes it after. It maps a failure to open it to an exit code, and a
// namespace problem to one sentence that names the --netns value, for
// command cmd.
func withHost(cmd, netns string, fn func(h *link.Host) error) error {
	h, err := link.Open(netns)
	switch {
	case err == nil:
		defer h.Close()
		return fn(h)
	case errors.Is(err, link.ErrNoNamespace) && strings.ContainsAny(netns, "/\x00"):
		return BadInputf("%s: --netns %s: not a namespace name, expected a name that 'ip netns list' shows", cmd, quoteToken(netns))
	case errors.Is(err, link.ErrNoNamespace):
		return BadInputf("%s: --netns %s: no such network namespace; 'ip netns list' lists them", cmd, quoteToken(netns))
	case errors.Is(err, link.ErrNetnsPermission):
		return BadInputf("%s: --netns %s: entering another network namespace needs root (CAP_SYS_ADMIN)", cmd, quoteToken(netns))
	}
	return linkErr(err)
}

// linkErr maps a netcalc/link error to its exit status: no reply, no route
// and no cache entry are failed operations (1); everything the user can fix
// by asking differently, and missing privilege, is bad usage (2).
func linkErr(err error) error {
	var marked *exitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &marked):
		return err
	case errors.Is(err, link.ErrTimeout), errors.Is(err, link.ErrNoRoute), errors.Is(err, link.ErrNotCached):
		return Failed(err)
	case errors.Is(err, link.ErrInvalidTarget), errors.Is(err, link.ErrNotARPable), errors.Is(err, link.ErrNoInterface),
		errors.Is(err, link.ErrNoNamespace), errors.Is(err, link.ErrNetnsPermission), errors.Is(err, link.ErrNoSource), errors.Is(err, link.ErrPermission),
		errors.Is(err, link.ErrUnsupported):
		return BadInput(err)
	}
	return Failed(err)
}

func linkRun(cmd *cobra.Command, env *Env, opts *linkOptions) error {
	return withHost("link", opts.Netns, func(h *link.Host) error {
		ls, err := h.Links(cmd.Context())
		if err != nil {
			return linkErr(err)
		}
		if len(opts.Names) > 0 {
			var missing []string
			ls, missing = link.SelectInterfaces(ls, opts.Names)
			for _, n := range missing {
				env.Report(BadInputf("link: %q: no such interface (see 'netcalc link')", n))
			}
		}
		if env.JSON() {
			for _, l := range ls {
				if err := WriteJSON(env.Out, l); err != nil {
					return err
				}
			}
			return env.Finish()
		}
		t := env.NewTable()
		if env.StdoutTTY {
			t.Row("INDEX", "NAME", "KIND", "STATE", "MAC", "MTU", "FLAGS", "MASTER", "PEER")
		}
		for _, l := range ls {
			mac := l.MAC.String()
			if !l.HasMAC && !l.IsLoopback() {
				mac = "-"
			}
			t.Row(strconv.Itoa(l.Index), l.Name, l.Kind, l.State, mac, strconv.Itoa(l.MTU),
				"<"+strings.Join(l.Flags, ",")+">", linkDash(l.Master), linkDash(l.Peer))
		}
		if err := t.Flush(); err != nil {
			return err
		}
		return env.Finish()
	})
}

func linkDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// linkParseErr prefixes the parse error of a target (from
// netcalc.ParseAddr, which names the token and what was wrong) with the
// command.
func linkParseErr(cmd string, err error) error {
	return fmt.Errorf("%s: %s", cmd, netcalc.Message(err))
}
