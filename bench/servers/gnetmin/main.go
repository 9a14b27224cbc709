// Command gnetmin is what gnet alone gives: gnet v2 with the kind of
// minimal, non-conformant parser its TechEmpower entry uses. It finds each
// request by its "\r\n\r\n", routes on the path prefix of the request line
// and appends a canned response (the Date cached once a second, the JSON
// serialized per request with the bench server's serializer,
// tfb.AppendMessage); all responses of one read go
// out in one Write. Unlike that entry it keeps an incomplete trailing
// request for the next read instead of dropping it, and it answers 404 to
// other paths; it checks nothing else (no method, version, header,
// Content-Length or chunked body is looked at).
package main

import (
	"bytes"
	"flag"
	"strconv"
	"sync"

	"github.com/panjf2000/gnet/v2"

	"github.com/chopin-go/chopin/bench/internal/gnetpeer"
	"github.com/chopin-go/chopin/bench/internal/peer"
	"github.com/chopin-go/chopin/tfb"
)

var (
	endOfHead = []byte("\r\n\r\n")
	getPlain  = []byte("GET /plaintext")
	getJSON   = []byte("GET /json")

	plainHead = []byte("HTTP/1.1 200 OK\r\nServer: gnet\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nDate: ")
	jsonHead  = []byte("HTTP/1.1 200 OK\r\nServer: gnet\r\nContent-Type: application/json\r\nContent-Length: ")
	notFound  = []byte("HTTP/1.1 404 Not Found\r\nServer: gnet\r\nContent-Length: 0\r\nDate: ")
)

// scratch is the output batch and JSON body of one OnTraffic; a pool gives
// each event loop its own without a per-connection cost.
type scratch struct {
	out, json []byte
}

type server struct {
	gnet.BuiltinEventEngine
	date *peer.Date
	tot  *peer.Totals
	pool sync.Pool
	addr string
}

// OnBoot starts counting once gnet listens, so that its start-up
// allocations are not charged to requests.
func (s *server) OnBoot(gnet.Engine) gnet.Action {
	s.tot = peer.Start()
	go s.tot.WaitAndExit()
	peer.Listening("gnetmin", s.addr)
	return gnet.None
}

func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	sc := s.pool.Get().(*scratch)
	out := sc.out[:0]
	date := s.date.Load()
	off, n := 0, 0
	for {
		i := bytes.Index(buf[off:], endOfHead)
		if i < 0 {
			break
		}
		req := buf[off : off+i]
		off += i + len(endOfHead)
		n++
		switch {
		case bytes.HasPrefix(req, getPlain):
			out = append(out, plainHead...)
			out = append(out, date[:]...)
			out = append(out, "\r\n\r\n"...)
			out = append(out, peer.Hello...)
		case bytes.HasPrefix(req, getJSON):
			out = sc.appendJSON(out, date)
		default:
			out = append(out, notFound...)
			out = append(out, date[:]...)
			out = append(out, "\r\n\r\n"...)
		}
	}
	if len(out) > 0 {
		c.Write(out)
	}
	if off > 0 {
		c.Discard(off) // never Discard(0): gnet takes it as "everything"
	}
	sc.out = out
	s.pool.Put(sc)
	s.tot.Add(uint64(n))
	return gnet.None
}

func (sc *scratch) appendJSON(out []byte, date *[peer.DateLen]byte) []byte {
	body := tfb.AppendMessage(sc.json[:0], tfb.Message{Message: tfb.HelloMessage})
	sc.json = body
	out = append(out, jsonHead...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\nDate: "...)
	out = append(out, date[:]...)
	out = append(out, "\r\n\r\n"...)
	return append(out, body...)
}

func main() {
	var loops int
	addr := peer.Flags(func(fs *flag.FlagSet) { gnetpeer.LoopsFlag(fs, &loops) })
	s := &server{date: peer.NewDate()}
	s.pool.New = func() any {
		return &scratch{out: make([]byte, 0, 64<<10), json: make([]byte, 0, 64)}
	}
	s.addr = addr
	gnetpeer.Serve(s, addr, loops)
}
