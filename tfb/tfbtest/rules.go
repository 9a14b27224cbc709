package tfbtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chopin-go/chopin/tfb"
)

// Target is a running server with the seven TechEmpower routes, for
// Verify.
type Target struct {
	Base  string    // "http://host:port"
	Store *Counting // the server's store: the query counts are read off it
	// Table reads the World table as stored, independently of the
	// server's own reads (for PostgreSQL, over another connection).
	Table func(context.Context) (map[int32]int32, error)
	// FortunesGolden is the path of the expected /fortunes body
	// (testdata/tfb/fortunes.golden.html).
	FortunesGolden string
}

// CountCase is a query value and the number of rows it must give.
type CountCase struct {
	Raw  string // after "?queries=" or "?count="; "-" means no parameter
	Want int
}

// CountCases are the TechEmpower verifier's cases (2, 0, foo, 501 and
// empty) and a few more edges.
var CountCases = []CountCase{
	{"2", 2}, {"0", 1}, {"foo", 1}, {"501", 500}, {"", 1},
	{"-", 1}, {"-7", 1}, {"1", 1}, {"20", 20}, {"500", 500},
	{"1.5", 1}, {"99999999999999999999", 500}, {"%32%30", 20},
}

// Verify checks every route of tg against the TechEmpower verification
// rules: status, the Server, Date, Content-Type and Content-Length fields,
// the body's shape, the counts and their clamping, the number of store
// queries, values as stored, update persistence, and the fortunes page
// byte for byte. The routes run one after another; /updates is last, as it
// makes the cache stale.
func Verify(t *testing.T, tg Target) {
	c := &client{t: t, base: tg.Base, hc: &http.Client{
		Timeout:   20 * time.Second,
		Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 2},
	}}
	defer c.hc.CloseIdleConnections()
	t.Run("json", func(t *testing.T) { c.with(t).checkJSON() })
	t.Run("plaintext", func(t *testing.T) { c.with(t).checkPlaintext() })
	t.Run("db", func(t *testing.T) { verifyDB(c.with(t), tg) })
	t.Run("queries", func(t *testing.T) { verifyQueries(c.with(t), tg, "/queries?queries=", false) })
	t.Run("cached-queries", func(t *testing.T) { verifyQueries(c.with(t), tg, "/cached-queries?count=", true) })
	t.Run("fortunes", func(t *testing.T) { verifyFortunes(c.with(t), tg) })
	t.Run("updates", func(t *testing.T) { verifyUpdates(c.with(t), tg) })
	t.Run("date changes", func(t *testing.T) {
		// The rules fail a server whose Date does not move between
		// requests some seconds apart.
		c := c.with(t)
		_, first := c.get("/db", "json")
		time.Sleep(1100 * time.Millisecond)
		_, second := c.get("/db", "json")
		if first.Header.Get("Date") == second.Header.Get("Date") {
			t.Errorf("Date %q did not change over 1.1 s", first.Header.Get("Date"))
		}
	})
}

type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (c *client) with(t *testing.T) *client { return &client{t: t, base: c.base, hc: c.hc} }

// get requests path and checks the status and the header fields every
// response needs; kind is "json", "html" or "plaintext".
func (c *client) get(path, kind string) ([]byte, *http.Response) {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		c.t.Fatalf("GET %s: reading body: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: status %d: %q", path, resp.StatusCode, body)
	}
	c.checkHeaders(path, kind, resp, body)
	return body, resp
}

// contentTypes are the exact values expected, spelled out here rather
// than taken from package tfb, so that a change there shows.
var contentTypes = map[string]string{
	"json":      "application/json",
	"html":      "text/html; charset=utf-8",
	"plaintext": "text/plain",
}

// The verifier's patterns; the exact values above are stricter.
var contentTypePatterns = map[string]*regexp.Regexp{
	"json":      regexp.MustCompile(`^application/json(; ?charset=(UTF|utf)-8)?$`),
	"html":      regexp.MustCompile(`^text/html; ?charset=(UTF|utf)-8$`),
	"plaintext": regexp.MustCompile(`^text/plain(; ?charset=(UTF|utf)-8)?$`),
}

