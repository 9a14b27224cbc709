package engine

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Responses leave in request order whatever mix of FastRoutes, loop
// handlers and fallback handlers a client pipelines, and a client that
// half-closes after sending still gets every answer.

var orderSeed = flag.Uint64("order.seed", 0, "run TestOrderRandomized with this seed only (0: the fixed seeds)")

// orderHandler is the fallback of the ordering tests.
//
//	GET  /slow?ms=N&id=I  sleeps N ms, answers "slow I"
//	POST /echo?id=I       answers "I:" and the body
//	GET  /fb?id=I         answers "fb I" at once
//	GET  /stream?id=I     flushes "I-a" then "I-b" (chunked)
//	GET  /until-gone      answers "gone" once its context ends
func orderHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		io.WriteString(w, "slow "+r.URL.Query().Get("id"))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		io.WriteString(w, r.URL.Query().Get("id")+":"+string(b))
	})
	mux.HandleFunc("GET /fb", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "fb "+r.URL.Query().Get("id"))
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		io.WriteString(w, id+"-a")
		w.(http.Flusher).Flush()
		io.WriteString(w, id+"-b")
	})
	mux.HandleFunc("GET /until-gone", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			io.WriteString(w, "gone")
		case <-time.After(handlerBound):
			io.WriteString(w, "context never ended")
		}
	})
	return mux
}

// orderedExchange is one pipelined request and the response it must get.
type orderedExchange struct {
	req, method string
	status      int
	body        string
}

func (e orderedExchange) verify(t *testing.T, i int, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != e.status || body != e.body {
		t.Fatalf("response %d to %q: %d %q, want %d %q",
			i, requestLine(e.req), resp.StatusCode, clipBody(body), e.status, clipBody(e.body))
	}
}

func requestLine(s string) string { line, _, _ := strings.Cut(s, "\r\n"); return line }

