package fuzz

import (
	"bytes"
	"testing"

	"github.com/chopin-go/chopin/http1"
)

// The harness tests check the harness itself: a fuzz target that cannot
// fail finds nothing.

func seed(t *testing.T, name string) []byte {
	t.Helper()
	for _, s := range seeds {
		if s.name == name {
			return []byte(s.in)
		}
	}
	t.Fatalf("no seed %q", name)
	return nil
}

func TestConnPipelined(t *testing.T) {
	in := seed(t, "pipelined")
	out := runConn(http1.Limits{}, in, nil)
	if len(out.Msgs) != 4 || out.End != endClose {
		t.Fatalf("got %d requests, end %q; want 4, close\n%s", len(out.Msgs), out.End, out.String())
	}
	for i, want := range []string{"", "abc", "xyz", ""} {
		if string(out.Msgs[i].Body) != want {
			t.Errorf("request %d body %q, want %q", i, out.Msgs[i].Body, want)
		}
	}
	net := serveNetHTTP(in)
	if len(net.Msgs) != 4 || net.Err != nil {
		t.Fatalf("net/http read %d requests, err %v; want 4, nil", len(net.Msgs), net.Err)
	}
	for i := range out.Msgs {
		if err := compare(&out.Msgs[i], &net.Msgs[i]); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
}

func TestConnChunkedTrailers(t *testing.T) {
	out := runConn(http1.Limits{}, seed(t, "chunked_trailers"), nil)
	if len(out.Msgs) != 1 || out.End != endIdle {
		t.Fatalf("got %d requests, end %q\n%s", len(out.Msgs), out.End, out.String())
	}
	m := out.Msgs[0]
	want := []field{{"Expires", "never"}, {"X-Sum", "42"}}
	if string(m.Body) != "hello, world!!!" || len(m.Trailers) != 2 || m.Trailers[0] != want[0] || m.Trailers[1] != want[1] {
		t.Fatalf("body %q trailers %q", m.Body, m.Trailers)
	}
	if err := roundTrip(&m); err != nil {
		t.Fatal(err)
	}
}

func TestSplitPiecesCoverInput(t *testing.T) {
	in := seed(t, "browser")
	for s := uint64(0); s < 32; s++ {
		if got := bytes.Join(splitPieces(in, s), nil); !bytes.Equal(got, in) {
			t.Fatalf("seed %d: pieces join to %q", s, got)
		}
	}
}

// TestCompareDetects makes sure compare is not vacuous: a request changed
// in any compared respect must no longer agree with net/http.
func TestCompareDetects(t *testing.T) {
	in := []byte("POST /p?q=1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n0\r\nX-Sum: 42\r\nY: z\r\n\r\n")
	net := serveNetHTTP(in)
	if len(net.Msgs) != 1 {
		t.Fatalf("net/http: %v", net.Err)
	}
	base := runConn(http1.Limits{}, in, nil).Msgs[0]
	if err := compare(&base, &net.Msgs[0]); err != nil {
		t.Fatalf("unchanged request: %v", err)
	}
	edits := map[string]func(m *message){
		"method":     func(m *message) { m.Method = "PUT" },
		"target":     func(m *message) { m.Target += "x" },
		"path":       func(m *message) { m.Path += "x" },
		"query":      func(m *message) { m.Query, m.HasQuery = "", true },
		"minor":      func(m *message) { m.Minor = 0 },
		"host":       func(m *message) { m.Host = "b" },
		"header":     func(m *message) { m.Headers = append(m.Headers, field{"X", "y"}) },
		"chunked":    func(m *message) { m.Chunked = false },
		"keep-alive": func(m *message) { m.KeepAlive = false },
		"expect":     func(m *message) { m.Expect = true },
		"body":       func(m *message) { m.Body = append(m.Body, '!') },
		"trailer":    func(m *message) { m.Trailers = m.Trailers[:1] },
	}
	for name, edit := range edits {
		m := base
		m.Headers = append([]field(nil), base.Headers...)
		m.Body = bytes.Clone(base.Body)
		m.Trailers = append([]field(nil), base.Trailers...)
		edit(&m)
		if compare(&m, &net.Msgs[0]) == nil {
			t.Errorf("%s changed, compare still agrees", name)
		}
	}
}

// TestDifferencesAreNarrow checks that a request both sides read the same
// way matches no difference, had one side refused it.
func TestDifferencesAreNarrow(t *testing.T) {
	for _, name := range []string{"plain_get", "browser", "post_content_length", "pipelined", "absolute_form", "connect", "options_star"} {
		in := seed(t, name)
		out := runConn(http1.Limits{}, in, nil)
		d := &dispute{In: in, Msg: &out.Msgs[0]}
		if got := match(d); got != "" {
			t.Errorf("%s: matches difference %q", name, got)
		}
	}
}
