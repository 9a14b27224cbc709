package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Soak bounds: what the bench server may hold after the load, read once
// every client has gone and the server has closed their connections. Memory,
// threads and goroutines are compared with a reading taken the same way
// after a warm-up with the same load; descriptors with the server as it
// started. With every client gone, the server must report no connection
// open (when it reports them, see soakVars).
const (
	// soakRSSGrowth bounds VmRSS growth. Memory the Go runtime keeps
	// after a peak is returned to the OS over minutes, so the bound is
	// not zero; a leak of one object per request (millions of requests
	// in 5 minutes) passes it many times over.
	soakRSSGrowth = 64 << 20
	// soakRSSPeak bounds VmRSS at any sample during the load.
	soakRSSPeak = 1 << 30
	// soakFDGrowth bounds open descriptors over what the server held
	// when it had just started, before any client: once every client
	// has gone, no connection may hold one. A leak of one per connection
	// shows as thousands.
	soakFDGrowth = 8
	// soakThreadGrowth bounds OS threads; the runtime never ends threads,
	// so more only shows that more blocked in system calls at once.
	soakThreadGrowth = 16
	// soakGoroutineGrowth bounds goroutines, when the server reports them
	// (see soakVars).
	soakGoroutineGrowth = 20
)

// TestSoak runs a mix of well-behaved and abusive clients against the
// bench server (-debug-routes) for SOAK (a duration; 15 s when unset, so
// that every test run proves the soak works: long enough for the server's
// 10 s header timeout to close slowloris connections). It fails if the
// server's memory, descriptors, threads or goroutines grow past the bounds
// above, if any well-behaved request fails, or if the server does not then
// exit cleanly on SIGTERM.
//
// Well-behaved clients, each request checked: keep-alive /plaintext and
// /json; 16-deep pipelined /plaintext; fallback POST /echo with bodies of
// 0-64 KiB (Content-Length and chunked), checked against the echoed length
// and SHA-256; /slow?ms=50 and /panic (500); /stream (chunked); three
// pipelined requests then a half-close.
//
// Abusive clients: slowloris (a partial head, then a byte a second, until
// the header timeout closes it); garbage (TLS ClientHello, random bytes,
// NULs), expecting a 4xx and a close; connect-and-drop (some with a reset,
// some mid-request); pipelining 256 KiB of requests without reading, then
// leaving; abandoning a large fallback download and a slow request.
//
//	SOAK=5m go test -run '^TestSoak$' -count=1 -v -timeout 60m ./cmd/bench-server
func TestSoak(t *testing.T) {
	d := 15 * time.Second
	if v := os.Getenv("SOAK"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d <= 0 {
			t.Fatalf("SOAK=%q: want a positive duration such as 5m", v)
		}
	}
	warm := min(max(d/10, 2*time.Second), 30*time.Second)
	port := reservePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p := startServer(t, "-addr", addr, "-loops", "2", "-debug-routes")
	pid := p.cmd.Process.Pid
	fd0 := soakMustSample(t, pid, addr).fds

	t.Logf("warm-up %v", warm)
	warmStats := soakRunMix(t, addr, warm, nil)
	before := soakSettle(t, pid, addr, fd0)
	t.Logf("before: %v", before)

	t.Logf("soak %v", d)
	var peak atomic.Int64
	stats := soakRunMix(t, addr, d, func() {
		if s, err := soakSampleProc(pid, addr); err == nil && s.rss > peak.Load() {
			peak.Store(s.rss)
		}
	})
	after := soakSettle(t, pid, addr, fd0)
	t.Logf("after:  %v; peak VmRSS during the load %d MiB", after, peak.Load()>>20)
	t.Logf("warm-up requests:\n%s", warmStats)
	t.Logf("soak requests:\n%s", stats)

	if bad := stats.wellBehavedFailures(); bad != "" {
		t.Errorf("well-behaved requests failed:\n%s", bad)
	}
	if idle := stats.idleKinds(); idle != "" {
		t.Errorf("some clients got nothing done: %s", idle)
	}
	if g := after.rss - before.rss; g > soakRSSGrowth {
		t.Errorf("VmRSS grew %d MiB, bound %d MiB", g>>20, soakRSSGrowth>>20)
	}
	if peak.Load() > soakRSSPeak {
		t.Errorf("VmRSS reached %d MiB during the load, bound %d MiB", peak.Load()>>20, soakRSSPeak>>20)
	}
	if g := after.fds - fd0; g > soakFDGrowth {
		t.Errorf("the server holds %d descriptors more than when it started (%d after the warm-up), bound %d",
			g, before.fds-fd0, soakFDGrowth)
	}
	if before.open > 0 || after.open > 0 {
		t.Errorf("connections still open on the server with every client gone: %d after the warm-up, %d at the end",
			before.open, after.open)
	}
	if g := after.threads - before.threads; g > soakThreadGrowth {
		t.Errorf("threads grew by %d, bound %d", g, soakThreadGrowth)
	}
	if before.goroutines >= 0 && after.goroutines >= 0 {
		if g := after.goroutines - before.goroutines; g > soakGoroutineGrowth {
			t.Errorf("goroutines grew by %d, bound %d", g, soakGoroutineGrowth)
		}
	} else {
		t.Log("goroutines and open connections not checked: the server does not report them (GET /debug/vars)")
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("server exited with %v after SIGTERM", p.err)
		}
	case <-time.After(15 * time.Second):
		t.Error("server did not exit within 15 s of SIGTERM")
	}
}

