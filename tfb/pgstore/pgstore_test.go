package pgstore_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/pgstore"
	"github.com/chopin-go/chopin/tfb/pgstore/pgtest"
	"github.com/chopin-go/chopin/tfb/tfbtest"
)

func open(t testing.TB, cfg pgstore.Config) *pgstore.Store {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = pgtest.Postgres(t)
	}
	s, err := pgstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	tfbtest.TestStore(t, open(t, pgstore.Config{PoolSize: 2}))
}

// wire counts the messages clients send, by type byte, reading the
// frontend protocol off the connections (which must not use TLS).
type wire struct {
	mu     sync.Mutex
	counts map[byte]int
}

// take returns the counts so far and starts again.
func (w *wire) take() map[byte]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.counts
	w.counts = map[byte]int{}
	return m
}

// wireConn splits what is written into messages: the untyped startup
// message, then a type byte and a length (counting itself) each.
type wireConn struct {
	net.Conn
	w       *wire
	buf     []byte
	started bool
}

func (c *wireConn) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	for {
		if !c.started {
			if len(c.buf) < 4 || len(c.buf) < int(binary.BigEndian.Uint32(c.buf)) {
				break
			}
			c.buf, c.started = c.buf[binary.BigEndian.Uint32(c.buf):], true
			continue
		}
		if len(c.buf) < 5 || len(c.buf) < 1+int(binary.BigEndian.Uint32(c.buf[1:])) {
			break
		}
		c.w.mu.Lock()
		c.w.counts[c.buf[0]]++
		c.w.mu.Unlock()
		c.buf = c.buf[1+binary.BigEndian.Uint32(c.buf[1:]):]
	}
	return c.Conn.Write(p)
}

// TestWire checks the rules' query discipline on the wire: one query per
// row, each ended by its own Sync (so each runs as its own transaction:
// pipelining, not a batch), and one UPDATE for a batch of rows.
func TestWire(t *testing.T) {
	t.Parallel()
	w := &wire{counts: map[byte]int{}}
	url, err := pgtest.WithParam(pgtest.Postgres(t), "sslmode", "disable")
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, pgstore.Config{URL: url, PoolSize: 1, Configure: func(pc *pgxpool.Config) {
		pc.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &wireConn{Conn: c, w: w}, nil
		}
	}})
	ctx := context.Background()
	// Each call twice: the first may also prepare its statement (a Parse
	// and a Describe with a Sync of their own); the second must send only
	// Bind, Execute and Sync (and Describe for a statement with no rows).
	for round := range 2 {
		calls := []struct {
			name  string
			run   func() error
			nsync int
		}{
			{"World", func() error { _, err := s.World(ctx, 3); return err }, 1},
			{"Worlds(20)", func() error { return s.Worlds(ctx, randomIDs(20), make([]tfb.World, 20)) }, 20},
			{"UpdateWorlds(20)", func() error {
				ws := make([]tfb.World, 20)
				for i := range ws {
					ws[i] = tfb.World{ID: int32(i + 1), RandomNumber: 1}
				}
				return s.UpdateWorlds(ctx, ws)
			}, 1},
			{"Fortunes", func() error { _, err := s.Fortunes(ctx, nil); return err }, 1},
		}
		w.take() // connecting
		for _, c := range calls {
			if err := c.run(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got := w.take()
			want := map[byte]int{'B': c.nsync, 'E': c.nsync, 'S': c.nsync}
			delete(got, 'D')
			if round == 0 {
				got['S'] -= got['P']
				delete(got, 'P')
			}
			if !maps.Equal(got, want) {
				t.Errorf("round %d: %s sent %s, want %s", round, c.name, show(got), show(want))
			}
		}
	}
}

func show(m map[byte]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%c:%d", k, v))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func randomIDs(n int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = tfb.RandomID()
	}
	return ids
}

// TestConcurrentUpdates: overlapping batch updates from many goroutines
// all succeed (rows locked in id order; a deadlock is retried).
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	s := open(t, pgstore.Config{PoolSize: 8})
	a, err := tfb.New(context.Background(), s, tfb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := a.AppendUpdates(context.Background(), nil, tfb.MaxQueries); err != nil {
					t.Error(err)
					failed.Add(1)
					return
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d goroutines failed", failed.Load())
	}
}

// TestInit applies the schema again over a used table: it resets it.
func TestInit(t *testing.T) {
	t.Parallel()
	s := open(t, pgstore.Config{PoolSize: 1})
	ctx := context.Background()
	if err := s.UpdateWorlds(ctx, []tfb.World{{ID: 1, RandomNumber: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Init(ctx, tfbtest.SchemaSQL(t)); err != nil {
		t.Fatal(err)
	}
	all, err := s.AllWorlds(ctx, nil)
	if err != nil || len(all) != tfb.WorldRows {
		t.Fatalf("after Init: %d rows, %v", len(all), err)
	}
	if err := s.Init(ctx, "SELECT nonsense FROM nowhere"); err == nil {
		t.Error("Init of bad SQL succeeded")
	}
	if s.PoolSize() != 1 {
		t.Errorf("PoolSize = %d", s.PoolSize())
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, url := range []string{"postgres://%zz", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"} {
		if s, err := pgstore.Open(ctx, pgstore.Config{URL: url}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}
