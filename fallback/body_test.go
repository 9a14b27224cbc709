package fallback

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chopin-go/chopin/http1"
	"github.com/google/go-cmp/cmp"
)

func TestBodyEnds(t *testing.T) {
	tests := []struct {
		name    string
		appends []string
		err     error // given to End
		want    string
		wantErr func(error) bool
	}{
		{"clean", []string{"hel", "lo"}, nil, "hello", func(err error) bool { return err == nil }},
		{"empty", nil, nil, "", func(err error) bool { return err == nil }},
		{"cut short", []string{"hel"}, io.ErrUnexpectedEOF, "hel",
			func(err error) bool { return err == io.ErrUnexpectedEOF }},
		{"bad chunk", []string{"x"}, &http1.ParseError{Status: 400, Reason: "invalid chunk size"}, "x",
			func(err error) bool { var pe *http1.ParseError; return errors.As(err, &pe) && pe.Status == 400 }},
		{"too large", []string{"abc"}, &http1.ParseError{Status: 413, Reason: "request body too large"}, "abc",
			func(err error) bool { var me *http.MaxBytesError; return errors.As(err, &me) && me.Limit == 100 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBody(100, false)
			for _, a := range tt.appends {
				b.Append([]byte(a))
			}
			b.End(nil, tt.err)
			got, err := io.ReadAll(b)
			if string(got) != tt.want || !tt.wantErr(err) {
				t.Errorf("ReadAll = %q, %v; want %q", got, err, tt.want)
			}
			if failed := tt.err != nil; b.failed() != failed {
				t.Errorf("failed() = %v, want %v", b.failed(), failed)
			}
		})
	}
}

func TestBodyAppendCopies(t *testing.T) {
	b := NewBody(0, false)
	p := []byte("abc")
	b.Append(p)
	copy(p, "xyz")
	b.End(nil, nil)
	if got, _ := io.ReadAll(b); string(got) != "abc" {
		t.Errorf("read %q, want the bytes as appended", got)
	}
}

func TestBodyOverLimit(t *testing.T) {
	b := NewBody(4, false)
	b.Append([]byte("abc"))
	b.Append([]byte("de")) // 5 > 4
	b.Append([]byte("f"))  // ignored: the body has ended
	got, err := io.ReadAll(b)
	var me *http.MaxBytesError
	if string(got) != "abc" || !errors.As(err, &me) || me.Limit != 4 {
		t.Errorf("ReadAll = %q, %v; want abc and a MaxBytesError{4}", got, err)
	}
}

func TestBodyReadWaitsForAppend(t *testing.T) {
	b := NewBody(0, false)
	got := make(chan string)
	go func() {
		p := make([]byte, 10)
		n, _ := b.Read(p)
		got <- string(p[:n])
	}()
	b.Append([]byte("late"))
	if s := <-got; s != "late" {
		t.Errorf("Read = %q", s)
	}
	if n, err := b.Read(nil); n != 0 || err != nil {
		t.Errorf("empty Read = %d, %v", n, err)
	}
}

