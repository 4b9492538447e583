package cli

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/netcalc/netcalc/netcalc/topo"
)

// topoTraceBatch traces each flow of o.flows through one simulation of t
// (parsed once; Reset between flows so each walks as if alone).
func topoTraceBatch(env *Env, t *topo.Topology, o *topoTraceOptions) error {
	sim, err := topo.NewSim(t, o.seed)
	if err != nil {
		return traceError(err)
	}
	sim.BridgeNetfilter = o.brNF
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
		f, ok, perr := topo.ParseFlowLine(t, in.Text)
		if perr != nil {
			env.BadLine(in, errors.New(quoteToken(perr.Token)+": "+perr.Msg+"; a flow is "+topo.FlowSyntax))
			return nil
		}
		if !ok {
			return nil
		}
		sim.Reset()
		tr, err := sim.Trace(f)
		if err != nil {
			return traceError(err)
		}
		var rt *topo.Trace
		if o.reply && tr.Disposition == topo.Accepted {
			if rt, err = sim.Reply(tr); err != nil {
				return traceError(err)
			}
		}
		if tr.Disposition != topo.Accepted || (rt != nil && rt.Disposition != topo.Accepted) {
			failed = true
		}
		if env.JSON() {
			if err := printTraceFlow(env, tr, "", o.explain, in.Line); err != nil {
				return err
			}
			if rt != nil {
				return printTraceFlow(env, rt, "reply", o.explain, in.Line)
			}
			return nil
		}
		line = strconv.AppendInt(line[:0], int64(in.Line), 10)
		line = append(line, '\t')
		line = appendFlow(line, f)
		line = append(line, '\t')
		line = append(line, tr.Disposition...)
		if o.reply {
			line = append(line, '\t')
			if rt != nil {
				line = append(line, rt.Disposition...)
			} else {
				line = append(line, '-')
			}
		}
		line = append(line, '\t')
		for i, n := range tr.Path {
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

// appendFlow appends a flow as a flows file line would give it: FROM
// TO[:PORT] PROTO SPORT.
func appendFlow(dst []byte, f topo.Flow) []byte {
	dst = append(dst, f.From...)
	dst = append(dst, ' ')
	if f.DstPort != 0 {
		if f.Dst.Is6() {
			dst = append(dst, '[')
			dst = f.Dst.AppendTo(dst)
			dst = append(dst, ']')
		} else {
			dst = f.Dst.AppendTo(dst)
		}
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, uint64(f.DstPort), 10)
	} else {
		dst = f.Dst.AppendTo(dst)
	}
	dst = append(dst, ' ')
	dst = append(dst, f.Proto...)
	dst = append(dst, ' ')
	return strconv.AppendUint(dst, uint64(f.SrcPort), 10)
}
