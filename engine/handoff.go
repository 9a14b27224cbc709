package engine

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Half-close. gnet closes a connection as soon as a read returns EOF, which
// is also what a client that shut only its write side sends: it still waits
// for the answers to what it sent. When that happens with answers owed, the
// connection's socket is handed to a drainer goroutine, which writes the
// remaining responses in order with blocking writes on Go's own poller, then
// closes it.
//
// Requests the client sent but the engine had not parsed yet (paused by
// backpressure) are answered too: OnClose copies the unparsed input, and
// whenever the drainer has written everything queued it has the loop parse
// the next part of it, as many requests as backpressure would allow, their
// answers going into the queue. The copy is bounded by MaxPausedInput.
//
// Two details make this exact. OnClose runs before gnet's final flush and
// close, so we keep our own duplicate of the socket (dup(2)) and start the
// drainer from a loop task, which runs after gnet closed its descriptor.
// And gnet's final flush may send part of what its outbound buffer still
// held; we keep a mirror of those bytes (see write), and the drainer asks
// the kernel how many bytes the socket has accepted in all (TCP_INFO bytes
// acked plus SIOCOUTQ) to resume exactly where gnet stopped.

// drainer owns a half-closed connection's socket after gnet let it go.
type drainer struct {
	c       *conn
	fd      int
	tail    []byte // bytes gnet's outbound held at OnClose
	base    uint64 // bytes the kernel had accepted before those
	poke    chan struct{}
	stepped chan struct{} // the loop parsed more of the input left
	write   time.Duration
}

// eofInput is the input a half-closed connection left unparsed, owned by
// the engine from OnClose on.
type eofInput struct {
	buf         []byte
	off         int
	queuedBytes int // answers queued by the current step, for backpressure
}

// takeEOFInput copies what gnet still holds unparsed and serves as much of
// it as backpressure allows, the answers going to the queue. It runs in
// OnClose, while gnet's buffers and the peer address are still valid.
func (c *conn) takeEOFInput() {
	buf, _ := c.gc.Peek(-1)
	if len(buf) == 0 {
		return // the usual close: nothing left unparsed, nothing to allocate
	}
	if c.remote == "" {
		if ra := c.gc.RemoteAddr(); ra != nil {
			c.remote = ra.String()
		}
	}
	c.eof = &eofInput{buf: bytes.Clone(buf)}
	c.eofStep()
}

// eofStep, on the loop, parses the next part of the input left.
func (c *conn) eofStep() {
	e := c.eof
	e.queuedBytes = 0
	n := c.consume(e.buf[e.off:])
	e.off += n
	c.l.flushCounts()
	if n == 0 && c.head == nil {
		// Nothing could be parsed and nothing is owed: what is left is
		// a request the client will never finish.
		e.off = len(e.buf)
	}
	if c.body != nil && e.off == len(e.buf) {
		c.endBody() // its end will never come
	}
}

// eofPending reports whether unparsed input is left to serve.
func (c *conn) eofPending() bool {
	return c.eof != nil && c.eof.off < len(c.eof.buf) && !c.closing
}

// write hands the batch to gnet, keeping the mirror of unsent bytes. The
// mirror exists only on connections that ever left output unsent.
func (c *conn) write(out []byte) error {
	if c.mirror != nil && len(*c.mirror) > 0 {
		c.trimMirror(c.gc.OutboundBuffered())
	}
	if _, err := c.gc.Write(out); err != nil {
		return err
	}
	c.written += uint64(len(out))
	if ob := c.gc.OutboundBuffered(); ob > 0 {
		if c.mirror == nil {
			c.mirror = new([]byte)
		}
		*c.mirror = append(*c.mirror, out...)
		c.trimMirror(ob)
	}
	return nil
}

// trimMirror keeps only the last n bytes: what gnet has not sent yet.
func (c *conn) trimMirror(n int) {
	m := *c.mirror
	if n >= len(m) {
		return
	}
	*c.mirror = m[:copy(m, m[len(m)-n:])]
}

// unsent returns a copy of the last n bytes handed to gnet.
func (c *conn) unsent(n int) []byte {
	if n == 0 {
		return nil
	}
	m := *c.mirror
	return append([]byte(nil), m[len(m)-n:]...)
}

