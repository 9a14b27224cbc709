package http1

import "bytes"

// ChunkedDecoder decodes a chunked message body (RFC 9112 §7.1) a piece at a
// time, so a body may arrive over any number of reads. Its state is a few
// integers; it never buffers body bytes itself. Use one per body and Reset
// it for the next.
type ChunkedDecoder struct {
	lim   Limits
	state chunkState
	size  uint64   // size being parsed, then bytes left in the current chunk
	n     int      // digits or extension bytes on the current size line
	es    extState // position in the chunk-ext grammar
	total int64    // decoded body bytes so far
	scan  int      // bytes of the trailer section known to be complete lines
	seen  int      // bytes of the trailer section searched for LF

	trailers []Header
}

type chunkState uint8

const (
	chunkSize   chunkState = iota // hex digits
	chunkExt                      // BWS ";" extensions, up to CR
	chunkSizeLF                   // LF after the size line
	chunkData                     // size bytes of data
	chunkDataCR                   // CRLF after the data
	chunkDataLF
	chunkTrailer // trailer section and the final CRLF
	chunkDone
)

// extState is the position in the chunk-ext grammar (RFC 9112 §7.1.1):
//
//	chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-name = token
//	chunk-ext-val  = token / quoted-string
type extState uint8

const (
	extBWS        extState = iota // BWS before a ";": more BWS or ";"
	extNameStart                  // after ";": BWS or the name
	extName                       // in the name
	extAfterName                  // BWS after the name: BWS, ";" or "="
	extValueStart                 // after "=": BWS, a token or a quoted string
	extToken                      // in a token value
	extQuoted                     // in a quoted string
	extQuotedPair                 // after a backslash in a quoted string
	extEnd                        // after the closing quote
)

// Reset prepares d for a new body under limits l (zero fields: defaults).
func (d *ChunkedDecoder) Reset(l Limits) {
	*d = ChunkedDecoder{lim: l.withDefaults(), trailers: d.trailers[:0]}
}

// Done reports whether the last chunk and the trailer section were consumed.
func (d *ChunkedDecoder) Done() bool { return d.state == chunkDone }

// Total returns the number of body bytes decoded so far.
func (d *ChunkedDecoder) Total() int64 { return d.total }

// Trailers returns the trailer fields once Done. They alias the src given to
// the final call of Next and are valid only while those bytes are.
func (d *ChunkedDecoder) Trailers() []Header { return d.trailers }

// Decode appends the body data in src to dst and returns the extended dst and
// the number of src bytes consumed. It returns nil once the body is complete
// (src[n:] is what follows the body), ErrNeedMore when src ran out first
// (pass what remains, src[n:], plus new bytes next time), or a *ParseError.
func (d *ChunkedDecoder) Decode(dst, src []byte) ([]byte, int, error) {
	total := 0
	for {
		data, n, err := d.Next(src[total:])
		dst = append(dst, data...)
		total += n
		if err != nil || d.state == chunkDone {
			return dst, total, err
		}
	}
}

// Next consumes chunk framing from the start of src and returns the next
// run of body data, a sub-slice of src (possibly empty), with the number of
// bytes consumed. It returns ErrNeedMore when src ran out, nil when it
// stopped after a run of data or at the end of the body (see Done).
func (d *ChunkedDecoder) Next(src []byte) (data []byte, n int, err error) {
	if d.lim.MaxHeaderBytes == 0 {
		d.lim = d.lim.withDefaults()
	}
	i := 0
	for i < len(src) {
		switch d.state {
		case chunkData:
			k := len(src) - i
			if uint64(k) > d.size {
				k = int(d.size)
			}
			d.size -= uint64(k)
			if d.size == 0 {
				d.state = chunkDataCR
			}
			return src[i : i+k], i + k, nil
		case chunkTrailer:
			k, err := d.trailer(src[i:])
			return nil, i + k, err
		case chunkDone:
			return nil, i, nil
		}
		if err := d.step(src[i]); err != nil {
			return nil, i, err
		}
		i++
	}
	if d.state == chunkDone {
		return nil, i, nil
	}
	return nil, i, ErrNeedMore
}

// step advances the size-line and CRLF states by one byte.
func (d *ChunkedDecoder) step(c byte) error {
	switch d.state {
	case chunkSize:
		if v := hexVal[c]; v >= 0 {
			// Sixteen hex digits always fit; more are refused even
			// when leading zeros, as net/http does.
			if d.n == 16 {
				return errChunkOverflow
			}
			d.size = d.size<<4 | uint64(v)
			d.n++
			return nil
		}
		if d.n == 0 {
			return errBadChunkSize
		}
		d.n = 0
		return d.endSize(c)
	case chunkExt:
		return d.ext(c)
	case chunkSizeLF:
		if c != '\n' {
			return errBareCR
		}
		return d.startData()
	case chunkDataCR:
		if c != '\r' {
			return errMissingChunkCRLF
		}
		d.state = chunkDataLF
	case chunkDataLF:
		if c != '\n' {
			return errMissingChunkCRLF
		}
		d.state, d.size = chunkSize, 0
	}
	return nil
}

