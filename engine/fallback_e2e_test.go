package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chopin-go/chopin/fallback"
)

// End-to-end tests of the fallback bridge over loopback sockets: where the
// handler runs, the *http.Request it gets, the ResponseWriter, Expect:
// 100-continue, the body limit, panics, a client that goes away, and the
// fallback middleware.

// The handler runs on its own goroutine: while one blocks, the only event
// loop keeps answering FastRoutes, loop handlers and other fallback
// requests on another connection.
func TestFallbackHandlerOffLoop(t *testing.T) {
	t.Parallel()
	entered := make(chan bool, 1) // whether the handler runs on a loop
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		entered <- onLoopGoroutine()
		select {
		case <-release:
		case <-time.After(handlerBound):
		}
		io.WriteString(w, "unblocked")
	})
	mux.HandleFunc("/quick", func(w http.ResponseWriter, r *http.Request) {
		if onLoopGoroutine() {
			w.WriteHeader(500)
		}
		io.WriteString(w, "quick")
	})
	cfg, _ := fallbackConfig(mux)
	cfg.Loops = 1 // both connections on the same loop
	s := startTest(t, cfg, testRoutes())
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})

	a := dial(t, s)
	a.send(get("/block"))
	if recvWithin(t, entered, "the blocking handler to start") {
		t.Fatal("the fallback handler runs on an event loop goroutine")
	}

	// The handler on a is blocked until released: if it held the loop,
	// none of these would be answered (the client's deadline fails it).
	b := dial(t, s)
	for range 3 {
		b.send(get("/plaintext") + get("/json") + get("/quick"))
		resp, body := b.read("GET")
		checkPlaintext(t, resp, body)
		if _, body := b.read("GET"); body != `{"message":"Hello, World!"}` {
			t.Fatalf("loop handler while a fallback blocks: %q", body)
		}
		if resp, body := b.read("GET"); resp.StatusCode != 200 || body != "quick" {
			t.Fatalf("second fallback while one blocks: %d %q", resp.StatusCode, body)
		}
	}

	close(release)
	if resp, body := a.read("GET"); resp.StatusCode != 200 || body != "unblocked" {
		t.Fatalf("blocked handler: %d %q", resp.StatusCode, body)
	}
	if st := s.Stats(); st.Loops != 1 || st.Fallback != 4 {
		t.Fatalf("stats: %d loops, %d fallback requests; want 1 and 4", st.Loops, st.Fallback)
	}
}

// reqSnap is what a handler saw of its *http.Request.
type reqSnap struct {
	Method, Proto          string
	ProtoMajor, ProtoMinor int
	URL, Scheme, URLHost   string
	Path, RawPath, Query   string
	Host, RequestURI       string
	RemoteAddr             string
	Header                 http.Header
	ContentLength          int64
	TransferEncoding       []string
	Close                  bool
	TrailerBefore          http.Header // before the body was read
	Body                   string
	BodyErr                string
	TrailerAfter           http.Header // after the body was read to EOF
}

// captureHandler sends what each request looked like on ch.
func captureHandler(ch chan<- reqSnap) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := reqSnap{
			Method: r.Method, Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
			URL: r.URL.String(), Scheme: r.URL.Scheme, URLHost: r.URL.Host,
			Path: r.URL.Path, RawPath: r.URL.RawPath, Query: r.URL.RawQuery,
			Host: r.Host, RequestURI: r.RequestURI, RemoteAddr: r.RemoteAddr,
			Header: r.Header.Clone(), ContentLength: r.ContentLength,
			TransferEncoding: r.TransferEncoding, Close: r.Close,
			TrailerBefore: r.Trailer.Clone(),
		}
		b, err := io.ReadAll(r.Body)
		s.Body = string(b)
		if err != nil {
			s.BodyErr = err.Error()
		}
		s.TrailerAfter = r.Trailer.Clone()
		select {
		case ch <- s:
		case <-time.After(handlerBound):
		}
		io.WriteString(w, "captured")
	}
}

