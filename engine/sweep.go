package engine

import (
	"sync/atomic"
	"time"
)

// phase is what a connection waits for, which decides its timeout.
type phase uint8

const (
	phaseIdle   phase = iota // between requests: Idle timeout
	phaseHead                // part of a head has arrived: Header timeout
	phaseBody                // a body is arriving: Body timeout
	phaseBusy                // answers are owed: no client timeout
	phaseLinger              // our side is shut: waiting for the client's EOF
	phaseNew                 // accepted, nothing received: Header timeout, as net/http
)

// lingerTimeout bounds how long a connection whose last response is out
// waits for the client to close.
const lingerTimeout = 2 * time.Second

// clock is a coarse clock the sweeper advances each tick, so the hot path
// reads the time with one atomic load instead of a clock call.
var clock atomic.Int64

func init() { clock.Store(time.Now().UnixNano()) }

// setPhase records what the connection now waits for, and its deadline.
// A deadline is set when a phase begins and is not pushed back by bytes
// trickling in: a client that sends one byte a second still times out.
// newRequest says a request head was parsed since the last call.
func (c *conn) setPhase(partial, newRequest bool) {
	t := &c.l.s.cfg.Timeouts
	var p phase
	var d time.Duration
	switch {
	case c.shutWr:
		p, d = phaseLinger, lingerTimeout
	case c.body != nil:
		p, d = phaseBody, t.Body
	case c.head != nil || c.closing:
		p = phaseBusy
	case partial && c.queued == 0:
		p, d = phaseHead, t.Header
	default:
		p, d = phaseIdle, t.Idle
	}
	// A deadline runs per request: it is kept while the same head or
	// body is still arriving, and starts again with the next request.
	if p == c.phase && c.deadline != 0 && p != phaseIdle && !newRequest {
		return
	}
	if p == phaseIdle {
		c.idleSince = clock.Load()
	}
	c.phase = p
	c.deadline = 0
	if d > 0 {
		c.deadline = clock.Load() + int64(d)
	}
}

// awaitFirst starts a new connection's clock: its first request must
// begin within the header timeout, as with net/http's ReadHeaderTimeout.
func (c *conn) awaitFirst() {
	now := clock.Load()
	c.phase, c.idleSince, c.deadline = phaseNew, now, 0
	if d := c.l.s.cfg.Timeouts.Header; d > 0 {
		c.deadline = now + int64(d)
	}
}

// sweepInterval is how often each loop checks its connections: a quarter
// of the shortest timeout, between 10 ms and 250 ms.
func (s *Server) sweepInterval() time.Duration {
	d := 250 * time.Millisecond
	t := s.cfg.Timeouts
	for _, v := range []time.Duration{t.Header, t.Body, t.Idle, t.Write} {
		if v > 0 && v/4 < d {
			d = v / 4
		}
	}
	return max(d, 10*time.Millisecond)
}

// resumeInterval is how often the sweeper looks for connections paused by
// output backpressure, while there are some. gnet reports no "output
// drained" event, so this tick is what restarts a paused connection.
const resumeInterval = 5 * time.Millisecond

// clockInterval is how often the sweeper advances the clock otherwise. A
// deadline is set from the clock and checked against a fresh one, so it
// fires at most this much early; ticking no faster keeps an idle server
// from waking 200 times a second.
const clockInterval = 25 * time.Millisecond

// sweeper advances the clock, resumes paused connections, and has every
// loop sweep its connections. It ticks every resumeInterval while some
// loop has a paused connection (a loop that pauses the first one says so
// on s.paused) and every clockInterval otherwise.
func (s *Server) sweeper(stop chan struct{}) {
	full := s.sweepInterval()
	slow := min(clockInterval, full)
	t := time.NewTicker(slow)
	defer t.Stop()
	fast := false
	last := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-s.paused:
			if !fast {
				fast = true
				t.Reset(resumeInterval)
			}
		case now := <-t.C:
			clock.Store(now.UnixNano())
			if now.Sub(last) >= full {
				last = now
				s.eachLoop((*loop).sweep) // sweep resumes too
			} else {
				s.resumePaused()
			}
			if p := s.anyPaused(); p != fast {
				fast = p
				if fast {
					t.Reset(resumeInterval)
				} else {
					t.Reset(slow)
				}
			}
		}
	}
}

// resumePaused has every loop with paused connections resume them.
func (s *Server) resumePaused() {
	s.mu.Lock()
	for _, l := range s.loops {
		if l.blockedN.Load() > 0 {
			_ = l.execute((*loop).resume)
		}
	}
	s.mu.Unlock()
}

// anyPaused reports whether some loop has a connection paused by
// backpressure.
func (s *Server) anyPaused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.loops {
		if l.blockedN.Load() > 0 {
			return true
		}
	}
	return false
}

// sweep, on the loop, closes connections past their deadline, finishes
// closes that waited for output to drain, resumes connections that were
// paused by backpressure, and closes writers that stopped making progress.
func (l *loop) sweep() {
	now := clock.Load()
	write := int64(l.s.cfg.Timeouts.Write)
	for k := len(l.conns) - 1; k >= 0; k-- {
		c := l.conns[k]
		out := c.gc.OutboundBuffered()
		if out > 0 && c.phase == phaseIdle {
			// Still sending the last answer: not idle yet. The
			// write timeout below watches a reader that stalls.
			c.deadline = now + int64(l.s.cfg.Timeouts.Idle)
			c.idleSince = now
		}
		if c.deadline != 0 && now > c.deadline {
			c.close()
			continue
		}
		switch {
		case out == 0:
			c.stalledSince = 0
			if c.closing && c.head == nil && c.body == nil && !c.shutWr {
				c.endOutput()
				c.setPhase(false, false)
			}
		case out != c.lastOut:
			c.stalledSince = now
		case write > 0 && c.stalledSince != 0 && now-c.stalledSince > write:
			c.close()
			continue
		}
		c.lastOut = out
	}
	l.resume()
}
