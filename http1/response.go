package http1

import "strconv"

// AppendStatusLine appends "HTTP/1.1 code reason\r\n". We always answer
// with HTTP/1.1, as RFC 9110 §6.2 asks of a server that implements it.
func AppendStatusLine(dst []byte, code int) []byte {
	if code >= 100 && code < len(statusLines) && statusLines[code] != "" {
		return append(dst, statusLines[code]...)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(code)...)
	return append(dst, "\r\n"...)
}

// AppendHeader appends "name: value\r\n". The caller must have checked both
// with ValidHeaderName and ValidHeaderValue if they come from elsewhere.
func AppendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendContentLength appends "Content-Length: n\r\n".
func AppendContentLength(dst []byte, n int64) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, "\r\n"...)
}

// AppendChunk appends p as one chunk (RFC 9112 §7.1). An empty p appends
// nothing, since a zero-size chunk would end the body.
func AppendChunk(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = strconv.AppendUint(dst, uint64(len(p)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, p...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the last chunk, the trailer fields given as
// name/value pairs, and the final CRLF.
func AppendLastChunk(dst []byte, trailers ...string) []byte {
	dst = append(dst, "0\r\n"...)
	for k := 0; k+1 < len(trailers); k += 2 {
		dst = AppendHeader(dst, trailers[k], trailers[k+1])
	}
	return append(dst, "\r\n"...)
}

// ValidHeaderName reports whether name is a non-empty token (RFC 9110 §5.1).
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isToken[name[i]] {
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether v may be sent as a field value: no CR,
// LF, NUL or other control but HTAB (RFC 9110 §5.5). Writing a value that
// fails this check would let its author inject fields.
func ValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isValue[v[i]] {
			return false
		}
	}
	return true
}

// BodyAllowed reports whether a response with this status may carry content
// (RFC 9110 §6.4.1: 1xx, 204 and 304 never do).
func BodyAllowed(code int) bool {
	return code >= 200 && code != 204 && code != 304
}

// statusLines holds the whole status line of every registered code, so
// that writing one is an index and a copy.
var statusLines = func() (t [600]string) {
	for c := range statusText {
		t[c] = "HTTP/1.1 " + strconv.Itoa(c) + " " + StatusText(c) + "\r\n"
	}
	return t
}()
