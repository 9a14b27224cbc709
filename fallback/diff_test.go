package fallback

// The differential test: each case runs one handler on one raw request
// twice, through a Bridge and through net/http's own Server on loopback,
// and compares what a client sees: interim responses, status, header
// fields (Date only for presence), body, body error, trailers, and whether
// the server keeps the connection (probed with a second request).
//
// Known differences, tested separately:
//   - we answer HTTP/1.1 to HTTP/1.0 requests and so say "Connection:
//     close" where net/http's HTTP/1.0 answer implies it; both read as
//     result.Close, which is compared;
//   - a panic before anything was sent: net/http closes without a word, we
//     answer 500 (checked by its case);
//   - reason phrases are http1's (only status codes are compared).

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type diffCase struct {
	name    string
	req     string
	h       http.HandlerFunc
	noOpts  bool                                 // DisableGeneralOptionsHandler on both
	compare func(t *testing.T, ours, std result) // nil: they must be equal
}

func TestDifferential(t *testing.T) {
	for _, c := range diffCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			std := stdResult(t, c)
			j := newJob(t, c.req)
			br := testBridge(c.h, nil)
			br.opts = !c.noOpts
			ours := parseOut(t, j.serve(t, br), string(j.head.Method))
			if c.compare != nil {
				c.compare(t, ours, std)
				return
			}
			if d := cmp.Diff(std, ours); d != "" {
				t.Errorf("net/http (-) and bridge (+) differ:\n%s", d)
			}
		})
	}
}

// stdResult sends c.req to net/http's Server over TCP, sending the body
// only after "100 Continue" when the request expects it, then probes the
// connection with a second request.
func stdResult(t *testing.T, c diffCase) result {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Probe") != "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		c.h(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Config.DisableGeneralOptionsHandler = c.noOpts
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // a safety net only
	head, body, _ := strings.Cut(c.req, "\r\n\r\n")
	head += "\r\n\r\n"
	method, _, _ := strings.Cut(c.req, " ")
	var onContinue func()
	if strings.Contains(strings.ToLower(head), "expect: 100-continue") {
		writeConn(t, conn, head)
		onContinue = func() { writeConn(t, conn, body) }
	} else {
		writeConn(t, conn, c.req)
	}
	br := bufio.NewReader(conn)
	r, _ := readResult(br, method, onContinue)
	if !r.NoResponse {
		writeConn(t, conn, "GET /probe HTTP/1.1\r\nHost: probe\r\nX-Probe: 1\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		r.Kept = err == nil && resp.StatusCode == http.StatusNoContent
	}
	return r
}

func writeConn(t *testing.T, c net.Conn, s string) {
	if _, err := io.WriteString(c, s); err != nil {
		t.Errorf("write: %v", err)
	}
}

// echo answers with the request as the handler sees it, so that the
// request the bridge builds is compared too.
func echo(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "method=%q uri=%q host=%q proto=%q %d.%d\n", r.Method, r.RequestURI, r.Host, r.Proto, r.ProtoMajor, r.ProtoMinor)
	u := r.URL
	fmt.Fprintf(&b, "url=%q scheme=%q host=%q path=%q rawpath=%q query=%q opaque=%q\n",
		u.String(), u.Scheme, u.Host, u.Path, u.RawPath, u.RawQuery, u.Opaque)
	fmt.Fprintf(&b, "cl=%d te=%q close=%v nobody=%v\n", r.ContentLength, r.TransferEncoding, r.Close, r.Body == http.NoBody)
	writeHeader(&b, "header", r.Header)
	writeHeader(&b, "trailer before", r.Trailer)
	body, err := io.ReadAll(r.Body)
	fmt.Fprintf(&b, "body=%q err=%v\n", body, err)
	writeHeader(&b, "trailer after", r.Trailer)
	_, _ = io.WriteString(w, b.String())
}

func writeHeader(b *strings.Builder, name string, h http.Header) {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	})
	fmt.Fprintf(b, "%s (nil=%v):", name, h == nil)
	for _, k := range keys {
		fmt.Fprintf(b, " %s=%q", k, h[k])
	}
	b.WriteString("\n")
}

func text(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, s) }
}

const get11 = "GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n"

func diffCases() []diffCase {
	big := strings.Repeat("0123456789", 300) // 3000 bytes
	return slices.Concat(framingCases(big), headerCases(), requestCases(), connCases(big), expectCases(), panicCases())
}

