package fallback

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/chopin-go/chopin/http1"
)

const (
	// bufferBeforeChunking is net/http's bufferBeforeChunkingSize: a
	// handler that returns having written at most this much gets a
	// Content-Length instead of chunked encoding.
	bufferBeforeChunking = 2048
	// streamChunk is how much body is gathered, once the header is
	// committed, before it is framed as one chunk and handed to
	// Output.Send: tiny Writes cost neither a Send nor a chunk each.
	// It stays far below the engine's 256 KiB slot window.
	streamChunk = 16 << 10
	// sniffLen is what http.DetectContentType looks at.
	sniffLen = 512
)

// response is the http.ResponseWriter a handler gets. Like net/http's, it
// is used by one goroutine at a time; only the Body it shares a gate with
// may be read elsewhere.
type response struct {
	b    *Bridge
	out  Output
	req  *http.Request
	body *Body // nil without a request body
	gate gate
	ctx  context.Context // the connection's, for CloseNotify

	handlerHeader http.Header
	snap          http.Header // the header as of WriteHeader; ours to edit at commit
	calledHeader  bool

	wroteHeader bool // a final status was given (logically written)
	committed   bool // the header is formatted into wire
	headerSent  bool // the header was handed to Output.Send
	handlerDone bool
	status      int

	contentLength int64 // declared or computed; -1 unknown
	written       int64 // body bytes written, counted as net/http does
	chunking      bool
	closeAfter    bool
	trailers      []string // declared trailer keys, canonical

	// Facts about the request, taken before the handler may change it
	// (net/http issue 14940).
	isHEAD, wants10KeepAlive, wantsClose, forceClose bool
	minor                                            int

	buf     []byte // body bytes not yet framed
	wire    []byte // framed bytes not yet sent
	bufBox  *[]byte
	wireBox *[]byte
	keys    []string   // scratch for sorting header keys
	keyBuf  [16]string // keys' first backing: a usual header sorts without allocating
	err     error      // sticky: a Send failed or the write deadline passed

	wdeadline atomic.Int64 // unix nanoseconds; 0: none
	inflight  <-chan error // a Send abandoned at the write deadline

	closeNotify chan bool
	stopNotify  chan struct{}
}

func newResponse(b *Bridge, j *Job, req *http.Request, hr *http1.Request) *response {
	ctx := j.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	w := &response{
		b:                b,
		out:              j.Out,
		req:              req,
		body:             j.Body,
		ctx:              ctx,
		handlerHeader:    make(http.Header),
		contentLength:    -1,
		isHEAD:           hr.IsHEAD(),
		minor:            hr.Minor,
		forceClose:       j.ForceClose,
		wantsClose:       req.Close,
		wants10KeepAlive: hr.Minor == 0 && hasToken(get(req.Header, "Connection"), "keep-alive"),
	}
	w.keys = w.keyBuf[:0]
	w.gate.out = j.Out
	if w.body != nil {
		// net/http wraps the body in an expectContinueReader when the
		// client expects 100-continue and a body follows.
		w.gate.open.Store(w.body.expect)
		w.body.gate, w.body.req, w.body.ctx = &w.gate, req, ctx
	}
	return w
}

// Header returns the header map the handler fills. Changes after
// WriteHeader are not sent, except trailers, as in net/http.
func (w *response) Header() http.Header {
	if w.snap == nil && w.wroteHeader && !w.committed {
		w.snap = w.handlerHeader.Clone()
	}
	w.calledHeader = true
	return w.handlerHeader
}

