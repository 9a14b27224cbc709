package engine

import (
	"bufio"
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chopin-go/chopin/jsonw"
)

// goAcceptFlag runs the whole suite with Config.GoAccept (make test does
// both): the accept path differs, everything after it must not.
var goAcceptFlag = flag.Bool("engine.goaccept", false, "serve the tests with Config.GoAccept")

// testConfig listens on a free loopback port with two loops, so tests
// exercise SO_REUSEPORT listeners and can run in parallel.
func testConfig() Config {
	return Config{Addr: "127.0.0.1:0", Loops: 2, GoAccept: *goAcceptFlag}
}

func testRoutes() *Routes {
	return NewRoutes().
		Handle("GET", "/plaintext", Text("Hello, World!")).
		Handle("GET", "/json", LoopFunc(func(w *Response, r *Request) {
			w.JSON(&struct {
				Message string `json:"message"`
			}{"Hello, World!"})
		})).
		Handle("GET", "/json-append", LoopFunc(func(w *Response, r *Request) {
			// A hand-written serializer appends into the reused body.
			b := append(w.Body(), `{"message":`...)
			b = jsonw.AppendString(b, "Hello, World!")
			w.SetContentType("application/json")
			w.SetBody(append(b, '}'))
		})).
		Handle("POST", "/len", LoopFunc(func(w *Response, r *Request) {
			w.SetContentType("text/plain")
			w.WriteString(strconv.Itoa(len(r.Body)))
		})).
		Handle("GET", "/panic", LoopFunc(func(w *Response, r *Request) { panic("boom") }))
}

func startTest(t testing.TB, cfg Config, routes *Routes) *Server {
	t.Helper()
	s, err := Start(cfg, routes)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

// client is a raw connection: the tests write exact bytes and read
// responses with net/http's response parser.
type client struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, s *Server) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read reads one response to a request with the given method and returns
// it with its body read.
func (c *client) read(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	resp.Body.Close()
	return resp, string(b)
}

// expectEOF checks the server closed (or shut its side of) the connection.
func (c *client) expectEOF() {
	c.t.Helper()
	b, err := c.br.ReadByte()
	if err == nil {
		c.t.Fatalf("expected EOF, got byte %q", b)
	}
	if err != io.EOF && !strings.Contains(err.Error(), "reset") {
		c.t.Fatalf("expected EOF, got %v", err)
	}
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n"
}

type httpResponse = http.Response

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

// tryRead is read for goroutines other than the test's: it returns errors.
func (c *client) tryRead(method string) (*http.Response, string, error) {
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}
