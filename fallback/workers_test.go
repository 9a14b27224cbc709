package fallback

import (
	"net/http"
	"testing"
)

// TestWorkersReused: requests served one after another run on one
// goroutine, which parks between them, and Close ends it.
func TestWorkersReused(t *testing.T) {
	calls := 0
	br := New(Config{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ })})
	const jobs = 5
	for i := range jobs {
		j := newJob(t, get11)
		br.Serve(j.Job)
		j.out.wait(t)
		if j.out.status != 200 {
			t.Fatalf("request %d: Finish(%d, %v)", i, j.out.status, j.out.close)
		}
		waitFor(t, "the worker parks", func() bool {
			br.pool.mu.Lock()
			defer br.pool.mu.Unlock()
			return len(br.pool.idle) == 1
		})
	}
	if n := br.pool.started.Load(); n != 1 {
		t.Errorf("%d goroutines started for %d requests in a row, want 1", n, jobs)
	}
	if calls != jobs {
		t.Fatalf("handler ran %d times", calls)
	}
	br.Close()
	br.pool.mu.Lock()
	idle := len(br.pool.idle)
	br.pool.mu.Unlock()
	if idle != 0 {
		t.Errorf("%d idle workers after Close", idle)
	}
	// After Close every job gets a goroutine of its own, which ends.
	j := newJob(t, get11)
	br.Serve(j.Job)
	j.out.wait(t)
	if n := br.pool.started.Load(); n != 2 {
		t.Errorf("%d goroutines started, want 2", n)
	}
}

// TestWorkersConcurrent: as many workers start as requests run at once,
// and later requests reuse them.
func TestWorkersConcurrent(t *testing.T) {
	release := make(chan struct{})
	br := New(Config{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })})
	defer br.Close()
	const n = 4
	for round := range 2 {
		var js []*job
		for range n {
			j := newJob(t, get11)
			js = append(js, j)
			br.Serve(j.Job)
		}
		waitFor(t, "all handlers run", func() bool { return br.running.Load() == n })
		for range n {
			release <- struct{}{}
		}
		for _, j := range js {
			j.out.wait(t)
		}
		waitFor(t, "the workers park", func() bool {
			br.pool.mu.Lock()
			defer br.pool.mu.Unlock()
			return len(br.pool.idle) == n
		})
		if got := br.pool.started.Load(); got != n {
			t.Errorf("round %d: %d goroutines started, want %d", round, got, n)
		}
	}
}
