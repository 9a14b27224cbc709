package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chopin-go/chopin/http1"
)

// checkHead checks what must hold of every head ParseHead accepts from buf
// under limits lim, and returns the first violation.
func checkHead(lim http1.Limits, buf []byte, r *http1.Request) error {
	lim = lim.WithDefaults()
	head := buf[:min(max(r.HeadLen, 0), len(buf))]
	if r.HeadLen <= 0 || r.HeadLen > len(buf) {
		return fmt.Errorf("HeadLen %d outside (0, %d]", r.HeadLen, len(buf))
	}
	if r.HeadLen > lim.MaxHeaderBytes {
		return fmt.Errorf("HeadLen %d over MaxHeaderBytes %d", r.HeadLen, lim.MaxHeaderBytes)
	}
	// RFC 9112 §2.1: the head ends with the empty line.
	if !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		return fmt.Errorf("head %q does not end in CRLF CRLF", head)
	}
	if err := checkAliases(head, r); err != nil {
		return err
	}
	if err := checkRequestLine(lim, head, r); err != nil {
		return err
	}
	if err := checkTarget(r); err != nil {
		return err
	}
	if err := checkFields(lim, r); err != nil {
		return err
	}
	return checkFraming(lim, r)
}

// checkAliases requires every slice in r to lie inside the head, the one
// exception being the "/" Path of an absolute-form target without a path.
func checkAliases(head []byte, r *http1.Request) error {
	type named struct {
		name string
		s    []byte
	}
	all := []named{
		{"Method", r.Method}, {"Target", r.Target}, {"Authority", r.Authority},
		{"Query", r.Query}, {"Host", r.Host},
	}
	if !(r.Form == http1.AbsoluteForm && string(r.Path) == "/") {
		all = append(all, named{"Path", r.Path})
	}
	for i, h := range r.Headers {
		all = append(all, named{fmt.Sprintf("Headers[%d].Name", i), h.Name},
			named{fmt.Sprintf("Headers[%d].Value", i), h.Value})
	}
	for _, n := range all {
		if n.s != nil && !inside(head, n.s) {
			return fmt.Errorf("%s %q is not a sub-slice of the head", n.name, n.s)
		}
	}
	return nil
}

// inside reports whether s is a sub-slice of b. Sub-slices share the end of
// the backing array, so cap tells the offset; comparing element addresses
// proves the sharing without package unsafe.
func inside(b, s []byte) bool {
	full := b[:cap(b)]
	off := cap(b) - cap(s)
	if off < 0 || off+len(s) > len(b) {
		return false
	}
	if cap(s) == 0 {
		return off == len(b)
	}
	return &full[off] == &s[:1][0]
}

func checkRequestLine(lim http1.Limits, head []byte, r *http1.Request) error {
	if !validToken(r.Method) {
		return fmt.Errorf("method %q is not a token", r.Method)
	}
	if len(r.Target) == 0 || len(r.Target) > lim.MaxTargetBytes {
		return fmt.Errorf("target length %d outside [1, %d]", len(r.Target), lim.MaxTargetBytes)
	}
	if r.Minor < 0 || r.Minor > 9 {
		return fmt.Errorf("minor version %d", r.Minor)
	}
	// Leading empty lines, then exactly the request-line that was parsed
	// (RFC 9112 §3): no byte of it may be lost or invented.
	rest := head
	for bytes.HasPrefix(rest, []byte("\r\n")) {
		rest = rest[2:]
	}
	line := fmt.Sprintf("%s %s HTTP/1.%d\r\n", r.Method, r.Target, r.Minor)
	if !bytes.HasPrefix(rest, []byte(line)) {
		return fmt.Errorf("head %q does not start with request-line %q", head, line)
	}
	for _, c := range r.Target {
		if c <= ' ' || c >= 0x7f || c == '#' {
			return fmt.Errorf("target %q holds byte %#x", r.Target, c)
		}
	}
	return nil
}

