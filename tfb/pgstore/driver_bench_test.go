package pgstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/pgstore"
	"github.com/chopin-go/chopin/tfb/pgstore/pgtest"
)

// BenchmarkDriver is the measurement behind the choice of driver: pgx's
// own pool against database/sql over pgx's stdlib adapter, the same pool
// size (3 × GOMAXPROCS) and 4 × GOMAXPROCS concurrent callers, for one row
// (/db) and for 20 rows (/queries?queries=20), the latter pipelined
// (pgstore.Worlds: a Sync per query), one round trip at a time, and, for
// reference only, as a pgx.Batch (one Sync for all: a batch, which the
// rules forbid).
//
//	DATABASE_URL=... go test -run '^$' -bench Driver ./tfb/pgstore
func BenchmarkDriver(b *testing.B) {
	url := pgtest.Postgres(b)
	ctx := context.Background()
	size := pgstore.DefaultPoolSize()
	s, err := pgstore.Open(ctx, pgstore.Config{URL: url, PoolSize: size})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	pc.MaxConns = int32(size)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	db := sql.OpenDB(stdlib.GetConnector(*cfg))
	defer db.Close()
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(size)
	const q = "SELECT id, randomnumber FROM world WHERE id = $1"

	run := func(name string, rows int, f func(ids []int32, dst []tfb.World) error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				ids, dst := make([]int32, rows), make([]tfb.World, rows)
				for pb.Next() {
					for i := range ids {
						ids[i] = tfb.RandomID()
					}
					if err := f(ids, dst); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	pgxOne := func(ids []int32, dst []tfb.World) error {
		var err error
		for i, id := range ids {
			if dst[i], err = s.World(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}
	stdOne := func(ids []int32, dst []tfb.World) error {
		for i, id := range ids {
			if err := db.QueryRowContext(ctx, q, id).Scan(&dst[i].ID, &dst[i].RandomNumber); err != nil {
				return err
			}
		}
		return nil
	}
	run("pgxpool/1", 1, pgxOne)
	run("stdlib/1", 1, stdOne)
	run("pgxpool/20/pipelined", 20, func(ids []int32, dst []tfb.World) error { return s.Worlds(ctx, ids, dst) })
	run("pgxpool/20/sequential", 20, pgxOne)
	run("pgxpool/20/batch-not-allowed", 20, func(ids []int32, dst []tfb.World) error {
		bt := &pgx.Batch{}
		for _, id := range ids {
			bt.Queue(q, id)
		}
		br := pool.SendBatch(ctx, bt)
		defer br.Close()
		for i := range ids {
			if err := br.QueryRow().Scan(&dst[i].ID, &dst[i].RandomNumber); err != nil {
				return err
			}
		}
		return nil
	})
	run("stdlib/20/sequential", 20, stdOne)
}