// soakProc is what the soak reads of the server process.
type soakProc struct {
	rss        int64 // bytes
	threads    int
	fds        int
	goroutines int   // -1: not reported
	open       int64 // the engine's open connections; -1: not reported
}

func (s soakProc) String() string {
	g, o := "n/a", "n/a"
	if s.goroutines >= 0 {
		g = strconv.Itoa(s.goroutines)
	}
	if s.open >= 0 {
		o = strconv.FormatInt(s.open, 10)
	}
	return fmt.Sprintf("VmRSS %.1f MiB, threads %d, fds %d, goroutines %s, open connections %s",
		float64(s.rss)/(1<<20), s.threads, s.fds, g, o)
}

func soakSampleProc(pid int, addr string) (soakProc, error) {
	s := soakProc{goroutines: -1, open: -1}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.rss = n << 10
		case "Threads":
			s.threads = int(n)
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	s.goroutines, s.open = soakVars(addr)
	return s, nil
}

func soakMustSample(t *testing.T, pid int, addr string) soakProc {
	t.Helper()
	s, err := soakSampleProc(pid, addr)
	if err != nil {
		t.Fatalf("reading the server process: %v", err)
	}
	return s
}

// soakVars asks the server for its goroutine count and open connections:
// GET /debug/vars (expvar's JSON) with "goroutines", a number, and
// "engine", engine.Stats, if the server has the route; -1 for what it does
// not report.
func soakVars(addr string) (goroutines int, open int64) {
	goroutines, open = -1, -1
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /debug/vars HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		return
	}
	var vars struct {
		Goroutines *int
		Engine     *struct{ Open int64 }
	}
	if json.NewDecoder(resp.Body).Decode(&vars) != nil {
		return
	}
	// Less the goroutine and the connection serving this request.
	if vars.Goroutines != nil {
		goroutines = *vars.Goroutines - 1
	}
	if vars.Engine != nil {
		open = vars.Engine.Open - 1
	}
	return
}

// soakSettle waits until the server has closed what the clients left (its
// descriptors back near fd0, for at most 10 s), lets the runtime finish a
// GC cycle or two and the fallback's idle handler goroutines end (2 s
// after their last request, checked every second), and samples.
func soakSettle(t *testing.T, pid int, addr string, fd0 int) soakProc {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := soakMustSample(t, pid, addr)
		if s.fds <= fd0+soakFDGrowth || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(4 * time.Second)
	return soakMustSample(t, pid, addr)
}

// soakTally counts one kind of client's outcomes.
type soakTally struct {
	name        string
	wellBehaved bool
	ok, fail    atomic.Int64
	mu          sync.Mutex
	errs        []string
}

func (k *soakTally) failed(ctx context.Context, format string, a ...any) {
	// Once the soak is over, errors from closing do not count. A dial
	// may fail on the context's deadline a moment before ctx.Err says so.
	if dl, ok := ctx.Deadline(); ctx.Err() != nil || ok && !time.Now().Before(dl) {
		return
	}
	k.fail.Add(1)
	k.mu.Lock()
	if len(k.errs) < 5 {
		k.errs = append(k.errs, fmt.Sprintf(format, a...))
	}
	k.mu.Unlock()
}

type soakMix struct{ list []*soakTally }

func (m *soakMix) kind(name string, wellBehaved bool) *soakTally {
	k := &soakTally{name: name, wellBehaved: wellBehaved}
	m.list = append(m.list, k)
	return k
}

func (m *soakMix) String() string {
	var b strings.Builder
	for _, k := range m.list {
		fmt.Fprintf(&b, "  %-22s ok %8d  failed %5d", k.name, k.ok.Load(), k.fail.Load())
		k.mu.Lock()
		if len(k.errs) > 0 {
			fmt.Fprintf(&b, "  e.g. %q", k.errs[0])
		}
		k.mu.Unlock()
		b.WriteString("\n")
	}
	return b.String()
}

