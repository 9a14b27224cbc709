//go:build !race

package engine

import (
	"strings"
	"testing"
)

// The design's promise: a FastRoute costs a copy and no allocation; the
// per-request JSON loop handler at most one (the value it serializes).
func TestPathAllocs(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      float64
	}{
		{"plaintext", tfbRequest("/plaintext"), 0},
		{"plaintext pipelined 16", strings.Repeat(tfbRequest("/plaintext"), 16), 0},
		{"HEAD plaintext", "HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\n", 0},
		{"405", "PUT /plaintext HTTP/1.1\r\nHost: a\r\n\r\n", 0},
		{"404", "GET /none HTTP/1.1\r\nHost: a\r\n\r\n", 0},
		{"json", tfbRequest("/json"), 1},
		{"json pipelined 16", strings.Repeat(tfbRequest("/json"), 16), 16},
	} {
		h := newPathHarness(t, testRoutes())
		in := []byte(tc.in)
		h.serve(in) // grow buffers once
		got := testing.AllocsPerRun(200, func() { h.serve(in) })
		if got > tc.max {
			t.Errorf("%s: %.1f allocs per batch, want at most %.0f", tc.name, got, tc.max)
		}
	}
}