// checkTarget checks the split of the target by form (RFC 9112 §3.2).
func checkTarget(r *http1.Request) error {
	t := string(r.Target)
	q := strings.IndexByte(t, '?')
	if (q >= 0) != (r.Query != nil) || q >= 0 && string(r.Query) != t[q+1:] {
		return fmt.Errorf("query %q of target %q", r.Query, t)
	}
	switch r.Form {
	case http1.OriginForm:
		if t[0] != '/' || r.Authority != nil || string(r.Path) != strings.Split(t, "?")[0] {
			return fmt.Errorf("origin-form target %q split as path %q authority %q", t, r.Path, r.Authority)
		}
	case http1.AsteriskForm:
		if t != "*" || string(r.Method) != "OPTIONS" || string(r.Path) != "*" {
			return fmt.Errorf("asterisk-form target %q method %q path %q", t, r.Method, r.Path)
		}
	case http1.AuthorityForm:
		if string(r.Method) != "CONNECT" || string(r.Authority) != t || r.Path != nil {
			return fmt.Errorf("authority-form target %q method %q path %q", t, r.Method, r.Path)
		}
	case http1.AbsoluteForm:
		lt := strings.ToLower(t)
		if !strings.HasPrefix(lt, "http://") && !strings.HasPrefix(lt, "https://") {
			return fmt.Errorf("absolute-form target %q has another scheme", t)
		}
		rest := t[strings.Index(t, "//")+2:]
		rest = strings.Split(rest, "?")[0]
		auth, path, slash := strings.Cut(rest, "/")
		if len(r.Authority) == 0 || string(r.Authority) != auth {
			return fmt.Errorf("absolute-form target %q authority %q", t, r.Authority)
		}
		if want := "/" + path; !slash && string(r.Path) != "/" || slash && string(r.Path) != want {
			return fmt.Errorf("absolute-form target %q path %q", t, r.Path)
		}
	default:
		return fmt.Errorf("form %d", r.Form)
	}
	if r.Form != http1.AuthorityForm && len(r.Path) == 0 {
		return fmt.Errorf("empty path for target %q", t)
	}
	return nil
}

// checkFields checks each field line (RFC 9110 §5) and the Host field
// (RFC 9112 §3.2).
func checkFields(lim http1.Limits, r *http1.Request) error {
	if len(r.Headers) > lim.MaxHeaders {
		return fmt.Errorf("%d fields over MaxHeaders %d", len(r.Headers), lim.MaxHeaders)
	}
	hosts := 0
	for _, h := range r.Headers {
		if err := checkField(h); err != nil {
			return err
		}
		if strings.EqualFold(string(h.Name), "host") {
			hosts++
			if string(h.Value) != string(r.Host) || r.Host == nil {
				return fmt.Errorf("Host field %q but Host %q", h.Value, r.Host)
			}
		}
	}
	if hosts > 1 || hosts == 0 && r.Host != nil {
		return fmt.Errorf("%d Host fields, Host %q", hosts, r.Host)
	}
	if r.Minor >= 1 && hosts == 0 {
		return errors.New("HTTP/1.1 request without Host accepted")
	}
	return nil
}

func checkField(h http1.Header) error {
	if !validToken(h.Name) {
		return fmt.Errorf("field name %q is not a token", h.Name)
	}
	for _, c := range h.Value {
		if c == '\r' || c == '\n' || c == 0 || c < ' ' && c != '\t' || c == 0x7f {
			return fmt.Errorf("field %q value %q holds byte %#x", h.Name, h.Value, c)
		}
	}
	if v := h.Value; len(v) > 0 && (isOWS(v[0]) || isOWS(v[len(v)-1])) {
		return fmt.Errorf("field %q value %q is not trimmed", h.Name, v)
	}
	return nil
}

