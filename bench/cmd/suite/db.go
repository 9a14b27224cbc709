package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chopin-go/chopin/tfb"
	"github.com/chopin-go/chopin/tfb/tfbtest"
)

// The database scenarios run TechEmpower's /db, /queries, /fortunes,
// /updates and /cached-queries against PostgreSQL. The suite keeps the
// tables in a schema of its own in the database of DATABASE_URL, created
// from testdata/tfb/schema.sql at the start and dropped at the end, so
// that re-creating them never touches tables anyone else reads.
const dbSchema = "chopin_bench"

// database is the suite's handle on PostgreSQL: its own connection (never
// one of a server's), for re-creating the tables and reading them back.
type database struct {
	url     string // DATABASE_URL with search_path=dbSchema: what the servers get
	where   string // host:port/database, for the report (no password)
	version string
	sql     string // testdata/tfb/schema.sql
	conn    *pgx.Conn
	dirty   bool // the World table was written since it was last created
	resets  int
}

// openDatabase connects, creates the suite's schema and the tables in it.
func openDatabase(ctx context.Context, cfg *config) (*database, error) {
	b, err := os.ReadFile(filepath.Join(cfg.root, "testdata", "tfb", "schema.sql"))
	if err != nil {
		return nil, err
	}
	u, err := withParam(cfg.dbURL, "search_path", dbSchema)
	if err != nil {
		return nil, err
	}
	d := &database{url: u, sql: string(b), where: dbWhere(cfg.dbURL)}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if d.conn, err = pgx.Connect(cctx, cfg.dbURL); err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", d.where, err)
	}
	if _, err := d.conn.Exec(cctx, "CREATE SCHEMA IF NOT EXISTS "+dbSchema); err != nil {
		d.conn.Close(cctx)
		return nil, fmt.Errorf("creating schema %s: %w", dbSchema, err)
	}
	atExit(d.close)
	if _, err := d.conn.Exec(cctx, "SET search_path TO "+dbSchema); err != nil {
		return nil, err
	}
	if err := d.conn.QueryRow(cctx, "SHOW server_version").Scan(&d.version); err != nil {
		return nil, err
	}
	if err := d.reset(ctx); err != nil {
		return nil, err
	}
	log.Printf("database: PostgreSQL %s at %s, schema %s; pool of %d connections per server", d.version, d.where, dbSchema, cfg.dbPool)
	return d, nil
}

// reset re-creates both tables from testdata/tfb/schema.sql (a fresh World
// table with new random numbers, analyzed), so that every run starts from
// the same state, not from one that earlier /updates runs bloated.
func (d *database) reset(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := d.conn.Exec(ctx, d.sql); err != nil {
		return fmt.Errorf("applying testdata/tfb/schema.sql: %w", err)
	}
	d.dirty = false
	d.resets++
	return nil
}

// table reads the World table: id to randomNumber.
func (d *database) table(ctx context.Context) (map[int32]int32, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rows, _ := d.conn.Query(ctx, "SELECT id, randomnumber FROM world")
	m := make(map[int32]int32, tfb.WorldRows)
	var id, n int32
	_, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		m[id] = n
		return nil
	})
	if err == nil && len(m) != tfb.WorldRows {
		err = fmt.Errorf("the World table has %d rows, want %d", len(m), tfb.WorldRows)
	}
	return m, err
}

// close drops the suite's schema and disconnects.
func (d *database) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := d.conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+dbSchema+" CASCADE"); err != nil {
		log.Printf("dropping schema %s: %v", dbSchema, err)
	}
	d.conn.Close(ctx)
}

// withParam adds a parameter to a connection string, in either of its
// forms (URL or key=value pairs).
func withParam(conn, key, value string) (string, error) {
	if !strings.Contains(conn, "://") {
		return conn + " " + key + "=" + value, nil
	}
	u, err := url.Parse(conn)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// dbWhere is host:port/database of a connection string, without the
// credentials.
func dbWhere(conn string) string {
	if u, err := url.Parse(conn); err == nil && strings.Contains(conn, "://") {
		return u.Host + u.Path
	}
	var host, port, db string
	for _, f := range strings.Fields(conn) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "host":
			host = v
		case "port":
			port = v
		case "dbname":
			db = v
		}
	}
	return host + ":" + port + "/" + db
}