// The *http.Request a fallback handler gets is the one net/http's server
// builds for the same bytes: each case is sent to a Performance server and
// to a Standard one (net/http itself), the snapshots must be equal, and
// the main fields are also checked against fixed expectations.
func TestFallbackRequestIsFaithful(t *testing.T) {
	t.Parallel()
	perfCh, stdCh := make(chan reqSnap, 1), make(chan reqSnap, 1)
	perfCfg, _ := fallbackConfig(captureHandler(perfCh))
	perf := startTest(t, perfCfg, testRoutes())
	stdCfg, _ := fallbackConfig(captureHandler(stdCh))
	stdCfg.Mode = Standard
	std := startTest(t, stdCfg, testRoutes())

	tests := []struct {
		name  string
		parts []string // written in turn, paced, on a fresh connection
		want  func(t *testing.T, s reqSnap)
	}{
		{"origin-form, query, repeated and lower-case fields", []string{
			"GET /req/a%20b?x=1&y=%2F HTTP/1.1\r\nHost: example.org\r\nx-lower: v\r\nX-Multi: a\r\n" +
				"X-Multi: b\r\nx-multi: c\r\nAccept: */*\r\nPragma: no-cache\r\n\r\n"},
			func(t *testing.T, s reqSnap) {
				want := http.Header{"X-Lower": {"v"}, "X-Multi": {"a", "b", "c"}, "Accept": {"*/*"},
					"Pragma": {"no-cache"}, "Cache-Control": {"no-cache"}}
				checkField(t, "Header", s.Header, want)
				checkField(t, "Method", s.Method, "GET")
				checkField(t, "Path", s.Path, "/req/a b")
				checkField(t, "RawQuery", s.Query, "x=1&y=%2F")
				checkField(t, "Host", s.Host, "example.org")
				checkField(t, "URL.Host", s.URLHost, "")
				checkField(t, "RequestURI", s.RequestURI, "/req/a%20b?x=1&y=%2F")
				checkField(t, "Proto", [3]any{s.Proto, s.ProtoMajor, s.ProtoMinor}, [3]any{"HTTP/1.1", 1, 1})
				checkField(t, "ContentLength", s.ContentLength, int64(0))
				checkField(t, "TransferEncoding", s.TransferEncoding, []string(nil))
				checkField(t, "Close", s.Close, false)
				checkField(t, "Body", s.Body+s.BodyErr, "")
			}},
		{"absolute-form: Host comes from the target", []string{
			"GET http://Target.example:8080/req/abs?q=1 HTTP/1.1\r\nHost: ignored.example\r\nX-A: 1\r\n\r\n"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "Host", s.Host, "Target.example:8080")
				checkField(t, "URL.Host", s.URLHost, "Target.example:8080")
				checkField(t, "URL.Scheme", s.Scheme, "http")
				checkField(t, "Path", s.Path, "/req/abs")
				checkField(t, "RequestURI", s.RequestURI, "http://Target.example:8080/req/abs?q=1")
				checkField(t, "Header", s.Header, http.Header{"X-A": {"1"}})
			}},
		{"escaped path keeps RawPath", []string{"GET /req/%7Euser/x%2Fy HTTP/1.1\r\nHost: h\r\n\r\n"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "Path", s.Path, "/req/~user/x/y")
				checkField(t, "RawPath", s.RawPath, "/req/%7Euser/x%2Fy")
			}},
		{"HTTP/1.0 without Host", []string{"GET /req/old HTTP/1.0\r\nUser-Agent: old\r\n\r\n"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "Proto", [3]any{s.Proto, s.ProtoMajor, s.ProtoMinor}, [3]any{"HTTP/1.0", 1, 0})
				checkField(t, "Host", s.Host, "")
				checkField(t, "Close", s.Close, true)
			}},
		{"HTTP/1.0 keep-alive", []string{"GET /req/ka HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "Close", s.Close, false)
				checkField(t, "Header", s.Header, http.Header{"Connection": {"keep-alive"}})
			}},
		{"Connection: close", []string{"GET /req/close HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"},
			func(t *testing.T, s reqSnap) { checkField(t, "Close", s.Close, true) }},
		{"Content-Length body", []string{
			"POST /req/post HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "ContentLength", s.ContentLength, int64(11))
				checkField(t, "Body", s.Body+s.BodyErr, "hello world")
				checkField(t, "TransferEncoding", s.TransferEncoding, []string(nil))
				checkField(t, "Header", s.Header, http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"11"}})
				checkField(t, "Trailer", s.TrailerAfter, http.Header(nil))
			}},
		{"repeated identical Content-Length", []string{
			"POST /req/cl2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "Content-Length field", s.Header["Content-Length"], []string{"3"})
				checkField(t, "Body", s.Body, "abc")
			}},
		{"Content-Length body in pieces", []string{
			"PUT /req/put HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01", "234", "56789"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "Method", s.Method, "PUT")
				checkField(t, "Body", s.Body+s.BodyErr, "0123456789")
			}},
		{"chunked with trailers", []string{
			"POST /req/chunked?t=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum, X-Other\r\n\r\n" +
				chunkedBody("hello world", 4, "X-Sum: 42", "x-other: o")},
			func(t *testing.T, s reqSnap) {
				checkField(t, "ContentLength", s.ContentLength, int64(-1))
				checkField(t, "TransferEncoding", s.TransferEncoding, []string{"chunked"})
				checkField(t, "Header", s.Header, http.Header{}) // no Transfer-Encoding, no Trailer
				checkField(t, "Trailer before the body", s.TrailerBefore, http.Header{"X-Sum": nil, "X-Other": nil})
				checkField(t, "Body", s.Body+s.BodyErr, "hello world")
				checkField(t, "Trailer after the body", s.TrailerAfter, http.Header{"X-Sum": {"42"}, "X-Other": {"o"}})
			}},
		{"chunked in pieces while the handler reads", []string{
			"POST /req/chunked2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n",
			"3\r\nabc\r\n", "4\r\ndefg", "\r\n0\r\nX-Sum: 7\r\n", "\r\n"},
			func(t *testing.T, s reqSnap) {
				checkField(t, "Body", s.Body+s.BodyErr, "abcdefg")
				checkField(t, "Trailer after the body", s.TrailerAfter, http.Header{"X-Sum": {"7"}})
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var snaps [2]reqSnap
			for i, srv := range []struct {
				s  *Server
				ch chan reqSnap
			}{{perf, perfCh}, {std, stdCh}} {
				c := dial(t, srv.s)
				for k, p := range tc.parts {
					if k > 0 {
						time.Sleep(5 * time.Millisecond) // pacing: separate reads
					}
					c.send(p)
				}
				snaps[i] = recvWithin(t, srv.ch, "the handler's snapshot")
				if resp, body := c.read("GET"); resp.StatusCode != 200 || body != "captured" {
					t.Fatalf("response %d %q", resp.StatusCode, body)
				}
				if snaps[i].RemoteAddr != c.c.LocalAddr().String() {
					t.Errorf("RemoteAddr %q, want the client's address %q", snaps[i].RemoteAddr, c.c.LocalAddr())
				}
				snaps[i].RemoteAddr = ""
			}
			if !reflect.DeepEqual(snaps[0], snaps[1]) {
				t.Errorf("the request differs from net/http's:\nperformance %+v\nnet/http    %+v", snaps[0], snaps[1])
			}
			tc.want(t, snaps[0])
		})
	}
}

