// Package fuzz holds the fuzz targets for the http1 codec and the harness
// they share. Nothing here runs in production; the package exists so that
// `go test ./fuzz/` replays every committed seed and `go test -fuzz` can
// search for new failures.
//
// The targets:
//
//   - FuzzParse feeds any bytes to one Parser and ChunkedDecoder in one
//     piece, as a connection loop would, and checks the invariants every
//     accepted request must satisfy (invariants.go).
//   - FuzzSplit feeds the same bytes in pieces derived from a seed and
//     requires the outcome of the one-piece parse.
//   - FuzzDifferential compares http1 with net/http's server: for input
//     both accept the requests must agree; input only one accepts must match
//     a documented difference (differences.go, docs/DIFFERENCES.md).
//
// The connection model (conn.go) copies every accepted request out of the
// read buffer into a message, so results outlive the buffer and compare as
// plain values. Seeds live in testdata/fuzz/FuzzName/; every crasher found
// is kept there as a seed. `go test ./fuzz -run TestSeeds -update`
// rewrites the named seeds listed in seeds_test.go.
package fuzz
