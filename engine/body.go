package engine

import (
	"sync"

	"github.com/chopin-go/chopin/alloc"
	"github.com/chopin-go/chopin/http1"
)

// body is the request body still arriving after its head was served or
// queued. Only one exists per connection at a time: requests are framed in
// order, so the next head cannot be parsed before this body ends. It is
// taken from a pool while a body arrives, so that an idle connection does
// not carry a chunked decoder and a saved head.
type body struct {
	sink      sink
	remaining int64 // Content-Length bytes left; unused when chunked
	chunked   bool
	dec       http1.ChunkedDecoder

	// collect: the owned copy of the head, then the decoded body.
	buf     *alloc.Buffer
	headLen int
	handler LoopFunc
	h       head

	pipe bodyPipe // fallback: where the decoded body goes
}

type sink uint8

const (
	sinkDiscard sink = iota // the answer did not need the body
	sinkCollect             // a loop handler runs once all of it is here
	sinkPipe                // a fallback handler reads it as it comes
)

// bodyPipe is what the fallback bridge gives the engine to feed a body.
type bodyPipe interface {
	// Append copies p; it must not block.
	Append(p []byte)
	// End marks the end of the body, with the trailer fields (aliasing
	// engine memory: copy them) or the error that ended it.
	End(trailers []http1.Header, err error)
}

// skipBody consumes the body of a request whose answer does not need it,
// before that answer is written: what is in b now, the rest as it arrives.
// A client that sent Expect: 100-continue and is still holding its body
// back may or may not send it once it sees an answer without a 100, so the
// framing is in doubt: the answer says Connection: close and the connection
// ends after it (RFC 9110 §10.1.1).
func (c *conn) skipBody(b []byte, h *head) int {
	r := &c.l.req.Request
	if !r.HasBody() {
		return 0
	}
	if !r.Chunked && int64(len(b)) >= r.ContentLength {
		return int(r.ContentLength)
	}
	expect := r.ExpectContinue
	c.startBody(sinkDiscard)
	n := c.feedBody(b)
	if c.body != nil && expect {
		c.endBody()
		c.closing, n = true, len(b)
	}
	if c.closing {
		h.conn = connClose // the body was malformed, or held back
	}
	return n
}

// loopHandler runs a loop handler at once when its body (if any) is all
// in b; otherwise it keeps a copy of the head and runs the handler when the
// body is complete.
func (c *conn) loopHandler(b []byte, n int, fn LoopFunc, h *head) int {
	r := &c.l.req
	if !r.HasBody() || !r.Chunked && int64(len(b)-n) >= r.ContentLength {
		total := n
		r.Body = nil
		if r.ContentLength > 0 {
			total += int(r.ContentLength)
			r.Body = b[n:total]
		}
		c.runLoopHandler(fn, h)
		return total
	}
	c.startBody(sinkCollect)
	c.body.buf = alloc.Get()
	c.body.buf.B = append(c.body.buf.B, b[:n]...)
	c.body.headLen, c.body.handler, c.body.h = n, fn, *h
	if r.ExpectContinue {
		c.continue100()
	}
	return n + c.feedBody(b[n:])
}

var bodyPool = sync.Pool{New: func() any { return new(body) }}

func (c *conn) startBody(s sink) {
	r := &c.l.req.Request
	bd := bodyPool.Get().(*body)
	bd.sink, bd.chunked, bd.remaining = s, r.Chunked, r.ContentLength
	if r.Chunked {
		bd.dec.Reset(c.l.s.cfg.Limits)
	}
	c.body = bd
}

// stopBody detaches the body from the connection and returns it to the
// pool, with its buffer.
func (c *conn) stopBody() {
	bd := c.body
	c.body = nil
	if bd.buf != nil {
		alloc.Put(bd.buf)
	}
	*bd = body{}
	bodyPool.Put(bd)
}

// continue100 sends the interim 100 (Continue) in request order.
func (c *conn) continue100() {
	c.answer(func(dst []byte) []byte { return append(dst, "HTTP/1.1 100 Continue\r\n\r\n"...) }, 100)
}

// feedBody consumes body bytes from b and returns how many it took.
func (c *conn) feedBody(b []byte) int {
	bd := c.body
	var data []byte
	n, done := 0, false
	if bd.chunked {
		var err error
		for {
			var d []byte
			var k int
			d, k, err = bd.dec.Next(b[n:])
			n += k
			c.deliver(d)
			if err != nil || bd.dec.Done() {
				break
			}
		}
		if err != nil && err != http1.ErrNeedMore {
			c.bodyFailed(err)
			return len(b)
		}
		done = bd.dec.Done()
	} else {
		k := int64(len(b))
		if k > bd.remaining {
			k = bd.remaining
		}
		data, n = b[:k], int(k)
		bd.remaining -= k
		c.deliver(data)
		done = bd.remaining == 0
	}
	if done {
		c.bodyDone()
	}
	return n
}

func (c *conn) deliver(d []byte) {
	if len(d) == 0 {
		return
	}
	switch c.body.sink {
	case sinkCollect:
		c.body.buf.B = append(c.body.buf.B, d...)
	case sinkPipe:
		c.body.pipe.Append(d)
	}
}

// bodyDone ends the body: a loop handler runs now, a fallback handler
// learns its body is complete.
func (c *conn) bodyDone() {
	bd := c.body
	switch bd.sink {
	case sinkCollect:
		c.runCollected(bd)
	case sinkPipe:
		var tr []http1.Header
		if bd.chunked {
			tr = bd.dec.Trailers()
		}
		bd.pipe.End(tr, nil)
	}
	c.stopBody()
}

// bodyFailed answers a malformed body. A fallback handler already owns the
// response slot: its body reader fails and the connection ends after it.
func (c *conn) bodyFailed(err error) {
	bd := c.body
	switch bd.sink {
	case sinkPipe:
		bd.pipe.End(nil, err)
		c.closing = true
	case sinkCollect:
		c.refuse(err)
	default:
		// The request was answered already; a malformed body only
		// means nothing after it can be framed.
		c.closing = true
	}
	c.stopBody()
}

// runCollected re-parses the owned head, so the handler's slices point at
// memory that lives as long as the handler, and runs it.
func (c *conn) runCollected(bd *body) {
	r := &c.l.req
	var p http1.Parser
	p.Share(&c.l.s.cfg.Limits)
	b := bd.buf.B
	if _, err := p.ParseHead(b[:bd.headLen], &r.Request); err != nil {
		c.refuse(err) // cannot happen: these bytes parsed before
	} else {
		r.Body = b[bd.headLen:]
		c.runLoopHandler(bd.handler, &bd.h)
	}
}
