// Package cli is netcalc's command-line interface: cobra commands that parse
// arguments, call the library, pick a printer and map errors to exit codes.
// It holds no networking logic of its own.
package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X github.com/netcalc/netcalc/internal/cli.Version=v1.2.3";
// otherwise the module version from the build info is used.
var Version = ""

// registry holds the constructors of the subcommands; each command file
// adds itself in an init function with register.
var registry []func(*Env) *cobra.Command

func register(newCmd func(*Env) *cobra.Command) { registry = append(registry, newCmd) }

// Main runs netcalc with the process's arguments and streams and returns the
// exit status. Interrupts cancel the command's context.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, NewEnv(stdin, stdout, stderr, os.Getenv), args)
}

// Run executes one netcalc command line in env and returns its exit status.
func Run(ctx context.Context, env *Env, args []string) int {
	root, started := newRootCmd(env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if ferr := env.Out.Flush(); ferr != nil && err == nil && !errors.Is(ferr, syscall.EPIPE) {
		err = Failed(ferr)
	}
	if err != nil {
		var s silentExit
		if !errors.As(err, &s) {
			env.Errorf("%s", err.Error())
			if !*started {
				env.Errorf("run 'netcalc --help' for usage")
			}
		}
	}
	return ExitCode(err, *started)
}

func newRootCmd(env *Env) (*cobra.Command, *bool) {
	started := new(bool)
	root := &cobra.Command{
		Use:   "netcalc",
		Short: "Exact, explained IP networking: CIDR math, subnets, DNS, ARP, NAT",
		Long: `netcalc computes and explains IP networking facts: CIDR masks and ranges,
subnet plans, real DNS resolution the way the host does it, ARP/NDP lookups,
and NAT / kube-proxy translation tables.

Every command prints readable text, or JSON Lines with -o json.
Exit status: 0 success, 1 the operation failed or the answer is "no",
2 bad usage or bad input.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			*started = true
			switch env.Output {
			case "text", "json":
			default:
				return BadInputf("-o/--output: %q is not an output format, want text or json", env.Output)
			}
			env.Color = env.StdoutTTY && !env.noColor && env.Getenv("NO_COLOR") == "" && env.Getenv("TERM") != "dumb"
			return nil
		},
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Out)
	root.SetErr(env.Stderr)
	root.SetVersionTemplate("netcalc {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return BadInput(err) })
	pf := root.PersistentFlags()
	pf.StringVarP(&env.Output, "output", "o", "text", "output format: text or json (JSON Lines)")
	pf.BoolVar(&env.noColor, "no-color", false, "never use colour (also off when NO_COLOR is set or output is not a terminal)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(newVersionCmd(env))
	for _, newCmd := range registry {
		root.AddCommand(newCmd(env))
	}
	return root, started
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
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
			_, err := io.WriteString(env.Out, "netcalc "+version()+" ("+goVersion()+")\n")
			return err
		},
	}
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return "unknown"
}