func checkField[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// The request's context ends when the client goes away, whether the
// handler waits on it or is reading the body.
func TestFallbackContextCancelledWhenClientGoes(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 2)
	ended := make(chan error, 2)
	mux := http.NewServeMux()
	mux.HandleFunc("/wait", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-r.Context().Done():
			ended <- r.Context().Err()
		case <-time.After(handlerBound):
			ended <- errors.New("the context was never cancelled")
		}
	})
	bodyErr := make(chan error, 1)
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		_, err := io.ReadAll(r.Body)
		bodyErr <- err
		select {
		case <-r.Context().Done():
			ended <- r.Context().Err()
		case <-time.After(handlerBound):
			ended <- errors.New("the context was never cancelled")
		}
	})
	cfg, _ := fallbackConfig(mux)
	s := startTest(t, cfg, testRoutes())

	t.Run("waiting", func(t *testing.T) {
		c := dial(t, s)
		c.send(get("/wait"))
		recvWithin(t, started, "the handler to start")
		c.c.Close()
		if err := recvWithin(t, ended, "the context to be cancelled"); !errors.Is(err, context.Canceled) {
			t.Fatalf("context ended with %v, want context.Canceled", err)
		}
	})
	t.Run("reading the body", func(t *testing.T) {
		c := dial(t, s)
		c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly ten b")
		recvWithin(t, started, "the handler to start")
		c.c.Close()
		if err := recvWithin(t, bodyErr, "the body read to fail"); err == nil {
			t.Fatal("reading a body cut short by the client returned no error")
		}
		if err := recvWithin(t, ended, "the context to be cancelled"); !errors.Is(err, context.Canceled) {
			t.Fatalf("context ended with %v, want context.Canceled", err)
		}
	})
	// The server is unharmed.
	c := dial(t, s)
	c.send(get("/plaintext"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
}

// rwHandler serves the ResponseWriter cases. step releases the flushing
// handlers' second half; writeErr receives the error of a refused Write.
func rwHandler(step <-chan struct{}, writeErr chan<- error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/rw/implicit", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	mux.HandleFunc("/rw/empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/rw/html", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body>hi</body></html>")
	})
	mux.HandleFunc("/rw/typed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-custom")
		io.WriteString(w, "<html>")
	})
	mux.HandleFunc("/rw/twice", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(202)
		w.WriteHeader(500)
		io.WriteString(w, "accepted")
	})
	mux.HandleFunc("/rw/2048", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("a", 2048))
	})
	mux.HandleFunc("/rw/2049", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("b", 1000))
		io.WriteString(w, strings.Repeat("b", 1049))
		w.Header().Set(http.TrailerPrefix+"X-Big", "yes")
	})
	mux.HandleFunc("/rw/trailers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "abc")
		w.(http.Flusher).Flush()
		io.WriteString(w, "def")
		w.Header().Set("X-Checksum", "sum-abcdef")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	mux.HandleFunc("/rw/declared-trailer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-T")
		io.WriteString(w, "tiny")
		w.Header().Set("X-T", "v")
	})
	mux.HandleFunc("/rw/head", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "head body") })
	mux.HandleFunc("/rw/204", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(204)
		_, err := io.WriteString(w, "not allowed")
		writeErr <- err
	})
	mux.HandleFunc("/rw/304", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(304)
	})
	flushing := func(flush func(w http.ResponseWriter) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "part1")
			if err := flush(w); err != nil {
				io.WriteString(w, "flush: "+err.Error())
				return
			}
			select {
			case <-step:
			case <-time.After(handlerBound):
			}
			io.WriteString(w, "part2")
		}
	}
	mux.HandleFunc("/rw/flusher", flushing(func(w http.ResponseWriter) error {
		w.(http.Flusher).Flush()
		return nil
	}))
	mux.HandleFunc("/rw/controller", flushing(func(w http.ResponseWriter) error {
		return http.NewResponseController(w).Flush()
	}))
	mux.HandleFunc("/rw/hijack", func(w http.ResponseWriter, r *http.Request) {
		_, _, err1 := http.NewResponseController(w).Hijack()
		hj, ok := w.(http.Hijacker)
		var err2 error = errors.New("not a Hijacker")
		if ok {
			_, _, err2 = hj.Hijack()
		}
		fmt.Fprint(w, errors.Is(err1, fallback.ErrHijackUnsupported), errors.Is(err2, fallback.ErrHijackUnsupported))
	})
	return mux
}

