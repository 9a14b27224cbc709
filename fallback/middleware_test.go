package fallback

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestChainOrder(t *testing.T) {
	var trace []string
	mw := func(name string) Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				trace = append(trace, name+" in")
				next.ServeHTTP(w, r)
				trace = append(trace, name+" out")
			})
		}
	}
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { trace = append(trace, "handler") }),
		mw("first"), mw("second"))
	run(t, get11, h.ServeHTTP)
	want := "first in,second in,handler,second out,first out"
	if got := strings.Join(trace, ","); got != want {
		t.Errorf("order %s, want %s", got, want)
	}
	if p := (&ptrHandler{}); Chain(p) != http.Handler(p) {
		t.Error("Chain without middleware must return h")
	}
}

type ptrHandler struct{}

func (*ptrHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

func TestNilLoggers(t *testing.T) {
	h := &ptrHandler{}
	if Logging(nil)(h) != http.Handler(h) {
		t.Error("Logging(nil) must not wrap")
	}
	_, r := run(t, get11, Recover(nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("x") })).ServeHTTP)
	if r.Status != 500 {
		t.Errorf("Recover(nil): %d", r.Status)
	}
}

// bothServers runs h on req through the bridge and through net/http's
// Server, returning the bridge's and net/http's results.
func bothServers(t *testing.T, req string, h http.Handler) (ours, std result) {
	t.Helper()
	std = stdResult(t, diffCase{req: req, h: h.ServeHTTP})
	_, ours = run(t, req, h.ServeHTTP)
	return ours, std
}

func logLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestLogging(t *testing.T) {
	for _, server := range []string{"bridge", "net/http"} {
		t.Run(server, func(t *testing.T) {
			logs := &syncBuffer{}
			h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				_, _ = io.Copy(w, strings.NewReader("hello")) // through ReadFrom
				_, _ = io.WriteString(w, "!")
			}), Logging(slog.New(slog.NewJSONHandler(logs, nil))))
			if server == "bridge" {
				run(t, "GET /x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n", h.ServeHTTP)
			} else {
				stdResult(t, diffCase{req: "GET /x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n", h: h.ServeHTTP})
			}
			lines := logLines(t, logs.String())
			if len(lines) != 1 {
				t.Fatalf("%d log lines: %s", len(lines), logs)
			}
			l := lines[0]
			if l["msg"] != "request" || l["method"] != "GET" || l["uri"] != "/x?y=1" ||
				l["status"] != float64(201) || l["bytes"] != float64(6) || l["remote"] == "" || l["aborted"] != nil {
				t.Errorf("log line %v", l)
			}
			if d, ok := l["duration"].(float64); !ok || d < 0 {
				t.Errorf("duration %v", l["duration"])
			}
		})
	}
}

func TestRecover(t *testing.T) {
	tests := []struct {
		name    string
		h       http.HandlerFunc
		status  int
		body    string
		logged  bool
		noReply bool // net/http answers nothing
		kept    bool // the connection serves another request
	}{
		{"before writing", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip") // must not survive into the 500
			panic("boom")
		}, 500, "Internal Server Error\n", true, false, true},
		{"after flush", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic("boom")
		}, 200, "partial", true, false, false},
		{"abort passes through", func(w http.ResponseWriter, r *http.Request) {
			panic(http.ErrAbortHandler)
		}, 500, "Internal Server Error\n", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			h := Chain(tt.h, Logging(slog.New(slog.NewJSONHandler(logs, nil))), Recover(slog.New(slog.NewJSONHandler(logs, nil))))
			ours, std := bothServers(t, get11, h)
			if ours.Status != tt.status || ours.Body != tt.body || ours.Kept != tt.kept || ours.Header.Get("Content-Encoding") != "" {
				t.Errorf("bridge: %+v", ours)
			}
			if std.NoResponse != tt.noReply || !tt.noReply && (std.Status != tt.status || std.Body != tt.body || std.Kept != tt.kept) {
				t.Errorf("net/http: %+v", std)
			}
			var panics, requests int
			for _, l := range logLines(t, logs.String()) {
				switch l["msg"] {
				case "fallback: handler panicked":
					panics++
					if s, _ := l["stack"].(string); !strings.Contains(s, "middleware_test.go") {
						t.Errorf("no stack in %v", l)
					}
				case "request":
					requests++
				}
			}
			if want := map[bool]int{true: 2, false: 0}[tt.logged]; panics != want {
				t.Errorf("%d panic lines, want %d (one per server): %s", panics, want, logs)
			}
			if requests != 2 {
				t.Errorf("%d request lines, want 2: %s", requests, logs)
			}
		})
	}
}

func TestRecorderKeepsInterfaces(t *testing.T) {
	errs := make(chan error, 3)
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		errs <- rc.SetReadDeadline(time.Now().Add(time.Minute)) // via Unwrap
		_, _, err := rc.Hijack()
		errs <- err
		_, _ = io.WriteString(w, "x")
		errs <- rc.Flush()
	}), Logging(slog.New(slog.DiscardHandler)), Recover(nil))
	_, r := run(t, get11, h.ServeHTTP)
	for i, want := range []error{nil, ErrHijackUnsupported, nil} {
		if err := <-errs; err != want {
			t.Errorf("call %d: %v, want %v", i, err, want)
		}
	}
	if r.Body != "x" || r.TE[0] != "chunked" {
		t.Errorf("%+v", r)
	}
}
