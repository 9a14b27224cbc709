package fallback

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chopin-go/chopin/http1"
)

// run serves raw with h on a fresh bridge and returns the recorded output.
func run(t *testing.T, raw string, h http.HandlerFunc) (*fakeOut, result) {
	t.Helper()
	j := newJob(t, raw)
	out := j.serve(t, testBridge(h, nil))
	return out, parseOut(t, out, string(j.head.Method))
}

// waitFor polls cond: a wait for the goroutines under test to get there,
// not an assertion about timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWorkersBound(t *testing.T) {
	const workers, jobs = 3, 10
	var running, peak atomic.Int64
	release := make(chan struct{})
	br := New(Config{Workers: workers, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		running.Add(-1)
	})})
	var js []*job
	for range jobs {
		j := newJob(t, get11)
		js = append(js, j)
		br.Serve(j.Job)
	}
	waitFor(t, "3 handlers run and 7 wait", func() bool {
		return br.running.Load() == workers && br.waiting.Load() == jobs-workers
	})
	if n := running.Load(); n != workers {
		t.Errorf("%d handlers running, want %d", n, workers)
	}
	close(release)
	for _, j := range js {
		j.out.wait(t)
		if j.out.status != 200 || j.out.close {
			t.Errorf("Finish(%d, %v)", j.out.status, j.out.close)
		}
	}
	if p := peak.Load(); p != workers {
		t.Errorf("at most %d handlers ran at once, want %d", p, workers)
	}
}

func TestWaitingJobDroppedWhenConnectionGoes(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int64
	br := New(Config{Workers: 1, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			<-release
		}
	})})
	first := newJob(t, get11)
	br.Serve(first.Job)
	waitFor(t, "the first handler runs", func() bool { return br.running.Load() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	second := newJob(t, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
	second.Ctx = ctx
	br.Serve(second.Job)
	waitFor(t, "the second waits", func() bool { return br.waiting.Load() == 1 })
	cancel()
	second.out.wait(t)
	if len(second.out.bytes()) != 0 || !second.out.close || second.out.status != 0 {
		t.Errorf("dropped job: sent %q, Finish(%d, %v)", second.out.bytes(), second.out.status, second.out.close)
	}
	close(release)
	first.out.wait(t)
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times", calls.Load())
	}
}

func TestServerDateAndForceClose(t *testing.T) {
	br := New(Config{ServerName: "chopin", Date: func() []byte { return fixedDate },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/own" {
				w.Header().Set("Server", "mine")
			}
		})})
	tests := []struct {
		raw, server string
		force       bool
	}{
		{get11, "chopin", false},
		{"GET /own HTTP/1.1\r\nHost: a\r\n\r\n", "mine", false},
		{get11, "chopin", true}, // the engine is draining
	}
	for _, tt := range tests {
		j := newJob(t, tt.raw)
		j.ForceClose = tt.force
		r := parseOut(t, j.serve(t, br), "GET")
		if got := r.Header["Server"]; len(got) != 1 || got[0] != tt.server {
			t.Errorf("%q: Server = %q, want %q", tt.raw, got, tt.server)
		}
		if !strings.Contains(string(j.out.bytes()), "\r\nDate: "+string(fixedDate)+"\r\n") {
			t.Errorf("no Date from Config.Date in %q", j.out.bytes())
		}
		if r.Close != tt.force || r.Kept == tt.force {
			t.Errorf("force=%v: Connection: close %v, kept %v", tt.force, r.Close, r.Kept)
		}
	}
}

func TestInvalidServerName(t *testing.T) {
	logs := &syncBuffer{}
	br := testBridge(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), logs)
	br2 := New(Config{ServerName: "a\r\nX: y", Logger: br.log})
	if br2.srv != "" || !strings.Contains(logs.String(), "invalid ServerName") {
		t.Errorf("srv = %q, logs %q", br2.srv, logs)
	}
}

