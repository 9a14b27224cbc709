package fallback

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/chopin-go/chopin/http1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestNewRequest covers what the differential test cannot send through
// net/http's client side: CONNECT, versions above 1.1, RemoteAddr.
func TestNewRequest(t *testing.T) {
	tests := []struct {
		name, raw string
		want      http.Request
	}{
		{"CONNECT authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", http.Request{
			Method: "CONNECT", URL: &url.URL{Host: "example.com:443"}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Host: "example.com:443", RequestURI: "example.com:443", Body: http.NoBody,
		}},
		{"HTTP/1.2", "GET /v HTTP/1.2\r\nHost: a\r\nX: 1\r\n\r\n", http.Request{
			Method: "GET", URL: &url.URL{Path: "/v"}, Proto: "HTTP/1.2", ProtoMajor: 1, ProtoMinor: 2,
			Header: http.Header{"X": {"1"}}, Host: "a", RequestURI: "/v", Body: http.NoBody,
		}},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", http.Request{
			Method: "GET", URL: &url.URL{Path: "/"}, Proto: "HTTP/1.0", ProtoMajor: 1, ProtoMinor: 0,
			Header: http.Header{"Connection": {"keep-alive"}}, RequestURI: "/", Body: http.NoBody,
		}},
		{"HTTP/1.0 close", "GET / HTTP/1.0\r\n\r\n", http.Request{
			Method: "GET", URL: &url.URL{Path: "/"}, Proto: "HTTP/1.0", ProtoMajor: 1, ProtoMinor: 0,
			Header: http.Header{}, RequestURI: "/", Body: http.NoBody, Close: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJob(t, tt.raw)
			got, err := newRequest(context.Background(), j.Job, &j.head)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.RemoteAddr = "192.0.2.1:1234"
			opts := cmp.Options{cmpopts.IgnoreUnexported(http.Request{}), cmpopts.IgnoreFields(http.Request{}, "Body")}
			if d := cmp.Diff(&tt.want, got, opts); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if got.Body != http.NoBody {
				t.Errorf("Body %T, want http.NoBody", got.Body)
			}
		})
	}
}

func TestRequestOwnsItsStrings(t *testing.T) {
	j := newJob(t, "GET /p?q HTTP/1.1\r\nHost: a\r\nX-Value: original\r\n\r\n")
	req, err := newRequest(context.Background(), j.Job, &j.head)
	if err != nil {
		t.Fatal(err)
	}
	for i := range j.Head {
		j.Head[i] = '!' // the engine reuses its buffers
	}
	if req.Header.Get("X-Value") != "original" || req.URL.RawQuery != "q" || req.Method != "GET" || req.Host != "a" {
		t.Errorf("request changed with the head: %+v", req)
	}
}

func TestHeadStringsSub(t *testing.T) {
	head := []byte("GET / HTTP/1.1\r\n")
	hs := headStrings{b: head, s: string(head)}
	if got := hs.sub(head[4:5]); got != "/" {
		t.Errorf("sub = %q", got)
	}
	other := []byte("x") // not from head, even if its capacity fits
	if got := hs.sub(other); got != "x" {
		t.Errorf("sub of a foreign slice = %q", got)
	}
	if got := hs.sub(nil); got != "" {
		t.Errorf("sub(nil) = %q", got)
	}
}

func TestHasToken(t *testing.T) {
	tests := []struct {
		v, token string
		want     bool
	}{
		{"close", "close", true},
		{"Keep-Alive, Upgrade", "upgrade", true},
		{"keep-alive close", "close", true},
		{"closed", "close", false},
		{"", "close", false},
		{"foo,\tCLOSE", "close", true},
	}
	for _, tt := range tests {
		if got := hasToken(tt.v, tt.token); got != tt.want {
			t.Errorf("hasToken(%q, %q) = %v", tt.v, tt.token, got)
		}
	}
}

func TestForeachElement(t *testing.T) {
	var got []string
	foreachElement(" a, ,b ,\tc,", func(e string) { got = append(got, e) })
	if d := cmp.Diff([]string{"a", "b", "c"}, got); d != "" {
		t.Error(d)
	}
}

func TestTargetForms(t *testing.T) {
	u, err := requestURL(http1.AsteriskForm, "*")
	if err != nil || u.Path != "*" || u.Host != "" {
		t.Errorf("asterisk-form: %#v, %v", u, err)
	}
	if _, err := requestURL(http1.AbsoluteForm, "http://[::1/x"); err == nil {
		t.Error("a malformed authority parsed")
	}
}
