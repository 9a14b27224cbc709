package http1

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decoded is what a chunked body decodes to.
type decoded struct {
	Body     string
	Trailers []string // name, value, name, value...
	Rest     string   // the input after the body, not consumed
}

var chunkedValid = []struct {
	name, in string
	want     decoded
}{
	{"empty body", "0\r\n\r\n", decoded{}},
	{"one chunk", "5\r\nhello\r\n0\r\n\r\n", decoded{Body: "hello"}},
	{"several chunks", "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n", decoded{Body: "abcdef"}},
	{"hex digits in both cases", "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n",
		decoded{Body: "0123456789abcdefghijk"}},
	{"sixteen digits", "0000000000000003\r\nabc\r\n000\r\n\r\n", decoded{Body: "abc"}},
	{"data holding chunk syntax", "7\r\n0\r\n\r\nab\r\n0\r\n\r\n", decoded{Body: "0\r\n\r\nab"}},
	{"extensions", "5;a=b;c=\"d\\\"e\"\r\nhello\r\n0;x\r\n\r\n", decoded{Body: "hello"}},
	{"extensions with BWS", "4 ;\ta = \"q\" ; b\r\nwxyz\r\n0\r\n\r\n", decoded{Body: "wxyz"}},
	{"trailers", "3\r\nabc\r\n0\r\nA: 1\r\nB:  two \r\n\r\n",
		decoded{Body: "abc", Trailers: []string{"A", "1", "B", "two"}}},
	{"next request follows", "2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n",
		decoded{Body: "hi", Rest: "GET / HTTP/1.1\r\n"}},
	{"next request follows trailers", "0\r\nX: y\r\n\r\n\r\nGET",
		decoded{Trailers: []string{"X", "y"}, Rest: "\r\nGET"}},
}

var chunkedInvalid = []struct {
	name, in string
	lim      Limits
	err      *ParseError
}{
	{"no size", "\r\n", Limits{}, errBadChunkSize},
	{"size not hex", "x\r\n", Limits{}, errBadChunkSize},
	{"size with 0x", "0x1\r\n", Limits{}, errBadChunkSize},
	{"seventeen digits", "00000000000000001\r\nx\r\n", Limits{}, errChunkOverflow},
	{"bare LF after size", "5\nhello\r\n", Limits{}, errBareLF},
	{"bare CR after size", "5\rhello\r\n", Limits{}, errBareCR},
	{"BWS without extension", "5 \r\nhello\r\n", Limits{}, errBadChunkExt},
	{"empty extension name", "5;\r\nhello\r\n", Limits{}, errBadChunkExt},
	{"empty extension value", "5;a=\r\nhello\r\n", Limits{}, errBadChunkExt},
	{"unterminated quoted value", "5;a=\"b\r\nhello\r\n", Limits{}, errBadChunkExt},
	{"bare LF in extension", "5;a\nb\r\nhello\r\n", Limits{}, errBareLF},
	{"data longer than size", "5\r\nhelloX\r\n", Limits{}, errMissingChunkCRLF},
	{"CR then junk after data", "5\r\nhello\rX", Limits{}, errMissingChunkCRLF},
	{"forbidden trailer", "0\r\nHost: a\r\n\r\n", Limits{}, errBadTrailer},
	{"Trailer as trailer", "0\r\nTRAILER: a\r\n\r\n", Limits{}, errBadTrailer},
	{"space before colon in trailer", "0\r\nX : a\r\n\r\n", Limits{}, errSpaceBeforeColon},
	{"folded trailer", "0\r\nX: a\r\n b\r\n\r\n", Limits{}, errObsFold},
	{"bare LF ends trailer section", "0\r\n\n", Limits{}, errBareLF},
	{"bare CR in trailer section", "0\r\n\rX\r\n\r\n", Limits{}, errBareCR},
	{"chunk over body limit", "5\r\nhello\r\n", Limits{MaxBodyBytes: 4}, errBodyTooLarge},
	{"sum over body limit", "2\r\nab\r\n3\r\nabc\r\n", Limits{MaxBodyBytes: 4}, errBodyTooLarge},
	{"extension over limit", "1;abc\r\nx\r\n", Limits{MaxChunkExtBytes: 3}, errChunkExtTooLong},
	{"trailer section over limit", "0\r\nX: 1234\r\n\r\n", Limits{MaxHeaderBytes: 8}, errTrailerTooLarge},
	{"too many trailers", "0\r\nA: 1\r\nB: 2\r\n\r\n", Limits{MaxHeaders: 1}, errTooManyHeaders},
}

