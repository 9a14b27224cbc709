package reqjson

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type item struct {
	Name  string           `json:"name"`
	Count int              `json:"count"`
	Tags  []string         `json:"tags"`
	Inner *struct{ X int } `json:"inner"`
	Attrs map[string]int   `json:"attrs"`
}

func TestDecode(t *testing.T) {
	big := `{"name":"` + strings.Repeat("a", 200) + `"}`
	tests := []struct {
		name, ctype, body string
		opt               Options
		status            int    // 0: decoded
		reason            string // for an error
		want              item
	}{
		{"ok", "application/json", `{"name":"a","count":2,"tags":["x"]}`, Options{}, 0, "", item{Name: "a", Count: 2, Tags: []string{"x"}}},
		{"charset", "application/json; charset=UTF-8", `{"count":1}`, Options{}, 0, "", item{Count: 1}},
		{"+json", "application/merge-patch+json", `{"count":1}`, Options{}, 0, "", item{Count: 1}},
		{"white space around", "application/json", " \n{\"count\":3}\n\t ", Options{}, 0, "", item{Count: 3}},
		{"at the limit", "application/json", big, Options{MaxBytes: int64(len(big))}, 0, "", item{Name: strings.Repeat("a", 200)}},
		{"unknown allowed", "application/json", `{"nom":1,"count":4}`, Options{AllowUnknownFields: true}, 0, "", item{Count: 4}},

		{"no content type", "", `{}`, Options{}, 415, "the Content-Type must be application/json", item{}},
		{"text/plain", "text/plain", `{}`, Options{}, 415, "the Content-Type must be application/json", item{}},
		{"form", "application/x-www-form-urlencoded", `a=1`, Options{}, 415, "the Content-Type must be application/json", item{}},
		{"bad media type", "application/json; =", `{}`, Options{}, 415, "the Content-Type must be application/json", item{}},
		{"latin-1", "application/json; charset=latin1", `{}`, Options{}, 415, "the charset must be utf-8", item{}},

		{"over the limit", "application/json", big, Options{MaxBytes: int64(len(big)) - 1}, 413, "the request body is larger than 210 bytes", item{}},
		{"trailing over the limit", "application/json", `{}` + strings.Repeat(" ", 100) + "x", Options{MaxBytes: 50}, 413, "the request body is larger than 50 bytes", item{}},

		{"unsized over the limit", "application/json", big, Options{MaxBytes: 100}, 413, "the request body is larger than 100 bytes", item{}},
		{"unsized trailing over the limit", "application/json", `{}` + strings.Repeat(" ", 100), Options{MaxBytes: 50}, 413, "the request body is larger than 50 bytes", item{}},
		{"empty", "application/json", ``, Options{}, 400, "the request body is empty", item{}},
		{"only space", "application/json", "  \n", Options{}, 400, "the request body is empty", item{}},
		{"truncated", "application/json", `{"name":"a`, Options{}, 400, "the request body ends inside its JSON value", item{}},
		{"syntax", "application/json", `{"name" "a"}`, Options{}, 400, "malformed JSON at byte offset 9", item{}},
		{"wrong type", "application/json", `{"count":"2"}`, Options{}, 400, `field "count" must be an integer`, item{}},
		{"wrong nested type", "application/json", `{"inner":{"X":true}}`, Options{}, 400, `field "inner.X" must be an integer`, item{}},
		{"not an object", "application/json", `[1,2]`, Options{}, 400, "a value has the wrong JSON type", item{}},
		{"map value", "application/json", `{"attrs":{"<script>":"x"}}`, Options{}, 400, `field "attrs" must be an integer`, item{}},
		{"unknown field", "application/json", `{"nom":1}`, Options{}, 400, `unknown field "nom"`, item{}},
		{"unknown field not echoed", "application/json", `{"<b>":1}`, Options{}, 400, "unknown field", item{}},
		{"two values", "application/json", `{} {}`, Options{}, 400, "the request body holds more than one JSON value", item{}},
		{"trailing garbage", "application/json", `{}x`, Options{}, 400, "the request body holds data after its JSON value", item{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			if strings.HasPrefix(tt.name, "unsized") {
				r.ContentLength = -1 // as a chunked body: the limit is met while reading
			}
			var got item
			err := Decode(httptest.NewRecorder(), r, &got, tt.opt)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				gb, _ := json.Marshal(got)
				wb, _ := json.Marshal(tt.want)
				if string(gb) != string(wb) {
					t.Errorf("decoded %s, want %s", gb, wb)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status || e.Reason != tt.reason {
				t.Fatalf("Decode: %#v, want %d %q", err, tt.status, tt.reason)
			}
			if !strings.HasPrefix(e.Error(), "reqjson: ") {
				t.Errorf("Error() = %q", e.Error())
			}
		})
	}
}

// TestDeclaredLength: a Content-Length past the limit is refused before
// a byte of the body is read.
func TestDeclaredLength(t *testing.T) {
	r := httptest.NewRequest("POST", "/", failingReader{})
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = 1 << 30
	var e *Error
	if err := Decode(httptest.NewRecorder(), r, &item{}, Options{}); !errors.As(err, &e) || e.Status != 413 {
		t.Fatalf("Decode: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read") }

func TestReadError(t *testing.T) {
	r := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader(`{"na`), failingReader{}))
	r.Header.Set("Content-Type", "application/json")
	var e *Error
	err := Decode(httptest.NewRecorder(), r, &item{}, Options{})
	if !errors.As(err, &e) || e.Status != 400 || e.Reason != "reading the request body failed" || e.Unwrap() == nil {
		t.Fatalf("Decode: %#v", err)
	}
}

func TestBadTarget(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	var e *Error
	if err := Decode(httptest.NewRecorder(), r, item{}, Options{}); !errors.As(err, &e) || e.Status != 500 {
		t.Fatalf("Decode into a non-pointer: %v", err)
	}
}

func TestBind(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in item
		if !Bind(w, r, &in, Options{MaxBytes: 32}) {
			return
		}
		w.Write([]byte("hello " + in.Name))
	})
	tests := []struct {
		ctype, body string
		status      int
		resp        string
	}{
		{"application/json", `{"name":"x"}`, 200, "hello x"},
		{"text/plain", `{"name":"x"}`, 415, `{"error":"the Content-Type must be application/json"}` + "\n"},
		{"application/json", `{"name":"` + strings.Repeat("y", 40) + `"}`, 413, `{"error":"the request body is larger than 32 bytes"}` + "\n"},
		{"application/json", `{"name":1}`, 400, `{"error":"field \"name\" must be a string"}` + "\n"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		r.Header.Set("Content-Type", tt.ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != tt.status || rec.Body.String() != tt.resp {
			t.Errorf("%s %q: %d %q, want %d %q", tt.ctype, tt.body, rec.Code, rec.Body, tt.status, tt.resp)
		}
		if tt.status != 200 && rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("error Content-Type %q", rec.Header().Get("Content-Type"))
		}
	}
	rec := httptest.NewRecorder()
	WriteError(rec, errors.New("not ours"))
	if rec.Code != 500 || rec.Body.String() != `{"error":"internal error"}`+"\n" {
		t.Errorf("WriteError(other): %d %q", rec.Code, rec.Body)
	}
}
