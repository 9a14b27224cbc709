package engine

import (
	"errors"
	"sync"
)

// ErrConnClosed is returned to a fallback handler writing to a connection
// that has gone away.
var ErrConnClosed = errors.New("engine: connection closed")

// slotWindow is how much of one response a producer may have waiting in
// its slot before it blocks until the loop takes it.
const slotWindow = 256 << 10

// slot is one response owed on a connection, in request order. The loop
// fills slots for its own answers that must wait behind others; a fallback
// handler fills its slot from a goroutine, under mu, and wakes the loop.
// The loop drains the head slot's bytes into the outbound batch.
type slot struct {
	c    *conn
	next *slot // loop only

	mu        sync.Mutex
	space     sync.Cond // signalled when the loop took bytes or the conn closed
	buf       []byte
	done      bool // no more bytes will come
	closeConn bool // the connection ends after this response
	status    int  // set by Finish, for the counters
	cancel    func()
}

var slotPool = sync.Pool{New: func() any {
	s := &slot{}
	s.space.L = &s.mu
	return s
}}

func newSlot() *slot { return slotPool.Get().(*slot) }

func (s *slot) release() {
	s.c, s.next, s.cancel = nil, nil, nil
	s.buf, s.done, s.closeConn, s.status = s.buf[:0], false, false, 0
	if cap(s.buf) > 64<<10 {
		s.buf = nil
	}
	slotPool.Put(s)
}

func (c *conn) enqueue(s *slot) {
	s.c = c
	if c.tail == nil {
		c.head = s
	} else {
		c.tail.next = s
	}
	c.tail = s
	c.queued++
}

// flushQueue moves ready bytes of the oldest slots into the batch, in
// order, stopping at the first slot still being produced or when the
// connection's unsent output is past its high-water mark.
func (c *conn) flushQueue() {
	high := c.l.s.cfg.OutputHighWater
	for c.head != nil {
		s := c.head
		s.mu.Lock()
		if len(c.l.out)+c.gc.OutboundBuffered() >= high && len(s.buf) > 0 {
			s.mu.Unlock()
			c.l.block(c)
			return
		}
		c.l.out = append(c.l.out, s.buf...)
		s.buf = s.buf[:0]
		done, closeConn, status := s.done, s.closeConn, s.status
		s.space.Signal()
		s.mu.Unlock()
		if !done {
			return
		}
		c.head = s.next
		if c.head == nil {
			c.tail = nil
		}
		c.queued--
		if status != 0 {
			c.l.n.count(status)
		}
		if s.cancel != nil {
			s.cancel() // the handler is done; release its context
		}
		s.release()
		if closeConn {
			c.closing = true
			c.dropQueue()
			return
		}
	}
}

// dropQueue abandons every response still owed: the connection is ending.
// Their producers see the connection closed and stop.
func (c *conn) dropQueue() {
	for s := c.head; s != nil; {
		next := s.next
		s.mu.Lock()
		s.c = nil
		cancel := s.cancel
		s.space.Broadcast()
		s.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		s = next
	}
	c.head, c.tail, c.queued = nil, nil, 0
}

// wake asks the loop to run traffic for c; many wakes before it runs cost one.
func (c *conn) wake() {
	if d := c.drainer.Load(); d != nil {
		d.wake()
		return
	}
	if !c.woken.Swap(true) {
		_ = c.gc.Wake(nil)
	}
}

// Send appends response bytes, waiting while the slot already holds a
// window's worth the loop has not taken. It fails once the connection is
// gone. It is called from a fallback handler's goroutine.
func (s *slot) Send(p []byte) error {
	s.mu.Lock()
	for len(s.buf) >= slotWindow && s.c != nil && !s.c.closed.Load() {
		s.space.Wait()
	}
	c := s.c
	if c == nil || c.closed.Load() {
		s.mu.Unlock()
		return ErrConnClosed
	}
	s.buf = append(s.buf, p...)
	s.mu.Unlock()
	c.wake()
	return nil
}

// Finish marks the response complete; closeConn ends the connection after
// it. The slot must not be used afterwards.
func (s *slot) Finish(status int, closeConn bool) {
	s.mu.Lock()
	c := s.c
	s.done, s.closeConn, s.status = true, closeConn, status
	s.mu.Unlock()
	if c != nil {
		c.wake()
	}
}
