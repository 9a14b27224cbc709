package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chopin-go/chopin/http1"
	"github.com/chopin-go/chopin/router"
)

// standard serves the routes from net/http's own server: Standard mode.
type standard struct {
	srv      *http.Server
	requests atomic.Uint64
	fallback atomic.Uint64
}

func (s *Server) startStandard() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.addr = ln.Addr()
	ln = &limitListener{Listener: ln, max: int64(s.cfg.MaxConns)}
	t := s.cfg.Timeouts
	st := &standard{}
	st.srv = &http.Server{
		Handler:           st.handler(s),
		ReadHeaderTimeout: positive(t.Header),
		// net/http has one deadline for the head and body together.
		ReadTimeout:    positive(t.Header) + positive(t.Body),
		IdleTimeout:    positive(t.Idle),
		WriteTimeout:   positive(t.Write),
		MaxHeaderBytes: s.cfg.Limits.MaxHeaderBytes,
		// "OPTIONS *" is answered by our handler, as the engine does,
		// so that both modes send the same fields.
		DisableGeneralOptionsHandler: true,
		BaseContext:                  func(net.Listener) context.Context { return s.baseCtx },
	}
	s.std = st
	go func() {
		err := st.srv.Serve(ln)
		if !errors.Is(err, http.ErrServerClosed) {
			s.runErr = err
		}
		close(s.done)
	}()
	return nil
}

// positive maps our "negative disables" to net/http's "zero disables".
func positive(d time.Duration) time.Duration { return max(d, 0) }

func (st *standard) shutdown(ctx context.Context) error {
	err := st.srv.Shutdown(ctx)
	if err != nil {
		st.srv.Close()
	}
	return err
}

func (st *standard) addStats(s *Stats) {
	s.Requests += st.requests.Load()
	s.Fallback += st.fallback.Load()
}

// handler routes like the engine: FastRoutes and loop handlers by exact
// method and path, 405 with Allow for a known path, else the fallback or 404.
func (st *standard) handler(s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.requests.Add(1)
		if s.server != nil {
			w.Header().Set("Server", s.cfg.ServerName)
		}
		path := r.URL.EscapedPath()
		if r.URL.Opaque != "" || r.RequestURI == "*" {
			path = r.RequestURI
		}
		rt, p := s.rt.Lookup([]byte(r.Method), []byte(path))
		switch {
		case rt != nil && rt.Static != nil:
			serveStatic(w, r, rt.Static)
		case rt != nil:
			st.serveLoop(s, w, r, rt.Handler)
		case p != nil:
			w.Header().Set("Allow", p.Allow)
			plain(w, 405, "Method Not Allowed")
		case r.RequestURI == "*":
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(200)
		case s.cfg.Fallback != nil:
			st.fallback.Add(1)
			if !limitBody(w, r, s.cfg.Limits.MaxBodyBytes) {
				return
			}
			s.cfg.Fallback.ServeHTTP(w, r)
		default:
			plain(w, 404, "Not Found")
		}
	})
}

// limitBody applies Limits.MaxBodyBytes as the engine's parser does: a
// declared length over it is refused with 413 and the connection closed;
// a chunked body is cut at the limit with an *http.MaxBytesError. A body
// behind Expect: 100-continue keeps net/http's own reader, whose type
// net/http checks to decide on the 100 and on closing (its chunked length
// is then not capped in this mode).
func limitBody(w http.ResponseWriter, r *http.Request, max int64) bool {
	if r.ContentLength > max {
		w.Header().Set("Connection", "close")
		plain(w, 413, "request body too large")
		return false
	}
	if r.ContentLength < 0 && r.Header.Get("Expect") == "" {
		r.Body = http.MaxBytesReader(w, r.Body, max)
	}
	return true
}

func plain(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(msg)+1))
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

func serveStatic(w http.ResponseWriter, r *http.Request, s *router.Static) {
	h := w.Header()
	h.Set("Content-Type", s.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(s.Body)))
	w.WriteHeader(200)
	if r.Method != "HEAD" {
		w.Write(s.Body)
	}
}

// serveLoop runs a loop handler on net/http's goroutine, with an
// http1.Request rebuilt from r.
func (st *standard) serveLoop(s *Server, w http.ResponseWriter, r *http.Request, fn LoopFunc) {
	req := &Request{}
	req.Method = []byte(r.Method)
	req.Target = []byte(r.RequestURI)
	req.Path = []byte(r.URL.EscapedPath())
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		req.Query = []byte(r.URL.RawQuery)
	}
	req.Minor = r.ProtoMinor
	req.Host = []byte(r.Host)
	req.ContentLength = r.ContentLength
	req.Chunked = len(r.TransferEncoding) > 0
	req.KeepAlive = !r.Close
	for name, vals := range r.Header {
		for _, v := range vals {
			req.Headers = append(req.Headers, http1.Header{Name: []byte(name), Value: []byte(v)})
		}
	}
	if r.Body != nil {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.Limits.MaxBodyBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				plain(w, 413, "request body too large")
			} else {
				plain(w, 400, "Bad Request")
			}
			return
		}
		req.Body = body
	}
	resp := &Response{}
	ok := func() (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		fn(resp, req)
		return resp.err == nil
	}()
	if !ok {
		plain(w, 500, "Internal Server Error")
		return
	}
	h := w.Header()
	if resp.contentType != "" {
		h.Set("Content-Type", resp.contentType)
	}
	for _, line := range splitFields(resp.fields) {
		h.Add(line[0], line[1])
	}
	status := resp.status
	if status == 0 {
		status = 200
	}
	if http1.BodyAllowed(status) {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(status)
	if r.Method != "HEAD" && http1.BodyAllowed(status) {
		w.Write(resp.body)
	}
}

// splitFields turns "Name: value\r\n" lines back into pairs.
func splitFields(b []byte) [][2]string {
	var out [][2]string
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\r\n"))
		name, value, _ := bytes.Cut(line, []byte(": "))
		out = append(out, [2]string{string(name), string(value)})
		b = rest
	}
	return out
}

// limitListener applies MaxConns to net/http's server as the engine does:
// a connection past the limit is closed as soon as it is accepted.
type limitListener struct {
	net.Listener
	max  int64
	open atomic.Int64
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) > l.max {
			l.open.Add(-1)
			c.Close()
			continue
		}
		return &countedConn{Conn: c, l: l}, nil
	}
}

// countedConn gives its place back once closed, however often Close runs.
type countedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// CloseWrite keeps net/http's graceful close (shut the write side, then
// wait) working through the wrapper.
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