// postgresCPU returns the CPU time so far of every PostgreSQL process (the
// postmaster, the backends and the background processes: comm "postgres"),
// by PID.
func postgresCPU() map[int]time.Duration {
	out := map[int]time.Duration{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err != nil || strings.TrimSpace(string(b)) != "postgres" {
			continue
		}
		if d, err := procCPU(pid); err == nil {
			out[pid] = d
		}
	}
	return out
}

// postgresCPUSince returns PostgreSQL's CPU time since before: the growth
// of every process then running, and all of every process started since
// (a server's backends start before the run, so little falls out).
func postgresCPUSince(before map[int]time.Duration) time.Duration {
	var sum time.Duration
	for pid, d := range postgresCPU() {
		sum += max(0, d-before[pid])
	}
	return sum
}

// The checks of the database routes: the TechEmpower verification rules
// that a client can check from outside, with tfb/tfbtest's count cases.
// tfbtest.Verify itself does not fit: it needs a *testing.T and the
// server's store in the same process (it counts the store's queries), which
// the packages' own tests have (tfb, cmd/bench-server, bench/tfbpeers) and
// a server under wrk does not. The values are checked against the table as
// stored, read over the suite's own connection.

// dbChecks are sc's checks; /updates, which writes, must run last.
func (s *suite) dbChecks(sc *scenario) []check {
	switch sc.key {
	case "db":
		return []check{s.checkDBRoute}
	case "queries":
		return []check{s.checkRows("/queries?queries=", sc.path)}
	case "cached":
		return []check{s.checkRows("/cached-queries?count=", sc.path)}
	case "fortunes":
		return []check{s.checkFortunes}
	case "updates":
		return []check{s.checkUpdates(sc.path)}
	}
	return nil
}

func countPath(prefix, raw string) string {
	if raw == "-" {
		return prefix[:strings.IndexByte(prefix, '?')]
	}
	return prefix + raw
}

// wantRows is the number of rows a measured path (…?queries=N) asks for.
func wantRows(path string) int {
	_, q, _ := strings.Cut(path, "?")
	_, v, _ := strings.Cut(q, "=")
	return tfb.Count(v)
}

