// Package http1 parses and writes HTTP/1.1 messages as bytes.
//
// It does no IO and imports nothing but the standard library: callers hand it
// the bytes they have read and get back offsets and slices into those bytes.
// A Parser reads request heads (request-line and header section) straight from
// a connection's inbound buffer, one request after another when they are
// pipelined, without copying and, once its Request has grown to the largest
// header count seen, without allocating. A ChunkedDecoder decodes a chunked
// body incrementally, so a body may straddle reads. The Append* functions
// write status lines, header fields and chunks into a caller's reused buffer.
//
// Lifetimes: every []byte in a Request aliases the buffer passed to
// ParseHead and is valid only as long as the caller keeps those bytes
// unchanged; copy anything that must outlive the read.
//
// Strictness: the parser refuses every framing ambiguity RFC 9112 lets a
// server refuse, because a request two parties frame differently is how
// request smuggling works. Each refusal is a *ParseError whose Status is the
// response to send (400, 413, 414, 417, 431, 501 or 505); after any of them the
// connection must be closed, since the framing of what follows is in doubt.
// Where the RFC leaves a choice, the choice is documented beside the code:
//
//   - empty lines (CRLF) before a request-line are skipped (RFC 9112 §2.2);
//   - a bare LF is not a line terminator: it is rejected with 400, as is a
//     bare CR (RFC 9112 §2.2 allows either);
//   - the request-line is split on single spaces only; tabs or repeated
//     spaces are rejected (RFC 9112 §3 allows looser parsing, we do not);
//   - obs-fold (a header line starting with SP or HTAB) is rejected with 400
//     (RFC 9112 §5.2);
//   - repeated Content-Length fields with identical values are accepted as
//     one, as net/http does; differing values and comma lists are rejected
//     (RFC 9110 §8.6);
//   - HTTP/1.x with x > 1 is served as HTTP/1.1 (RFC 9110 §2.5); any other
//     major version gets 505;
//   - chunk extensions are ignored but must match their grammar, with no
//     whitespace before the CRLF (RFC 9112 §7.1.1), so that no quoted
//     string can end a chunk-size line where another parser would not.
package http1
