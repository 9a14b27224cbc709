package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/chopin-go/chopin/datecache"
	"github.com/chopin-go/chopin/fallback"
	"github.com/chopin-go/chopin/router"
)

// Server is a running engine. Start returns one that is already listening.
type Server struct {
	cfg    Config
	rt     *router.Router[LoopFunc]
	dates  *datecache.Cache
	server []byte // "Server: name\r\n"

	fb      *fallback.Bridge
	baseCtx context.Context // parent of fallback contexts; cancelled at stop
	stop    context.CancelFunc

	eng      gnet.Engine
	addr     net.Addr
	bindAddr string // what gnet binds: Config.Addr with port 0 resolved
	reserved int    // fd holding a port-0 reservation until the loops have bound it

	mu    sync.Mutex
	loops []*loop
	byEL  sync.Map // gnet.EventLoop → *loop

	draining        atomic.Bool
	spared          atomic.Bool // spareP ran
	shutdownOnce    sync.Once
	shutdownErr     error
	listenersClosed bool
	conns           atomic.Int64 // open connections, for MaxConns
	drainers        atomic.Int64 // half-closed connections still being answered
	ready           chan error
	done            chan struct{} // closed when gnet.Run has returned
	runErr          error
	sweepEnd        chan struct{}
	paused          chan struct{} // a loop paused a connection: the sweeper ticks faster
	std             *standard     // Standard mode only
	goAccept        *goAcceptor   // Config.GoAccept only
}

// Serve starts a server for routes and blocks until ctx is done, then shuts
// it down gracefully within cfg.Timeouts.Shutdown.
func Serve(ctx context.Context, cfg Config, routes *Routes) error {
	s, err := Start(cfg, routes)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-s.done:
		return s.runErr
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeouts.Shutdown)
	defer cancel()
	return s.Shutdown(sctx)
}

// Start binds cfg.Addr, starts serving routes and returns once the server
// accepts connections.
func Start(cfg Config, routes *Routes) (*Server, error) {
	s, err := newServer(cfg, routes)
	if err != nil {
		return nil, err
	}
	s.dates.Start()
	switch {
	case s.cfg.Mode == Standard:
		err = s.startStandard()
	case s.cfg.GoAccept:
		if err = s.startGoAccept(); err == nil {
			s.startSweeper()
		}
	default:
		err = s.startGnet()
	}
	if err != nil {
		s.stop()
		s.dates.Stop()
		return nil, err
	}
	return s, nil
}

// newServer builds everything but the listeners and goroutines, so tests
// can drive connections without sockets.
func newServer(cfg Config, routes *Routes) (*Server, error) {
	cfg = cfg.withDefaults()
	rt, err := routes.compile(cfg.ServerName)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, rt: rt, ready: make(chan error, 1), done: make(chan struct{}), reserved: -1,
		paused: make(chan struct{}, 1)}
	if cfg.ServerName != "" {
		s.server = []byte("Server: " + cfg.ServerName + "\r\n")
	}
	s.dates = datecache.New()
	s.dates.OnChange(rt.SetDate)
	s.baseCtx, s.stop = context.WithCancel(context.Background())
	if cfg.Fallback != nil {
		s.fb = fallback.New(fallback.Config{
			Handler:    cfg.Fallback,
			Workers:    cfg.FallbackWorkers,
			ServerName: cfg.ServerName,
			Date:       s.dates.Load,
			Limits:     cfg.Limits,
			Logger:     cfg.Logger,
			Closing:    s.draining.Load,
		})
	}
	return s, nil
}

var errStoppedUnexpectedly = errors.New("engine: event loops stopped without Shutdown (an accept failed: out of file descriptors?)")

// Addr returns the address the server listens on, with the real port when
// Config.Addr asked for port 0.
func (s *Server) Addr() net.Addr { return s.addr }

