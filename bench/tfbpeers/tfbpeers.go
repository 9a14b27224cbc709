// Package tfbpeers serves the TechEmpower database routes (/db, /queries,
// /updates, /cached-queries, /fortunes) for the net/http and fasthttp peers
// of the benchmark suite, from the same tfb.App as the bench server: the
// same Store (so the same driver, statements and pool size), the same
// cache and the same rendering. Only the HTTP layer differs, which is what
// the suite compares.
//
// A peer opens the store and the App once, at start (the store needs
// github.com/jackc/pgx/v5 in bench/go.mod, through tfb/pgstore):
//
//	var st tfb.Store = tfb.NewMemory()
//	if url := os.Getenv("DATABASE_URL"); url != "" {
//		st, err = pgstore.Open(ctx, pgstore.Config{URL: url, PoolSize: pool})
//	}
//	app, err := tfb.New(ctx, st, tfb.Config{})
//
// and then, in its handler's default case:
//
//	if !tfbpeers.ServeFastHTTP(app, ctx) { ctx.Error("Not Found", 404) }
//	if !tfbpeers.ServeHTTP(app, w, r) { http.NotFound(w, r) }
//
// What runs where: both functions block on the store, on the goroutine
// fasthttp or net/http runs the handler on.
package tfbpeers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/chopin-go/chopin/alloc"
	"github.com/chopin-go/chopin/tfb"
)

// route is one database route: it appends the body for a request whose
// count parameter (if the route has one) is n.
type route struct {
	contentType string
	param       string // "queries" or "count"; "" for none
	appendBody  func(a *tfb.App, ctx context.Context, dst []byte, n int) ([]byte, error)
}

var routes = map[string]route{
	"/db": {tfb.ContentTypeJSON, "", func(a *tfb.App, ctx context.Context, dst []byte, _ int) ([]byte, error) {
		return a.AppendDB(ctx, dst)
	}},
	"/queries":        {tfb.ContentTypeJSON, "queries", (*tfb.App).AppendQueries},
	"/updates":        {tfb.ContentTypeJSON, "queries", (*tfb.App).AppendUpdates},
	"/cached-queries": {tfb.ContentTypeJSON, "count", (*tfb.App).AppendCachedQueries},
	"/fortunes": {tfb.ContentTypeHTML, "", func(a *tfb.App, ctx context.Context, dst []byte, _ int) ([]byte, error) {
		return a.AppendFortunes(ctx, dst)
	}},
}

var (
	jsonType = []string{tfb.ContentTypeJSON}
	htmlType = []string{tfb.ContentTypeHTML}
)

// ServeHTTP serves r if its path is a database route of app and reports
// whether it was. The caller sets Server (net/http sets Date).
func ServeHTTP(app *tfb.App, w http.ResponseWriter, r *http.Request) bool {
	rt, ok := routes[r.URL.Path]
	if !ok {
		return false
	}
	n := 0
	if rt.param != "" {
		n = tfb.Count(tfb.QueryValue(r.URL.RawQuery, rt.param))
	}
	b := alloc.Get()
	defer alloc.Put(b)
	var err error
	b.B, err = rt.appendBody(app, r.Context(), b.B, n)
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return true
	}
	h := w.Header()
	if rt.contentType == tfb.ContentTypeHTML {
		h["Content-Type"] = htmlType
	} else {
		h["Content-Type"] = jsonType
	}
	h["Content-Length"] = []string{strconv.Itoa(len(b.B))}
	w.Write(b.B)
	return true
}

// ServeFastHTTP serves ctx if its path is a database route of app and
// reports whether it was. fasthttp sets Server (its Name), Date and
// Content-Length.
func ServeFastHTTP(app *tfb.App, ctx *fasthttp.RequestCtx) bool {
	rt, ok := routes[string(ctx.Path())]
	if !ok {
		return false
	}
	n := 0
	if rt.param != "" {
		n = tfb.Count(string(ctx.QueryArgs().Peek(rt.param)))
	}
	b := alloc.Get()
	defer alloc.Put(b)
	var err error
	b.B, err = rt.appendBody(app, ctx, b.B, n)
	if err != nil {
		ctx.Error("Internal Server Error", fasthttp.StatusInternalServerError)
		return true
	}
	ctx.Response.Header.SetContentType(rt.contentType)
	ctx.SetBody(b.B) // copies
	return true
}
