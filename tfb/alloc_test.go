//go:build !race

package tfb_test

import (
	"context"
	"testing"

	"github.com/chopin-go/chopin/tfb"
)

// TestAppendAllocs: on the embedded store, building a response allocates
// nothing once the pools are warm.
func TestAppendAllocs(t *testing.T) {
	a, err := tfb.New(context.Background(), tfb.NewMemory(), tfb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	buf := make([]byte, 0, 64<<10)
	for _, c := range []struct {
		name string
		f    func() ([]byte, error)
	}{
		{"db", func() ([]byte, error) { return a.AppendDB(ctx, buf[:0]) }},
		{"queries", func() ([]byte, error) { return a.AppendQueries(ctx, buf[:0], 20) }},
		{"updates", func() ([]byte, error) { return a.AppendUpdates(ctx, buf[:0], 20) }},
		{"cached-queries", func() ([]byte, error) { return a.AppendCachedQueries(ctx, buf[:0], 500) }},
		{"fortunes", func() ([]byte, error) { return a.AppendFortunes(ctx, buf[:0]) }},
	} {
		c.f() // warm the scratch pool
		if n := testing.AllocsPerRun(200, func() { c.f() }); n != 0 {
			t.Errorf("%s: %v allocations per response, want 0", c.name, n)
		}
	}
}
