package http1

import "errors"

// ErrNeedMore reports that the bytes given hold no complete element yet. It is
// flow control, not a failure: call again with the same bytes plus more.
var ErrNeedMore = errors.New("http1: need more data")

// ParseError rejects a request. Status is the response code to send and
// Reason is fixed text, safe to send to the client: it never contains bytes
// from the request. After a ParseError the connection must be closed.
type ParseError struct {
	Status int // 400, 413, 414, 417, 431, 501, 505
	Reason string
}

func (e *ParseError) Error() string { return "http1: " + e.Reason }

func badRequest(reason string) *ParseError { return &ParseError{Status: 400, Reason: reason} }

// The errors the parser and decoder return. They are values so that a test
// can name the rule a case breaks and the hot path never allocates one.
var (
	errBadRequestLine    = badRequest("malformed request line")
	errBadMethod         = badRequest("invalid method")
	errBadTarget         = badRequest("invalid request-target")
	errBadEscape         = badRequest("invalid percent-encoding in request-target")
	errTargetForm        = badRequest("request-target form not allowed for this method")
	errBadVersion        = badRequest("malformed HTTP version")
	errBareLF            = badRequest("bare LF line terminator")
	errBareCR            = badRequest("bare CR")
	errObsFold           = badRequest("obsolete line folding")
	errSpaceBeforeColon  = badRequest("whitespace before colon in header field")
	errBadHeaderName     = badRequest("invalid header field name")
	errBadHeaderValue    = badRequest("invalid character in header field value")
	errMissingHost       = badRequest("missing Host header")
	errRepeatedHost      = badRequest("repeated Host header")
	errBadHost           = badRequest("invalid Host header")
	errBadContentLength  = badRequest("invalid Content-Length")
	errDiffContentLength = badRequest("conflicting Content-Length values")
	errCLAndTE           = badRequest("both Transfer-Encoding and Content-Length")
	errTEOnHTTP10        = badRequest("Transfer-Encoding in an HTTP/1.0 request")
	errTENotChunked      = badRequest("final transfer coding is not chunked")
	errChunkedTwice      = badRequest("chunked transfer coding applied more than once")
	errBadChunkSize      = badRequest("invalid chunk size")
	errChunkOverflow     = badRequest("chunk size overflow")
	errBadChunkExt       = badRequest("invalid chunk extension")
	errChunkExtTooLong   = badRequest("chunk extension too long")
	errMissingChunkCRLF  = badRequest("missing CRLF after chunk data")
	errBadTrailer        = badRequest("invalid trailer field")

	errTargetTooLong   = &ParseError{Status: 414, Reason: "request-target too long"}
	errHeadTooLarge    = &ParseError{Status: 431, Reason: "request header section too large"}
	errTooManyHeaders  = &ParseError{Status: 431, Reason: "too many header fields"}
	errTrailerTooLarge = &ParseError{Status: 431, Reason: "trailer section too large"}
	errBodyTooLarge    = &ParseError{Status: 413, Reason: "request body too large"}
	errBadExpect       = &ParseError{Status: 417, Reason: "unsupported expectation"}
	errUnsupportedTE   = &ParseError{Status: 501, Reason: "unsupported transfer coding"}
	errBadMajorVersion = &ParseError{Status: 505, Reason: "HTTP version not supported"}
)
