package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/netcalc/netcalc/internal/web"
	"github.com/netcalc/netcalc/netcalc/topo"
)

// serveTopoExamples are the examples the topology view offers: the files of
// examples/topo, embedded in the page (TestServeTopoExamplesMatch keeps the
// copies equal).
var serveTopoExamples = []string{"veth.yaml", "bridge.yaml", "gateway.yaml", "home-nat.yaml", "k8s.yaml"}

// serveTopo is /api/topo-check and /api/topo-draw: netcalc topo check|draw
// -o json of the topology POSTed as the body, or of example=NAME. It
// parses with the library as loadTopology does, but a file the topology
// names (the k8s block's Services file) is looked up among the embedded
// examples only: the server reads no files.
func serveTopo(sub string) web.API {
	return func(ctx context.Context, q url.Values, body []byte) web.Result {
		for k := range q {
			if k != "example" {
				return serveBad("%s: unknown parameter of /api/topo-%s, want example (or POST the file)", quoteToken(k), sub)
			}
		}
		name, data, bad, ok := serveTopoFile(q, body, sub)
		if !ok {
			return bad
		}
		env, out, errb := serveEnv("json")
		err := serveTopoRun(env, sub, name, data)
		if err != nil {
			var s silentExit
			if !errors.As(err, &s) {
				env.Errorf("%s", err.Error())
			}
		}
		return web.Result{Body: out.Bytes(), Stderr: errb.String(), Exit: ExitCode(err, true)}
	}
}

// serveTopoFile returns the topology file of a /api/topo-SUB request:
// example=NAME, one of the embedded examples, or else the POSTed body. A
// request with neither, or with another example, is answered with bad
// (ok false).
func serveTopoFile(q url.Values, body []byte, sub string) (name string, data []byte, bad web.Result, ok bool) {
	if ex := q.Get("example"); ex != "" {
		b, found := web.ExampleFile(ex)
		if !found || !slices.Contains(serveTopoExamples, ex) {
			return "", nil, serveBad("example: %s is not an example, want one of %s", quoteToken(ex), strings.Join(serveTopoExamples, ", ")), false
		}
		return ex, b, web.Result{}, true
	}
	if body == nil {
		return "", nil, serveBad("topo %s: POST the topology file as the request body, or give example=NAME", sub), false
	}
	return "topology.yaml", body, web.Result{}, true
}

// serveTopoParse parses a topology as loadTopology does, but the files it
// names are looked up among the embedded examples only.
func serveTopoParse(env *Env, name string, data []byte) (*topo.Topology, error) {
	readFile := func(n string) ([]byte, error) {
		if b, ok := web.ExampleFile(n); ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s: the page reads no files; only the examples' %s", quoteToken(n), "k8s-services.yaml")
	}
	return parseTopology(env, name, data, readFile)
}

func serveTopoRun(env *Env, sub, name string, data []byte) error {
	t, err := serveTopoParse(env, name, data)
	if err != nil {
		return err
	}
	if sub == "draw" {
		return topoDraw(env, t, &topoTraceOptions{})
	}
	return topoCheck(env, t, name)
}
