// Package micro holds the micro-benchmarks of the date cache and the router
// that their packages do not have themselves, for `make bench-micro`, which
// runs them beside http1's parser benchmarks and engine's path benchmarks.
package micro

import (
	"net/http"
	"testing"
	"time"

	"github.com/chopin-go/chopin/datecache"
	"github.com/chopin-go/chopin/router"
)

var sink []byte

// BenchmarkDateLoad is what the engine does per request: read the
// published date.
func BenchmarkDateLoad(b *testing.B) {
	c := datecache.New()
	b.ReportAllocs()
	for range b.N {
		sink = c.Load()
	}
}

// BenchmarkDateAppend copies the date into a response being built.
func BenchmarkDateAppend(b *testing.B) {
	c := datecache.New()
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(datecache.Len)
	for range b.N {
		buf = c.Append(buf[:0])
	}
	sink = buf
}

// BenchmarkDateFormat is the per-request formatting the cache saves, for
// comparison.
func BenchmarkDateFormat(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for range b.N {
		buf = time.Now().UTC().AppendFormat(buf[:0], http.TimeFormat)
	}
	sink = buf
}

type handler int

func newRouter(b *testing.B) *router.Router[handler] {
	var r router.Router[handler]
	add := func(method, path string, rt router.Route[handler]) {
		if err := r.Add(method, path, rt); err != nil {
			b.Fatal(err)
		}
	}
	add("GET", "/plaintext", router.Route[handler]{Static: router.NewStatic("chopin", "text/plain", []byte("Hello, World!"))})
	add("GET", "/json", router.Route[handler]{Handler: 1})
	for _, p := range []string{"/db", "/queries", "/updates", "/fortunes", "/cached-queries", "/health", "/metrics"} {
		add("GET", p, router.Route[handler]{Handler: 2})
	}
	return &r
}

// BenchmarkRouterLookup finds routes by method and path, as the engine
// does for every request: a static hit, a handler hit, HEAD falling back
// to GET, a 405 and a miss.
func BenchmarkRouterLookup(b *testing.B) {
	r := newRouter(b)
	for _, tc := range []struct{ name, method, path string }{
		{"static", "GET", "/plaintext"},
		{"handler", "GET", "/json"},
		{"head", "HEAD", "/plaintext"},
		{"405", "POST", "/json"},
		{"miss", "GET", "/not/a/route"},
	} {
		method, path := []byte(tc.method), []byte(tc.path)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				r.Lookup(method, path)
			}
		})
	}
}

// BenchmarkStaticResponse fetches a preformatted response, the whole
// per-request cost of a FastRoute besides copying it out.
func BenchmarkStaticResponse(b *testing.B) {
	s := router.NewStatic("chopin", "text/plain", []byte("Hello, World!"))
	b.ReportAllocs()
	for range b.N {
		sink = s.Response(false)
	}
}
