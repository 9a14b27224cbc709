package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/pgstore"
)

// dbOptions configure the TechEmpower database routes (package tfb).
type dbOptions struct {
	pool int    // PostgreSQL connections
	init string // SQL file to apply before serving
}

func addDBFlags(fs *flag.FlagSet, o *dbOptions) {
	fs.IntVar(&o.pool, "db-pool", pgstore.DefaultPoolSize(),
		"PostgreSQL pool size, with DATABASE_URL (default 3 × GOMAXPROCS)")
	fs.StringVar(&o.init, "db-init", "",
		"apply this SQL file (testdata/tfb/schema.sql) to DATABASE_URL before serving")
}

// openTFB opens the store, PostgreSQL at DATABASE_URL when it is set and
// the embedded one otherwise, and the App on it, which fills its cache.
// The returned function closes the store.
func openTFB(o dbOptions, log *slog.Logger) (*tfb.App, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := openStore(ctx, o, os.Getenv("DATABASE_URL"), log)
	if err != nil {
		return nil, nil, err
	}
	app, err := tfb.New(ctx, s, tfb.Config{Logger: log})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return app, s.Close, nil
}

func openStore(ctx context.Context, o dbOptions, url string, log *slog.Logger) (tfb.Store, error) {
	if url == "" {
		if o.init != "" {
			return nil, errors.New("-db-init needs DATABASE_URL")
		}
		log.Info("database", "store", "memory")
		return tfb.NewMemory(), nil
	}
	s, err := pgstore.Open(ctx, pgstore.Config{URL: url, PoolSize: o.pool})
	if err != nil {
		return nil, err
	}
	if o.init != "" {
		sql, err := os.ReadFile(o.init)
		if err == nil {
			err = s.Init(ctx, string(sql))
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("-db-init: %w", err)
		}
	}
	log.Info("database", "store", "postgres", "pool", s.PoolSize())
	return s, nil
}

// fallbackRoutes serves the database routes and, with -debug-routes, the
// diagnostic ones; any other request gets the engine's own 404.
func fallbackRoutes(app *tfb.App, debug bool) http.Handler {
	mux := http.NewServeMux()
	app.Register(mux)
	if debug {
		mux.Handle("/", debugRoutes())
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Not Found", http.StatusNotFound)
		})
	}
	return mux
}
