package fuzz

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"
)

// A netMessage is one request as net/http's server would hand it to a
// handler that reads the whole body.
type netMessage struct {
	Off  int // stream offset of the request-line (after any skipped CR/LF)
	Req  *http.Request
	Body []byte
	// Hosts are the Host field values, read again from the head: ReadRequest
	// deletes them from Req.Header and, for absolute-form, ignores them.
	Hosts []string
}

// A netOutcome is what net/http's server made of a byte stream.
type netOutcome struct {
	Msgs []netMessage
	Err  error // why it stopped reading; nil after a clean close or EOF
	// ErrOff is the stream offset where the refused request started, and
	// PrevMethod the method of the request before it.
	ErrOff     int
	PrevMethod string
}

// serveNetHTTP reads data as net/http's server reads a connection:
// http.ReadRequest over a 4096-byte bufio.Reader, plus the checks that
// (*conn).readRequest and (*conn).serve in net/http/server.go add on top of
// ReadRequest, each marked SERVER below. The handler is taken to read the
// whole body, so the server goes on to the next request.
func serveNetHTTP(data []byte) netOutcome {
	src := bytes.NewReader(data)
	br := bufio.NewReader(src) // the server's newBufioReader: 4096 bytes
	offset := func() int { return len(data) - src.Len() - br.Buffered() }
	var out netOutcome
	fail := func(off int, err error) netOutcome {
		out.Err, out.ErrOff = err, off
		return out
	}
	for {
		// SERVER (readRequest): after a POST, skip up to four CR or LF
		// bytes, "RFC 7230 section 3 tolerance for old buggy clients".
		if out.PrevMethod == "POST" {
			peek, _ := br.Peek(4)
			br.Discard(numLeadingCRorLF(peek))
		}
		start := offset()
		req, err := http.ReadRequest(br)
		if err != nil {
			return fail(start, err)
		}
		m := netMessage{Off: start, Req: req, Hosts: rereadHosts(data[start:offset()])}
		if err := serverChecks(req, m.Hosts); err != nil {
			return fail(start, err)
		}
		// SERVER (serve): an Expect other than 100-continue gets 417 before
		// the handler runs, and the connection is closed.
		if !hasToken(req.Header.Get("Expect"), "100-continue") && req.Header.Get("Expect") != "" {
			return fail(start, errors.New("SERVER: 417 expectation failed"))
		}
		if m.Body, err = io.ReadAll(req.Body); err != nil {
			return fail(start, fmt.Errorf("reading body: %w", err))
		}
		out.Msgs = append(out.Msgs, m)
		out.PrevMethod = req.Method
		// SERVER (serve, shouldReuseConnection): Close ends the exchange,
		// and readRequest sets closeAfterReply for an h2 upgrade, as
		// ReadRequest sets Close.
		if req.Close {
			return out
		}
		// SERVER (serve): the next request is read only once four bytes
		// are there.
		if _, err := br.Peek(4); err != nil {
			if offset() < len(data) {
				out.ErrOff = offset()
				out.Err = fmt.Errorf("SERVER: fewer than 4 bytes after a request: %w", err)
			}
			return out
		}
	}
}

// serverChecks reproduces, in order, the checks (*conn).readRequest makes
// after ReadRequest succeeds.
func serverChecks(req *http.Request, hosts []string) error {
	// SERVER: http1ServerSupportsRequest: HTTP/1.x, or the HTTP/2
	// connection preface "PRI * HTTP/2.0"; anything else is a 505.
	if req.ProtoMajor != 1 && !(req.ProtoMajor == 2 && req.ProtoMinor == 0 &&
		req.Method == "PRI" && req.RequestURI == "*") {
		return errors.New("SERVER: 505 unsupported protocol version")
	}
	// SERVER: HTTP/1.1 requires a Host field, except for CONNECT and the
	// h2 preface.
	if req.ProtoAtLeast(1, 1) && len(hosts) == 0 && !isH2Upgrade(req) && req.Method != "CONNECT" {
		return errors.New("SERVER: 400 missing required Host header")
	}
	if len(hosts) == 1 && !validHostHeader(hosts[0]) {
		return errors.New("SERVER: 400 malformed Host header")
	}
	// SERVER: every field name must be a token and every value free of
	// controls. ReadMIMEHeader already refuses bad value bytes, but lets a
	// name hold spaces (go.dev/issue/34540); this is what refuses those.
	check := func(k string, vv []string) error {
		if !validToken([]byte(k)) {
			return fmt.Errorf("SERVER: 400 invalid header name %q", k)
		}
		for _, v := range vv {
			for _, c := range []byte(v) {
				if c < ' ' && c != '\t' || c == 0x7f {
					return fmt.Errorf("SERVER: 400 invalid header value %q", v)
				}
			}
		}
		return nil
	}
	for k, vv := range req.Header {
		if err := check(k, vv); err != nil {
			return err
		}
	}
	return check("Host", hosts)
}

// rereadHosts reads the head again with net/textproto, as ReadRequest did,
// and returns the Host values it deleted.
func rereadHosts(head []byte) []string {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	if _, err := tp.ReadLine(); err != nil {
		return nil
	}
	h, _ := tp.ReadMIMEHeader()
	return h["Host"]
}

// isH2Upgrade is (*http.Request).isH2Upgrade: the HTTP/2 connection
// preface read as a request.
func isH2Upgrade(req *http.Request) bool {
	return req.Method == "PRI" && len(req.Header) == 0 && req.URL.Path == "*" && req.Proto == "HTTP/2.0"
}

// numLeadingCRorLF is net/http's function of the same name.
func numLeadingCRorLF(v []byte) (n int) {
	for _, b := range v {
		if b != '\r' && b != '\n' {
			break
		}
		n++
	}
	return n
}

// hasToken is net/http's hasToken: whether v holds token, case-insensitively,
// delimited by space, comma or tab.
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	boundary := func(b byte) bool { return b == ' ' || b == ',' || b == '\t' }
	for sp := 0; sp+len(token) <= len(v); sp++ {
		if sp > 0 && !boundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !boundary(v[end]) {
			continue
		}
		if asciiEqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

// asciiEqualFold is strings.EqualFold for ASCII only, as net/http's is:
// the Kelvin sign does not fold to 'k' here.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// validHostHeader is httpguts.ValidHostHeader: every byte is one that may
// appear in uri-host [":" port] (alphanumerics and -._~!$&'()*+,;=:[]%).
func validHostHeader(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && strings.IndexByte("-._~!$&'()*+,;=:[]%", c) < 0 {
			return false
		}
	}
	return true
}