func (m *soakMix) wellBehavedFailures() string {
	var b strings.Builder
	for _, k := range m.list {
		if k.wellBehaved && k.fail.Load() > 0 {
			fmt.Fprintf(&b, "  %s: %d failed, e.g. %q\n", k.name, k.fail.Load(), k.errs)
		}
	}
	return b.String()
}

func (m *soakMix) idleKinds() string {
	var idle []string
	for _, k := range m.list {
		if k.ok.Load() == 0 {
			idle = append(idle, k.name)
		}
	}
	return strings.Join(idle, ", ")
}

// soakRunMix runs every client kind against addr for d, calling tick once a
// second meanwhile, and returns the counts.
func soakRunMix(t *testing.T, addr string, d time.Duration, tick func()) *soakMix {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m := &soakMix{}
	type client struct {
		k *soakTally
		n int // goroutines
		f func(ctx context.Context, addr string, k *soakTally, seed uint64)
	}
	clients := []client{
		{m.kind("keep-alive", true), 4, soakKeepAlive},
		{m.kind("pipelined x16", true), 2, soakPipelined},
		{m.kind("fallback echo", true), 2, soakEcho},
		{m.kind("fallback slow/panic", true), 2, soakSlow},
		{m.kind("fallback stream", true), 1, soakStream},
		{m.kind("half-close", true), 1, soakHalfClose},
		{m.kind("slowloris (closed)", false), 1, soakSlowloris},
		{m.kind("garbage (answered)", false), 1, soakGarbage},
		{m.kind("connect-and-drop", false), 1, soakDrop},
		{m.kind("pipeline, no reading", false), 1, soakNoRead},
		{m.kind("abandoned downloads", false), 1, soakAbandon},
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		for j := range c.n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.f(ctx, addr, c.k, uint64(i*100+j))
			}()
		}
	}
	if tick != nil {
		tk := time.NewTicker(time.Second)
	loop:
		for {
			select {
			case <-ctx.Done():
				break loop
			case <-tk.C:
				tick()
			}
		}
		tk.Stop()
	}
	wg.Wait()
	return m
}

// soakConn is a client connection that closes itself when the soak ends.
type soakConn struct {
	net.Conn
	br   *bufio.Reader
	stop func() bool
}

func soakDial(ctx context.Context, addr string) (*soakConn, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return &soakConn{Conn: c, br: bufio.NewReaderSize(c, 16<<10), stop: stop}, nil
}

