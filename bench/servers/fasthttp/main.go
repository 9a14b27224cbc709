// Command fasthttp is the fasthttp peer, written as a careful fasthttp user
// writes it: a Server with a Name, header-name normalizing off (nothing
// reads request headers), the default Date cache and buffer reuse, and the
// JSON serialized per request with the bench server's serializer
// (tfb.AppendMessage) into the response body. The
// database routes (/db, /queries, /updates, /cached-queries, /fortunes) go
// through bench/tfbpeers: the bench server's tfb.App on the same store,
// PostgreSQL at DATABASE_URL with -db-pool connections (the bench server's
// flag and default), the embedded store without it.
package main

import (
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

var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64); return &b }}

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
		// The message is made and serialized per request, as the bench
		// server does it, into a pooled buffer that AppendBody copies (a
		// stack array would escape through it, one allocation a request).
		bp := jsonBufs.Get().(*[]byte)
		*bp = tfb.AppendMessage((*bp)[:0], tfb.Message{Message: tfb.HelloMessage})
		ctx.Response.Header.SetContentTypeBytes(appJSON)
		ctx.Response.AppendBody(*bp)
		jsonBufs.Put(bp)
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