func TestPanics(t *testing.T) {
	big := strings.Repeat("x", 3000)
	tests := []struct {
		name, raw  string
		h          http.HandlerFunc
		status     int
		body       string
		logged     bool
		truncated  bool
		finishWith int
	}{
		{"before writing", get11, func(w http.ResponseWriter, r *http.Request) { panic("boom") },
			500, "Internal Server Error\n", true, false, 500},
		{"written but not sent", get11, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, big) // held in the 16 KiB stream buffer
			panic("boom")
		}, 500, "Internal Server Error\n", true, false, 500},
		{"HEAD", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", func(w http.ResponseWriter, r *http.Request) { panic("boom") },
			500, "", true, false, 500},
		{"abort before writing", get11, func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) },
			500, "Internal Server Error\n", false, false, 500},
		{"after flush", get11, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic(errors.New("boom"))
		}, 202, "partial", true, true, 202},
		{"nil panic", get11, func(w http.ResponseWriter, r *http.Request) { panic(nil) },
			500, "Internal Server Error\n", true, false, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			j := newJob(t, tt.raw)
			out := j.serve(t, testBridge(tt.h, logs))
			r := parseOut(t, out, string(j.head.Method))
			// A clean 500 keeps the connection; a cut response ends it.
			if kept := !tt.truncated; r.Status != tt.status || r.Body != tt.body || r.Kept != kept {
				t.Errorf("got %d %q kept=%v, want %d %q kept=%v", r.Status, r.Body, r.Kept, tt.status, tt.body, kept)
			}
			if truncated := r.BodyErr != ""; truncated != tt.truncated {
				t.Errorf("body error %q, want truncated=%v", r.BodyErr, tt.truncated)
			}
			if out.status != tt.finishWith {
				t.Errorf("Finish status %d, want %d", out.status, tt.finishWith)
			}
			logged := strings.Contains(logs.String(), "panic serving request")
			if logged != tt.logged {
				t.Errorf("logged=%v, want %v: %s", logged, tt.logged, logs)
			}
			if logged && !strings.Contains(logs.String(), "bridge_test.go") {
				t.Errorf("log has no stack: %s", logs)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name   string
		job    func(j *job)
		status int
	}{
		{"head does not parse", func(j *job) { j.Head = []byte("GET / HTTP/1.1\r\n\r\n") }, 400}, // no Host
		{"body missing", func(j *job) { j.Body = nil }, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			var called atomic.Bool
			j := newJob(t, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx")
			tt.job(j)
			j.Job.Out = j.out
			testBridge(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called.Store(true) }), logs).Serve(j.Job)
			j.out.wait(t)
			r := parseOut(t, j.out, "POST")
			if r.Status != tt.status || r.Kept || called.Load() {
				t.Errorf("got %d kept=%v handler called=%v", r.Status, r.Kept, called.Load())
			}
		})
	}
}

func TestSendFailure(t *testing.T) {
	gone := errors.New("engine: connection closed")
	errs := make(chan error, 1)
	j := newJob(t, get11)
	j.out.hook = func(p []byte) error { return gone }
	j.serve(t, testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 4096)
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			_, err = w.Write(chunk)
		}
		errs <- err
	}), nil))
	if err := <-errs; err != gone {
		t.Errorf("Write error = %v, want the Send error", err)
	}
	if !j.out.close || j.out.status != 200 {
		t.Errorf("Finish(%d, %v), want (200, true)", j.out.status, j.out.close)
	}
}

// TestSendSizes: tiny writes are gathered into few Sends; Flush sends at
// once.
func TestSendSizes(t *testing.T) {
	flushed := make(chan struct{})
	j := newJob(t, get11)
	j.out.hook = func(p []byte) error {
		if bytes.HasSuffix(p, []byte("flushed\r\n")) {
			close(flushed)
		}
		return nil
	}
	out := j.serve(t, testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 10000 {
			_, _ = io.WriteString(w, "0123456789")
		}
		_, _ = io.WriteString(w, "flushed")
		w.(http.Flusher).Flush()
		<-flushed // returns only if Flush handed the bytes to Send
	}), nil))
	r := parseOut(t, out, "GET")
	if len(r.Body) != 100007 || r.TE[0] != "chunked" {
		t.Fatalf("body %d bytes, TE %q", len(r.Body), r.TE)
	}
	if n := len(out.sends); n > 100000/streamChunk+3 {
		t.Errorf("%d Sends for 100 KB of 10-byte writes", n)
	}
	for _, n := range out.sends {
		if n > streamChunk+1024 {
			t.Errorf("a Send of %d bytes", n)
		}
	}
}

