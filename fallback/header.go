package fallback

import (
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/chopin-go/chopin/http1"
)

// extra holds the fields commit adds to the handler's, in the order
// net/http writes its extraHeader.
type extra struct {
	date, server, contentLength bool
	contentType, connection     string
	chunked                     bool
}

// commit decides the final header and formats it into wire. It makes
// net/http's chunkWriter.writeHeader decisions, in the same order; p is the
// start of the body (all of it when the handler has returned), for the
// Content-Length and for sniffing.
func (w *response) commit(p []byte) {
	w.committed = true
	w.gate.shut() // after a 101 too: no 100 may follow a final header
	h := w.snap   // a clone taken at WriteHeader, or nil: safe to edit
	trailers := w.declareTrailers(h)
	te := get(h, "Transfer-Encoding")
	hasTE := te != ""
	var x extra

	if w.handlerDone && !trailers && !hasTE && http1.BodyAllowed(w.status) &&
		!has(h, "Content-Length") && (!w.isHEAD || len(p) > 0) {
		// All of the body is here: say how long it is, even 0. For
		// HEAD, 0 bytes may mean "did not bother", so no length.
		w.contentLength = int64(len(p))
		x.contentLength = true
	}
	w.decideConnection(h, &x)

	if http1.BodyAllowed(w.status) {
		// Issue 31753: never sniff an encoded body.
		if !has(h, "Content-Type") && get(h, "Content-Encoding") == "" && !hasTE && len(p) > 0 {
			x.contentType = http.DetectContentType(p)
		}
	} else {
		delete(h, "Content-Length")
		delete(h, "Transfer-Encoding")
		if w.status == http.StatusNotModified {
			delete(h, "Content-Type") // RFC 9110 §15.4.5
		}
	}
	x.date = !has(h, "Date")
	x.server = w.b.srv != "" && !has(h, "Server")

	hasCL := w.contentLength != -1
	if hasCL && hasTE && te != "identity" {
		w.b.log.Warn("fallback: WriteHeader called with both Transfer-Encoding and Content-Length",
			"transfer-encoding", te, "content-length", w.contentLength)
		delete(h, "Content-Length")
		hasCL = false
	}
	w.decideFraming(h, &x, hasCL, hasTE, te)
	if w.contentLength == -1 {
		// Only an invalid value can be left; net/http would write it
		// raw when not chunking.
		delete(h, "Content-Length")
	}

	if w.closeAfter && (w.forceClose || !hasToken(get(h, "Connection"), "close")) && !isProtocolSwitch(w.status, h) {
		delete(h, "Connection")
		x.connection = "close" // we answer HTTP/1.1, which must say so (RFC 9112 §9.6)
	}
	w.wire = http1.AppendStatusLine(w.wireBuf(), w.status)
	w.wire = w.appendFields(w.wire, h, isTrailerKey)
	w.wire = w.appendExtra(w.wire, &x)
	w.wire = append(w.wire, "\r\n"...)
}

// decideConnection applies net/http's keep-alive rules for the request.
func (w *response) decideConnection(h http.Header, x *extra) {
	w.forceClose = w.forceClose || w.b.shuttingDown()
	if w.wants10KeepAlive && !w.forceClose &&
		get(h, "Content-Length") != "" && get(h, "Connection") == "keep-alive" {
		w.closeAfter = false
	}
	hasCL := w.contentLength != -1
	if w.wants10KeepAlive && (w.isHEAD || hasCL || !http1.BodyAllowed(w.status)) {
		// An HTTP/1.0 client may keep the connection only if the
		// length is known, and only if told (RFC 9112 §C.2.2).
		if !has(h, "Connection") {
			x.connection = "keep-alive"
		}
	} else if w.minor == 0 || w.wantsClose {
		w.closeAfter = true
	}
	if hasToken(get(h, "Connection"), "close") || w.forceClose {
		w.closeAfter = true
	}
	if w.body != nil {
		// net/http: a client that expected 100-continue and whose body
		// we did not read to the end may still be deciding whether to
		// send it. And after a failed body the framing is lost.
		if w.body.expect && !w.body.sawEOF.Load() || w.body.failed() {
			w.closeAfter = true
		}
	}
}

// decideFraming chooses Content-Length, chunked, or a body delimited by
// closing the connection.
func (w *response) decideFraming(h http.Header, x *extra, hasCL, hasTE bool, te string) {
	switch {
	case w.isHEAD || !http1.BodyAllowed(w.status):
		delete(h, "Transfer-Encoding")
	case hasCL:
		delete(h, "Transfer-Encoding")
	case w.minor >= 1:
		if hasTE && te == "identity" {
			// The handler asked for a close-delimited body (the
			// Server-Sent Events recommendation).
			w.closeAfter = true
			delete(h, "Transfer-Encoding")
		} else {
			w.chunking, x.chunked = true, true
			if hasTE && te == "chunked" {
				delete(h, "Transfer-Encoding") // added below, once
			}
		}
	default:
		// HTTP/1.0 has no chunking: the end of the body is the end of
		// the connection (RFC 9112 §6.3 ¶8).
		w.closeAfter = true
		delete(h, "Transfer-Encoding")
	}
	if w.chunking {
		delete(h, "Content-Length") // RFC 9112 §6.3 ¶3
	}
}

// declareTrailers records the keys the Trailer field declares and reports
// whether the response has trailers (declared, or TrailerPrefix keys).
func (w *response) declareTrailers(h http.Header) bool {
	trailers := false
	for k := range h {
		if isTrailerKey(k) {
			trailers = true
			break
		}
	}
	for _, v := range h["Trailer"] {
		trailers = true
		foreachElement(v, func(k string) {
			if k = http.CanonicalHeaderKey(k); validTrailer(k) {
				w.trailers = append(w.trailers, k)
			}
		})
	}
	return trailers
}

func isTrailerKey(k string) bool { return strings.HasPrefix(k, http.TrailerPrefix) }

// validTrailer is httpguts.ValidTrailerHeader: RFC 9110 §6.5.1 forbids
// fields that frame, route, authenticate or control the message.
func validTrailer(k string) bool {
	return !strings.HasPrefix(k, "If-") && !badTrailer[k]
}

var badTrailer = map[string]bool{
	"Authorization": true, "Cache-Control": true, "Connection": true,
	"Content-Encoding": true, "Content-Length": true, "Content-Range": true,
	"Content-Type": true, "Expect": true, "Host": true, "Keep-Alive": true,
	"Max-Forwards": true, "Pragma": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Proxy-Connection": true, "Range": true,
	"Realm": true, "Te": true, "Trailer": true, "Transfer-Encoding": true,
	"Www-Authenticate": true,
}

// isProtocolSwitch is net/http's isProtocolSwitchResponse.
func isProtocolSwitch(code int, h http.Header) bool {
	if code != http.StatusSwitchingProtocols || get(h, "Upgrade") == "" {
		return false
	}
	for _, v := range h["Connection"] {
		if hasToken(v, "upgrade") {
			return true
		}
	}
	return false
}

// appendFields appends h's fields sorted by key, as http.Header.Write
// does, leaving out the keys skip selects and invalid names.
func (w *response) appendFields(dst []byte, h http.Header, skip func(string) bool) []byte {
	for _, k := range w.sortedKeys(h, skip) {
		for _, v := range h[k] {
			if v, ok := w.clean(k, v); ok {
				dst = http1.AppendHeader(dst, k, v)
			}
		}
	}
	return dst
}

// sortedKeys returns h's valid keys not selected by skip, sorted, in a
// scratch slice reused until the next call.
func (w *response) sortedKeys(h http.Header, skip func(string) bool) []string {
	keys := w.keys[:0]
	for k := range h {
		if !skip(k) && http1.ValidHeaderName(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	w.keys = keys
	return keys
}

// clean makes a value safe to write. Like net/http it turns CR and LF
// into spaces and trims the ends; a value that still holds a control byte
// is dropped (net/http would write it raw).
func (w *response) clean(k, v string) (string, bool) {
	if http1.ValidHeaderValue(v) && v == textproto.TrimString(v) {
		return v, true
	}
	v = textproto.TrimString(headerNewlineToSpace.Replace(v))
	if !http1.ValidHeaderValue(v) {
		w.b.log.Warn("fallback: header value with a control byte dropped", "name", k)
		return "", false
	}
	return v, true
}

func noSkip(string) bool { return false }

var headerNewlineToSpace = strings.NewReplacer("\n", " ", "\r", " ")

// appendExtra appends the fields commit added, in net/http's order.
func (w *response) appendExtra(dst []byte, x *extra) []byte {
	if x.date {
		dst = w.b.appendDate(dst)
	}
	if x.server {
		dst = http1.AppendHeader(dst, "Server", w.b.srv)
	}
	if x.contentLength {
		dst = http1.AppendContentLength(dst, w.contentLength)
	}
	if x.contentType != "" {
		dst = http1.AppendHeader(dst, "Content-Type", x.contentType)
	}
	if x.connection != "" {
		dst = http1.AppendHeader(dst, "Connection", x.connection)
	}
	if x.chunked {
		dst = http1.AppendHeader(dst, "Transfer-Encoding", "chunked")
	}
	return dst
}

// appendLastChunk appends the last chunk with the trailers, gathered as
// net/http's finalTrailers does: TrailerPrefix keys (prefix stripped, the
// rest as written) and the declared keys, from the header as it is now.
func (w *response) appendLastChunk(dst []byte) []byte {
	var t http.Header
	for k, vv := range w.handlerHeader {
		if kk, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			if t == nil {
				t = make(http.Header)
			}
			t[kk] = vv
		}
	}
	for _, k := range w.trailers {
		for _, v := range w.handlerHeader[k] {
			if t == nil {
				t = make(http.Header)
			}
			t[k] = append(t[k], v)
		}
	}
	var pairs []string
	for _, k := range w.sortedKeys(t, noSkip) {
		for _, v := range t[k] {
			if v, ok := w.clean(k, v); ok {
				pairs = append(pairs, k, v)
			}
		}
	}
	return http1.AppendLastChunk(dst, pairs...)
}