// endSize handles the byte after the last hex digit.
func (d *ChunkedDecoder) endSize(c byte) error {
	switch c {
	case '\r':
		d.state = chunkSizeLF
	case ';', ' ', '\t':
		// This byte is the extensions' first: MaxChunkExtBytes counts
		// every byte between the size and the CR.
		d.state, d.n, d.es = chunkExt, 1, extBWS
		if c == ';' {
			d.es = extNameStart
		}
	case '\n':
		return errBareLF
	default:
		return errBadChunkSize
	}
	return nil
}

// ext checks one byte of chunk extensions. We ignore extensions (RFC 9112
// §7.1.1) but hold them to their grammar: a lenient parser here, one that
// let a quoted string run past a CR, say, would end the size line somewhere
// a stricter proxy does not (HTTP Garden, Kallus et al. 2024). Trailing BWS
// before the CR is refused too; the grammar allows BWS only before ";" and
// around "=".
func (d *ChunkedDecoder) ext(c byte) error {
	switch c {
	case '\n':
		return errBareLF
	case '\r':
		if d.es != extName && d.es != extToken && d.es != extEnd {
			return errBadChunkExt
		}
		d.state = chunkSizeLF
		return nil
	}
	d.n++
	if d.n > d.lim.MaxChunkExtBytes {
		return errChunkExtTooLong
	}
	switch d.es {
	case extQuoted:
		// qdtext is any value byte but '"' and '\\'.
		switch {
		case c == '"':
			d.es = extEnd
		case c == '\\':
			d.es = extQuotedPair
		case !isValue[c]:
			return errBadChunkExt
		}
		return nil
	case extQuotedPair:
		if !isValue[c] {
			return errBadChunkExt
		}
		d.es = extQuoted
		return nil
	}
	return d.extOutsideQuotes(c)
}

// extOutsideQuotes advances the chunk-ext grammar by a byte that is not in
// a quoted string, nor CR or LF.
func (d *ChunkedDecoder) extOutsideQuotes(c byte) error {
	s := d.es
	switch {
	case c == ' ' || c == '\t':
		switch s {
		case extName:
			d.es = extAfterName
		case extToken, extEnd:
			d.es = extBWS
		}
	case c == ';':
		if s == extNameStart || s == extValueStart {
			return errBadChunkExt
		}
		d.es = extNameStart
	case c == '=':
		if s != extName && s != extAfterName {
			return errBadChunkExt
		}
		d.es = extValueStart
	case c == '"':
		if s != extValueStart {
			return errBadChunkExt
		}
		d.es = extQuoted
	case isToken[c]:
		switch s {
		case extNameStart:
			d.es = extName
		case extValueStart:
			d.es = extToken
		case extName, extToken:
		default:
			return errBadChunkExt
		}
	default:
		return errBadChunkExt
	}
	return nil
}

// startData ends a size line: a zero size is the last chunk.
func (d *ChunkedDecoder) startData() error {
	d.n = 0
	if d.size == 0 {
		d.state = chunkTrailer
		return nil
	}
	if d.size > uint64(d.lim.MaxBodyBytes-d.total) {
		return errBodyTooLarge
	}
	d.total += int64(d.size)
	d.state = chunkData
	return nil
}

// trailer consumes the trailer section (RFC 9112 §7.1.2) once all of it is
// in b, remembering how far it scanned so a slow trailer costs linear time.
func (d *ChunkedDecoder) trailer(b []byte) (int, error) {
	// As in Parser.ParseHead: look no further than the limit, so that the
	// error does not depend on how the section was split into reads.
	if len(b) > d.lim.MaxHeaderBytes {
		b = b[:d.lim.MaxHeaderBytes]
	}
	i := d.scan
	for {
		from := max(i, d.seen)
		j := bytes.IndexByte(b[from:], '\n')
		if j < 0 {
			d.scan, d.seen = i, len(b)
			// As for the head: an unfinished section that already
			// holds MaxHeaderBytes cannot fit once its CRLF comes.
			if len(b) >= d.lim.MaxHeaderBytes {
				return 0, errTrailerTooLarge
			}
			return 0, ErrNeedMore
		}
		end := from + j
		if end == i || end == i+1 && b[i] == '\r' {
			break // the empty line that ends the section
		}
		i = end + 1
	}
	return d.parseTrailer(b)
}

// parseTrailer parses a complete trailer section. RFC 9110 §6.5.1: fields
// that frame or route the message may not be trailers; like net/http, we
// refuse the request rather than drop them silently.
func (d *ChunkedDecoder) parseTrailer(b []byte) (int, error) {
	d.trailers = d.trailers[:0]
	i := 0
	for {
		if i > d.lim.MaxHeaderBytes {
			return 0, errTrailerTooLarge
		}
		if b[i] == '\r' {
			if b[i+1] != '\n' {
				return 0, errBareCR
			}
			d.state, d.scan, d.seen = chunkDone, 0, 0
			return i + 2, nil
		}
		var h Header
		next, err := parseFieldLine(b, i, &h)
		if err != nil {
			return 0, err
		}
		if len(d.trailers) == d.lim.MaxHeaders {
			return 0, errTooManyHeaders
		}
		if forbiddenTrailer(h.Name) {
			return 0, errBadTrailer
		}
		d.trailers = append(d.trailers, h)
		i = next
	}
}

func forbiddenTrailer(name []byte) bool {
	return lowerEq(name, "host") || lowerEq(name, "content-length") ||
		lowerEq(name, "transfer-encoding") || lowerEq(name, "trailer")
}
