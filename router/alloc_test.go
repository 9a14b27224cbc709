//go:build !race

package router

import "testing"

// Lookup runs for every request on an event loop: it must not allocate,
// whether it finds a route, falls back from HEAD, answers 405 or misses.
func TestLookupAllocs(t *testing.T) {
	var r Router[h]
	mustAdd(t, &r, "GET", "/plaintext", Route[h]{Static: NewStatic("s", "text/plain", []byte("x"))})
	mustAdd(t, &r, "GET", "/json", Route[h]{Handler: "json"})
	mustAdd(t, &r, "POST", "/json", Route[h]{Handler: "post"})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/plaintext"},
		{"HEAD", "/plaintext"},
		{"POST", "/json"},
		{"DELETE", "/json"},
		{"GET", "/missing"},
	} {
		method, path := []byte(tc.method), []byte(tc.path)
		if got := testing.AllocsPerRun(100, func() { r.Lookup(method, path) }); got != 0 {
			t.Errorf("Lookup(%s, %s): %.1f allocs, want 0", tc.method, tc.path, got)
		}
	}
}

func TestStaticResponseAllocs(t *testing.T) {
	s := NewStatic("s", "text/plain", []byte("x"))
	if got := testing.AllocsPerRun(100, func() { _ = s.Response(false); _ = s.Response(true) }); got != 0 {
		t.Errorf("Static.Response: %.1f allocs, want 0", got)
	}
}
