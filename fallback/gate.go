package fallback

import (
	"sync"
	"sync/atomic"
)

var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// gate sends the interim "100 Continue" the first time the handler reads a
// body whose client waits for it, unless the response has begun: net/http's
// canWriteContinue and writeContinueMu. The body may be read on another
// goroutine than the one writing the response; the mutex makes sure that a
// 100 being sent is out before the response's first bytes, and that no two
// goroutines call Output.Send at once.
type gate struct {
	mu   sync.Mutex
	open atomic.Bool
	out  Output
}

// pass sends the 100 if the gate is still open, and closes it. A nil gate
// (a Body read outside a bridge) does nothing.
func (g *gate) pass() {
	if g == nil || !g.open.Load() {
		return
	}
	g.mu.Lock()
	if g.open.Load() {
		_ = g.out.Send(continueLine) // a failure shows on the response's next Send
		g.open.Store(false)
	}
	g.mu.Unlock()
}

// shut closes the gate; a 100 being sent is out when it returns.
func (g *gate) shut() {
	if !g.open.Load() {
		return
	}
	g.mu.Lock()
	g.open.Store(false)
	g.mu.Unlock()
}
