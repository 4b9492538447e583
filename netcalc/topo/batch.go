package topo

// Walk is a flow's trace and, when asked, the trace of the answer to it.
type Walk struct {
	Flow  Flow
	Trace *Trace
	// Reply is the answer walked back (Sim.Reply); nil when it was not
	// asked for or Trace was not ACCEPTED.
	Reply *Trace
}

// Accepted reports whether the packet, and its answer when one was
// walked, ended ACCEPTED.
func (w *Walk) Accepted() bool {
	return w.Trace.Disposition == Accepted && (w.Reply == nil || w.Reply.Disposition == Accepted)
}

// Walk traces f and, with reply, the answer to it when f is ACCEPTED.
// Errors are those of Trace and Reply; when the reply fails, the Walk
// with the trace (and no Reply) comes with the error.
func (s *Sim) Walk(f Flow, reply bool) (*Walk, error) {
	tr, err := s.Trace(f)
	if err != nil {
		return nil, err
	}
	w := &Walk{Flow: tr.Flow, Trace: tr}
	if reply && tr.Disposition == Accepted {
		rt, err := s.Reply(tr)
		if err != nil {
			return w, err
		}
		w.Reply = rt
	}
	return w, nil
}

// WalkLine traces the flow of one line of a flows file (ParseFlowLine)
// with Walk, as if it were the only flow: it Resets s first. It returns
// nil and no error for a line without a flow (blank, a comment), a
// *FlowError for a line that is not a flow, and otherwise what Walk
// returns.
func (s *Sim) WalkLine(line string, reply bool) (*Walk, error) {
	f, ok, err := ParseFlowLine(s.T, line)
	if err != nil || !ok {
		return nil, err
	}
	s.Reset()
	return s.Walk(f, reply)
}
