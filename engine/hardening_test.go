package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Hardening: timeouts, backpressure, the connection limit, garbage input
// and graceful shutdown, proven over real loopback sockets.
//
// Time in these tests: timeouts are a few hundred milliseconds so that each
// fires within the test; a test waits for a timeout's effect for at most
// waitBound (a bound on a hang, not a measurement). The only checks at a
// point in time are "still open at half the timeout", which leave the
// sweeper half a timeout of slack. Sleeps pace clients; none measures.
//
// Heap bounds: the tests that measure the heap (runtime.MemStats.HeapInuse,
// sampled every 10 ms) are not parallel, so that no other test's server
// shares the process heap while they run; parallel tests only start after
// every sequential one has returned.

// Short timeouts for the tests: each fires well within waitBound.
var hardTimeouts = Timeouts{
	Header: 300 * time.Millisecond,
	Body:   400 * time.Millisecond,
	Idle:   400 * time.Millisecond,
	Write:  500 * time.Millisecond,
}

// heapBound is the most an abusive client may add to the in-process heap
// (HeapInuse above a baseline taken after a GC). The engine's own bound is
// far lower: OutputHighWater (256 KiB) of output per connection plus one
// read (64 KiB) of input and what one read's requests produce; 64 MiB
// leaves room for the race detector and the test's own clients.
const heapBound = 64 << 20

// hardLogger returns a debug-level text logger writing to a buffer.
func hardLogger() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// hardConfig is testConfig with hardTimeouts.
func hardConfig() Config {
	cfg := testConfig()
	cfg.Timeouts = hardTimeouts
	return cfg
}

// readUntilClosed reads and drops whatever the server sends until it
// closes the connection (EOF or reset), for at most bound. It returns the
// bytes read, and an error if the connection was still open at the bound.
func readUntilClosed(c net.Conn, bound time.Duration) (int, error) {
	c.SetReadDeadline(time.Now().Add(bound))
	defer c.SetReadDeadline(time.Time{})
	buf := make([]byte, 32<<10)
	total := 0
	for {
		n, err := c.Read(buf)
		total += n
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
			return total, nil
		default:
			return total, fmt.Errorf("connection still open after %v (%d bytes read): %w", bound, total, err)
		}
	}
}

// isOpen reports whether the server has left c open and silent: a short
// read sees neither data, EOF nor a reset.
func isOpen(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	defer c.SetReadDeadline(time.Time{})
	var b [1]byte
	_, err := c.Read(b[:])
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// dialRaw connects to s, with the receive buffer fixed at rcvbuf bytes
// before the handshake when rcvbuf > 0: a small fixed window keeps the
// kernel from absorbing responses the client does not read, so that they
// pile up in the server's own output buffer.
func dialRaw(t testing.TB, s *Server, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: waitBound}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			return errors.Join(err, serr)
		}
	}
	c, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// heapWatch samples the in-process heap until stopped.
type heapWatch struct {
	base uint64
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

// watchHeap takes the baseline after a GC and starts sampling.
func watchHeap() *heapWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &heapWatch{base: ms.HeapInuse, stop: make(chan struct{}), done: make(chan struct{})}
	h.peak.Store(ms.HeapInuse)
	go func() {
		defer close(h.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > h.peak.Load() {
				h.peak.Store(ms.HeapInuse)
			}
		}
	}()
	return h
}

// end stops sampling and returns the peak above the baseline.
func (h *heapWatch) end() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load() - h.base
}

// settled returns the heap above the baseline after two GCs (the second
// frees what sync.Pools kept through the first).
func (h *heapWatch) settled() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse) - int64(h.base)
}

const mib = 1 << 20

// waitUntil polls cond until it holds, for at most waitBound.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", waitBound, what)
		}
		time.Sleep(5 * time.Millisecond) // polling, not asserting
	}
}

