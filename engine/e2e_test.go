package engine

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func checkPlaintext(t testing.TB, resp *httpResponse, body string) {
	t.Helper()
	if resp.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("got %d %q, want 200 Hello, World!", resp.StatusCode, body)
	}
	for _, f := range []string{"Server", "Date", "Content-Type", "Content-Length"} {
		if resp.Header.Get(f) == "" {
			t.Fatalf("response lacks %s: %v", f, resp.Header)
		}
	}
	if _, err := time.Parse(time.RFC1123, resp.Header.Get("Date")); err != nil {
		t.Fatalf("bad Date %q: %v", resp.Header.Get("Date"), err)
	}
}

func TestPipelined100InOneWrite(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	var b strings.Builder
	for i := range 100 {
		if i%2 == 0 {
			b.WriteString(get("/plaintext"))
		} else {
			b.WriteString(get("/json"))
		}
	}
	c.send(b.String())
	for i := range 100 {
		resp, body := c.read("GET")
		if i%2 == 0 {
			checkPlaintext(t, resp, body)
		} else if body != `{"message":"Hello, World!"}` || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("response %d: %q %v", i, body, resp.Header)
		}
	}
}

func TestRequestSplitAtEveryByte(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	req := "POST /len HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"
	c := dial(t, s)
	for i := 1; i < len(req); i++ {
		c.send(req[:i])
		time.Sleep(time.Millisecond) // let the two parts arrive as two reads
		c.send(req[i:])
		resp, body := c.read("POST")
		if resp.StatusCode != 200 || body != "5" {
			t.Fatalf("split at %d: %d %q", i, resp.StatusCode, body)
		}
	}
}

func TestKeepAliveReuse(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	for range 20 {
		c.send(get("/plaintext"))
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
		if resp.Close {
			t.Fatal("server asked to close a keep-alive connection")
		}
	}
	if got := s.Stats().Accepted; got != 1 {
		t.Fatalf("accepted %d connections, want 1", got)
	}
}

