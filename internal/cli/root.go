// Package cli is netcalc's command-line interface: cobra commands that parse
// arguments, call the library, pick a printer and map errors to exit codes.
// It holds no networking logic of its own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netcalc/netcalc/netcalc"
)

// Version is set at build time with -ldflags "-X github.com/netcalc/netcalc/internal/cli.Version=v1.2.3";
// otherwise the module version from the build info is used.
var Version = ""

// registry lists the top-level commands other than version: the name each
// constructor gives its command, with its aliases after a space, and the
// constructor. It is a literal the compiler lays out in the binary, so
// start-up runs no code per command (it did when each command file added
// itself in an init function). onDemand finds the command being run here by
// name and builds it alone; newRootCmd builds them all, in this order (the
// order of the files' names). A new command goes here and in commandGroups:
// TestRegistryNames fails while a constructor is not reachable from here or
// names its command differently, TestEveryCommandHasAGroup while it is in
// no group.
var registry = [...]struct {
	names  string
	newCmd func(*Env) *cobra.Command
}{
	{"add", func(env *Env) *cobra.Command { return newAddCmd(env, "add") }},
	{"sub", func(env *Env) *cobra.Command { return newAddCmd(env, "sub") }},
	{"arp", newArpCmd},
	{"cidr", newCidrCmd},
	{"conntrack", newConntrackCmd},
	{"contains", newContainsCmd},
	{"overlaps", newOverlapsCmd},
	{"convert", newConvertCmd},
	{"distance", newDistanceCmd},
	{"eui64", newEUI64Cmd},
	{"intersect", newIntersectCmd},
	{"k8s", newK8sCmd},
	{"kube-proxy", newKubeProxyCmd},
	{"link", newLinkCmd},
	{"addr", newAddrCmd},
	{"neigh", newNeighCmd},
	{"route", newRouteCmd},
	{"rule", newRuleCmd},
	{"list", newListCmd},
	{"man", newManCmd},
	{"merge summarize aggregate", newMergeCmd},
	{"nat", newNatCmd},
	{"next", func(env *Env) *cobra.Command { return newNextCmd(env, "next") }},
	{"prev", func(env *Env) *cobra.Command { return newNextCmd(env, "prev") }},
	{"nth", newNthCmd},
	{"random", newRandomCmd},
	{"range", newRangeCmd},
	{"resolve", newResolveCmd},
	{"reverse", newReverseCmd},
	{"serve", newServeCmd},
	{"split", newSplitCmd},
	{"supernet", newSupernetCmd},
	{"topo", newTopoCmd},
	{"ula", newULACmd},
	{"vlsm", newVlsmCmd},
}

// outputAnnotation is the cobra annotation naming the output formats a
// command prints, comma-separated, e.g. "text,json,shell". A command without
// it prints text and json.
const outputAnnotation = "netcalc/output"

// defaultOutputs are the formats of a command without outputAnnotation.
const defaultOutputs = "text,json"

// Main runs netcalc with the process's arguments and streams and returns the
// exit status. An interrupt or SIGTERM cancels the command's context (see
// newInterruptContext).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx := newInterruptContext(args)
	defer ctx.stop()
	return Run(ctx, NewEnv(stdin, stdout, stderr, os.Getenv), args)
}

// newInterruptContext returns the context for the command line args: one
// that an interrupt or SIGTERM cancels. The commands that wait on the
// network, a server or the kernel (resolve, arp, serve, link, topo...) hand
// it on and stop cleanly when interrupted; the signals are watched from
// the start for them, as for anything not built on demand. The commands of
// the "addr" and "sets" groups of commandGroups, and version, compute from
// their arguments and input alone and never look at their context: for
// them it watches the signals only if something asks for its Done
// channel, error or values. Until then an interrupt ends them the default
// way, at once, where it used to be caught and ignored until they
// finished; and they do not pay for watching (os/signal starts a goroutine
// locked to its own thread and a second thread: 3 threads more, about a
// sixth of netcalc's start-up time).
func newInterruptContext(args []string) *interruptContext {
	ctx := new(interruptContext)
	if newCmd, word, _ := onDemand(args); newCmd == nil || !computesOnly(word) {
		ctx.get()
	}
	return ctx
}