// Done is closed once the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) startGnet() error {
	addr, err := s.reservePort(s.cfg.Addr)
	if err != nil {
		return err
	}
	s.bindAddr = addr
	opts := []gnet.Option{
		gnet.WithNumEventLoop(s.cfg.Loops),
		gnet.WithReusePort(!s.cfg.SingleListener),
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithReadBufferCap(s.cfg.ReadBufferBytes),
		gnet.WithLockOSThread(s.cfg.LockOSThread),
		gnet.WithLogger(gnetLogger{s.cfg.Logger}),
	}
	go func() {
		err := gnet.Run(&events{s: s}, "tcp://"+addr, opts...)
		if err == nil && !s.draining.Load() {
			// gnet stops the whole engine when an accept fails (EMFILE:
			// no descriptor left) and then returns nil; a stop nobody
			// asked for is an error.
			err = errStoppedUnexpectedly
		}
		s.runErr = err
		select {
		case s.ready <- fmt.Errorf("engine: %w", err):
		default:
		}
		close(s.done)
	}()
	if err := <-s.ready; err != nil {
		s.closeReservation()
		return err
	}
	s.closeReservation()
	s.startSweeper()
	return nil
}

func (s *Server) startSweeper() {
	clock.Store(time.Now().UnixNano()) // deadlines set before the first tick
	s.sweepEnd = make(chan struct{})
	go s.sweeper(s.sweepEnd)
}

// boot runs in gnet's OnBoot, after the listeners are bound and before the
// loops start: the one place to learn the bound address.
func (s *Server) boot(eng gnet.Engine) {
	s.eng = eng
	addr, err := s.boundAddr(eng)
	if err == nil {
		s.addr = addr
	}
	s.ready <- err
}

// Shutdown stops accepting, lets every request already received finish
// (FastRoutes, loop handlers and fallback handlers), closes idle
// connections, and returns when all connections are gone or ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.std != nil {
		defer s.dates.Stop()
		return s.std.shutdown(ctx)
	}
	// A second call waits for the first and returns its result.
	s.shutdownOnce.Do(func() { s.shutdownErr = s.shutdown(ctx) })
	return s.shutdownErr
}

func (s *Server) shutdown(ctx context.Context) error {
	s.draining.Store(true)
	if err := s.stopAccepting(); err != nil {
		s.cfg.Logger.Warn("engine: could not close listeners; refusing new connections instead", "err", err)
	}
	err := s.drain(ctx)
	if s.sweepEnd != nil {
		close(s.sweepEnd)
		s.sweepEnd = nil
	}
	if s.goAccept != nil {
		s.goAccept.stop()
		close(s.done)
	} else {
		// A cancelled context makes Stop return at once instead of
		// polling every 500 ms; Run returning is what we wait for.
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		_ = s.eng.Stop(cancelled)
		<-s.done
	}
	s.stop()
	if s.fb != nil {
		s.fb.Close()
	}
	s.dates.Stop()
	return err
}

// drainIdleAfter is how long a connection must have been idle before a
// drain closes it. A busy keep-alive client sends its next request within
// moments and gets "Connection: close" on the answer, which closes the
// connection without a race; only truly idle connections are cut.
const drainIdleAfter = 500 * time.Millisecond

// drain waits until no connection is left or ctx is done.
func (s *Server) drain(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		s.eachLoop(func(l *loop) { l.closeIdle(drainIdleAfter) })
		if s.openConns() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// openConns counts connections still served: open on a loop or being
// drained after a half-close. (gnet's CountConnections races with its own
// loop start-up, so we keep count ourselves.)
func (s *Server) openConns() int64 {
	var n int64
	s.mu.Lock()
	for _, l := range s.loops {
		n += l.stats.open.Load()
	}
	s.mu.Unlock()
	return n + s.drainers.Load()
}

// loopOf returns the state of gnet event loop el, creating it on first use.
func (s *Server) loopOf(el gnet.EventLoop) *loop {
	if l, ok := s.byEL.Load(el); ok {
		return l.(*loop)
	}
	l := newLoop(s, el)
	if prev, loaded := s.byEL.LoadOrStore(el, l); loaded {
		return prev.(*loop)
	}
	s.mu.Lock()
	s.loops = append(s.loops, l)
	s.mu.Unlock()
	return l
}

// eachLoop runs fn on every event loop, on that loop.
func (s *Server) eachLoop(fn func(*loop)) {
	s.mu.Lock()
	loops := append([]*loop(nil), s.loops...)
	s.mu.Unlock()
	for _, l := range loops {
		_ = l.execute(fn)
	}
}
