package pgstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chopin-go/chopin/tfb"
)

// The statements. Table and column names are unquoted lower case, as
// testdata/tfb/schema.sql creates them.
const (
	selectWorld     = "SELECT id, randomnumber FROM world WHERE id = $1"
	selectAllWorlds = "SELECT id, randomnumber FROM world"
	selectFortunes  = "SELECT id, message FROM fortune"
	// One statement for any number of rows: the ids and new numbers
	// arrive as two arrays, sorted by id (see UpdateWorlds).
	updateWorlds = "UPDATE world SET randomnumber = u.r " +
		"FROM (SELECT unnest($1::int4[]) AS id, unnest($2::int4[]) AS r) AS u " +
		"WHERE world.id = u.id"
)

// maxUpdateAttempts bounds the retries of an UPDATE that PostgreSQL
// aborted to break a deadlock.
const maxUpdateAttempts = 3

// DefaultPoolSize is the pool size for a zero Config.PoolSize: three
// connections per core, as the design suggests (2-3x cores). The pool
// opens them all at start.
func DefaultPoolSize() int { return 3 * runtime.GOMAXPROCS(0) }

// Config configures Open.
type Config struct {
	// URL is a PostgreSQL connection string, as a URL
	// (postgres://user:password@host:port/database?param=value) or as
	// key=value pairs. Parameters PostgreSQL knows, such as search_path,
	// are passed on to the server.
	URL string
	// PoolSize is the number of connections; 0 means DefaultPoolSize.
	PoolSize int
	// Configure, if set, is called with the parsed pool configuration
	// before the pool connects, for settings this Config does not name
	// (tests wrap the connections with it).
	Configure func(*pgxpool.Config)
}

// Store is a tfb.Store on a PostgreSQL connection pool.
type Store struct {
	pool *pgxpool.Pool
}

var _ tfb.Store = (*Store)(nil)

