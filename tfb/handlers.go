package tfb

import (
	"net/http"
	"strconv"

	"github.com/chopin-go/chopin/alloc"
)

// Register adds the database routes to mux: GET (and so HEAD) /db,
// /queries, /updates, /cached-queries and /fortunes.
func (a *App) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /db", a.serveDB)
	mux.HandleFunc("GET /queries", a.serveQueries)
	mux.HandleFunc("GET /updates", a.serveUpdates)
	mux.HandleFunc("GET /cached-queries", a.serveCachedQueries)
	mux.HandleFunc("GET /fortunes", a.serveFortunes)
}

// Handler returns a handler serving the database routes alone; any other
// path gets net/http's 404.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	return mux
}

func (a *App) serveDB(w http.ResponseWriter, r *http.Request) {
	b := alloc.Get()
	defer alloc.Put(b)
	var err error
	b.B, err = a.AppendDB(r.Context(), b.B)
	a.reply(w, r, ContentTypeJSON, b.B, err)
}

func (a *App) serveQueries(w http.ResponseWriter, r *http.Request) {
	b := alloc.Get()
	defer alloc.Put(b)
	var err error
	b.B, err = a.AppendQueries(r.Context(), b.B, Count(QueryValue(r.URL.RawQuery, "queries")))
	a.reply(w, r, ContentTypeJSON, b.B, err)
}

func (a *App) serveUpdates(w http.ResponseWriter, r *http.Request) {
	b := alloc.Get()
	defer alloc.Put(b)
	var err error
	b.B, err = a.AppendUpdates(r.Context(), b.B, Count(QueryValue(r.URL.RawQuery, "queries")))
	a.reply(w, r, ContentTypeJSON, b.B, err)
}

func (a *App) serveCachedQueries(w http.ResponseWriter, r *http.Request) {
	b := alloc.Get()
	defer alloc.Put(b)
	var err error
	b.B, err = a.AppendCachedQueries(r.Context(), b.B, Count(QueryValue(r.URL.RawQuery, "count")))
	a.reply(w, r, ContentTypeJSON, b.B, err)
}

func (a *App) serveFortunes(w http.ResponseWriter, r *http.Request) {
	b := alloc.Get()
	defer alloc.Put(b)
	var err error
	b.B, err = a.AppendFortunes(r.Context(), b.B)
	a.reply(w, r, ContentTypeHTML, b.B, err)
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
