package fallback

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chopin-go/chopin/http1"
)

// DefaultWorkers is the number of handlers that may run at once when
// Config.Workers is zero.
const DefaultWorkers = 10000

// Bridge runs a net/http Handler for the requests the engine hands it, each
// on its own goroutine, at most Config.Workers at once. It is safe for
// concurrent use; the engine makes one per server.
type Bridge struct {
	h       http.Handler
	sem     chan struct{} // one token per running handler
	srv     string        // Server field value; "" omits it
	date    func() []byte
	lim     http1.Limits
	log     *slog.Logger
	opts    bool // answer "OPTIONS *" like net/http's globalOptionsHandler
	closing func() bool

	waiting atomic.Int64 // goroutines waiting for a worker token
	running atomic.Int64 // handlers running now

	pool workers
}

// New returns a Bridge for cfg, zero fields resolved to their defaults: a
// nil Handler means http.DefaultServeMux, as for http.Server.
func New(cfg Config) *Bridge {
	cfg = cfg.withDefaults()
	b := &Bridge{
		h:       cfg.Handler,
		sem:     make(chan struct{}, cfg.Workers),
		srv:     cfg.ServerName,
		date:    cfg.Date,
		lim:     cfg.Limits,
		log:     cfg.Logger,
		opts:    !cfg.DisableGeneralOptionsHandler,
		closing: cfg.Closing,
	}
	if !http1.ValidHeaderValue(b.srv) {
		// A Server value with a CR or LF would let configuration inject
		// fields into every response; refuse it once, loudly.
		b.log.Error("fallback: invalid ServerName, Server field omitted", "server", b.srv)
		b.srv = ""
	}
	return b
}

// shuttingDown reports whether responses must end their connections now.
func (b *Bridge) shuttingDown() bool { return b.closing != nil && b.closing() }

func (c Config) withDefaults() Config {
	if c.Handler == nil {
		c.Handler = http.DefaultServeMux
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Date == nil {
		c.Date = formatNow
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Limits = c.Limits.WithDefaults()
	return c
}

func formatNow() []byte {
	return time.Now().UTC().AppendFormat(make([]byte, 0, len(http.TimeFormat)), http.TimeFormat)
}

// Serve runs the handler for j on a goroutine (an idle worker's, or a new
// one) and returns at once, so the engine may call it on its event loop.
// The goroutine waits for a worker token, serves the request and ends it
// with exactly one call to j.Out.Finish. j and everything it holds belong
// to the Bridge from now on.
func (b *Bridge) Serve(j *Job) {
	if w := b.pool.take(); w != nil {
		w.jobs <- j // never blocks: a parked worker's channel is empty
		return
	}
	b.pool.started.Add(1)
	go b.work(j)
}

// Close ends the idle handler goroutines and makes busy ones end after
// their request instead of waiting for the next. Requests handed to Serve
// later still run, each on a goroutine of its own.
func (b *Bridge) Close() { b.pool.close() }

// work serves j, then the jobs Serve hands it while it is parked.
func (b *Bridge) work(j *Job) {
	var w *worker
	for j != nil {
		b.run(j)
		if w == nil {
			w = &worker{jobs: make(chan *Job, 1)}
		}
		if !b.pool.park(w, time.Now()) {
			return
		}
		j = <-w.jobs
	}
}

// outcome is how a request ended, for Output.Finish.
type outcome struct {
	status    int
	closeConn bool
	// inflight, when set, delivers the result of a Send abandoned at a
	// write deadline; Finish must wait for it (see sendBy).
	inflight <-chan error
}

func (b *Bridge) run(j *Job) {
	ctx := j.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if !b.acquire(ctx) {
		// The connection went away (or the server stopped) before a
		// worker was free: nobody is left to answer.
		if j.Body != nil {
			j.Body.Close()
		}
		j.Out.Finish(0, true)
		return
	}
	o := b.guard(j, ctx)
	<-b.sem
	if o.inflight != nil {
		<-o.inflight // the worker is free; only this goroutine waits
	}
	j.Out.Finish(o.status, o.closeConn)
}

// acquire takes a worker token, waiting in the calling goroutine (never on
// the loop) until one is free or ctx is done.
func (b *Bridge) acquire(ctx context.Context) bool {
	select {
	case b.sem <- struct{}{}:
		return true
	default:
	}
	b.waiting.Add(1)
	defer b.waiting.Add(-1)
	select {
	case b.sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// guard serves j and turns a panic of the bridge's own code (a bug, since
// handler panics are recovered in call) into a cut connection: the process
// must never crash because of one request.
func (b *Bridge) guard(j *Job, ctx context.Context) (o outcome) {
	b.running.Add(1)
	defer b.running.Add(-1)
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("fallback: internal error", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			o = outcome{status: 0, closeConn: true}
		}
	}()
	return b.serve(j, ctx)
}

type parseState struct {
	p http1.Parser
	r http1.Request
}

var parsers = sync.Pool{New: func() any { return new(parseState) }}

// serve parses the head, builds the request and the ResponseWriter, runs
// the handler and completes the response.
func (b *Bridge) serve(j *Job, ctx context.Context) outcome {
	ps := parsers.Get().(*parseState)
	defer parsers.Put(ps)
	ps.p.Reset(b.lim)
	hr := &ps.r
	if _, err := ps.p.ParseHead(j.Head, hr); err != nil {
		// The engine parsed these bytes already: this cannot happen
		// unless the two disagree, which is worth a loud log.
		b.log.Error("fallback: request head does not parse", "err", err)
		return b.refuse(j, err)
	}
	rctx, cancel := ctx, j.Cancel
	if cancel == nil {
		rctx, cancel = context.WithCancel(ctx)
	}
	defer cancel() // net/http cancels the context when ServeHTTP returns
	req, err := newRequest(rctx, j, hr)
	if err != nil {
		b.log.Debug("fallback: bad request", "err", err)
		return b.refuse(j, err)
	}
	w := newResponse(b, j, req, hr)
	h := b.h
	if b.opts && hr.Form == http1.AsteriskForm && req.Method == "OPTIONS" {
		h = http.HandlerFunc(generalOptions)
	}
	if v, stack := call(h, w, req); v != nil {
		cancel()
		if v != http.ErrAbortHandler { // net/http logs every panic but this one
			b.log.Error("fallback: panic serving request", "method", req.Method, "uri", req.RequestURI,
				"remote", j.RemoteAddr, "panic", fmt.Sprint(v), "stack", string(stack))
		}
		return w.abort()
	}
	cancel()
	return w.finish()
}

// call runs the handler and recovers its panic, with the stack taken while
// the panicking frames are still on it.
func call(h http.Handler, w http.ResponseWriter, req *http.Request) (v any, stack []byte) {
	defer func() {
		if v = recover(); v != nil && v != http.ErrAbortHandler {
			stack = debug.Stack()
		}
	}()
	h.ServeHTTP(w, req)
	return nil, nil
}

// generalOptions answers "OPTIONS *" as net/http's globalOptionsHandler
// does: Content-Length: 0, and at most 4 KiB of any body read.
func generalOptions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength != 0 {
		_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10))
	}
}

