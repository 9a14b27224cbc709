package http1

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAppendStatusLine compares the status line of every registered code,
// and of some unregistered ones, with testdata/responses/status_lines.golden.
func TestAppendStatusLine(t *testing.T) {
	codes := slices.Sorted(maps.Keys(statusText))
	// Unregistered or unnamed here: 103 Early Hints, 207 Multi-Status,
	// 418 (Unused), 451 Unavailable For Legal Reasons, 511, and the edges.
	codes = append(codes, 103, 207, 299, 418, 451, 499, 511, 599)
	var b strings.Builder
	b.WriteString("# AppendStatusLine(nil, code) for each code, as a Go-quoted string.\n")
	b.WriteString("# Unregistered codes get the reason \"Status\" (status.go).\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "%d %q\n", c, AppendStatusLine(nil, c))
	}
	golden(t, "status_lines.golden", b.String())
}

// TestStatusLines checks that each preformatted line is the one the
// general path would write, and that every registered code has one.
func TestStatusLines(t *testing.T) {
	for code, line := range statusLines {
		if line == "" {
			if _, registered := statusText[code]; registered {
				t.Errorf("registered code %d has no preformatted line", code)
			}
			continue
		}
		want := "HTTP/1.1 " + strconv.Itoa(code) + " " + StatusText(code) + "\r\n"
		if line != want {
			t.Errorf("statusLines[%d] = %q, want %q", code, line, want)
		}
	}
	if statusLines[200] == "" {
		t.Error("200 has no preformatted line")
	}
}

func TestAppendKeepsDst(t *testing.T) {
	dst := []byte("prefix|")
	for _, tt := range []struct {
		name string
		got  []byte
		want string
	}{
		{"common status", AppendStatusLine(dst, 404), "HTTP/1.1 404 Not Found\r\n"},
		{"other status", AppendStatusLine(dst, 418), "HTTP/1.1 418 Status\r\n"},
		{"header", AppendHeader(dst, "Content-Type", "text/plain"), "Content-Type: text/plain\r\n"},
		{"empty header value", AppendHeader(dst, "X", ""), "X: \r\n"},
		{"length 0", AppendContentLength(dst, 0), "Content-Length: 0\r\n"},
		{"length", AppendContentLength(dst, 1234567), "Content-Length: 1234567\r\n"},
		{"max length", AppendContentLength(dst, 1<<63-1), "Content-Length: 9223372036854775807\r\n"},
	} {
		if string(tt.got) != "prefix|"+tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, "prefix|"+tt.want)
		}
	}
}

func TestAppendChunk(t *testing.T) {
	for _, tt := range []struct {
		n    int
		size string // the hex size line, lowercase (RFC 9112 §7.1)
	}{
		{1, "1"}, {9, "9"}, {10, "a"}, {15, "f"}, {16, "10"}, {255, "ff"}, {256, "100"}, {4096, "1000"},
	} {
		p := []byte(strings.Repeat("x", tt.n))
		want := tt.size + "\r\n" + string(p) + "\r\n"
		if got := AppendChunk([]byte("|"), p); string(got) != "|"+want {
			t.Errorf("AppendChunk(%d bytes) = %q, want %q", tt.n, got, "|"+want)
		}
	}
	// A zero-size chunk would be the last chunk: an empty p writes nothing.
	if got := AppendChunk([]byte("|"), nil); string(got) != "|" {
		t.Errorf("AppendChunk(nil) = %q, want nothing appended", got)
	}
}

func TestAppendLastChunk(t *testing.T) {
	for _, tt := range []struct {
		name     string
		trailers []string
		want     string
	}{
		{"no trailers", nil, "0\r\n\r\n"},
		{"trailers", []string{"Expires", "0", "X-Sum", "abc"}, "0\r\nExpires: 0\r\nX-Sum: abc\r\n\r\n"},
		{"odd count drops the last name", []string{"A", "1", "B"}, "0\r\nA: 1\r\n\r\n"},
	} {
		if got := AppendLastChunk(nil, tt.trailers...); string(got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestValidHeaderName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"Content-Type", true},
		{"x_y", true},
		{"!#$%&'*+-.^_`|~09AZaz", true},
		{"", false},
		{"a b", false},
		{"a:b", false},
		{"a\r\nb", false},
		{"é", false},
		{"(a)", false},
		{"a\x00", false},
	} {
		if got := ValidHeaderName(tt.name); got != tt.ok {
			t.Errorf("ValidHeaderName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestValidHeaderValue(t *testing.T) {
	for _, tt := range []struct {
		value string
		ok    bool
	}{
		{"", true},
		{"text/plain; charset=utf-8", true},
		{"a\tb", true},
		{" padded ", true},
		{"caf\xc3\xa9 \xff", true}, // obs-text
		{"a\r\nX-Injected: 1", false},
		{"a\rb", false},
		{"a\nb", false},
		{"a\x00b", false},
		{"a\x1fb", false},
		{"a\x7fb", false},
	} {
		if got := ValidHeaderValue(tt.value); got != tt.ok {
			t.Errorf("ValidHeaderValue(%q) = %v, want %v", tt.value, got, tt.ok)
		}
	}
}

// TestValidHeaderAgreesWithParser checks, byte by byte, that the writer's
// checks accept exactly what the parser accepts in a request.
func TestValidHeaderAgreesWithParser(t *testing.T) {
	parses := func(field string) bool {
		var p Parser
		var r Request
		_, err := p.ParseHead([]byte("GET / HTTP/1.1\r\nHost: a\r\n"+field+"\r\n\r\n"), &r)
		return err == nil
	}
	for c := range 256 {
		s := string([]byte{byte(c)})
		// "a:: v" is the field "a" with the value ": v"; ':' is tested above.
		if got, want := ValidHeaderName("a"+s), parses("a"+s+": v"); got != want && c != ':' {
			t.Errorf("byte %#x in a name: ValidHeaderName %v, parser accepts %v", c, got, want)
		}
		if got, want := ValidHeaderValue("a"+s+"b"), parses("X: a"+s+"b"); got != want {
			t.Errorf("byte %#x in a value: ValidHeaderValue %v, parser accepts %v", c, got, want)
		}
	}
}

func TestBodyAllowed(t *testing.T) {
	for _, tt := range []struct {
		code int
		ok   bool
	}{
		{100, false}, {101, false}, {103, false}, {199, false}, // RFC 9110 §15.2
		{200, true}, {201, true}, {203, true},
		{204, false}, // RFC 9110 §15.3.5
		{205, true},  // its content must be empty, but framing allows it
		{206, true}, {301, true},
		{304, false}, // RFC 9110 §15.4.5
		{404, true}, {500, true}, {599, true},
	} {
		if got := BodyAllowed(tt.code); got != tt.ok {
			t.Errorf("BodyAllowed(%d) = %v, want %v", tt.code, got, tt.ok)
		}
	}
}

// golden compares got with testdata/responses/name, or rewrites the file
// under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "responses", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
