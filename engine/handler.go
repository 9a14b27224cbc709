package engine

import (
	"fmt"
	"runtime/debug"
)

// runLoopHandler runs fn on the loop and answers with what it wrote. A
// panic costs this request a 500; the connection and the loop go on, since
// the handler wrote only into the response builder.
func (c *conn) runLoopHandler(fn LoopFunc, h *head) {
	w := &c.l.resp
	w.reset()
	if !c.callLoop(fn, w) {
		c.answer(func(dst []byte) []byte {
			return appendPlain(dst, 500, "Internal Server Error", "", h)
		}, 500)
		return
	}
	status := w.status
	if status == 0 {
		status = 200
	}
	c.answer(func(dst []byte) []byte { return w.appendTo(dst, h) }, status)
}

func (c *conn) callLoop(fn LoopFunc, w *Response) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c.l.s.cfg.Logger.Error("engine: loop handler panicked",
				"method", string(c.l.req.Method), "path", string(c.l.req.Path),
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			ok = false
		}
	}()
	fn(w, &c.l.req)
	if w.err != nil {
		c.l.s.cfg.Logger.Error("engine: loop handler response", "path", string(c.l.req.Path), "err", w.err)
		return false
	}
	return true
}