// TestBodyConcurrent feeds random pieces while another goroutine reads
// random sizes: what is read must be what was appended, in order.
func TestBodyConcurrent(t *testing.T) {
	want, b := feedRandomly(1)
	var got bytes.Buffer
	r := rand.New(rand.NewPCG(3, 4))
	for {
		p := make([]byte, 1+r.IntN(9000))
		n, err := b.Read(p)
		got.Write(p[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("read %d bytes, not the %d appended", got.Len(), len(want))
	}
}

// feedRandomly returns 1 MiB of data and a Body that a goroutine feeds
// with it in random pieces (the pieces chosen by seed), then ends.
func feedRandomly(seed uint64) ([]byte, *Body) {
	want := make([]byte, 1<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	b := NewBody(int64(len(want)), false)
	go func() {
		r := rand.New(rand.NewPCG(seed, seed+1))
		for rest := want; len(rest) > 0; {
			k := min(len(rest), 1+r.IntN(5000))
			b.Append(rest[:k])
			rest = rest[k:]
		}
		b.End(nil, nil)
	}()
	return want, b
}

func TestBodyTrailers(t *testing.T) {
	tests := []struct {
		name     string
		declared http.Header
		received []http1.Header
		want     http.Header
	}{
		{"declared and received", http.Header{"X-T": nil, "X-Missing": nil},
			[]http1.Header{{Name: []byte("x-t"), Value: []byte("v")}, {Name: []byte("X-Extra"), Value: []byte("e")}},
			http.Header{"X-T": {"v"}, "X-Missing": nil, "X-Extra": {"e"}}},
		{"none declared", nil,
			[]http1.Header{{Name: []byte("X-A"), Value: []byte("1")}, {Name: []byte("x-a"), Value: []byte("2")}},
			http.Header{"X-A": {"1", "2"}}},
		{"declared, none received", http.Header{"X-T": nil}, nil, http.Header{"X-T": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &http.Request{Trailer: tt.declared}
			b := NewBody(0, false)
			b.req = req
			b.Append([]byte("data"))
			// The engine's trailer bytes are reused once End returns.
			tr := make([]http1.Header, len(tt.received))
			for i, h := range tt.received {
				tr[i] = http1.Header{Name: bytes.Clone(h.Name), Value: bytes.Clone(h.Value)}
			}
			b.End(tr, nil)
			for _, h := range tr {
				copy(h.Value, bytes.Repeat([]byte("!"), len(h.Value)))
			}
			p := make([]byte, 2)
			if _, err := b.Read(p); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.declared, req.Trailer); d != "" {
				t.Errorf("trailers merged before EOF:\n%s", d)
			}
			if _, err := io.ReadAll(b); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, req.Trailer); d != "" {
				t.Errorf("Trailer after EOF (-want +got):\n%s", d)
			}
			if !b.sawEOF.Load() {
				t.Error("sawEOF not set")
			}
		})
	}
}

func TestBodyClose(t *testing.T) {
	b := NewBody(0, false)
	b.Append([]byte("unread"))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b.Append([]byte("more"))
	b.mu.Lock()
	held := len(b.buf)
	b.mu.Unlock()
	if held != 0 {
		t.Errorf("Close kept %d bytes", held)
	}
	if _, err := b.Read(make([]byte, 4)); err != http.ErrBodyReadAfterClose {
		t.Errorf("Read after Close: %v", err)
	}
	b.End(nil, io.ErrUnexpectedEOF)
	if !b.failed() {
		t.Error("a closed body still records how it ended")
	}
}

func TestBodyCloseWakesReader(t *testing.T) {
	b := NewBody(0, false)
	done := make(chan error)
	go func() {
		_, err := b.Read(make([]byte, 1))
		done <- err
	}()
	b.Close()
	if err := <-done; err != http.ErrBodyReadAfterClose {
		t.Errorf("Read = %v", err)
	}
}

func TestBodyDeadline(t *testing.T) {
	b := NewBody(0, false)
	b.Append([]byte("ab"))
	b.setDeadline(time.Now().Add(-time.Second))
	p := make([]byte, 1)
	// Bytes already here are read; only waiting fails.
	if n, err := b.Read(p); n != 1 || err != nil {
		t.Errorf("buffered Read past the deadline = %d, %v", n, err)
	}
	b.Read(p)
	if _, err := b.Read(p); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read past the deadline = %v", err)
	}
	b.setDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := b.Read(p); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read until the deadline = %v", err)
	}
	b.setDeadline(time.Time{})
	b.Append([]byte("c"))
	if n, err := b.Read(p); n != 1 || err != nil || p[0] != 'c' {
		t.Errorf("Read after clearing the deadline = %d, %v", n, err)
	}
}

func TestBodyDeadlineSetWhileBlocked(t *testing.T) {
	b := NewBody(0, false)
	done := make(chan error)
	go func() {
		_, err := b.Read(make([]byte, 1))
		done <- err
	}()
	b.setDeadline(time.Now().Add(-time.Second))
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read = %v", err)
	}
}

func TestBodyConnectionGone(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	b := NewBody(0, false)
	b.ctx = ctx
	done := make(chan error)
	go func() {
		_, err := b.Read(make([]byte, 1))
		done <- err
	}()
	gone := errors.New("connection gone")
	cancel(gone)
	if err := <-done; err != gone {
		t.Errorf("Read = %v, want the context's cause", err)
	}
}
