package fallback

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/chopin-go/chopin/http1"
)

// Output receives one response's bytes, in order, from the goroutine that
// runs the handler. The engine implements it with a slot in the
// connection's response queue, so responses leave in request order.
type Output interface {
	// Send queues p for the client; p may be reused once Send returns.
	// It blocks while too much of this response is still unsent and
	// fails (engine.ErrConnClosed) once the connection is gone.
	Send(p []byte) error
	// Finish ends the response. status is the code sent (for the
	// engine's counters); closeConn ends the connection after it. Output
	// must not be used afterwards.
	Finish(status int, closeConn bool)
}

// Config configures a Bridge. Zero fields mean defaults.
type Config struct {
	Handler    http.Handler
	Workers    int           // handlers running at once; 0: 10000
	ServerName string        // Server field value; "" omits it
	Date       func() []byte // the current IMF-fixdate (29 bytes, immutable)
	Limits     http1.Limits
	Logger     *slog.Logger // nil: discard
	// Closing reports whether the server is shutting down; a response
	// whose header is written then ends its connection, as net/http
	// does once Shutdown began. nil: never.
	Closing func() bool

	// DisableGeneralOptionsHandler passes "OPTIONS *" requests to Handler.
	// By default they are answered 200 with Content-Length: 0 without
	// calling it, as net/http's Server does (the same-named field there).
	DisableGeneralOptionsHandler bool
}

// Job is one request handed to the fallback. The engine fills it on its
// event loop; everything in it is owned by the job (copied off the loop).
type Job struct {
	Head       []byte // the request head, request-line to the empty line
	RemoteAddr string
	// Ctx is cancelled when the connection goes away or the server stops.
	Ctx context.Context
	// Cancel, if set, cancels Ctx. The bridge then gives Ctx itself to
	// the handler and calls Cancel when ServeHTTP returns, as net/http
	// cancels a request's context, instead of deriving a second context
	// per request. Nothing of the bridge waits on Ctx afterwards.
	Cancel context.CancelFunc
	Body   *Body // nil when the request has no body
	Out    Output
	// ForceClose: the connection ends after this response whatever the
	// handler does (the request asked for it, or the server is draining).
	ForceClose bool
}
