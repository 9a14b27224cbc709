package tfb

import (
	"context"
	"errors"
)

// ErrNotFound is returned for a World id the table does not hold.
var ErrNotFound = errors.New("tfb: no such row")

// Store holds the World and Fortune tables. Implementations are safe for
// concurrent use and may block (on a connection pool, on the network), so
// they are called from goroutines, never from an event loop. Every method
// honours ctx.
type Store interface {
	// World reads one World row with one query.
	World(ctx context.Context, id int32) (World, error)
	// Worlds reads the row of each id into dst (len(dst) == len(ids)),
	// each with its own query: a store may send them together
	// (pipelining) but never as one query, nor as one transaction.
	Worlds(ctx context.Context, ids []int32, dst []World) error
	// UpdateWorlds stores each world's RandomNumber, in one batch where
	// the store can. The ids must be distinct.
	UpdateWorlds(ctx context.Context, ws []World) error
	// AllWorlds appends every World row to dst, for filling a cache.
	AllWorlds(ctx context.Context, dst []World) ([]World, error)
	// Fortunes appends every Fortune row to dst, in no particular order.
	Fortunes(ctx context.Context, dst []Fortune) ([]Fortune, error)
	// Close releases the store's resources once every call has returned.
	Close()
}
