package engine

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sys/unix"

	"github.com/chopin-go/chopin/http1"
)

// Mode selects the server underneath the routes.
type Mode uint8

const (
	// Performance serves from gnet event loops (the default).
	Performance Mode = iota
	// Standard serves the same routes from net/http's own http.Server,
	// for development and as a reference.
	Standard
)

// Defaults for Config; a zero field means its default.
const (
	DefaultAddr            = ":8080"
	DefaultServerName      = "chopin"
	DefaultReadBufferBytes = 64 << 10
	DefaultMaxPipeline     = 64
	DefaultOutputHighWater = 256 << 10
	DefaultMaxPausedInput  = 512 << 10
	DefaultFallbackWorkers = 10000
	DefaultShutdownTimeout = 10 * time.Second
)

// Config configures a Server. The zero value is usable: each zero field
// means the matching Default* constant.
type Config struct {
	Addr string // host:port; port 0 picks a free port (see Server.Addr)
	Mode Mode

	// Loops is the number of event loops; 0 means GOMAXPROCS.
	Loops int
	// SingleListener makes gnet accept on one listener and hand
	// connections round-robin to the loops, instead of one SO_REUSEPORT
	// listener per loop. The kernel's reuseport hashing spreads few
	// connections unevenly; round-robin is exact.
	SingleListener bool
	// GoAccept accepts connections on goroutines (net.Listener, one per
	// loop with SO_REUSEPORT) and hands them to the loops, instead of
	// gnet's accept on the loops. gnet stops the whole engine when an
	// accept finds no free file descriptor; in this mode a failed accept
	// backs off and retries, as net/http does, and closing the listeners
	// needs no trickery. Accepting costs more (Go's poller, a dup(2) and a
	// hand-off per connection); keep-alive traffic hardly notices.
	GoAccept bool
	// LockOSThread pins each event loop to an OS thread.
	LockOSThread bool
	// KeepGOMAXPROCS leaves GOMAXPROCS alone. By default a performance
	// mode server raises it to Loops+1, if it is lower, when it first
	// hands a request to the fallback, so that handler goroutines (and
	// the database drivers they wait on) have a P that no event loop
	// holds while it waits in epoll_wait (see procs.go for the
	// measurements). Loops 0 still means the GOMAXPROCS the process had
	// before the engine raised it.
	KeepGOMAXPROCS bool
	// ReadBufferBytes is the most one read(2) takes (gnet's per-loop read
	// buffer); at least 16 KiB is used.
	ReadBufferBytes int

	ServerName string       // the Server field; "-" omits it
	Limits     http1.Limits // header bytes, header count, target, body
	Timeouts   Timeouts

	// MaxPipeline bounds the requests of one connection that may wait
	// for their responses; past it the engine stops parsing that
	// connection until answers leave.
	MaxPipeline int
	// OutputHighWater is the unsent output, per connection, past which
	// the engine stops parsing that connection's requests.
	OutputHighWater int
	// MaxPausedInput bounds the unparsed input a connection may hold
	// while its parsing is paused (MaxPipeline or OutputHighWater). gnet
	// keeps reading sockets whatever the engine does, so TCP flow
	// control never slows such a client; past this bound it is closed.
	MaxPausedInput int

	// MaxConns bounds open connections; past it new ones are closed at
	// accept. 0 means 90% of the process's file descriptor limit.
	MaxConns int

	// Fallback serves every request no route matches, on goroutines.
	// nil answers 404.
	Fallback http.Handler
	// FallbackWorkers bounds the fallback handlers running at once;
	// further requests wait for a free worker.
	FallbackWorkers int

	Logger *slog.Logger // nil: discard
}

// Timeouts bound how long a connection may hold resources. Zero fields mean
// defaults; a negative field disables that timeout.
type Timeouts struct {
	Header   time.Duration // to receive a whole request head once its first byte came
	Body     time.Duration // to receive a request body once its head came
	Idle     time.Duration // between requests on a kept-alive connection
	Write    time.Duration // output waiting with no progress
	Shutdown time.Duration // Serve's graceful drain after ctx is done
}

// Default timeouts.
const (
	DefaultHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout   = 30 * time.Second
	DefaultIdleTimeout   = 60 * time.Second
	DefaultWriteTimeout  = 30 * time.Second
)

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Loops <= 0 {
		c.Loops = defaultLoops()
	}
	if c.ReadBufferBytes < 16<<10 {
		if c.ReadBufferBytes == 0 {
			c.ReadBufferBytes = DefaultReadBufferBytes
		} else {
			c.ReadBufferBytes = 16 << 10
		}
	}
	switch c.ServerName {
	case "":
		c.ServerName = DefaultServerName
	case "-":
		c.ServerName = ""
	}
	c.Limits = c.Limits.WithDefaults()
	if c.MaxPipeline <= 0 {
		c.MaxPipeline = DefaultMaxPipeline
	}
	if c.OutputHighWater <= 0 {
		c.OutputHighWater = DefaultOutputHighWater
	}
	if c.MaxPausedInput <= 0 {
		c.MaxPausedInput = DefaultMaxPausedInput
	}
	// A head still arriving is unparsed input too: never close for that.
	c.MaxPausedInput = max(c.MaxPausedInput, 2*c.Limits.MaxHeaderBytes)
	if c.MaxConns <= 0 {
		c.MaxConns = defaultMaxConns()
	}
	if c.FallbackWorkers <= 0 {
		c.FallbackWorkers = DefaultFallbackWorkers
	}
	c.Timeouts = c.Timeouts.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// defaultMaxConns leaves a tenth of the descriptor limit for everything
// else the process opens.
func defaultMaxConns() int {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) != nil || lim.Cur > 1<<30 {
		return 1 << 20
	}
	return max(int(lim.Cur)*9/10, 1)
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.Header, DefaultHeaderTimeout)
	def(&t.Body, DefaultBodyTimeout)
	def(&t.Idle, DefaultIdleTimeout)
	def(&t.Write, DefaultWriteTimeout)
	def(&t.Shutdown, DefaultShutdownTimeout)
	return t
}