// refuse answers a request that cannot be given to the handler and ends
// the connection, as net/http does after a malformed request.
func (b *Bridge) refuse(j *Job, err error) outcome {
	status := http.StatusBadRequest
	if pe, ok := err.(*http1.ParseError); ok {
		status = pe.Status
	} else if err == errNoBody {
		status = http.StatusInternalServerError
	}
	if j.Body != nil {
		j.Body.Close()
	}
	buf := b.appendPlain(nil, status, false, "close")
	_ = j.Out.Send(buf) // on failure the connection is gone anyway
	return outcome{status: status, closeConn: true}
}

// appendPlain appends a complete text/plain response for status, like
// http.Error writes; conn, if not empty, is its Connection field.
func (b *Bridge) appendPlain(dst []byte, status int, isHEAD bool, conn string) []byte {
	text := http1.StatusText(status)
	dst = http1.AppendStatusLine(dst, status)
	dst = b.appendDate(dst)
	if b.srv != "" {
		dst = http1.AppendHeader(dst, "Server", b.srv)
	}
	dst = http1.AppendHeader(dst, "Content-Type", "text/plain; charset=utf-8")
	dst = http1.AppendHeader(dst, "X-Content-Type-Options", "nosniff")
	dst = http1.AppendContentLength(dst, int64(len(text)+1))
	if conn != "" {
		dst = http1.AppendHeader(dst, "Connection", conn)
	}
	dst = append(dst, "\r\n"...)
	if !isHEAD {
		dst = append(dst, text...)
		dst = append(dst, '\n')
	}
	return dst
}

// appendDate appends the Date field. http1.AppendHeader takes strings and
// the cached date is a []byte: converting it would allocate per response.
func (b *Bridge) appendDate(dst []byte) []byte {
	dst = append(dst, "Date: "...)
	dst = append(dst, b.date()...)
	return append(dst, "\r\n"...)
}
