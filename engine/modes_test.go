package engine

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// One suite of raw requests runs against a Performance server and a
// Standard server (net/http's own) started from the same Routes and the
// same Fallback handler; each case must get the same answer from both:
// interim responses, status, header fields but Date, framing, body,
// trailers, and whether the connection stays open.
//
// Excused differences, each checked to be exactly what is listed (any
// other difference fails):
//
//  1. Response version to an HTTP/1.0 request: Performance says HTTP/1.1,
//     net/http says HTTP/1.0. RFC 9110 §2.5 has a server send the highest
//     minor version it conforms to, so HTTP/1.1 is right; net/http echoes
//     the request's. Documented in package fallback ("Known differences").
//  2. "Connection: close" on a response that ends an HTTP/1.0 connection:
//     Performance sends it, net/http does not. It follows from 1: an
//     HTTP/1.1 response is persistent unless it says close (RFC 9112
//     §9.3), while net/http's HTTP/1.0 response is not persistent unless
//     it says keep-alive. Both close the connection, which is checked.
//  3. "Server" on an interim (1xx) response: Standard mode sends it,
//     Performance does not. Standard mode can only add Server by putting
//     it in the handler's header map before the handler runs, and
//     net/http writes that map into every 1xx the handler sends; the
//     bridge adds Server to the final response only. RFC 9110 §10.2.4
//     lets any response carry Server, and a 1xx's fields do not carry
//     over to the final response, which has Server in both modes.

// modeCase is one exchange: req is written at once; cont, if set, is
// written after a 100 (Continue) arrives (a client that waits for it).
type modeCase struct {
	name   string
	req    string
	cont   string
	method string
	status int // what both must answer
}

// modeResult is what a client sees of one exchange.
type modeResult struct {
	Interim []interim
	Proto   string
	Status  int
	Header  http.Header // canonical keys, Date removed
	Body    string
	Trailer http.Header
	Open    bool // a request after it is answered on the same connection
}

// interim is a 1xx response.
type interim struct {
	Status int
	Header http.Header
}

func (i interim) String() string { return fmt.Sprint(i.Status, " ", i.Header) }

// modesFallback is the fallback both servers share.
func modesFallback() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", modesEcho)
	mux.HandleFunc("/head", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "head body") })
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-A", "1")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/notmodified", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotModified)
	})
	mux.HandleFunc("/large", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("0123456789", 500))
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Trailer", "X-Count")
		for i := range 3 {
			fmt.Fprintf(w, "event %d\n", i)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Count", "3")
	})
	mux.HandleFunc("/ignore", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ignored") })
	mux.HandleFunc("/handler-close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	mux.HandleFunc("/early-hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "after hints")
	})
	return mux
}

// modesEcho describes the request as the handler saw it, in a stable
// text form, and answers with repeated header fields.
func modesEcho(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var out strings.Builder
	fmt.Fprintf(&out, "%s %s %s host=%q close=%v length=%d te=%q\n",
		r.Method, r.RequestURI, r.Proto, r.Host, r.Close, r.ContentLength, r.TransferEncoding)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Header {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&out, "%s: %q\n", k, r.Header[k])
	}
	fmt.Fprintf(&out, "body=%q err=%v\n", b, err)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Trailer {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&out, "trailer %s: %q\n", k, r.Trailer[k])
	}
	w.Header().Add("X-Multi", "a")
	w.Header().Add("X-Multi", "b")
	io.WriteString(w, out.String())
}

// modesRoutes adds to testRoutes a FastRoute of another type and loop
// handlers with their own fields and a 204.
func modesRoutes() *Routes {
	return testRoutes().
		Handle("GET", "/html", HTML("<p>hi</p>")).
		Handle("GET", "/loop-fields", LoopFunc(func(w *Response, r *Request) {
			w.SetContentType("text/plain")
			w.AddHeader("X-Loop", "1")
			w.AddHeader("X-Loop", "2")
			w.WriteString("fields")
		})).
		Handle("DELETE", "/loop-204", LoopFunc(func(w *Response, r *Request) {
			w.AddHeader("X-Deleted", "yes")
			w.WriteHeader(204)
		}))
}

