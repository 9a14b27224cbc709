package tfbpeers

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/tfbtest"
)

// The TechEmpower verification rules, as the bench server passes them,
// for both peers on the embedded store; /json and /plaintext are served
// minimally here, as the peers' own code does.

func newTarget(t *testing.T, ln net.Listener) (tfbtest.Target, *tfb.App) {
	t.Helper()
	st := &tfbtest.Counting{Store: tfb.NewMemory()}
	app, err := tfb.New(context.Background(), st, tfb.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return tfbtest.Target{
		Base:  "http://" + ln.Addr().String(),
		Store: st,
		Table: func(ctx context.Context) (map[int32]int32, error) {
			all, err := st.Store.AllWorlds(ctx, nil)
			m := make(map[int32]int32, len(all))
			for _, w := range all {
				m[w.ID] = w.RandomNumber
			}
			return m, err
		},
		FortunesGolden: filepath.Join(tfbtest.ModuleRoot(t), "testdata", "tfb", "fortunes.golden.html"),
	}, app
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestFastHTTP(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	tg, app := newTarget(t, ln)
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
	tfbtest.Verify(t, tg)
}

func TestNetHTTP(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	tg, app := newTarget(t, ln)
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
	tfbtest.Verify(t, tg)
}
