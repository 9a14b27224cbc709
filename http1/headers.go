package http1

// parseFields parses header field lines from i up to and including the
// empty line that ends the head, and returns the offset after it. On
// ErrNeedMore, resume is the start of the first incomplete line.
func (p *Parser) parseFields(b []byte, i int, r *Request) (end, resume int, err error) {
	for {
		if i > p.lim.MaxHeaderBytes {
			return 0, 0, errHeadTooLarge
		}
		if i >= len(b) {
			return 0, i, ErrNeedMore
		}
		if b[i] == '\r' {
			if i+1 == len(b) {
				return 0, i, ErrNeedMore
			}
			if b[i+1] != '\n' {
				return 0, 0, errBareCR
			}
			if i+2 > p.lim.MaxHeaderBytes {
				return 0, 0, errHeadTooLarge
			}
			return i + 2, 0, nil
		}
		var h Header
		next, err := parseFieldLine(b, i, &h)
		if err != nil {
			return 0, i, err
		}
		if len(r.Headers) == p.lim.MaxHeaders {
			return 0, 0, errTooManyHeaders
		}
		r.Headers = append(r.Headers, h)
		if err := p.f.note(h, r); err != nil {
			return 0, 0, err
		}
		i = next
	}
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
	for i < len(b) && isToken[b[i]] {
		i++
	}
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
