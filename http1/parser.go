package http1

import "bytes"

// Parser reads request heads from a connection's inbound bytes. It remembers
// how far it has scanned an incomplete head, so a head arriving one byte per
// read costs time linear in its length, not quadratic. Use one Parser per
// connection; the zero value uses the default Limits.
type Parser struct {
	lim *Limits // resolved limits; nil until first use (defaults)

	// A head is pending when ParseHead has returned ErrNeedMore for it.
	// Until it is complete, headComplete decides when the full parse runs
	// again, looking only at bytes it has not searched before. Offsets
	// count from the start of the buffer.
	pending  bool
	scanned  int  // start of the first line not known to be complete
	searched int  // buf[scanned:searched] holds no LF
	started  bool // the request-line has been parsed
	// fieldsLen is the length of the last head's field section on this
	// connection, which sizes the first window classified for the next
	// (see window). Kept small, it fits in started's padding.
	fieldsLen uint16
	reparse   int // while the request-line has not been parsed, parse again once buf is this long
}

// defaultLimits backs a zero Parser.
var defaultLimits = Limits{}.withDefaults()

// NewParser returns a Parser that enforces l (zero fields: defaults).
func NewParser(l Limits) *Parser {
	p := &Parser{}
	p.Reset(l)
	return p
}

// Reset forgets any head in progress and sets the limits, so that a pooled
// Parser can serve a new connection.
func (p *Parser) Reset(l Limits) {
	l = l.withDefaults()
	*p = Parser{lim: &l}
}

// Share forgets any head in progress and makes the Parser use *l, which
// must already have its defaults resolved (Limits.WithDefaults) and must
// not change afterwards. A server shares one Limits among all its
// connections, so that no Parser carries its own copy.
func (p *Parser) Share(l *Limits) {
	*p = Parser{lim: l}
}

// Limits returns the limits in force, defaults resolved.
func (p *Parser) Limits() Limits {
	if p.lim == nil {
		return defaultLimits
	}
	return *p.lim
}

// ParseHead parses the request head at the start of buf into r and returns
// its length (r.HeadLen); the body, if any, follows. It returns ErrNeedMore
// when buf holds no complete head yet: call again with the same bytes,
// starting at the same offset, plus whatever arrived since. Any other error
// is a *ParseError and the connection must be closed after answering it.
func (p *Parser) ParseHead(buf []byte, r *Request) (int, error) {
	if p.lim == nil {
		p.lim = &defaultLimits
	}
	// No byte past MaxHeaderBytes can belong to an acceptable head, so we
	// never look there: however the input was split into reads, the first
	// fault in byte order, or else the size limit, is the error returned.
	if len(buf) > p.lim.MaxHeaderBytes {
		buf = buf[:p.lim.MaxHeaderBytes]
	}
	if p.pending && !p.headComplete(buf) {
		return 0, ErrNeedMore
	}
	n, resume, err := p.parse(buf, r)
	if err == ErrNeedMore && len(buf) >= p.lim.MaxHeaderBytes {
		err = errHeadTooLarge
	}
	if err != ErrNeedMore {
		p.pending, p.scanned, p.searched, p.started = false, 0, 0, false
		return n, err
	}
	// Every line before resume is complete; the one at resume is not.
	// Doubling the length at which an unfinished request-line is parsed
	// again keeps the total work linear.
	p.pending, p.scanned, p.searched = true, resume, resume
	p.reparse = 2 * len(buf)
	return 0, err
}

// headComplete reports whether the full parse should run again: buf now
// holds the empty line that ends the head, or the end of the request-line
// (parsed at once, so that a bad one is refused without waiting for the
// rest), or an unfinished request-line twice as long as at the last parse,
// or MaxHeaderBytes. It only looks for line ends, in bytes not searched
// before; the full parse checks every byte.
func (p *Parser) headComplete(buf []byte) bool {
	for {
		j := bytes.IndexByte(buf[p.searched:], '\n')
		if j < 0 {
			p.searched = len(buf)
			return len(buf) >= p.lim.MaxHeaderBytes || !p.started && len(buf) >= p.reparse
		}
		end := p.searched + j
		empty := end == p.scanned || end == p.scanned+1 && buf[p.scanned] == '\r'
		if empty == p.started {
			return true // the end of the head, or of the request-line
		}
		p.scanned, p.searched = end+1, end+1
	}
}

// parse parses a whole head in one pass. On ErrNeedMore, resume is the
// offset of the first incomplete line: every line before it is complete.
func (p *Parser) parse(b []byte, r *Request) (n, resume int, err error) {
	r.reset()
	i := 0
	// RFC 9112 §2.2: a server SHOULD ignore at least one empty line
	// received before the request-line; we ignore any number (bounded by
	// MaxHeaderBytes), so a client's stray CRLF after a body is harmless.
	for len(b)-i >= 2 && b[i] == '\r' && b[i+1] == '\n' {
		i += 2
	}
	switch {
	case i == len(b)-1 && b[i] == '\r':
		return 0, i, ErrNeedMore // half of an empty line; its LF may follow
	case i < len(b) && b[i] == '\r':
		return 0, 0, errBareCR
	case i < len(b) && b[i] == '\n':
		return 0, 0, errBareLF
	}
	lineStart := i
	if i, err = p.parseRequestLine(b, i, r); err != nil {
		return 0, lineStart, err
	}
	// Lines from here on follow the request-line: headComplete must take
	// the next empty line as the end of the head, not skip it as a
	// leading one.
	p.started = true
	if i, resume, err = p.parseFields(b, i, r); err != nil {
		return 0, resume, err
	}
	if err = r.f.frame(r, p.lim); err != nil {
		return 0, 0, err
	}
	r.HeadLen = i
	return i, 0, nil
}
