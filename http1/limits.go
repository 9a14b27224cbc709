package http1

// Defaults for Limits; a zero field means its default.
const (
	DefaultMaxHeaderBytes = 16 << 10 // whole head: request-line, fields, final CRLF
	DefaultMaxTargetBytes = 8 << 10
	DefaultMaxHeaders     = 100
	DefaultMaxBodyBytes   = 4 << 20
	// DefaultMaxChunkExtBytes bounds one chunk-size line's extensions, so
	// that a body of one-byte chunks cannot make us scan unbounded
	// extension bytes per data byte (the issue behind CVE-2023-39326).
	DefaultMaxChunkExtBytes = 4 << 10
)

// Limits bound what a request may make the server hold. The zero value means
// every default.
type Limits struct {
	MaxHeaderBytes   int   // request-line plus header section; over it: 431
	MaxTargetBytes   int   // request-target; over it: 414
	MaxHeaders       int   // header field lines; over it: 431
	MaxBodyBytes     int64 // decoded body; over it: 413
	MaxChunkExtBytes int   // extensions on one chunk-size line; over it: 400
}

func (l Limits) withDefaults() Limits {
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxTargetBytes <= 0 {
		l.MaxTargetBytes = DefaultMaxTargetBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxChunkExtBytes <= 0 {
		l.MaxChunkExtBytes = DefaultMaxChunkExtBytes
	}
	return l
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits { return l.withDefaults() }
