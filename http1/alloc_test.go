//go:build !race

// The race detector allocates on its own account, so these counts hold only
// without it.

package http1_test

import (
	"testing"

	"github.com/chopin-go/chopin/http1"
)

const allocRuns = 100

// TestParseAllocs checks that, once its Request has grown to the header
// count, a Parser parses each benchmark input without allocating.
func TestParseAllocs(t *testing.T) {
	for _, in := range headInputs(t) {
		t.Run(in.name, func(t *testing.T) {
			var p http1.Parser
			var r http1.Request
			if err := in.check(&p, &r); err != nil { // warm-up: grows r.Headers
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(allocRuns, func() {
				if _, err := parseAll(&p, &r, in.buf); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocs per parse, want 0", allocs)
			}
		})
	}
}

// TestChunkedAllocs checks that decoding into a buffer with room for the
// body does not allocate.
func TestChunkedAllocs(t *testing.T) {
	src, _ := chunkedBody(chunkedSize, chunkSize)
	var d http1.ChunkedDecoder
	dst := make([]byte, 0, chunkedSize)
	decode := func() {
		d.Reset(http1.Limits{})
		var err error
		if dst, _, err = d.Decode(dst[:0], src); err != nil || !d.Done() {
			t.Fatalf("Decode: done %v, err %v", d.Done(), err)
		}
	}
	decode() // warm-up
	if allocs := testing.AllocsPerRun(allocRuns, decode); allocs != 0 {
		t.Errorf("%v allocs per decode, want 0", allocs)
	}
}

// TestAppendAllocs checks that the response writers append into a buffer
// with room without allocating.
func TestAppendAllocs(t *testing.T) {
	dst := make([]byte, 0, 512)
	body := []byte("Hello, World!")
	write := func() {
		dst = http1.AppendStatusLine(dst[:0], 200)
		dst = http1.AppendStatusLine(dst, 418)
		dst = http1.AppendHeader(dst, "Content-Type", "text/plain")
		dst = http1.AppendContentLength(dst, int64(len(body)))
		dst = http1.AppendChunk(dst, body)
		dst = http1.AppendLastChunk(dst, "Expires", "0")
	}
	write() // warm-up
	if allocs := testing.AllocsPerRun(allocRuns, write); allocs != 0 {
		t.Errorf("%v allocs per response, want 0", allocs)
	}
}
