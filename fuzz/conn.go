package fuzz

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chopin-go/chopin/http1"
)

// A field is one header or trailer field line, copied out of the buffer.
type field struct{ Name, Value string }

// A message is one request as http1 framed it, copied out of the read
// buffer so that it outlives it. Nil and empty slices in the Request are
// told apart by the Has* flags, since they mean different things (no query
// versus an empty one after '?').
type message struct {
	Off int // stream offset of the first byte of the head

	Method, Target string
	Form           http1.TargetForm
	Authority      string
	HasAuthority   bool
	Path           string
	HasPath        bool
	Query          string
	HasQuery       bool
	Minor          int
	Host           string
	HasHost        bool
	Headers        []field

	ContentLength                       int64
	Chunked, KeepAlive, Expect, Upgrade bool
	HeadLen                             int

	Body     []byte
	Trailers []field
}

// The ways a connection's byte stream can end.
const (
	endIdle     = "idle"      // every byte consumed, at a request boundary
	endNeedMore = "need-more" // bytes left that hold no complete element
	endClose    = "close"     // a request without keep-alive ended the exchange
	endError    = "error"     // a *ParseError rejected the stream
)

// An outcome is everything a connection made of a byte stream.
type outcome struct {
	Msgs   []message
	End    string // one of the end* constants
	Status int    // the ParseError's Status when End is endError
	Reason string // the ParseError's Reason, or the text of a foreign error
	ErrOff int    // stream offset of the head being parsed when it ended
}

// connState is where a conn is in the request it is reading.
type connState uint8

const (
	inHead connState = iota
	inBody           // Content-Length body
	inChunked
	stopped
)

// conn feeds a byte stream to one http1.Parser and one ChunkedDecoder the
// way an engine's connection loop does: bytes arrive in pieces, each call
// gets every received byte not yet consumed, and after ErrNeedMore the next
// call starts at the same offset with the new bytes appended.
type conn struct {
	lim http1.Limits
	p   http1.Parser
	d   http1.ChunkedDecoder
	r   http1.Request

	buf  []byte // received, not consumed
	off  int    // stream offset of buf[0]
	st   connState
	left int64 // Content-Length bytes still to come
	cur  message
	out  outcome

	// onHead, if set, sees every accepted head with the exact buffer that
	// ParseHead was given, before the buffer moves on.
	onHead func(buf []byte, r *http1.Request)
	// onError, if set, sees every error other than ErrNeedMore.
	onError func(err error)
}

func newConn(lim http1.Limits) *conn {
	c := &conn{lim: lim}
	c.p.Reset(lim)
	return c
}

// feed delivers the next piece of the stream and processes as far as the
// bytes allow.
func (c *conn) feed(piece []byte) {
	if c.st == stopped {
		return
	}
	c.buf = append(c.buf, piece...)
	for c.st != stopped && c.step() {
	}
}

// finish reports the outcome once the whole stream has been fed.
func (c *conn) finish() outcome {
	if c.st != stopped {
		c.out.ErrOff = c.cur.Off
		if c.st == inHead {
			c.out.ErrOff = c.off
		}
		if len(c.buf) == 0 && c.st == inHead {
			c.out.End = endIdle
		} else {
			c.out.End = endNeedMore
		}
	}
	return c.out
}

// step makes one unit of progress and reports whether it did.
func (c *conn) step() bool {
	// A full slice expression caps the buffer at its length, so a parser
	// that slices past len(b) panics here instead of reading stale bytes.
	b := c.buf[:len(c.buf):len(c.buf)]
	switch c.st {
	case inHead:
		return c.readHead(b)
	case inBody:
		if c.left > 0 && len(b) == 0 {
			return false
		}
		k := min(int64(len(b)), c.left)
		c.cur.Body = append(c.cur.Body, b[:k]...)
		c.left -= k
		c.consume(int(k))
		if c.left == 0 {
			c.endMessage()
		}
		return true
	case inChunked:
		var n int
		var err error
		c.cur.Body, n, err = c.d.Decode(c.cur.Body, b)
		if err == nil {
			// The trailers alias b: copy them before consuming it.
			c.cur.Trailers = copyFields(c.d.Trailers())
		}
		c.consume(n)
		switch {
		case errors.Is(err, http1.ErrNeedMore):
			return false
		case err != nil:
			c.fail(err)
			return false
		}
		c.endMessage()
		return true
	}
	return false
}

