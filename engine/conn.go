package engine

import (
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"github.com/chopin-go/chopin/http1"
)

// conn is the state of one connection, owned by its event loop. Fields
// other goroutines touch are atomic or live in slots (queue.go).
type conn struct {
	l      *loop
	gc     gnet.Conn
	p      http1.Parser
	idx    int    // position in l.conns
	remote string // RemoteAddr, taken on the loop while gnet's value is valid

	// Responses produced off the loop, oldest first; loop only.
	head, tail *slot
	queued     int
	woken      atomic.Bool // a Wake is already on its way

	body *body // the body of the current request, while it arrives

	closing   bool // answer nothing more; close once every response is out
	blocked   bool // in l.blocked, paused by output backpressure
	shutWr    bool // our side is shut; waiting for the client's EOF
	closed    atomic.Bool
	deadline  int64 // coarse unix nanoseconds; see sweep.go
	phase     phase
	idleSince int64

	lastOut      int   // OutboundBuffered at the last sweep
	stalledSince int64 // when lastOut last changed, while output is unsent

	written uint64                  // bytes handed to gnet in all
	mirror  *[]byte                 // the tail of those gnet has not sent; nil until there is one
	drainer atomic.Pointer[drainer] // set once the client half-closed
	eof     *eofInput               // the input left when the client half-closed
}

// traffic serves whatever the connection has: first responses that became
// ready off the loop, then every complete request in the inbound bytes, all
// into one outbound batch written with one write.
func (c *conn) traffic() gnet.Action {
	c.woken.Store(false)
	l := c.l
	l.out = l.out[:0]
	c.flushQueue()
	buf, _ := c.gc.Peek(-1)
	heads := l.n.requests
	l.outbound = c.gc.OutboundBuffered() // unchanged until finish writes
	off := c.consume(buf)
	if off > 0 {
		_, _ = c.gc.Discard(off)
	}
	paused := len(buf) - off
	if paused > 0 && !c.acceptsMore() {
		l.block(c) // output backpressure: resume once it drains
	}
	c.setPhase(paused > 0, l.n.requests != heads)
	if paused > l.s.cfg.MaxPausedInput {
		// Paused by backpressure and still sending: gnet reads the
		// socket whatever we do, so the only bound on what such a
		// client costs is to close it (see Config.MaxPausedInput).
		l.stats.overflowed.Add(1)
		c.finish()
		return gnet.Close
	}
	return c.finish()
}

// consume serves as much of buf as it may: bodies in progress, then
// requests while backpressure allows. It returns the bytes consumed.
func (c *conn) consume(buf []byte) int {
	off := 0
	for off < len(buf) {
		if c.body != nil {
			// A body already accepted is taken whatever the
			// backpressure: its handler may be waiting for it.
			n := c.feedBody(buf[off:])
			if n == 0 {
				break
			}
			off += n
			continue
		}
		if c.closing {
			off = len(buf) // after our last response, input is ignored
			break
		}
		if !c.acceptsMore() {
			break
		}
		n := c.step(buf[off:])
		if n == 0 {
			break
		}
		off += n
	}
	c.l.n.bytesIn += uint64(off)
	return off
}

// acceptsMore reports whether another request may be parsed now: not when
// too many answers are owed or too much output is unsent (backpressure).
func (c *conn) acceptsMore() bool {
	cfg := &c.l.s.cfg
	if c.closing || c.queued >= cfg.MaxPipeline {
		return false
	}
	if c.eof != nil {
		return c.eof.queuedBytes < cfg.OutputHighWater // gnet's side is gone
	}
	return c.l.outbound+len(c.l.out) < cfg.OutputHighWater
}

