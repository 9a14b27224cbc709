package tfb

import (
	"context"
	"sync/atomic"
)

// Memory is the embedded Store: a World table of WorldRows rows with
// random numbers and the seeded Fortune table, in memory, so that the
// bench server runs with nothing else. Reads and updates of a row are
// atomic; an update of several rows is not (no reader can tell for the
// random rows the rules ask for).
type Memory struct {
	worlds   [WorldRows]atomic.Int32 // randomNumber of id i+1
	fortunes []Fortune
}

var _ Store = (*Memory)(nil)

// NewMemory returns a Memory store with every randomNumber drawn at random
// and the Fortune table of SeedFortunes.
func NewMemory() *Memory {
	m := &Memory{fortunes: SeedFortunes()}
	for i := range m.worlds {
		m.worlds[i].Store(RandomNumber())
	}
	return m
}

func (m *Memory) row(id int32) (*atomic.Int32, error) {
	if id < 1 || id > WorldRows {
		return nil, ErrNotFound
	}
	return &m.worlds[id-1], nil
}

// World implements Store.
func (m *Memory) World(ctx context.Context, id int32) (World, error) {
	if err := ctx.Err(); err != nil {
		return World{}, err
	}
	r, err := m.row(id)
	if err != nil {
		return World{}, err
	}
	return World{ID: id, RandomNumber: r.Load()}, nil
}

// Worlds implements Store.
func (m *Memory) Worlds(ctx context.Context, ids []int32, dst []World) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, id := range ids {
		r, err := m.row(id)
		if err != nil {
			return err
		}
		dst[i] = World{ID: id, RandomNumber: r.Load()}
	}
	return nil
}

// UpdateWorlds implements Store.
func (m *Memory) UpdateWorlds(ctx context.Context, ws []World) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, w := range ws {
		if _, err := m.row(w.ID); err != nil {
			return err
		}
	}
	for _, w := range ws {
		m.worlds[w.ID-1].Store(w.RandomNumber)
	}
	return nil
}

// AllWorlds implements Store.
func (m *Memory) AllWorlds(ctx context.Context, dst []World) ([]World, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	for i := range m.worlds {
		dst = append(dst, World{ID: int32(i + 1), RandomNumber: m.worlds[i].Load()})
	}
	return dst, nil
}

// Fortunes implements Store.
func (m *Memory) Fortunes(ctx context.Context, dst []Fortune) ([]Fortune, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	return append(dst, m.fortunes...), nil
}

// Close implements Store; a Memory store holds nothing to release.
func (m *Memory) Close() {}
