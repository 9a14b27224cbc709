package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/chopin-go/chopin/bench/tfbpeers"
	"github.com/chopin-go/chopin/tfb"
)

func TestWantRows(t *testing.T) {
	for path, want := range map[string]int{
		"/queries?queries=20": 20, "/cached-queries?count=100": 100, "/updates?queries=501": 500,
		"/queries?queries=foo": 1, "/queries": 1,
	} {
		if got := wantRows(path); got != want {
			t.Errorf("wantRows(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestWithParamAndWhere(t *testing.T) {
	u, err := withParam("postgres://u:secret@127.0.0.1:5432/hello_world?sslmode=disable", "search_path", dbSchema)
	if err != nil || !strings.Contains(u, "search_path="+dbSchema) || !strings.Contains(u, "sslmode=disable") {
		t.Errorf("withParam: %q, %v", u, err)
	}
	if w := dbWhere("postgres://u:secret@127.0.0.1:5432/hello_world?sslmode=disable"); w != "127.0.0.1:5432/hello_world" {
		t.Errorf("dbWhere(URL) = %q", w)
	}
	if w := dbWhere("host=db port=5433 dbname=x password=secret"); w != "db:5433/x" {
		t.Errorf("dbWhere(key=value) = %q", w)
	}
}

func TestCheckPool(t *testing.T) {
	s := &suite{cfg: &config{dbPool: 3}}
	if err := s.checkPool("level=INFO msg=listening\nlevel=INFO msg=database store=postgres pool=3\n"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"level=INFO msg=database store=postgres pool=6", "level=INFO msg=database store=memory", "nothing"} {
		if s.checkPool(bad) == nil {
			t.Errorf("checkPool accepted %q", bad)
		}
	}
}

// TestDatabaseChecks runs the database checks against the net/http peer's
// handler on PostgreSQL (DATABASE_URL; skipped without it), in a schema of
// the test's own: they must pass, and fail for a server reading other
// data, a wrong count, a wrong Content-Type or a changed page.
func TestDatabaseChecks(t *testing.T) {
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		t.Skip("DATABASE_URL is not set")
	}
	root, _ := filepath.Abs("../../..")
	ctx := context.Background()
	sql, err := os.ReadFile(filepath.Join(root, "testdata", "tfb", "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	var id [4]byte
	rand.Read(id[:])
	schema := "suite_test_" + hex.EncodeToString(id[:])
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		admin.Close(context.Background())
	})
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	url, _ := withParam(base, "search_path", schema)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, string(sql)); err != nil {
		t.Fatal(err)
	}
	s := &suite{cfg: &config{root: root, dbPool: 2}, db: &database{url: url, sql: string(sql), conn: conn}}

	serve := func(h http.Handler) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return ln.Addr().String()
	}
	peer := func(app *tfb.App) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Server", "test")
			if !tfbpeers.ServeHTTP(app, w, r) {
				http.NotFound(w, r)
			}
		})
	}
	open := func(url string) *tfb.App {
		app, closeStore, err := tfbpeers.Open(url, 2, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(closeStore)
		return app
	}
	good := serve(peer(open(url)))
	scs := map[string]*scenario{}
	for _, sc := range []*scenario{
		{key: "db", path: "/db", db: true},
		{key: "queries", path: "/queries?queries=20", db: true},
		{key: "cached", path: "/cached-queries?count=100", db: true},
		{key: "fortunes", path: "/fortunes", db: true},
		{key: "updates", path: "/updates?queries=20", db: true},
	} {
		scs[sc.key] = sc
	}
	for _, k := range []string{"db", "queries", "cached", "fortunes", "updates"} {
		for _, c := range s.dbChecks(scs[k]) {
			if err := c(good); err != nil {
				t.Fatalf("%s on a correct server: %v", k, err)
			}
		}
	}

	// The embedded store's numbers are not the table's.
	mem := open("")
	other := serve(peer(mem))
	for _, k := range []string{"db", "queries", "cached"} {
		if err := s.dbChecks(scs[k])[0](other); err == nil || !strings.Contains(err.Error(), "stored") {
			t.Errorf("%s on a server with other data: %v", k, err)
		}
	}
	// One row short, a charset, a changed page, updates not written to
	// the table.
	app := open(url)
	broken := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "test")
		reply := func(ctype string, b []byte) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
		}
		n := tfb.Count(tfb.QueryValue(r.URL.RawQuery, "queries"))
		switch r.URL.Path {
		case "/queries":
			b, _ := app.AppendQueries(r.Context(), nil, max(n-1, 1))
			reply("application/json", b)
		case "/cached-queries":
			b, _ := app.AppendCachedQueries(r.Context(), nil, 1)
			reply("application/json; charset=utf-8", b)
		case "/fortunes":
			b, _ := app.AppendFortunes(r.Context(), nil)
			reply(tfb.ContentTypeHTML, []byte(strings.Replace(string(b), "&lt;script&gt;", "<script>", 1)))
		case "/updates":
			b, _ := mem.AppendUpdates(r.Context(), nil, n) // written elsewhere
			reply("application/json", b)
		}
	}))
	for k, want := range map[string]string{"queries": "objects, want", "cached": "Content-Type", "fortunes": "differs", "updates": "stored"} {
		if err := s.dbChecks(scs[k])[0](broken); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s on a broken server: %v, want an error about %q", k, err, want)
		}
	}
}
