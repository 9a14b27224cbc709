// Package pgtest gives tests a PostgreSQL schema of their own holding the
// TechEmpower tables, and reads the World table back independently of the
// store under test. It is for tests only.
//
// Unlike the library packages, it reads two environment variables, as test
// helpers do: DATABASE_URL (a PostgreSQL to test against) and
// TFB_REQUIRE_POSTGRES (set to 1, a missing DATABASE_URL fails the tests
// instead of skipping them, so that CI cannot silently skip PostgreSQL).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chopin-go/chopin/tfb/tfbtest"
)

// The environment variables Postgres reads.
const (
	EnvURL     = "DATABASE_URL"
	EnvRequire = "TFB_REQUIRE_POSTGRES"
)

// Postgres returns a connection string for a new schema of the database
// at DATABASE_URL, holding the tables of testdata/tfb/schema.sql; the
// schema is dropped when the test ends. Without DATABASE_URL it skips the
// test, or fails it if TFB_REQUIRE_POSTGRES=1. A DATABASE_URL that does not
// work fails the test.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s=1 but %s is not set: the PostgreSQL tests cannot run "+
				"(.ci/run installs and starts PostgreSQL and sets both)", EnvRequire, EnvURL)
		}
		t.Skipf("%s is not set: skipping the PostgreSQL tests (the embedded store's still run); "+
			"see .ci/run for a local PostgreSQL and the URL to export", EnvURL)
	}
	sql := tfbtest.SchemaSQL(t)
	var id [6]byte
	rand.Read(id[:])
	schema := "tfbtest_" + hex.EncodeToString(id[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL does not answer: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() { dropSchema(t, base, schema) })
	if _, err := conn.Exec(ctx, "SET search_path TO "+schema); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("applying testdata/tfb/schema.sql: %v", err)
	}
	u, err := WithParam(base, "search_path", schema)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func dropSchema(t testing.TB, base, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("dropping schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Errorf("dropping schema %s: %v", schema, err)
	}
}

// WithParam adds a parameter to a connection string, in either of its
// forms (URL or key=value pairs).
func WithParam(conn, key, value string) (string, error) {
	if !strings.Contains(conn, "://") {
		return conn + " " + key + "=" + value, nil
	}
	u, err := url.Parse(conn)
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvURL, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// ReadTable returns the World table at connection string conn, read with
// its own connection (not the server's pool): id to randomNumber.
func ReadTable(ctx context.Context, conn string) (map[int32]int32, error) {
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	rows, _ := c.Query(ctx, "SELECT id, randomnumber FROM world")
	m := make(map[int32]int32, 10000)
	var id, n int32
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		m[id] = n
		return nil
	})
	return m, err
}
