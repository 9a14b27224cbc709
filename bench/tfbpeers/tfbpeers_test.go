package tfbpeers

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/pgstore"
	"github.com/chopin-go/chopin/tfb/pgstore/pgtest"
	"github.com/chopin-go/chopin/tfb/tfbtest"
)

// The TechEmpower verification rules, as the bench server passes them,
// for both peers on the embedded store and on PostgreSQL (DATABASE_URL;
// skipped without it unless TFB_REQUIRE_POSTGRES=1); /json and /plaintext
// are served minimally here, as the peers' own code does.

// newTarget returns the App on st (counted) and the Target for Verify;
// table reads the World table independently of the server.
func newTarget(t *testing.T, ln net.Listener, st tfb.Store, table func(context.Context) (map[int32]int32, error)) (tfbtest.Target, *tfb.App) {
	t.Helper()
	cs := &tfbtest.Counting{Store: st}
	app, err := tfb.New(context.Background(), cs, tfb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return tfbtest.Target{
		Base:           "http://" + ln.Addr().String(),
		Store:          cs,
		Table:          table,
		FortunesGolden: filepath.Join(tfbtest.ModuleRoot(t), "testdata", "tfb", "fortunes.golden.html"),
	}, app
}

// memoryTarget is newTarget on the embedded store.
func memoryTarget(t *testing.T, ln net.Listener) (tfbtest.Target, *tfb.App) {
	st := tfb.NewMemory()
	return newTarget(t, ln, st, func(ctx context.Context) (map[int32]int32, error) {
		all, err := st.AllWorlds(ctx, nil)
		m := make(map[int32]int32, len(all))
		for _, w := range all {
			m[w.ID] = w.RandomNumber
		}
		return m, err
	})
}

// postgresTarget is newTarget on PostgreSQL through pgstore, in a schema
// of the test's own, with the pool size the benchmark suite gives.
func postgresTarget(t *testing.T, ln net.Listener) (tfbtest.Target, *tfb.App) {
	url := pgtest.Postgres(t)
	st, err := pgstore.Open(context.Background(), pgstore.Config{URL: url, PoolSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return newTarget(t, ln, st, func(ctx context.Context) (map[int32]int32, error) { return pgtest.ReadTable(ctx, url) })
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func serveFastHTTP(t *testing.T, ln net.Listener, app *tfb.App) {
	srv := &fasthttp.Server{Name: "fasthttp", NoDefaultContentType: true, Handler: func(ctx *fasthttp.RequestCtx) {
		switch string(ctx.Path()) {
		case "/plaintext":
			ctx.Response.Header.SetContentType("text/plain")
			ctx.SetBodyString("Hello, World!")
		case "/json":
			ctx.Response.Header.SetContentType("application/json")
			ctx.SetBodyString(`{"message":"Hello, World!"}`)
		default:
			if !ServeFastHTTP(app, ctx) {
				ctx.Error("Not Found", fasthttp.StatusNotFound)
			}
		}
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown() })
}

func serveNetHTTP(t *testing.T, ln net.Listener, app *tfb.App) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nethttp")
		switch r.URL.Path {
		case "/plaintext":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("Hello, World!"))
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"message":"Hello, World!"}`))
		default:
			if !ServeHTTP(app, w, r) {
				http.NotFound(w, r)
			}
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func TestFastHTTP(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	tg, app := memoryTarget(t, ln)
	serveFastHTTP(t, ln, app)
	tfbtest.Verify(t, tg)
}

func TestNetHTTP(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	tg, app := memoryTarget(t, ln)
	serveNetHTTP(t, ln, app)
	tfbtest.Verify(t, tg)
}

func TestFastHTTPPostgres(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	tg, app := postgresTarget(t, ln)
	serveFastHTTP(t, ln, app)
	tfbtest.Verify(t, tg)
}

func TestNetHTTPPostgres(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	tg, app := postgresTarget(t, ln)
	serveNetHTTP(t, ln, app)
	tfbtest.Verify(t, tg)
}

// TestOpen: Open serves from PostgreSQL with the pool asked for, and logs
// the line the suite checks.
func TestOpen(t *testing.T) {
	url := pgtest.Postgres(t)
	var log bytes.Buffer
	app, closeStore, err := Open(url, 2, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if st, ok := app.Store().(*pgstore.Store); !ok || st.PoolSize() != 2 {
		t.Errorf("store %T, want a *pgstore.Store with 2 connections", app.Store())
	}
	if !strings.Contains(log.String(), "msg=database store=postgres pool=2") {
		t.Errorf("log %q lacks the database line", log.String())
	}
	if _, _, err := Open("postgres://nobody@127.0.0.1:1/none?connect_timeout=2", 1, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("Open with an unreachable database succeeded")
	}
}
