package fallback

import (
	"bufio"
	"errors"
	"net"
	"os"
	"time"
)

// ErrHijackUnsupported is what Hijack returns, directly or through
// http.ResponseController: the performance engine owns its sockets on
// event loops and cannot hand one to a handler.
var ErrHijackUnsupported = errors.New("fallback: hijacking is not supported by the performance engine; use standard mode")

// Hijack implements http.Hijacker so that handlers and
// http.ResponseController get a clear error rather than "not supported".
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, ErrHijackUnsupported
}

// EnableFullDuplex lets the handler read the body while writing the
// response. The engine feeds the body concurrently anyway, so this only
// says yes.
func (w *response) EnableFullDuplex() error { return nil }

// SetReadDeadline sets the deadline for reading the request body: a Read
// blocked at the deadline, or started after it with nothing buffered,
// fails with os.ErrDeadlineExceeded. The zero time removes it.
func (w *response) SetReadDeadline(t time.Time) error {
	if w.body != nil {
		w.body.setDeadline(t)
	}
	return nil
}

// SetWriteDeadline sets the deadline for handing response bytes to the
// engine. Output.Send cannot be interrupted, so a Send that starts while a
// deadline is set runs on a helper goroutine: at the deadline the write
// returns os.ErrDeadlineExceeded, the response is abandoned and the
// connection ends after whatever that Send still delivers. A deadline set
// while a Send is already blocked does not interrupt it. The zero time
// removes it.
func (w *response) SetWriteDeadline(t time.Time) error {
	var d int64
	if !t.IsZero() {
		d = max(t.UnixNano(), 1)
	}
	w.wdeadline.Store(d)
	return nil
}

// sendBy sends wire unless the deadline (unix nanoseconds) passes first.
func (w *response) sendBy(deadline int64) error {
	wait := time.Until(time.Unix(0, deadline))
	if wait <= 0 {
		return os.ErrDeadlineExceeded
	}
	res := make(chan error, 1)
	p, out := w.wire, w.out
	go func() { res <- out.Send(p) }()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case err := <-res:
		return err
	case <-t.C:
		// p belongs to the running Send now; Finish waits for it.
		w.inflight, w.wire, w.wireBox = res, nil, nil
		return os.ErrDeadlineExceeded
	}
}

// CloseNotify implements the deprecated http.CloseNotifier: the channel
// receives true when the connection goes away while the handler runs.
// Prefer Request.Context().
func (w *response) CloseNotify() <-chan bool {
	if w.closeNotify == nil {
		w.closeNotify, w.stopNotify = make(chan bool, 1), make(chan struct{})
		go func(ch chan<- bool, stop, gone <-chan struct{}) {
			select {
			case <-gone:
				ch <- true
			case <-stop:
			}
		}(w.closeNotify, w.stopNotify, w.ctx.Done())
	}
	return w.closeNotify
}