// computesOnly reports whether the top-level command named or aliased word
// is in the "addr" or "sets" group or is version.
func computesOnly(word string) bool {
	if word == "version" {
		return true
	}
	if i := registryIndex(word); i >= 0 {
		word, _, _ = strings.Cut(registry[i].names, " ") // the name of an alias
	}
	for _, g := range commandGroups {
		if (g.id == "addr" || g.id == "sets") && slices.Contains(g.names, word) {
			return true
		}
	}
	return false
}

// interruptContext is a context.Context cancelled by an interrupt or
// SIGTERM once get has been called, which its methods do.
type interruptContext struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *interruptContext) get() context.Context {
	c.once.Do(func() {
		c.ctx, c.cancel = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	})
	return c.ctx
}

// watching reports whether the signals are watched.
func (c *interruptContext) watching() bool { return c.cancel != nil }

// stop restores the signals' default action if they were watched; from
// then on the context is never cancelled.
func (c *interruptContext) stop() {
	c.once.Do(func() { c.ctx = context.Background() })
	if c.cancel != nil {
		c.cancel()
	}
}

func (c *interruptContext) Deadline() (time.Time, bool) { return c.get().Deadline() }
func (c *interruptContext) Done() <-chan struct{}       { return c.get().Done() }
func (c *interruptContext) Err() error                  { return c.get().Err() }
func (c *interruptContext) Value(key any) any           { return c.get().Value(key) }
func (c *interruptContext) String() string              { return "netcalc.interruptContext" }

// Run executes one netcalc command line in env and returns its exit status.
func Run(ctx context.Context, env *Env, args []string) int {
	root, started, args := newRootFor(env, args)
	return execute(ctx, env, root, started, args)
}

// execute runs args (already past implicitCidr) on root.
func execute(ctx context.Context, env *Env, root *cobra.Command, started *bool, args []string) int {
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if cmd == nil {
		cmd = root
	}
	if fw := env.fields; fw != nil {
		if ferr := fw.finish(); ferr != nil {
			err = ferr // an unknown field, whatever the command made of the failed write
		}
	}
	if ferr := env.Out.Flush(); ferr != nil && err == nil && !errors.Is(ferr, syscall.EPIPE) {
		err = Failed(ferr)
	}
	if err != nil {
		var s silentExit
		if !errors.As(err, &s) {
			env.Errorf("%s", err.Error())
			if !*started || isUsage(err) {
				env.Errorf("run '%s --help' for usage", cmd.CommandPath())
			}
		}
	}
	return ExitCode(err, *started)
}

// newRootFor returns the command tree args need and args as cobra is to
// see them (an address for the implicit cidr gets "cidr" in front). Most
// command lines name one command: only that command is built, which is
// most of netcalc's start-up time saved (building all of them and their
// flags took 0.2-0.4 ms, more than the command itself for most of them).
// Help, completion, man pages, serve and anything onDemand cannot place
// get the whole tree, so that what they print (the command list, spelling
// suggestions, cross-references) is unchanged.
func newRootFor(env *Env, args []string) (*cobra.Command, *bool, []string) {
	if newCmd, word, implicit := onDemand(args); newCmd != nil {
		// Check the name: a wrong one in registry costs time, never behaviour.
		if cmd := newCmd(env); cmd.Name() == word || slices.Contains(cmd.Aliases, word) {
			root, started := newRoot(env)
			// Never run or listed in a tree built for one other command.
			root.CompletionOptions.DisableDefaultCmd = true
			root.AddCommand(cmd)
			finishRoot(root)
			if implicit {
				args = append([]string{"cidr"}, args...)
			}
			return root, started, args
		}
	}
	root, started := newRootCmd(env)
	return root, started, implicitCidr(root, args)
}

// wholeTree lists the first words whose commands read the whole tree (man
// pages, help, completion) or are long-running anyway (serve).
var wholeTree = []string{"help", "completion", "man", "serve", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd}

