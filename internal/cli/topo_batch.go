package cli

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// topoTraceBatch traces each flow of o.flows through one simulation of t
// (parsed once; each flow walks as if alone: topo.Sim.WalkLine).
func topoTraceBatch(env *Env, t *topo.Topology, o *topoTraceOptions) error {
	sim, err := newTraceSim(t, o)
	if err != nil {
		return err
	}
	r, source, err := env.openList(o.flows)
	if err != nil {
		return err
	}
	defer r.Close()
	if !env.JSON() {
		head := "LINE\tFLOW\tDISPOSITION\tPATH"
		if o.reply {
			head = "LINE\tFLOW\tDISPOSITION\tREPLY\tPATH"
		}
		fmt.Fprintln(env.Out, head)
	}
	failed := false
	var line []byte
	err = eachLine(r, source, true, func(in Input) error {
		if in.err != nil {
			env.BadLine(in, in.err)
			return nil
		}
		w, err := sim.WalkLine(in.Text, o.reply)
		var fe *topo.FlowError
		if errors.As(err, &fe) {
			env.BadLine(in, errors.New(quoteToken(fe.Token)+": "+fe.Want+"; a flow is "+topo.FlowSyntax))
			return nil
		}
		if err != nil {
			return traceError(err)
		}
		if w == nil {
			return nil // a blank or comment line
		}
		failed = failed || !w.Accepted()
		if env.JSON() {
			if err := printTrace(env, w.Trace, "", o.explain, in.Line); err != nil || w.Reply == nil {
				return err
			}
			return printTrace(env, w.Reply, "reply", o.explain, in.Line)
		}
		line = strconv.AppendInt(line[:0], int64(in.Line), 10)
		line = append(line, '\t')
		line = w.Flow.AppendText(line)
		line = append(line, '\t')
		line = append(line, w.Trace.Disposition...)
		if o.reply {
			line = append(line, '\t')
			if w.Reply != nil {
				line = append(line, w.Reply.Disposition...)
			} else {
				line = append(line, '-')
			}
		}
		line = append(line, '\t')
		for i, n := range w.Trace.Path {
			if i > 0 {
				line = append(line, " -> "...)
			}
			line = append(line, n...)
		}
		line = append(line, '\n')
		_, err = env.Out.Write(line)
		return err
	})
	if err != nil {
		return err
	}
	if failed {
		env.Record(ExitFail)
	}
	return env.Finish()
}