func TestFallbackResponseWriter(t *testing.T) {
	t.Parallel()
	step := make(chan struct{}, 1)
	writeErr := make(chan error, 1)
	cfg, logs := fallbackConfig(rwHandler(step, writeErr))
	s := startTest(t, cfg, testRoutes())
	c := dial(t, s) // one connection throughout: every response must keep it in step

	header := func(resp *http.Response, name, want string) {
		t.Helper()
		if got, ok := resp.Header[name]; want == "" && ok {
			t.Errorf("%s: unexpected %s: %q", resp.Request.URL, name, got)
		} else if want != "" && resp.Header.Get(name) != want {
			t.Errorf("%s: %s = %q, want %q", resp.Request.URL, name, resp.Header.Get(name), want)
		}
	}
	do := func(method, path string) (*http.Response, string) {
		t.Helper()
		c.send(method + " " + path + " HTTP/1.1\r\nHost: t\r\n\r\n")
		resp, body := c.read(method)
		resp.Request, _ = http.NewRequest(method, path, nil)
		if resp.Header.Get("Date") == "" || resp.Header.Get("Server") != DefaultServerName {
			t.Errorf("%s %s: Date %q Server %q", method, path, resp.Header.Get("Date"), resp.Header.Get("Server"))
		}
		if resp.Close {
			t.Fatalf("%s %s: the connection is closing", method, path)
		}
		return resp, body
	}
	identity := func(resp *http.Response, length string) {
		t.Helper()
		header(resp, "Content-Length", length)
		if len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: Transfer-Encoding %q, want none", resp.Request.URL, resp.TransferEncoding)
		}
	}
	isChunked := func(resp *http.Response) {
		t.Helper()
		header(resp, "Content-Length", "")
		if !reflect.DeepEqual(resp.TransferEncoding, []string{"chunked"}) {
			t.Errorf("%s: Transfer-Encoding %q, want chunked", resp.Request.URL, resp.TransferEncoding)
		}
	}

	t.Run("implicit 200, sniffed type, length", func(t *testing.T) {
		resp, body := do("GET", "/rw/implicit")
		if resp.StatusCode != 200 || body != "hello" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		identity(resp, "5")
		header(resp, "Content-Type", "text/plain; charset=utf-8")
	})
	t.Run("nothing written", func(t *testing.T) {
		resp, body := do("GET", "/rw/empty")
		if resp.StatusCode != 200 || body != "" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		identity(resp, "0")
		header(resp, "Content-Type", "")
	})
	t.Run("sniffed html", func(t *testing.T) {
		resp, _ := do("GET", "/rw/html")
		header(resp, "Content-Type", "text/html; charset=utf-8")
	})
	t.Run("explicit type not sniffed", func(t *testing.T) {
		resp, body := do("GET", "/rw/typed")
		header(resp, "Content-Type", "application/x-custom")
		if body != "<html>" {
			t.Fatalf("body %q", body)
		}
	})
	t.Run("WriteHeader once", func(t *testing.T) {
		resp, body := do("GET", "/rw/twice")
		if resp.StatusCode != 202 || body != "accepted" {
			t.Fatalf("%d %q, want the first status", resp.StatusCode, body)
		}
		logs.waitFor(t, "fallback: superfluous response.WriteHeader call", 1)
	})
	t.Run("2048 bytes get a length", func(t *testing.T) {
		resp, body := do("GET", "/rw/2048")
		identity(resp, "2048")
		if len(body) != 2048 {
			t.Fatalf("%d bytes", len(body))
		}
	})
	t.Run("2049 bytes go chunked, with a trailer", func(t *testing.T) {
		resp, body := do("GET", "/rw/2049")
		isChunked(resp)
		if body != strings.Repeat("b", 2049) {
			t.Fatalf("%d bytes", len(body))
		}
		if want := (http.Header{"X-Big": {"yes"}}); !reflect.DeepEqual(resp.Trailer, want) {
			t.Fatalf("trailer %v, want %v", resp.Trailer, want)
		}
	})
	t.Run("flush then trailers", func(t *testing.T) {
		c.send(get("/rw/trailers"))
		resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatal(err)
		}
		resp.Request, _ = http.NewRequest("GET", "/rw/trailers", nil)
		// ReadResponse moves the Trailer field into resp.Trailer's
		// keys, with values once the body is read.
		if declared := (http.Header{"X-Checksum": nil}); !reflect.DeepEqual(resp.Trailer, declared) {
			t.Errorf("declared trailer %v, want %v", resp.Trailer, declared)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || string(body) != "abcdef" {
			t.Fatalf("body %q %v", body, err)
		}
		isChunked(resp)
		want := http.Header{"X-Checksum": {"sum-abcdef"}, "X-Late": {"late"}}
		if !reflect.DeepEqual(resp.Trailer, want) {
			t.Fatalf("trailer %v, want %v", resp.Trailer, want)
		}
	})
	t.Run("declared trailer forces chunking", func(t *testing.T) {
		resp, body := do("GET", "/rw/declared-trailer")
		isChunked(resp)
		if body != "tiny" || resp.Trailer.Get("X-T") != "v" {
			t.Fatalf("body %q trailer %v", body, resp.Trailer)
		}
	})
	t.Run("HEAD has no body", func(t *testing.T) {
		resp, body := do("HEAD", "/rw/head")
		if resp.StatusCode != 200 || body != "" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		header(resp, "Content-Length", "9")
		// The next request would read stray body bytes as its
		// status line if any had been sent.
		resp, body = do("GET", "/rw/head")
		if body != "head body" {
			t.Fatalf("GET after HEAD: %d %q", resp.StatusCode, body)
		}
	})
	t.Run("204 has no body", func(t *testing.T) {
		resp, body := do("GET", "/rw/204")
		if resp.StatusCode != 204 || body != "" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		header(resp, "Content-Length", "")
		header(resp, "Content-Type", "")
		if len(resp.TransferEncoding) != 0 {
			t.Fatalf("Transfer-Encoding %q on a 204", resp.TransferEncoding)
		}
		if err := recvWithin(t, writeErr, "the 204 handler's write"); !errors.Is(err, http.ErrBodyNotAllowed) {
			t.Fatalf("Write after 204: %v, want http.ErrBodyNotAllowed", err)
		}
	})
	t.Run("304 has no body", func(t *testing.T) {
		resp, body := do("GET", "/rw/304")
		if resp.StatusCode != 304 || body != "" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		header(resp, "Content-Length", "")
		header(resp, "Content-Type", "") // RFC 9110 §15.4.5, as net/http
		header(resp, "Etag", `"v1"`)
	})
	for _, path := range []string{"/rw/flusher", "/rw/controller"} {
		t.Run("flush "+path, func(t *testing.T) {
			// The handler waits after its flush until the test has
			// read the flushed bytes: they must have left before the
			// handler returned.
			c.send(get(path))
			resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
			if err != nil {
				t.Fatal(err)
			}
			first := make([]byte, 5)
			if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "part1" {
				t.Fatalf("flushed part: %q %v", first, err)
			}
			step <- struct{}{}
			rest, err := io.ReadAll(resp.Body)
			if err != nil || string(rest) != "part2" {
				t.Fatalf("rest: %q %v", rest, err)
			}
			if !reflect.DeepEqual(resp.TransferEncoding, []string{"chunked"}) {
				t.Fatalf("a flushed response is not chunked: %q", resp.TransferEncoding)
			}
		})
	}
	t.Run("Hijack is refused", func(t *testing.T) {
		if _, body := do("GET", "/rw/hijack"); body != "true true" {
			t.Fatalf("errors.Is(err, ErrHijackUnsupported) for ResponseController and Hijacker: %s", body)
		}
	})
}

