// Command nethttp is the net/http peer: the TechEmpower routes as a careful
// user of the standard library writes them (header values preset so that
// nothing is sniffed or formatted per request, JSON serialized per request
// with the bench server's serializer into a pooled buffer), /echo, the same diagnostic route that the bench
// server serves on its net/http fallback, and the database routes (/db,
// /queries, /updates, /cached-queries, /fortunes) through bench/tfbpeers:
// the bench server's tfb.App on the same store, PostgreSQL at DATABASE_URL
// with -db-pool connections (the bench server's flag and default), the
// embedded store without it.
package main

import (
	"log"
	"net/http"
	"strconv"
	"sync"

	"github.com/chopin-go/chopin/bench/internal/peer"
	"github.com/chopin-go/chopin/bench/tfbpeers"
	"github.com/chopin-go/chopin/internal/echo"
	"github.com/chopin-go/chopin/tfb"
)

var (
	serverName = []string{"nethttp"}
	textPlain  = []string{"text/plain"}
	appJSON    = []string{"application/json"}
	helloLen   = []string{strconv.Itoa(len(peer.Hello))}
)

// jsonBufs holds the /json bodies' buffers: Write's argument escapes, so a
// stack array would be allocated per request.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64); return &b }}

type handler struct {
	tot *peer.Totals
	app *tfb.App
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.tot.Add(1)
	hdr := w.Header()
	hdr["Server"] = serverName
	switch r.URL.Path {
	case "/plaintext":
		hdr["Content-Type"] = textPlain
		hdr["Content-Length"] = helloLen
		w.Write(peer.Hello)
	case "/json":
		bp := jsonBufs.Get().(*[]byte)
		*bp = tfb.AppendMessage((*bp)[:0], tfb.Message{Message: tfb.HelloMessage})
		hdr["Content-Type"] = appJSON
		w.Write(*bp) // net/http adds Content-Length for a body this small
		jsonBufs.Put(bp)
	case "/echo":
		echo.Serve(w, r) // the bench server's own /echo handler
	default:
		if !tfbpeers.ServeHTTP(h.app, w, r) {
			http.NotFound(w, r)
		}
	}
}

func main() {
	app, ln, closeStore := tfbpeers.Setup()
	tot := peer.Start()
	srv := &http.Server{Handler: handler{tot, app}}
	go func() { log.Fatal(srv.Serve(ln)) }()
	peer.Listening("nethttp", ln.Addr().String())
	tot.WaitAndExit(closeStore)
}