// onDemand returns the constructor of the one top-level command args run
// and the word naming it, or nil when args need the whole tree: -h/--help
// anywhere, a flag before the first word other than the root's -o,
// --field and --no-color, an empty first word (cobra would look further),
// or a first word in wholeTree or no command's. implicit reports an address
// for the implicit cidr (see implicitCidr): no command is named like an
// address, so a first word that parses as one is cidr's. The first word is
// found as cobra's Find and implicitCidr find it: -o, --output and --field
// take the next argument as their value unless it is attached.
func onDemand(args []string) (newCmd func(*Env) *cobra.Command, word string, implicit bool) {
	for _, a := range args {
		// --help, --help=..., and -h alone or in a cluster of shorthands
		// (over-matching only costs time).
		if strings.HasPrefix(a, "--help") || len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, 'h') > 0 {
			return nil, "", false
		}
	}
	k := 0
	for ; k < len(args) && args[k] != "" && args[k][0] == '-'; k++ {
		switch a := args[k]; {
		case a == "-o" || a == "--output" || a == "--field":
			k++ // the value
		case strings.HasPrefix(a, "-o") || a == "--no-color" ||
			strings.HasPrefix(a, "--output=") || strings.HasPrefix(a, "--field=") || strings.HasPrefix(a, "--no-color="):
			// -ojson, -o=json, --output=json, --field=NAME, --no-color[=BOOL]
		default:
			return nil, "", false
		}
	}
	if k >= len(args) || args[k] == "" || slices.Contains(wholeTree, args[k]) {
		return nil, "", false
	}
	word = args[k]
	if word == "version" {
		return newVersionCmd, word, false
	}
	if i := registryIndex(word); i >= 0 {
		return registry[i].newCmd, word, false
	}
	if _, err := netcalc.ParseSpec(word); err == nil {
		if i := registryIndex("cidr"); i >= 0 {
			return registry[i].newCmd, "cidr", true
		}
	}
	return nil, "", false
}

// registryIndex returns the index in registry of the command named or
// aliased word, or -1.
func registryIndex(word string) int {
	for i, r := range registry {
		for n := range strings.SplitSeq(r.names, " ") {
			if n == word {
				return i
			}
		}
	}
	return -1
}

// newRootCmd returns the whole command tree.
func newRootCmd(env *Env) (*cobra.Command, *bool) {
	root, started := newRoot(env)
	root.AddCommand(newVersionCmd(env))
	for _, r := range registry {
		root.AddCommand(r.newCmd(env))
	}
	finishRoot(root)
	return root, started
}

// newRoot returns the root command with its flags and no subcommands, and
// the flag its hook sets once a command starts.
func newRoot(env *Env) (*cobra.Command, *bool) {
	started := new(bool)
	var fields []string
	root := &cobra.Command{
		Use:   "netcalc",
		Short: "Exact, explained IP networking: CIDR math, subnets, DNS, ARP, NAT",
		Long: `netcalc computes and explains IP networking facts: CIDR masks and ranges,
subnet plans, real DNS resolution the way the host does it, ARP/NDP lookups,
and NAT / kube-proxy translation tables.

Every command prints readable text, or JSON Lines with -o json; --field NAME
prints just the named fields of each record, one value per line.
An address or prefix without a command is described by cidr:
netcalc 192.168.1.10/24 is netcalc cidr 192.168.1.10/24.
Exit status: exit 0 success or "yes", exit 1 the operation failed or the
answer is "no", exit 2 bad usage or bad input.`,
		Example: `  netcalc 192.168.1.10/24
  netcalc cidr 10.0.0.1/8 --field network --field broadcast
  netcalc split 10.0.0.0/22 --prefix 24 -o json`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			*started = true
			if err := cmd.ValidateRequiredFlags(); err != nil {
				return Usage(rewriteCobraError(err))
			}
			if err := cmd.ValidateFlagGroups(); err != nil {
				return Usage(rewriteCobraError(err))
			}
			if err := setOutput(env, cmd); err != nil {
				return err
			}
			if len(fields) > 0 {
				if err := setFields(env, cmd, fields); err != nil {
					return err
				}
			}
			env.Color = env.StdoutTTY && !env.noColor && env.Getenv("NO_COLOR") == "" && env.Getenv("TERM") != "dumb"
			return nil
		},
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Out)
	root.SetErr(env.Stderr)
	root.SetVersionTemplate(versionLine())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return Usage(flagError(c, err)) })
	pf := root.PersistentFlags()
	pf.StringVarP(&env.Output, "output", "o", "text", "output `FORMAT`: text, json (JSON Lines), or a command's own (cidr: shell; any case)")
	pf.StringArrayVar(&fields, "field", nil, "print only the field `NAME` of each record (a JSON field name, a.b for a nested one), one bare value per line; repeatable")
	pf.BoolVar(&env.noColor, "no-color", false, "never use colour (also off when NO_COLOR is set or output is not a terminal)")
	_ = root.RegisterFlagCompletionFunc("output", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return outputsOf(cmd), cobra.ShellCompDirectiveNoFileComp
	})
	root.Flags().BoolP("version", "v", false, "print netcalc's version (the same line as netcalc version)")
	return root, started
}

