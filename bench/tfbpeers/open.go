package tfbpeers

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/chopin-go/chopin/bench/internal/peer"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/pgstore"
)

// Open opens what the bench server opens for the same environment (its
// openTFB): PostgreSQL at url through tfb/pgstore with poolSize
// connections (0: pgstore.DefaultPoolSize) when url is set, the embedded
// store otherwise; then the App on it, which fills its cache. It logs the
// line the bench server logs ("msg=database store=postgres pool=N"), which
// the benchmark suite checks so that every server is known to run the same
// driver with the same pool. The returned function closes the store.
func Open(url string, poolSize int, log *slog.Logger) (*tfb.App, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var st tfb.Store
	if url == "" {
		st = tfb.NewMemory()
		log.Info("database", "store", "memory")
	} else {
		pg, err := pgstore.Open(ctx, pgstore.Config{URL: url, PoolSize: poolSize})
		if err != nil {
			return nil, nil, err
		}
		log.Info("database", "store", "postgres", "pool", pg.PoolSize())
		st = pg
	}
	app, err := tfb.New(ctx, st, tfb.Config{Logger: log})
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("tfbpeers: %w", err)
	}
	return app, st.Close, nil
}

// Setup is the start of both peers' main: the peer flags plus -db-pool
// (the bench server's flag and default), the store opened as Open does,
// and a listener on -addr. It exits the process on failure.
func Setup() (app *tfb.App, ln net.Listener, closeStore func()) {
	var dbPool int
	addr := peer.Flags(func(fs *flag.FlagSet) {
		fs.IntVar(&dbPool, "db-pool", pgstore.DefaultPoolSize(), "PostgreSQL pool size, with DATABASE_URL (default 3 × GOMAXPROCS)")
	})
	app, closeStore, err := Open(os.Getenv("DATABASE_URL"), dbPool, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		log.Fatal(err)
	}
	if ln, err = net.Listen("tcp", addr); err != nil {
		log.Fatal(err)
	}
	return app, ln, closeStore
}
