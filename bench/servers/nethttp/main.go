// Command nethttp is the net/http peer: the TechEmpower routes as a careful
// user of the standard library writes them (header values preset so that
// nothing is sniffed or formatted per request, JSON serialized per request
// with encoding/json), /echo, the same diagnostic route that the bench
// server serves on its net/http fallback, and the database routes (/db,
// /queries, /updates, /cached-queries, /fortunes) through bench/tfbpeers:
// the bench server's tfb.App on the same store, PostgreSQL at DATABASE_URL
// with -db-pool connections (the bench server's flag and default), the
// embedded store without it.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"strconv"

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
		b, err := json.Marshal(&peer.Message{Message: "Hello, World!"})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		hdr["Content-Type"] = appJSON
		w.Write(b) // net/http adds Content-Length for a body this small
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
