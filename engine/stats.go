package engine

import "sync/atomic"

// Stats is a snapshot of the server's counters, summed over its loops.
type Stats struct {
	Loops     int
	Open      int64     // connections open now
	Accepted  uint64    // connections accepted since start
	Requests  uint64    // request heads parsed
	BytesIn   uint64    // request bytes consumed
	BytesOut  uint64    // response bytes handed to the socket
	Responses [6]uint64 // by status class: [1] = 1xx … [5] = 5xx
	Refused   uint64    // connections turned away (draining or over MaxConns)
	Fallback  uint64    // requests served by the fallback handler
	// HalfClosed counts connections whose owed answers were written
	// after the client shut its side (see handoff.go).
	HalfClosed uint64
	// Overflowed counts connections closed for holding more than
	// Config.MaxPausedInput of unparsed input while paused.
	Overflowed uint64
}

// loopStats are one loop's counters. Only that loop writes them; padding
// keeps each loop's counters off the other loops' cache lines.
type loopStats struct {
	_          [64]byte
	open       gauge
	accepted   counter
	requests   counter
	bytesIn    counter
	bytesOut   counter
	responses  [6]counter
	refused    counter
	fallback   counter
	drained    counter
	overflowed counter
	_          [64]byte
}

// counter is written by one goroutine, its loop, and read by any. With a
// single writer an atomic load and store make a lost update impossible,
// and on amd64 they are plain moves: no locked add on the hot path.
type counter struct{ v atomic.Uint64 }

func (c *counter) Add(d uint64) { c.v.Store(c.v.Load() + d) }
func (c *counter) Load() uint64 { return c.v.Load() }

// gauge is a counter that also goes down.
type gauge struct{ v atomic.Int64 }

func (g *gauge) Add(d int64) { g.v.Store(g.v.Load() + d) }
func (g *gauge) Load() int64 { return g.v.Load() }

// counts accumulate during one batch, in plain fields, and are added to
// loopStats once per batch: a pipelined batch of 16 costs one set of atomic
// adds, not sixteen.
type counts struct {
	requests  uint64
	bytesIn   uint64
	responses [6]uint64
	fallback  uint64
}

func (n *counts) count(status int) {
	if k := status / 100; k > 0 && k < 6 {
		n.responses[k]++
	}
}

func (l *loop) flushCounts() {
	n := &l.n
	if n.requests != 0 {
		l.stats.requests.Add(n.requests)
	}
	if n.bytesIn != 0 {
		l.stats.bytesIn.Add(n.bytesIn)
	}
	if n.fallback != 0 {
		l.stats.fallback.Add(n.fallback)
	}
	for k, v := range n.responses {
		if v != 0 {
			l.stats.responses[k].Add(v)
		}
	}
	*n = counts{}
}

// Stats returns the counters of every loop, summed. It is safe to call
// from any goroutine while the server runs.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st Stats
	st.Loops = s.cfg.Loops
	for _, l := range s.loops {
		ls := &l.stats
		st.Open += ls.open.Load()
		st.Accepted += ls.accepted.Load()
		st.Requests += ls.requests.Load()
		st.BytesIn += ls.bytesIn.Load()
		st.BytesOut += ls.bytesOut.Load()
		st.Refused += ls.refused.Load()
		st.Fallback += ls.fallback.Load()
		st.HalfClosed += ls.drained.Load()
		st.Overflowed += ls.overflowed.Load()
		for k := range st.Responses {
			st.Responses[k] += ls.responses[k].Load()
		}
	}
	if s.std != nil {
		s.std.addStats(&st)
	}
	return st
}
