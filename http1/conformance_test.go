package http1

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update rewrites golden expectations from what the code produces. Read
// every rewritten line against the RFC before keeping it: a golden file that
// records whatever the parser does proves nothing.
var update = flag.Bool("update", false, "rewrite golden expectations in ../testdata")

const conformanceDir = "../testdata/conformance"

// A confCase is one case of a conformance file:
//
//	=== name
//	source: RFC 9112 §6.3 ¶3 (one or more lines, required)
//	note: free text (optional)
//	limits: MaxHeaderBytes=64 MaxBodyBytes=10 (optional; zero fields: defaults)
//	in: "GET / HTTP/1.1\r\n"  (one or more Go-quoted strings, concatenated;
//	in: 100 * "a"              a count before '*' repeats the string)
//	want:
//	  request 1                (the wire dump, indented two spaces)
//	  ...
//
// Lines starting with '#' between cases are comments.
type confCase struct {
	file, name string
	line       int // of the "===" line
	sources    []string
	lim        Limits
	in         []byte
	want       []string
	wantAt     int // index of the first want line in the file's lines
}

// TestConformance runs every case in testdata/conformance three ways: the
// input in one piece, split in two at every offset, and one byte at a time,
// each with one Parser for the connection. All three must produce the same
// dump, errors included: a prefix may show an error before the whole input
// has arrived, but never another one, nor accept what the whole refuses.
// (That holds because each error comes from parsing the same bytes in the
// same order, and nothing past MaxHeaderBytes is ever examined.)
func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance files in %s (%v)", conformanceDir, err)
	}
	total := 0
	for _, file := range files {
		lines, cases := loadConformance(t, file)
		total += len(cases)
		got := make([][]string, len(cases))
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					got[i] = runCase(t, c)
				})
			}
		})
		if *update {
			writeConformance(t, file, lines, cases, got)
		}
	}
	if total < 150 {
		t.Errorf("%d conformance cases, want at least 150", total)
	}
}

func runCase(t *testing.T, c confCase) []string {
	w := newWire(c.lim)
	w.feed(c.in)
	whole := w.finish(c.in)
	reportBad(t, "one piece", w)
	if !*update {
		if diff := cmp.Diff(c.want, whole); diff != "" {
			t.Errorf("%s:%d: dump mismatch (-want +got):\n%s", c.file, c.line, diff)
		}
	}
	for _, k := range splitPoints(c.in) {
		w := newWire(c.lim)
		w.feed(c.in[:k])
		w.feed(c.in)
		if diff := cmp.Diff(whole, w.finish(c.in)); diff != "" {
			t.Errorf("%s:%d: split at %d: (-one piece +split):\n%s", c.file, c.line, k, diff)
			break
		}
		if reportBad(t, fmt.Sprintf("split at %d", k), w) {
			break
		}
	}
	w = newWire(c.lim)
	for k := 1; k <= len(c.in); k++ {
		w.feed(c.in[:k])
	}
	if diff := cmp.Diff(whole, w.finish(c.in)); diff != "" {
		t.Errorf("%s:%d: byte by byte: (-one piece +bytewise):\n%s", c.file, c.line, diff)
	}
	reportBad(t, "byte by byte", w)
	return whole
}

func reportBad(t *testing.T, how string, w *wire) bool {
	t.Helper()
	for _, b := range w.bad {
		t.Errorf("%s: %s", how, b)
	}
	return len(w.bad) > 0
}

// splitPoints returns every offset inside in or, for the long inputs of the
// limit cases (long runs of one byte), the first and last 256, every 127th
// between, and both sides of each LF.
func splitPoints(in []byte) []int {
	var ks []int
	for k := 1; k < len(in); k++ {
		if len(in) <= 2048 || k < 256 || k > len(in)-256 || k%127 == 0 ||
			in[k-1] == '\n' || in[k] == '\n' {
			ks = append(ks, k)
		}
	}
	return ks
}

// loadConformance reads a conformance file into its lines, which -update
// rewrites, and its cases.
func loadConformance(t testing.TB, file string) ([]string, []confCase) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(file)
	lines := strings.Split(string(data), "\n")
	var cases []confCase
	names := map[string]int{}
	var c *confCase
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch name, isCase := strings.CutPrefix(l, "=== "); {
		case isCase:
			if prev, dup := names[name]; dup {
				t.Fatalf("%s:%d: case %q already defined on line %d", base, i+1, name, prev)
			}
			names[name] = i + 1
			cases = append(cases, confCase{file: base, name: name, line: i + 1, wantAt: -1})
			c = &cases[len(cases)-1]
		case l == "" || strings.HasPrefix(l, "#"):
		case c == nil:
			t.Fatalf("%s:%d: %q before the first case", base, i+1, l)
		case l == "want:":
			c.wantAt = i + 1
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "  ") {
				i++
				c.want = append(c.want, lines[i][2:])
			}
		default:
			if err := c.set(l); err != nil {
				t.Fatalf("%s:%d: %v", base, i+1, err)
			}
		}
	}
	for _, c := range cases {
		if len(c.sources) == 0 || len(c.in) == 0 || c.wantAt < 0 {
			t.Fatalf("%s:%d: case %q needs source, in and want lines", base, c.line, c.name)
		}
	}
	return lines, cases
}

// set applies one "key: value" line of a case.
func (c *confCase) set(line string) error {
	key, val, _ := strings.Cut(line, ": ")
	switch key {
	case "source":
		c.sources = append(c.sources, val)
	case "note":
	case "limits":
		lim, err := parseLimits(val)
		c.lim = lim
		return err
	case "in":
		b, err := parseInput(val)
		c.in = append(c.in, b...)
		return err
	default:
		return fmt.Errorf("unknown line %q", line)
	}
	return nil
}

// parseInput parses `"quoted"` or `N * "quoted"`.
func parseInput(v string) ([]byte, error) {
	count := 1
	if n, q, ok := strings.Cut(v, " * "); ok && !strings.HasPrefix(v, `"`) {
		var err error
		if count, err = strconv.Atoi(n); err != nil || count < 1 {
			return nil, fmt.Errorf("bad repeat count %q", n)
		}
		v = q
	}
	s, err := strconv.Unquote(v)
	if err != nil {
		return nil, fmt.Errorf("input %s: %v", v, err)
	}
	return []byte(strings.Repeat(s, count)), nil
}

func parseLimits(v string) (Limits, error) {
	var l Limits
	for _, f := range strings.Fields(v) {
		name, num, _ := strings.Cut(f, "=")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return l, fmt.Errorf("limit %q: %v", f, err)
		}
		switch name {
		case "MaxHeaderBytes":
			l.MaxHeaderBytes = int(n)
		case "MaxTargetBytes":
			l.MaxTargetBytes = int(n)
		case "MaxHeaders":
			l.MaxHeaders = int(n)
		case "MaxBodyBytes":
			l.MaxBodyBytes = n
		case "MaxChunkExtBytes":
			l.MaxChunkExtBytes = int(n)
		default:
			return l, fmt.Errorf("unknown limit %q", name)
		}
	}
	return l, nil
}

// writeConformance replaces each case's want block with got.
func writeConformance(t *testing.T, file string, lines []string, cases []confCase, got [][]string) {
	var out []string
	next := 0
	for i, c := range cases {
		if got[i] == nil {
			continue // the subtest did not run (-run filter)
		}
		out = append(out, lines[next:c.wantAt]...)
		for _, g := range got[i] {
			out = append(out, "  "+g)
		}
		next = c.wantAt + len(c.want)
	}
	out = append(out, lines[next:]...)
	if err := os.WriteFile(file, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
