//go:build !race

package engine

import (
	"strings"
	"testing"
)

// The design's promise: a FastRoute costs a copy and no allocation; the
// per-request JSON loop handler at most one (the value encoding/json is
// handed), none when it serializes by hand into the response's body.
func TestPathAllocs(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      float64
		status   string // of every response
	}{
		{"plaintext", tfbRequest("/plaintext"), 0, "200"},
		{"plaintext pipelined 16", strings.Repeat(tfbRequest("/plaintext"), 16), 0, "200"},
		{"HEAD plaintext", "HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\n", 0, "200"},
		{"405", "PUT /plaintext HTTP/1.1\r\nHost: a\r\n\r\n", 0, "405"},
		{"404", "GET /none HTTP/1.1\r\nHost: a\r\n\r\n", 0, "404"},
		{"json", tfbRequest("/json"), 1, "200"},
		{"json pipelined 16", strings.Repeat(tfbRequest("/json"), 16), 16, "200"},
		{"json hand-written", tfbRequest("/json-append"), 0, "200"},
		{"json hand-written pipelined 16", strings.Repeat(tfbRequest("/json-append"), 16), 0, "200"},
	} {
		h := newPathHarness(t, testRoutes())
		in := []byte(tc.in)
		// Grow buffers once, and check that each request got the
		// answer measured, not an error that costs nothing.
		out := string(h.serve(in))
		if n, want := strings.Count(out, "HTTP/1.1 "+tc.status+" "), strings.Count(tc.in, "\r\n\r\n"); n != want {
			t.Errorf("%s: %d responses with status %s, want %d:\n%s", tc.name, n, tc.status, want, out)
		}
		got := testing.AllocsPerRun(200, func() { h.serve(in) })
		if got > tc.max {
			t.Errorf("%s: %.1f allocs per batch, want at most %.0f", tc.name, got, tc.max)
		}
	}
}