// TestSlowlorisClosedWhileOthersServed: 200 connections each send part of
// a head and then one byte every 100 ms. Progress does not extend the
// header deadline, so the sweep closes every one of them; meanwhile a
// normal client on the same loops gets all 50 of its answers.
func TestSlowlorisClosedWhileOthersServed(t *testing.T) {
	t.Parallel()
	s := startTest(t, hardConfig(), testRoutes())
	const n = 200
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dialRaw(t, s, 0)
		if _, err := io.WriteString(conns[i], "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	stop := make(chan struct{})
	dripped := make(chan struct{})
	go func() { // one goroutine drips a byte into every connection
		defer close(dripped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for _, c := range conns {
				c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
				c.Write([]byte{'a'}) // fails once the server closed it
			}
		}
	}()
	defer func() { close(stop); <-dripped }()
	var readers sync.WaitGroup
	errs := make([]error, n)
	took := make([]time.Duration, n)
	for i, c := range conns {
		readers.Add(1)
		go func() {
			defer readers.Done()
			_, errs[i] = readUntilClosed(c, waitBound)
			took[i] = time.Since(start)
		}()
	}
	c := dial(t, s)
	for range 50 {
		c.send(get("/plaintext"))
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
	}
	readers.Wait() // each reader ends within waitBound
	open := 0
	var last time.Duration
	for i, err := range errs {
		if err != nil {
			if open++; open <= 3 {
				t.Errorf("slowloris %d: %v", i, err)
			}
		}
		last = max(last, took[i])
	}
	if open > 0 {
		t.Fatalf("%d of %d slowloris connections were not closed", open, n)
	}
	t.Logf("all %d slowloris connections closed, the last %v after the drip began (Header timeout %v)",
		n, last.Round(time.Millisecond), hardTimeouts.Header)
	// The server still serves after the purge (a new connection: the
	// first one may have reached its idle timeout while we waited).
	c = dial(t, s)
	c.send(get("/plaintext"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
}

// TestIdleKeepAliveClosed: a kept-alive connection is left open for a
// while after its answer (still open at Idle/2) and closed once idle for
// Idle; so is a connection that never sent anything.
func TestIdleKeepAliveClosed(t *testing.T) {
	t.Parallel()
	s := startTest(t, hardConfig(), testRoutes())
	t.Run("after a request", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s)
		c.send(get("/plaintext"))
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
		time.Sleep(hardTimeouts.Idle / 2)
		if !isOpen(c.c) {
			t.Fatalf("closed before half the idle timeout (%v)", hardTimeouts.Idle/2)
		}
		if _, err := readUntilClosed(c.c, waitBound); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("silent from the start", func(t *testing.T) {
		t.Parallel()
		c := dialRaw(t, s, 0)
		if _, err := readUntilClosed(c, waitBound); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTimeoutsAfterQuietStart: the coarse clock is advanced only by running
// servers' sweepers. A server started when none has run for longer than its
// idle timeout must still give a new connection its whole idle timeout.
//
// Not parallel: parallel tests start only after this one returns, so no
// other server advances the clock during the quiet period.
func TestTimeoutsAfterQuietStart(t *testing.T) {
	time.Sleep(hardTimeouts.Idle + 100*time.Millisecond) // no server runs now
	s := startTest(t, hardConfig(), testRoutes())
	c := dial(t, s)
	c.send(get("/plaintext"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
	time.Sleep(hardTimeouts.Idle / 2)
	if !isOpen(c.c) {
		t.Fatalf("a connection opened just after Start was closed before half its idle timeout (%v)",
			hardTimeouts.Idle/2)
	}
}

// TestBodyTimeout: a request whose body stops arriving, or trickles in, is
// closed by the body timeout; a fallback handler reading it gets an error
// instead of waiting forever.
func TestBodyTimeout(t *testing.T) {
	t.Parallel()
	readErr := make(chan error, 1)
	cfg := hardConfig()
	cfg.Fallback = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	})
	s := startTest(t, cfg, testRoutes())
	head := "POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"
	t.Run("stalled", func(t *testing.T) {
		t.Parallel()
		c := dialRaw(t, s, 0)
		io.WriteString(c, head+"0123456789")
		time.Sleep(hardTimeouts.Body / 2)
		if !isOpen(c) {
			t.Fatalf("closed before half the body timeout (%v)", hardTimeouts.Body/2)
		}
		if _, err := readUntilClosed(c, waitBound); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("trickle", func(t *testing.T) {
		t.Parallel()
		c := dialRaw(t, s, 0)
		io.WriteString(c, head)
		stop := make(chan struct{})
		dripped := make(chan struct{})
		go func() {
			defer close(dripped)
			for range 99 { // never the 100th byte
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte{'x'}); err != nil {
					return
				}
			}
		}()
		defer func() { close(stop); <-dripped }()
		if _, err := readUntilClosed(c, waitBound); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("fallback", func(t *testing.T) {
		t.Parallel()
		c := dialRaw(t, s, 0)
		io.WriteString(c, strings.Replace(head, "/len", "/upload", 1)+"0123456789")
		if _, err := readUntilClosed(c, waitBound); err != nil {
			t.Fatal(err)
		}
		if err := recvWithin(t, readErr, "the fallback handler's body read to end"); err == nil {
			t.Fatal("the handler read a truncated body without an error")
		}
	})
}

// bigRoutes adds a FastRoute with a large body to testRoutes.
func bigRoutes(size int) *Routes {
	return testRoutes().Handle("GET", "/big", Text(strings.Repeat("b", size)))
}

// TestWriteTimeout: a client that asks for large responses and stops
// reading is closed once its output makes no progress for Write. Idle is
// long here, so nothing else can be what closes it.
func TestWriteTimeout(t *testing.T) {
	t.Parallel()
	cfg := hardConfig()
	cfg.Timeouts.Idle = 20 * time.Second
	s := startTest(t, cfg, bigRoutes(1<<20))
	c := dialRaw(t, s, 64<<10)
	// 8 MiB of answers: far more than the socket buffers hold.
	if _, err := io.WriteString(c, strings.Repeat(get("/big"), 8)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the connection is open", func() bool { return s.Stats().Open == 1 })
	waitUntil(t, "the stalled writer is closed", func() bool { return s.Stats().Open == 0 })
	if _, err := readUntilClosed(c, waitBound); err != nil {
		t.Fatal(err)
	}
}

// TestSlowDownloadNotCutByIdle: a client reading a large response slowly
// but steadily is not idle: the idle timeout must not cut the response
// while its bytes still leave, however long that takes. (The write timeout
// watches progress; it is long here so that only Idle could cut.)
func TestSlowDownloadNotCutByIdle(t *testing.T) {
	t.Parallel()
	const size = 16 << 20
	cfg := hardConfig()
	cfg.Timeouts.Write = 10 * time.Second
	s := startTest(t, cfg, bigRoutes(size))
	c := dialRaw(t, s, 64<<10)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, get("/big")); err != nil {
		t.Fatal(err)
	}
	// About 1.6 s at 10 MB/s: four idle timeouts.
	buf := make([]byte, 100<<10)
	got := 0
	for got < size {
		time.Sleep(10 * time.Millisecond) // pace: a slow reader
		n, err := c.Read(buf)
		got += n
		if err != nil {
			t.Fatalf("after %d bytes of a %d-byte response: %v", got, size, err)
		}
	}
}

// TestPipelined100kWithoutReading: a client writes 100,000 pipelined
// requests (3.8 MB) and never reads. The server's heap stays within
// heapBound of its baseline, the abuser is closed (by the paused-input cap,
// or the header or write timeout), and a client on the same loop keeps
// getting answers throughout.
//
// Not parallel: it measures the process heap.
func TestPipelined100kWithoutReading(t *testing.T) {
	cfg := hardConfig()
	cfg.Loops = 1
	s := startTest(t, cfg, testRoutes())
	other := dial(t, s)
	h := watchHeap()
	abuser := dialRaw(t, s, 64<<10)
	written := make(chan int, 1)
	go func() { written <- pipelineWithoutReading(abuser, get("/plaintext"), 100_000) }()
	answered, n := 0, -1
	deadline := time.Now().Add(waitBound)
	for n < 0 || s.Stats().Open > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the abuser was not closed within %v (wrote %d requests)", waitBound, n)
		}
		select {
		case n = <-written:
		default:
		}
		other.send(get("/plaintext"))
		resp, body := other.read("GET")
		checkPlaintext(t, resp, body)
		answered++
	}
	peak := h.end()
	t.Logf("abuser wrote %d requests; heap peak %.1f MiB above baseline; the other client got %d answers meanwhile; %d closed by the paused-input cap",
		n, float64(peak)/mib, answered, s.Stats().Overflowed)
	if peak > heapBound {
		t.Fatalf("heap grew %.1f MiB above baseline, bound %d MiB", float64(peak)/mib, heapBound/mib)
	}
}

// pipelineWithoutReading writes up to total copies of req, 1000 per write,
// until one blocks for a second or fails; it returns how many it wrote.
func pipelineWithoutReading(c net.Conn, req string, total int) int {
	batch := strings.Repeat(req, 1000)
	n := 0
	for n < total {
		c.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := io.WriteString(c, batch); err != nil {
			break // blocked or closed
		}
		n += 1000
	}
	return n
}

// TestPipelinedBigResponsesBoundedMemory: 32 KB of pipelined requests for a
// 64 KiB FastRoute, never read. Backpressure must hold the unsent output
// near OutputHighWater (256 KiB), not produce a whole response for every
// request in one read (1000 x 64 KiB = 64 MiB); and once the abuser is gone
// the memory must be given back.
//
// Not parallel: it measures the process heap.
func TestPipelinedBigResponsesBoundedMemory(t *testing.T) {
	cfg := hardConfig()
	cfg.Loops = 1
	s := startTest(t, cfg, bigRoutes(64<<10))
	h := watchHeap()
	abuser := dialRaw(t, s, 64<<10)
	if _, err := io.WriteString(abuser, strings.Repeat(get("/big"), 1000)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the abuser is open", func() bool { return s.Stats().Accepted == 1 })
	waitUntil(t, "the abuser is closed", func() bool { return s.Stats().Open == 0 })
	peak := h.end()
	c := dial(t, s)
	c.send(get("/plaintext"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
	kept := h.settled()
	t.Logf("heap peak %.1f MiB above baseline; %.1f MiB still held after the abuser left and GCs",
		float64(peak)/mib, float64(kept)/mib)
	if peak > heapBound {
		t.Errorf("heap grew %.1f MiB above baseline, bound %d MiB", float64(peak)/mib, heapBound/mib)
	}
	if kept > 16*mib {
		t.Errorf("%.1f MiB still held after the abuser left and GCs, bound 16 MiB", float64(kept)/mib)
	}
}

// TestPausedInputBounded: a connection paused by backpressure (its client
// pipelines and never reads) must not make the server buffer whatever it
// goes on sending. gnet reads every readable socket, so the engine must
// close a paused connection whose unparsed input passes a cap
// (Config.MaxPausedInput, 512 KiB by default); without one the input piles
// up in gnet's inbound buffer until a timeout fires, and each read copies
// all of it again (Peek). The timeouts are long here, so only such a cap
// can end the connection while the client writes for 2 s.
//
// The check is on the input the server holds (asked on its loop), not the
// heap: how far the heap grows depends on how fast the machine copies
// (about 200-350 MiB for 20 MiB of input without the race detector, 50-75
// MiB for 8-11 MiB with it); it is logged.
func TestPausedInputBounded(t *testing.T) {
	// The engine needs to hold one read (64 KiB) beyond the request it
	// stopped at, and a head is at most 16 KiB; 1 MiB is generous.
	const maxHeld = 1 << 20
	cfg := testConfig()
	cfg.Loops = 1
	cfg.Timeouts = Timeouts{Header: 20 * time.Second, Idle: 20 * time.Second, Write: 20 * time.Second}
	s := startTest(t, cfg, testRoutes())
	h := watchHeap()
	abuser := dialRaw(t, s, 64<<10)
	batch := strings.Repeat(get("/plaintext"), 1000)
	abuser.SetWriteDeadline(time.Now().Add(2 * time.Second))
	written := 0
	for written < 64<<20 {
		n, err := io.WriteString(abuser, batch)
		written += n
		if err != nil {
			break // the 2 s are up, or the server closed it
		}
	}
	held := inboundHeld(t, s)
	peak := h.end()
	t.Logf("wrote %.1f MiB of requests; the server holds %.1f MiB of them unparsed; heap peak %.1f MiB above baseline; %d closed by the cap",
		float64(written)/mib, float64(held)/mib, float64(peak)/mib, s.Stats().Overflowed)
	if held > maxHeld {
		t.Fatalf("the server buffers %.1f MiB of a paused connection's input, bound %d MiB",
			float64(held)/mib, maxHeld>>20)
	}
}

// inboundHeld returns the most unparsed input any connection of s holds,
// asked on each loop.
func inboundHeld(t testing.TB, s *Server) int {
	t.Helper()
	s.mu.Lock()
	loops := append([]*loop(nil), s.loops...)
	s.mu.Unlock()
	most := 0
	for _, l := range loops {
		ch := make(chan int, 1)
		err := l.execute(func(l *loop) {
			m := 0
			for _, c := range l.conns {
				m = max(m, c.gc.InboundBuffered())
			}
			ch <- m
		})
		if err != nil {
			t.Fatalf("execute: %v", err)
		}
		most = max(most, recvWithin(t, ch, "the loop to answer"))
	}
	return most
}

// TestBackpressurePausesAndResumes: output past OutputHighWater pauses
// parsing; once the client reads it, the requests it already sent are
// answered. The second batch arrives while the first's answers are still
// in the server's buffer, so it is parsed only after a resume.
func TestBackpressurePausesAndResumes(t *testing.T) {
	t.Parallel()
	cfg := hardConfig()
	// Only the write timeout stays short: a connection that is never
	// resumed then waits in silence instead of being closed.
	cfg.Timeouts.Header, cfg.Timeouts.Idle = 20*time.Second, 20*time.Second
	s := startTest(t, cfg, bigRoutes(1<<20))
	c := dialRaw(t, s, 64<<10)
	c.SetDeadline(time.Now().Add(waitBound))
	br := newReader(c)
	io.WriteString(c, strings.Repeat(get("/big"), 8))
	time.Sleep(100 * time.Millisecond) // pace: let the first batch fill the buffers
	io.WriteString(c, strings.Repeat(get("/big"), 8))
	for i := range 16 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d of 16: %v", i+1, err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil || n != 1<<20 {
			t.Fatalf("response %d: %d bytes, %v", i+1, n, err)
		}
	}
}

// TestHeaderTimeoutPerRequest: the header timeout bounds each head, not a
// stream of them. A client that pipelines steadily, each of its writes
// ending inside a request, is making progress and must not be closed,
// however long it goes on. Likewise for bodies.
func TestHeaderTimeoutPerRequest(t *testing.T) {
	t.Parallel()
	s := startTest(t, hardConfig(), testRoutes())
	body := strings.Repeat("x", 200)
	post := "POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 200\r\n\r\n" + body
	for _, tc := range []struct {
		name, req string
		cut       int // where in a request each write ends
		want      string
	}{
		{"head", get("/plaintext"), 20, "Hello, World!"},
		{"body", post, len(post) - 100, "200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s)
			sent, read := 0, 0
			start := time.Now()
			for j := 1; ; j++ {
				next := tc.cut + j*8*len(tc.req)
				last := time.Since(start) >= 4*hardTimeouts.Header
				if last { // end on a request boundary
					next = (sent/len(tc.req) + 1) * len(tc.req)
				}
				if _, err := io.WriteString(c.c, periodic(tc.req, sent, next)); err != nil {
					t.Fatalf("write after %d requests: %v", read, err)
				}
				sent = next
				for ; read < sent/len(tc.req); read++ {
					resp, b, err := c.tryRead("GET")
					if err != nil {
						t.Fatalf("response %d, %v into the stream: %v", read+1, time.Since(start).Round(time.Millisecond), err)
					}
					if resp.StatusCode != 200 || b != tc.want {
						t.Fatalf("response %d: %d %q", read+1, resp.StatusCode, b)
					}
				}
				if last {
					break
				}
				time.Sleep(20 * time.Millisecond) // pace
			}
		})
	}
}

// TestPartialRequestThenClose: a client that goes away (EOF) with part of
// a request sent must cost nothing afterwards: the server releases the
// connection (its descriptor and any goroutine) at once, after answering
// whatever complete requests came before the partial one.
func TestPartialRequestThenClose(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		answers  int
	}{
		{"part of a head", "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Partial: ", 0},
		{"a request, then part of a head", get("/plaintext") + "GET /plaintext HTT", 1},
		{"part of a body", "POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startTest(t, hardConfig(), testRoutes())
			c := dial(t, s)
			c.send(tc.in)
			if err := c.c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			for range tc.answers {
				resp, body := c.read("GET")
				checkPlaintext(t, resp, body)
			}
			if _, err := readUntilClosed(c.c, waitBound); err != nil {
				t.Error(err)
			}
			c.c.Close()
			waitUntil(t, "the server has released the connection", func() bool { return s.openConns() == 0 })
		})
	}
}

// periodic returns bytes [from, to) of req repeated without end.
func periodic(req string, from, to int) string {
	var b strings.Builder
	for p := from; p < to; {
		k := p % len(req)
		n := min(len(req)-k, to-p)
		b.WriteString(req[k : k+n])
		p += n
	}
	return b.String()
}

// TestMaxConns: with MaxConns 20, connections 21 to 30 are closed at
// accept and counted as refused; the first 20 are still served; once some
// close, new ones are accepted again.
func TestMaxConns(t *testing.T) {
	t.Parallel()
	cfg := hardConfig()
	cfg.Timeouts.Idle = 20 * time.Second
	cfg.MaxConns = 20
	s := startTest(t, cfg, testRoutes())
	var kept []*client
	for range 20 {
		c := dial(t, s)
		c.send(get("/plaintext")) // answered: the server has accepted it
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
		kept = append(kept, c)
	}
	for i := range 10 {
		c := dialRaw(t, s, 0)
		n, err := readUntilClosed(c, waitBound)
		if err != nil || n != 0 {
			t.Fatalf("connection %d over the limit: %d bytes, %v", 21+i, n, err)
		}
	}
	waitUntil(t, "10 refused", func() bool { return s.Stats().Refused == 10 })
	for _, c := range kept {
		c.send(get("/plaintext"))
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
	}
	for _, c := range kept[:5] {
		c.c.Close()
	}
	waitUntil(t, "15 open", func() bool { return s.Stats().Open == 15 })
	for range 5 {
		c := dial(t, s)
		c.send(get("/plaintext"))
		resp, body := c.read("GET")
		checkPlaintext(t, resp, body)
	}
	if st := s.Stats(); st.Refused != 10 || st.Open != 20 {
		t.Fatalf("refused %d open %d, want 10 and 20", st.Refused, st.Open)
	}
}

// TestGarbageInput: bytes that are not HTTP get a 4xx and a close, without
// a panic, and the server goes on serving others.
func TestGarbageInput(t *testing.T) {
	t.Parallel()
	cfg := hardConfig()
	log, lb := hardLogger()
	cfg.Logger = log
	s := startTest(t, cfg, testRoutes())
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return string(b)
	}
	cases := []struct {
		name, in string
	}{
		{"TLS ClientHello", tlsClientHello},
		{"NUL bytes", strings.Repeat("\x00", 4096)},
		{"huge line, no newline", strings.Repeat("A", 1<<20)},
		{"huge target, no newline", "GET /" + strings.Repeat("a", 1<<20)},
		{"huge header, no end", "GET / HTTP/1.1\r\nHost: t\r\nX: " + strings.Repeat("v", 1<<20)},
		{"many headers", "GET / HTTP/1.1\r\nHost: t\r\n" + strings.Repeat("X: y\r\n", 10000)},
		{"garbage after a request", get("/plaintext") + "\x16\x03\x01\xff\xff"},
	}
	for i := range 16 {
		cases = append(cases, struct{ name, in string }{fmt.Sprintf("random %d", i), random(16 << (i % 8))})
	}
	for _, tc := range cases {
		c := dial(t, s)
		sent := make(chan struct{})
		go func() { // the server may close before all of it is sent
			defer close(sent)
			io.WriteString(c.c, tc.in)
		}()
		if strings.HasPrefix(tc.in, "GET /plaintext") {
			resp, body := c.read("GET")
			checkPlaintext(t, resp, body)
		}
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Errorf("%s: no response: %v", tc.name, err)
			<-sent
			continue
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode < 400 || resp.StatusCode > 505 || !resp.Close {
			t.Errorf("%s: got %d close=%v, want 4xx or 5xx and close", tc.name, resp.StatusCode, resp.Close)
		}
		if _, err := readUntilClosed(c.c, waitBound); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		<-sent
		t.Logf("%s: %d", tc.name, resp.StatusCode)
	}
	c := dial(t, s)
	c.send(get("/plaintext"))
	resp, body := c.read("GET")
	checkPlaintext(t, resp, body)
	if log := lb.String(); strings.Contains(log, "panic") {
		t.Fatalf("the server logged a panic:\n%s", log)
	}
}

// tlsClientHello is the start of a real TLS 1.2/1.3 ClientHello record.
const tlsClientHello = "\x16\x03\x01\x00\xf5\x01\x00\x00\xf1\x03\x03" +
	"\x5b\x8c\x1f\x2e\x3d\x4c\x5b\x6a\x79\x88\x97\xa6\xb5\xc4\xd3\xe2" +
	"\xf1\x00\x0f\x1e\x2d\x3c\x4b\x5a\x69\x78\x87\x96\xa5\xb4\xc3\xd2" +
	"\x20\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee" +
	"\xff\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff" +
	"\x00\x08\x13\x02\x13\x03\x13\x01\x00\xff\x01\x00\x00\xa0\x00\x00" +
	"\x00\x0e\x00\x0c\x00\x00\x09localhost\x00\x0b\x00\x04\x03\x00\x01\x02"

// TestShutdownFinishesInFlight: Shutdown with slow fallback requests in
// flight on 10 connections stops accepting at once, lets every handler
// finish and answer (with Connection: close, as net/http does once it is
// shutting down), closes the connections, and returns nil.
func TestShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	cfg := hardConfig()
	cfg.Timeouts.Idle = 20 * time.Second
	cfg.Fallback = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-release:
		case <-time.After(waitBound):
		}
		time.Sleep(300 * time.Millisecond) // a slow handler
		io.WriteString(w, "slow done")
	})
	s := startTest(t, cfg, testRoutes())
	var cs []*client
	for range 10 {
		c := dial(t, s)
		c.send(get("/slow"))
		cs = append(cs, c)
	}
	for i := range 10 {
		recvWithin(t, started, fmt.Sprintf("handler %d to start", i+1))
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitBound)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// New connections are refused while the handlers are still running.
	waitUntil(t, "new connections are refused", func() bool {
		c, err := net.DialTimeout("tcp", s.Addr().String(), time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	close(release)
	for i, c := range cs {
		resp, body, err := c.tryRead("GET")
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if resp.StatusCode != 200 || body != "slow done" {
			t.Errorf("connection %d: %d %q", i, resp.StatusCode, body)
		}
		if !resp.Close {
			t.Errorf("connection %d: a response written after Shutdown began lacks Connection: close", i)
		}
		if _, err := readUntilClosed(c.c, waitBound); err != nil {
			t.Errorf("connection %d: %v", i, err)
		}
		c.c.Close() // as a client does on EOF; the server waits for it
	}
	if err := recvWithin(t, shut, "Shutdown to return"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestStandardModeTimeouts: in Standard mode the same Timeouts reach
// net/http's server: a slowloris is closed by the header timeout, an idle
// connection by the idle timeout, and a stalled body by the body timeout.
func TestStandardModeTimeouts(t *testing.T) {
	t.Parallel()
	cfg := hardConfig()
	cfg.Mode = Standard
	s := startTest(t, cfg, testRoutes())
	t.Run("slowloris", func(t *testing.T) {
		t.Parallel()
		c := dialRaw(t, s, 0)
		io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\nX-Slow: ")
		if _, err := readUntilClosed(c, waitBound); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		c := dial(t, s)
		c.send(get("/plaintext"))
		resp, body := c.read("GET")
		if resp.StatusCode != 200 || body != "Hello, World!" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		time.Sleep(hardTimeouts.Idle / 2)
		if !isOpen(c.c) {
			t.Fatalf("closed before half the idle timeout")
		}
		if _, err := readUntilClosed(c.c, waitBound); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("stalled body", func(t *testing.T) {
		t.Parallel()
		// Closing the connection at cleanup, before the server's
		// Shutdown, ends the handler's read whatever happens here.
		c := dialRaw(t, s, 0)
		io.WriteString(c, "POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
		if _, err := readUntilClosed(c, waitBound); err != nil {
			t.Fatalf("body timeout %v: %v", hardTimeouts.Body, err)
		}
	})
}

// TestDescriptorExhaustionKeepsServing: when the process has no descriptor
// left for an accept (MaxConns leaves 10% of the limit, but anything else
// in the process may use it: files a fallback handler opens, outgoing
// connections), a GoAccept server goes on serving the connections it has
// and accepts again once descriptors are free, as net/http's server does
// (it backs off and retries).
//
// Not parallel: it lowers the process's descriptor limit for a moment.
func TestDescriptorExhaustionKeepsServing(t *testing.T) {
	cfg := hardConfig()
	cfg.GoAccept = true
	s := startTest(t, cfg, testRoutes())
	kept := dial(t, s)
	kept.send(get("/plaintext"))
	resp, body := kept.read("GET")
	checkPlaintext(t, resp, body)

	exhaustDescriptors(t, s)

	select {
	case <-s.Done():
		t.Fatalf("the engine stopped when an accept found no free descriptor: %v", s.runErr)
	default:
	}
	kept.send(get("/plaintext"))
	if resp, body, err := kept.tryRead("GET"); err != nil || resp.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("a connection open before the exhaustion is no longer served: %v", err)
	}
	c := dial(t, s)
	c.send(get("/plaintext"))
	resp, body = c.read("GET")
	checkPlaintext(t, resp, body)
}

// TestDescriptorExhaustionGnetAccept: with gnet's own accept (the default),
// EMFILE on accept stops the whole engine (a gnet limitation, gnet-notes
// §0.8). The server must then say so: Done closes and the error Serve
// returns names the cause, instead of a clean-looking stop.
func TestDescriptorExhaustionGnetAccept(t *testing.T) {
	s, err := Start(hardConfig(), testRoutes())
	if err != nil {
		t.Fatal(err)
	}
	exhaustDescriptors(t, s)
	select {
	case <-s.Done():
	case <-time.After(waitBound):
		// It survived after all (the accept may have found a free
		// descriptor): then it must shut down cleanly as usual.
		ctx, cancel := context.WithTimeout(context.Background(), waitBound)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !errors.Is(s.runErr, errStoppedUnexpectedly) {
		t.Fatalf("the engine stopped with %v, want errStoppedUnexpectedly", s.runErr)
	}
	s.stop()
	s.dates.Stop()
	if s.sweepEnd != nil {
		close(s.sweepEnd)
	}
}

// exhaustDescriptors uses up every descriptor but one while a client
// connects, so that the server's accept finds none, then frees them.
func exhaustDescriptors(t *testing.T, s *Server) {
	t.Helper()
	// Use up every descriptor but one, as a busy process might; the
	// client's socket takes the last, so the server's accept finds none.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = min(lim.Cur, 1024)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	var filler []*os.File
	release := func() {
		for _, f := range filler {
			f.Close()
		}
		filler = nil
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	defer release()
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		filler = append(filler, f)
	}
	filler[len(filler)-1].Close()
	filler = filler[:len(filler)-1]
	if c, err := net.DialTimeout("tcp", s.Addr().String(), time.Second); err == nil {
		defer c.Close()
	}
	time.Sleep(100 * time.Millisecond) // pace: let the loops try to accept it
	release()
}