func framingCases(big string) []diffCase {
	return []diffCase{
		{name: "implicit 200", req: get11, h: text("hello")},
		{name: "no write at all", req: get11, h: func(http.ResponseWriter, *http.Request) {}},
		{name: "explicit status", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-A", "1")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "made")
		}},
		{name: "status only", req: get11, h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }},
		{name: "unknown status", req: get11, h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(599) }},
		{name: "exactly 2048 bytes", req: get11, h: text(big[:2048])},
		{name: "3000 bytes chunked", req: get11, h: text(big)},
		{name: "2049 bytes in two writes", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, big[:2000])
			_, _ = w.Write([]byte(big[:49]))
		}},
		{name: "many small writes", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			for i := range 5000 {
				fmt.Fprintf(w, "line %d\n", i)
			}
		}},
		{name: "flush then write", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<html>part one")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, " part two")
		}},
		{name: "flush before writing", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			if err := http.NewResponseController(w).Flush(); err != nil {
				panic(err)
			}
			_, _ = io.WriteString(w, "late")
		}},
		{name: "declared trailer", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum, X-Unset, Content-Type")
			_, _ = io.WriteString(w, "data")
			w.Header().Set("X-Sum", "42")
			w.Header().Set("Content-Type", "text/x-late") // not a valid trailer
		}},
		{name: "TrailerPrefix trailer", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "data")
			w.Header().Set(http.TrailerPrefix+"X-Late", "1")
			w.Header().Add(http.TrailerPrefix+"X-Late", "2")
		}},
		{name: "TrailerPrefix after flush", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "data")
			w.(http.Flusher).Flush()
			w.Header().Set(http.TrailerPrefix+"X-Late", "1")
			w.Header().Add(http.TrailerPrefix+"X-Late", "2")
			w.Header().Set(http.TrailerPrefix+"x-lower", "3")
		}},
		{name: "one 100 KB write", req: get11, h: text(strings.Repeat(big, 34))},
		{name: "trailer to HTTP/1.0", req: "GET / HTTP/1.0\r\n\r\n", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			_, _ = io.WriteString(w, "data")
			w.Header().Set("X-Sum", "42")
		}},
		{name: "HEAD small", req: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", h: text("hello")},
		{name: "HEAD big", req: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", h: text(big)},
		{name: "HEAD nothing", req: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", h: func(http.ResponseWriter, *http.Request) {}},
		{name: "HEAD declared length", req: "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
		}},
		{name: "204 with body", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			w.WriteHeader(http.StatusNoContent)
			if _, err := io.WriteString(w, "hello"); err != http.ErrBodyNotAllowed {
				panic(err)
			}
		}},
		{name: "304 suppresses", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "5")
			w.Header().Set("ETag", `"x"`)
			w.WriteHeader(http.StatusNotModified)
			_, _ = io.WriteString(w, "hello")
		}},
		{name: "Content-Length exact big", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "3000")
			_, _ = io.WriteString(w, big)
		}},
		{name: "Content-Length short", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			_, _ = io.WriteString(w, "hello")
		}},
		{name: "Content-Length over", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "3")
			_, _ = io.WriteString(w, "abc")
			if _, err := io.WriteString(w, "de"); err != http.ErrContentLength {
				panic(err)
			}
		}},
		{name: "Content-Length invalid", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "abc")
			_, _ = io.WriteString(w, "hi")
		}},
		{name: "Transfer-Encoding identity", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "identity")
			_, _ = io.WriteString(w, "until close")
		}},
		{name: "Transfer-Encoding chunked set", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "chunked")
			_, _ = io.WriteString(w, "small")
		}},
		{name: "Content-Length with Transfer-Encoding", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "chunked")
			w.Header().Set("Content-Length", "5")
			_, _ = io.WriteString(w, "small")
		}},
	}
}

func headerCases() []diffCase {
	return []diffCase{
		{name: "sniff html", req: get11, h: text("<!DOCTYPE html><html><body>hi</body></html>")},
		{name: "sniff after flush", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "%PDF-1.4 ...")
			w.(http.Flusher).Flush()
		}},
		{name: "no sniff with Content-Encoding", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = io.WriteString(w, "<html>")
		}},
		{name: "explicit Content-Type", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "<html>")
		}},
		{name: "suppressed Content-Type and Date", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			w.Header()["Date"] = nil
			_, _ = io.WriteString(w, "<html>")
		}},
		{name: "repeated response fields", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			w.Header().Add("X-Z", "z")
			w.Header().Add("X-A", "a")
		}},
		{name: "invalid names and values", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Split", "a\r\nInjected: 1")
			w.Header().Set("X-Trim", "  padded \n")
			w.Header()["Bad Name"] = []string{"x"}
			w.Header()["Bad:Name"] = []string{"x"}
			w.Header().Set("Server", "mine")
		}},
		{name: "header changes after WriteHeader", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Early", "1")
			w.WriteHeader(http.StatusAccepted)
			h.Set("X-Late", "1")
			w.Header().Set("X-Later", "1")
			_, _ = io.WriteString(w, "x")
		}},
		{name: "superfluous WriteHeader", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "first wins")
		}},
		{name: "103 early hints", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.Header().Set("Content-Length", "2")
			w.WriteHeader(http.StatusEarlyHints)
			_, _ = io.WriteString(w, "ok")
		}},
		{name: "explicit 100", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusContinue)
			w.WriteHeader(http.StatusOK)
		}},
	}
}

