package tfb

import (
	"context"
	"net/http"
	"strconv"

	"github.com/chopin-go/chopin/alloc"
)

// Register adds the database routes to mux: GET (and so HEAD) /db,
// /queries, /updates, /cached-queries and /fortunes.
func (a *App) Register(mux *http.ServeMux) {
	mux.Handle("GET /db", a.serve(ContentTypeJSON, a.serveDB))
	mux.Handle("GET /queries", a.serve(ContentTypeJSON, a.serveQueries))
	mux.Handle("GET /updates", a.serve(ContentTypeJSON, a.serveUpdates))
	mux.Handle("GET /cached-queries", a.serve(ContentTypeJSON, a.serveCachedQueries))
	mux.Handle("GET /fortunes", a.serve(ContentTypeHTML, a.serveFortunes))
}

// Handler returns a handler serving the database routes alone; any other
// path gets net/http's 404.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	return mux
}

// appender builds one route's response body into dst.
type appender func(ctx context.Context, dst []byte, r *http.Request) ([]byte, error)

// serve returns a handler that builds its body with build into a pooled
// buffer and replies with it.
func (a *App) serve(contentType string, build appender) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b := alloc.Get()
		defer alloc.Put(b)
		var err error
		b.B, err = build(r.Context(), b.B, r)
		a.reply(w, r, contentType, b.B, err)
	}
}

func (a *App) serveDB(ctx context.Context, dst []byte, _ *http.Request) ([]byte, error) {
	return a.AppendDB(ctx, dst)
}

func (a *App) serveQueries(ctx context.Context, dst []byte, r *http.Request) ([]byte, error) {
	return a.AppendQueries(ctx, dst, Count(QueryValue(r.URL.RawQuery, "queries")))
}

func (a *App) serveUpdates(ctx context.Context, dst []byte, r *http.Request) ([]byte, error) {
	return a.AppendUpdates(ctx, dst, Count(QueryValue(r.URL.RawQuery, "queries")))
}

func (a *App) serveCachedQueries(ctx context.Context, dst []byte, r *http.Request) ([]byte, error) {
	return a.AppendCachedQueries(ctx, dst, Count(QueryValue(r.URL.RawQuery, "count")))
}

func (a *App) serveFortunes(ctx context.Context, dst []byte, _ *http.Request) ([]byte, error) {
	return a.AppendFortunes(ctx, dst)
}

// reply writes body with an explicit Content-Length (so that a large body
// is not chunked), or a 500 with fixed text if the store failed. The store's
// error is logged unless the request was cancelled (the client left).
func (a *App) reply(w http.ResponseWriter, r *http.Request, contentType string, body []byte, err error) {
	if err != nil {
		if r.Context().Err() == nil {
			a.cfg.Logger.Error("tfb: store failed", "path", r.URL.Path, "err", err)
		}
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
