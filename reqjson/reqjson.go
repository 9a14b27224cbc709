package reqjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// DefaultMaxBytes bounds a body when Options.MaxBytes is 0.
const DefaultMaxBytes = 1 << 20

// Options configure Decode and Bind. The zero value is usable.
type Options struct {
	// MaxBytes bounds the body; past it the request gets 413. 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// AllowUnknownFields accepts object keys that match no field of the
	// destination; by default they are a 400, which catches misspelt
	// fields.
	AllowUnknownFields bool
}

// Error is a request Decode refused. Status is 400, 413 or 415 (500 for
// a destination that cannot be decoded into, a bug of the caller); Reason
// is safe to send to the client.
type Error struct {
	Status int
	Reason string
	Err    error // the cause, for logs; may be nil
}

func (e *Error) Error() string { return "reqjson: " + e.Reason }

func (e *Error) Unwrap() error { return e.Err }

// Decode reads r's body, which must be a single JSON value with a JSON
// Content-Type (application/json or any type ending in +json, charset
// utf-8 if given), into v, a non-nil pointer. Any failure is an *Error.
// w is used, as http.MaxBytesReader uses it, to have net/http close the
// connection after a body past the limit.
func Decode(w http.ResponseWriter, r *http.Request, v any, opt Options) error {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	if r.ContentLength > opt.MaxBytes {
		return tooLarge(opt.MaxBytes, nil)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return &Error{Status: http.StatusBadRequest, Reason: "the request body is empty"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, opt.MaxBytes))
	if !opt.AllowUnknownFields {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return decodeError(err, opt.MaxBytes)
	}
	// One value only: anything but white space after it is an error.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return &Error{Status: http.StatusBadRequest, Reason: "the request body holds more than one JSON value"}
	default:
		if e := decodeError(err, opt.MaxBytes); e.Status != http.StatusBadRequest {
			return e
		}
		return &Error{Status: http.StatusBadRequest, Reason: "the request body holds data after its JSON value", Err: err}
	}
}

// Bind is Decode that answers a failure itself, with WriteError, and
// reports whether v was decoded.
func Bind(w http.ResponseWriter, r *http.Request, v any, opt Options) bool {
	if err := Decode(w, r, v, opt); err != nil {
		WriteError(w, err)
		return false
	}
	return true
}

// WriteError answers err: an *Error with its status and the JSON
// {"error":"<reason>"}, anything else as a 500 with fixed text.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Reason: "internal error"}
	}
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{e.Reason})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	w.Write(append(body, '\n'))
}

func checkContentType(ct string) error {
	const want = "the Content-Type must be application/json"
	if ct == "" {
		return &Error{Status: http.StatusUnsupportedMediaType, Reason: want}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return &Error{Status: http.StatusUnsupportedMediaType, Reason: want, Err: err}
	}
	if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return &Error{Status: http.StatusUnsupportedMediaType, Reason: want}
	}
	// RFC 8259 §8.1: JSON exchanged between systems is UTF-8.
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &Error{Status: http.StatusUnsupportedMediaType, Reason: "the charset must be utf-8"}
	}
	return nil
}

func tooLarge(limit int64, err error) *Error {
	return &Error{
		Status: http.StatusRequestEntityTooLarge,
		Reason: fmt.Sprintf("the request body is larger than %d bytes", limit),
		Err:    err,
	}
}

// decodeError maps what encoding/json and the body reader return to an
// *Error.
func decodeError(err error, limit int64) *Error {
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		targetErr *json.InvalidUnmarshalError
	)
	bad := func(reason string) *Error { return &Error{Status: http.StatusBadRequest, Reason: reason, Err: err} }
	switch {
	case errors.As(err, &maxErr):
		return tooLarge(limit, err)
	case errors.Is(err, io.EOF):
		return bad("the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bad("the request body ends inside its JSON value")
	case errors.As(err, &syntaxErr):
		return bad(fmt.Sprintf("malformed JSON at byte offset %d", syntaxErr.Offset))
	case errors.As(err, &typeErr):
		reason := "a value has the wrong JSON type"
		if name := safeName(typeErr.Field); name != "" {
			reason = fmt.Sprintf("field %q must be %s", name, jsonType(typeErr.Type))
		}
		return bad(reason)
	case errors.As(err, &targetErr):
		return &Error{Status: http.StatusInternalServerError, Reason: "internal error", Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no type for this error; its text is
		// `json: unknown field "<name>"`.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name = safeName(name); name != "" {
			return bad(fmt.Sprintf("unknown field %q", name))
		}
		return bad("unknown field")
	default:
		return bad("reading the request body failed")
	}
}

// safeName returns a field path if it is short and made of the characters
// of Go and JSON identifiers, else "": a name from a map key is the
// client's text and is not echoed.
func safeName(s string) string {
	if len(s) == 0 || len(s) > 64 {
		return ""
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return ""
		}
	}
	return s
}

// jsonType names the JSON type a Go type decodes from.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	default:
		return "another type"
	}
}