// checkFraming checks the body framing against the fields it came from
// (RFC 9112 §6.3) and the connection flags against Connection (§9.3).
func checkFraming(lim http1.Limits, r *http1.Request) error {
	var cls, tes, conn []string
	upgrade, expect := false, false
	for _, h := range r.Headers {
		switch strings.ToLower(string(h.Name)) {
		case "content-length":
			cls = append(cls, string(h.Value))
		case "transfer-encoding":
			tes = append(tes, string(h.Value))
		case "connection":
			conn = append(conn, elements(string(h.Value))...)
		case "upgrade":
			upgrade = true
		case "expect":
			expect = expect || strings.EqualFold(string(h.Value), "100-continue")
		}
	}
	switch {
	case r.Chunked && r.ContentLength != -1:
		return fmt.Errorf("chunked with ContentLength %d", r.ContentLength)
	case r.Chunked && (len(tes) == 0 || len(cls) > 0 || r.Minor == 0):
		return fmt.Errorf("chunked with TE %q, CL %q in HTTP/1.%d", tes, cls, r.Minor)
	case !r.Chunked && len(tes) > 0:
		return fmt.Errorf("Transfer-Encoding %q accepted without chunked", tes)
	case r.ContentLength < -1 || r.ContentLength > lim.MaxBodyBytes:
		return fmt.Errorf("ContentLength %d outside [-1, %d]", r.ContentLength, lim.MaxBodyBytes)
	case r.ContentLength >= 0 && len(cls) == 0, r.ContentLength == -1 && len(cls) > 0:
		return fmt.Errorf("ContentLength %d from fields %q", r.ContentLength, cls)
	}
	for _, v := range cls {
		if n, err := strconv.ParseUint(v, 10, 63); err != nil || int64(n) != r.ContentLength {
			return fmt.Errorf("Content-Length %q but ContentLength %d", v, r.ContentLength)
		}
	}
	has := func(tok string) bool {
		for _, e := range conn {
			if strings.EqualFold(e, tok) {
				return true
			}
		}
		return false
	}
	if want := !has("close") && (r.Minor >= 1 || has("keep-alive")); r.KeepAlive != want {
		return fmt.Errorf("KeepAlive %t with Connection %q in HTTP/1.%d", r.KeepAlive, conn, r.Minor)
	}
	// RFC 9110 §7.8: Upgrade needs "Connection: upgrade" and is ignored
	// in HTTP/1.0; §10.1.1: so is 100-continue.
	if want := upgrade && has("upgrade") && r.Minor >= 1; r.Upgrade != want {
		return fmt.Errorf("Upgrade %t with Connection %q in HTTP/1.%d", r.Upgrade, conn, r.Minor)
	}
	if want := expect && r.Minor >= 1; r.ExpectContinue != want {
		return fmt.Errorf("ExpectContinue %t in HTTP/1.%d", r.ExpectContinue, r.Minor)
	}
	return nil
}

// checkTrailers checks a decoded trailer section (RFC 9112 §7.1.2).
func checkTrailers(lim http1.Limits, ts []field) error {
	lim = lim.WithDefaults()
	if len(ts) > lim.MaxHeaders {
		return fmt.Errorf("%d trailers over MaxHeaders %d", len(ts), lim.MaxHeaders)
	}
	for _, f := range ts {
		h := http1.Header{Name: []byte(f.Name), Value: []byte(f.Value)}
		if err := checkField(h); err != nil {
			return fmt.Errorf("trailer: %w", err)
		}
		switch strings.ToLower(string(h.Name)) {
		case "host", "content-length", "transfer-encoding", "trailer":
			return fmt.Errorf("forbidden trailer %q accepted", h.Name)
		}
	}
	return nil
}

// elements splits a comma-separated list (RFC 9110 §5.6.1), dropping empty
// elements.
func elements(v string) []string {
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.Trim(e, " \t"); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func validToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTchar(c) {
			return false
		}
	}
	return true
}

// isTchar reports whether c is a tchar (RFC 9110 §5.6.2).
func isTchar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }
