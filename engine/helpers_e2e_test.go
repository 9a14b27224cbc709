package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Shared helpers of the end-to-end tests of the fallback bridge, the
// ordering guarantees and the two modes.

// waitBound is how long a test waits for something that must happen
// (a handler to start, a context to end) before it fails. It is a bound on
// a hang, never a measurement: the event itself normally takes
// milliseconds.
const waitBound = 5 * time.Second

// handlerBound is how long a test handler waits for the test to release
// it. It ends the handler goroutine even if the test failed before
// releasing it, so that TestMain finds no leak.
const handlerBound = 10 * time.Second

// recvWithin receives from ch within waitBound, or fails the test.
func recvWithin[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitBound):
		t.Fatalf("timed out after %v waiting for %s", waitBound, what)
	}
	panic("unreachable")
}

// logBuffer collects a slog JSON handler's output from any goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (lb *logBuffer) Write(p []byte) (int, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.b.Write(p)
}

func (lb *logBuffer) String() string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.b.String()
}

// records parses every log line so far.
func (lb *logBuffer) records(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(lb.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// find returns the records whose msg is msg.
func (lb *logBuffer) find(t testing.TB, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range lb.records(t) {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// waitFor waits (within waitBound) until n records with msg were logged.
// Loggers may run just after the response is out, so a test that has read
// the response polls briefly instead of asserting at once.
func (lb *logBuffer) waitFor(t testing.TB, msg string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		got := lb.find(t, msg)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("logged %d records %q, want %d; log:\n%s", len(got), msg, n, lb.String())
		}
		time.Sleep(5 * time.Millisecond) // polling, not asserting
	}
}

// newTestLogger returns a debug-level JSON logger writing to a buffer.
func newTestLogger() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	return slog.New(slog.NewJSONHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// fallbackConfig is testConfig with a fallback and a log captured in a
// buffer.
func fallbackConfig(h http.Handler) (Config, *logBuffer) {
	log, lb := newTestLogger()
	cfg := testConfig()
	cfg.Fallback = h
	cfg.Logger = log
	return cfg, lb
}

// readContinue reads an interim "100 Continue" response.
func (c *client) readContinue() {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.t.Fatalf("reading 100 Continue: %v", err)
	}
	if resp.StatusCode != 100 {
		c.t.Fatalf("got %d %v, want 100 Continue", resp.StatusCode, resp.Header)
	}
}

// closeWrite shuts the client's write side: a half-close.
func (c *client) closeWrite() {
	c.t.Helper()
	if err := c.c.(*net.TCPConn).CloseWrite(); err != nil {
		c.t.Fatalf("CloseWrite: %v", err)
	}
}

// connClosed reports whether the server has closed the connection (EOF
// or reset), as seen by a probe request: true if the probe gets no
// response. Used after a response that should or should not end the
// connection.
func (c *client) connClosed() bool {
	c.t.Helper()
	// A write to a connection the server closed may fail or succeed
	// (the kernel buffers it); either way the read tells.
	_, _ = io.WriteString(c.c, get("/plaintext"))
	resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
	if err != nil {
		return true
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || string(body) != "Hello, World!" {
		c.t.Fatalf("probe on a kept-alive connection: %d %q %v", resp.StatusCode, body, err)
	}
	return false
}

// onLoopGoroutine reports whether the calling goroutine is one of gnet's
// event loops: their stacks run gnet's code at the bottom.
func onLoopGoroutine() bool {
	buf := make([]byte, 64<<10)
	buf = buf[:runtime.Stack(buf, false)]
	return bytes.Contains(buf, []byte("panjf2000/gnet"))
}

// chunked frames body as a chunked request body cut into pieces of at
// most size bytes, with the given trailer lines.
func chunkedBody(body string, size int, trailer ...string) string {
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
	b.WriteString("\r\n")
	return b.String()
}
