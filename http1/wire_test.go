package http1

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// wire replays one connection for the conformance tests. It is fed ever
// longer prefixes of one input, as reads would deliver them, and parses what
// it can the way an engine does: a head with one Parser and one Request for
// the whole connection, then the body by Content-Length or with a
// ChunkedDecoder, then the next pipelined head. It writes a canonical text
// dump of everything it parsed; after any ParseError it stops, as a server
// closes the connection.
type wire struct {
	lim Limits
	p   Parser
	r   Request
	d   ChunkedDecoder

	pos  int // offset in the input of the element in progress
	lfAt int // offset just after the last LF seen in the input
	lfTo int // the input has been searched for LFs up to here
	st   wireState
	left int64 // Content-Length body bytes still to come
	body []byte
	reqs int

	out []string // the dump
	bad []string // broken invariants, reported by the test
}

type wireState uint8

const (
	wireHead wireState = iota
	wireLength
	wireChunked
	wireClosed
)

func newWire(lim Limits) *wire {
	w := &wire{lim: lim}
	w.p.Reset(lim)
	return w
}

// feed processes buf, all of the input received so far. Each call must pass
// the previous buf extended, never changed.
func (w *wire) feed(buf []byte) {
	for {
		var more bool
		switch w.st {
		case wireHead:
			more = w.head(buf)
		case wireLength:
			more = w.length(buf)
		case wireChunked:
			more = w.chunked(buf)
		}
		if !more {
			return
		}
	}
}

// finish ends the dump once the input is exhausted.
func (w *wire) finish(buf []byte) []string {
	switch {
	case w.st == wireLength || w.st == wireChunked:
		w.out = append(w.out, "incomplete body")
	case w.st == wireHead && w.pos < len(buf):
		w.out = append(w.out, fmt.Sprintf("incomplete head: %d bytes", len(buf)-w.pos))
	}
	return w.out
}

func (w *wire) head(buf []byte) bool {
	if w.pos == len(buf) {
		return false
	}
	src := buf[w.pos:]
	n, err := w.p.ParseHead(src, &w.r)
	if errors.Is(err, ErrNeedMore) {
		// A head that arrives a byte at a time costs linear time only if
		// the Parser never rescans a line it has seen end. (The search
		// here is incremental too, or byte-by-byte tests would crawl.)
		from := max(w.lfTo, w.pos)
		if k := bytes.LastIndexByte(buf[from:], '\n'); k >= 0 {
			w.lfAt = from + k + 1
		}
		w.lfTo = len(buf)
		if last := max(w.lfAt-w.pos, 0); w.p.scanned < last {
			w.badf("after ErrNeedMore at %d bytes, scanned = %d, want >= %d (last complete line)",
				len(src), w.p.scanned, last)
		}
		return false
	}
	if err != nil {
		w.fail("error", err)
		return false
	}
	if n != w.r.HeadLen || n <= 0 || n > len(src) {
		w.badf("ParseHead returned %d, HeadLen %d, input %d bytes", n, w.r.HeadLen, len(src))
	}
	if w.p.pending || w.p.scanned != 0 || w.p.searched != 0 || w.p.started {
		w.badf("Parser kept progress after a complete head: %+v", w.p)
	}
	w.reqs++
	w.out = append(w.out, fmt.Sprintf("request %d", w.reqs))
	w.out = append(w.out, dumpHead(&w.r)...)
	w.pos += n
	w.body = w.body[:0]
	switch {
	case w.r.Chunked:
		w.d.Reset(w.lim)
		w.st = wireChunked
	case w.r.ContentLength > 0:
		w.left = w.r.ContentLength
		w.st = wireLength
	}
	return true
}

func (w *wire) length(buf []byte) bool {
	k := min(int64(len(buf)-w.pos), w.left)
	if k == 0 {
		return false
	}
	w.body = append(w.body, buf[w.pos:w.pos+int(k)]...)
	w.pos += int(k)
	w.left -= k
	if w.left > 0 {
		return false
	}
	w.out = append(w.out, "body: "+quote(w.body))
	w.st = wireHead
	return true
}

func (w *wire) chunked(buf []byte) bool {
	var n int
	var err error
	w.body, n, err = w.d.Decode(w.body, buf[w.pos:])
	w.pos += n
	if errors.Is(err, ErrNeedMore) {
		return false
	}
	if err != nil {
		w.fail("body-error", err)
		return false
	}
	if !w.d.Done() || w.d.Total() != int64(len(w.body)) {
		w.badf("Decode returned nil with Done %v, Total %d for %d bytes", w.d.Done(), w.d.Total(), len(w.body))
	}
	w.out = append(w.out, "body: "+quote(w.body))
	for _, h := range w.d.Trailers() {
		w.out = append(w.out, "trailer: "+quoteField(h))
	}
	w.st = wireHead
	return true
}

func (w *wire) fail(kind string, err error) {
	var pe *ParseError
	if !errors.As(err, &pe) {
		w.badf("%s is not a *ParseError: %v", kind, err)
		pe = &ParseError{Reason: err.Error()}
	}
	w.out = append(w.out, fmt.Sprintf("%s: %d %q", kind, pe.Status, pe.Reason))
	w.st = wireClosed
}

func (w *wire) badf(format string, args ...any) {
	w.bad = append(w.bad, fmt.Sprintf(format, args...))
}

var formNames = [...]string{
	OriginForm:    "origin",
	AbsoluteForm:  "absolute",
	AuthorityForm: "authority",
	AsteriskForm:  "asterisk",
}

// dumpHead writes what the parser made of a head, one fact a line. A nil
// slice prints as "-", an empty one as "".
func dumpHead(r *Request) []string {
	out := []string{
		"method: " + quoteOrNil(r.Method),
		"target: " + quoteOrNil(r.Target),
		"form: " + formNames[r.Form],
		"authority: " + quoteOrNil(r.Authority),
		"path: " + quoteOrNil(r.Path),
		"query: " + quoteOrNil(r.Query),
		"minor: " + strconv.Itoa(r.Minor),
	}
	for _, h := range r.Headers {
		out = append(out, "header: "+quoteField(h))
	}
	var flags []string
	for _, f := range []struct {
		on   bool
		name string
	}{
		{r.Chunked, "chunked"},
		{r.KeepAlive, "keep-alive"},
		{r.ExpectContinue, "expect-continue"},
		{r.Upgrade, "upgrade"},
	} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	if flags == nil {
		flags = []string{"-"}
	}
	return append(out,
		"host: "+quoteOrNil(r.Host),
		"content-length: "+strconv.FormatInt(r.ContentLength, 10),
		"flags: "+strings.Join(flags, " "),
		"head-len: "+strconv.Itoa(r.HeadLen),
	)
}

func quoteField(h Header) string {
	return quote(h.Name) + " " + quote(h.Value)
}

func quoteOrNil(b []byte) string {
	if b == nil {
		return "-"
	}
	return quote(b)
}

// quote quotes b, eliding the middle of long runs so that a golden file
// stays readable; the length keeps the dump exact enough.
func quote(b []byte) string {
	if len(b) <= 80 {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("%q...%q (%d bytes)", b[:40], b[len(b)-16:], len(b))
}