// finishRoot completes root once its commands are added.
func finishRoot(root *cobra.Command) {
	// cobra adds these when it executes; adding them now lets the walk below
	// see them: they print text only, so -o json and --field refuse them.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			if c.Name() == "help" {
				c.Short = "Print a command's help (netcalc help CMD is netcalc CMD --help)"
			} else {
				c.Short = "Print a shell completion script (bash, zsh, fish, powershell)"
			}
			for _, sub := range append([]*cobra.Command{c}, c.Commands()...) {
				sub.Annotations = map[string]string{outputAnnotation: "text"}
			}
		}
	}
	groupCommands(root)
	finishTree(root)
}

// commandGroups orders "netcalc --help": each top-level command under the
// heading of what it is for. A command missing here is listed under
// "Other commands" by cobra, which TestEveryCommandHasAGroup forbids.
var commandGroups = []struct {
	id, title string
	names     []string
}{
	{"addr", "Addresses and prefixes:", []string{"cidr", "convert", "add", "sub", "distance", "next", "prev", "nth", "eui64", "reverse", "ula", "random"}},
	{"sets", "Address sets and subnet plans:", []string{"range", "list", "merge", "intersect", "contains", "overlaps", "supernet", "split", "vlsm"}},
	{"lookup", "Real lookups on this host:", []string{"resolve", "arp", "link", "addr", "route", "rule", "neigh"}},
	{"sim", "Simulators:", []string{"nat", "conntrack", "kube-proxy", "topo", "k8s"}},
	{"misc", "netcalc itself:", []string{"version", "man", "serve", "completion", "help"}},
}

func groupCommands(root *cobra.Command) {
	for _, g := range commandGroups {
		root.AddGroup(&cobra.Group{ID: g.id, Title: g.title})
	}
	for _, c := range root.Commands() {
		c.GroupID = groupOf(c.Name())
	}
	root.SetHelpCommandGroupID("misc")
	root.SetCompletionCommandGroupID("misc")
}

// groupOf returns the id of the group of commandGroups that lists the
// command name, or "". (A map would be quicker for the whole tree, but
// building it costs more than the scan for the two or three commands of a
// tree built on demand.)
func groupOf(name string) string {
	for _, g := range commandGroups {
		if slices.Contains(g.names, name) {
			return g.id
		}
	}
	return ""
}

// versionLine is what both "netcalc version" and "netcalc --version" print.
func versionLine() string { return "netcalc " + version() + " (" + goVersion() + ")\n" }

// setOutput checks -o against the formats cmd prints, case-insensitively.
func setOutput(env *Env, cmd *cobra.Command) error {
	want := strings.ToLower(strings.TrimSpace(env.Output))
	outs := outputsOf(cmd)
	if slices.Contains(outs, want) {
		env.Output = want
		return nil
	}
	if slices.Contains([]string{"text", "json", "shell"}, want) {
		return Usagef("-o/--output: %s prints %s, not %s", cmd.CommandPath(), orList(outs), want)
	}
	return Usagef("-o/--output: %s is not an output format, want %s", quoteToken(env.Output), orList(outs))
}

