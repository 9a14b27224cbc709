package http1_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chopin-go/chopin/http1"
)

// The benchmark inputs are shared with the comparison benchmarks in the
// bench module, which read the same files; see testdata/bench.
const (
	pipelineDepth = 16       // wrk's pipeline.lua depth in TechEmpower plaintext
	chunkedSize   = 64 << 10 // decoded size of the chunked body
	chunkSize     = 4 << 10  // size of each of its chunks
)

// readInput returns a request stored in ../testdata/bench. The files hold
// real CRLF bytes (.gitattributes marks them -text).
func readInput(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "bench", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// chunkedBody returns size bytes of deterministic data, chunk-coded in
// chunks of chunk bytes and ended by the last chunk with no trailers, and the
// data itself.
func chunkedBody(size, chunk int) (wire, data []byte) {
	data = make([]byte, size)
	for i := range data {
		data[i] = 'a' + byte(i%26)
	}
	for off := 0; off < size; off += chunk {
		end := min(off+chunk, size)
		wire = strconv.AppendUint(wire, uint64(end-off), 16)
		wire = append(wire, "\r\n"...)
		wire = append(wire, data[off:end]...)
		wire = append(wire, "\r\n"...)
	}
	return append(wire, "0\r\n\r\n"...), data
}

// parseAll parses every request head in buf, one after another as a
// connection would, and returns how many it parsed; r holds the last. The
// inputs have no bodies, so each head starts where the previous one ended.
func parseAll(p *http1.Parser, r *http1.Request, buf []byte) (int, error) {
	n := 0
	for off := 0; off < len(buf); n++ {
		k, err := p.ParseHead(buf[off:], r)
		if err != nil {
			return n, err
		}
		off += k
	}
	return n, nil
}

// headInput is one request-head benchmark input and what parsing it must
// yield, checked once before timing so that a broken parser cannot look fast.
type headInput struct {
	name     string
	buf      []byte
	requests int    // heads in buf
	path     string // path of each
	headers  int    // header fields of each
}

func headInputs(tb testing.TB) []headInput {
	plain := readInput(tb, "plaintext.txt")
	return []headInput{
		{"plaintext", plain, 1, "/plaintext", 3},
		{"pipelined16", bytes.Repeat(plain, pipelineDepth), pipelineDepth, "/plaintext", 3},
		{"browser", readInput(tb, "browser.txt"), 1, "/products/search", 16},
	}
}

func (in headInput) check(p *http1.Parser, r *http1.Request) error {
	n, err := parseAll(p, r, in.buf)
	switch {
	case err != nil:
		return err
	case n != in.requests:
		return fmt.Errorf("parsed %d requests, want %d", n, in.requests)
	case string(r.Method) != "GET" || string(r.Path) != in.path || len(r.Headers) != in.headers:
		return fmt.Errorf("got %s %s with %d headers, want GET %s with %d",
			r.Method, r.Path, len(r.Headers), in.path, in.headers)
	}
	return nil
}

func benchHead(b *testing.B, name string) {
	var in headInput
	for _, x := range headInputs(b) {
		if x.name == name {
			in = x
		}
	}
	var p http1.Parser
	var r http1.Request
	if err := in.check(&p, &r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in.buf)))
	for b.Loop() {
		if _, err := parseAll(&p, &r, in.buf); err != nil {
			b.Fatal(err)
		}
	}
	if in.requests > 1 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*in.requests), "ns/req")
	}
}

// BenchmarkParsePlaintext parses the request wrk sends for TechEmpower's
// plaintext test.
func BenchmarkParsePlaintext(b *testing.B) { benchHead(b, "plaintext") }

// BenchmarkParsePipelined16 parses 16 of them pipelined in one buffer, as
// TechEmpower runs it; one op is the whole buffer, ns/req one request.
func BenchmarkParsePipelined16(b *testing.B) { benchHead(b, "pipelined16") }

// BenchmarkParseBrowser parses a Chrome-like GET with 16 header fields.
func BenchmarkParseBrowser(b *testing.B) { benchHead(b, "browser") }

// BenchmarkChunked64K decodes a 64 KiB body sent in 4 KiB chunks into a
// reused buffer. Bytes per second count wire bytes, framing included.
func BenchmarkChunked64K(b *testing.B) {
	src, want := chunkedBody(chunkedSize, chunkSize)
	var d http1.ChunkedDecoder
	dst := make([]byte, 0, chunkedSize)
	d.Reset(http1.Limits{})
	dst, n, err := d.Decode(dst[:0], src)
	if err != nil || n != len(src) || !d.Done() || !bytes.Equal(dst, want) {
		b.Fatalf("Decode: %d of %d bytes, done %v, body ok %v, err %v",
			n, len(src), d.Done(), bytes.Equal(dst, want), err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		d.Reset(http1.Limits{})
		if dst, _, err = d.Decode(dst[:0], src); err != nil {
			b.Fatal(err)
		}
	}
}
