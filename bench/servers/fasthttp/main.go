// Command fasthttp is the fasthttp peer, written as a careful fasthttp user
// writes it: a Server with a Name, header-name normalizing off (nothing
// reads request headers), the default Date cache and buffer reuse, and the
// JSON serialized per request with encoding/json into a pooled buffer. The
// database routes (/db, /queries, /updates, /cached-queries, /fortunes) go
// through bench/tfbpeers: the bench server's tfb.App on the same store,
// PostgreSQL at DATABASE_URL with -db-pool connections (the bench server's
// flag and default), the embedded store without it.
package main

import (
	"bytes"
	"encoding/json"
	"log"
	"sync"

	"github.com/valyala/fasthttp"

	"github.com/chopin-go/chopin/bench/internal/peer"
	"github.com/chopin-go/chopin/bench/tfbpeers"
	"github.com/chopin-go/chopin/tfb"
)

var (
	textPlain = []byte("text/plain")
	appJSON   = []byte("application/json")
)

// jsonBuf is an encoder with its buffer, reused through a pool: one per
// concurrently running handler.
type jsonBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonBufs = sync.Pool{New: func() any {
	j := &jsonBuf{}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}}

type handler struct {
	tot *peer.Totals
	app *tfb.App
}

func (h handler) serve(ctx *fasthttp.RequestCtx) {
	h.tot.Add(1)
	switch string(ctx.Path()) { // no allocation: the compiler compares in place
	case "/plaintext":
		ctx.Response.Header.SetContentTypeBytes(textPlain)
		ctx.Response.SetBodyRaw(peer.Hello)
	case "/json":
		j := jsonBufs.Get().(*jsonBuf)
		j.buf.Reset()
		if err := j.enc.Encode(&peer.Message{Message: "Hello, World!"}); err != nil {
			ctx.Error(err.Error(), fasthttp.StatusInternalServerError)
		} else {
			ctx.Response.Header.SetContentTypeBytes(appJSON)
			b := j.buf.Bytes()
			ctx.Write(b[:len(b)-1]) // copies; Encode's newline dropped
		}
		jsonBufs.Put(j)
	default:
		if !tfbpeers.ServeFastHTTP(h.app, ctx) {
			ctx.Error("Not Found", fasthttp.StatusNotFound)
		}
	}
}

func main() {
	app, ln, closeStore := tfbpeers.Setup()
	tot := peer.Start()
	srv := &fasthttp.Server{
		Handler:                       handler{tot, app}.serve,
		Name:                          "fasthttp",
		DisableHeaderNamesNormalizing: true,
		NoDefaultContentType:          true,
	}
	go func() { log.Fatal(srv.Serve(ln)) }()
	peer.Listening("fasthttp", ln.Addr().String())
	tot.WaitAndExit(closeStore)
}