func (c *conn) readHead(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	n, err := c.p.ParseHead(b, &c.r)
	if errors.Is(err, http1.ErrNeedMore) {
		if n != 0 {
			c.fail(fmt.Errorf("ParseHead returned n=%d with ErrNeedMore", n))
		}
		return false
	}
	if err != nil {
		c.fail(err)
		return false
	}
	if c.onHead != nil {
		c.onHead(b, &c.r)
	}
	c.cur = copyRequest(&c.r, c.off)
	if n != c.r.HeadLen {
		c.fail(fmt.Errorf("ParseHead returned %d, HeadLen is %d", n, c.r.HeadLen))
		return false
	}
	c.consume(n)
	switch {
	case c.r.Chunked:
		c.d.Reset(c.lim)
		c.st = inChunked
	case c.r.ContentLength > 0:
		c.left = c.r.ContentLength
		c.st = inBody
	default:
		c.endMessage()
	}
	return true
}

func (c *conn) consume(n int) {
	c.buf = c.buf[n:]
	c.off += n
}

func (c *conn) endMessage() {
	c.out.Msgs = append(c.out.Msgs, c.cur)
	c.cur = message{}
	if !c.out.Msgs[len(c.out.Msgs)-1].KeepAlive {
		c.out.End = endClose
		c.st = stopped
		return
	}
	c.st = inHead
}

func (c *conn) fail(err error) {
	if c.onError != nil {
		c.onError(err)
	}
	c.out.End, c.out.ErrOff = endError, c.cur.Off
	if c.st == inHead {
		c.out.ErrOff = c.off
	}
	var pe *http1.ParseError
	if errors.As(err, &pe) {
		c.out.Status, c.out.Reason = pe.Status, pe.Reason
	} else {
		c.out.Reason = err.Error()
	}
	c.st = stopped
}

// runConn parses data delivered as the given pieces (one piece when none).
func runConn(lim http1.Limits, data []byte, pieces [][]byte) outcome {
	c := newConn(lim)
	if pieces == nil {
		c.feed(data)
	}
	for _, p := range pieces {
		c.feed(p)
	}
	return c.finish()
}

func copyRequest(r *http1.Request, off int) message {
	return message{
		Off:           off,
		Method:        string(r.Method),
		Target:        string(r.Target),
		Form:          r.Form,
		Authority:     string(r.Authority),
		HasAuthority:  r.Authority != nil,
		Path:          string(r.Path),
		HasPath:       r.Path != nil,
		Query:         string(r.Query),
		HasQuery:      r.Query != nil,
		Minor:         r.Minor,
		Host:          string(r.Host),
		HasHost:       r.Host != nil,
		Headers:       copyFields(r.Headers),
		ContentLength: r.ContentLength,
		Chunked:       r.Chunked,
		KeepAlive:     r.KeepAlive,
		Expect:        r.ExpectContinue,
		Upgrade:       r.Upgrade,
		HeadLen:       r.HeadLen,
	}
}

func copyFields(hs []http1.Header) []field {
	if len(hs) == 0 {
		return nil
	}
	fs := make([]field, len(hs))
	for i, h := range hs {
		fs[i] = field{string(h.Name), string(h.Value)}
	}
	return fs
}

// String dumps m canonically, one line per element, every byte quoted.
func (m *message) String() string {
	var b strings.Builder
	opt := func(s string, ok bool) string {
		if !ok {
			return "<nil>"
		}
		return fmt.Sprintf("%q", s)
	}
	fmt.Fprintf(&b, "request @%d headlen=%d %q %q HTTP/1.%d form=%d\n",
		m.Off, m.HeadLen, m.Method, m.Target, m.Minor, m.Form)
	fmt.Fprintf(&b, "  authority=%s path=%s query=%s host=%s\n",
		opt(m.Authority, m.HasAuthority), opt(m.Path, m.HasPath),
		opt(m.Query, m.HasQuery), opt(m.Host, m.HasHost))
	fmt.Fprintf(&b, "  content-length=%d chunked=%t keep-alive=%t expect=%t upgrade=%t\n",
		m.ContentLength, m.Chunked, m.KeepAlive, m.Expect, m.Upgrade)
	for _, h := range m.Headers {
		fmt.Fprintf(&b, "  header %q: %q\n", h.Name, h.Value)
	}
	fmt.Fprintf(&b, "  body %q\n", m.Body)
	for _, h := range m.Trailers {
		fmt.Fprintf(&b, "  trailer %q: %q\n", h.Name, h.Value)
	}
	return b.String()
}

// String dumps o canonically: each message, then how the stream ended.
func (o *outcome) String() string {
	var b strings.Builder
	for i := range o.Msgs {
		b.WriteString(o.Msgs[i].String())
	}
	b.WriteString(o.endString())
	return b.String()
}

func (o *outcome) endString() string {
	if o.End == endError {
		return fmt.Sprintf("end %s %d %q @%d\n", o.End, o.Status, o.Reason, o.ErrOff)
	}
	return fmt.Sprintf("end %s\n", o.End)
}
