package http1

import (
	"bytes"
	"encoding/binary"
)

// "HTTP/1.1" and "HTTP/1.0" as little-endian words, to compare a version in
// one load.
var (
	http11 = binary.LittleEndian.Uint64([]byte("HTTP/1.1"))
	http10 = binary.LittleEndian.Uint64([]byte("HTTP/1.0"))
)

// parseRequestLine parses method SP request-target SP HTTP-version CRLF
// (RFC 9112 §3) starting at i and returns the offset after the CRLF.
func (p *Parser) parseRequestLine(b []byte, i int, r *Request) (int, error) {
	start := i
	for i < len(b) && isToken[b[i]] {
		i++
	}
	if i == len(b) {
		return 0, ErrNeedMore
	}
	// RFC 9112 §3: single SP separators; we do not split on other whitespace.
	if b[i] != ' ' {
		if i == start {
			return 0, errBadRequestLine
		}
		return 0, errBadMethod
	}
	if i == start {
		return 0, errBadRequestLine
	}
	r.Method = b[start:i]
	i, err := p.parseTarget(b, i+1, r)
	if err != nil {
		return 0, err
	}
	return parseVersion(b, i, r)
}

// parseTarget scans the request-target up to the SP before the version,
// checking every byte and percent-escape, then splits it by form.
func (p *Parser) parseTarget(b []byte, i int, r *Request) (int, error) {
	start := i
	query := -1
	end := len(b)
	if max := start + p.lim.MaxTargetBytes; end > max {
		end = max + 1 // one byte past the limit tells "too long" from "incomplete"
	}
	for ; i < end; i++ {
		switch targetCls[b[i]] {
		case tgtPlain:
			continue
		case tgtQuery:
			if query < 0 {
				query = i
			}
			continue
		case tgtPercent:
			if len(b)-i < 3 {
				return 0, ErrNeedMore
			}
			if hexVal[b[i+1]] < 0 || hexVal[b[i+2]] < 0 {
				return 0, errBadEscape
			}
			continue
		}
		break
	}
	if i-start > p.lim.MaxTargetBytes {
		return 0, errTargetTooLong
	}
	if i == len(b) {
		return 0, ErrNeedMore
	}
	if b[i] != ' ' || i == start {
		return 0, errBadTarget
	}
	r.Target = b[start:i]
	if query >= 0 {
		r.Query = b[query+1 : i]
		r.Path = b[start:query]
	} else {
		r.Path = r.Target
	}
	if err := splitTarget(r); err != nil {
		return 0, err
	}
	return i + 1, nil
}

// splitTarget decides the target's form (RFC 9112 §3.2) and, for
// absolute-form, separates the authority from the path.
func splitTarget(r *Request) error {
	connect := string(r.Method) == "CONNECT"
	switch t := r.Target; {
	case connect:
		// RFC 9112 §3.2.3: CONNECT takes authority-form and nothing else.
		if r.Query != nil || !validHostPort(t) {
			return errTargetForm
		}
		r.Form, r.Authority, r.Path = AuthorityForm, t, nil
	case t[0] == '/':
		r.Form = OriginForm
	case len(t) == 1 && t[0] == '*':
		// RFC 9112 §3.2.4: asterisk-form only for a server-wide OPTIONS.
		if string(r.Method) != "OPTIONS" {
			return errTargetForm
		}
		r.Form, r.Path = AsteriskForm, t
	default:
		return splitAbsolute(r)
	}
	return nil
}

// splitAbsolute splits an absolute-form target. Only the http and https
// schemes are accepted: a server routes by path and cannot serve any other.
// RFC 9110 §4.2.1 and §4.2.4: an empty host or a userinfo part is an error.
func splitAbsolute(r *Request) error {
	path := r.Path // the target before any '?'
	var rest []byte
	switch {
	case len(path) > 7 && lowerEq(path[:7], "http://"):
		rest = path[7:]
	case len(path) > 8 && lowerEq(path[:8], "https://"):
		rest = path[8:]
	default:
		return errBadTarget
	}
	slash := len(rest)
	for k, c := range rest {
		if c == '/' {
			slash = k
			break
		}
	}
	if !validAuthority(rest[:slash]) {
		return errBadTarget
	}
	r.Form, r.Authority = AbsoluteForm, rest[:slash]
	if slash == len(rest) {
		r.Path = slashPath
	} else {
		r.Path = rest[slash:]
	}
	return nil
}

// slashPath is the path of an absolute-form target that has none; it must
// never be written to.
var slashPath = []byte("/")

// validHostPort checks authority-form, uri-host ":" port (RFC 9112 §3.2.3).
func validHostPort(a []byte) bool {
	colon := bytes.LastIndexByte(a, ':')
	if colon <= 0 || colon == len(a)-1 {
		return false
	}
	for _, c := range a[colon+1:] {
		if !isDigit(c) {
			return false
		}
	}
	return validAuthority(a[:colon])
}

func validAuthority(a []byte) bool {
	if len(a) == 0 {
		return false
	}
	for _, c := range a {
		if !isHost[c] {
			return false
		}
	}
	return true
}

// parseVersion parses HTTP-version CRLF (RFC 9112 §2.3).
func parseVersion(b []byte, i int, r *Request) (int, error) {
	if len(b)-i < 10 {
		return 0, checkVersionPrefix(b[i:])
	}
	switch binary.LittleEndian.Uint64(b[i:]) {
	case http11:
		r.Minor = 1
	case http10:
		r.Minor = 0
	default:
		v := b[i : i+8]
		if string(v[:5]) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
			return 0, errBadVersion
		}
		r.Minor = int(v[7] - '0')
	}
	switch {
	case b[i+8] == '\n':
		return 0, errBareLF
	case b[i+8] != '\r':
		return 0, errBadVersion
	case b[i+9] != '\n':
		return 0, errBareCR
	}
	// RFC 9110 §2.5: a higher minor version of 1.x is served as the
	// highest we implement; another major version is refused.
	if b[i+5] != '1' {
		return 0, errBadMajorVersion
	}
	return i + 10, nil
}

// checkVersionPrefix returns ErrNeedMore if v could still become
// "HTTP/d.d\r\n", else the error it already is, so that garbage after the
// target fails at once instead of at the size limit.
func checkVersionPrefix(v []byte) error {
	const pat = "HTTP/0.0\r\n"
	for k, c := range v {
		switch {
		case k == 8 && c == '\n':
			return errBareLF
		case k == 9 && c != '\n':
			return errBareCR
		case pat[k] == '0':
			if !isDigit(c) {
				return errBadVersion
			}
		case c != pat[k]:
			return errBadVersion
		}
	}
	return ErrNeedMore
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
