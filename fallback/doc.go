// Package fallback runs an ordinary net/http Handler for the requests the
// engine's routes do not match, on goroutines, never on an event loop.
//
// # What runs where
//
// On the engine's event loop: Bridge.Serve, which only hands the job to an
// idle handler goroutine or starts one, and Body.Append and Body.End, which
// copy bytes under a mutex held for the copy and never block. Handler
// goroutines are reused (workers.go): one that finished its request parks
// and takes the next, keeping the stack the handler grew, and ends after
// two idle seconds or at Bridge.Close. Everything else runs on the
// request's goroutine:
// waiting for one of Config.Workers worker tokens (a request whose
// connection goes away while it waits is dropped unanswered), parsing the
// head again with http1.Parser, building the *http.Request, running the
// handler, formatting the response and calling Output.Finish. A panic in the
// handler is recovered there; the process never crashes because of one. If
// nothing of the response was sent, a 500 replaces it and the connection
// carries on; otherwise the connection is cut mid-response.
//
// # How long data lives
//
// A Job is owned by the bridge once Serve is called. The head is copied once
// into a string that every string of the Request (method, target, header
// values) shares; nothing a handler sees aliases engine memory. Body bytes
// are copied by Append and kept until the handler reads them or the body is
// closed; trailer fields are copied into strings by End. Response bytes are
// formatted into pooled buffers and copied by Output.Send, so the bridge
// reuses its buffers at once.
//
// # Ordering
//
// The Output of a Job is the engine's in-order slot for that request: a
// response may be produced while earlier pipelined responses are still
// being written, and the engine sends them in request order. Send blocks
// while 256 KiB of this response wait unsent (backpressure from a slow
// client reaches the handler's Write) and fails once the connection is
// gone; every Write after that fails too, and Finish is still called. The
// response is handed to Send in pieces of about 16 KiB (one chunk each when
// chunked), and at once on Flush.
//
// # Behaviour, as net/http's server
//
// The ResponseWriter follows net/http's rules: implicit 200; a
// Content-Length for a handler that returns having written at most 2048
// bytes, else chunked encoding (HTTP/1.1) or a body ended by closing the
// connection (HTTP/1.0); Content-Type sniffing; Date; trailers declared with
// the Trailer field or set with http.TrailerPrefix; no body for HEAD, 1xx,
// 204 and 304; http.ErrContentLength past a declared length and a closed
// connection short of it; interim 1xx responses; "Connection: close" or
// "keep-alive" as the request and handler ask. Header names that are not
// tokens are dropped and CR or LF in values become spaces. diff_test.go
// runs the same handlers and requests through a Bridge and through
// net/http's Server and compares what a client sees.
//
// Expect: 100-continue: the interim "100 Continue" is sent the first time
// the handler reads the body, and only if it has not written its response
// header yet. A handler that answers without reading the body to its end
// gets its connection closed after the response, as in net/http.
//
// Full duplex: the engine feeds the body while the handler writes, so a
// handler may read and write in any order; EnableFullDuplex (through
// http.ResponseController) just returns nil.
//
// Deadlines: SetReadDeadline bounds Body reads (os.ErrDeadlineExceeded).
// SetWriteDeadline bounds each Output.Send started after it is set; a Send
// that passes it is abandoned and the connection ends after it (see
// response.SetWriteDeadline).
//
// Hijacking is not supported: Hijack, and http.ResponseController.Hijack,
// return ErrHijackUnsupported. Handlers that need the raw connection
// (WebSocket libraries, for one) must run with the engine in standard mode,
// on net/http's own server.
//
// Known differences from net/http: responses always say HTTP/1.1, also to
// HTTP/1.0 clients, and therefore send "Connection: close" when closing;
// no 1xx is sent to an HTTP/1.0 client; a value with a control byte other
// than CR or LF is dropped rather than written raw; a panic before anything
// was sent answers 500 and keeps the connection instead of closing silently; an unread request body
// never forces the connection closed, since the engine discards it (within
// its body limit); the request context carries no http.ServerContextKey or
// http.LocalAddrContextKey; reason phrases come from http1.StatusText.
package fallback
