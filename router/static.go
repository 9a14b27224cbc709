package router

import (
	"strconv"
	"sync/atomic"
)

// dateLen is the length of an IMF-fixdate, the only Date format we send.
const dateLen = 29

// Static is a preformatted 200 response with a fixed body.
type Static struct {
	ContentType string
	Body        []byte

	prefix  []byte // status line, Server and "Date: "
	suffix  []byte // rest of the head after the date, without the body
	current atomic.Pointer[staticBytes]
}

type staticBytes struct {
	get  []byte // whole response
	head []byte // the same head, no body (RFC 9110 §9.3.2)
}

// NewStatic preformats a 200 response. server is the Server field value
// ("" omits the field); contentType and body are sent as given.
func NewStatic(server, contentType string, body []byte) *Static {
	s := &Static{ContentType: contentType, Body: body}
	s.prefix = append(s.prefix, "HTTP/1.1 200 OK\r\n"...)
	if server != "" {
		s.prefix = append(s.prefix, "Server: "+server+"\r\n"...)
	}
	s.prefix = append(s.prefix, "Date: "...)
	s.suffix = append(s.suffix, "\r\nContent-Type: "+contentType+"\r\nContent-Length: "...)
	s.suffix = strconv.AppendInt(s.suffix, int64(len(body)), 10)
	s.suffix = append(s.suffix, "\r\n\r\n"...)
	s.SetDate(make([]byte, dateLen))
	return s
}

// Response returns the whole response for GET, or its head alone for HEAD.
// The bytes are never modified; they may be held after a date change.
func (s *Static) Response(head bool) []byte {
	b := s.current.Load()
	if head {
		return b.head
	}
	return b.get
}

// SetDate publishes the response with a new date, which must be dateLen
// bytes. It allocates one buffer; call it when the date changes, not per
// request.
func (s *Static) SetDate(date []byte) {
	n := len(s.prefix) + len(date) + len(s.suffix)
	buf := make([]byte, 0, n+len(s.Body))
	buf = append(buf, s.prefix...)
	buf = append(buf, date...)
	buf = append(buf, s.suffix...)
	buf = append(buf, s.Body...)
	s.current.Store(&staticBytes{get: buf, head: buf[:n:n]})
}