// Expect: 100-continue is answered as net/http answers it: the 100 when
// the handler first reads the body, none if it answers without reading (and
// then the connection ends).
func TestFallbackExpectContinue(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		io.WriteString(w, "got "+string(b))
	})
	mux.HandleFunc("/ignore", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ignored") })
	cfg, _ := fallbackConfig(mux)
	s := startTest(t, cfg, testRoutes())

	t.Run("handler reads", func(t *testing.T) {
		c := dial(t, s)
		c.send("POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		c.readContinue()
		c.send("hello")
		if resp, body := c.read("POST"); resp.StatusCode != 200 || body != "got hello" || resp.Close {
			t.Fatalf("%d %q close=%v", resp.StatusCode, body, resp.Close)
		}
		if c.connClosed() {
			t.Fatal("the connection ended after a body read in full")
		}
	})
	t.Run("body sent without waiting", func(t *testing.T) {
		// net/http still sends the 100 when the handler reads.
		c := dial(t, s)
		c.send("POST /read HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello")
		c.readContinue()
		if resp, body := c.read("POST"); resp.StatusCode != 200 || body != "got hello" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		if c.connClosed() {
			t.Fatal("the connection ended after a body read in full")
		}
	})
	t.Run("handler ignores the body", func(t *testing.T) {
		c := dial(t, s)
		c.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		resp, body := c.read("POST") // no 100 before it
		if resp.StatusCode != 200 || body != "ignored" || !resp.Close {
			t.Fatalf("%d %q close=%v; want 200 and Connection: close", resp.StatusCode, body, resp.Close)
		}
		c.expectEOF()
	})
	t.Run("HTTP/1.0 gets no 100", func(t *testing.T) {
		c := dial(t, s)
		c.send("POST /read HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello")
		if resp, body := c.read("POST"); resp.StatusCode != 200 || body != "got hello" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	})
}

// A body over Config.Limits.MaxBodyBytes: with a Content-Length the
// parser refuses it (413) before any handler runs; chunked, the handler's
// read fails with *http.MaxBytesError once the decoded body passes it.
func TestFallbackBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 1000
	type readResult struct {
		n   int64
		err error
	}
	var calls atomic.Int64
	reads := make(chan readResult, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		n, err := io.Copy(io.Discard, r.Body)
		reads <- readResult{n, err}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "read %d", n)
	})
	cfg, _ := fallbackConfig(h)
	cfg.Limits.MaxBodyBytes = limit
	s := startTest(t, cfg, testRoutes())
	post := func(framing, body string) string {
		return "POST /up HTTP/1.1\r\nHost: t\r\n" + framing + "\r\n\r\n" + body
	}

	t.Run("Content-Length over the limit", func(t *testing.T) {
		c := dial(t, s)
		c.send(post("Content-Length: 1001", strings.Repeat("x", 1001)))
		resp, _ := c.read("POST")
		if resp.StatusCode != 413 || !resp.Close {
			t.Fatalf("%d close=%v, want 413 and close", resp.StatusCode, resp.Close)
		}
		c.expectEOF()
		if n := calls.Load(); n != 0 {
			t.Fatalf("the handler ran %d times for a body the parser refused", n)
		}
	})
	t.Run("Content-Length at the limit", func(t *testing.T) {
		c := dial(t, s)
		c.send(post("Content-Length: 1000", strings.Repeat("x", 1000)))
		if resp, body := c.read("POST"); resp.StatusCode != 200 || body != "read 1000" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		recvWithin(t, reads, "the handler's read")
	})
	t.Run("chunked at the limit", func(t *testing.T) {
		c := dial(t, s)
		c.send(post("Transfer-Encoding: chunked", chunkedBody(strings.Repeat("y", 1000), 300)))
		if resp, body := c.read("POST"); resp.StatusCode != 200 || body != "read 1000" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
		recvWithin(t, reads, "the handler's read")
	})
	for _, paced := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked over the limit, paced=%v", paced), func(t *testing.T) {
			c := dial(t, s)
			body := chunkedBody(strings.Repeat("z", 1200), 600)
			if paced {
				c.send(post("Transfer-Encoding: chunked", ""))
				for _, p := range strings.SplitAfter(body, "\r\n") {
					time.Sleep(2 * time.Millisecond) // pacing: the handler reads as it comes
					c.send(p)
				}
			} else {
				c.send(post("Transfer-Encoding: chunked", body))
			}
			rr := recvWithin(t, reads, "the handler's read")
			var mbe *http.MaxBytesError
			if !errors.As(rr.err, &mbe) || mbe.Limit != limit {
				t.Fatalf("handler read %d bytes and %v, want *http.MaxBytesError{Limit: %d}", rr.n, rr.err, limit)
			}
			if rr.n != 600 {
				t.Fatalf("handler read %d bytes before the error, want the 600 under the limit", rr.n)
			}
			resp, _ := c.read("POST")
			if resp.StatusCode != 413 || !resp.Close {
				t.Fatalf("%d close=%v, want 413 and close", resp.StatusCode, resp.Close)
			}
			c.expectEOF()
		})
	}
}

