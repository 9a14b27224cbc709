// Package parse compares chopin's request parsing with fasthttp's and
// net/http's on the same inputs, with the same benchmark names, so that
// benchstat -col /impl puts them side by side. run.sh runs it.
//
// Every implementation does the same work per op: it takes the input as it
// would arrive from a connection, parses every request head in it, one after
// another, and decodes every body into a reused buffer. Before timing, each
// benchmark checks once that the implementation parsed the right number of
// requests with the right method, path, header count and body, so that no
// implementation can look fast by skipping work.
package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chopin-go/chopin/http1"
	"github.com/valyala/fasthttp"
)

const (
	pipelineDepth = 16       // wrk's pipeline.lua depth in TechEmpower plaintext
	chunkedSize   = 64 << 10 // decoded size of the chunked body
	chunkSize     = 4 << 10  // size of each of its chunks

	// readBufferSize is the bufio.Reader size that both fasthttp's server
	// (ReadBufferSize) and net/http's server use by default.
	readBufferSize = 4 << 10
)

// input is one benchmark input and what parsing it must yield.
type input struct {
	name     string
	buf      []byte
	requests int
	want     summary // every request in buf
}

// summary is what an implementation reports of one parsed request.
// headers counts field lines as sent.
type summary struct {
	method, path, host string
	headers            int
	body               []byte
}

func (s summary) String() string {
	return fmt.Sprintf("%s %s Host=%q, %d headers, %d body bytes",
		s.method, s.path, s.host, s.headers, len(s.body))
}

func (s summary) equal(t summary) bool {
	return s.method == t.method && s.path == t.path && s.host == t.host &&
		s.headers == t.headers && bytes.Equal(s.body, t.body)
}

func inputs(tb testing.TB) []input {
	plain := readInput(tb, "plaintext.txt")
	wire, data := chunkedBody(chunkedSize, chunkSize)
	upload := append(readInput(tb, "upload.txt"), wire...)
	return []input{
		{"plaintext", plain, 1, summary{"GET", "/plaintext", "tfb-server", 3, nil}},
		{"pipelined16", bytes.Repeat(plain, pipelineDepth), pipelineDepth,
			summary{"GET", "/plaintext", "tfb-server", 3, nil}},
		{"browser", readInput(tb, "browser.txt"), 1,
			summary{"GET", "/products/search", "shop.example.com", 16, nil}},
		{"chunked64k", upload, 1, summary{"POST", "/upload", "api.example.com", 3, data}},
	}
}

// readInput returns a request stored in the main module's testdata/bench,
// shared with http1's own benchmarks.
func readInput(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bench", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// chunkedBody returns size bytes of deterministic data, chunk-coded in
// chunks of chunk bytes and ended by the last chunk, and the data itself.
// http1's bench_test.go builds the same body.
func chunkedBody(size, chunk int) (wire, data []byte) {
	data = make([]byte, size)
	for i := range data {
		data[i] = 'a' + byte(i%26)
	}
	for off := 0; off < size; off += chunk {
		end := min(off+chunk, size)
		wire = strconv.AppendUint(wire, uint64(end-off), 16)
		wire = append(wire, "\r\n"...)
		wire = append(wire, data[off:end]...)
		wire = append(wire, "\r\n"...)
	}
	return append(wire, "0\r\n\r\n"...), data
}

// parser is one implementation. parseAll parses every request in buf and
// returns how many it parsed, calling visit (when not nil) with each.
type parser interface {
	parseAll(buf []byte, visit func(summary)) (int, error)
}

type impl struct {
	name string
	new  func() parser
}

// impls are the implementations BenchmarkParse compares. fasthttp runs as
// fasthttpHeaderBody with header-name normalizing off: of the ways
// BenchmarkFasthttp measures, it is the fastest that still reads bodies
// (header-only does not; Request.Read also resets URI and form state and,
// on the chunked body, gives the body buffer back and allocates a new one on
// every request), and normalizing off is a documented server option
// (Server.DisableHeaderNamesNormalizing) that leaves names as sent, as
// chopin does. The URI parse fasthttp's server adds is left out too, so
// fasthttp is measured at its fastest.
var impls = []impl{
	{"chopin", func() parser { return new(chopinParser) }},
	{"fasthttp", func() parser { return newFasthttpParser(fasthttpHeaderBody, false) }},
	{"nethttp", func() parser { return newNetHTTPParser() }},
}

// BenchmarkParse runs every input through every implementation. Bytes per
// second count input bytes; for pipelined16 one op is the whole buffer and
// ns/req one request.
func BenchmarkParse(b *testing.B) {
	for _, in := range inputs(b) {
		for _, im := range impls {
			b.Run("impl="+im.name+"/input="+in.name, func(b *testing.B) {
				bench(b, im.new(), in)
			})
		}
	}
}

func bench(b *testing.B, p parser, in input) {
	if err := verify(p, in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in.buf)))
	for b.Loop() {
		if _, err := p.parseAll(in.buf, nil); err != nil {
			b.Fatal(err)
		}
	}
	if in.requests > 1 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*in.requests), "ns/req")
	}
}

