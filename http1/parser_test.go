package http1

import (
	"bytes"
	"errors"
	"math/bits"
	"strings"
	"testing"
)

// bigHead is a head of many short lines, about 2 KiB, within the default
// limits.
func bigHead() []byte {
	var b bytes.Buffer
	b.WriteString("\r\nPOST /upload?id=7 HTTP/1.1\r\nHost: example.com\r\n")
	for i := range 90 {
		b.WriteString("X-Field-")
		b.WriteByte('a' + byte(i%26))
		b.WriteString(": some value\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.Bytes()
}

// TestParseHeadResumesScan feeds heads one byte at a time and checks the
// mechanism that keeps this linear, since a timed test would be flaky:
// after each ErrNeedMore the Parser has recorded every complete line, and
// the full parse, which reads from the start of the head, runs only a
// logarithmic number of times. A call ran the full parse if it reset the
// Request, which a sentinel HeadLen shows.
func TestParseHeadResumesScan(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"many lines", bigHead()},
		{"long method", []byte(strings.Repeat("M", 12000) + " / HTTP/1.1\r\nHost: a\r\n\r\n")},
		{"long target", []byte("GET /" + strings.Repeat("t", 8000) + " HTTP/1.1\r\nHost: a\r\n\r\n")},
		{"long field line", []byte("GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("v", 16000) + "\r\n\r\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			lineEnd := bytes.Index(in, []byte(" HTTP/1.1\r\n")) + 11 // after the request-line
			var p Parser
			var r Request
			parses, last := 0, 0 // last: offset after the last LF in in[:k]
			for k := 1; k <= len(in); k++ {
				if in[k-1] == '\n' {
					last = k
				}
				r.HeadLen = -1
				n, err := p.ParseHead(in[:k], &r)
				if r.HeadLen != -1 {
					parses++
				}
				if k == len(in) {
					if err != nil || n != len(in) {
						t.Fatalf("whole head: n %d of %d, err %v", n, len(in), err)
					}
					break
				}
				if err != ErrNeedMore {
					t.Fatalf("prefix of %d bytes: n %d, err %v; want ErrNeedMore", k, n, err)
				}
				if p.scanned < last {
					t.Fatalf("prefix of %d bytes: scanned %d, want >= %d", k, p.scanned, last)
				}
				if p.started && k < lineEnd {
					t.Fatalf("prefix of %d bytes: started before the request-line ended at %d", k, lineEnd)
				}
			}
			// A parse per doubling of an unfinished request-line, one
			// when it ends, one when the head does.
			if max := 2*bits.Len(uint(len(in))) + 4; parses > max {
				t.Errorf("%d full parses for %d bytes, want at most %d", parses, len(in), max)
			}
			if p.pending || p.scanned != 0 || p.searched != 0 || p.started {
				t.Errorf("after the head: %+v, want a fresh state", p)
			}
		})
	}
}

// TestParseHeadFinalCRLFInNextRead is the regression test for a head whose
// final empty line arrives in a read of its own: the Parser used to skip it
// as if it came before the request-line and wait for ever.
func TestParseHeadFinalCRLFInNextRead(t *testing.T) {
	in := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	var p Parser
	var r Request
	if _, err := p.ParseHead(in[:len(in)-2], &r); err != ErrNeedMore {
		t.Fatalf("without the final CRLF: %v, want ErrNeedMore", err)
	}
	if n, err := p.ParseHead(in, &r); err != nil || n != len(in) {
		t.Fatalf("with the final CRLF: n %d, err %v; want %d, nil", n, err, len(in))
	}
}