// panicHandler panics before writing (/panic/early), after a flush
// (/panic/late), and with http.ErrAbortHandler (/panic/abort); /ok answers.
func panicHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/panic/early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Lost", "1")
		panic("early boom")
	})
	mux.HandleFunc("/panic/late", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("late boom")
	})
	mux.HandleFunc("/panic/abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	return mux
}

// checkServing checks that c is answered (FastRoute and fallback).
func checkServing(t *testing.T, c *client, what string) {
	t.Helper()
	c.send(get("/plaintext") + get("/ok"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
	if resp, body := c.read("GET"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("%s: fallback %d %q", what, resp.StatusCode, body)
	}
}

// A panic before anything was sent is a clean 500, logged; the issue asks
// that the connection then goes on serving its later requests, and other
// connections are never affected.
func TestFallbackPanicBeforeWriting(t *testing.T) {
	t.Parallel()
	cfg, logs := fallbackConfig(panicHandler())
	s := startTest(t, cfg, testRoutes())
	other := dial(t, s)
	checkServing(t, other, "another connection before the panic")

	c := dial(t, s)
	c.send(get("/panic/early") + get("/plaintext") + get("/ok"))
	resp, body := c.read("GET")
	if resp.StatusCode != 500 || body != "Internal Server Error\n" {
		t.Fatalf("panic: %d %q, want a 500", resp.StatusCode, body)
	}
	if resp.ContentLength != int64(len(body)) || resp.Header.Get("X-Lost") != "" {
		t.Fatalf("the 500 is not clean: length %d, header %v", resp.ContentLength, resp.Header)
	}
	recs := logs.waitFor(t, "fallback: panic serving request", 1)
	if r := recs[0]; r["panic"] != "early boom" || r["uri"] != "/panic/early" || r["level"] != "ERROR" ||
		!strings.Contains(fmt.Sprint(r["stack"]), "fallback_e2e_test.go") {
		t.Fatalf("panic log record: %v", r)
	}

	// The connection's later requests, pipelined behind the panic.
	if resp.Close {
		t.Errorf("the clean 500 says Connection: close and the pipelined requests behind it are dropped; " +
			"the issue asks that the connection keeps serving after a clean 500")
	} else {
		resp, body = c.read("GET")
		checkPlaintext(t, resp, body)
		if resp, body := c.read("GET"); resp.StatusCode != 200 || body != "ok" {
			t.Errorf("after the 500: %d %q", resp.StatusCode, body)
		}
	}

	checkServing(t, other, "another connection after the panic")
	checkServing(t, dial(t, s), "a new connection after the panic")
}

// A panic after the response began cuts the connection (the client sees a
// truncated chunked body), is logged, and leaves other connections alone.
func TestFallbackPanicAfterWriting(t *testing.T) {
	t.Parallel()
	cfg, logs := fallbackConfig(panicHandler())
	s := startTest(t, cfg, testRoutes())
	other := dial(t, s)
	checkServing(t, other, "another connection before the panic")

	c := dial(t, s)
	c.send(get("/panic/late") + get("/plaintext"))
	resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "partial" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %d %q %v, want 200, the flushed part, then a cut", resp.StatusCode, b, err)
	}
	c.expectEOF() // the pipelined request is not answered
	recs := logs.waitFor(t, "fallback: panic serving request", 1)
	if r := recs[0]; r["panic"] != "late boom" || r["uri"] != "/panic/late" {
		t.Fatalf("panic log record: %v", r)
	}

	checkServing(t, other, "another connection after the panic")
	checkServing(t, dial(t, s), "a new connection after the panic")
}

// http.ErrAbortHandler aborts quietly, as in net/http: not logged.
func TestFallbackPanicAbortHandlerNotLogged(t *testing.T) {
	t.Parallel()
	cfg, logs := fallbackConfig(panicHandler())
	s := startTest(t, cfg, testRoutes())
	c := dial(t, s)
	c.send(get("/panic/abort"))
	if resp, _, err := c.tryRead("GET"); err == nil && resp.StatusCode != 500 {
		t.Fatalf("aborted handler answered %d", resp.StatusCode)
	}
	checkServing(t, dial(t, s), "a new connection after the abort")
	if recs := logs.find(t, "fallback: panic serving request"); len(recs) != 0 {
		t.Fatalf("http.ErrAbortHandler was logged: %v", recs)
	}
}

// fallback.Chain with Logging and Recover, end to end: one log line per
// request with its facts, a 500 from Recover for an early panic, a cut
// connection for a late one, and the bridge logs neither panic again.
func TestFallbackMiddleware(t *testing.T) {
	t.Parallel()
	mwLog, mwLogs := newTestLogger()
	mux := http.NewServeMux()
	mux.HandleFunc("/mw/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/mw/teapot", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short")
	})
	mux.HandleFunc("/mw/panic", func(w http.ResponseWriter, r *http.Request) { panic("mw boom") })
	mux.HandleFunc("/mw/late", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("late mw boom")
	})
	h := fallback.Chain(mux, fallback.Logging(mwLog), fallback.Recover(mwLog))
	cfg, engineLogs := fallbackConfig(h)
	s := startTest(t, cfg, testRoutes())

	requestLog := func(uri string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(waitBound)
		for {
			for _, r := range mwLogs.find(t, "request") {
				if r["uri"] == uri {
					return r
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no request log line for %s; log:\n%s", uri, mwLogs.String())
			}
			time.Sleep(5 * time.Millisecond) // polling, not asserting
		}
	}

	c := dial(t, s)
	c.send(get("/mw/ok?x=1") + get("/mw/teapot"))
	if resp, body := c.read("GET"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("ok: %d %q", resp.StatusCode, body)
	}
	if resp, body := c.read("GET"); resp.StatusCode != 418 || body != "short" {
		t.Fatalf("teapot: %d %q", resp.StatusCode, body)
	}
	r := requestLog("/mw/ok?x=1")
	if r["level"] != "INFO" || r["method"] != "GET" || r["status"] != 200.0 || r["bytes"] != 2.0 ||
		r["remote"] != c.c.LocalAddr().String() || r["duration"] == nil || r["aborted"] != nil {
		t.Fatalf("log line for /mw/ok: %v", r)
	}
	if r := requestLog("/mw/teapot"); r["status"] != 418.0 || r["bytes"] != 5.0 {
		t.Fatalf("log line for /mw/teapot: %v", r)
	}

	t.Run("Recover answers 500", func(t *testing.T) {
		c := dial(t, s)
		c.send(get("/mw/panic"))
		resp, body := c.read("GET")
		if resp.StatusCode != 500 || body != "Internal Server Error\n" || resp.Close ||
			resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("%d %q close=%v %v", resp.StatusCode, body, resp.Close, resp.Header)
		}
		// One panic costs one request: the connection serves the next.
		c.send(get("/mw/ok"))
		if resp, body := c.read("GET"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("after the panic: %d %q", resp.StatusCode, body)
		}
		recs := mwLogs.waitFor(t, "fallback: handler panicked", 1)
		if recs[0]["panic"] != "mw boom" || recs[0]["uri"] != "/mw/panic" || recs[0]["level"] != "ERROR" {
			t.Fatalf("Recover's log record: %v", recs[0])
		}
		if r := requestLog("/mw/panic"); r["status"] != 500.0 || r["aborted"] != nil {
			t.Fatalf("log line for /mw/panic: %v", r)
		}
	})
	t.Run("late panic cuts the connection", func(t *testing.T) {
		c := dial(t, s)
		c.send(get("/mw/late"))
		resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if string(b) != "partial" || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %q %v, want the flushed part then a cut", b, err)
		}
		if r := requestLog("/mw/late"); r["aborted"] != true || r["status"] != 200.0 {
			t.Fatalf("log line for /mw/late: %v", r)
		}
		var lateLogged bool
		for _, r := range mwLogs.find(t, "fallback: handler panicked") {
			lateLogged = lateLogged || r["panic"] == "late mw boom"
		}
		if !lateLogged {
			t.Fatalf("Recover did not log the late panic:\n%s", mwLogs.String())
		}
	})
	checkServing(t, c, "the first connection after the panics")
	if recs := engineLogs.find(t, "fallback: panic serving request"); len(recs) != 0 {
		t.Fatalf("the bridge logged panics Recover handled: %v", recs)
	}
}

