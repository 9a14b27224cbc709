package router

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"testing"
)

// h is the handler type the tests instantiate the router with: a name, so
// that a lookup shows which route it found.
type h = string

func mustAdd(t *testing.T, r *Router[h], method, path string, rt Route[h]) {
	t.Helper()
	if err := r.Add(method, path, rt); err != nil {
		t.Fatalf("Add(%q, %q): %v", method, path, err)
	}
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name, method, path string
		dup                bool // the error is ErrDuplicate
	}{
		{"empty method", "", "/a", false},
		{"empty path", "GET", "", false},
		{"relative path", "GET", "a", false},
		{"two stars", "OPTIONS", "**", false},
		{"absolute URL", "GET", "http://x/a", false},
		{"duplicate", "GET", "/a", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Router[h]
			mustAdd(t, &r, "GET", "/a", Route[h]{Handler: "first"})
			err := r.Add(tc.method, tc.path, Route[h]{Handler: "second"})
			if err == nil {
				t.Fatal("Add succeeded, want an error")
			}
			if got := errors.Is(err, ErrDuplicate); got != tc.dup {
				t.Fatalf("errors.Is(%v, ErrDuplicate) = %v, want %v", err, got, tc.dup)
			}
			if !strings.HasPrefix(err.Error(), "router: ") {
				t.Fatalf("error %q does not start with the package name", err)
			}
			// The first route is untouched by the refused one.
			rt, _ := r.Lookup([]byte("GET"), []byte("/a"))
			if rt == nil || rt.Handler != "first" {
				t.Fatalf("after the refused Add, GET /a = %+v", rt)
			}
		})
	}
}

func TestAddAccepts(t *testing.T) {
	var r Router[h]
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"},
		{"OPTIONS", "*"},
		{"GET", "/a"},
		{"POST", "/a"},   // same path, other method
		{"get", "/a"},    // methods are case-sensitive (RFC 9110 §9.1)
		{"GET", "/a/"},   // matched byte for byte: a different path
		{"GET", "/A"},    // paths are case-sensitive
		{"BREW", "/pot"}, // any token is a method
	} {
		mustAdd(t, &r, tc.method, tc.path, Route[h]{Handler: tc.method + " " + tc.path})
	}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"}, {"OPTIONS", "*"}, {"GET", "/a"}, {"POST", "/a"}, {"get", "/a"},
		{"GET", "/a/"}, {"GET", "/A"}, {"BREW", "/pot"},
	} {
		rt, p := r.Lookup([]byte(tc.method), []byte(tc.path))
		if rt == nil || p == nil || rt.Handler != tc.method+" "+tc.path || rt.Method != tc.method {
			t.Errorf("Lookup(%q, %q) = %+v, %v", tc.method, tc.path, rt, p)
		}
	}
}

