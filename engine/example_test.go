package engine_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/chopin-go/chopin/engine"
)

// A service embeds the engine with a few FastRoutes, a loop handler that
// serializes JSON per request, and its existing net/http handler for the
// rest. Serve blocks until the context ends, then shuts down gracefully.
func ExampleServe() {
	routes := engine.NewRoutes().
		Handle("GET", "/plaintext", engine.Text("Hello, World!")).
		Handle("GET", "/health", engine.JSON([]byte(`{"status":"ok"}`))).
		Handle("GET", "/json", engine.LoopFunc(func(w *engine.Response, r *engine.Request) {
			w.JSON(map[string]string{"message": "Hello, World!"})
		}))
	mux := http.NewServeMux()
	mux.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "user %s\n", r.PathValue("id"))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := engine.Serve(ctx, engine.Config{Addr: "127.0.0.1:0", Fallback: mux}, routes)
	fmt.Println(err)
	// Output: <nil>
}

// Start returns a running server, which tests use to learn the port chosen
// for ":0" and to stop it when they want.
func ExampleStart() {
	s, err := engine.Start(engine.Config{Addr: "127.0.0.1:0", Loops: 2},
		engine.NewRoutes().Handle("GET", "/plaintext", engine.Text("Hello, World!")))
	if err != nil {
		panic(err)
	}
	defer s.Shutdown(context.Background())
	resp, err := http.Get("http://" + s.Addr().String() + "/plaintext")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), string(body))
	// Output: 200 text/plain Hello, World!
}
