// Package engine serves HTTP/1.1 from gnet event loops: the performance
// mode of chopin-go. It also serves the same routes from net/http's own
// server (Standard mode), for development and as a reference.
//
// What runs where:
//
//   - Each event loop (one per core by default) owns its connections. It
//     reads, parses every complete request in what it read, answers
//     FastRoutes and loop handlers into one outbound batch, and writes the
//     batch with one write: a pipelined burst costs one read and one write.
//   - FastRoutes (Text, JSON, HTML, Static) are preformatted at start with
//     the current Date; serving one is a single copy.
//   - Loop handlers (LoopFunc) run on the loop. They must never block.
//   - Every other request goes to Config.Fallback, an ordinary
//     http.Handler, on a goroutine (package fallback). Its response takes a
//     slot in the connection's queue, so responses leave in request order
//     whatever mix of routes a client pipelines.
//   - A sweeper goroutine ticks the coarse clock and has each loop close
//     connections past their timeouts, resume connections paused by
//     backpressure and finish graceful closes.
//
// How long data lives: a Request and its slices alias the loop's read
// buffer and are valid only while the handler runs; the fallback gets its
// own copy. Anything a handler keeps must be copied.
//
// Connections: keep-alive by default; closed after Connection: close, after
// HTTP/1.0 without keep-alive, and after any request the parser refused
// (framing in doubt). A close shuts our side after the last response and
// waits for the client's EOF, so unread pipelined input cannot make the
// kernel reset the connection under the response. A client that shuts its
// own write side still gets every answer owed (see handoff.go).
//
// Listening: one SO_REUSEPORT listener per loop (Config.SingleListener for
// gnet's single listener with round-robin hand-off), SO_REUSEADDR,
// TCP_NODELAY. The listen backlog is net.core.somaxconn (see ListenBacklog).
package engine
