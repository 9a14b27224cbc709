package http1

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzFieldLoops holds parseFields' two ways of scanning to each other: a
// connection's whole dump (heads, bodies, the error that ends it) must be
// the same with the head classified in bulk and scanned byte by byte,
// under the default limits and under limits small inputs reach. The seeds are every
// conformance input and the benchmark heads.
func FuzzFieldLoops(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.txt"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no conformance files in %s (%v)", conformanceDir, err)
	}
	for _, file := range files {
		_, cases := loadConformance(f, file)
		for _, c := range cases {
			f.Add(c.in)
		}
	}
	for _, name := range []string{"plaintext", "browser", "upload"} {
		in, err := os.ReadFile(filepath.Join("..", "testdata", "bench", name+".txt"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(in)
		f.Add(bytes.Repeat(in, 4))
	}
	tight := Limits{MaxHeaderBytes: 96, MaxTargetBytes: 24, MaxHeaders: 4, MaxBodyBytes: 40, MaxChunkExtBytes: 8}
	f.Fuzz(func(t *testing.T, in []byte) {
		defer func(was bool) { fastFields = was }(fastFields)
		for _, lim := range []Limits{{}, tight} {
			fastFields = false
			byLoop := newWire(lim)
			byLoop.feed(in)
			fastFields = true
			byScan := newWire(lim)
			byScan.feed(in)
			if diff := cmp.Diff(byLoop.finish(in), byScan.finish(in)); diff != "" {
				t.Fatalf("limits %+v: (-bytes +bulk):\n%s", lim, diff)
			}
			if diff := cmp.Diff(byLoop.bad, byScan.bad); diff != "" {
				t.Fatalf("limits %+v: broken invariants differ (-bytes +bulk):\n%s", lim, diff)
			}
		}
	})
}
