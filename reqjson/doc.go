// Package reqjson decodes a request's JSON body into a Go value for a
// net/http handler, with a size limit, and turns every way the body can be
// wrong into a clear client error: 415 for a body that is not JSON by its
// Content-Type, 413 for one past the limit, 400 for malformed JSON, a value
// of the wrong type, an unknown field or trailing data.
//
//	var in struct{ Name string `json:"name"` }
//	if !reqjson.Bind(w, r, &in, reqjson.Options{MaxBytes: 64 << 10}) {
//		return // the 4xx is written
//	}
//
// What runs where: on the handler's goroutine (the engine's fallback, or
// net/http's), blocking while the body arrives; never on an event loop.
//
// Error reasons are fixed text with at most a byte offset, a JSON type
// and a field name of the destination type: they never echo the request's
// bytes, so they are safe to send back.
package reqjson