func clipBody(s string) string {
	if len(s) > 60 {
		return s[:60] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

// The case: one write holding a slow fallback request, a
// FastRoute, a POST with a body to the fallback and a loop handler. The
// FastRoute and the loop handler are answered on the loop at once, the
// POST's handler long before the slow one: all must wait their turn.
func TestOrderPipelinedMixOneWrite(t *testing.T) {
	t.Parallel()
	cfg, _ := fallbackConfig(orderHandler())
	s := startTest(t, cfg, testRoutes())
	ex := []orderedExchange{
		{get("/slow?ms=200&id=1"), "GET", 200, "slow 1"},
		{get("/plaintext"), "GET", 200, "Hello, World!"},
		{"POST /echo?id=3 HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world", "POST", 200, "3:hello world"},
		{get("/json"), "GET", 200, `{"message":"Hello, World!"}`},
	}
	c := dial(t, s)
	var all strings.Builder
	for _, e := range ex {
		all.WriteString(e.req)
	}
	c.send(all.String())
	for i, e := range ex {
		resp, body := c.read(e.method)
		e.verify(t, i, resp, body)
	}
	if c.connClosed() {
		t.Fatal("the connection ended")
	}
}

// randomExchange returns request number i of kind k, with bodies drawn
// from rng.
func randomExchange(rng *rand.Rand, i int) orderedExchange {
	id := strconv.Itoa(i)
	body := func() string {
		n := rng.IntN(5000)
		if rng.IntN(4) == 0 {
			n = rng.IntN(20)
		}
		b := make([]byte, n)
		for k := range b {
			b[k] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	// framed returns the header lines and the body, framed by
	// Content-Length or chunked at random.
	framed := func(b string) string {
		if rng.IntN(2) == 0 {
			return "Content-Length: " + strconv.Itoa(len(b)) + "\r\n\r\n" + b
		}
		return "Transfer-Encoding: chunked\r\n\r\n" + chunkedBody(b, 1+rng.IntN(1500))
	}
	switch rng.IntN(9) {
	case 0:
		return orderedExchange{get("/plaintext"), "GET", 200, "Hello, World!"}
	case 1:
		return orderedExchange{"HEAD /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", "HEAD", 200, ""}
	case 2:
		return orderedExchange{get("/json"), "GET", 200, `{"message":"Hello, World!"}`}
	case 3:
		b := body()
		return orderedExchange{"POST /len HTTP/1.1\r\nHost: t\r\n" + framed(b), "POST", 200, strconv.Itoa(len(b))}
	case 4:
		return orderedExchange{"DELETE /plaintext HTTP/1.1\r\nHost: t\r\n\r\n", "DELETE", 405, "Method Not Allowed\n"}
	case 5:
		return orderedExchange{get(fmt.Sprintf("/slow?ms=%d&id=%s", rng.IntN(30), id)), "GET", 200, "slow " + id}
	case 6:
		b := body()
		return orderedExchange{"POST /echo?id=" + id + " HTTP/1.1\r\nHost: t\r\n" + framed(b), "POST", 200, id + ":" + b}
	case 7:
		return orderedExchange{get("/fb?id=" + id), "GET", 200, "fb " + id}
	default:
		return orderedExchange{get("/stream?id=" + id), "GET", 200, id + "-a" + id + "-b"}
	}
}

// Many requests of every kind, pipelined on one connection and written in
// random pieces: each response comes back in order with its own body. The
// run is reproducible from its seed (-order.seed).
func TestOrderRandomized(t *testing.T) {
	t.Parallel()
	cfg, _ := fallbackConfig(orderHandler())
	s := startTest(t, cfg, testRoutes())
	seeds := []uint64{1, 2, 3, 4}
	if *orderSeed != 0 {
		seeds = []uint64{*orderSeed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 0))
			const n = 150 // more than MaxPipeline, so parsing may pause and resume
			ex := make([]orderedExchange, n)
			var all strings.Builder
			for i := range ex {
				ex[i] = randomExchange(rng, i)
				all.WriteString(ex[i].req)
			}
			// Cut the stream at random points, whatever they split.
			data := all.String()
			var pieces []string
			for len(data) > 0 {
				k := min(len(data), 1+rng.IntN(4096))
				pieces = append(pieces, data[:k])
				data = data[k:]
			}
			pauses := make([]bool, len(pieces))
			for i := range pauses {
				pauses[i] = rng.IntN(8) == 0
			}

			c := dial(t, s)
			written := make(chan error, 1)
			go func() {
				for i, p := range pieces {
					if pauses[i] {
						time.Sleep(time.Millisecond) // pacing: separate reads
					}
					if _, err := io.WriteString(c.c, p); err != nil {
						written <- err
						return
					}
				}
				written <- nil
			}()
			for i, e := range ex {
				resp, body, err := c.tryRead(e.method)
				if err != nil {
					t.Fatalf("response %d to %q: %v", i, requestLine(e.req), err)
				}
				e.verify(t, i, resp, body)
			}
			if err := recvWithin(t, written, "the writer"); err != nil {
				t.Fatalf("write: %v", err)
			}
		})
	}
}

// A client that sends its requests, a slow fallback one first, and then
// shuts its write side still gets every answer, in order, and then EOF.
// /until-gone answers only once its context ends, which happens when the
// server sees the client's EOF: so the EOF certainly came while answers
// were owed, and the half-close hand-off must have run.
func TestOrderHalfCloseGetsEveryAnswer(t *testing.T) {
	t.Parallel()
	cfg, _ := fallbackConfig(orderHandler())
	s := startTest(t, cfg, testRoutes())
	ex := []orderedExchange{
		{get("/slow?ms=200&id=1"), "GET", 200, "slow 1"},
		{get("/plaintext"), "GET", 200, "Hello, World!"},
		{"POST /echo?id=3 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody("hello world", 3),
			"POST", 200, "3:hello world"},
		{get("/json"), "GET", 200, `{"message":"Hello, World!"}`},
		{get("/until-gone"), "GET", 200, "gone"},
		{get("/stream?id=6"), "GET", 200, "6-a6-b"},
	}
	c := dial(t, s)
	var all strings.Builder
	for _, e := range ex {
		all.WriteString(e.req)
	}
	c.send(all.String())
	c.closeWrite()
	for i, e := range ex {
		resp, body := c.read(e.method)
		e.verify(t, i, resp, body)
	}
	c.expectEOF()
	if st := s.Stats(); st.HalfClosed == 0 {
		t.Fatalf("Stats().HalfClosed = 0: the half-close hand-off did not run (%+v)", st)
	}
}