func (c *client) checkHeaders(path, kind string, resp *http.Response, body []byte) {
	c.t.Helper()
	h := resp.Header
	if h.Get("Server") == "" {
		c.t.Errorf("GET %s: no Server field", path)
	}
	date, err := time.Parse(http.TimeFormat, h.Get("Date"))
	if err != nil {
		c.t.Errorf("GET %s: Date %q: %v", path, h.Get("Date"), err)
	} else if d := time.Since(date); d < -5*time.Second || d > 5*time.Second {
		c.t.Errorf("GET %s: Date %q is %v off", path, h.Get("Date"), d)
	}
	ct := h.Get("Content-Type")
	if ct != contentTypes[kind] || !contentTypePatterns[kind].MatchString(ct) {
		c.t.Errorf("GET %s: Content-Type %q, want %q", path, ct, contentTypes[kind])
	}
	if n, err := strconv.Atoi(h.Get("Content-Length")); err != nil || n != len(body) {
		c.t.Errorf("GET %s: Content-Length %q for %d bytes (transfer encoding %q)",
			path, h.Get("Content-Length"), len(body), resp.TransferEncoding)
	}
}

func (c *client) checkJSON() {
	body, _ := c.get("/json", "json")
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || len(m) != 1 || m["message"] != "Hello, World!" {
		c.t.Errorf("/json body %s (%v)", body, err)
	}
}

func (c *client) checkPlaintext() {
	if body, _ := c.get("/plaintext", "plaintext"); string(body) != "Hello, World!" {
		c.t.Errorf("/plaintext body %q", body)
	}
}

// ParseWorld checks one World object as the TechEmpower verifier does:
// exactly the keys id and randomNumber, both integers in 1..10000.
func ParseWorld(raw json.RawMessage) (tfb.World, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return tfb.World{}, fmt.Errorf("not a JSON object: %.80s", raw)
	}
	if len(m) != 2 || m["id"] == nil || m["randomNumber"] == nil {
		return tfb.World{}, fmt.Errorf("keys of %s: want exactly id and randomNumber", raw)
	}
	var w tfb.World
	for _, f := range []struct {
		key string
		dst *int32
	}{{"id", &w.ID}, {"randomNumber", &w.RandomNumber}} {
		n, err := strconv.ParseInt(string(m[f.key]), 10, 32)
		if err != nil || n < 1 || n > tfb.WorldRows {
			return w, fmt.Errorf("%s of %s: want an integer in 1..%d", f.key, raw, tfb.WorldRows)
		}
		*f.dst = int32(n)
	}
	return w, nil
}

// ParseWorlds checks a JSON array of want World objects (ParseWorld each).
func ParseWorlds(body []byte, want int) ([]tfb.World, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, fmt.Errorf("not a JSON array: %.80s", body)
	}
	if len(raws) != want {
		return nil, fmt.Errorf("%d objects, want %d", len(raws), want)
	}
	ws := make([]tfb.World, len(raws))
	for i, raw := range raws {
		w, err := ParseWorld(raw)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		ws[i] = w
	}
	return ws, nil
}

// worlds checks a JSON array of want World objects.
func (c *client) worlds(path string, body []byte, want int) []tfb.World {
	c.t.Helper()
	ws, err := ParseWorlds(body, want)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	return ws
}

func (c *client) table(tg Target) map[int32]int32 {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := tg.Table(ctx)
	if err != nil {
		c.t.Fatalf("reading the World table: %v", err)
	}
	return m
}

// asStored checks that every row was answered with its stored value.
func (c *client) asStored(path string, ws []tfb.World, table map[int32]int32) {
	c.t.Helper()
	for _, w := range ws {
		if table[w.ID] != w.RandomNumber {
			c.t.Errorf("GET %s: row %d answered %d, stored %d", path, w.ID, w.RandomNumber, table[w.ID])
		}
	}
}

func verifyDB(c *client, tg Target) {
	table := c.table(tg)
	ids := map[int32]bool{}
	for range 20 {
		before := tg.Store.Snapshot()
		body, _ := c.get("/db", "json")
		w, err := ParseWorld(body)
		if err != nil {
			c.t.Fatalf("/db: %v", err)
		}
		c.asStored("/db", []tfb.World{w}, table)
		ids[w.ID] = true
		if d := tg.Store.Snapshot().Sub(before); d != (Counts{Reads: 1}) {
			c.t.Errorf("/db: store calls %+v, want one read", d)
		}
	}
	if len(ids) < 10 {
		c.t.Errorf("/db: 20 requests read only %d distinct ids: not random", len(ids))
	}
}

