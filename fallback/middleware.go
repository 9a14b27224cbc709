package fallback

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"
)

// Middleware wraps a Handler. Every Middleware here works the same under
// net/http's own Server and under a Bridge.
type Middleware func(http.Handler) http.Handler

// Chain wraps h in m; the first listed is outermost, so it sees the request
// first and the response last.
func Chain(h http.Handler, m ...Middleware) http.Handler {
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	return h
}

// Logging logs one line per request at Info level: method, uri, status,
// bytes, duration and remote, plus aborted=true when the handler panicked
// through it. A nil logger returns h unchanged. Logging every request is
// costly under load; whether to use it (the bench server leaves it out
// when ENVIRONMENT=production) is the caller's choice.
func Logging(l *slog.Logger) Middleware {
	if l == nil {
		return func(h http.Handler) http.Handler { return h }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := record(w)
			completed := false
			defer func() {
				attrs := []slog.Attr{
					slog.String("method", r.Method),
					slog.String("uri", r.RequestURI),
					slog.Int("status", rec.statusOr200()),
					slog.Int64("bytes", rec.bytes),
					slog.Duration("duration", time.Since(start)),
					slog.String("remote", r.RemoteAddr),
				}
				if !completed {
					attrs = append(attrs, slog.Bool("aborted", true))
				}
				l.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
			}()
			next.ServeHTTP(rec, r)
			completed = true
		})
	}
}

// Recover recovers a panic of the handlers it wraps and logs it at Error
// level with the stack. If the response header has not been written, it
// answers 500 with "Connection: close" (the handler's other header fields
// are dropped: they described a response that never happened); otherwise
// it panics again with http.ErrAbortHandler, which makes the server cut the
// connection without logging a second time. http.ErrAbortHandler itself
// passes through untouched. A nil logger discards.
func Recover(l *slog.Logger) Middleware {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := record(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				l.Error("fallback: handler panicked", "method", r.Method, "uri", r.RequestURI,
					"remote", r.RemoteAddr, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.wrote {
					panic(http.ErrAbortHandler)
				}
				// Nothing was sent: a clean 500, and the connection
				// serves its next request (one panic, one request).
				clear(rec.Header())
				http.Error(rec, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// recorder notes the status and body size a handler writes. It keeps the
// optional interfaces working: Flush, FlushError and Hijack forward through
// http.ResponseController, ReadFrom keeps net/http's sendfile path, and
// Unwrap lets ResponseController reach the deadlines and full duplex.
type recorder struct {
	http.ResponseWriter
	status int   // the final status, once written
	wrote  bool  // the final header is (logically) written
	bytes  int64 // body bytes accepted
}

// record wraps w, or reuses w when an outer middleware of ours already
// wrapped it, so that Logging and Recover see one set of facts.
func record(w http.ResponseWriter) *recorder {
	if r, ok := w.(*recorder); ok {
		return r
	}
	return &recorder{ResponseWriter: w}
}

func (r *recorder) statusOr200() int {
	if !r.wrote {
		return http.StatusOK // what the server sends for a handler that wrote nothing
	}
	return r.status
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		r.wrote, r.status = true, code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) implicit200() {
	if !r.wrote {
		r.wrote, r.status = true, http.StatusOK
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.implicit200()
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) WriteString(s string) (int, error) {
	r.implicit200()
	n, err := io.WriteString(r.ResponseWriter, s)
	r.bytes += int64(n)
	return n, err
}

// ReadFrom lets io.Copy use the wrapped writer's ReadFrom (sendfile under
// net/http).
func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	r.implicit200()
	var n int64
	var err error
	if rf, ok := r.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(struct{ io.Writer }{r.ResponseWriter}, src)
	}
	r.bytes += n
	return n, err
}

func (r *recorder) Flush() { _ = r.FlushError() }

func (r *recorder) FlushError() error {
	r.implicit200()
	return http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