// decodePieces feeds pieces to d as reads would deliver them: each call
// gets what the previous one left unconsumed plus the next piece. With
// useNext it calls Next and checks that every data run is a slice of the
// bytes passed; otherwise it calls Decode. It returns what was decoded and
// the first error other than ErrNeedMore, or ErrNeedMore if the body never
// ended.
func decodePieces(t *testing.T, d *ChunkedDecoder, pieces []string, useNext bool) (decoded, error) {
	t.Helper()
	var body, pend []byte
	for k, piece := range pieces {
		pend = append(pend, piece...)
		for {
			var n int
			var err error
			if useNext {
				var data []byte
				data, n, err = d.Next(pend)
				if len(data) > 0 {
					// data must alias pend: the decoder never copies.
					at := cap(pend) - cap(data)
					if at < 0 || at+len(data) > n || &pend[at] != &data[0] {
						t.Fatalf("Next returned data that is not a slice of the consumed input")
					}
				} else if n == 0 && err == nil && !d.Done() {
					t.Fatalf("Next made no progress on %q", pend)
				}
				body = append(body, data...)
			} else {
				body, n, err = d.Decode(body, pend)
			}
			pend = pend[n:]
			if errors.Is(err, ErrNeedMore) {
				break
			}
			if err != nil {
				return decoded{}, err
			}
			if d.Done() {
				got := decoded{Body: string(body)}
				for _, h := range d.Trailers() {
					got.Trailers = append(got.Trailers, string(h.Name), string(h.Value))
				}
				for _, p := range pieces[k+1:] {
					pend = append(pend, p...)
				}
				got.Rest = string(pend)
				if d.Total() != int64(len(body)) {
					t.Errorf("Total() = %d, decoded %d bytes", d.Total(), len(body))
				}
				return got, nil
			}
		}
	}
	return decoded{}, ErrNeedMore
}

// splits returns in cut at every offset into two pieces, at every pair of
// offsets into three (for short inputs), and into single bytes.
func splits(in string) [][]string {
	out := [][]string{{in}}
	for i := 0; i <= len(in); i++ {
		out = append(out, []string{in[:i], in[i:]})
		if len(in) > 40 {
			continue
		}
		for j := i; j <= len(in); j++ {
			out = append(out, []string{in[:i], in[i:j], in[j:]})
		}
	}
	var bytewise []string
	for i := range len(in) {
		bytewise = append(bytewise, in[i:i+1])
	}
	return append(out, bytewise)
}

// TestChunkedSplits decodes each valid body cut every way, with Decode and
// with Next: splits fall inside sizes, extensions, CRLFs, data and
// trailers, and every way must decode the same.
func TestChunkedSplits(t *testing.T) {
	for _, tt := range chunkedValid {
		t.Run(tt.name, func(t *testing.T) {
			for _, useNext := range []bool{false, true} {
				for _, pieces := range splits(tt.in) {
					var d ChunkedDecoder
					d.Reset(Limits{})
					got, err := decodePieces(t, &d, pieces, useNext)
					if err != nil {
						t.Fatalf("pieces %q (next %v): %v", pieces, useNext, err)
					}
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Fatalf("pieces %q (next %v): (-want +got)\n%s", pieces, useNext, diff)
					}
				}
			}
		})
	}
}

// TestChunkedErrors checks that each invalid body fails with its error
// however it is split: the decoder reads byte by byte, so a fault is found
// at the same byte whatever came before it in the same read.
func TestChunkedErrors(t *testing.T) {
	for _, tt := range chunkedInvalid {
		t.Run(tt.name, func(t *testing.T) {
			for _, useNext := range []bool{false, true} {
				for _, pieces := range splits(tt.in) {
					var d ChunkedDecoder
					d.Reset(tt.lim)
					_, err := decodePieces(t, &d, pieces, useNext)
					if err != tt.err {
						t.Fatalf("pieces %q (next %v): err %v, want %v", pieces, useNext, err, tt.err)
					}
				}
			}
		})
	}
}

// TestChunkedIncomplete checks that every proper prefix of a body asks for
// more and never reports Done.
func TestChunkedIncomplete(t *testing.T) {
	in := "3;e=\"v\"\r\nabc\r\n0\r\nX: y\r\n\r\n"
	for i := range len(in) {
		var d ChunkedDecoder
		d.Reset(Limits{})
		if _, err := decodePieces(t, &d, []string{in[:i]}, false); err != ErrNeedMore || d.Done() {
			t.Fatalf("prefix %q: err %v, Done %v; want ErrNeedMore", in[:i], err, d.Done())
		}
	}
}