func TestLookup(t *testing.T) {
	var r Router[h]
	mustAdd(t, &r, "GET", "/get", Route[h]{Handler: "get"})
	mustAdd(t, &r, "POST", "/post", Route[h]{Handler: "post"})
	mustAdd(t, &r, "GET", "/both", Route[h]{Handler: "both get"})
	mustAdd(t, &r, "POST", "/both", Route[h]{Handler: "both post"})
	mustAdd(t, &r, "GET", "/own-head", Route[h]{Handler: "own get"})
	mustAdd(t, &r, "HEAD", "/own-head", Route[h]{Handler: "own head"})
	mustAdd(t, &r, "HEAD", "/head-only", Route[h]{Handler: "head only"})
	mustAdd(t, &r, "PUT", "/put", Route[h]{Handler: "put"})
	mustAdd(t, &r, "DELETE", "/put", Route[h]{Handler: "delete"})

	tests := []struct {
		method, path string
		want         string // the handler found; "" for none
		allow        string // the Path's Allow; "" for an unknown path
	}{
		{"GET", "/get", "get", "GET, HEAD"},
		{"HEAD", "/get", "get", "GET, HEAD"}, // HEAD falls back to GET
		{"POST", "/get", "", "GET, HEAD"},    // 405
		{"DELETE", "/get", "", "GET, HEAD"},
		{"get", "/get", "", "GET, HEAD"}, // case-sensitive method
		{"POST", "/post", "post", "POST"},
		{"GET", "/post", "", "POST"},
		{"HEAD", "/post", "", "POST"}, // no GET to fall back to
		{"GET", "/both", "both get", "GET, POST, HEAD"},
		{"POST", "/both", "both post", "GET, POST, HEAD"},
		{"HEAD", "/both", "both get", "GET, POST, HEAD"},
		{"PATCH", "/both", "", "GET, POST, HEAD"},
		{"HEAD", "/own-head", "own head", "GET, HEAD"}, // an explicit HEAD route wins
		{"GET", "/own-head", "own get", "GET, HEAD"},
		{"HEAD", "/head-only", "head only", "HEAD"},
		{"GET", "/head-only", "", "HEAD"},
		{"PUT", "/put", "put", "PUT, DELETE"},
		{"GET", "/put", "", "PUT, DELETE"},
		{"GET", "/nowhere", "", ""},
		{"GET", "/get/", "", ""}, // exact match only
		{"GET", "/GET", "", ""},
		{"GET", "/get?x=1", "", ""}, // the caller passes the path without the query
		{"GET", "", "", ""},
		{"GET", "*", "", ""},
	}
	for _, tc := range tests {
		rt, p := r.Lookup([]byte(tc.method), []byte(tc.path))
		switch {
		case tc.want != "" && (rt == nil || rt.Handler != tc.want):
			t.Errorf("Lookup(%q, %q) route = %+v, want %q", tc.method, tc.path, rt, tc.want)
		case tc.want == "" && rt != nil:
			t.Errorf("Lookup(%q, %q) route = %+v, want nil", tc.method, tc.path, rt)
		}
		switch {
		case tc.allow == "" && p != nil:
			t.Errorf("Lookup(%q, %q) path = %+v, want nil", tc.method, tc.path, p)
		case tc.allow != "" && p == nil:
			t.Errorf("Lookup(%q, %q) path = nil, want Allow %q", tc.method, tc.path, tc.allow)
		case tc.allow != "" && p.Allow != tc.allow:
			t.Errorf("Lookup(%q, %q) Allow = %q, want %q", tc.method, tc.path, p.Allow, tc.allow)
		}
	}
}

func TestLookupEmptyRouter(t *testing.T) {
	var r Router[h]
	if rt, p := r.Lookup([]byte("GET"), []byte("/")); rt != nil || p != nil {
		t.Fatalf("zero Router: Lookup = %v, %v", rt, p)
	}
	r.SetDate(bytes.Repeat([]byte("x"), dateLen)) // no statics: nothing to do
}

// Lookup returns a pointer into the router: the same route each time, so
// the engine can compare or keep it.
func TestLookupStablePointer(t *testing.T) {
	var r Router[h]
	mustAdd(t, &r, "GET", "/a", Route[h]{Handler: "a"})
	a1, p1 := r.Lookup([]byte("GET"), []byte("/a"))
	a2, p2 := r.Lookup([]byte("HEAD"), []byte("/a"))
	if a1 != a2 || p1 != p2 {
		t.Fatalf("GET and HEAD found different routes: %p %p, %p %p", a1, a2, p1, p2)
	}
}

func TestEach(t *testing.T) {
	var r Router[h]
	mustAdd(t, &r, "GET", "/a", Route[h]{Handler: "1"})
	mustAdd(t, &r, "POST", "/a", Route[h]{Handler: "2"})
	mustAdd(t, &r, "GET", "/b", Route[h]{Static: NewStatic("", "text/plain", []byte("b"))})
	var got []string
	r.Each(func(path string, rt *Route[h]) {
		got = append(got, rt.Method+" "+path+" "+rt.Handler)
	})
	sort.Strings(got)
	want := []string{"GET /a 1", "GET /b ", "POST /a 2"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Each visited %q, want %q", got, want)
	}
}

const (
	date1 = "Sun, 06 Nov 1994 08:49:37 GMT"
	date2 = "Mon, 07 Nov 1994 09:50:38 GMT"
)

