package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chopin-go/chopin/engine"
)

// The diagnostic routes of -debug-routes, served through the engine in
// both modes in process, and once through the built binary.

// echoReply is /echo's JSON.
type echoReply struct {
	Method     string              `json:"method"`
	URI        string              `json:"uri"`
	Proto      string              `json:"proto"`
	Host       string              `json:"host"`
	Headers    map[string][]string `json:"headers"`
	BodyLen    int64               `json:"body_len"`
	BodySHA256 string              `json:"body_sha256"`
	Trailer    map[string][]string `json:"trailer"`
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDebug serves routes() and the debug routes with their middleware,
// as run does with -debug-routes.
func startDebug(t *testing.T, mode engine.Mode) (addr string, logs *syncBuffer) {
	t.Helper()
	logs = &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	s, err := engine.Start(engine.Config{
		Addr:     "127.0.0.1:0",
		Mode:     mode,
		Loops:    2,
		Logger:   log,
		Fallback: withMiddleware(debugRoutes(), log),
	}, routes())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s.Addr().String(), logs
}

// rawConn is a raw client connection.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawConn) read(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

// readChunks reads a response head and then its chunked body raw,
// returning each chunk: what the handler's flushes made.
func (c *rawConn) readChunks() (status string, h textproto.MIMEHeader, chunks []int, body string) {
	c.t.Helper()
	tp := textproto.NewReader(c.br)
	status, err := tp.ReadLine()
	if err != nil {
		c.t.Fatal(err)
	}
	if h, err = tp.ReadMIMEHeader(); err != nil {
		c.t.Fatal(err)
	}
	var all strings.Builder
	for {
		line, err := tp.ReadLine()
		if err != nil {
			c.t.Fatal(err)
		}
		n, err := strconv.ParseInt(line, 16, 64)
		if err != nil {
			c.t.Fatalf("chunk size %q: %v", line, err)
		}
		if n == 0 {
			if _, err := tp.ReadMIMEHeader(); err != nil { // trailer section
				c.t.Fatal(err)
			}
			return status, h, chunks, all.String()
		}
		p := make([]byte, n+2)
		if _, err := io.ReadFull(c.br, p); err != nil || string(p[n:]) != "\r\n" {
			c.t.Fatalf("chunk data: %v %q", err, p[n:])
		}
		chunks = append(chunks, int(n))
		all.Write(p[:n])
	}
}

func sha(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

func chunk(body string, size int, trailer ...string) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n")
	for _, t := range trailer {
		b.WriteString(t + "\r\n")
	}
	return b.String() + "\r\n"
}

func decodeEcho(t *testing.T, resp *http.Response, body string) echoReply {
	t.Helper()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		resp.ContentLength != int64(len(body)) {
		t.Fatalf("/echo: %d %q length %d for %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"),
			resp.ContentLength, len(body))
	}
	var e echoReply
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("/echo JSON %q: %v", body, err)
	}
	return e
}

// echoCases are requests to /echo and the reply each must get.
func echoCases() []struct {
	name, req string
	want      echoReply
} {
	body := strings.Repeat("chopin-go ", 300) // 3000 bytes
	return []struct {
		name, req string
		want      echoReply
	}{
		{"GET without body", "GET /echo HTTP/1.1\r\nHost: bench.test\r\nAccept: */*\r\n\r\n",
			echoReply{"GET", "/echo", "HTTP/1.1", "bench.test", map[string][]string{"Accept": {"*/*"}},
				0, sha(""), map[string][]string{}}},
		{"POST with Content-Length and repeated fields",
			"POST /echo?x=1&y=%20 HTTP/1.1\r\nHost: bench.test\r\nX-Multi: a\r\nx-multi: b\r\n" +
				"content-type: application/octet-stream\r\nContent-Length: 3000\r\n\r\n" + body,
			echoReply{"POST", "/echo?x=1&y=%20", "HTTP/1.1", "bench.test", map[string][]string{
				"X-Multi": {"a", "b"}, "Content-Type": {"application/octet-stream"}, "Content-Length": {"3000"}},
				3000, sha(body), map[string][]string{}}},
		{"PUT chunked with trailers",
			"PUT /echo HTTP/1.1\r\nHost: bench.test\r\nTransfer-Encoding: chunked\r\nTrailer: X-Digest, X-Count\r\n\r\n" +
				chunk(body, 700, "X-Digest: "+sha(body)[:16], "X-Count: 1", "X-Count: 2"),
			echoReply{"PUT", "/echo", "HTTP/1.1", "bench.test", map[string][]string{},
				3000, sha(body), map[string][]string{"X-Digest": {sha(body)[:16]}, "X-Count": {"1", "2"}}}},
		{"HTTP/1.0 absolute-form",
			"DELETE http://target.test:81/echo HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
			echoReply{"DELETE", "http://target.test:81/echo", "HTTP/1.0", "target.test:81",
				map[string][]string{"Connection": {"keep-alive"}, "Content-Length": {"2"}},
				2, sha("hi"), map[string][]string{}}},
	}
}

