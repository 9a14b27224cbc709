package fallback

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chopin-go/chopin/http1"
	"github.com/google/go-cmp/cmp"
)

// readAll reads b the way io.ReadAll does, through Read only.
func readAll(b *Body) ([]byte, error) {
	return io.ReadAll(struct{ io.Reader }{b})
}

// writeTo reads b through its WriteTo, as io.Copy does.
func writeTo(b *Body) ([]byte, error) {
	var got bytes.Buffer
	_, err := b.WriteTo(&got)
	return got.Bytes(), err
}

// TestBodyWriteToAsRead checks that WriteTo ends every body as Reads do:
// the same bytes, then the same error (nil for a clean end).
func TestBodyWriteToAsRead(t *testing.T) {
	tests := []struct {
		name    string
		appends []string
		err     error
	}{
		{"clean", []string{"hel", "lo"}, nil},
		{"empty", nil, nil},
		{"cut short", []string{"hel"}, io.ErrUnexpectedEOF},
		{"bad chunk", []string{"x"}, &http1.ParseError{Status: 400, Reason: "invalid chunk size"}},
		{"too large", []string{"abc"}, &http1.ParseError{Status: 413, Reason: "request body too large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [2][]byte
			var errs [2]error
			for i, read := range []func(*Body) ([]byte, error){readAll, writeTo} {
				b := NewBody(100, false)
				for _, a := range tt.appends {
					b.Append([]byte(a))
				}
				b.End(nil, tt.err)
				got[i], errs[i] = read(b)
			}
			if !bytes.Equal(got[0], got[1]) {
				t.Errorf("WriteTo wrote %q, Read read %q", got[1], got[0])
			}
			if !sameError(errs[0], errs[1]) {
				t.Errorf("WriteTo ended with %v, Read with %v", errs[1], errs[0])
			}
		})
	}
}

func sameError(a, b error) bool {
	var ma, mb *http.MaxBytesError
	if errors.As(a, &ma) || errors.As(b, &mb) {
		return errors.As(a, &ma) && errors.As(b, &mb) && ma.Limit == mb.Limit
	}
	return a == b
}

// TestBodyWriteToConcurrent feeds random pieces while WriteTo runs: what it
// writes must be what was appended, in order, even though it writes the
// appended bytes outside the lock while more arrive.
func TestBodyWriteToConcurrent(t *testing.T) {
	want, b := feedRandomly(5)
	got, err := writeTo(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("wrote %d bytes, not the %d appended", len(got), len(want))
	}
}

func TestBodyWriteToTrailers(t *testing.T) {
	req := &http.Request{Trailer: http.Header{"X-T": nil}}
	b := NewBody(0, false)
	b.req = req
	b.Append([]byte("data"))
	b.End([]http1.Header{{Name: []byte("x-t"), Value: []byte("v")}}, nil)
	if _, err := writeTo(b); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(http.Header{"X-T": {"v"}}, req.Trailer); d != "" {
		t.Errorf("Trailer after WriteTo (-want +got):\n%s", d)
	}
	if !b.sawEOF.Load() {
		t.Error("sawEOF not set")
	}
}

func TestBodyWriteToEnds(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		b := NewBody(0, false)
		b.Append([]byte("x"))
		b.Close()
		if _, err := writeTo(b); err != http.ErrBodyReadAfterClose {
			t.Errorf("WriteTo after Close = %v", err)
		}
	})
	t.Run("close while waiting", func(t *testing.T) {
		b := NewBody(0, false)
		done := make(chan error)
		go func() {
			_, err := writeTo(b)
			done <- err
		}()
		b.Append([]byte("x"))
		b.Close()
		if err := <-done; err != http.ErrBodyReadAfterClose {
			t.Errorf("WriteTo = %v", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		b := NewBody(0, false)
		b.Append([]byte("ab"))
		b.setDeadline(time.Now().Add(20 * time.Millisecond))
		got, err := writeTo(b)
		if string(got) != "ab" || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("WriteTo = %q, %v; want the buffered bytes, then the deadline", got, err)
		}
	})
	t.Run("connection gone", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		b := NewBody(0, false)
		b.ctx = ctx
		done := make(chan error)
		go func() {
			_, err := writeTo(b)
			done <- err
		}()
		gone := errors.New("connection gone")
		cancel(gone)
		if err := <-done; err != gone {
			t.Errorf("WriteTo = %v, want the context's cause", err)
		}
	})
	t.Run("writer fails", func(t *testing.T) {
		b := NewBody(0, false)
		b.Append([]byte("abc"))
		b.End(nil, nil)
		broken := errors.New("broken")
		n, err := b.WriteTo(failingWriter{broken})
		if n != 0 || err != broken {
			t.Errorf("WriteTo = %d, %v; want 0 and the writer's error", n, err)
		}
	})
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestBodyWriteToAllocs: io.Copy from a whole body costs no allocation
// (without WriteTo it would allocate a 32 KiB buffer per call).
func TestBodyWriteToAllocs(t *testing.T) {
	payload := bytes.Repeat([]byte("x"), 1000)
	bodies := make([]*Body, 0, 200)
	for range 200 {
		b := NewBody(0, false)
		b.Append(payload)
		b.End(nil, nil)
		bodies = append(bodies, b)
	}
	var n int
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := io.Copy(io.Discard, bodies[n]); err != nil {
			t.Fatal(err)
		}
		n++
	})
	if allocs != 0 {
		t.Errorf("io.Copy from a Body allocates %v times, want 0", allocs)
	}
}