// verify parses in twice, so that a parser which reuses state is checked
// on reuse too, and compares each request with in.want.
func verify(p parser, in input) error {
	for range 2 {
		var bad error
		n, err := p.parseAll(in.buf, func(s summary) {
			if !s.equal(in.want) && bad == nil {
				bad = fmt.Errorf("parsed %v, want %v", s, in.want)
			}
		})
		switch {
		case err != nil:
			return err
		case bad != nil:
			return bad
		case n != in.requests:
			return fmt.Errorf("parsed %d requests, want %d", n, in.requests)
		}
	}
	return nil
}

func TestVerify(t *testing.T) {
	for _, in := range inputs(t) {
		for _, im := range impls {
			if err := verify(im.new(), in); err != nil {
				t.Errorf("%s/%s: %v", im.name, in.name, err)
			}
		}
		for _, v := range fasthttpVariants {
			if v.mode == fasthttpHeaderOnly && in.want.body != nil {
				continue
			}
			if err := verify(newFasthttpParser(v.mode, v.normalize), in); err != nil {
				t.Errorf("fasthttp %s/%s: %v", v.name, in.name, err)
			}
		}
	}
}

// chopinParser is the engine's use of http1: the bytes are read into the
// connection's buffer, heads are parsed in place, and a chunked body is
// decoded into a reused buffer.
type chopinParser struct {
	p    http1.Parser
	r    http1.Request
	d    http1.ChunkedDecoder
	rbuf []byte // the connection's read buffer
	body []byte
}

func (c *chopinParser) parseAll(buf []byte, visit func(summary)) (int, error) {
	// The copy stands for the read into the connection's buffer, which the
	// others pay as bufio.Reader's fill from the bytes.Reader.
	c.rbuf = append(c.rbuf[:0], buf...)
	b := c.rbuf
	n := 0
	for off := 0; off < len(b); n++ {
		k, err := c.p.ParseHead(b[off:], &c.r)
		if err != nil {
			return n, err
		}
		off += k
		c.body = c.body[:0]
		switch {
		case c.r.Chunked:
			c.d.Reset(http1.Limits{})
			if c.body, k, err = c.d.Decode(c.body, b[off:]); err != nil {
				return n, err
			}
			off += k
		case c.r.ContentLength > 0:
			if int64(len(b)-off) < c.r.ContentLength {
				return n, io.ErrUnexpectedEOF
			}
			c.body = append(c.body, b[off:off+int(c.r.ContentLength)]...)
			off += int(c.r.ContentLength)
		}
		if visit != nil {
			visit(summary{string(c.r.Method), string(c.r.Path), string(c.r.Host),
				len(c.r.Headers), nilIfEmpty(c.body)})
		}
	}
	return n, nil
}

// fasthttpMode is how the fasthttp parser reads each request.
type fasthttpMode int

const (
	// fasthttpHeaderBody is what fasthttp's server does per request, minus
	// its URI parse: RequestHeader.Read, then the body with
	// ContinueReadBody, which returns at once for a GET.
	fasthttpHeaderBody fasthttpMode = iota
	// fasthttpRequest is the public one-call API, Request.Read, which is
	// ReadLimitBody(r, 0): it also resets the URI, body and form state.
	fasthttpRequest
	// fasthttpServer adds what the server does on top of fasthttpHeaderBody:
	// parse the URI (path, query) and Reset the Request afterwards.
	fasthttpServer
	// fasthttpHeaderOnly reads the head alone: a lower bound, valid only
	// for requests without a body.
	fasthttpHeaderOnly
)