func (c *soakConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// roundTrip writes req and reads one response with its body.
func (c *soakConn) roundTrip(req, method string) (*http.Response, []byte, error) {
	c.SetDeadline(time.Now().Add(15 * time.Second))
	if req != "" {
		if _, err := io.WriteString(c, req); err != nil {
			return nil, nil, err
		}
	}
	return c.readResponse(method)
}

func (c *soakConn) readResponse(method string) (*http.Response, []byte, error) {
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

func soakGet(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: soak\r\n\r\n" }

const soakHello = "Hello, World!"

// soakSession runs one keep-alive client until ctx ends: it connects when
// it has no connection and calls step with it; step returns how many
// answers it checked, and an error that costs the connection. A response
// saying Connection: close also ends the connection (keep reports false).
func soakSession(ctx context.Context, addr string, k *soakTally, step func(c *soakConn, i int) (answers int, keep bool, err error)) {
	var c *soakConn
	for i := 0; ctx.Err() == nil; i++ {
		if c == nil {
			var err error
			if c, err = soakDial(ctx, addr); err != nil {
				k.failed(ctx, "dial: %v", err)
				soakSleep(ctx, 10*time.Millisecond)
				continue
			}
		}
		n, keep, err := step(c, i)
		k.ok.Add(int64(n))
		if err != nil {
			k.failed(ctx, "%v", err)
		}
		if err != nil || !keep {
			c.Close()
			c = nil
		}
	}
	if c != nil {
		c.Close()
	}
}

// soakExpect does one request and checks status and, unless want is "",
// the body.
func soakExpect(c *soakConn, req, method string, status int, want string) (int, bool, error) {
	resp, body, err := c.roundTrip(req, method)
	if err != nil {
		return 0, false, err
	}
	if resp.StatusCode != status || want != "" && string(body) != want {
		return 0, false, fmt.Errorf("%q: %d %q", strings.Fields(req)[1], resp.StatusCode, body)
	}
	return 1, !resp.Close, nil
}

// soakKeepAlive alternates /plaintext and /json on one connection.
func soakKeepAlive(ctx context.Context, addr string, k *soakTally, _ uint64) {
	soakSession(ctx, addr, k, func(c *soakConn, i int) (int, bool, error) {
		if i%2 == 1 {
			return soakExpect(c, soakGet("/json"), "GET", 200, `{"message":"Hello, World!"}`)
		}
		return soakExpect(c, soakGet("/plaintext"), "GET", 200, soakHello)
	})
}

// soakPipelined sends 16 requests in one write, then reads 16 answers.
func soakPipelined(ctx context.Context, addr string, k *soakTally, _ uint64) {
	batch := strings.Repeat(soakGet("/plaintext"), 16)
	soakSession(ctx, addr, k, func(c *soakConn, _ int) (int, bool, error) {
		c.SetDeadline(time.Now().Add(15 * time.Second))
		if _, err := io.WriteString(c, batch); err != nil {
			return 0, false, err
		}
		for n := range 16 {
			resp, body, err := c.readResponse("GET")
			if err == nil && (resp.StatusCode != 200 || string(body) != soakHello) {
				err = fmt.Errorf("%d %q", resp.StatusCode, body)
			}
			if err != nil {
				return n, false, err
			}
		}
		return 16, true, nil
	})
}

// soakEcho posts bodies to the fallback's /echo and checks what it saw.
func soakEcho(ctx context.Context, addr string, k *soakTally, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	soakSession(ctx, addr, k, func(c *soakConn, i int) (int, bool, error) {
		body := make([]byte, rnd.IntN(64<<10))
		for j := range body {
			body[j] = byte('a' + rnd.IntN(26))
		}
		var req string
		if i%2 == 0 {
			req = "POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
		} else {
			req = "POST /echo HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n" + soakChunk(body, 1+rnd.IntN(8192))
		}
		resp, got, err := c.roundTrip(req, "POST")
		if err == nil {
			err = soakCheckEcho(resp, got, body)
		}
		if err != nil {
			return 0, false, err
		}
		return 1, true, nil
	})
}

func soakChunk(body []byte, size int) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

func soakCheckEcho(resp *http.Response, got, sent []byte) error {
	if resp.StatusCode != 200 {
		return fmt.Errorf("/echo: %d %q", resp.StatusCode, got)
	}
	var e struct {
		BodyLen    int64  `json:"body_len"`
		BodySHA256 string `json:"body_sha256"`
	}
	if err := json.Unmarshal(got, &e); err != nil {
		return fmt.Errorf("/echo: %v in %q", err, got)
	}
	sum := sha256.Sum256(sent)
	if e.BodyLen != int64(len(sent)) || e.BodySHA256 != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("/echo saw %d bytes %s, sent %d", e.BodyLen, e.BodySHA256, len(sent))
	}
	return nil
}

// soakSlow asks for /slow?ms=50, and for /panic now and then (a 500).
func soakSlow(ctx context.Context, addr string, k *soakTally, _ uint64) {
	soakSession(ctx, addr, k, func(c *soakConn, i int) (int, bool, error) {
		if i%10 == 9 {
			return soakExpect(c, soakGet("/panic"), "GET", 500, "")
		}
		return soakExpect(c, soakGet("/slow?ms=50"), "GET", 200, "slow 50")
	})
}

// soakStream reads a flushed, chunked fallback response.
func soakStream(ctx context.Context, addr string, k *soakTally, _ uint64) {
	soakSession(ctx, addr, k, func(c *soakConn, _ int) (int, bool, error) {
		return soakExpect(c, soakGet("/stream?chunks=8&bytes=4096"), "GET", 200, strings.Repeat("x", 8*4096))
	})
}

// soakHalfClose pipelines three requests, shuts its write side and
// expects all three answers, then EOF.
func soakHalfClose(ctx context.Context, addr string, k *soakTally, _ uint64) {
	reqs := soakGet("/plaintext") + soakGet("/slow?ms=20") + soakGet("/json")
	for ctx.Err() == nil {
		c, err := soakDial(ctx, addr)
		if err != nil {
			k.failed(ctx, "dial: %v", err)
			soakSleep(ctx, 10*time.Millisecond)
			continue
		}
		c.SetDeadline(time.Now().Add(15 * time.Second))
		if _, err = io.WriteString(c, reqs); err == nil {
			err = c.Conn.(*net.TCPConn).CloseWrite()
		}
		for i := 0; i < 3 && err == nil; i++ {
			var resp *http.Response
			if resp, _, err = c.readResponse("GET"); err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("answer %d: %d", i+1, resp.StatusCode)
			}
		}
		if err == nil {
			if _, rerr := c.br.ReadByte(); rerr != io.EOF {
				err = fmt.Errorf("after the answers: %v, want EOF", rerr)
			}
		}
		c.Close()
		if err != nil {
			k.failed(ctx, "%v", err)
			continue
		}
		k.ok.Add(1)
	}
}

// soakSlowloris keeps 20 connections sending a head a byte a second;
// each time the server closes one (header timeout), it opens another.
func soakSlowloris(ctx context.Context, addr string, k *soakTally, _ uint64) {
	conns := make([]*soakConn, 20)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var b [1]byte
	for ctx.Err() == nil {
		for i, c := range conns {
			if c == nil {
				var err error
				if c, err = soakDial(ctx, addr); err != nil {
					continue
				}
				io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: soak\r\nX-Slow: ")
				conns[i] = c
				continue
			}
			c.SetDeadline(time.Now().Add(time.Millisecond))
			if _, err := c.Read(b[:]); errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
				k.ok.Add(1) // closed by the server
				c.Close()
				conns[i] = nil
				continue
			}
			c.SetDeadline(time.Now().Add(time.Second))
			c.Write([]byte{'a'})
		}
		soakSleep(ctx, time.Second)
	}
}

