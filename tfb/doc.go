// Package tfb is the TechEmpower Framework Benchmarks application: the
// World and Fortune tables behind a small Store interface, an in-process
// cache of the World table, and the five database test types (/db,
// /queries, /updates, /cached-queries, /fortunes) as net/http handlers.
// /json and /plaintext are the engine's own routes in cmd/bench-server.
//
// Stores: Memory is an embedded World table (10,000 rows) and Fortune
// table, so that the server needs nothing else; package tfb/pgstore is
// PostgreSQL through a pgx connection pool. The schema and seed for
// PostgreSQL are testdata/tfb/schema.sql.
//
// What runs where: every handler may block on the store, so they are
// ordinary http.Handlers for the engine's fallback (goroutines, never an
// event loop). App's Append methods hold the logic without net/http, so
// other HTTP servers (the fasthttp peer in bench/tfbpeers) serve exactly
// the same work.
//
// The TechEmpower rules this follows, per test type:
//
//   - /db: one World row, id random in 1..10000, read with one query;
//     {"id":N,"randomNumber":M}, application/json.
//   - /queries?queries=N: N random rows, each read by its own query (a
//     store may pipeline them, never merge them into one query or one
//     transaction); a JSON array of N.
//   - /updates?queries=N: N random rows read as /queries does (distinct
//     ids, so the rows written are the rows returned), each given a new
//     randomNumber in 1..10000, persisted in one batch statement; the
//     updated rows as a JSON array.
//   - /cached-queries?count=N: N random rows from the in-memory cache of
//     the World table (filled at start, refilled from the store on a miss
//     or after the time to live); a JSON array.
//   - /fortunes: every Fortune row plus the fortune "Additional fortune
//     added at request time." (id 0), sorted by message, rendered per
//     request into the fixed HTML page with every message HTML-escaped;
//     text/html; charset=utf-8.
//
// N is clamped to 1..500; a missing or non-numeric N means 1. The Server
// and Date fields are the engine's; every response has a Content-Length.
//
// How long data lives: a World or Fortune a Store returns is the caller's;
// the bytes an Append method returns are appended to the caller's slice.
package tfb
