// Command ceiling is the no-parse ceiling: a gnet server that does no HTTP
// parsing at all. It counts the request terminators ("\r\n\r\n") in what it
// read and writes that many copies of one canned response (chosen with
// -response, its Date refreshed once a second), all in one Write per read,
// keeping a trailing partial request for the next read. What any real
// server costs beyond it is parsing, routing and responding.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"

	"github.com/chopin-go/chopin/bench/internal/gnetpeer"
	"github.com/chopin-go/chopin/bench/internal/peer"
)

var endOfHead = []byte("\r\n\r\n")

type server struct {
	gnet.BuiltinEventEngine
	resp atomic.Pointer[[]byte] // the canned response, re-dated each second
	tot  *peer.Totals
	pool sync.Pool
	addr string
}

// OnBoot starts counting once gnet listens, so that its start-up
// allocations are not charged to requests.
func (s *server) OnBoot(gnet.Engine) gnet.Action {
	s.tot = peer.Start()
	go s.tot.WaitAndExit()
	peer.Listening("ceiling", s.addr)
	return gnet.None
}

func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	n, end := 0, 0
	for {
		i := bytes.Index(buf[end:], endOfHead)
		if i < 0 {
			break
		}
		end += i + len(endOfHead)
		n++
	}
	if n == 0 {
		return gnet.None
	}
	resp := *s.resp.Load()
	bp := s.pool.Get().(*[]byte)
	out := (*bp)[:0]
	for range n {
		out = append(out, resp...)
	}
	c.Write(out)
	c.Discard(end)
	*bp = out
	s.pool.Put(bp)
	s.tot.Add(uint64(n))
	return gnet.None
}

func main() {
	var loops int
	var response string
	addr := peer.Flags(func(fs *flag.FlagSet) {
		gnetpeer.LoopsFlag(fs, &loops)
		fs.StringVar(&response, "response", "plaintext", "canned response: plaintext or json")
	})
	var ctype, body string
	switch response {
	case "plaintext":
		ctype, body = "text/plain", string(peer.Hello)
	case "json":
		ctype, body = "application/json", `{"message":"Hello, World!"}`
	default:
		fmt.Fprintln(os.Stderr, "ceiling: -response must be plaintext or json")
		os.Exit(2)
	}
	s := &server{}
	s.pool.New = func() any { b := make([]byte, 0, 64<<10); return &b }
	peer.NewDate(func(d *[peer.DateLen]byte) {
		r := []byte("HTTP/1.1 200 OK\r\nServer: ceiling\r\nContent-Type: " + ctype +
			"\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nDate: " + string(d[:]) + "\r\n\r\n" + body)
		s.resp.Store(&r)
	})
	s.addr = addr
	gnetpeer.Serve(s, addr, loops)
}