// soakGarbage sends bytes that are not HTTP and expects a 4xx and a close.
func soakGarbage(ctx context.Context, addr string, k *soakTally, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 2))
	hello := "\x16\x03\x01\x00\xf5\x01\x00\x00\xf1\x03\x03" + strings.Repeat("\x5a", 32)
	for i := 0; ctx.Err() == nil; i++ {
		var in []byte
		switch i % 3 {
		case 0:
			in = []byte(hello)
		case 1:
			// At least 64 bytes: a shorter random string may be a
			// valid start of a request ("aI" could be a method),
			// which the server rightly waits for.
			in = make([]byte, 64+rnd.IntN(4032))
			for j := range in {
				in[j] = byte(rnd.Uint32())
			}
		case 2:
			in = make([]byte, 1+rnd.IntN(4096)) // NULs
		}
		c, err := soakDial(ctx, addr)
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(15 * time.Second))
		c.Write(in)
		resp, _, err := c.readResponse("GET")
		if err == nil && resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.Close {
			k.ok.Add(1)
		} else if err == nil {
			k.failed(ctx, "garbage answered %d close=%v", resp.StatusCode, resp.Close)
		} else {
			k.failed(ctx, "garbage: %v", err)
		}
		c.Close()
		soakSleep(ctx, 10*time.Millisecond)
	}
}

// soakDrop connects and goes away: at once, with a reset, or mid-request.
func soakDrop(ctx context.Context, addr string, k *soakTally, _ uint64) {
	for i := 0; ctx.Err() == nil; i++ {
		c, err := soakDial(ctx, addr)
		if err != nil {
			continue
		}
		switch i % 3 {
		case 1:
			c.Conn.(*net.TCPConn).SetLinger(0) // close with a reset
		case 2:
			io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 1000\r\n\r\npartial")
		}
		c.Close()
		k.ok.Add(1)
		soakSleep(ctx, 5*time.Millisecond)
	}
}

// soakNoRead pipelines 256 KiB of requests without reading, waits up to
// 2 s (the server may close it first), and leaves with the answers unread.
func soakNoRead(ctx context.Context, addr string, k *soakTally, _ uint64) {
	reqs := strings.Repeat(soakGet("/plaintext"), (256<<10)/len(soakGet("/plaintext")))
	for ctx.Err() == nil {
		c, err := soakDial(ctx, addr)
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(2 * time.Second))
		io.WriteString(c, reqs)
		soakSleep(ctx, 2*time.Second)
		c.Close()
		k.ok.Add(1)
	}
}

// soakAbandon starts a large download or a slow request and leaves
// before the end: the handlers must notice and end.
func soakAbandon(ctx context.Context, addr string, k *soakTally, _ uint64) {
	buf := make([]byte, 64<<10)
	for i := 0; ctx.Err() == nil; i++ {
		c, err := soakDial(ctx, addr)
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if i%2 == 0 {
			io.WriteString(c, soakGet("/big?bytes=8000000"))
			io.ReadFull(c, buf)
		} else {
			io.WriteString(c, soakGet("/slow?ms=2000"))
			soakSleep(ctx, 50*time.Millisecond)
		}
		c.Close()
		k.ok.Add(1)
		soakSleep(ctx, 20*time.Millisecond)
	}
}

func soakSleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