func modesCases() []modeCase {
	const host = "Host: t\r\n"
	body5 := "Content-Length: 5\r\n\r\nhello"
	chunkedUpload := "Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" + chunkedBody("hello, world", 5, "X-Sum: 12")
	return []modeCase{
		{"FastRoute GET", get("/plaintext"), "", "GET", 200},
		{"FastRoute HEAD", "HEAD /plaintext HTTP/1.1\r\n" + host + "\r\n", "", "HEAD", 200},
		{"FastRoute HTML", get("/html"), "", "GET", 200},
		{"FastRoute absolute-form", "GET http://t/plaintext HTTP/1.1\r\n" + host + "\r\n", "", "GET", 200},
		{"FastRoute with a query", get("/plaintext?x=1"), "", "GET", 200},
		{"escaped path is not the FastRoute", get("/plain%74ext"), "", "GET", 404},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", "", "OPTIONS", 200},
		{"405 with Allow", "DELETE /plaintext HTTP/1.1\r\n" + host + "\r\n", "", "DELETE", 405},
		{"405 with a body", "PUT /plaintext HTTP/1.1\r\n" + host + body5, "", "PUT", 405},
		{"405 to HEAD", "HEAD /len HTTP/1.1\r\n" + host + "\r\n", "", "HEAD", 405},
		{"404 from the fallback", get("/nowhere"), "", "GET", 404},
		{"loop handler JSON", get("/json"), "", "GET", 200},
		{"loop handler HEAD", "HEAD /json HTTP/1.1\r\n" + host + "\r\n", "", "HEAD", 200},
		{"loop handler fields", get("/loop-fields"), "", "GET", 200},
		{"loop handler 204", "DELETE /loop-204 HTTP/1.1\r\n" + host + "\r\n", "", "DELETE", 204},
		{"loop handler POST body", "POST /len HTTP/1.1\r\n" + host + body5, "", "POST", 200},
		{"loop handler chunked POST", "POST /len HTTP/1.1\r\n" + host + chunkedUpload, "", "POST", 200},
		{"fallback echo, repeated fields", "GET /echo?q=1&q=2 HTTP/1.1\r\n" + host +
			"X-Multi: a\r\nx-multi: b\r\nX-Multi: c\r\nAccept-Encoding: gzip\r\nx-lower-case: v\r\n\r\n", "", "GET", 200},
		{"fallback echo POST", "POST /echo HTTP/1.1\r\n" + host + "Content-Type: text/plain\r\n" + body5, "", "POST", 200},
		{"fallback chunked upload with trailers", "PUT /echo HTTP/1.1\r\n" + host + chunkedUpload, "", "PUT", 200},
		{"fallback HEAD", "HEAD /head HTTP/1.1\r\n" + host + "\r\n", "", "HEAD", 200},
		{"fallback 204", get("/nocontent"), "", "GET", 204},
		{"fallback 304", get("/notmodified"), "", "GET", 304},
		{"fallback large body", get("/large"), "", "GET", 200},
		{"fallback Flush streaming", get("/flush"), "", "GET", 200},
		{"fallback HEAD, large body", "HEAD /large HTTP/1.1\r\n" + host + "\r\n", "", "HEAD", 200},
		{"fallback 103 Early Hints", get("/early-hints"), "", "GET", 200},
		{"fallback ignores a body", "POST /ignore HTTP/1.1\r\n" + host + body5, "", "POST", 200},
		{"Expect 100-continue, fallback reads",
			"POST /echo HTTP/1.1\r\n" + host + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n", "hello", "POST", 200},
		{"Expect 100-continue, body sent at once",
			"POST /echo HTTP/1.1\r\n" + host + "Expect: 100-continue\r\n" + body5, "", "POST", 200},
		{"Expect 100-continue, fallback ignores the body",
			"POST /ignore HTTP/1.1\r\n" + host + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n", "hello", "POST", 200},
		{"Expect 100-continue, fallback ignores a body sent at once",
			"POST /ignore HTTP/1.1\r\n" + host + "Expect: 100-continue\r\n" + body5, "", "POST", 200},
		{"Expect 100-continue, loop handler",
			"POST /len HTTP/1.1\r\n" + host + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n", "hello", "POST", 200},
		{"Expect 100-continue, FastRoute",
			"GET /plaintext HTTP/1.1\r\n" + host + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n", "hello", "GET", 200},
		{"Expect 100-continue, 405",
			"POST /plaintext HTTP/1.1\r\n" + host + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n", "hello", "POST", 405},
		{"HTTP/1.0 FastRoute", "GET /plaintext HTTP/1.0\r\n\r\n", "", "GET", 200},
		{"HTTP/1.0 FastRoute keep-alive", "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "", "GET", 200},
		{"HTTP/1.0 loop handler", "GET /json HTTP/1.0\r\n\r\n", "", "GET", 200},
		{"HTTP/1.0 loop handler keep-alive", "GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "", "GET", 200},
		{"HTTP/1.0 fallback", "GET /echo HTTP/1.0\r\n\r\n", "", "GET", 200},
		{"HTTP/1.0 fallback keep-alive", "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "", "GET", 200},
		{"HTTP/1.0 fallback large body", "GET /large HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "", "GET", 200},
		{"HTTP/1.0 405", "DELETE /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "", "DELETE", 405},
		{"Connection: close, FastRoute", "GET /plaintext HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", "", "GET", 200},
		{"Connection: close, loop handler", "GET /json HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", "", "GET", 200},
		{"Connection: close, fallback", "GET /echo HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", "", "GET", 200},
		{"Connection: close, fallback large body", "GET /large HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", "", "GET", 200},
		{"Connection: close from the handler", get("/handler-close"), "", "GET", 200},
		{"Connection: close, 405", "DELETE /plaintext HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", "", "DELETE", 405},
	}
}

// noFallbackCases run against a pair of servers without a Fallback: the
// engine's own 404.
func noFallbackCases() []modeCase {
	return []modeCase{
		{"404", get("/nowhere"), "", "GET", 404},
		{"404 to HEAD", "HEAD /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", "", "HEAD", 404},
		{"404 with a body", "POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", "", "POST", 404},
		{"404, Connection: close", "GET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "", "GET", 404},
		{"404 to HTTP/1.0", "GET /nowhere HTTP/1.0\r\n\r\n", "", "GET", 404},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n", "", "OPTIONS", 200},
		{"Expect 100-continue, 404",
			"POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", "hello", "POST", 404},
	}
}

func TestModesAnswerAlike(t *testing.T) {
	t.Parallel()
	runModes(t, modesRoutes(), modesFallback(), modesCases())
}

func TestModesAnswerAlikeWithoutFallback(t *testing.T) {
	t.Parallel()
	runModes(t, modesRoutes(), nil, noFallbackCases())
}

// runModes starts both servers from the same routes and fallback and
// compares their answers to every case.
func runModes(t *testing.T, routes *Routes, fb http.Handler, cases []modeCase) {
	perfCfg := testConfig()
	perfCfg.Fallback = fb
	perf := startTest(t, perfCfg, routes)
	stdCfg := perfCfg
	stdCfg.Mode = Standard
	std := startTest(t, stdCfg, routes)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := exchangeModes(t, perf, tc)
			s := exchangeModes(t, std, tc)
			if p.Status != tc.status {
				t.Errorf("Performance answered %d, want %d", p.Status, tc.status)
			}
			if s.Status != tc.status {
				t.Errorf("Standard answered %d, want %d", s.Status, tc.status)
			}
			for _, why := range excuse(tc, &p, &s) {
				t.Logf("excused: %s", why)
			}
			if !reflect.DeepEqual(p, s) {
				t.Errorf("the modes differ:%s", diffResults(p, s))
			}
		})
	}
}

// exchangeModes runs one case on a new connection. The response is read
// raw, so that every header field counts, Connection and
// Transfer-Encoding included (http.ReadResponse would fold them into
// Close and TransferEncoding).
func exchangeModes(t *testing.T, s *Server, tc modeCase) modeResult {
	t.Helper()
	c := dial(t, s)
	c.send(tc.req)
	var r modeResult
	for {
		r.Proto, r.Status, r.Header = readRawHead(t, c)
		if r.Status >= 100 && r.Status <= 199 {
			r.Interim = append(r.Interim, interim{r.Status, r.Header})
			if r.Status == 100 && tc.cont != "" {
				c.send(tc.cont)
			}
			continue
		}
		break
	}
	if r.Header.Get("Date") == "" {
		t.Errorf("no Date field")
	}
	r.Header.Del("Date")
	r.Body, r.Trailer = readRawBody(t, c, tc.method, r)
	r.Open = !c.connClosed()
	return r
}

// readRawHead reads a status line and the header section.
func readRawHead(t *testing.T, c *client) (proto string, status int, h http.Header) {
	t.Helper()
	tp := textproto.NewReader(c.br)
	line, err := tp.ReadLine()
	if err != nil {
		t.Fatalf("status line: %v", err)
	}
	var reason string
	if _, err := fmt.Sscanf(line, "%s %d %s", &proto, &status, &reason); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	mh, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	return proto, status, http.Header(mh)
}

// readRawBody reads the body as RFC 9112 §6.3 frames it: none for HEAD,
// 1xx, 204 and 304; chunked (with its trailer section); a Content-Length;
// or everything up to the end of the connection.
func readRawBody(t *testing.T, c *client, method string, r modeResult) (string, http.Header) {
	t.Helper()
	switch {
	case method == "HEAD" || r.Status == 204 || r.Status == 304:
		return "", nil
	case r.Header.Get("Transfer-Encoding") == "chunked":
		b, err := io.ReadAll(httputil.NewChunkedReader(c.br))
		if err != nil {
			t.Fatalf("chunked body: %v", err)
		}
		tr, err := textproto.NewReader(c.br).ReadMIMEHeader()
		if err != nil {
			t.Fatalf("trailer section: %v", err)
		}
		return string(b), http.Header(tr)
	case r.Header.Get("Content-Length") != "":
		n, err := strconv.Atoi(r.Header.Get("Content-Length"))
		if err != nil {
			t.Fatalf("Content-Length %q", r.Header.Get("Content-Length"))
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(c.br, b); err != nil {
			t.Fatalf("body: %v", err)
		}
		return string(b), nil
	}
	b, err := io.ReadAll(c.br) // ends with the connection
	if err != nil {
		t.Fatalf("close-delimited body: %v", err)
	}
	return string(b), nil
}

// excuse removes the differences listed at the top of this file, only
// where they apply and only in the exact form described, and says which.
func excuse(tc modeCase, p, s *modeResult) []string {
	var why []string
	for i := range min(len(p.Interim), len(s.Interim)) {
		ph, sh := p.Interim[i].Header, s.Interim[i].Header
		if ph.Get("Server") == "" && sh.Get("Server") == DefaultServerName {
			sh.Del("Server")
			why = append(why, "3. Server field on a 1xx only in Standard mode")
		}
	}
	if !strings.HasSuffix(requestLine(tc.req), " HTTP/1.0") {
		return why
	}
	if p.Proto == "HTTP/1.1" && s.Proto == "HTTP/1.0" {
		s.Proto = p.Proto
		why = append(why, "1. HTTP/1.1 answers an HTTP/1.0 request (net/http: HTTP/1.0)")
	}
	if !p.Open && !s.Open && p.Header.Get("Connection") == "close" && s.Header.Get("Connection") == "" {
		p.Header.Del("Connection")
		why = append(why, "2. Connection: close on the HTTP/1.1 answer that ends an HTTP/1.0 connection")
	}
	return why
}

func diffResults(p, s modeResult) string {
	var b strings.Builder
	pv, sv := reflect.ValueOf(p), reflect.ValueOf(s)
	for i := range pv.NumField() {
		name := pv.Type().Field(i).Name
		if name == "Header" {
			continue
		}
		if !reflect.DeepEqual(pv.Field(i).Interface(), sv.Field(i).Interface()) {
			fmt.Fprintf(&b, "\n  %s: performance %q, standard %q", name,
				fmt.Sprint(pv.Field(i).Interface()), fmt.Sprint(sv.Field(i).Interface()))
		}
	}
	keys := map[string]bool{}
	for k := range p.Header {
		keys[k] = true
	}
	for k := range s.Header {
		keys[k] = true
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		if !reflect.DeepEqual(p.Header[k], s.Header[k]) {
			fmt.Fprintf(&b, "\n  header %s: performance %q, standard %q", k, p.Header[k], s.Header[k])
		}
	}
	return b.String()
}

// Config.Limits.MaxBodyBytes holds in both modes: a Content-Length over
// it is refused with 413, and a chunked body that passes it fails the
// handler's read with *http.MaxBytesError (modesEcho reports the error).
func TestModesBodyLimit(t *testing.T) {
	t.Parallel()
	perfCfg := testConfig()
	perfCfg.Fallback = modesFallback()
	perfCfg.Limits.MaxBodyBytes = 1000
	perf := startTest(t, perfCfg, modesRoutes())
	stdCfg := perfCfg
	stdCfg.Mode = Standard
	std := startTest(t, stdCfg, modesRoutes())
	over := strings.Repeat("o", 1001)
	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"fallback, Content-Length", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n" + over, 413},
		{"loop handler, Content-Length", "POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n" + over, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, srv := range []struct {
				mode string
				s    *Server
			}{{"performance", perf}, {"standard", std}} {
				c := dial(t, srv.s)
				c.send(tc.req)
				if resp, body := c.read("POST"); resp.StatusCode != tc.status {
					t.Errorf("%s: %d %q, want %d", srv.mode, resp.StatusCode, clipBody(body), tc.status)
				}
			}
		})
	}
	t.Run("fallback, chunked", func(t *testing.T) {
		req := "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody(over, 600)
		var bodies []string
		for _, s := range []*Server{perf, std} {
			c := dial(t, s)
			c.send(req)
			_, body := c.read("POST")
			_, readErr, _ := strings.Cut(body, " err=") // modesEcho's report of the read
			bodies = append(bodies, readErr)
		}
		if want := "http: request body too large\n"; bodies[0] != want || bodies[1] != want {
			t.Errorf("the handler's read ended with\nperformance %q\nstandard    %q\nwant both %q (*http.MaxBytesError)",
				bodies[0], bodies[1], want)
		}
	})
}