func TestResponseController(t *testing.T) {
	errs := make(chan error, 4)
	run(t, get11, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_, _, err := rc.Hijack()
		errs <- err
		_, _, err = w.(http.Hijacker).Hijack()
		errs <- err
		errs <- rc.EnableFullDuplex()
		errs <- rc.SetReadDeadline(time.Now())
	})
	for i, want := range []error{ErrHijackUnsupported, ErrHijackUnsupported, nil, nil} {
		if err := <-errs; err != want {
			t.Errorf("call %d: %v, want %v", i, err, want)
		}
	}
}

func TestReadDeadline(t *testing.T) {
	errs := make(chan error, 1)
	j := newJob(t, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n")
	// The body never comes.
	j.Job.Out = j.out
	testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := io.ReadAll(r.Body)
		errs <- err
		w.WriteHeader(http.StatusRequestTimeout)
	}), nil).Serve(j.Job)
	j.out.wait(t)
	if err := <-errs; !errors.Is(err, errDeadline()) {
		t.Errorf("Read = %v, want os.ErrDeadlineExceeded", err)
	}
	if r := parseOut(t, j.out, "POST"); r.Status != 408 {
		t.Errorf("status %d", r.Status)
	}
}

func TestWriteDeadline(t *testing.T) {
	unblock := make(chan struct{})
	var blocked sync.Once
	isBlocked := make(chan struct{})
	errs := make(chan error, 2)
	j := newJob(t, get11)
	j.out.hook = func(p []byte) error {
		blocked.Do(func() { close(isBlocked) })
		<-unblock // a client that does not read
		return nil
	}
	j.Job.Out = j.out
	testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		_, _ = io.WriteString(w, "hello")
		errs <- rc.Flush()
		_, err := io.WriteString(w, "more")
		errs <- err
	}), nil).Serve(j.Job)
	<-isBlocked
	if err := <-errs; !errors.Is(err, errDeadline()) {
		t.Errorf("Flush = %v, want os.ErrDeadlineExceeded", err)
	}
	if err := <-errs; !errors.Is(err, errDeadline()) {
		t.Errorf("Write after the deadline = %v", err)
	}
	select {
	case <-j.out.finished:
		t.Fatal("Finish called while a Send is still running")
	default:
	}
	close(unblock)
	j.out.wait(t)
	if !j.out.close {
		t.Error("connection kept after a write deadline passed")
	}
}

func TestWriteDeadlinePassed(t *testing.T) {
	errs := make(chan error, 1)
	out, _ := run(t, get11, func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(-time.Second))
		w.(http.Flusher).Flush()
		_, err := io.WriteString(w, "x")
		errs <- err
	})
	if err := <-errs; !errors.Is(err, errDeadline()) || len(out.bytes()) != 0 || !out.close {
		t.Errorf("Write = %v, sent %q, close=%v", err, out.bytes(), out.close)
	}
}

func TestFullDuplex(t *testing.T) {
	// Each piece of the body is fed only once the echo of the previous
	// one was sent: reading and writing must interleave.
	pieces := []string{"one ", "two ", "three"}
	body := NewBody(0, false)
	next := make(chan struct{}, len(pieces))
	go func() {
		for _, p := range pieces {
			body.Append([]byte(p))
			<-next
		}
		body.End(nil, nil)
	}()
	j := newJob(t, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
	j.Job.Body = body
	j.out.hook = func(p []byte) error {
		next <- struct{}{}
		return nil
	}
	j.Job.Out = j.out
	testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).EnableFullDuplex()
		p := make([]byte, 64)
		for {
			n, err := r.Body.Read(p)
			_, _ = w.Write(p[:n])
			w.(http.Flusher).Flush()
			if err != nil {
				return
			}
		}
	}), nil).Serve(j.Job)
	j.out.wait(t)
	if r := parseOut(t, j.out, "POST"); r.Body != "one two three" || !r.Kept {
		t.Errorf("echo %q kept=%v", r.Body, r.Kept)
	}
}

func TestBodyErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"413", &http1.ParseError{Status: 413, Reason: "request body too large"}, 413},
		{"bad chunk", &http1.ParseError{Status: 400, Reason: "invalid chunk size"}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJob(t, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
			j.Body.Append([]byte("some"))
			j.Body.End(nil, tt.err)
			j.Job.Out = j.out
			testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, err := io.ReadAll(r.Body)
				var me *http.MaxBytesError
				if errors.As(err, &me) {
					http.Error(w, "too large", http.StatusRequestEntityTooLarge)
					return
				}
				http.Error(w, err.Error(), http.StatusBadRequest)
			}), nil).Serve(j.Job)
			j.out.wait(t)
			r := parseOut(t, j.out, "POST")
			if r.Status != tt.status || !r.Close || r.Kept {
				t.Errorf("%d Connection: close %v, kept %v", r.Status, r.Close, r.Kept)
			}
		})
	}
}

func TestExpectContinueNotAfterHeader(t *testing.T) {
	j := newJob(t, expectReq)
	j.feed(0) // the client sent the body anyway
	j.Job.Out = j.out
	testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.ReadAll(r.Body)
	}), nil).Serve(j.Job)
	j.out.wait(t)
	if got := string(j.out.bytes()); !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("response starts %q, want no 100 Continue", got)
	}
}

func TestExpectContinueFromOtherGoroutine(t *testing.T) {
	j := newJob(t, expectReq)
	out := j.serve(t, testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := make(chan []byte)
		go func() {
			b, _ := io.ReadAll(r.Body)
			got <- b
		}()
		_, _ = w.Write(<-got)
	}), nil))
	r := parseOut(t, out, "POST")
	if len(r.Interim) != 1 || r.Interim[0].Status != 100 || r.Body != "hello" || !r.Kept {
		t.Errorf("%+v", r)
	}
}

func TestNoInterimToHTTP10(t *testing.T) {
	out, r := run(t, "GET / HTTP/1.0\r\n\r\n", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = io.WriteString(w, "ok")
	})
	if len(r.Interim) != 0 || r.Status != 200 || strings.Contains(string(out.bytes()), "103") {
		t.Errorf("%q", out.bytes())
	}
}

func TestControlByteValueDropped(t *testing.T) {
	logs := &syncBuffer{}
	j := newJob(t, get11)
	out := j.serve(t, testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Nul", "a\x00b")
		w.Header().Set("X-Ok", "fine")
	}), logs))
	got := string(out.bytes())
	if strings.Contains(got, "X-Nul") || !strings.Contains(got, "X-Ok: fine\r\n") || !strings.Contains(logs.String(), "control byte") {
		t.Errorf("response %q, logs %q", got, logs)
	}
}

func TestInvalidContentLengthHTTP10(t *testing.T) {
	// net/http writes the invalid value raw here; we drop it.
	out, r := run(t, "GET / HTTP/1.0\r\n\r\n", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "abc")
		_, _ = io.WriteString(w, "hi")
	})
	if strings.Contains(string(out.bytes()), "abc") || r.Body != "hi" || r.Kept {
		t.Errorf("%q", out.bytes())
	}
}

func TestContexts(t *testing.T) {
	connCtx, cancel := context.WithCancel(context.Background())
	reqCtx := make(chan context.Context, 1)
	notified := make(chan bool, 1)
	j := newJob(t, get11)
	j.Ctx = connCtx
	j.Job.Out = j.out
	testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqCtx <- r.Context()
		cn := w.(http.CloseNotifier).CloseNotify()
		cancel() // the connection goes away while the handler runs
		<-r.Context().Done()
		notified <- <-cn
	}), nil).Serve(j.Job)
	j.out.wait(t)
	if !<-notified {
		t.Error("CloseNotify did not fire")
	}
	if ctx := <-reqCtx; ctx.Err() == nil {
		t.Error("request context not cancelled")
	}

	// And net/http cancels it when ServeHTTP returns.
	_, _ = run(t, get11, func(w http.ResponseWriter, r *http.Request) { reqCtx <- r.Context() })
	if ctx := <-reqCtx; ctx.Err() == nil {
		t.Error("request context not cancelled after the handler returned")
	}
}

func BenchmarkServe(b *testing.B) {
	br := testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "Hello, World!")
	}), nil)
	raw := "GET /fallback HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		out := &benchOut{done: make(chan struct{})}
		br.Serve(&Job{Head: []byte(raw), Ctx: context.Background(), Out: out})
		<-out.done
	}
}

type benchOut struct{ done chan struct{} }

func (o *benchOut) Send([]byte) error { return nil }
func (o *benchOut) Finish(int, bool)  { close(o.done) }

func errDeadline() error { return os.ErrDeadlineExceeded }