func TestConnectionClose(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	c.send("GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + get("/plaintext"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
	// ReadResponse turns "Connection: close" into resp.Close.
	if !resp.Close {
		t.Fatalf("want Connection: close, got %v", resp.Header)
	}
	c.expectEOF()
}

func TestHTTP10(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	c.send("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
	if resp.Header.Get("Connection") != "keep-alive" {
		t.Fatalf("HTTP/1.0 keep-alive not confirmed: %v", resp.Header)
	}
	c.send("GET /json HTTP/1.0\r\n\r\n")
	resp, body = c.read("GET")
	if resp.StatusCode != 200 || body != `{"message":"Hello, World!"}` || !resp.Close {
		t.Fatalf("HTTP/1.0 without keep-alive: %d %q close=%v", resp.StatusCode, body, resp.Close)
	}
	c.expectEOF()
}

func TestHEAD(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	for _, path := range []string{"/plaintext", "/json"} {
		c.send("HEAD " + path + " HTTP/1.1\r\nHost: t\r\n\r\n")
		resp, body := c.read("HEAD")
		if resp.StatusCode != 200 || body != "" || resp.ContentLength <= 0 {
			t.Fatalf("HEAD %s: %d %q length %d", path, resp.StatusCode, body, resp.ContentLength)
		}
	}
	// The connection is still in step: no body bytes were sent.
	c.send(get("/plaintext"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	c.send("DELETE /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
	resp, _ := c.read("DELETE")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("got %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	c.send(get("/nowhere"))
	resp, _ = c.read("GET")
	if resp.StatusCode != 404 {
		t.Fatalf("unknown path: %d", resp.StatusCode)
	}
}

func TestBadRequestCloses(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	for _, tc := range []struct {
		in     string
		status int
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400},
		{"GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n", 414},
	} {
		c := dial(t, s)
		c.send(tc.in)
		resp, _ := c.read("GET")
		if resp.StatusCode != tc.status || !resp.Close {
			t.Errorf("%q: got %d close=%v, want %d and close", tc.in[:min(20, len(tc.in))], resp.StatusCode, resp.Close, tc.status)
		}
		c.expectEOF()
	}
}

func TestLoopHandlerPanicCostsOneRequest(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	c.send(get("/panic") + get("/plaintext"))
	resp, _ := c.read("GET")
	if resp.StatusCode != 500 {
		t.Fatalf("panic: got %d", resp.StatusCode)
	}
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
}

func TestBodies(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	big := strings.Repeat("y", 200<<10) // larger than one read
	c.send("POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: " + fmt.Sprint(len(big)) + "\r\n\r\n" + big)
	if _, body := c.read("POST"); body != fmt.Sprint(len(big)) {
		t.Fatalf("content-length body: %q", body)
	}
	c.send("POST /len HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n")
	if _, body := c.read("POST"); body != "5" {
		t.Fatalf("chunked body: %q", body)
	}
	// A FastRoute ignores a body but must skip it to stay in step.
	c.send("GET /plaintext HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcd" + get("/plaintext"))
	for range 2 {
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
	}
}

func TestExpectContinueLoopHandler(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	c.send("POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
	line, err := c.br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("want 100 Continue, got %q %v", line, err)
	}
	if blank, _ := c.br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("100 Continue not ended: %q", blank)
	}
	c.send("abc")
	if resp, body := c.read("POST"); resp.StatusCode != 200 || body != "3" {
		t.Fatalf("after continue: %d %q", resp.StatusCode, body)
	}
}

func TestHalfCloseGetsAnswers(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	c := dial(t, s)
	c.send(get("/plaintext") + get("/json") + get("/plaintext"))
	c.c.(*net.TCPConn).CloseWrite()
	for range 3 {
		if resp, _ := c.read("GET"); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func Test200ParallelConnections(t *testing.T) {
	t.Parallel()
	s := startTest(t, testConfig(), testRoutes())
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- parallelClient(s, i)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Stats().Accepted; got != 200 {
		t.Fatalf("accepted %d, want 200", got)
	}
}

func parallelClient(s *Server, i int) error {
	c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	cl := &client{t: nil, c: c, br: newReader(c)}
	for k := range 10 {
		path := "/plaintext"
		want := "Hello, World!"
		if (i+k)%2 == 1 {
			path, want = "/json", `{"message":"Hello, World!"}`
		}
		if _, err := c.Write([]byte(get(path))); err != nil {
			return err
		}
		resp, body, err := cl.tryRead("GET")
		if err != nil {
			return fmt.Errorf("conn %d request %d: %w", i, k, err)
		}
		if resp.StatusCode != 200 || body != want {
			return fmt.Errorf("conn %d request %d: %d %q", i, k, resp.StatusCode, body)
		}
	}
	return nil
}

func TestPortZeroBothListenerModes(t *testing.T) {
	t.Parallel()
	for _, single := range []bool{false, true} {
		cfg := testConfig()
		cfg.SingleListener = single
		s := startTest(t, cfg, testRoutes())
		if s.Addr().(*net.TCPAddr).Port == 0 {
			t.Fatal("port 0 not resolved")
		}
		// Many connections, so that with reuseport every loop's
		// listener gets some: all must be on the reported port.
		for range 16 {
			c := dial(t, s)
			c.send(get("/plaintext"))
			resp, body := c.read("GET")
			checkPlaintext(t, resp, body)
		}
	}
}

// A client that pipelines requests for large responses, half-closes
// without reading, and only then reads, must still get every byte: gnet
// closes on EOF with output still buffered, and the drainer resumes exactly
// where gnet's final flush stopped.
func TestHalfCloseWithBufferedOutput(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("z", 1<<20)
	routes := NewRoutes().Handle("GET", "/big", Text(big))
	s := startTest(t, testConfig(), routes)
	c := dial(t, s)
	const n = 12 // 12 MiB: far more than the socket buffers hold
	c.send(strings.Repeat(get("/big"), n))
	time.Sleep(50 * time.Millisecond) // let the server fill its buffers
	c.c.(*net.TCPConn).CloseWrite()
	time.Sleep(50 * time.Millisecond) // and see the EOF before we read
	for i := range n {
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || body != big {
			t.Fatalf("response %d: status %d, %d bytes", i, resp.StatusCode, len(body))
		}
	}
	if s.Stats().HalfClosed == 0 {
		t.Fatal("the drainer never took over: the test did not test it")
	}
}
