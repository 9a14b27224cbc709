package jsonw_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chopin-go/chopin/jsonw"
)

var benchInputs = []struct{ name, in string }{
	{"hello", "Hello, World!"},
	{"ascii200", strings.Repeat("The quick brown fox jumps over the lazy dog. ", 5)[:200]},
	{"escapes", "line one\n\t\"quoted\" C:\\path\\to\\file\r\nend \u2028 café"},
}

// Each input runs through jsonw and through the encoding/json path it
// replaces, so one run shows both side by side.
func BenchmarkAppendString(b *testing.B) {
	for _, bi := range benchInputs {
		b.Run(bi.name+"/jsonw", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bi.in)))
			dst := make([]byte, 0, 512)
			for b.Loop() {
				dst = jsonw.AppendString(dst[:0], bi.in)
			}
		})
		b.Run(bi.name+"/encoding-json", func(b *testing.B) {
			benchEncoder(b, bi.in, int64(len(bi.in)))
		})
	}
}

func BenchmarkMessage(b *testing.B) {
	m := &message{Message: "Hello, World!"}
	b.Run("jsonw", func(b *testing.B) {
		b.ReportAllocs()
		dst := make([]byte, 0, 64)
		for b.Loop() {
			dst = m.AppendJSON(dst[:0])
		}
	})
	b.Run("encoding-json", func(b *testing.B) { benchEncoder(b, m, 0) })
}

// benchEncoder measures the reflection path at its cheapest: one Encoder
// over one reused buffer.
func benchEncoder(b *testing.B, v any, n int64) {
	b.ReportAllocs()
	b.SetBytes(n)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for b.Loop() {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}
