package fallback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chopin-go/chopin/http1"
)

// Body is a request body on its way from the engine to a handler. The
// engine's event loop feeds it with Append and End, which never block; the
// handler reads it as its Request.Body, blocking until data, the end or an
// error arrives. Body bytes are copied in by Append and live until read or
// until Close.
//
// Memory: Append buffers whatever the handler has not read yet. The engine
// stops a body at its MaxBodyBytes (413), so that bounds the buffer; a Body
// also refuses more than its own limit.
type Body struct {
	limit  int64
	expect bool // the client waits for 100 (Continue) before sending

	mu       sync.Mutex
	buf      []byte // unread bytes are buf[off:]
	off      int
	total    int64 // bytes appended
	done     bool
	err      error    // why the body ended badly; nil at a clean end
	trailers []string // name, value, name, value: copied off the loop
	closed   bool
	deadline time.Time
	merged   bool // the trailers went into req.Trailer

	// ready (capacity 1) says "something changed" to a waiting reader. It
	// is made, under mu, only when a reader is about to wait: most bodies
	// arrive whole before the handler reads them and never need it.
	ready chan struct{}

	// Set by the bridge before the handler starts, read only by readers.
	gate   *gate           // sends 100 (Continue) on the first Read
	req    *http.Request   // whose Trailer the trailers merge into
	ctx    context.Context // the connection's: done when it goes away
	sawEOF atomic.Bool     // a Read returned io.EOF
}

// NewBody returns an empty Body that will hold at most limit bytes
// (0: http1.DefaultMaxBodyBytes). expectContinue says that the client
// waits for "100 Continue" before sending the body and that the engine has
// not sent it: the bridge sends it the first time the handler reads, as
// net/http does.
func NewBody(limit int64, expectContinue bool) *Body {
	if limit <= 0 {
		limit = http1.DefaultMaxBodyBytes
	}
	return &Body{limit: limit, expect: expectContinue}
}

// Append copies p to the end of the body. It never blocks: the engine calls
// it on its event loop. After End or Close it does nothing.
func (b *Body) Append(p []byte) {
	if len(p) == 0 {
		return
	}
	b.mu.Lock()
	switch {
	case b.closed || b.done:
	case int64(len(p)) > b.limit-b.total:
		// The engine enforces the same limit; this is a second fence.
		b.done, b.err = true, errBodyTooLarge
	default:
		if b.off > 0 && b.off >= len(b.buf)-b.off {
			// More read than left: reuse the front of buf.
			n := copy(b.buf, b.buf[b.off:])
			b.buf, b.off = b.buf[:n], 0
		}
		b.buf = append(b.buf, p...)
		b.total += int64(len(p))
	}
	b.nudgeLocked()
	b.mu.Unlock()
}

var errBodyTooLarge = &http1.ParseError{Status: http.StatusRequestEntityTooLarge, Reason: "request body too large"}

// End marks the end of the body. trailers are the chunked body's trailer
// fields; they may alias engine memory and are copied before End returns.
// A non-nil err means the body ended badly: the handler's Read returns it
// once the bytes before it are read, as an *http.MaxBytesError when err is
// a *http1.ParseError with Status 413. End never blocks; only its first
// call counts.
func (b *Body) End(trailers []http1.Header, err error) {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return
	}
	b.done, b.err = true, err
	if err == nil && !b.closed && len(trailers) > 0 {
		b.trailers = make([]string, 0, 2*len(trailers))
		for _, t := range trailers {
			b.trailers = append(b.trailers, string(t.Name), string(t.Value))
		}
	}
	b.nudgeLocked()
	b.mu.Unlock()
}

// nudgeLocked wakes a waiting reader; b.mu is held.
func (b *Body) nudgeLocked() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// Read reads body bytes, blocking until some arrive, the body ends, the
// read deadline passes (os.ErrDeadlineExceeded) or the connection's
// context is done. At the end of a chunked body it merges the received
// trailer fields into Request.Trailer, on the reading goroutine.
func (b *Body) Read(p []byte) (int, error) {
	b.gate.pass()
	for {
		n, err, wait := b.take(p)
		if !wait {
			return n, err
		}
		b.wait()
	}
}

// WriteTo writes the body to w straight from the bytes the engine appended,
// with the same results as Reads would give: io.Copy from a request body
// then needs no buffer of its own (it allocates 32 KiB per call without
// one).
func (b *Body) WriteTo(w io.Writer) (n int64, err error) {
	b.gate.pass()
	for {
		chunk, err, wait := b.takeAll()
		if len(chunk) > 0 {
			m, werr := w.Write(chunk)
			n += int64(m)
			if werr == nil && m < len(chunk) {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return n, werr
			}
		}
		switch {
		case err == io.EOF:
			return n, nil
		case err != nil:
			return n, err
		case wait:
			b.wait()
		}
	}
}