// getDB requests path on c and checks what every database response needs:
// status 200, Server, Date, Content-Length, keep-alive, and Content-Type
// exactly as TechEmpower's verifier wants it.
func getDB(c *seqConn, path, accept, ctype string) ([]byte, error) {
	resp, body, err := c.get(path, accept)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if err := checkCommon(resp, body, ctype); err != nil {
		return nil, fmt.Errorf("GET %s: %w (body %.120q)", path, err, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != ctype {
		return nil, fmt.Errorf("GET %s: Content-Type %q, want %q", path, ct, ctype)
	}
	return body, nil
}

func asStored(ws []tfb.World, table map[int32]int32) error {
	for _, w := range ws {
		if table[w.ID] != w.RandomNumber {
			return fmt.Errorf("row %d answered %d, stored %d", w.ID, w.RandomNumber, table[w.ID])
		}
	}
	return nil
}

// checkDBRoute: 20 requests on one connection, each a World object as
// stored, at least 10 distinct ids (random).
func (s *suite) checkDBRoute(addr string) error {
	ctx := context.Background()
	table, err := s.db.table(ctx)
	if err != nil {
		return err
	}
	c, err := dialSeq(addr)
	if err != nil {
		return err
	}
	defer c.close()
	ids := map[int32]bool{}
	for range 20 {
		body, err := getDB(c, "/db", acceptJSON, tfb.ContentTypeJSON)
		if err != nil {
			return err
		}
		w, err := tfbtest.ParseWorld(body)
		if err == nil {
			err = asStored([]tfb.World{w}, table)
		}
		if err != nil {
			return fmt.Errorf("GET /db: %w", err)
		}
		ids[w.ID] = true
	}
	if len(ids) < 10 {
		return fmt.Errorf("GET /db: 20 requests read only %d distinct ids: not random", len(ids))
	}
	return nil
}

// checkRows checks /queries or /cached-queries: the count cases and the
// measured path, each row as stored (the cache is filled at start, and
// /updates is checked after this).
func (s *suite) checkRows(prefix, measured string) check {
	return func(addr string) error {
		table, err := s.db.table(context.Background())
		if err != nil {
			return err
		}
		c, err := dialSeq(addr)
		if err != nil {
			return err
		}
		defer c.close()
		type tc struct {
			path string
			want int
		}
		cases := []tc{{measured, wantRows(measured)}}
		for _, cc := range tfbtest.CountCases {
			cases = append(cases, tc{countPath(prefix, cc.Raw), cc.Want})
		}
		for _, k := range cases {
			body, err := getDB(c, k.path, acceptJSON, tfb.ContentTypeJSON)
			if err != nil {
				return err
			}
			ws, err := tfbtest.ParseWorlds(body, k.want)
			if err == nil {
				err = asStored(ws, table)
			}
			if err != nil {
				return fmt.Errorf("GET %s: %w", k.path, err)
			}
		}
		return nil
	}
}

// checkUpdates checks /updates: the count cases and the measured path;
// each answer's rows distinct and stored with the new numbers afterwards,
// no other row changed; at 500 rows more than 90% of them changed (the
// verifier's rule: a new random number may equal the old one).
func (s *suite) checkUpdates(measured string) check {
	return func(addr string) error {
		ctx := context.Background()
		c, err := dialSeq(addr)
		if err != nil {
			return err
		}
		defer c.close()
		paths := []string{measured}
		wants := []int{wantRows(measured)}
		for _, cc := range tfbtest.CountCases {
			paths = append(paths, countPath("/updates?queries=", cc.Raw))
			wants = append(wants, cc.Want)
		}
		for i, path := range paths {
			before, err := s.db.table(ctx)
			if err != nil {
				return err
			}
			body, err := getDB(c, path, acceptJSON, tfb.ContentTypeJSON)
			if err != nil {
				return err
			}
			ws, err := tfbtest.ParseWorlds(body, wants[i])
			if err != nil {
				return fmt.Errorf("GET %s: %w", path, err)
			}
			after, err := s.db.table(ctx)
			if err != nil {
				return err
			}
			answered := map[int32]int32{}
			for _, w := range ws {
				if _, dup := answered[w.ID]; dup {
					return fmt.Errorf("GET %s: row %d updated twice in one request", path, w.ID)
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
					return fmt.Errorf("GET %s: row %d stored %d, want %d", path, id, n, want)
				}
				if n != before[id] {
					changed++
				}
			}
			if wants[i] == tfb.MaxQueries && changed <= tfb.MaxQueries*90/100 {
				return fmt.Errorf("GET %s: %d of %d rows changed", path, changed, wants[i])
			}
		}
		return nil
	}
}

// checkFortunes: three requests, each byte for byte the golden page
// (testdata/tfb/fortunes.golden.html: the 12 stored fortunes and the one
// added at request time, sorted, escaped).
func (s *suite) checkFortunes(addr string) error {
	golden, err := os.ReadFile(filepath.Join(s.cfg.root, "testdata", "tfb", "fortunes.golden.html"))
	if err != nil {
		return err
	}
	c, err := dialSeq(addr)
	if err != nil {
		return err
	}
	defer c.close()
	for range 3 {
		body, err := getDB(c, "/fortunes", acceptHTML, tfb.ContentTypeHTML)
		if err != nil {
			return err
		}
		if string(body) != string(golden) {
			return fmt.Errorf("GET /fortunes: the page differs from testdata/tfb/fortunes.golden.html: %.200q", body)
		}
	}
	return nil
}

// checkPool checks the line every server logs on opening its store
// ("msg=database store=postgres pool=N"): PostgreSQL, through
// tfb/pgstore, with the pool size the suite asked for.
func (s *suite) checkPool(log string) error {
	want := fmt.Sprintf("store=postgres pool=%d", s.cfg.dbPool)
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "msg=database") {
			if strings.Contains(line, want) {
				return nil
			}
			return fmt.Errorf("the server opened %q, want %s", strings.TrimSpace(line), want)
		}
	}
	return fmt.Errorf("no msg=database line in the server's log: %s", lastLines(log, 3))
}
