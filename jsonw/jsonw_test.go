package jsonw

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// stdString is the reference: what encoding/json writes for s with HTML
// escaping off, minus the Encoder's trailing newline.
func stdString(t testing.TB, s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func controlChars() string {
	var b []byte
	for c := range 0x20 {
		b = append(b, byte(c))
	}
	return string(b)
}

var cases = []struct{ name, in, want string }{
	{"empty", "", `""`},
	{"plain", "Hello, World!", `"Hello, World!"`},
	{"long plain", strings.Repeat("abcdefghij", 20), `"` + strings.Repeat("abcdefghij", 20) + `"`},
	{"controls", controlChars(), `"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007` +
		`\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017` +
		`\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"`},
	{"quote", `say "hi"`, `"say \"hi\""`},
	{"backslash", `C:\dir\`, `"C:\\dir\\"`},
	{"DEL", "a\x7fb", "\"a\x7fb\""},
	{"html", "<a href='x'>&amp;</a>", `"<a href='x'>&amp;</a>"`},
	{"escape at word edge", "1234567\n12345678\"", `"1234567\n12345678\""`},
	{"2-byte", "café", `"café"`},
	{"3-byte", "日本語", `"日本語"`},
	{"4-byte", "a😀b", `"a😀b"`},
	{"valid U+FFFD", "\uFFFD", "\"\uFFFD\""},
	{"U+2028/2029", "a\u2028b\u2029c", `"a\u2028b\u2029c"`},
	{"U+2027, U+202A", "\u2027\u202a", "\"\u2027\u202a\""},
	{"lone continuation", "a\x80b", `"a\ufffdb"`},
	{"continuation run", "\xbf\xbf\xbf", `"\ufffd\ufffd\ufffd"`},
	{"truncated 2-byte at end", "ab\xc3", `"ab\ufffd"`},
	{"truncated 3-byte at end", "ab\xe2\x82", `"ab\ufffd\ufffd"`},
	{"truncated 4-byte at end", "ab\xf0\x9f\x98", `"ab\ufffd\ufffd\ufffd"`},
	{"truncated 2-byte in middle", "a\xc3b", `"a\ufffdb"`},
	{"truncated 3-byte in middle", "a\xe2\x82b", `"a\ufffd\ufffdb"`},
	{"truncated 4-byte in middle", "a\xf0\x9f\x98b", `"a\ufffd\ufffd\ufffdb"`},
	{"truncated U+2028", "\xe2\x80", `"\ufffd\ufffd"`},
	{"overlong NUL", "\xc0\x80", `"\ufffd\ufffd"`},
	{"overlong slash", "\xe0\x80\xaf", `"\ufffd\ufffd\ufffd"`},
	{"overlong 4-byte", "\xf0\x80\x80\xaf", `"\ufffd\ufffd\ufffd\ufffd"`},
	{"surrogate half", "\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
	{"above U+10FFFF", "\xf4\x90\x80\x80", `"\ufffd\ufffd\ufffd\ufffd"`},
	{"F5..FF", "\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff", `"` + strings.Repeat(`\ufffd`, 11) + `"`},
	{"mixed", "x\"\\\n\xff\u2028é<", `"x\"\\\n\ufffd\u2028é<"`},
}

func TestAppendString(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if std := stdString(t, tc.in); std != tc.want {
				t.Fatalf("table disagrees with encoding/json: want %s, encoding/json %s", tc.want, std)
			}
			if got := string(AppendString(nil, tc.in)); got != tc.want {
				t.Errorf("AppendString(%q) = %s, want %s", tc.in, got, tc.want)
			}
			if got := string(AppendBytes(nil, []byte(tc.in))); got != tc.want {
				t.Errorf("AppendBytes(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestEveryOffset slides each special byte across every position of a
// 3-word string, so both the 8-byte scan and the byte tail meet it at each
// alignment.
func TestEveryOffset(t *testing.T) {
	for _, special := range []string{"\"", "\\", "\x00", "\x1f", "\x80", "é", "\u2028", "\xe2\x80"} {
		for i := range 24 {
			in := strings.Repeat("a", i) + special + strings.Repeat("b", 24-i)
			if got, want := string(AppendString(nil, in)), stdString(t, in); got != want {
				t.Errorf("AppendString(%q) = %s, want %s", in, got, want)
			}
		}
	}
}

func TestPrefixKept(t *testing.T) {
	for _, capacity := range []int{3, 64} { // grown, then in place
		dst := append(make([]byte, 0, capacity), `{"a":`...)
		got := AppendString(dst, "x\ny")
		if want := `{"a":"x\ny"`; string(got) != want {
			t.Errorf("cap %d: got %s, want %s", capacity, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := stdString(t, s)
		if got := string(AppendString(nil, s)); got != want {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		if got := string(AppendBytes([]byte("p"), []byte(s))); got != "p"+want {
			t.Fatalf("AppendBytes(%q) = %s, want p%s", s, got, want)
		}
	})
}