// handOff starts draining if the client half-closed with answers owed. It
// runs in OnClose and reports whether it took the connection over.
func (c *conn) handOff(err error) bool {
	if !errors.Is(err, io.EOF) {
		return false
	}
	c.takeEOFInput()
	ob := c.gc.OutboundBuffered()
	if c.head == nil && ob == 0 && !c.eofPending() {
		return false
	}
	if ob > 0 && (c.mirror == nil || len(*c.mirror) < ob) {
		return false // cannot happen: the mirror holds all unsent bytes
	}
	fd, derr := c.gc.Dup()
	if derr != nil {
		return false
	}
	d := &drainer{
		c: c, fd: fd,
		tail:    c.unsent(ob),
		base:    c.written - uint64(ob),
		poke:    make(chan struct{}, 1),
		stepped: make(chan struct{}, 1),
		write:   c.l.s.cfg.Timeouts.Write,
	}
	c.drainer.Store(d)
	c.l.stats.drained.Add(1)
	c.l.s.drainers.Add(1)
	if c.l.execute(func(*loop) { go d.run() }) != nil {
		d.abandon() // the engine has stopped
	}
	return true
}

func (d *drainer) wake() {
	select {
	case d.poke <- struct{}{}:
	default:
	}
}

// run writes what gnet did not send, then each owed response as its
// handler produces it.
func (d *drainer) run() {
	defer d.abandon()
	k, ok := d.sentByGnet()
	if !ok {
		return
	}
	f := os.NewFile(uintptr(d.fd), "drain")
	nc, err := net.FileConn(f)
	f.Close()
	d.fd = -1
	if err != nil {
		return
	}
	defer nc.Close()
	if !d.send(nc, d.tail[k:]) {
		return
	}
	for {
		if !d.writeQueue(nc) || !d.c.eofPending() || !d.step() {
			return
		}
	}
}

// writeQueue writes every owed response, in order, as it is produced. It
// reports false when the connection must end.
func (d *drainer) writeQueue(nc net.Conn) bool {
	c := d.c
	for s := c.head; s != nil; s = c.head {
		p, done, closeConn := d.take(s)
		if len(p) > 0 && !d.send(nc, p) {
			return false
		}
		if !done {
			if len(p) == 0 {
				<-d.poke
			}
			continue
		}
		c.head = s.next
		if c.head == nil {
			c.tail = nil
		}
		c.queued--
		if closeConn {
			return false
		}
	}
	return true
}

// step has the loop parse more of the input left, and waits for it. The
// queue is empty meanwhile, so the loop is the only one touching it.
func (d *drainer) step() bool {
	c := d.c
	err := c.l.execute(func(*loop) {
		c.eofStep()
		d.stepped <- struct{}{}
	})
	if err != nil {
		return false
	}
	select {
	case <-d.stepped:
		return true
	case <-c.l.s.baseCtx.Done():
		return false // the engine stopped; its loops run no more tasks
	}
}

// sentByGnet returns how many bytes of tail gnet's final flush sent.
func (d *drainer) sentByGnet() (int, bool) {
	if len(d.tail) == 0 {
		return 0, true
	}
	info, err := unix.GetsockoptTCPInfo(d.fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return 0, false
	}
	queued, err := unix.IoctlGetInt(d.fd, unix.SIOCOUTQ)
	if err != nil {
		return 0, false
	}
	k := int64(info.Bytes_acked) + int64(queued) - int64(d.base)
	if k < 0 || k > int64(len(d.tail)) {
		return 0, false
	}
	return int(k), true
}

// take moves the slot's ready bytes out, under its lock.
func (d *drainer) take(s *slot) (p []byte, done, closeConn bool) {
	s.mu.Lock()
	p = append(p, s.buf...)
	s.buf = s.buf[:0]
	done, closeConn = s.done, s.closeConn
	s.space.Signal()
	s.mu.Unlock()
	return p, done, closeConn
}

func (d *drainer) send(nc net.Conn, p []byte) bool {
	if len(p) == 0 {
		return true
	}
	if d.write > 0 {
		nc.SetWriteDeadline(time.Now().Add(d.write))
	}
	_, err := nc.Write(p)
	return err == nil
}

// abandon ends the connection for good: handlers still producing see it
// closed.
func (d *drainer) abandon() {
	defer d.c.l.s.drainers.Add(-1)
	if d.fd >= 0 {
		unix.Close(d.fd)
		d.fd = -1
	}
	d.c.closed.Store(true)
	d.c.dropQueue()
}