func TestDebugRoutes(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		m    engine.Mode
	}{{"performance", engine.Performance}, {"standard", engine.Standard}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			addr, logs := startDebug(t, mode.m)
			testDebugRoutes(t, addr, func(t *testing.T) {
				// Recover logged it, with the route's panic value;
				// Logging (not in production) logged the request.
				deadline := time.Now().Add(5 * time.Second)
				for !strings.Contains(logs.String(), `"panic":"debug route /panic"`) ||
					!strings.Contains(logs.String(), `"uri":"/panic","status":500`) {
					if time.Now().After(deadline) {
						t.Fatalf("the panic was not logged:\n%s", logs.String())
					}
					time.Sleep(5 * time.Millisecond) // polling, not asserting
				}
			})
		})
	}
}

// TestDebugRoutesBinary runs the built server with -debug-routes.
func TestDebugRoutesBinary(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", reservePort(t))
	startServer(t, "-addr", addr, "-loops", "1", "-debug-routes")
	testDebugRoutes(t, addr, nil)
}

// TestNoDebugRoutesBinary: without the flag there is no fallback.
func TestNoDebugRoutesBinary(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", reservePort(t))
	startServer(t, "-addr", addr, "-loops", "1")
	c := dialRaw(t, addr)
	c.send("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n")
	if resp, body := c.read("GET"); resp.StatusCode != 404 || body != "Not Found\n" {
		t.Fatalf("/echo without -debug-routes: %d %q", resp.StatusCode, body)
	}
}

