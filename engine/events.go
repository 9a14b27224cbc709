package engine

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/panjf2000/gnet/v2"
)

// events adapts gnet's callbacks to the server. Every callback runs on an
// event loop except OnBoot and OnShutdown.
type events struct {
	gnet.BuiltinEventEngine
	s      *Server
	client bool // a gnet Client fed by our own accept (Config.GoAccept)
}

func (e *events) OnBoot(eng gnet.Engine) gnet.Action {
	if e.client {
		e.s.eng = eng // the listeners are ours: nothing to learn here
		return gnet.None
	}
	e.s.boot(eng)
	return gnet.None
}

func (e *events) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s := e.s
	l := s.loopOf(gc.EventLoop())
	// Past MaxConns a connection is closed at once, before it costs
	// more than its accept; staying below the descriptor limit also
	// keeps gnet from ever seeing EMFILE, which would stop the engine.
	if s.conns.Add(1) > int64(s.cfg.MaxConns) {
		s.conns.Add(-1)
		l.stats.refused.Add(1)
		return nil, gnet.Close
	}
	c := &conn{l: l, gc: gc, idx: -1}
	c.p.Share(&s.cfg.Limits)
	gc.SetContext(c)
	l.add(c)
	c.awaitFirst()
	return nil, gnet.None
}

func (e *events) OnTraffic(gc gnet.Conn) (action gnet.Action) {
	c, _ := gc.Context().(*conn)
	if c == nil {
		return gnet.Close
	}
	// A bug of ours must cost one connection, never the process: gnet
	// does not recover panics in callbacks.
	defer func() {
		if p := recover(); p != nil {
			e.s.cfg.Logger.Error("engine: panic serving connection",
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			action = gnet.Close
		}
	}()
	return c.traffic()
}

func (e *events) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, _ := gc.Context().(*conn)
	if c == nil {
		return gnet.None
	}
	c.l.remove(c)
	c.l.s.conns.Add(-1)
	if c.handOff(err) {
		// Like net/http, tell handlers the client went away (their
		// contexts end), but deliver whatever they still answer.
		for s := c.head; s != nil; s = s.next {
			if s.cancel != nil {
				s.cancel()
			}
		}
		return gnet.None
	}
	c.endBody()
	c.closed.Store(true)
	c.dropQueue()
	return gnet.None
}

// endBody releases a body in progress: its handler's reader fails.
func (c *conn) endBody() {
	if c.body == nil {
		return
	}
	if c.body.pipe != nil {
		c.body.pipe.End(nil, ErrConnClosed)
	}
	c.stopBody()
}

// gnetLogger sends gnet's log lines to the server's logger at debug level,
// which also silences gnet's own stdout banner.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Debug("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error("gnet: " + fmt.Sprintf(f, a...)) }
