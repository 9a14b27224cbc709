package tfbtest

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/chopin-go/chopin/tfb"
)

// Counting is a tfb.Store that counts what it is asked before passing it
// on: what the rules' query counts are checked against.
type Counting struct {
	tfb.Store
	Reads        atomic.Int64 // World rows read by World and Worlds, one query each
	Updates      atomic.Int64 // UpdateWorlds calls
	Updated      atomic.Int64 // rows passed to UpdateWorlds
	FortuneReads atomic.Int64 // Fortunes calls
	AllReads     atomic.Int64 // AllWorlds calls
}

// World implements tfb.Store.
func (c *Counting) World(ctx context.Context, id int32) (tfb.World, error) {
	c.Reads.Add(1)
	return c.Store.World(ctx, id)
}

// Worlds implements tfb.Store.
func (c *Counting) Worlds(ctx context.Context, ids []int32, dst []tfb.World) error {
	c.Reads.Add(int64(len(ids)))
	return c.Store.Worlds(ctx, ids, dst)
}

// UpdateWorlds implements tfb.Store.
func (c *Counting) UpdateWorlds(ctx context.Context, ws []tfb.World) error {
	c.Updates.Add(1)
	c.Updated.Add(int64(len(ws)))
	return c.Store.UpdateWorlds(ctx, ws)
}

// AllWorlds implements tfb.Store.
func (c *Counting) AllWorlds(ctx context.Context, dst []tfb.World) ([]tfb.World, error) {
	c.AllReads.Add(1)
	return c.Store.AllWorlds(ctx, dst)
}

// Fortunes implements tfb.Store.
func (c *Counting) Fortunes(ctx context.Context, dst []tfb.Fortune) ([]tfb.Fortune, error) {
	c.FortuneReads.Add(1)
	return c.Store.Fortunes(ctx, dst)
}

// Counts is a snapshot of a Counting's counters.
type Counts struct{ Reads, Updates, Updated, Fortunes, All int64 }

// Snapshot returns the counters now.
func (c *Counting) Snapshot() Counts {
	return Counts{c.Reads.Load(), c.Updates.Load(), c.Updated.Load(), c.FortuneReads.Load(), c.AllReads.Load()}
}

// Sub returns the counts since an earlier snapshot.
func (n Counts) Sub(before Counts) Counts {
	return Counts{n.Reads - before.Reads, n.Updates - before.Updates, n.Updated - before.Updated,
		n.Fortunes - before.Fortunes, n.All - before.All}
}

// TestStore checks what every tfb.Store must do, on a freshly seeded store;
// it updates rows.
func TestStore(t *testing.T, s tfb.Store) {
	ctx := context.Background()
	all, err := s.AllWorlds(ctx, nil)
	if err != nil {
		t.Fatalf("AllWorlds: %v", err)
	}
	table := checkTable(t, all)

	t.Run("World", func(t *testing.T) {
		for _, id := range []int32{1, 2, 5000, tfb.WorldRows, tfb.RandomID()} {
			w, err := s.World(ctx, id)
			if err != nil || w != (tfb.World{ID: id, RandomNumber: table[id]}) {
				t.Errorf("World(%d) = %+v, %v; want randomNumber %d", id, w, err, table[id])
			}
		}
		for _, id := range []int32{0, -1, tfb.WorldRows + 1} {
			if _, err := s.World(ctx, id); !errors.Is(err, tfb.ErrNotFound) {
				t.Errorf("World(%d): err %v, want ErrNotFound", id, err)
			}
		}
	})
	t.Run("Worlds", func(t *testing.T) {
		for _, ids := range [][]int32{{7}, {3, 3, 9999, 1}, randomIDs(tfb.MaxQueries)} {
			dst := make([]tfb.World, len(ids))
			if err := s.Worlds(ctx, ids, dst); err != nil {
				t.Fatalf("Worlds(%d ids): %v", len(ids), err)
			}
			for i, id := range ids {
				if dst[i] != (tfb.World{ID: id, RandomNumber: table[id]}) {
					t.Errorf("Worlds: row %d = %+v, want id %d randomNumber %d", i, dst[i], id, table[id])
				}
			}
		}
		if err := s.Worlds(ctx, []int32{1, tfb.WorldRows + 1}, make([]tfb.World, 2)); !errors.Is(err, tfb.ErrNotFound) {
			t.Errorf("Worlds with a missing id: err %v, want ErrNotFound", err)
		}
	})
	t.Run("UpdateWorlds", func(t *testing.T) { testUpdate(t, s, table) })
	t.Run("Fortunes", func(t *testing.T) {
		fs, err := s.Fortunes(ctx, []tfb.Fortune{{ID: 99, Message: "kept"}})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(fs[1:], func(x, y tfb.Fortune) int { return int(x.ID - y.ID) })
		want := append([]tfb.Fortune{{ID: 99, Message: "kept"}}, tfb.SeedFortunes()...)
		if !slices.Equal(fs, want) {
			t.Errorf("Fortunes =\n%q\nwant\n%q", fs, want)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.World(cctx, 1); err == nil {
			t.Error("World with a cancelled context succeeded")
		}
		if _, err := s.Fortunes(cctx, nil); err == nil {
			t.Error("Fortunes with a cancelled context succeeded")
		}
	})
}

// checkTable checks a whole World table and returns it as a map.
func checkTable(t *testing.T, all []tfb.World) map[int32]int32 {
	t.Helper()
	table := make(map[int32]int32, len(all))
	for _, w := range all {
		if w.RandomNumber < 1 || w.RandomNumber > tfb.WorldRows {
			t.Errorf("row %d: randomNumber %d outside 1..%d", w.ID, w.RandomNumber, tfb.WorldRows)
		}
		table[w.ID] = w.RandomNumber
	}
	if len(all) != tfb.WorldRows || len(table) != tfb.WorldRows {
		t.Fatalf("AllWorlds: %d rows, %d distinct ids; want %d", len(all), len(table), tfb.WorldRows)
	}
	for id := int32(1); id <= tfb.WorldRows; id++ {
		if _, ok := table[id]; !ok {
			t.Fatalf("AllWorlds: no row %d", id)
		}
	}
	return table
}

func testUpdate(t *testing.T, s tfb.Store, table map[int32]int32) {
	ctx := context.Background()
	ws := make([]tfb.World, 0, tfb.MaxQueries)
	for _, id := range randomIDs(tfb.MaxQueries) {
		if slices.ContainsFunc(ws, func(w tfb.World) bool { return w.ID == id }) {
			continue
		}
		ws = append(ws, tfb.World{ID: id, RandomNumber: table[id]%tfb.WorldRows + 1}) // a new value
	}
	if err := s.UpdateWorlds(ctx, ws); err != nil {
		t.Fatalf("UpdateWorlds: %v", err)
	}
	all, err := s.AllWorlds(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	after := checkTable(t, all)
	for _, w := range ws {
		table[w.ID] = w.RandomNumber
	}
	for id, n := range table {
		if after[id] != n {
			t.Errorf("after UpdateWorlds: row %d = %d, want %d", id, after[id], n)
		}
	}
	if err := s.UpdateWorlds(ctx, nil); err != nil {
		t.Errorf("UpdateWorlds(nil): %v", err)
	}
}

func randomIDs(n int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = tfb.RandomID()
	}
	return ids
}