// TestChunkedDone checks that a finished decoder consumes nothing more.
func TestChunkedDone(t *testing.T) {
	var d ChunkedDecoder
	d.Reset(Limits{})
	src := []byte("0\r\n\r\nGET")
	if _, n, err := d.Decode(nil, src); err != nil || n != 5 || !d.Done() {
		t.Fatalf("Decode = %d, %v, Done %v; want 5, nil, true", n, err, d.Done())
	}
	if data, n, err := d.Next(src[5:]); data != nil || n != 0 || err != nil {
		t.Errorf("Next after Done = %q, %d, %v; want nil, 0, nil", data, n, err)
	}
	if dst, n, err := d.Decode([]byte("x"), src[5:]); string(dst) != "x" || n != 0 || err != nil {
		t.Errorf("Decode after Done = %q, %d, %v; want \"x\", 0, nil", dst, n, err)
	}
}

// TestChunkedReset checks that Reset forgets a finished body, keeping only
// the trailer slice's storage.
func TestChunkedReset(t *testing.T) {
	var d ChunkedDecoder
	d.Reset(Limits{})
	if _, _, err := d.Decode(nil, []byte("1\r\nx\r\n0\r\nA: 1\r\nB: 2\r\n\r\n")); err != nil || !d.Done() {
		t.Fatalf("first body: %v, Done %v", err, d.Done())
	}
	d.Reset(Limits{MaxBodyBytes: 1})
	if d.Done() || d.Total() != 0 || len(d.Trailers()) != 0 || cap(d.Trailers()) < 2 {
		t.Fatalf("after Reset: Done %v, Total %d, %d trailers (cap %d)",
			d.Done(), d.Total(), len(d.Trailers()), cap(d.Trailers()))
	}
	if _, _, err := d.Decode(nil, []byte("2\r\n")); err != errBodyTooLarge {
		t.Errorf("Reset did not apply the new limits: err %v", err)
	}
}

// TestChunkedZeroValue checks that a zero ChunkedDecoder works, with the
// default limits.
func TestChunkedZeroValue(t *testing.T) {
	var d ChunkedDecoder
	got, err := decodePieces(t, &d, []string{"2\r\nok\r\n0\r\n\r\n"}, true)
	if err != nil || got.Body != "ok" {
		t.Fatalf("zero decoder: %+v, %v", got, err)
	}
	if d.lim != (Limits{}).withDefaults() {
		t.Errorf("zero decoder limits = %+v, want the defaults", d.lim)
	}
}

// TestChunkedRoundTrip decodes what AppendChunk and AppendLastChunk write.
func TestChunkedRoundTrip(t *testing.T) {
	var wire []byte
	var want []byte
	for _, n := range []int{1, 15, 16, 255, 256, 4096} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(i * 7)
		}
		wire = AppendChunk(wire, p)
		want = append(want, p...)
	}
	wire = AppendChunk(wire, nil) // writes nothing
	wire = AppendLastChunk(wire, "Expires", "0", "X-Sum", "abc")
	var d ChunkedDecoder
	d.Reset(Limits{})
	got, n, err := d.Decode(nil, wire)
	if err != nil || n != len(wire) || string(got) != string(want) {
		t.Fatalf("Decode: %d of %d bytes, err %v, body equal %v", n, len(wire), err, string(got) == string(want))
	}
	var tr []string
	for _, h := range d.Trailers() {
		tr = append(tr, string(h.Name), string(h.Value))
	}
	if diff := cmp.Diff([]string{"Expires", "0", "X-Sum", "abc"}, tr); diff != "" {
		t.Errorf("trailers (-want +got):\n%s", diff)
	}
}

// TestChunkedTrailerResumesScan feeds a trailer section a byte at a time
// and checks that the decoder never searches the same bytes twice for the
// end of a line, which keeps a slow trailer linear.
func TestChunkedTrailerResumesScan(t *testing.T) {
	sec := []byte("A: 1\r\nX: " + strings.Repeat("v", 8000) + "\r\n\r\n")
	var d ChunkedDecoder
	d.Reset(Limits{})
	if _, n, err := d.Decode(nil, []byte("0\r\n")); n != 3 || err != ErrNeedMore {
		t.Fatalf("last chunk: consumed %d, err %v", n, err)
	}
	lineAt := 0 // offset after the last LF in sec[:k]
	for k := 1; k < len(sec); k++ {
		if sec[k-1] == '\n' {
			lineAt = k
		}
		if _, n, err := d.Decode(nil, sec[:k]); n != 0 || err != ErrNeedMore {
			t.Fatalf("prefix of %d bytes: consumed %d, err %v; want 0, ErrNeedMore", k, n, err)
		}
		if d.seen != k || d.scan != lineAt {
			t.Fatalf("prefix of %d bytes: seen %d, scan %d; want %d, %d", k, d.seen, d.scan, k, lineAt)
		}
	}
	if _, n, err := d.Decode(nil, sec); err != nil || n != len(sec) || len(d.Trailers()) != 2 {
		t.Fatalf("whole section: consumed %d, err %v, %d trailers", n, err, len(d.Trailers()))
	}
}
