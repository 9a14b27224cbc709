//go:build !race

package fallback

import (
	"context"
	"io"
	"net/http"
	"testing"
)

// TestServeAllocs guards the per-request cost of a simple GET. The
// fallback is not the engine's hot path, so the bound is a budget against
// regressions, not zero: the goroutine, the Request, its URL, header map
// and context, the ResponseWriter and its header snapshot.
func TestServeAllocs(t *testing.T) {
	br := testBridge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "Hello, World!")
	}), nil)
	head := []byte("GET /fallback HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	out := &benchOut{}
	j := &Job{Head: head, Ctx: context.Background(), Out: out}
	serve := func() {
		*j = Job{Head: head, Ctx: context.Background(), Out: out}
		out.done = make(chan struct{}) // 1 alloc of the test's own
		br.Serve(j)
		<-out.done
	}
	serve() // warm the pools
	const budget = 22
	if n := testing.AllocsPerRun(200, serve); n > budget {
		t.Errorf("%.0f allocations per request, budget %d", n, budget)
	}
}