// WriteHeader sets the status, once. A 1xx other than 101 is sent at once
// as an interim response, with the header as it stands (RFC 8297), and a
// final status may follow; as in net/http.
func (w *response) WriteHeader(code int) {
	if w.wroteHeader {
		w.b.log.Warn("fallback: superfluous response.WriteHeader call", "code", code, "caller", relevantCaller())
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // net/http's checkWriteHeaderCode
	}
	if code < 101 || code > 199 {
		w.gate.shut() // the 100 is pointless once a final answer is given
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		w.interim(code)
		return
	}
	w.wroteHeader, w.status = true, code
	if w.calledHeader && w.snap == nil {
		w.snap = w.handlerHeader.Clone()
	}
	if cl := get(w.handlerHeader, "Content-Length"); cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err == nil && v >= 0 {
			w.contentLength = v
		} else {
			// As net/http: the handler's map loses it, the snapshot
			// keeps it (so no length is computed); commit drops it.
			w.b.log.Warn("fallback: invalid Content-Length", "value", cl)
			w.handlerHeader.Del("Content-Length")
		}
	}
}

// interim sends a 1xx response now. RFC 9110 §15.2: never to an HTTP/1.0
// client (net/http sends it anyway).
func (w *response) interim(code int) {
	if w.minor == 0 || w.err != nil {
		return
	}
	w.gate.mu.Lock() // no 100 from a body reader may interleave
	defer w.gate.mu.Unlock()
	w.wire = http1.AppendStatusLine(w.wireBuf(), code)
	w.wire = w.appendFields(w.wire, w.handlerHeader, skipNoBody)
	w.wire = append(w.wire, "\r\n"...)
	_ = w.sendWire()
}

func skipNoBody(k string) bool { return k == "Content-Length" || k == "Transfer-Encoding" }

// Write writes body bytes, buffering them as net/http does.
func (w *response) Write(p []byte) (int, error) { return write(w, p) }

// WriteString is Write for a string, without converting it.
func (w *response) WriteString(s string) (int, error) { return write(w, s) }

// write follows net/http's response.write: the checks, then up to
// bufferBeforeChunking bytes held back so that the header can still get a
// Content-Length and a sniffed Content-Type, then streaming.
func write[T string | []byte](w *response, p T) (int, error) {
	w.gate.shut()
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !http1.BodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p)) // counted even when refused, as net/http does
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if w.err != nil {
		return 0, w.err
	}
	if !w.committed {
		if len(w.buf)+len(p) <= bufferBeforeChunking {
			w.buf = append(w.grow(), p...)
			return len(p), nil
		}
		// Commit with the first bytes of the body for sniffing; the
		// extra bytes appended for it are taken off again.
		n := len(w.buf)
		if n < sniffLen {
			w.buf = append(w.grow(), p[:min(len(p), sniffLen-n)]...)
		}
		w.commit(w.buf)
		w.buf = w.buf[:n]
	}
	return stream(w, p)
}

// stream copies p into buf, framing and sending each full streamChunk.
func stream[T string | []byte](w *response, p T) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.err != nil {
			return n, w.err
		}
		buf := w.grow()
		k := copy(buf[len(buf):streamChunk], p)
		w.buf = buf[:len(buf)+k]
		p = p[k:]
		n += k
		if len(w.buf) == streamChunk {
			_ = w.emit() // an error is sticky in w.err
		}
	}
	return n, nil
}

// wireBuf returns wire, taken from the pool on first use.
func (w *response) wireBuf() []byte {
	if w.wire == nil {
		w.wireBox = getBuf()
		w.wire = *w.wireBox
	}
	return w.wire
}

// grow returns buf, taken from the pool on first use.
func (w *response) grow() []byte {
	if w.buf == nil {
		w.bufBox = getBuf()
		w.buf = *w.bufBox
	}
	return w.buf
}

// emit frames buf into wire and sends wire.
func (w *response) emit() error {
	w.frame(w.buf)
	if w.buf != nil {
		w.buf = w.buf[:0]
	}
	return w.sendWire()
}

// frame appends body bytes to wire, as a chunk when chunking. For HEAD
// they are dropped, as net/http's chunkWriter drops them.
func (w *response) frame(d []byte) {
	if len(d) == 0 || w.isHEAD {
		return
	}
	if w.chunking {
		w.wire = http1.AppendChunk(w.wire, d)
	} else {
		w.wire = append(w.wire, d...)
	}
}

