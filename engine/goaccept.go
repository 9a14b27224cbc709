package engine

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Config.GoAccept: connections are accepted by goroutines on listeners of
// our own (net.Listener, one per loop with SO_REUSEPORT) and handed to the
// event loops of a gnet Client. gnet's own accept stops the whole engine
// when accept(2) fails with EMFILE (no descriptor left, gnet-notes §0.8);
// here, as in net/http, a failed accept only backs off and retries while
// the loops go on serving. The price is a slower accept: Go's poller, a
// dup(2) and a hand-off per connection, which keep-alive traffic hardly
// notices.

// goAcceptor is the accept side of GoAccept mode.
type goAcceptor struct {
	cli  *gnet.Client
	lns  []net.Listener
	done chan struct{} // closed when every accept goroutine has returned
}

func (s *Server) startGoAccept() error {
	n := s.cfg.Loops
	if s.cfg.SingleListener {
		n = 1
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		return errors.Join(err, serr)
	}}
	a := &goAcceptor{done: make(chan struct{})}
	addr := s.cfg.Addr
	for range n {
		ln, err := lc.Listen(context.Background(), "tcp", addr)
		if err != nil {
			a.closeListeners()
			return err
		}
		if len(a.lns) == 0 {
			s.addr = ln.Addr()
			addr = ln.Addr().String() // the others share the chosen port
		}
		a.lns = append(a.lns, ln)
	}
	cli, err := gnet.NewClient(&events{s: s, client: true},
		gnet.WithNumEventLoop(s.cfg.Loops),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithReadBufferCap(s.cfg.ReadBufferBytes),
		gnet.WithLockOSThread(s.cfg.LockOSThread),
		gnet.WithLogger(gnetLogger{s.cfg.Logger}))
	if err == nil {
		err = cli.Start()
	}
	if err != nil {
		a.closeListeners()
		return err
	}
	a.cli = cli
	s.goAccept = a
	remaining := make(chan struct{}, len(a.lns))
	for _, ln := range a.lns {
		go func() {
			a.acceptLoop(s, ln)
			remaining <- struct{}{}
		}()
	}
	go func() {
		for range a.lns {
			<-remaining
		}
		close(a.done)
	}()
	return nil
}

// acceptLoop accepts until the listener is closed. A temporary failure,
// such as running out of descriptors, is retried after a pause that
// doubles up to a second, as net/http's server does.
func (a *goAcceptor) acceptLoop(s *Server, ln net.Listener) {
	var pause time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.cfg.Logger.Warn("engine: accept failed; retrying", "err", err, "pause", pause)
			time.Sleep(pause)
			continue
		}
		pause = 0
		if _, err := a.cli.Enroll(c); err != nil {
			s.cfg.Logger.Warn("engine: handing a connection to a loop failed", "err", err)
		}
	}
}

func (a *goAcceptor) closeListeners() {
	for _, ln := range a.lns {
		ln.Close()
	}
}

// stop ends accepting, then the event loops; gnet closes what is left.
func (a *goAcceptor) stop() {
	a.closeListeners()
	<-a.done
	_ = a.cli.Stop()
}