// Open connects the pool and checks that the server answers. It does not
// check the tables; see Init.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	size := cfg.PoolSize
	if size <= 0 {
		size = DefaultPoolSize()
	}
	pc.MaxConns, pc.MinConns = int32(size), int32(size)
	if cfg.Configure != nil {
		cfg.Configure(pc)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: connecting: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Init runs sql, one or more statements separated by semicolons, such as
// testdata/tfb/schema.sql.
func (s *Store) Init(ctx context.Context, sql string) error {
	if _, err := s.pool.Exec(ctx, sql); err != nil {
		return fmt.Errorf("pgstore: init: %w", err)
	}
	return nil
}

// PoolSize returns the pool's number of connections.
func (s *Store) PoolSize() int { return int(s.pool.Config().MaxConns) }

// World implements tfb.Store.
func (s *Store) World(ctx context.Context, id int32) (tfb.World, error) {
	var w tfb.World
	err := s.pool.QueryRow(ctx, selectWorld, id).Scan(&w.ID, &w.RandomNumber)
	return w, rowErr(err)
}

// Worlds implements tfb.Store: one SELECT per id, pipelined on one
// connection, each followed by its own Sync. The TechEmpower rules allow
// pipelining but not batches: with one Sync for all (what pgx.Batch
// sends) the queries would run as one implicit transaction.
func (s *Store) Worlds(ctx context.Context, ids []int32, dst []tfb.World) error {
	switch len(ids) {
	case 0:
		return ctx.Err()
	case 1:
		w, err := s.World(ctx, ids[0])
		dst[0] = w
		return err
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	defer c.Release()
	sd, err := c.Conn().Prepare(ctx, worldStatement, selectWorld) // once per connection
	if err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	p := c.Conn().PgConn().StartPipeline(ctx)
	var param [4]byte
	params := [][]byte{param[:]}
	for _, id := range ids {
		binary.BigEndian.PutUint32(param[:], uint32(id)) // Send encodes it at once
		p.SendQueryStatement(sd, params, binaryFormat, binaryFormat)
		p.SendPipelineSync()
	}
	err = p.Flush()
	for i := 0; err == nil && i < len(ids); i++ {
		dst[i], err = readWorld(p)
	}
	if cerr := p.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("pgstore: %w", cerr)
	}
	return err
}

// binaryFormat asks for the one parameter and both result columns in
// binary: an int4 is 4 bytes, big-endian.
var binaryFormat = []int16{pgx.BinaryFormatCode}

// worldStatement names the prepared selectWorld on each connection.
const worldStatement = "tfb_world"

// readWorld reads one query's row and its Sync from a pipeline.
func readWorld(p *pgconn.Pipeline) (tfb.World, error) {
	res, err := p.GetResults()
	if err != nil {
		return tfb.World{}, fmt.Errorf("pgstore: %w", err)
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return tfb.World{}, fmt.Errorf("pgstore: pipeline: got %T, want a result", res)
	}
	var w tfb.World
	found := false
	for rr.NextRow() {
		v := rr.Values()
		if len(v) != 2 || len(v[0]) != 4 || len(v[1]) != 4 {
			rr.Close()
			return w, errors.New("pgstore: pipeline: malformed world row")
		}
		w = tfb.World{ID: int32(binary.BigEndian.Uint32(v[0])), RandomNumber: int32(binary.BigEndian.Uint32(v[1]))}
		found = true
	}
	if _, err := rr.Close(); err != nil {
		return w, fmt.Errorf("pgstore: %w", err)
	}
	if res, err = p.GetResults(); err != nil {
		return w, fmt.Errorf("pgstore: %w", err)
	}
	if _, ok := res.(*pgconn.PipelineSync); !ok {
		return w, fmt.Errorf("pgstore: pipeline: got %T, want its Sync", res)
	}
	if !found {
		return w, tfb.ErrNotFound
	}
	return w, nil
}

// UpdateWorlds implements tfb.Store with one UPDATE. The rows are written
// in id order, so two concurrent updates lock shared rows in the same
// order; PostgreSQL can still abort one to break a deadlock (the join may
// visit rows in another order), and then it is retried.
func (s *Store) UpdateWorlds(ctx context.Context, ws []tfb.World) error {
	if len(ws) == 0 {
		return ctx.Err()
	}
	sorted := slices.SortedFunc(slices.Values(ws), func(x, y tfb.World) int { return cmp.Compare(x.ID, y.ID) })
	ids, nums := make([]int32, len(sorted)), make([]int32, len(sorted))
	for i, w := range sorted {
		ids[i], nums[i] = w.ID, w.RandomNumber
	}
	var err error
	for range maxUpdateAttempts {
		_, err = s.pool.Exec(ctx, updateWorlds, ids, nums)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "40P01" { // deadlock_detected
			break
		}
	}
	if err != nil {
		return fmt.Errorf("pgstore: update: %w", err)
	}
	return nil
}

// AllWorlds implements tfb.Store.
func (s *Store) AllWorlds(ctx context.Context, dst []tfb.World) ([]tfb.World, error) {
	rows, _ := s.pool.Query(ctx, selectAllWorlds)
	var w tfb.World
	_, err := pgx.ForEachRow(rows, []any{&w.ID, &w.RandomNumber}, func() error {
		dst = append(dst, w)
		return nil
	})
	if err != nil {
		return dst, fmt.Errorf("pgstore: %w", err)
	}
	return dst, nil
}

// Fortunes implements tfb.Store.
func (s *Store) Fortunes(ctx context.Context, dst []tfb.Fortune) ([]tfb.Fortune, error) {
	rows, _ := s.pool.Query(ctx, selectFortunes)
	var f tfb.Fortune
	_, err := pgx.ForEachRow(rows, []any{&f.ID, &f.Message}, func() error {
		dst = append(dst, f)
		return nil
	})
	if err != nil {
		return dst, fmt.Errorf("pgstore: %w", err)
	}
	return dst, nil
}

// Close closes the pool, waiting for connections in use to come back.
func (s *Store) Close() { s.pool.Close() }

// rowErr maps pgx's no-rows error to tfb.ErrNotFound and marks the rest.
func rowErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return tfb.ErrNotFound
	default:
		return fmt.Errorf("pgstore: %w", err)
	}
}
