package tfb_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"html"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/tfbtest"
)

var update = flag.Bool("update", false, "rewrite testdata/tfb/fortunes.golden.html")

func TestAppendWorlds(t *testing.T) {
	tests := []struct {
		in   []tfb.World
		want string
	}{
		{nil, `[]`},
		{[]tfb.World{{1, 10000}}, `[{"id":1,"randomNumber":10000}]`},
		{[]tfb.World{{42, 7}, {10000, 1}}, `[{"id":42,"randomNumber":7},{"id":10000,"randomNumber":1}]`},
	}
	for _, tt := range tests {
		if got := tfb.AppendWorlds(nil, tt.in); string(got) != tt.want {
			t.Errorf("AppendWorlds(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := tfb.AppendWorld([]byte("x"), tfb.World{ID: 3, RandomNumber: 4}); string(got) != `x{"id":3,"randomNumber":4}` {
		t.Errorf("AppendWorld = %s", got)
	}
}

// AppendMessage must write what encoding/json writes for the same value.
func TestAppendMessage(t *testing.T) {
	for _, msg := range []string{tfb.HelloMessage, "", "quote \" back \\ ctl \x01 <&> é \u2028 bad \xff"} {
		m := tfb.Message{Message: msg}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			t.Fatal(err)
		}
		if got := tfb.AppendMessage([]byte("x"), m); string(got) != "x"+strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("AppendMessage(%q) = %s, want x%s", msg, got, want.String())
		}
	}
}

func TestAppendEscapedHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{`<script>alert("x");</script>`, `&lt;script&gt;alert(&quot;x&quot;);&lt;/script&gt;`},
		{"aren't & <b>", "aren&#39;t &amp; &lt;b&gt;"},
		{"フレームワーク — é", "フレームワーク — é"},
		{"&amp;", "&amp;amp;"},
	}
	for _, tt := range tests {
		got := string(tfb.AppendEscapedHTML([]byte("pre:"), tt.in))
		if got != "pre:"+tt.want {
			t.Errorf("AppendEscapedHTML(%q) = %q, want %q", tt.in, got, "pre:"+tt.want)
		}
		if html.UnescapeString(tt.want) != tt.in {
			t.Errorf("%q does not unescape to %q", tt.want, tt.in)
		}
		// The same as the standard library's escaping but for the
		// spelling of the double quote.
		if std := strings.ReplaceAll(html.EscapeString(tt.in), "&#34;", "&quot;"); std != tt.want {
			t.Errorf("html.EscapeString(%q) = %q, want %q", tt.in, std, tt.want)
		}
	}
}

// sortedFortunes is what /fortunes lists: the seed and the extra fortune,
// sorted by message.
func sortedFortunes() []tfb.Fortune {
	fs := append(tfb.SeedFortunes(), tfb.ExtraFortune)
	slices.SortFunc(fs, func(x, y tfb.Fortune) int { return strings.Compare(x.Message, y.Message) })
	return fs
}

// TestFortunesPage compares the page with its golden file and with the
// same template rendered by html/template.
func TestFortunesPage(t *testing.T) {
	got := tfb.AppendFortunesHTML(nil, sortedFortunes())
	golden := filepath.Join(tfbtest.ModuleRoot(t), "testdata", "tfb", "fortunes.golden.html")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("page differs from %s:\n%s", golden, got)
	}

	tmpl := template.Must(template.New("fortunes").Parse(`<!DOCTYPE html><html><head><title>Fortunes</title></head>` +
		`<body><table><tr><th>id</th><th>message</th></tr>` +
		`{{range .}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>{{end}}</table></body></html>`))
	var std bytes.Buffer
	if err := tmpl.Execute(&std, sortedFortunes()); err != nil {
		t.Fatal(err)
	}
	// html/template spells the double quote &#34; and escapes + too.
	if s := strings.NewReplacer("&#34;", "&quot;", "&#43;", "+").Replace(std.String()); s != string(got) {
		t.Errorf("html/template renders\n%s\nAppendFortunesHTML\n%s", s, got)
	}
}

// TestFortuneOrder pins the order the rules expect: byte order, so the
// escaped <script> first, the lower-case "fortune:" after every capital,
// the Japanese last.
func TestFortuneOrder(t *testing.T) {
	fs := sortedFortunes()
	var ids []int32
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	want := []int32{11, 4, 5, 2, 8, 0, 3, 7, 10, 6, 9, 1, 12}
	if !slices.Equal(ids, want) {
		t.Errorf("ids in order %v, want %v", ids, want)
	}
}

func BenchmarkAppendFortunesHTML(b *testing.B) {
	fs := sortedFortunes()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = tfb.AppendFortunesHTML(buf[:0], fs)
	}
	b.SetBytes(int64(len(buf)))
}
