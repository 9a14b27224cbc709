package http1

import "bytes"

// Parser reads request heads from a connection's inbound bytes. It remembers
// how far it has scanned an incomplete head, so a head arriving one byte per
// read costs time linear in its length, not quadratic. Use one Parser per
// connection; the zero value uses the default Limits.
type Parser struct {
	lim Limits

	// scanned is the offset, from the start of the buffer, of the first
	// line not yet known to be complete; 0 when no head is in progress.
	scanned int
	started bool // a request-line has been seen among the scanned lines

	f fields // per-request facts gathered from header fields
}

// NewParser returns a Parser that enforces l (zero fields: defaults).
func NewParser(l Limits) *Parser {
	p := &Parser{}
	p.Reset(l)
	return p
}

// Reset forgets any head in progress and sets the limits, so that a pooled
// Parser can serve a new connection.
func (p *Parser) Reset(l Limits) {
	*p = Parser{lim: l.withDefaults()}
}

// Limits returns the limits in force, defaults resolved.
func (p *Parser) Limits() Limits {
	if p.lim.MaxHeaderBytes == 0 {
		p.lim = p.lim.withDefaults()
	}
	return p.lim
}

// ParseHead parses the request head at the start of buf into r and returns
// its length (r.HeadLen); the body, if any, follows. It returns ErrNeedMore
// when buf holds no complete head yet: call again with the same bytes,
// starting at the same offset, plus whatever arrived since. Any other error
// is a *ParseError and the connection must be closed after answering it.
func (p *Parser) ParseHead(buf []byte, r *Request) (int, error) {
	if p.lim.MaxHeaderBytes == 0 {
		p.lim = p.lim.withDefaults()
	}
	if p.scanned > 0 && !p.headComplete(buf) {
		return 0, ErrNeedMore
	}
	n, resume, err := p.parse(buf, r)
	if err == ErrNeedMore {
		if len(buf) >= p.lim.MaxHeaderBytes {
			return 0, errHeadTooLarge
		}
		if resume > p.scanned {
			p.scanned = resume
		}
		return 0, err
	}
	p.scanned, p.started = 0, false
	return n, err
}

// headComplete scans the lines after p.scanned for the empty line that ends
// a head. It only looks for line ends; the full parse that follows checks
// every byte once. Past a limit it reports true so that the full parse
// finds the precise error (414 or 431).
func (p *Parser) headComplete(buf []byte) bool {
	i := p.scanned
	for {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			p.scanned = i
			return len(buf) >= p.lim.MaxHeaderBytes ||
				!p.started && len(buf)-i > p.lim.MaxTargetBytes
		}
		empty := j == 0 || j == 1 && buf[i] == '\r'
		if empty && p.started {
			return true
		}
		p.started = p.started || !empty
		i += j + 1
		if i >= p.lim.MaxHeaderBytes {
			return true
		}
	}
}

// parse parses a whole head in one pass. On ErrNeedMore, resume is the
// offset of the first incomplete line: every line before it is complete.
func (p *Parser) parse(b []byte, r *Request) (n, resume int, err error) {
	r.reset()
	p.f = fields{}
	i := 0
	// RFC 9112 §2.2: a server SHOULD ignore at least one empty line
	// received before the request-line; we ignore any number (bounded by
	// MaxHeaderBytes), so a client's stray CRLF after a body is harmless.
	for len(b)-i >= 2 && b[i] == '\r' && b[i+1] == '\n' {
		i += 2
	}
	if i < len(b) && b[i] == '\n' {
		return 0, 0, errBareLF
	}
	lineStart := i
	if i, err = p.parseRequestLine(b, i, r); err != nil {
		return 0, lineStart, err
	}
	if i, resume, err = p.parseFields(b, i, r); err != nil {
		return 0, resume, err
	}
	if err = p.f.frame(r, &p.lim); err != nil {
		return 0, 0, err
	}
	r.HeadLen = i
	return i, 0, nil
}