// sendWire hands wire to Output.Send; after a failure nothing more is sent.
func (w *response) sendWire() error {
	if w.err != nil {
		return w.err
	}
	if len(w.wire) == 0 {
		return nil
	}
	if w.committed {
		w.headerSent = true
	}
	var err error
	if d := w.wdeadline.Load(); d == 0 {
		err = w.out.Send(w.wire)
	} else {
		err = w.sendBy(d)
	}
	if err != nil {
		w.err = err
	}
	if w.wire != nil {
		w.wire = w.wire[:0]
	}
	return err
}

// Flush sends the header and whatever body is buffered.
func (w *response) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting failure, for http.ResponseController. The
// header is committed without a length, so an HTTP/1.1 body goes chunked.
func (w *response) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(w.buf)
	}
	return w.emit()
}

// finish completes the response after the handler returned, as net/http's
// finishRequest does, and says whether the connection may stay.
func (w *response) finish() outcome {
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(w.buf)
	}
	w.frame(w.buf)
	if w.chunking {
		w.wire = w.appendLastChunk(w.wire)
	}
	_ = w.sendWire()
	closeConn := w.shouldClose()
	w.release()
	return outcome{status: w.status, closeConn: closeConn, inflight: w.inflight}
}

// shouldClose is net/http's shouldReuseConnection, inverted.
func (w *response) shouldClose() bool {
	switch {
	case w.closeAfter, w.forceClose, w.err != nil:
		return true
	case !w.isHEAD && w.contentLength != -1 && http1.BodyAllowed(w.status) && w.contentLength != w.written:
		return true // short of the declared length: the framing is broken
	case w.body != nil && w.body.failed():
		return true // the engine cannot frame what follows
	}
	return false
}

// abort ends the response of a handler that panicked. If none of the
// final response is out, a 500 replaces it and the connection goes on
// unless something else requires it to end (as the issue asks: one panic
// costs one request; the framing is intact since nothing was sent and the
// engine still consumes the request body). If some of the response went
// out, the connection is cut without the last chunk, so the client sees a
// truncated response.
func (w *response) abort() outcome {
	w.gate.shut()
	if w.headerSent || w.err != nil {
		status := w.status
		if !w.headerSent {
			status = 0
		}
		w.release()
		return outcome{status: status, closeConn: true, inflight: w.inflight}
	}
	w.committed = true
	closeConn := w.abortCloses()
	conn := ""
	switch {
	case closeConn:
		conn = "close"
	case w.minor == 0:
		conn = "keep-alive" // an HTTP/1.0 client keeps it only if told
	}
	w.wire = w.b.appendPlain(w.wireBuf()[:0], http.StatusInternalServerError, w.isHEAD, conn)
	_ = w.sendWire()
	w.release()
	return outcome{status: http.StatusInternalServerError, closeConn: closeConn, inflight: w.inflight}
}

// abortCloses reports whether the connection must end after the 500 that
// replaces a panicked handler's response: for the reasons net/http ends a
// connection after any response, and no other.
func (w *response) abortCloses() bool {
	w.forceClose = w.forceClose || w.b.shuttingDown()
	switch {
	case w.forceClose, w.wantsClose, w.minor == 0 && !w.wants10KeepAlive:
		return true
	case w.body != nil && (w.body.expect && !w.body.sawEOF.Load() || w.body.failed()):
		return true
	}
	return false
}

// release drops the body and returns the buffers; wire is not returned if
// an abandoned Send may still read it (sendBy sets it to nil then).
func (w *response) release() {
	if w.body != nil {
		w.body.Close()
	}
	if w.stopNotify != nil {
		close(w.stopNotify)
	}
	putBuf(w.bufBox, w.buf)
	putBuf(w.wireBox, w.wire)
	w.buf, w.wire, w.bufBox, w.wireBox = nil, nil, nil, nil
}

// relevantCaller names the first caller outside this package and
// net/http, for the superfluous WriteHeader log, as net/http does.
func relevantCaller() string {
	pc := make([]uintptr, 16)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "net/http.") && !strings.HasPrefix(f.Function, pkgPath+".") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, path.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

const pkgPath = "github.com/chopin-go/chopin/fallback"