// A body the handler does not read is discarded as it arrives, and the
// connection goes on with the next request (package fallback: "an unread
// request body never forces the connection closed").
func TestFallbackUnreadBodyDiscarded(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/ignore", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ignored") })
	cfg, _ := fallbackConfig(mux)
	s := startTest(t, cfg, testRoutes())
	big := strings.Repeat("u", 300<<10)
	for _, framing := range []string{
		"Content-Length: " + fmt.Sprint(len(big)) + "\r\n\r\n" + big,
		"Transfer-Encoding: chunked\r\n\r\n" + chunkedBody(big, 10000),
	} {
		c := dial(t, s)
		req := "POST /ignore HTTP/1.1\r\nHost: t\r\n" + framing + get("/plaintext")
		for len(req) > 0 { // in pieces, so most of the body comes after the answer
			k := min(len(req), 64<<10)
			c.send(req[:k])
			req = req[k:]
			time.Sleep(time.Millisecond) // pacing: separate reads
		}
		if resp, body := c.read("POST"); resp.StatusCode != 200 || body != "ignored" || resp.Close {
			t.Fatalf("%d %q close=%v", resp.StatusCode, body, resp.Close)
		}
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
	}
}

// A response far larger than the slot window (256 KiB) and the output
// high-water mark reaches a client that starts reading late, intact.
func TestFallbackLargeResponse(t *testing.T) {
	t.Parallel()
	const size = 8 << 20
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		p := make([]byte, 64<<10)
		for i := range size / len(p) {
			for k := range p {
				p[k] = byte('a' + (i+k)%26)
			}
			if _, err := w.Write(p); err != nil {
				return
			}
		}
	})
	cfg, _ := fallbackConfig(mux)
	s := startTest(t, cfg, testRoutes())
	c := dial(t, s)
	c.send(get("/big") + get("/plaintext"))
	time.Sleep(50 * time.Millisecond) // pacing: let the server fill its buffers first
	resp, body := c.read("GET")
	if resp.StatusCode != 200 || len(body) != size {
		t.Fatalf("%d, %d bytes", resp.StatusCode, len(body))
	}
	for i := 0; i < size; i += 64 << 10 {
		if body[i] != byte('a'+(i>>16)%26) {
			t.Fatalf("byte %d is %q", i, body[i])
		}
	}
	resp, body = c.read("GET")
	checkPlaintext(t, resp, body)
}