// step serves the request at the start of b and returns the bytes
// consumed; 0 means it needs more.
func (c *conn) step(b []byte) int {
	l := c.l
	req := &l.req
	n, err := c.p.ParseHead(b, &req.Request)
	if err != nil {
		if err == http1.ErrNeedMore {
			return 0
		}
		c.refuse(err)
		return len(b)
	}
	l.n.requests++
	var h head
	c.headFor(&h, &req.Request)
	rt, path := l.s.rt.Lookup(req.Method, req.Path)
	switch {
	case rt != nil && rt.Static != nil:
		k := c.skipBody(b[n:], &h)
		s := rt.Static
		if c.head == nil && c.eof == nil {
			// The common case, without answer's indirection.
			l.n.count(200)
			l.out = appendStatic(l.out, s.Response(false), len(s.Body), &h)
			return n + k
		}
		c.answer(func(dst []byte) []byte { return appendStatic(dst, s.Response(false), len(s.Body), &h) }, 200)
		return n + k
	case rt != nil:
		return c.loopHandler(b, n, rt.Handler, &h)
	case path != nil:
		k := c.skipBody(b[n:], &h)
		c.answer(func(dst []byte) []byte {
			return appendPlain(dst, 405, "Method Not Allowed", "Allow: "+path.Allow+"\r\n", &h)
		}, 405)
		return n + k
	case req.Form == http1.AsteriskForm:
		// "OPTIONS *" asks about the server, not a resource (RFC 9110
		// §9.3.7); like http.Server, answer it here unless a route
		// for "*" was registered.
		k := c.skipBody(b[n:], &h)
		c.answer(func(dst []byte) []byte { return appendEmpty(dst, 200, &h) }, 200)
		return n + k
	case l.s.cfg.Fallback != nil:
		return c.fallback(b, n, &h)
	}
	k := c.skipBody(b[n:], &h)
	c.answer(func(dst []byte) []byte { return appendPlain(dst, 404, "Not Found", "", &h) }, 404)
	return n + k
}

// headFor decides what every response to r shares, and whether the
// connection ends after it. It fills *h field by field: a head returned
// by value was built with 8-byte stores and copied with 16-byte loads,
// which stalled store forwarding on every request.
func (c *conn) headFor(h *head, r *http1.Request) {
	h.server, h.dates, h.isHEAD = c.l.s.server, c.l.s.dates, r.IsHEAD()
	switch {
	case !r.KeepAlive || c.l.s.draining.Load():
		h.conn = connClose
		c.closing = true
	case r.Minor == 0:
		h.conn = connKeepAlive
	}
}

// answer appends one response, made by write, in request order: straight
// into the batch when nothing is owed before it, else into a slot behind
// the responses still being produced.
func (c *conn) answer(write func([]byte) []byte, status int) {
	c.l.n.count(status)
	if c.head == nil && c.eof == nil {
		c.l.out = write(c.l.out)
		return
	}
	s := newSlot()
	s.buf = write(s.buf)
	s.done = true
	c.enqueue(s)
	if c.eof != nil {
		c.eof.queuedBytes += len(s.buf)
	}
}

// refuse answers a request the parser rejected and ends the connection.
func (c *conn) refuse(err error) {
	h := head{server: c.l.s.server, dates: c.l.s.dates}
	c.closing = true
	status := 400
	if pe, ok := err.(*http1.ParseError); ok {
		status = pe.Status
	}
	c.answer(func(dst []byte) []byte { return appendParseError(dst, err, &h) }, status)
}

// finish writes the batch and decides whether the connection ends.
func (c *conn) finish() gnet.Action {
	l := c.l
	l.flushCounts()
	if len(l.out) > 0 {
		l.stats.bytesOut.Add(uint64(len(l.out)))
		if c.write(l.out) != nil {
			return gnet.None // gnet has closed the connection already
		}
	}
	if c.closing && c.head == nil {
		// Every answer is out. A body still arriving is no longer
		// wanted, unless a loop handler waits for it to answer.
		if c.body != nil && c.body.sink != sinkCollect {
			c.endBody()
		}
		if c.body == nil {
			c.endOutput()
		}
	}
	return gnet.None
}

// endOutput shuts our side once every byte is out: the client reads the
// last response and EOF, whatever it still sends is read and dropped, and
// its EOF (or the sweep's linger timeout) closes the connection. Closing at
// once could make the kernel answer unread input with a RST that destroys
// the response in flight.
func (c *conn) endOutput() {
	if c.shutWr || c.gc.OutboundBuffered() > 0 {
		return // the sweep comes back once the output has drained
	}
	c.shutWr = true
	if unix.Shutdown(c.gc.Fd(), unix.SHUT_WR) != nil {
		c.close()
		return
	}
	c.setPhase(false, false) // the linger timeout now runs
}

// close closes the connection now, on the loop.
func (c *conn) close() {
	if !c.closed.Load() {
		_ = c.l.el.Close(c.gc)
	}
}

// idle reports whether nothing is in flight on the connection.
func (c *conn) idle() bool {
	return c.head == nil && c.body == nil && (c.phase == phaseIdle || c.phase == phaseNew)
}
