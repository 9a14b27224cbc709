package main

import (
	"bytes"
	"expvar"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/chopin-go/chopin/engine"
	"github.com/chopin-go/chopin/internal/echo"
)

// Limits of the diagnostic routes, so that none can be made to hold the
// server for long or fill its memory.
const (
	maxSlowMillis  = 10000
	maxStreamBytes = 64 << 20
)

// debugRoutes are the diagnostic routes served on the fallback with
// -debug-routes, for tests and for seeing what the bridge hands a handler.
func debugRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", echo.Serve)
	mux.HandleFunc("GET /slow", slow)
	mux.HandleFunc("GET /stream", stream)
	mux.HandleFunc("GET /big", big)
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("debug route /panic") })
	mux.Handle("GET /debug/vars", expvar.Handler())
	return mux
}

// publishVars exposes the engine's counters and the goroutine count at
// /debug/vars, for the soak test and for looking at a running server.
func publishVars(s *engine.Server) {
	expvar.Publish("goroutines", expvar.Func(func() any { return runtime.NumGoroutine() }))
	expvar.Publish("engine", expvar.Func(func() any { return s.Stats() }))
}

func slow(w http.ResponseWriter, r *http.Request) {
	ms := clampQuery(r, "ms", 0, maxSlowMillis)
	time.Sleep(time.Duration(ms) * time.Millisecond)
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "slow "+strconv.Itoa(ms))
}

func stream(w http.ResponseWriter, r *http.Request) {
	chunks := clampQuery(r, "chunks", 1, 10000)
	size := clampQuery(r, "bytes", 1, maxStreamBytes/chunks)
	p := bytes.Repeat([]byte{'x'}, size)
	w.Header().Set("Content-Type", "text/plain")
	rc := http.NewResponseController(w)
	for range chunks {
		if _, err := w.Write(p); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func big(w http.ResponseWriter, r *http.Request) {
	n := clampQuery(r, "bytes", 0, maxStreamBytes)
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	p := bytes.Repeat([]byte{'x'}, min(n, 64<<10))
	for n > 0 {
		k := min(n, len(p))
		if _, err := w.Write(p[:k]); err != nil {
			return
		}
		n -= k
	}
}

// clampQuery reads an integer query parameter; missing or malformed means lo.
func clampQuery(r *http.Request, name string, lo, hi int) int {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || v < lo {
		return lo
	}
	return min(v, hi)
}
