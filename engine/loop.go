package engine

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// loop is the state of one event loop. Only that loop touches it, except
// stats, which Stats reads atomically.
type loop struct {
	s  *Server
	el gnet.EventLoop

	out      []byte   // the outbound batch of the current OnTraffic
	outbound int      // gnet's unsent output for the connection being served
	req      Request  // the request being served; its slices die with the batch
	resp     Response // the loop handlers' response builder
	n        counts   // this batch's counters, added to stats once per batch

	conns    []*conn // every open connection, for the sweep
	blocked  []*conn // paused by output backpressure; the sweeper wakes them
	blockedN atomic.Int32

	stats loopStats
}

func newLoop(s *Server, el gnet.EventLoop) *loop {
	return &loop{s: s, el: el, out: make([]byte, 0, 64<<10)}
}

// execute queues fn to run on the loop. After the engine stopped it fails.
func (l *loop) execute(fn func(*loop)) error {
	return l.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		fn(l)
		return nil
	}))
}

// block records a connection paused by output backpressure, for the
// sweeper to resume; blockedN lets the sweeper see from its goroutine that
// there is something to resume.
func (l *loop) block(c *conn) {
	if !c.blocked {
		c.blocked = true
		l.blocked = append(l.blocked, c)
		l.blockedN.Store(int32(len(l.blocked)))
		if len(l.blocked) == 1 {
			select {
			case l.s.paused <- struct{}{}:
			default: // the sweeper has been told already
			}
		}
	}
}

// resume wakes every paused connection; traffic pauses again whichever is
// still over its high-water mark.
func (l *loop) resume() {
	for _, c := range l.blocked {
		c.blocked = false
		if !c.closed.Load() {
			c.wake()
		}
	}
	clear(l.blocked)
	l.blocked = l.blocked[:0]
	l.blockedN.Store(0)
}

func (l *loop) add(c *conn) {
	c.idx = len(l.conns)
	l.conns = append(l.conns, c)
	l.stats.open.Add(1)
	l.stats.accepted.Add(1)
}

func (l *loop) remove(c *conn) {
	last := len(l.conns) - 1
	if c.idx < 0 || c.idx > last || l.conns[c.idx] != c {
		return
	}
	l.conns[c.idx] = l.conns[last]
	l.conns[c.idx].idx = c.idx
	l.conns[last] = nil
	l.conns = l.conns[:last]
	c.idx = -1
	l.stats.open.Add(-1)
}

// closeIdle closes, while draining, every connection that has had nothing
// in flight (no partial request, no response owed) for at least d.
func (l *loop) closeIdle(d time.Duration) {
	now := clock.Load()
	for k := len(l.conns) - 1; k >= 0; k-- {
		if c := l.conns[k]; c.idle() && now-c.idleSince >= int64(d) {
			c.close()
		}
	}
}
