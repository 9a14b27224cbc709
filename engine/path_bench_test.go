package engine

import (
	"bytes"
	"strings"
	"testing"
)

// The request wrk sends in the TechEmpower plaintext and json tests.
func tfbRequest(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: localhost:8080\r\n" +
		"Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n" +
		"Connection: keep-alive\r\n\r\n"
}

// The request wrk sends by default, as the benchmark suite runs it.
func wrkRequest(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
}

func benchPath(b *testing.B, in string, perOp int, wantBody string) {
	h := newPathHarness(b, testRoutes())
	buf := []byte(in)
	out := h.serve(buf)
	if n := bytes.Count(out, []byte(wantBody)); n != perOp {
		b.Fatalf("want %d responses with %q, got %d in %q", perOp, wantBody, n, out)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		h.serve(buf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perOp), "ns/req")
}

func BenchmarkPathPlaintext(b *testing.B) {
	benchPath(b, tfbRequest("/plaintext"), 1, "Hello, World!")
}

func BenchmarkPathPlaintextPipelined16(b *testing.B) {
	benchPath(b, strings.Repeat(tfbRequest("/plaintext"), 16), 16, "Hello, World!")
}

func BenchmarkPathWrkPlaintext(b *testing.B) {
	benchPath(b, wrkRequest("/plaintext"), 1, "Hello, World!")
}

func BenchmarkPathWrkPipelined16(b *testing.B) {
	benchPath(b, strings.Repeat(wrkRequest("/plaintext"), 16), 16, "Hello, World!")
}

func BenchmarkPathJSON(b *testing.B) {
	benchPath(b, tfbRequest("/json"), 1, `{"message":"Hello, World!"}`)
}

// BenchmarkPathJSONAppend is /json as the bench server serves it: the
// message serialized by hand into the response's reused body.
func BenchmarkPathJSONAppend(b *testing.B) {
	benchPath(b, tfbRequest("/json-append"), 1, `{"message":"Hello, World!"}`)
}