func requestCases() []diffCase {
	return []diffCase{
		{name: "echo origin-form", req: "GET /a%20b/c%2Fd?x=1&y=%2F HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\naccept: */*\r\n\r\n", h: echo},
		{name: "echo absolute-form", req: "GET http://other.example:81/p?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", h: echo},
		{name: "echo asterisk-form", req: "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", h: echo, noOpts: true},
		{name: "general OPTIONS handler", req: "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", h: echo},
		{name: "echo repeated fields", req: "GET / HTTP/1.1\r\nHost: a\r\nX-Multi: 1\r\nx-multi: 2\r\nX-MULTI: 3\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n", h: echo},
		{name: "echo Pragma", req: "GET / HTTP/1.1\r\nHost: a\r\nPragma: no-cache\r\n\r\n", h: echo},
		{name: "echo Content-Length body", req: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", h: echo},
		{name: "echo empty body", req: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", h: echo},
		{name: "echo chunked with trailers", req: "POST /p HTTP/1.1\r\nHost: a\r\nTrailer: X-T, x-other\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: v\r\nX-Undeclared: u\r\n\r\n", h: echo},
		{name: "echo chunked without trailers", req: "PUT /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", h: echo},
		{name: "bad trailer declaration", req: "POST /p HTTP/1.1\r\nHost: a\r\nTrailer: Content-Length\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", h: echo,
			compare: func(t *testing.T, ours, std result) {
				if std.Status != 400 || ours.Status != 400 || std.Kept || ours.Kept {
					t.Errorf("want 400 and close from both; net/http %d kept=%v, bridge %d kept=%v", std.Status, std.Kept, ours.Status, ours.Kept)
				}
			}},
		{name: "echo HTTP/1.0", req: "GET /old HTTP/1.0\r\nUser-Agent: old\r\n\r\n", h: echo},
		{name: "body not read", req: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", h: text("ignored")},
		{name: "body half read", req: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhelloworld", h: func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, 3)
			n, _ := io.ReadFull(r.Body, b)
			_, _ = w.Write(b[:n])
		}},
	}
}

func connCases(big string) []diffCase {
	return []diffCase{
		{name: "HTTP/1.0 close", req: "GET / HTTP/1.0\r\n\r\n", h: text("hello")},
		{name: "HTTP/1.0 keep-alive small", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h: text("hello")},
		{name: "HTTP/1.0 keep-alive big", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h: text(big)},
		{name: "HTTP/1.0 keep-alive HEAD", req: "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h: text(big)},
		{name: "HTTP/1.0 keep-alive declared length", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "3000")
			_, _ = io.WriteString(w, big)
		}},
		{name: "HTTP/1.0 keep-alive 204", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}},
		{name: "HTTP/1.0 handler says keep-alive", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "keep-alive")
			_, _ = io.WriteString(w, "x")
		}},
		{name: "request Connection close", req: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", h: text("bye")},
		{name: "handler Connection close", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		}},
		{name: "streamed to HTTP/1.0", req: "GET / HTTP/1.0\r\n\r\n", h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "first")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, big)
		}},
	}
}

const expectReq = "POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"

func expectCases() []diffCase {
	return []diffCase{
		{name: "expect 100 body read", req: expectReq, h: echo},
		{name: "expect 100 body not read", req: expectReq, h: text("no thanks")},
		{name: "expect 100 chunked read", req: "POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", h: echo},
		{name: "expect 100 rejected", req: expectReq, h: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "too big", http.StatusRequestEntityTooLarge)
		}},
	}
}

func panicCases() []diffCase {
	return []diffCase{
		{name: "panic before writing", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Lost", "1")
			_, _ = io.WriteString(w, "lost")
			panic("boom")
		}, compare: func(t *testing.T, ours, std result) {
			// Known difference: net/http closes without answering.
			if !std.NoResponse {
				t.Errorf("net/http answered %d", std.Status)
			}
			// Nothing was sent, so the connection goes on.
			if ours.Status != 500 || !ours.Kept || ours.Header.Get("X-Lost") != "" || ours.Body != "Internal Server Error\n" {
				t.Errorf("bridge: %+v", ours)
			}
		}},
		{name: "panic after flush", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic("boom")
		}},
		{name: "abort after flush", req: get11, h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}},
		{name: "Recover middleware", req: get11, h: Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Lost", "1")
			panic("boom")
		}), Recover(nil)).ServeHTTP},
		{name: "Recover middleware after flush", req: get11, h: Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic("boom")
		}), Logging(nil), Recover(nil)).ServeHTTP},
	}
}
