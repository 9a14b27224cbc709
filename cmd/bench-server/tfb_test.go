package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chopin-go/chopin/engine"
	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/pgstore/pgtest"
	"github.com/chopin-go/chopin/tfb/tfbtest"
)

// TestTFB runs the TechEmpower verification rules on every route of the
// bench server, wired as run wires it, in both modes, on the embedded store
// and on PostgreSQL (DATABASE_URL; skipped without it unless
// TFB_REQUIRE_POSTGRES=1).
func TestTFB(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"memory", "postgres"} {
		for _, mode := range []struct {
			name string
			m    engine.Mode
		}{{"performance", engine.Performance}, {"standard", engine.Standard}} {
			t.Run(store+"/"+mode.name, func(t *testing.T) {
				t.Parallel()
				url := ""
				if store == "postgres" {
					url = pgtest.Postgres(t)
				}
				tg := startTFB(t, mode.m, url, false)
				tfbtest.Verify(t, tg)
			})
		}
	}
}

// startTFB serves routes() and the fallback as run does, with the store
// of url (empty: the embedded one) counted.
func startTFB(t *testing.T, mode engine.Mode, url string, debug bool) tfbtest.Target {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := openStore(ctx, dbOptions{pool: 4}, url, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	counting := &tfbtest.Counting{Store: st}
	app, err := tfb.New(ctx, counting, tfb.Config{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s, err := engine.Start(engine.Config{
		Addr:     "127.0.0.1:0",
		Mode:     mode,
		Loops:    2,
		Logger:   log,
		Fallback: withMiddleware(fallbackRoutes(app, debug), log),
	}, routes())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	tg := tfbtest.Target{
		Base:           "http://" + s.Addr().String(),
		Store:          counting,
		FortunesGolden: filepath.Join(tfbtest.ModuleRoot(t), "testdata", "tfb", "fortunes.golden.html"),
	}
	if url != "" {
		tg.Table = func(ctx context.Context) (map[int32]int32, error) { return pgtest.ReadTable(ctx, url) }
	} else {
		tg.Table = func(ctx context.Context) (map[int32]int32, error) {
			all, err := st.AllWorlds(ctx, nil)
			m := make(map[int32]int32, len(all))
			for _, w := range all {
				m[w.ID] = w.RandomNumber
			}
			return m, err
		}
	}
	return tg
}

// TestFallbackRoutes: the database routes are there with and without
// -debug-routes; the debug routes only with it; anything else is the
// engine's 404.
func TestFallbackRoutes(t *testing.T) {
	t.Parallel()
	for _, debug := range []bool{false, true} {
		tg := startTFB(t, engine.Performance, "", debug)
		tests := []struct {
			path   string
			status int
			body   string // prefix
		}{
			{"/db", 200, `{"id":`},
			{"/fortunes", 200, "<!DOCTYPE html>"},
			{"/nothing", 404, map[bool]string{false: "Not Found\n", true: "404 page not found\n"}[debug]},
			{"/stream?chunks=1&bytes=3", map[bool]int{false: 404, true: 200}[debug], map[bool]string{false: "Not Found\n", true: "xxx"}[debug]},
		}
		for _, tt := range tests {
			resp, err := http.Get(tg.Base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.HasPrefix(string(b), tt.body) {
				t.Errorf("debug %v: GET %s: %d %q, want %d %q", debug, tt.path, resp.StatusCode, b, tt.status, tt.body)
			}
		}
	}
}

// TestOpenStore covers the flags: -db-init applies the schema file to
// DATABASE_URL, and is refused without it.
func TestOpenStore(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	schema := filepath.Join(tfbtest.ModuleRoot(t), "testdata", "tfb", "schema.sql")
	if _, err := openStore(ctx, dbOptions{init: schema}, "", log); err == nil {
		t.Error("-db-init without DATABASE_URL accepted")
	}
	if _, err := openStore(ctx, dbOptions{}, "postgres://%zz", log); err == nil {
		t.Error("a malformed DATABASE_URL accepted")
	}
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Postgres(t)
		for _, init := range []string{schema, filepath.Join(t.TempDir(), "missing.sql")} {
			st, err := openStore(ctx, dbOptions{pool: 2, init: init}, url, log)
			if init == schema {
				if err != nil {
					t.Fatal(err)
				}
				all, err := st.AllWorlds(ctx, nil)
				if err != nil || len(all) != tfb.WorldRows {
					t.Errorf("after -db-init: %d rows, %v", len(all), err)
				}
				st.Close()
			} else if err == nil {
				st.Close()
				t.Error("-db-init of a missing file accepted")
			}
		}
	})
}