// fasthttpVariants are measured by BenchmarkFasthttp to choose the mode
// BenchmarkParse uses: the fastest one that still reads bodies.
var fasthttpVariants = []struct {
	name      string
	mode      fasthttpMode
	normalize bool
}{
	{"header+body", fasthttpHeaderBody, true},
	{"header+body-nonorm", fasthttpHeaderBody, false},
	{"request.read", fasthttpRequest, true},
	{"server", fasthttpServer, true},
	{"header-only", fasthttpHeaderOnly, true},
}

// fasthttpParser reads requests as a careful fasthttp user would: one
// Request and one bufio.Reader, reused; the bytes.Reader under it is reset
// to the input on each op.
type fasthttpParser struct {
	mode fasthttpMode
	rd   bytes.Reader
	br   *bufio.Reader
	req  fasthttp.Request
}

func newFasthttpParser(mode fasthttpMode, normalize bool) *fasthttpParser {
	f := &fasthttpParser{mode: mode, br: bufio.NewReaderSize(nil, readBufferSize)}
	if !normalize {
		// Server.DisableHeaderNamesNormalizing: keep names as sent.
		f.req.Header.DisableNormalizing()
	}
	return f
}

func (f *fasthttpParser) parseAll(buf []byte, visit func(summary)) (int, error) {
	f.rd.Reset(buf)
	f.br.Reset(&f.rd)
	for n := 0; ; n++ {
		if _, err := f.br.Peek(1); err == io.EOF {
			return n, nil
		}
		if err := f.read(); err != nil {
			return n, err
		}
		if visit != nil {
			h := &f.req.Header
			headers := 0
			for range h.All() {
				headers++
			}
			visit(summary{string(h.Method()), string(f.req.URI().Path()), string(h.Host()),
				headers, nilIfEmpty(f.req.Body())})
		}
	}
}

func (f *fasthttpParser) read() error {
	switch f.mode {
	case fasthttpRequest:
		return f.req.Read(f.br)
	case fasthttpHeaderOnly:
		return f.req.Header.Read(f.br)
	}
	if f.mode == fasthttpServer {
		// The server resets the Request after each handler returns; here
		// before each read, so that visit sees the request. Reset also
		// clears DisableNormalizing, which the server sets again per
		// request; this mode always normalizes.
		f.req.Reset()
	}
	if err := f.req.Header.Read(f.br); err != nil {
		return err
	}
	if f.mode == fasthttpServer {
		// The server's parseURI is unexported; URI() runs it.
		if len(f.req.URI().Path()) == 0 {
			return errors.New("fasthttp: empty path")
		}
	}
	return f.req.ContinueReadBody(f.br, 0)
}

// netHTTPParser is net/http's server loop in miniature: http.ReadRequest
// from a bufio.Reader, then the body read to its end.
type netHTTPParser struct {
	rd   bytes.Reader
	br   *bufio.Reader
	body bytes.Buffer
}

func newNetHTTPParser() *netHTTPParser {
	return &netHTTPParser{br: bufio.NewReaderSize(nil, readBufferSize)}
}

func (p *netHTTPParser) parseAll(buf []byte, visit func(summary)) (int, error) {
	p.rd.Reset(buf)
	p.br.Reset(&p.rd)
	for n := 0; ; n++ {
		if _, err := p.br.Peek(1); err == io.EOF {
			return n, nil
		}
		req, err := http.ReadRequest(p.br)
		if err != nil {
			return n, err
		}
		p.body.Reset()
		if req.Body != http.NoBody {
			if _, err := p.body.ReadFrom(req.Body); err != nil {
				return n, err
			}
		}
		if visit != nil {
			// ReadRequest moves Host out of Header, and drops
			// Transfer-Encoding once it has applied it.
			headers := len(req.Header) + 1
			if len(req.TransferEncoding) > 0 {
				headers++
			}
			visit(summary{req.Method, req.URL.Path, req.Host, headers, nilIfEmpty(p.body.Bytes())})
		}
	}
}

// BenchmarkFasthttp compares ways of driving fasthttp's parser, to choose
// the one BenchmarkParse uses.
func BenchmarkFasthttp(b *testing.B) {
	for _, in := range inputs(b) {
		for _, v := range fasthttpVariants {
			if v.mode == fasthttpHeaderOnly && in.want.body != nil {
				continue
			}
			b.Run("variant="+v.name+"/input="+in.name, func(b *testing.B) {
				bench(b, newFasthttpParser(v.mode, v.normalize), in)
			})
		}
	}
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
