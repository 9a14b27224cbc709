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
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/chopin-go/chopin/bench/internal/peer"
	"github.com/chopin-go/chopin/bench/tfbpeers"
	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/pgstore"
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
		echo(w, r)
	default:
		if !tfbpeers.ServeHTTP(h.app, w, r) {
			http.NotFound(w, r)
		}
	}
}

// echo describes the request as the handler saw it: the JSON the bench
// server's /echo writes.
func echo(w http.ResponseWriter, r *http.Request) {
	sum := sha256.New()
	n, err := io.Copy(sum, r.Body)
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	trailer := map[string][]string(r.Trailer)
	if trailer == nil {
		trailer = map[string][]string{}
	}
	out := struct {
		Method     string              `json:"method"`
		URI        string              `json:"uri"`
		Proto      string              `json:"proto"`
		Host       string              `json:"host"`
		Headers    map[string][]string `json:"headers"`
		BodyLen    int64               `json:"body_len"`
		BodySHA256 string              `json:"body_sha256"`
		Trailer    map[string][]string `json:"trailer"`
	}{r.Method, r.RequestURI, r.Proto, r.Host, r.Header, n, hex.EncodeToString(sum.Sum(nil)), trailer}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(out)
	w.Header()["Content-Type"] = appJSON
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func main() {
	var dbPool int
	addr := peer.Flags(func(fs *flag.FlagSet) {
		fs.IntVar(&dbPool, "db-pool", pgstore.DefaultPoolSize(), "PostgreSQL pool size, with DATABASE_URL (default 3 × GOMAXPROCS)")
	})
	app, closeStore, err := tfbpeers.Open(os.Getenv("DATABASE_URL"), dbPool, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	tot := peer.Start()
	srv := &http.Server{Handler: handler{tot, app}}
	go func() { log.Fatal(srv.Serve(ln)) }()
	peer.Listening("nethttp", ln.Addr().String())
	tot.WaitAndExit(closeStore)
}
