package engine

import (
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// fakeConn stands in for a gnet connection in tests of the request path
// without sockets: inbound bytes are set by the test, written bytes are
// collected. Methods the engine does not call panic (nil embedded Conn).
type fakeConn struct {
	gnet.Conn
	in    []byte
	out   []byte
	ctx   any
	woken int
}

func (f *fakeConn) Peek(n int) ([]byte, error) { return f.in, nil }
func (f *fakeConn) Discard(n int) (int, error) {
	f.in = f.in[n:]
	return n, nil
}
func (f *fakeConn) Write(p []byte) (int, error) {
	f.out = append(f.out, p...)
	return len(p), nil
}
func (f *fakeConn) OutboundBuffered() int         { return 0 }
func (f *fakeConn) Context() any                  { return f.ctx }
func (f *fakeConn) SetContext(v any)              { f.ctx = v }
func (f *fakeConn) Wake(gnet.AsyncCallback) error { f.woken++; return nil }

// pathHarness is one loop and one connection of a server that never
// listens: request bytes in, response bytes out, no sockets.
type pathHarness struct {
	s  *Server
	fc *fakeConn
	c  *conn
}

func newPathHarness(tb testing.TB, routes *Routes) *pathHarness {
	tb.Helper()
	s, err := newServer(Config{}, routes)
	if err != nil {
		tb.Fatal(err)
	}
	l := newLoop(s, nil)
	fc := &fakeConn{}
	c := &conn{l: l, gc: fc, idx: -1}
	c.p.Reset(s.cfg.Limits)
	return &pathHarness{s: s, fc: fc, c: c}
}

// serve runs one OnTraffic over in and returns what was written. The
// returned slice is reused by the next call.
func (h *pathHarness) serve(in []byte) []byte {
	h.fc.in = in
	h.fc.out = h.fc.out[:0]
	h.c.traffic()
	return h.fc.out
}