// takeAll is take for WriteTo: it hands over every unread byte at once.
// The bytes are detached from the Body (the next Append starts a new
// buffer), since they are written to w outside the lock.
func (b *Body) takeAll() (chunk []byte, err error, wait bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return nil, http.ErrBodyReadAfterClose, false
	case b.off < len(b.buf):
		chunk = b.buf[b.off:]
		b.buf, b.off = nil, 0
		if b.done && b.err == nil {
			return chunk, b.eofLocked(), false
		}
		return chunk, nil, false
	case b.done && b.err != nil:
		return nil, b.readErr(), false
	case b.done:
		return nil, b.eofLocked(), false
	case !b.deadline.IsZero() && !time.Now().Before(b.deadline):
		return nil, os.ErrDeadlineExceeded, false
	}
	b.readyLocked()
	return nil, nil, true
}

// take returns what Read can return now, or wait = true.
func (b *Body) take(p []byte) (n int, err error, wait bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, http.ErrBodyReadAfterClose, false
	case b.off < len(b.buf):
		n = copy(p, b.buf[b.off:])
		b.off += n
		if b.off < len(b.buf) {
			return n, nil, false
		}
		b.buf, b.off = b.buf[:0], 0
		if b.done && b.err == nil {
			return n, b.eofLocked(), false // data and EOF at once, as net/http's body does
		}
		return n, nil, false
	case b.done && b.err != nil:
		return 0, b.readErr(), false
	case b.done:
		return 0, b.eofLocked(), false
	case len(p) == 0:
		return 0, nil, false
	case !b.deadline.IsZero() && !time.Now().Before(b.deadline):
		return 0, os.ErrDeadlineExceeded, false
	}
	b.readyLocked()
	return 0, nil, true
}

// readyLocked makes the channel a reader about to wait will wait on; from
// now on every change nudges it.
func (b *Body) readyLocked() {
	if b.ready == nil {
		b.ready = make(chan struct{}, 1)
	}
}

// wait blocks until something may have changed: a nudge, the deadline, or
// the end of the connection, which ends the body with the context's error.
func (b *Body) wait() {
	b.mu.Lock()
	d, ready := b.deadline, b.ready
	b.mu.Unlock()
	var timeout <-chan time.Time
	if !d.IsZero() {
		t := time.NewTimer(time.Until(d))
		defer t.Stop()
		timeout = t.C
	}
	var done <-chan struct{}
	if b.ctx != nil {
		done = b.ctx.Done()
	}
	select {
	case <-ready:
	case <-timeout:
	case <-done:
		b.End(nil, context.Cause(b.ctx))
	}
}

// eofLocked records the clean end and, once, merges the trailers into the
// request as net/http's body.readTrailer does: received fields replace the
// declared ones (nil until now); undeclared ones are added too.
func (b *Body) eofLocked() error {
	b.sawEOF.Store(true)
	if b.merged || b.req == nil || len(b.trailers) == 0 {
		return io.EOF
	}
	b.merged = true
	t := b.req.Trailer
	fresh := t == nil
	if fresh {
		t = make(http.Header, len(b.trailers)/2)
	}
	seen := make(map[string]bool, len(b.trailers)/2)
	for i := 0; i+1 < len(b.trailers); i += 2 {
		k := http.CanonicalHeaderKey(b.trailers[i])
		if !fresh && !seen[k] {
			t[k] = nil // replace, as maps.Copy in mergeSetHeader does
		}
		seen[k] = true
		t[k] = append(t[k], b.trailers[i+1])
	}
	b.req.Trailer = t
	return io.EOF
}

func (b *Body) readErr() error {
	var pe *http1.ParseError
	if errors.As(b.err, &pe) && pe.Status == http.StatusRequestEntityTooLarge {
		return &http.MaxBytesError{Limit: b.limit}
	}
	return b.err
}

// Close drops any unread bytes; later Reads fail with
// http.ErrBodyReadAfterClose and later Appends do nothing (the engine
// still consumes the rest of the body from the connection).
func (b *Body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.buf, b.off, b.trailers = nil, 0, nil
	b.nudgeLocked()
	b.mu.Unlock()
	return nil
}

// setDeadline sets the deadline for Reads, including one blocked now.
func (b *Body) setDeadline(t time.Time) {
	b.mu.Lock()
	b.deadline = t
	b.nudgeLocked()
	b.mu.Unlock()
}

// failed reports whether the body ended with an error.
func (b *Body) failed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.done && b.err != nil
}
