package http1

// parseFields parses header field lines from i up to and including the
// empty line that ends the head, and returns the offset after it. On
// ErrNeedMore, resume is the start of the first incomplete line. b never
// extends past MaxHeaderBytes (ParseHead cuts it), so running out of b is
// the only size check needed here.
//
// The loop handles the usual line, name ":" SP value CRLF, itself; any
// line it is unsure of goes to parseFieldLine, which has the last word on
// every error, so both paths refuse exactly the same input.
func (p *Parser) parseFields(b []byte, i int, r *Request) (end, resume int, err error) {
	// With a vector classifier the head is classified in bulk (see
	// lineScan): a name ends at the first byte that is not a tchar, a
	// value at the first that may not be in one, each found by counting
	// zeros. Otherwise, or for the last few bytes of a buffer, the scans
	// go a byte or a word at a time. FuzzFieldLoops holds the two ways to
	// the same results.
	var s lineScan
	bulk := fastFields && len(b)-i >= 16
	if bulk {
		s.b = b
		s.fill(i, p.window())
	}
	first := i
	for {
		if i+1 >= len(b) {
			if i < len(b) && b[i] != '\r' {
				return p.slowField(b, i, r)
			}
			return 0, i, ErrNeedMore
		}
		if b[i] == '\r' {
			if b[i+1] != '\n' {
				return 0, 0, errBareCR
			}
			p.fieldsLen = uint16(min(i+2-first, scanWords*64))
			return i + 2, 0, nil
		}
		start := i
		var ne, ve int
		if bulk {
			// Both searches start at the line: a name's bytes and
			// its colon are all legal in a value, so the value ends
			// at the first value stop from the line's start, found
			// without waiting for the name's end; the next line
			// waits only for that. A search that leaves the window
			// goes on from where the window must be.
			if ne = s.near(&s.name, i); ne < 0 {
				ne = s.nextFar(&s.name, i)
			}
			if ve = s.near(&s.val, i); ve < 0 {
				ve = s.nextFar(&s.val, ne+1)
			}
		} else {
			ne = scanToken(b, i)
			ve = scanValue(b, min(ne+1, len(b)))
		}
		if ne == start || ne >= ve || b[ne] != ':' || len(r.Headers) == p.lim.MaxHeaders {
			return p.slowField(b, start, r)
		}
		if ve+1 >= len(b) || b[ve] != '\r' || b[ve+1] != '\n' {
			return p.slowField(b, start, r)
		}
		vs := ne + 1
		i = ve + 2
		for vs < ve && (b[vs] == ' ' || b[vs] == '\t') {
			vs++
		}
		for ve > vs && (b[ve-1] == ' ' || b[ve-1] == '\t') {
			ve--
		}
		// The slices are stored into the slot one by one: a Header
		// literal is built on the stack in 8-byte stores and copied in
		// with 16-byte loads, which stalls store forwarding.
		// Reslicing within capacity skips zeroing a slot that is
		// overwritten at once.
		slot := len(r.Headers)
		if slot < cap(r.Headers) {
			r.Headers = r.Headers[:slot+1]
		} else {
			r.Headers = append(r.Headers, Header{})
		}
		h := &r.Headers[slot]
		h.Name = b[start:ne]
		h.Value = b[vs:ve]
		if n := ne - start; n < len(noted) && noted[n] == b[start]|0x20 {
			if err := r.f.note(h, r); err != nil {
				return 0, 0, err
			}
		}
	}
}

// window returns the size of the first window parseFields classifies: the
// length of this connection's last field section rounded up to whole
// words, since a client tends to send heads of one shape, or firstWindow
// for its first. Among pipelined requests, a window no longer than the
// head classifies little of the next one, which is classified again when
// its turn comes.
func (p *Parser) window() int {
	if p.fieldsLen == 0 {
		return firstWindow
	}
	return (int(p.fieldsLen) + 63) &^ 63
}

// noted holds, by name length, the lowercase first letter of the field note
// cares about (host, expect, upgrade, connection, content-length,
// transfer-encoding); other fields of those lengths (Accept, Cookie,
// User-Agent, Sec-Fetch-*) skip the call. OR-ing 0x20 maps only one
// letter's two cases onto each of these.
var noted = [18]byte{4: 'h', 6: 'e', 7: 'u', 10: 'c', 14: 'c', 17: 't'}

// slowField parses the field line at i with parseFieldLine, which reports
// the precise error, or, for a valid line the fast loop declined, goes on
// with the rest of the head.
func (p *Parser) slowField(b []byte, i int, r *Request) (end, resume int, err error) {
	var h Header
	next, err := parseFieldLine(b, i, &h)
	if err != nil {
		return 0, i, err
	}
	if len(r.Headers) == p.lim.MaxHeaders {
		return 0, 0, errTooManyHeaders
	}
	r.Headers = append(r.Headers, h)
	if err := r.f.note(&r.Headers[len(r.Headers)-1], r); err != nil {
		return 0, 0, err
	}
	return p.parseFields(b, next, r)
}

// parseFieldLine parses one field-line CRLF (RFC 9112 §5) starting at i.
func parseFieldLine(b []byte, i int, h *Header) (int, error) {
	switch b[i] {
	case ' ', '\t':
		// RFC 9112 §5.2 obs-fold, and §2.2 whitespace before the
		// first field: both rejected.
		return 0, errObsFold
	case '\n':
		return 0, errBareLF
	}
	start := i
	i = scanToken(b, i)
	if i == len(b) {
		return 0, ErrNeedMore
	}
	if b[i] != ':' || i == start {
		switch b[i] {
		case ' ', '\t':
			// RFC 9112 §5.1: no whitespace between name and colon.
			return 0, errSpaceBeforeColon
		case '\n':
			return 0, errBareLF
		}
		return 0, errBadHeaderName
	}
	h.Name = b[start:i]
	i++
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	vs := i
	i = scanValue(b, i)
	if i == len(b) {
		return 0, ErrNeedMore
	}
	// RFC 9110 §5.5: CR, LF and NUL are never part of a value.
	switch {
	case b[i] == '\n':
		return 0, errBareLF
	case b[i] != '\r':
		return 0, errBadHeaderValue
	case i+1 == len(b):
		return 0, ErrNeedMore
	case b[i+1] != '\n':
		return 0, errBareCR
	}
	ve := i
	for ve > vs && (b[ve-1] == ' ' || b[ve-1] == '\t') {
		ve--
	}
	h.Value = b[vs:ve]
	return i + 2, nil
}
