package http1

// TargetForm is the form of a request-target (RFC 9112 §3.2).
type TargetForm uint8

// The four forms of request-target.
const (
	OriginForm    TargetForm = iota // "/path?query"
	AbsoluteForm                    // "http://host/path?query"
	AuthorityForm                   // "host:port", CONNECT only
	AsteriskForm                    // "*", OPTIONS only
)

// Header is one header field line. Name and Value alias the parsed bytes;
// Value has its leading and trailing whitespace removed.
type Header struct {
	Name, Value []byte
}

// Request is a parsed request head. Every slice aliases the buffer given to
// Parser.ParseHead and is valid only while the caller keeps those bytes
// unchanged (for the engine: until its handler returns). A Request is reused
// from one parse to the next; its Headers array grows once and is kept.
type Request struct {
	Method []byte
	Target []byte // the request-target as received
	Form   TargetForm
	// Authority is the host[:port] of an absolute-form or authority-form
	// target; nil for origin-form and asterisk-form.
	Authority []byte
	Path      []byte // the path to route on; "/" for an absolute-form target without one
	Query     []byte // after '?', nil when the target has no '?'

	Minor int // HTTP/1.Minor as received; any Minor > 1 is served as 1.1

	Headers []Header
	Host    []byte // the Host field value; nil when absent

	// ContentLength is the Content-Length value, or -1 when none was sent.
	// A request with neither Content-Length nor chunked has no body.
	ContentLength int64
	Chunked       bool // Transfer-Encoding: chunked; the body is chunk-coded

	KeepAlive      bool // the connection stays open after this exchange
	ExpectContinue bool // Expect: 100-continue
	Upgrade        bool // Connection: upgrade together with an Upgrade field

	// HeadLen is the number of bytes the head took, including any empty
	// lines before the request-line; the body, if any, starts there.
	HeadLen int

	f fields // facts gathered from the fields while parsing, for framing
}

// Header returns the value of the first field named name, compared without
// regard to case, or nil. name must be lowercase.
func (r *Request) Header(name string) []byte {
	for i := range r.Headers {
		if lowerEq(r.Headers[i].Name, name) {
			return r.Headers[i].Value
		}
	}
	return nil
}

// HasBody reports whether a message body follows the head.
func (r *Request) HasBody() bool { return r.Chunked || r.ContentLength > 0 }

// IsHEAD reports whether the method is HEAD, whose response has no body.
func (r *Request) IsHEAD() bool {
	m := r.Method
	return len(m) == 4 && m[0] == 'H' && m[1] == 'E' && m[2] == 'A' && m[3] == 'D'
}

// Proto returns "HTTP/1.0" or "HTTP/1.1", the version this server answers with.
func (r *Request) Proto() string {
	if r.Minor == 0 {
		return "HTTP/1.0"
	}
	return "HTTP/1.1"
}

func (r *Request) reset() {
	r.Method, r.Target, r.Authority, r.Path, r.Query, r.Host = nil, nil, nil, nil, nil, nil
	r.Form = OriginForm
	r.Minor = 0
	r.Headers = r.Headers[:0]
	r.ContentLength = -1
	r.Chunked, r.KeepAlive, r.ExpectContinue, r.Upgrade = false, false, false, false
	r.HeadLen = 0
	r.f = fields{}
}
