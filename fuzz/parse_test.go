package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/chopin-go/chopin/http1"
)

// tightLimits are small enough that short fuzz inputs reach every limit:
// with the defaults a fuzzer would need kilobytes to hit 414 or 431.
var tightLimits = http1.Limits{
	MaxHeaderBytes:   96,
	MaxTargetBytes:   24,
	MaxHeaders:       4,
	MaxBodyBytes:     40,
	MaxChunkExtBytes: 8,
}

// FuzzParse parses any bytes as one connection's stream, under the default
// and under tight limits, and checks every invariant of what is accepted.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lim := range []http1.Limits{{}, tightLimits} {
			parseChecked(t, lim, data)
		}
	})
}

// parseChecked parses data in one piece and fails t on any broken
// invariant: of each head (checkHead), of re-parsing it alone, of the
// errors, and of each body.
func parseChecked(t *testing.T, lim http1.Limits, data []byte) outcome {
	t.Helper()
	c := newConn(lim)
	c.onHead = func(buf []byte, r *http1.Request) {
		if err := checkHead(lim, buf, r); err != nil {
			t.Fatalf("limits %+v: %v", lim, err)
		}
		if err := checkReparse(lim, buf, r); err != nil {
			t.Fatalf("limits %+v: %v", lim, err)
		}
	}
	c.onError = func(err error) {
		var pe *http1.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("limits %+v: error %v is not a *ParseError", lim, err)
		}
		if !slices.Contains([]int{400, 413, 414, 417, 431, 501, 505}, pe.Status) {
			t.Fatalf("limits %+v: error %v has status %d", lim, err, pe.Status)
		}
	}
	c.feed(bytes.Clone(data))
	out := c.finish()
	for i := range out.Msgs {
		if err := checkBody(lim, &out.Msgs[i]); err != nil {
			t.Fatalf("limits %+v, request %d: %v\n%s", lim, i, err, out.String())
		}
	}
	return out
}

// checkReparse parses the head again with a fresh Parser, alone in a buffer
// of its own: the result may not depend on the bytes that follow it or on
// the Parser's history. A strict prefix of the head must need more.
func checkReparse(lim http1.Limits, buf []byte, r *http1.Request) error {
	want := copyRequest(r, 0)
	head := bytes.Clone(buf[:r.HeadLen])
	var r2 http1.Request
	n, err := http1.NewParser(lim).ParseHead(head, &r2)
	if got := copyRequest(&r2, 0); err != nil || n != r.HeadLen || got.String() != want.String() {
		return fmt.Errorf("head %q alone: n=%d err=%v\n got %s\nwant %s", head, n, err, got.String(), want.String())
	}
	for _, k := range []int{r.HeadLen - 1, r.HeadLen / 2} {
		prefix := head[:k:k]
		if _, err := http1.NewParser(lim).ParseHead(prefix, &r2); !errors.Is(err, http1.ErrNeedMore) {
			return fmt.Errorf("prefix %q of head %q: %v, want ErrNeedMore", prefix, head, err)
		}
	}
	return nil
}

// checkBody checks a decoded body against its framing and, for chunked
// bodies, re-encodes it with the response writers and decodes it again.
func checkBody(lim http1.Limits, m *message) error {
	lim = lim.WithDefaults()
	switch {
	case m.Chunked:
		if int64(len(m.Body)) > lim.MaxBodyBytes {
			return fmt.Errorf("chunked body of %d bytes over MaxBodyBytes", len(m.Body))
		}
		if err := checkTrailers(lim, m.Trailers); err != nil {
			return err
		}
		return roundTrip(m)
	case len(m.Trailers) > 0:
		return errors.New("trailers without chunked")
	case int64(len(m.Body)) != max(m.ContentLength, 0):
		return fmt.Errorf("body of %d bytes for Content-Length %d", len(m.Body), m.ContentLength)
	}
	return nil
}