// outputsOf returns the output formats cmd prints (outputAnnotation).
func outputsOf(cmd *cobra.Command) []string {
	s, ok := cmd.Annotations[outputAnnotation]
	if !ok {
		s = defaultOutputs
	}
	return strings.Split(s, ",")
}

// orList writes ["a","b","c"] as "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// finishTree walks the command tree once every command is registered:
// each command's argument check is wrapped to say in words what the
// command takes, a command that only groups subcommands says which
// subcommand a stray word is not, and the run hook records which command
// ran so that a usage error can point at that command's --help.
func finishTree(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SuggestionsMinimumDistance = 2
		if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return Usage(unknownCommand(cmd, args[0]))
				}
				return cmd.Help()
			}
		} else if c.Args != nil {
			c.Args = explainArgs(c, c.Args)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// unknownCommand says that word is not a subcommand of cmd, with cobra's
// spelling suggestions or the list of subcommands.
func unknownCommand(cmd *cobra.Command, word string) error {
	msg := fmt.Sprintf("unknown command %s for %q", quoteToken(word), cmd.CommandPath())
	if !cmd.HasParent() && word != "" && (strings.ContainsAny(word, ":/") || word[0] >= '0' && word[0] <= '9') {
		// meant as an address for the implicit cidr?
		if _, err := netcalc.ParseSpec(word); err != nil {
			return fmt.Errorf("%s, nor an address cidr can describe: %s", msg, netcalc.Message(err))
		}
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		return fmt.Errorf("%s; did you mean %s?", msg, orList(quoteAll(s)))
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	if cmd.HasParent() && len(names) > 0 {
		return fmt.Errorf("%s; %s has %s", msg, cmd.CommandPath(), strings.Join(names, ", "))
	}
	return errors.New(msg)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quoteToken(s)
	}
	return out
}

// implicitCidr turns "netcalc 192.168.1.10/24 ..." into "netcalc cidr
// 192.168.1.10/24 ...", as ipcalc ADDR describes ADDR: when the first
// argument that is not a flag is no command name but parses as an address
// or prefix, "cidr" goes in front.
func implicitCidr(root *cobra.Command, args []string) []string {
	cidr, _, err := root.Find([]string{"cidr"})
	if err != nil || cidr == root {
		return args
	}
	lookup := func(name string, short bool) *pflag.Flag {
		for _, fs := range []*pflag.FlagSet{cidr.Flags(), root.PersistentFlags()} {
			if short {
				if f := fs.ShorthandLookup(name); f != nil {
					return f
				}
			} else if f := fs.Lookup(name); f != nil {
				return f
			}
		}
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args
		}
		if len(a) > 1 && a[0] == '-' {
			if strings.Contains(a, "=") {
				continue
			}
			name := strings.TrimLeft(a, "-")
			f := lookup(name, !strings.HasPrefix(a, "--") && len(name) == 1)
			if f != nil && f.NoOptDefVal == "" && f.Value.Type() != "bool" {
				i++ // the flag's value
			}
			continue
		}
		for _, c := range root.Commands() {
			if c.Name() == a || slices.Contains(c.Aliases, a) {
				return args
			}
		}
		if _, err := netcalc.ParseSpec(a); err != nil {
			return args
		}
		return append([]string{"cidr"}, args...)
	}
	return args
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi := buildInfo(); bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print netcalc's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if env.JSON() {
				return WriteJSON(env.Out, map[string]string{"version": version(), "go": goVersion()})
			}
			_, err := io.WriteString(env.Out, versionLine())
			return err
		},
	}
}

func goVersion() string {
	if bi := buildInfo(); bi != nil {
		return bi.GoVersion
	}
	return "unknown"
}

// buildInfo is the binary's build information, parsed once (every command
// line needs it three times: the root's version, its template and the
// version command).
var buildInfo = sync.OnceValue(func() *debug.BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return bi
})