func TestStaticBytes(t *testing.T) {
	tests := []struct {
		name, server, ct, body string
		head                   string // the head as formatted with date1
	}{
		{"with server", "chopin", "text/plain", "Hello, World!",
			"HTTP/1.1 200 OK\r\nServer: chopin\r\nDate: " + date1 + "\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"},
		{"no server", "", "application/json", `{"a":1}`,
			"HTTP/1.1 200 OK\r\nDate: " + date1 + "\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n"},
		{"empty body", "s", "text/html; charset=utf-8", "",
			"HTTP/1.1 200 OK\r\nServer: s\r\nDate: " + date1 + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 0\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewStatic(tc.server, tc.ct, []byte(tc.body))
			if s.ContentType != tc.ct || string(s.Body) != tc.body {
				t.Fatalf("fields: %q %q", s.ContentType, s.Body)
			}
			// Before any SetDate the date is a placeholder of the
			// right length, so offsets never move.
			if got, want := len(s.Response(false)), len(tc.head)+len(tc.body); got != want {
				t.Fatalf("initial response is %d bytes, want %d", got, want)
			}
			s.SetDate([]byte(date1))
			if got := string(s.Response(false)); got != tc.head+tc.body {
				t.Fatalf("GET bytes:\n%q\nwant\n%q", got, tc.head+tc.body)
			}
			if got := string(s.Response(true)); got != tc.head {
				t.Fatalf("HEAD bytes:\n%q\nwant\n%q", got, tc.head)
			}
		})
	}
}

func TestStaticSetDateKeepsOldSlices(t *testing.T) {
	body := []byte("Hello, World!")
	s := NewStatic("chopin", "text/plain", body)
	s.SetDate([]byte(date1))
	oldGet, oldHead := s.Response(false), s.Response(true)
	keepGet, keepHead := bytes.Clone(oldGet), bytes.Clone(oldHead)

	s.SetDate([]byte(date2))
	newGet, newHead := s.Response(false), s.Response(true)
	if !bytes.Equal(oldGet, keepGet) || !bytes.Equal(oldHead, keepHead) {
		t.Fatal("SetDate modified bytes a reader already held")
	}
	if want := bytes.Replace(keepGet, []byte(date1), []byte(date2), 1); !bytes.Equal(newGet, want) {
		t.Fatalf("GET after SetDate:\n%q\nwant\n%q", newGet, want)
	}
	if want := bytes.Replace(keepHead, []byte(date1), []byte(date2), 1); !bytes.Equal(newHead, want) {
		t.Fatalf("HEAD after SetDate:\n%q\nwant\n%q", newHead, want)
	}
	// A reader appending to the HEAD slice must not write into the GET
	// bytes that follow it in the same buffer.
	_ = append(newHead, "XXXX"...)
	if !bytes.HasSuffix(s.Response(false), body) {
		t.Fatal("appending to the HEAD slice overwrote the body")
	}
	if string(body) != "Hello, World!" {
		t.Fatal("the caller's body was modified")
	}
}

func TestRouterSetDate(t *testing.T) {
	var r Router[h]
	a := NewStatic("", "text/plain", []byte("a"))
	b := NewStatic("", "text/plain", []byte("b"))
	mustAdd(t, &r, "GET", "/a", Route[h]{Static: a})
	mustAdd(t, &r, "GET", "/b", Route[h]{Static: b})
	mustAdd(t, &r, "GET", "/c", Route[h]{Handler: "c"})
	r.SetDate([]byte(date2))
	for _, s := range []*Static{a, b} {
		if !bytes.Contains(s.Response(false), []byte("Date: "+date2+"\r\n")) ||
			!bytes.Contains(s.Response(true), []byte("Date: "+date2+"\r\n")) {
			t.Fatalf("Router.SetDate did not reach %q: %q", s.Body, s.Response(false))
		}
	}
	rt, _ := r.Lookup([]byte("HEAD"), []byte("/a"))
	if rt == nil || rt.Static != a {
		t.Fatalf("HEAD /a = %+v, want the static route", rt)
	}
}

// Readers load while the date changes: the race detector checks that
// publishing is safe, and every slice a reader sees is whole.
func TestStaticConcurrentSetDate(t *testing.T) {
	s := NewStatic("chopin", "text/plain", []byte("x"))
	s.SetDate([]byte(date1))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			if i%2 == 0 {
				s.SetDate([]byte(date2))
			} else {
				s.SetDate([]byte(date1))
			}
		}
	}()
	for range 1000 {
		b := s.Response(false)
		if !bytes.Contains(b, []byte(date1)) && !bytes.Contains(b, []byte(date2)) {
			t.Fatalf("torn response %q", b)
		}
	}
	<-done
}