// A client that half-closes with a large fallback response still owed:
// the handler produces it only after the server has seen the EOF (its
// context ends then), so the drainer carries all of it, past the slot
// window, then the answer pipelined behind it.
func TestFallbackHalfCloseLargeResponse(t *testing.T) {
	t.Parallel()
	const size = 4 << 20
	mux := http.NewServeMux()
	mux.HandleFunc("/big-after-eof", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(handlerBound):
			w.WriteHeader(500)
			return
		}
		p := []byte(strings.Repeat("d", 32<<10))
		for range size / len(p) {
			if _, err := w.Write(p); err != nil {
				return
			}
		}
	})
	cfg, _ := fallbackConfig(mux)
	s := startTest(t, cfg, testRoutes())
	c := dial(t, s)
	c.send(get("/big-after-eof") + get("/json"))
	c.closeWrite()
	resp, body := c.read("GET")
	if resp.StatusCode != 200 || body != strings.Repeat("d", size) {
		t.Fatalf("%d, %d bytes", resp.StatusCode, len(body))
	}
	if _, body := c.read("GET"); body != `{"message":"Hello, World!"}` {
		t.Fatalf("after the large response: %q", body)
	}
	c.expectEOF()
	if s.Stats().HalfClosed == 0 {
		t.Fatal("Stats().HalfClosed = 0: the drainer did not carry the response")
	}
}

// A client that goes away while the handler is blocked writing (its
// response does not fit in the window the server keeps) ends the handler:
// its Write fails and its context is cancelled.
func TestFallbackClientGoneWhileWriting(t *testing.T) {
	t.Parallel()
	type result struct {
		err    error
		ctxErr error
	}
	started := make(chan struct{}, 1)
	done := make(chan result, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/flood", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		p := make([]byte, 64<<10)
		var err error
		for i := 0; i < 1024 && err == nil; i++ { // at most 64 MiB
			_, err = w.Write(p)
		}
		select {
		case <-r.Context().Done():
		case <-time.After(handlerBound):
		}
		done <- result{err, r.Context().Err()}
	})
	cfg, _ := fallbackConfig(mux)
	s := startTest(t, cfg, testRoutes())
	c := dial(t, s)
	c.send(get("/flood"))
	recvWithin(t, started, "the handler to start")
	if _, err := http.ReadResponse(c.br, &http.Request{Method: "GET"}); err != nil {
		t.Fatal(err)
	}
	c.c.Close() // unread data: the kernel resets the connection
	r := recvWithin(t, done, "the handler to end")
	if r.err == nil {
		t.Fatal("the handler wrote 64 MiB to a client that left without an error")
	}
	if !errors.Is(r.ctxErr, context.Canceled) {
		t.Fatalf("context: %v, want context.Canceled", r.ctxErr)
	}
}

// Shutdown lets a fallback handler that is running finish and deliver its
// response, then returns.
func TestFallbackShutdownWaitsForHandler(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-time.After(handlerBound):
		}
		io.WriteString(w, "finished")
	})
	cfg, _ := fallbackConfig(mux)
	s, err := Start(cfg, testRoutes())
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	c.send(get("/block"))
	recvWithin(t, entered, "the handler to start")

	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- s.Shutdown(ctx)
	}()
	time.Sleep(20 * time.Millisecond) // pacing: let the drain begin
	close(release)
	if resp, body := c.read("GET"); resp.StatusCode != 200 || body != "finished" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	c.c.Close()
	if err := recvWithin(t, stopped, "Shutdown to return"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
