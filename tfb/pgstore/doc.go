// Package pgstore is the PostgreSQL tfb.Store: the World and Fortune tables
// of testdata/tfb/schema.sql through a pgx connection pool.
//
// What runs where: every method runs on the caller's goroutine and blocks
// while it waits for a pooled connection and for the server's answers; the
// pool's health check runs on a goroutine of pgx's own until Close. Call it
// from the engine's fallback, never from an event loop.
//
// Statements are prepared once per connection (pgx's statement cache).
// Worlds pipelines its queries: one SELECT per id, each followed by its own
// Sync, all written at once on one connection, as the TechEmpower rules
// allow for the multiple-queries tests (pipelining yes, batches no).
// UpdateWorlds is one UPDATE of every row from two arrays, the rules'
// batch update.
package pgstore
