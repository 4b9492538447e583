package cli

import (
	"errors"
	"fmt"

	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/netcalc/link/lab"
	"github.com/netcalc/netcalc/netcalc/topo"
)

// newTopoLabCmds returns the subcommands that build a topology for real:
// up, down, exec, status and emit.
func newTopoLabCmds(env *Env) []*cobra.Command {
	return []*cobra.Command{newTopoUpCmd(env), newTopoDownCmd(env), newTopoExecCmd(env), newTopoStatusCmd(env), newTopoEmitCmd(env)}
}

const namePrefixHelp = "name the namespaces `PREFIX`-NODE (default: the file's name:)"

// labError maps a lab error to an exit status: refusals and missing
// capabilities are exit 2, anything the kernel refused exit 1.
func labError(err error) error {
	msg := err.Error()
	if errors.Is(err, lab.ErrRefused) || errors.Is(err, lab.ErrBadPrefix) || errors.Is(err, lab.ErrPermission) || errors.Is(err, lab.ErrUnsupported) {
		return BadInput(errors.New(msg))
	}
	return Failed(errors.New(msg))
}

// loadLab reads the topology file and returns it with the prefix of its
// lab: --name-prefix (flag) or the file's name:, refused when it cannot
// name namespaces.
func loadLab(env *Env, file, flag string) (*topo.Topology, string, error) {
	t, err := loadTopology(env, file)
	if err != nil {
		return nil, "", err
	}
	p := lab.Prefix(t, flag)
	if err := checkPrefix(p, flag != ""); err != nil {
		return nil, "", err
	}
	return t, p, nil
}

// checkPrefix refuses a prefix that cannot name namespaces, naming where it
// came from: --name-prefix or the file's name:.
func checkPrefix(p string, fromFlag bool) error {
	if lab.CheckPrefix(p) == nil {
		return nil
	}
	if fromFlag {
		return BadInputf("--name-prefix %s: %s", quoteToken(p), lab.PrefixRule)
	}
	if p == "" {
		return BadInputf("the file has no name: to prefix its namespaces with: set name: or --name-prefix")
	}
	return BadInputf("the file's name: %s cannot prefix namespace names (%s): set --name-prefix", quoteToken(p), lab.PrefixRule)
}

