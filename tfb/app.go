package tfb

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chopin-go/chopin/cache"
)

// DefaultCacheTTL is how long /cached-queries serves a World row from the
// cache before reading it from the store again.
const DefaultCacheTTL = 10 * time.Minute

// Config configures an App. The zero value is usable.
type Config struct {
	// CacheTTL is the time to live of a cached World row; 0 means
	// DefaultCacheTTL and a negative value never expires rows. /updates
	// does not refresh the cache, so a row may be stale for this long.
	CacheTTL time.Duration
	Logger   *slog.Logger // store errors; nil: discard
}

func (c Config) withDefaults() Config {
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// App serves the database test types from a Store. It is safe for
// concurrent use.
type App struct {
	store   Store
	cfg     Config
	cache   *cache.Cache[int32, World]
	scratch sync.Pool // *scratch
}

// scratch is one request's working memory, pooled: ids, rows and fortunes
// of at most MaxQueries (plus the extra fortune) never reallocate.
type scratch struct {
	ids      []int32
	worlds   []World
	fortunes []Fortune

	// /cached-queries: the indexes into ids that missed, their ids and
	// the rows read for them.
	misses     []int32
	missIDs    []int32
	missWorlds []World
}

// New returns an App serving from s and fills its cache with the whole
// World table. The App does not own s: close it after the last request.
func New(ctx context.Context, s Store, cfg Config) (*App, error) {
	cfg = cfg.withDefaults()
	a := &App{
		store: s,
		cfg:   cfg,
		// Twice the rows: the shards, each holding its share, never
		// overflow with all 10,000 in (see package cache).
		cache: cache.New[int32, World](cache.Config{MaxEntries: 2 * WorldRows}),
	}
	a.scratch.New = func() any {
		return &scratch{
			ids:        make([]int32, MaxQueries),
			worlds:     make([]World, MaxQueries),
			fortunes:   make([]Fortune, 0, 32),
			misses:     make([]int32, 0, MaxQueries),
			missIDs:    make([]int32, 0, MaxQueries),
			missWorlds: make([]World, MaxQueries),
		}
	}
	all, err := s.AllWorlds(ctx, make([]World, 0, WorldRows))
	if err != nil {
		return nil, fmt.Errorf("tfb: filling the cache: %w", err)
	}
	for _, w := range all {
		a.cache.Set(w.ID, w, a.ttl())
	}
	return a, nil
}

// Store returns the store the App serves from.
func (a *App) Store() Store { return a.store }

func (a *App) ttl() time.Duration { return max(a.cfg.CacheTTL, 0) }

func (a *App) getScratch(n int) *scratch {
	s := a.scratch.Get().(*scratch)
	s.ids, s.worlds = s.ids[:n], s.worlds[:n]
	return s
}

func (a *App) putScratch(s *scratch) {
	s.misses = s.misses[:0]
	clear(s.fortunes) // drop the messages' strings
	s.fortunes = s.fortunes[:0]
	a.scratch.Put(s)
}

// AppendDB appends the /db response body: one random World row.
func (a *App) AppendDB(ctx context.Context, dst []byte) ([]byte, error) {
	w, err := a.store.World(ctx, RandomID())
	if err != nil {
		return dst, err
	}
	return AppendWorld(dst, w), nil
}

// AppendQueries appends the /queries response body: n random World rows
// (n already clamped with Count), each read by its own query.
func (a *App) AppendQueries(ctx context.Context, dst []byte, n int) ([]byte, error) {
	s := a.getScratch(n)
	defer a.putScratch(s)
	randomIDs(s.ids, false)
	if err := a.store.Worlds(ctx, s.ids, s.worlds); err != nil {
		return dst, err
	}
	return AppendWorlds(dst, s.worlds), nil
}

// AppendUpdates appends the /updates response body: n random World rows,
// each read by its own query, given a new random number and written back
// in one batch.
func (a *App) AppendUpdates(ctx context.Context, dst []byte, n int) ([]byte, error) {
	s := a.getScratch(n)
	defer a.putScratch(s)
	randomIDs(s.ids, true)
	if err := a.store.Worlds(ctx, s.ids, s.worlds); err != nil {
		return dst, err
	}
	for i := range s.worlds {
		s.worlds[i].RandomNumber = RandomNumber()
	}
	if err := a.store.UpdateWorlds(ctx, s.worlds); err != nil {
		return dst, err
	}
	return AppendWorlds(dst, s.worlds), nil
}

// AppendCachedQueries appends the /cached-queries response body: n random
// World rows from the cache, reading the rows it misses from the store.
func (a *App) AppendCachedQueries(ctx context.Context, dst []byte, n int) ([]byte, error) {
	s := a.getScratch(n)
	defer a.putScratch(s)
	randomIDs(s.ids, false)
	for i, id := range s.ids {
		w, ok := a.cache.Get(id)
		if !ok {
			s.misses = append(s.misses, int32(i))
		}
		s.worlds[i] = w
	}
	if len(s.misses) > 0 {
		if err := a.fill(ctx, s); err != nil {
			return dst, err
		}
	}
	return AppendWorlds(dst, s.worlds), nil
}

// fill reads the rows of s.misses from the store into s.worlds and the
// cache.
func (a *App) fill(ctx context.Context, s *scratch) error {
	ids, got := s.missIDs[:0], s.missWorlds[:len(s.misses)]
	for _, i := range s.misses {
		ids = append(ids, s.ids[i])
	}
	if err := a.store.Worlds(ctx, ids, got); err != nil {
		return err
	}
	for k, i := range s.misses {
		s.worlds[i] = got[k]
		a.cache.Set(got[k].ID, got[k], a.ttl())
	}
	return nil
}

// AppendFortunes appends the /fortunes response body: every Fortune row
// and ExtraFortune, sorted by message, as the HTML page.
func (a *App) AppendFortunes(ctx context.Context, dst []byte) ([]byte, error) {
	s := a.getScratch(0)
	defer a.putScratch(s)
	fs, err := a.store.Fortunes(ctx, s.fortunes)
	if err != nil {
		return dst, err
	}
	fs = append(fs, ExtraFortune)
	slices.SortFunc(fs, func(x, y Fortune) int { return strings.Compare(x.Message, y.Message) })
	s.fortunes = fs // keep any growth for the next request
	return AppendFortunesHTML(dst, fs), nil
}