// testDebugRoutes checks every debug route on a server at addr; panicLogged,
// if set, checks the log of the /panic request.
func testDebugRoutes(t *testing.T, addr string, panicLogged func(*testing.T)) {
	c := dialRaw(t, addr) // one keep-alive connection for all but /panic

	t.Run("echo", func(t *testing.T) {
		for _, tc := range echoCases() {
			c.send(tc.req)
			resp, body := c.read(strings.Fields(tc.req)[0])
			if got := decodeEcho(t, resp, body); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
			}
		}
	})
	t.Run("slow", func(t *testing.T) {
		for _, tc := range []struct{ q, want string }{
			{"ms=0", "slow 0"}, {"ms=30", "slow 30"}, {"ms=-5", "slow 0"}, {"ms=abc", "slow 0"}, {"", "slow 0"},
		} {
			c.send("GET /slow?" + tc.q + " HTTP/1.1\r\nHost: t\r\n\r\n")
			if resp, body := c.read("GET"); resp.StatusCode != 200 || body != tc.want {
				t.Errorf("/slow?%s: %d %q, want %q", tc.q, resp.StatusCode, body, tc.want)
			}
		}
	})
	t.Run("stream", func(t *testing.T) {
		for _, tc := range []struct{ chunks, bytes int }{{3, 5}, {1, 1}, {4, 3000}} {
			c.send(fmt.Sprintf("GET /stream?chunks=%d&bytes=%d HTTP/1.1\r\nHost: t\r\n\r\n", tc.chunks, tc.bytes))
			status, h, chunks, body := c.readChunks()
			if !strings.HasPrefix(status, "HTTP/1.1 200 ") || h.Get("Transfer-Encoding") != "chunked" {
				t.Fatalf("/stream: %q %v", status, h)
			}
			want := make([]int, tc.chunks)
			for i := range want {
				want[i] = tc.bytes
			}
			if !reflect.DeepEqual(chunks, want) || body != strings.Repeat("x", tc.chunks*tc.bytes) {
				t.Errorf("/stream?chunks=%d&bytes=%d: chunks %v, want %v (one per flushed write)",
					tc.chunks, tc.bytes, chunks, want)
			}
		}
	})
	t.Run("big", func(t *testing.T) {
		for _, n := range []int{0, 100, 200000} {
			c.send(fmt.Sprintf("GET /big?bytes=%d HTTP/1.1\r\nHost: t\r\n\r\n", n))
			resp, body := c.read("GET")
			if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.Itoa(n) ||
				len(resp.TransferEncoding) != 0 || body != strings.Repeat("x", n) {
				t.Errorf("/big?bytes=%d: %d length %q TE %q, %d bytes", n, resp.StatusCode,
					resp.Header.Get("Content-Length"), resp.TransferEncoding, len(body))
			}
		}
	})
	t.Run("not found", func(t *testing.T) {
		for _, path := range []string{"/", "/nope", "/echo/more", "/slowly"} {
			c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n")
			if resp, _ := c.read("GET"); resp.StatusCode != 404 {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
	t.Run("TechEmpower routes", func(t *testing.T) {
		c.send("GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\nGET /json HTTP/1.1\r\nHost: t\r\n\r\n")
		if _, body := c.read("GET"); body != "Hello, World!" {
			t.Errorf("/plaintext: %q", body)
		}
		if _, body := c.read("GET"); body != `{"message":"Hello, World!"}` {
			t.Errorf("/json: %q", body)
		}
	})
	t.Run("panic", func(t *testing.T) {
		p := dialRaw(t, addr)
		p.send("GET /panic HTTP/1.1\r\nHost: t\r\n\r\n")
		resp, body := p.read("GET")
		if resp.StatusCode != 500 || body != "Internal Server Error\n" || resp.Close {
			t.Fatalf("/panic: %d %q close=%v, want Recover's 500 on a kept connection", resp.StatusCode, body, resp.Close)
		}
		if panicLogged != nil {
			panicLogged(t)
		}
		// One panic costs one request: the same connection goes on.
		p.send("GET /slow?ms=1 HTTP/1.1\r\nHost: t\r\n\r\n")
		if resp, body := p.read("GET"); resp.StatusCode != 200 || body != "slow 1" {
			t.Fatalf("after /panic on the same connection: %d %q", resp.StatusCode, body)
		}
		// The server goes on.
		c.send("GET /slow?ms=1 HTTP/1.1\r\nHost: t\r\n\r\n")
		if _, body := c.read("GET"); body != "slow 1" {
			t.Fatalf("after /panic: %q", body)
		}
	})
}

// The bounds no request may pass: checked on the parser itself, since
// serving /slow?ms=20000 would take the clamped 10 s.
func TestClampQuery(t *testing.T) {
	for _, tc := range []struct {
		q      string
		lo, hi int
		want   int
	}{
		{"ms=99999", 0, maxSlowMillis, maxSlowMillis},
		{"ms=10000", 0, maxSlowMillis, 10000},
		{"ms=7", 0, maxSlowMillis, 7},
		{"ms=-1", 0, maxSlowMillis, 0},
		{"ms=1e3", 0, maxSlowMillis, 0},
		{"chunks=0", 1, 10000, 1},
		{"bytes=" + strconv.Itoa(maxStreamBytes+1), 0, maxStreamBytes, maxStreamBytes},
	} {
		r := httptest.NewRequest("GET", "/x?"+tc.q, nil)
		name, _, _ := strings.Cut(tc.q, "=")
		if got := clampQuery(r, name, tc.lo, tc.hi); got != tc.want {
			t.Errorf("clampQuery(%q, %d, %d) = %d, want %d", tc.q, tc.lo, tc.hi, got, tc.want)
		}
	}
}