func newTopoUpCmd(env *Env) *cobra.Command {
	var prefix string
	var failAt int
	cmd := &cobra.Command{
		Use:   "up FILE",
		Short: "Build a topology for real: namespaces, veth pairs, bridges, addresses, routes",
		Long: `Build FILE in network namespaces, one per node, named PREFIX-NODE (PREFIX is
--name-prefix or the file's name:), as "ip netns add" names them: veth
pairs, bridges (forward_delay 0) with their ports and hairpin mode, MACs,
MTUs, addresses (IPv6 without duplicate address detection, so they work at
once), routes, sysctls (kind: router turns forwarding on) and the iptables
rules (loaded with iptables-restore inside the namespace). Everything but
the iptables rules goes through netlink in this one process.

up never touches the host's own namespace: it refuses (exit 2) a
namespace name that exists already. It writes /run/netcalc/PREFIX.json,
the list of namespaces it creates, before creating any, so "netcalc topo
down" removes exactly those, even after an interrupted up. A failure part
way removes everything it created and names the object that failed and the
kernel's reason (exit 1). Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).`,
		Example: `  netcalc topo up examples/topo/gateway.yaml
  netcalc topo exec a -- ping -c1 203.0.113.20
  netcalc topo down examples/topo/gateway.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, p, err := loadLab(env, args[0], prefix)
			if err != nil {
				return err
			}
			res, err := lab.Up(t, lab.Options{Prefix: p, FailAt: failAt})
			if err != nil {
				return labError(err)
			}
			if env.JSON() {
				return WriteJSON(env.Out, struct {
					Type string `json:"type"`
					*lab.Result
				}{"up", res})
			}
			_, err = fmt.Fprintf(env.Out, "%s: built: %s, %s (namespaces %s-*)\n", p, countNoun(res.Namespaces, "namespace"), countNoun(res.Links, "veth pair"), p)
			return err
		},
	}
	cmd.Flags().StringVar(&prefix, "name-prefix", "", namePrefixHelp)
	cmd.Flags().IntVar(&failAt, "fail-at", 0, "fail at this step as if the kernel refused it (tests the rollback)")
	_ = cmd.Flags().MarkHidden("fail-at")
	return cmd
}

// fileOrPrefix returns the topology and prefix of down/status: FILE's
// (loadLab), or --name-prefix alone.
func fileOrPrefix(env *Env, args []string, prefix string) (*topo.Topology, string, error) {
	if len(args) == 1 {
		return loadLab(env, args[0], prefix)
	}
	if prefix == "" {
		return nil, "", Usagef("want FILE or --name-prefix PREFIX")
	}
	if err := checkPrefix(prefix, true); err != nil {
		return nil, "", err
	}
	return nil, prefix, nil
}

func newTopoDownCmd(env *Env) *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:   "down FILE | --name-prefix PREFIX",
		Short: "Remove a lab that topo up built",
		Long: `Remove the namespaces "netcalc topo up" (or the script of "netcalc topo
emit") created for FILE or PREFIX: those listed in /run/netcalc/PREFIX.json,
then that file. Deleting a namespace deletes its devices and the peers of
its veth pairs. down is idempotent (a lab that is gone is not an error) and
removes what an interrupted up left. A namespace with the prefix that no
marker lists was not created by netcalc: it is left alone, with a warning.`,
		Example: `  netcalc topo down examples/topo/gateway.yaml
  netcalc topo down --name-prefix lab1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := fileOrPrefix(env, args, prefix)
			if err != nil {
				return err
			}
			res, err := lab.Down(p)
			if err != nil {
				return labError(err)
			}
			for _, n := range res.LeftAlone {
				env.Warnf("down: namespace %s has the prefix but netcalc did not create it: left alone", n)
			}
			if env.JSON() {
				return WriteJSON(env.Out, struct {
					Type string `json:"type"`
					*lab.DownResult
				}{"down", res})
			}
			if !res.Marker && len(res.Removed) == 0 {
				_, err = fmt.Fprintf(env.Out, "%s: nothing to remove\n", p)
				return err
			}
			_, err = fmt.Fprintf(env.Out, "%s: removed %s\n", p, countNoun(len(res.Removed), "namespace"))
			return err
		},
	}
	cmd.Flags().StringVar(&prefix, "name-prefix", "", "the lab's `PREFIX` (default: FILE's name:)")
	return cmd
}

