package tfb_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/tfbtest"
)

func TestMemoryStore(t *testing.T) {
	tfbtest.TestStore(t, tfb.NewMemory())
}

func newApp(t *testing.T, cfg tfb.Config) (*tfb.App, *tfbtest.Counting) {
	t.Helper()
	st := &tfbtest.Counting{Store: tfb.NewMemory()}
	a, err := tfb.New(context.Background(), st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.AllReads.Load(); n != 1 {
		t.Fatalf("New read the whole table %d times, want once", n)
	}
	return a, st
}

func decodeWorlds(t *testing.T, b []byte, n int) []tfb.World {
	t.Helper()
	var ws []tfb.World
	if err := json.Unmarshal(b, &ws); err != nil || len(ws) != n {
		t.Fatalf("%d worlds (%v): %s", len(ws), err, b)
	}
	return ws
}

// TestCachedQueriesMiss: rows past their time to live are read from the
// store, each with its own query, and cached again.
func TestCachedQueriesMiss(t *testing.T) {
	a, st := newApp(t, tfb.Config{CacheTTL: time.Nanosecond})
	ctx := context.Background()
	before := st.Snapshot()
	b, err := a.AppendCachedQueries(ctx, nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range decodeWorlds(t, b, 50) {
		if got, _ := st.World(ctx, w.ID); got != w {
			t.Errorf("cached %+v, stored %+v", w, got)
		}
	}
	if d := st.Snapshot().Sub(before); d.Reads != 50+50 { // 50 misses, 50 checks above
		t.Errorf("store reads %d, want 100", d.Reads)
	}

	a, st = newApp(t, tfb.Config{CacheTTL: -1}) // never expires
	before = st.Snapshot()
	if _, err := a.AppendCachedQueries(ctx, nil, 500); err != nil {
		t.Fatal(err)
	}
	if d := st.Snapshot().Sub(before); d.Reads != 0 {
		t.Errorf("store reads %d with every row cached", d.Reads)
	}
}

func TestUpdatesDistinct(t *testing.T) {
	a, _ := newApp(t, tfb.Config{})
	for range 20 {
		b, err := a.AppendUpdates(context.Background(), nil, tfb.MaxQueries)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int32]bool{}
		for _, w := range decodeWorlds(t, b, tfb.MaxQueries) {
			if seen[w.ID] {
				t.Fatalf("id %d twice in one update", w.ID)
			}
			seen[w.ID] = true
		}
	}
}

// failing is a store whose every call fails.
type failing struct{ tfb.Store }

var errDown = errors.New("store down")

func (failing) World(context.Context, int32) (tfb.World, error)    { return tfb.World{}, errDown }
func (failing) Worlds(context.Context, []int32, []tfb.World) error { return errDown }
func (failing) Fortunes(context.Context, []tfb.Fortune) ([]tfb.Fortune, error) {
	return nil, errDown
}

// TestStoreErrors: a failing store answers 500 with fixed text and logs
// the error.
func TestStoreErrors(t *testing.T) {
	var logs strings.Builder
	a, err := tfb.New(context.Background(), failing{tfb.NewMemory()}, tfb.Config{
		CacheTTL: time.Nanosecond,
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	for _, path := range []string{"/db", "/queries?queries=3", "/updates?queries=3", "/cached-queries?count=3", "/fortunes"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusInternalServerError || rec.Body.String() != "Internal Server Error\n" {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Body)
		}
	}
	if n := strings.Count(logs.String(), "store down"); n != 5 {
		t.Errorf("%d errors logged, want 5:\n%s", n, logs.String())
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/db", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /db: %d", rec.Code)
	}
}

func BenchmarkCachedQueries(b *testing.B) {
	a, err := tfb.New(context.Background(), tfb.NewMemory(), tfb.Config{})
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = a.AppendCachedQueries(context.Background(), buf[:0], 20)
	}
}

func BenchmarkFortunes(b *testing.B) {
	a, err := tfb.New(context.Background(), tfb.NewMemory(), tfb.Config{})
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = a.AppendFortunes(context.Background(), buf[:0])
	}
}
