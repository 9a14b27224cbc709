package fallback

import (
	"sync"
	"sync/atomic"
	"time"
)

// A handler goroutine that finishes its request parks as an idle worker
// and takes the next job instead of exiting. A fresh goroutine per request
// starts on a small stack that a net/http handler (a mux, middleware,
// encoding/json) grows by copying, on every request; a reused one keeps
// its grown stack, as net/http's per-connection goroutines do. Idle
// workers end after workerIdle without a job, and all of them at Close.
const (
	workerIdle  = 2 * time.Second
	workerSweep = workerIdle / 2
)

type worker struct {
	jobs  chan *Job // capacity 1; nil means "exit"
	since time.Time // parked at
}

// workers is the stack of idle workers, the most recently parked on top:
// the warmest stacks and caches are reused first and the oldest, at the
// bottom, are the ones the sweeper ends.
type workers struct {
	mu       sync.Mutex
	idle     []*worker
	sweeping bool
	closed   bool

	started atomic.Int64 // goroutines Serve started (for tests)
}

// take pops an idle worker, or returns nil when none is parked.
func (ws *workers) take() *worker {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	n := len(ws.idle)
	if n == 0 {
		return nil
	}
	w := ws.idle[n-1]
	ws.idle[n-1] = nil
	ws.idle = ws.idle[:n-1]
	return w
}

// park pushes w as idle; false means the pool is closed and w must exit.
// The first parked worker starts the sweeper, which ends when none is
// left, so that an unused Bridge keeps no goroutine.
func (ws *workers) park(w *worker, now time.Time) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closed {
		return false
	}
	w.since = now
	ws.idle = append(ws.idle, w)
	if !ws.sweeping {
		ws.sweeping = true
		go ws.sweep()
	}
	return true
}

// sweep ends the workers idle for longer than workerIdle.
func (ws *workers) sweep() {
	for {
		time.Sleep(workerSweep)
		ws.mu.Lock()
		cut := time.Now().Add(-workerIdle)
		n := 0
		for n < len(ws.idle) && ws.idle[n].since.Before(cut) {
			ws.idle[n].jobs <- nil
			n++
		}
		rest := copy(ws.idle, ws.idle[n:])
		clear(ws.idle[rest:])
		ws.idle = ws.idle[:rest]
		if rest == 0 {
			ws.sweeping = false
			ws.mu.Unlock()
			return
		}
		ws.mu.Unlock()
	}
}

// close ends every idle worker; busy ones end after their job.
func (ws *workers) close() {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.closed = true
	for i, w := range ws.idle {
		w.jobs <- nil
		ws.idle[i] = nil
	}
	ws.idle = ws.idle[:0]
}