// markers returns the prefixes of the labs recorded in lab.MarkerDir.
func markers() []string {
	m, _ := filepath.Glob(filepath.Join(lab.MarkerDir, "*.json"))
	var out []string
	for _, f := range m {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	sort.Strings(out)
	return out
}

func newTopoExecCmd(env *Env) *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:   "exec NODE -- CMD [ARG...]",
		Short: "Run a command inside a node of a built lab (like ip netns exec)",
		Long: `Run CMD inside the network namespace of NODE, as "ip netns exec" does, with
this process's standard input, output and error; the exit status is CMD's.
NODE is a node of the lab named by --name-prefix; without it, the only lab
that is built (or NODE may be the namespace's full name, PREFIX-NODE).
Unlike ip netns exec, it does not remount /sys or bind /etc/netns files.`,
		Example: `  netcalc topo exec a -- ip route
  netcalc topo exec --name-prefix lab1 r -- iptables-save`,
		Annotations: map[string]string{outputAnnotation: "text"},
		Args: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash != 1 || len(args) < 2 {
				return Usagef("want NODE -- CMD [ARG...]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			node, argv := args[0], args[1:]
			p := prefix
			if p == "" {
				labs := markers()
				for _, l := range labs {
					if strings.HasPrefix(node, l+"-") {
						if m, err := lab.ReadMarker(l); err == nil {
							for _, ns := range m.Namespaces {
								if ns == node {
									p, node = l, strings.TrimPrefix(node, l+"-")
								}
							}
						}
					}
				}
				if p == "" {
					switch len(labs) {
					case 0:
						return BadInputf("exec: no lab is built (%s is empty): run 'netcalc topo up FILE' first", lab.MarkerDir)
					case 1:
						p = labs[0]
					default:
						return BadInputf("exec: %d labs are built (%s): name one with --name-prefix", len(labs), strings.Join(labs, ", "))
					}
				}
			}
			if err := checkPrefix(p, true); err != nil {
				return err
			}
			if err := env.Out.Flush(); err != nil {
				return err
			}
			code, err := lab.Exec(p, node, argv, env.Stdin, env.Out, env.Stderr)
			if errors.Is(err, lab.ErrNoCommand) {
				env.Errorf("%s", err)
				return silentExit{127} // as a shell says it
			}
			if err != nil {
				if errors.Is(err, lab.ErrNotBuilt) {
					return BadInput(err)
				}
				return labError(err)
			}
			if code != 0 {
				return silentExit{code}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&prefix, "name-prefix", "", "the lab's `PREFIX`")
	return cmd
}

type topoDiffJSON struct {
	Type string `json:"type"`
	lab.Diff
}

func newTopoStatusCmd(env *Env) *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:   "status FILE",
		Short: "Compare a built lab with its file: missing, extra, different",
		Long: `Compare what exists in the namespaces PREFIX-NODE with what FILE says: the
namespaces, their interfaces (kind, MAC, MTU, bridge, hairpin, up),
addresses (the kernel's own IPv6 link-local addresses aside), the main
routing table (the file's routes and the connected routes its addresses
imply, as "netcalc topo show" lists them), the sysctls the file sets and
the number of iptables rules per table and chain. Each difference is
missing (in the file, not in the kernel), extra (in the kernel only) or
different. Exit 0 when there is none, exit 1 when there is one.`,
		Example: `  netcalc topo status examples/topo/gateway.yaml
  netcalc topo status lab.yaml --name-prefix lab1 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, p, err := fileOrPrefix(env, args, prefix)
			if err != nil {
				return err
			}
			diffs, err := lab.Status(t, p)
			if err != nil {
				return labError(err)
			}
			if env.JSON() {
				for _, d := range diffs {
					if err := WriteJSON(env.Out, topoDiffJSON{"diff", d}); err != nil {
						return err
					}
				}
				if err := WriteJSON(env.Out, struct {
					Type        string `json:"type"`
					Prefix      string `json:"prefix"`
					Differences int    `json:"differences"`
				}{"status", p, len(diffs)}); err != nil {
					return err
				}
			} else {
				tab := env.NewTable()
				if len(diffs) > 0 {
					tab.Row("NODE", "STATUS", "OBJECT", "WANT", "HAVE")
				}
				for _, d := range diffs {
					tab.Row(d.Node, d.Kind, d.Object, dash(d.Want), dash(d.Have))
				}
				if err := tab.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(env.Out, "%s: %s, %s\n", p, countNoun(len(t.Nodes), "node"), countNoun(len(diffs), "difference"))
			}
			if len(diffs) > 0 {
				return silentExit{ExitFail}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&prefix, "name-prefix", "", namePrefixHelp)
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newTopoEmitCmd(env *Env) *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:   "emit FILE",
		Short: "Print the shell script that builds FILE with ip, sysctl and iptables-restore",
		Long: `Print the POSIX shell script equivalent to "netcalc topo up FILE": ip netns
add, ip link add ... type veth peer ..., bridges with forward_delay 0, ip
addr add (IPv6 with nodad), ip route add, sysctl -w and iptables-restore,
in the order up works. The script also writes the marker
/run/netcalc/PREFIX.json, so "netcalc topo down" removes what it built.`,
		Example: `  netcalc topo emit examples/topo/gateway.yaml > gateway.sh
  netcalc topo emit examples/topo/k8s.yaml --name-prefix k1 | sudo sh`,
		Args:        cobra.ExactArgs(1),
		Annotations: map[string]string{outputAnnotation: "text"},
		RunE: func(cmd *cobra.Command, args []string) error {
			t, p, err := loadLab(env, args[0], prefix)
			if err != nil {
				return err
			}
			return lab.Emit(env.Out, t, p)
		},
	}
	cmd.Flags().StringVar(&prefix, "name-prefix", "", namePrefixHelp)
	return cmd
}
