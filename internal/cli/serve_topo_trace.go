package cli

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netcalc/netcalc/internal/web"
)

// serveTraceFlags are the flags of "topo trace" the API takes: all but
// --flows, a file (the server reads no files).
var serveTraceFlags = []string{"from", "to", "proto", "sport", "reply", "explain", "br-netfilter", "seed"}

// serveTopoTrace is /api/topo-trace: netcalc topo trace -o json of the
// topology POSTed as the body, or of example=NAME, with the query
// parameters as its flags. topo trace's own cobra command parses the flags
// (same defaults, same usage errors); its run is topoTraceTopology with
// the topology parsed by serveTopoParse, which reads no files.
func serveTopoTrace(ctx context.Context, q url.Values, body []byte) web.Result {
	var args []string
	for k, vals := range q {
		if k == "example" {
			continue
		}
		if !slices.Contains(serveTraceFlags, k) {
			return serveBad("%s: unknown parameter of /api/topo-trace, want example (or POST the file), %s", quoteToken(k), strings.Join(serveTraceFlags, ", "))
		}
		for _, v := range vals {
			args = append(args, "--"+k+"="+v)
		}
	}
	name, data, bad, ok := serveTopoFile(q, body, "trace")
	if !ok {
		return bad
	}
	slices.Sort(args)
	args = append(args, "--", name)

	env, out, errb := serveEnv("json")
	cmd, o := newTopoTraceCmdOptions(env)
	cmd.RunE = func(*cobra.Command, []string) error {
		t, err := serveTopoParse(env, name, data)
		if err != nil {
			return err
		}
		return topoTraceTopology(env, t, o)
	}
	return serveExecute(ctx, env, cmd, args, out, errb, "topo trace")
}
