package http1

import (
	"bytes"
	"encoding/binary"
	"math/bits"
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
	if len(b)-i >= 4 && le32(b[i:]) == wGET {
		r.Method = b[i : i+3]
		return p.afterMethod(b, i+4, r)
	}
	i = scanToken(b, i)
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
	return p.afterMethod(b, i+1, r)
}

// wGET is "GET " as a word: most requests start with it.
var wGET = le32s("GET ")

// afterMethod parses the rest of the request-line, from the target on.
func (p *Parser) afterMethod(b []byte, i int, r *Request) (int, error) {
	i, err := p.parseTarget(b, i, r)
	if err != nil {
		return 0, err
	}
	// The usual request-line ends in "HTTP/1.1" CRLF after an
	// origin-form target: both are recognised here without the calls
	// that handle everything else.
	if len(b)-i >= 10 && le64(b[i:]) == http11 && b[i+8] == '\r' && b[i+9] == '\n' {
		r.Minor = 1
		i += 10
	} else if i, err = parseVersion(b, i, r); err != nil {
		return 0, err
	}
	if r.Target[0] == '/' && string(r.Method) != "CONNECT" {
		return i, nil // Form is OriginForm since reset
	}
	// The form is judged once the version is known: a request of another
	// major version, such as the HTTP/2 preface "PRI * HTTP/2.0", gets its
	// 505 rather than a complaint about a target it never meant for us.
	return i, splitTarget(r)
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
	for {
		// Plain characters are nearly all of a target: they get a
		// loop of their own. The word scan's lowest flag is exact, so
		// the byte loop is only for the last few bytes.
		for end-i >= 8 {
			m := targetStops(binary.LittleEndian.Uint64(b[i:]))
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto stop
			}
			i += 8
		}
		for i < end && targetCls[b[i]] == tgtPlain {
			i++
		}
		if i == end {
			break
		}
	stop:
		if c := targetCls[b[i]]; c == tgtQuery {
			if query < 0 {
				query = i
			}
		} else if c == tgtPercent {
			if len(b)-i < 3 {
				return 0, ErrNeedMore
			}
			if hexVal[b[i+1]] < 0 || hexVal[b[i+2]] < 0 {
				return 0, errBadEscape
			}
		} else {
			break
		}
		i++
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
	return i + 1, nil
}

// splitTarget decides the target's form (RFC 9112 §3.2) and, for
// absolute-form, separates the authority from the path.
func splitTarget(r *Request) error {
	connect := string(r.Method) == "CONNECT"
	switch t := r.Target; {
	case connect:
		// RFC 9112 §3.2.3: CONNECT takes authority-form and nothing else.
		if r.Query != nil || !validAuthority(t, true) {
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
	if !validAuthority(rest[:slash], false) {
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

// validAuthority checks uri-host [ ":" port ] (RFC 3986 §3.2.2, §3.2.3):
// a bracketed IP-literal, or a non-empty reg-name or IPv4 address made of
// unreserved and sub-delims characters; then ":" and digits,
// which needPort requires (authority-form, RFC 9112 §3.2.3). A table of
// allowed bytes alone would pass "a:b" or "a:1:2", which RFC 9112 §3.2
// makes a 400 in Host and a router might split differently than we do.
func validAuthority(a []byte, needPort bool) bool {
	i := 0
	if len(a) > 0 && a[0] == '[' {
		i = bytes.IndexByte(a, ']') + 1
		if i == 0 || !validIPLiteral(a[1:i-1]) {
			return false
		}
	} else {
		for i < len(a) && a[i] != ':' {
			// RFC 3986 lets a reg-name hold pct-encoded octets,
			// but an HTTP host is a DNS name (IDNs travel as
			// punycode) or an IP address. An escape could only hide
			// a NUL, '/' or '@' that another party decodes and
			// routes on differently, so we refuse any '%' (net/url
			// refuses escaped ASCII too).
			if c := a[i]; !isHost[c] || c == '[' || c == ']' || c == '%' {
				return false
			}
			i++
		}
		if i == 0 {
			return false
		}
	}
	if i == len(a) {
		return !needPort
	}
	if a[i] != ':' || needPort && i+1 == len(a) {
		return false
	}
	for _, c := range a[i+1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// validIPLiteral checks what stands between the brackets of an IP-literal:
// IPv6address or IPvFuture (RFC 3986 §3.2.2). Zone identifiers (RFC 6874)
// are not allowed in HTTP.
func validIPLiteral(a []byte) bool {
	if len(a) > 1 && a[0]|0x20 == 'v' {
		// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
		dot := bytes.IndexByte(a, '.')
		if dot < 2 || dot == len(a)-1 {
			return false
		}
		for _, c := range a[1:dot] {
			if hexVal[c] < 0 {
				return false
			}
		}
		for _, c := range a[dot+1:] {
			if !isHost[c] || c == '[' || c == ']' || c == '%' {
				return false
			}
		}
		return true
	}
	return validIPv6(a)
}

// validIPv6 checks an IPv6address: eight groups of one to four hex digits
// separated by ':', the last two of which may be written as an IPv4
// address, and one "::" standing for one or more groups of zeros.
func validIPv6(a []byte) bool {
	groups, gap := 0, false
	if len(a) >= 2 && a[0] == ':' && a[1] == ':' {
		a, gap = a[2:], true
	}
	for len(a) > 0 {
		n := 0
		for n < len(a) && n < 5 && hexVal[a[n]] >= 0 {
			n++
		}
		if n < len(a) && a[n] == '.' {
			if !validIPv4(a) {
				return false
			}
			groups += 2
			break
		}
		if n == 0 || n > 4 {
			return false
		}
		groups++
		switch a = a[n:]; {
		case len(a) == 0:
		case a[0] != ':' || len(a) == 1:
			return false
		case a[1] != ':':
			a = a[1:]
		case gap:
			return false
		default:
			a, gap = a[2:], true
		}
	}
	return groups == 8 && !gap || groups < 8 && gap
}

// validIPv4 checks dec-octet "." dec-octet "." dec-octet "." dec-octet,
// where a dec-octet is 0 to 255 without leading zeros (RFC 3986 §3.2.2).
func validIPv4(a []byte) bool {
	for part := 0; part < 4; part++ {
		if part > 0 {
			if len(a) == 0 || a[0] != '.' {
				return false
			}
			a = a[1:]
		}
		n, v := 0, 0
		for n < len(a) && n < 4 && isDigit(a[n]) {
			v = v*10 + int(a[n]-'0')
			n++
		}
		if n == 0 || n > 3 || v > 255 || n > 1 && a[0] == '0' {
			return false
		}
		a = a[n:]
	}
	return len(a) == 0
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
