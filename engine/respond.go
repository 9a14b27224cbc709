package engine

import (
	"errors"

	"github.com/chopin-go/chopin/datecache"
	"github.com/chopin-go/chopin/http1"
)

var (
	errBadStatus = errors.New("engine: status code out of range")
	errBadField  = errors.New("engine: invalid or reserved header field")
)

// connMode says what a response tells the client about the connection.
type connMode uint8

const (
	connKeep      connMode = iota // HTTP/1.1 persistence: nothing to say
	connClose                     // "Connection: close", then we close
	connKeepAlive                 // HTTP/1.0 keep-alive must be confirmed
)

// head carries what every response the engine writes for one request shares.
type head struct {
	server []byte           // "Server: name\r\n", or empty
	dates  *datecache.Cache // read only when a response is formatted: FastRoutes carry their own
	isHEAD bool
	conn   connMode
}

func (h *head) appendCommon(dst []byte) []byte {
	dst = append(dst, h.server...)
	dst = append(dst, "Date: "...)
	return append(h.dates.Append(dst), "\r\n"...)
}

func (h *head) appendConnection(dst []byte) []byte {
	switch h.conn {
	case connClose:
		return append(dst, "Connection: close\r\n"...)
	case connKeepAlive:
		return append(dst, "Connection: keep-alive\r\n"...)
	}
	return dst
}

// appendStatic copies a preformatted response. Only when the connection
// needs a Connection field is the head split to insert it.
func appendStatic(dst, resp []byte, bodyLen int, h *head) []byte {
	if h.conn == connKeep {
		if h.isHEAD {
			return append(dst, resp[:len(resp)-bodyLen]...)
		}
		return append(dst, resp...)
	}
	headEnd := len(resp) - bodyLen - 2 // before the final CRLF
	dst = append(dst, resp[:headEnd]...)
	dst = h.appendConnection(dst)
	dst = append(dst, "\r\n"...)
	if !h.isHEAD {
		dst = append(dst, resp[headEnd+2:]...)
	}
	return dst
}

// appendPlain writes a short text/plain response the engine itself makes:
// errors, 404 and 405. extra is preformatted header lines.
func appendPlain(dst []byte, status int, msg, extra string, h *head) []byte {
	dst = http1.AppendStatusLine(dst, status)
	dst = h.appendCommon(dst)
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\n"...)
	dst = http1.AppendContentLength(dst, int64(len(msg)+1))
	dst = append(dst, extra...)
	dst = h.appendConnection(dst)
	dst = append(dst, "\r\n"...)
	if !h.isHEAD {
		dst = append(append(dst, msg...), '\n')
	}
	return dst
}

// appendEmpty writes a response without content: Content-Length: 0.
func appendEmpty(dst []byte, status int, h *head) []byte {
	dst = http1.AppendStatusLine(dst, status)
	dst = h.appendCommon(dst)
	dst = append(dst, "Content-Length: 0\r\n"...)
	dst = h.appendConnection(dst)
	return append(dst, "\r\n"...)
}

// appendParseError answers a request the parser refused. The connection is
// always closed afterwards: the framing of whatever follows is in doubt.
func appendParseError(dst []byte, err error, h *head) []byte {
	status, msg := 400, "Bad Request"
	var pe *http1.ParseError
	if errors.As(err, &pe) {
		status, msg = pe.Status, pe.Reason
	}
	h.conn, h.isHEAD = connClose, false
	return appendPlain(dst, status, msg, "", h)
}