func countPath(prefix string, cc CountCase) string {
	if cc.Raw == "-" {
		return prefix[:strings.IndexByte(prefix, '?')]
	}
	return prefix + cc.Raw
}

func verifyQueries(c *client, tg Target, prefix string, cached bool) {
	table := c.table(tg)
	for _, cc := range CountCases {
		path := countPath(prefix, cc)
		before := tg.Store.Snapshot()
		body, _ := c.get(path, "json")
		ws := c.worlds(path, body, cc.Want)
		c.asStored(path, ws, table)
		want := Counts{Reads: int64(cc.Want)} // each row its own query
		if cached {
			want = Counts{} // every row from the cache, filled at start
		}
		if d := tg.Store.Snapshot().Sub(before); d != want {
			c.t.Errorf("GET %s: store calls %+v, want %+v", path, d, want)
		}
	}
}

func verifyUpdates(c *client, tg Target) {
	for _, cc := range CountCases {
		path := countPath("/updates?queries=", cc)
		before, calls := c.table(tg), tg.Store.Snapshot()
		body, _ := c.get(path, "json")
		ws := c.worlds(path, body, cc.Want)
		after := c.table(tg)
		if d := tg.Store.Snapshot().Sub(calls); d != (Counts{Reads: int64(cc.Want), Updates: 1, Updated: int64(cc.Want)}) {
			c.t.Errorf("GET %s: store calls %+v, want %d reads and one batch update of as many rows", path, d, cc.Want)
		}
		// Persistence: each row answered is stored with the new number;
		// no other row changed.
		answered := map[int32]int32{}
		for _, w := range ws {
			if _, dup := answered[w.ID]; dup {
				c.t.Errorf("GET %s: row %d updated twice in one request", path, w.ID)
			}
			answered[w.ID] = w.RandomNumber
		}
		changed := 0
		for id, n := range after {
			want, ok := answered[id]
			if !ok {
				want = before[id]
			}
			if n != want {
				c.t.Errorf("GET %s: row %d stored %d, want %d", path, id, n, want)
			}
			if n != before[id] {
				changed++
			}
		}
		// The verifier's rule at 500: more than 90% of the rows changed
		// (a new random number may equal the old one).
		if cc.Want == tfb.MaxQueries && changed <= tfb.MaxQueries*90/100 {
			c.t.Errorf("GET %s: %d of %d rows changed", path, changed, cc.Want)
		}
	}
}

var fortuneRow = regexp.MustCompile(`<tr><td>(\d+)</td><td>([^<]*)</td></tr>`)

func verifyFortunes(c *client, tg Target) {
	golden, err := os.ReadFile(tg.FortunesGolden)
	if err != nil {
		c.t.Fatal(err)
	}
	for range 3 {
		before := tg.Store.Snapshot()
		body, _ := c.get("/fortunes", "html")
		if d := tg.Store.Snapshot().Sub(before); d != (Counts{Fortunes: 1}) {
			c.t.Errorf("/fortunes: store calls %+v, want one Fortunes", d)
		}
		if !bytes.Equal(body, golden) {
			c.t.Fatalf("/fortunes body differs from %s:\n%s", tg.FortunesGolden, body)
		}
	}
	// What the golden file holds, checked independently of it: all 12
	// stored fortunes and the added one, sorted by message, escaped.
	rows := fortuneRow.FindAllSubmatch(golden, -1)
	var got []tfb.Fortune
	for _, r := range rows {
		id, _ := strconv.Atoi(string(r[1]))
		got = append(got, tfb.Fortune{ID: int32(id), Message: html.UnescapeString(string(r[2]))})
	}
	want := append(tfb.SeedFortunes(), tfb.ExtraFortune)
	slices.SortFunc(want, func(x, y tfb.Fortune) int { return strings.Compare(x.Message, y.Message) })
	if !slices.Equal(got, want) {
		c.t.Errorf("fortunes rows:\n%q\nwant\n%q", got, want)
	}
	for _, s := range []string{"&lt;script&gt;", "フレームワークのベンチマーク", "aren&#39;t", "&quot;This"} {
		if !bytes.Contains(golden, []byte(s)) {
			c.t.Errorf("fortunes page lacks %q", s)
		}
	}
	if bytes.Contains(golden, []byte("<script>")) {
		c.t.Error("fortunes page holds an unescaped <script>")
	}
}