// TestParseHeadHalfLeadingCRLF is the regression test for a stray CRLF
// before a request split after its CR: that CR is not yet a bare CR.
func TestParseHeadHalfLeadingCRLF(t *testing.T) {
	in := []byte("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
	var p Parser
	var r Request
	for _, k := range []int{1, 2, 3} {
		if _, err := p.ParseHead(in[:k], &r); err != ErrNeedMore {
			t.Fatalf("prefix %q: %v, want ErrNeedMore", in[:k], err)
		}
	}
	if n, err := p.ParseHead(in, &r); err != nil || n != len(in) {
		t.Fatalf("whole: n %d, err %v", n, err)
	}
	if _, err := NewParser(Limits{}).ParseHead([]byte("\rGET"), &r); err != errBareCR {
		t.Errorf("CR before a request-line: %v, want %v", err, errBareCR)
	}
}

// TestParseHeadAliases checks the zero-copy promise: every slice in the
// Request points into the buffer given.
func TestParseHeadAliases(t *testing.T) {
	in := []byte("POST http://h.example/p?q=1 HTTP/1.1\r\nHost: h.example\r\nX: v\r\n\r\n")
	var r Request
	if _, err := NewParser(Limits{}).ParseHead(in, &r); err != nil {
		t.Fatal(err)
	}
	at := func(name string, s []byte, off int) {
		t.Helper()
		if len(s) == 0 || &s[0] != &in[off] {
			t.Errorf("%s %q does not alias the input at %d", name, s, off)
		}
	}
	at("Method", r.Method, 0)
	at("Target", r.Target, 5)
	at("Authority", r.Authority, 12)
	at("Path", r.Path, 21)
	at("Query", r.Query, 24)
	at("Headers[0].Name", r.Headers[0].Name, 38)
	at("Host", r.Host, 44)
	at("Headers[1].Value", r.Headers[1].Value, 58)
}

func TestRequestMethods(t *testing.T) {
	parse := func(s string) *Request {
		t.Helper()
		var r Request
		if _, err := NewParser(Limits{}).ParseHead([]byte(s), &r); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return &r
	}
	r := parse("HEAD / HTTP/1.0\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n")
	if got := r.Header("x-a"); string(got) != "1" {
		t.Errorf(`Header("x-a") = %q, want the first, "1"`, got)
	}
	if got := r.Header("x-b"); got != nil {
		t.Errorf(`Header("x-b") = %q, want nil`, got)
	}
	if !r.IsHEAD() || r.HasBody() || r.Proto() != "HTTP/1.0" {
		t.Errorf("IsHEAD %v, HasBody %v, Proto %q; want true, false, HTTP/1.0", r.IsHEAD(), r.HasBody(), r.Proto())
	}
	r = parse("head / HTTP/1.2\r\nHost: a\r\nContent-Length: 1\r\n\r\n")
	if r.IsHEAD() || !r.HasBody() || r.Proto() != "HTTP/1.1" {
		t.Errorf("IsHEAD %v, HasBody %v, Proto %q; want false, true, HTTP/1.1", r.IsHEAD(), r.HasBody(), r.Proto())
	}
	r = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
	if !r.HasBody() {
		t.Error("a chunked request has a body")
	}
}

func TestParserLimits(t *testing.T) {
	var zero Parser
	if got := zero.Limits(); got != (Limits{}).WithDefaults() {
		t.Errorf("zero Parser limits = %+v, want the defaults", got)
	}
	p := NewParser(Limits{MaxHeaders: 5})
	want := Limits{MaxHeaders: 5}.WithDefaults()
	if got := p.Limits(); got != want || got.MaxHeaders != 5 || got.MaxHeaderBytes != DefaultMaxHeaderBytes {
		t.Errorf("Limits() = %+v, want %+v", got, want)
	}
	// Reset drops a head in progress and takes new limits.
	var r Request
	if _, err := p.ParseHead([]byte("GET / HTTP/1.1\r\nHost: a\r\n"), &r); err != ErrNeedMore {
		t.Fatal(err)
	}
	p.Reset(Limits{MaxTargetBytes: 4})
	if p.pending || p.scanned != 0 || p.started {
		t.Errorf("after Reset: %+v, want a fresh state", p)
	}
	if _, err := p.ParseHead([]byte("GET /abcd HTTP/1.1\r\n"), &r); err != errTargetTooLong {
		t.Errorf("after Reset: %v, want %v", err, errTargetTooLong)
	}
}

// TestParseErrors checks that every error the package returns has a
// status a server can send and fixed, prefixed text.
func TestParseErrors(t *testing.T) {
	for _, e := range []*ParseError{
		errBadRequestLine, errBadMethod, errBadTarget, errBadEscape, errTargetForm,
		errBadVersion, errBareLF, errBareCR, errObsFold, errSpaceBeforeColon,
		errBadHeaderName, errBadHeaderValue, errMissingHost, errRepeatedHost,
		errBadHost, errBadContentLength, errDiffContentLength, errCLAndTE,
		errTEOnHTTP10, errTENotChunked, errChunkedTwice, errBadChunkSize,
		errChunkOverflow, errBadChunkExt, errChunkExtTooLong, errMissingChunkCRLF,
		errBadTrailer, errTargetTooLong, errHeadTooLarge, errTooManyHeaders,
		errTrailerTooLarge, errBodyTooLarge, errBadExpect, errUnsupportedTE,
		errBadMajorVersion,
	} {
		switch e.Status {
		case 400, 413, 414, 417, 431, 501, 505:
		default:
			t.Errorf("%q: status %d", e.Reason, e.Status)
		}
		if e.Reason == "" || e.Error() != "http1: "+e.Reason || StatusText(e.Status) == "Status" {
			t.Errorf("%+v: Error() = %q", e, e.Error())
		}
		var pe *ParseError
		if !errors.As(error(e), &pe) || errors.Is(e, ErrNeedMore) {
			t.Errorf("%q is not a plain *ParseError", e.Reason)
		}
	}
	if !strings.HasPrefix(ErrNeedMore.Error(), "http1: ") {
		t.Errorf("ErrNeedMore text %q lacks the package prefix", ErrNeedMore)
	}
}
