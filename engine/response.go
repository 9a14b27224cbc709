package engine

import (
	"encoding/json"

	"github.com/chopin-go/chopin/http1"
)

// Response collects a loop handler's answer. One Response per event loop is
// reused for every request, so writing to it does not allocate once its
// buffers have grown.
type Response struct {
	status      int
	contentType string
	fields      []byte // extra header lines, "Name: value\r\n" each
	body        []byte
	enc         *json.Encoder
	err         error // a bad field or encoding error; the engine answers 500
}

func (w *Response) reset() {
	w.status, w.contentType, w.err = 0, "", nil
	w.fields, w.body = w.fields[:0], w.body[:0]
}

// WriteHeader sets the status code; the default is 200.
func (w *Response) WriteHeader(code int) {
	if code < 200 || code > 999 {
		w.err = errBadStatus
		return
	}
	w.status = code
}

// SetContentType sets the Content-Type field.
func (w *Response) SetContentType(ct string) {
	if !http1.ValidHeaderValue(ct) {
		w.err = errBadField
		return
	}
	w.contentType = ct
}

// AddHeader adds a header field. Server, Date, Content-Length and
// Connection are the engine's; a name or value that is not valid makes the
// response a 500 instead of letting a handler inject fields.
func (w *Response) AddHeader(name, value string) {
	if !http1.ValidHeaderName(name) || !http1.ValidHeaderValue(value) || reservedField(name) {
		w.err = errBadField
		return
	}
	w.fields = http1.AppendHeader(w.fields, name, value)
}

// Write appends p to the body.
func (w *Response) Write(p []byte) (int, error) {
	w.body = append(w.body, p...)
	return len(p), nil
}

// WriteString appends s to the body.
func (w *Response) WriteString(s string) (int, error) {
	w.body = append(w.body, s...)
	return len(s), nil
}

// Body returns the body written so far, for handlers that append to it
// directly with SetBody(append(w.Body(), ...)).
func (w *Response) Body() []byte { return w.body }

// SetBody replaces the body.
func (w *Response) SetBody(b []byte) { w.body = b }

// JSON serializes v with encoding/json into the body and sets Content-Type
// to application/json. The encoder and its buffer are reused, so a value
// passed by pointer costs no allocation of the engine's own; the value
// itself escapes to the heap, being handed to reflection. A type that
// writes itself with package jsonw costs nothing:
// SetBody(v.AppendJSON(Body())).
func (w *Response) JSON(v any) error {
	if w.enc == nil {
		w.enc = json.NewEncoder(w)
		w.enc.SetEscapeHTML(false)
	}
	if w.contentType == "" {
		w.contentType = "application/json"
	}
	if err := w.enc.Encode(v); err != nil {
		w.err = err
		return err
	}
	// Encode ends the value with a newline; a JSON body does not need it.
	if n := len(w.body); n > 0 && w.body[n-1] == '\n' {
		w.body = w.body[:n-1]
	}
	return nil
}

func reservedField(name string) bool {
	switch len(name) {
	case 4:
		return lowerEqual(name, "date")
	case 6:
		return lowerEqual(name, "server")
	case 10:
		return lowerEqual(name, "connection")
	case 14:
		return lowerEqual(name, "content-length")
	case 17:
		return lowerEqual(name, "transfer-encoding")
	}
	return false
}

func lowerEqual(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// appendTo writes the whole response: status line, the engine's fields,
// the handler's, and the body unless the request was HEAD or the status
// forbids one.
func (w *Response) appendTo(dst []byte, h *head) []byte {
	status := w.status
	if status == 0 {
		status = 200
	}
	dst = http1.AppendStatusLine(dst, status)
	dst = h.appendCommon(dst)
	if w.contentType != "" {
		dst = http1.AppendHeader(dst, "Content-Type", w.contentType)
	}
	withBody := http1.BodyAllowed(status)
	if withBody {
		dst = http1.AppendContentLength(dst, int64(len(w.body)))
	}
	dst = append(dst, w.fields...)
	dst = h.appendConnection(dst)
	dst = append(dst, "\r\n"...)
	if withBody && !h.isHEAD {
		dst = append(dst, w.body...)
	}
	return dst
}