// roundTrip encodes m's body and trailers with AppendChunk and
// AppendLastChunk, in chunks of varying size, and requires the decoder to
// give them back and consume exactly the encoding.
func roundTrip(m *message) error {
	var enc []byte
	body := m.Body
	for k := 1; len(body) > 0; k = k%7 + 1 {
		n := min(k, len(body))
		enc = http1.AppendChunk(enc, body[:n])
		body = body[n:]
	}
	var kv []string
	for _, f := range m.Trailers {
		kv = append(kv, f.Name, f.Value)
	}
	enc = http1.AppendLastChunk(enc, kv...)
	enc = append(enc, "GET"...) // what follows the body is not consumed
	var d http1.ChunkedDecoder
	d.Reset(http1.Limits{})
	got, n, err := d.Decode(nil, enc)
	switch {
	case err != nil || !d.Done():
		return fmt.Errorf("re-encoded body %q: %v (done %t)", enc, err, d.Done())
	case n != len(enc)-3:
		return fmt.Errorf("re-encoded body %q: consumed %d of %d", enc, n, len(enc)-3)
	case !bytes.Equal(got, m.Body) || d.Total() != int64(len(m.Body)):
		return fmt.Errorf("re-encoded body %q decoded as %q (total %d), want %q", enc, got, d.Total(), m.Body)
	case !slices.Equal(copyFields(d.Trailers()), m.Trailers):
		return fmt.Errorf("re-encoded trailers %q decoded as %q", kv, copyFields(d.Trailers()))
	}
	return nil
}

// FuzzSplit parses data in the pieces seed derives from it, with one
// Parser and ChunkedDecoder across the calls, and requires the outcome of
// parsing it in one piece. The low bit of seed picks tight limits.
//
// One asymmetry is allowed. After ErrNeedMore the Parser only looks for the
// end of the head and checks its bytes once the head is complete (or at a
// limit), so that a head arriving a byte at a time costs linear time; the
// ChunkedDecoder does the same with a trailer section. A stream that one
// piece rejects may therefore, in pieces, still be waiting for more when it
// ends: that is the same rejection, deferred. The reverse, and any
// difference in what was accepted, fails.
func FuzzSplit(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		lim := http1.Limits{}
		if seed&1 == 1 {
			lim = tightLimits
		}
		pieces := splitPieces(data, seed>>1)
		whole := runConn(lim, data, nil)
		split := runConn(lim, nil, pieces)
		if err := sameOutcome(whole, split); err != nil {
			t.Fatalf("limits %+v, pieces %q: %v\none piece:\n%s\nin pieces:\n%s",
				lim, pieces, err, whole.String(), split.String())
		}
	})
}

// splitPieces cuts data into pieces whose sizes a generator seeded with
// seed chooses: all single bytes, or up to 2, 7 or 64 bytes, with an
// occasional empty piece (a read that brought nothing new).
func splitPieces(data []byte, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	maxLen := []int{1, 2, 7, 64}[r.IntN(4)]
	pieces := [][]byte{}
	for len(data) > 0 {
		if r.IntN(16) == 0 {
			pieces = append(pieces, []byte{})
		}
		n := min(1+r.IntN(maxLen), len(data))
		pieces = append(pieces, data[:n])
		data = data[n:]
	}
	return pieces
}

// sameOutcome reports how split differs from whole beyond the deferral
// FuzzSplit allows.
func sameOutcome(whole, split outcome) error {
	if len(whole.Msgs) != len(split.Msgs) {
		return fmt.Errorf("%d requests in one piece, %d in pieces", len(whole.Msgs), len(split.Msgs))
	}
	for i := range whole.Msgs {
		if w, s := whole.Msgs[i].String(), split.Msgs[i].String(); w != s {
			return fmt.Errorf("request %d differs", i)
		}
	}
	switch {
	case whole.End == endError && split.End == endError:
		if whole.Status != split.Status || whole.ErrOff != split.ErrOff {
			return fmt.Errorf("error %d at %d in one piece, %d at %d in pieces",
				whole.Status, whole.ErrOff, split.Status, split.ErrOff)
		}
	case whole.End == endError && split.End == endNeedMore:
		// The deferred rejection described at FuzzSplit.
	case whole.End != split.End:
		return fmt.Errorf("ends %q in one piece, %q in pieces", whole.End, split.End)
	}
	return nil
}
