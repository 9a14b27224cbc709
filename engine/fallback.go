package engine

import (
	"bytes"
	"context"

	"github.com/chopin-go/chopin/fallback"
)

// fallback hands the request to the net/http bridge. Its response slot is
// queued now, so whatever is pipelined behind it answers after it. The head
// is copied (the job outlives this batch) and the body, if any, is fed to
// the handler as it arrives.
func (c *conn) fallback(b []byte, n int, h *head) int {
	l := c.l
	r := &l.req.Request
	l.n.fallback++
	if !l.s.spared.Load() {
		l.s.spareP()
	}
	s := newSlot()
	c.enqueue(s)
	ctx, cancel := context.WithCancel(l.s.baseCtx)
	s.cancel = cancel
	if c.remote == "" {
		if ra := c.gc.RemoteAddr(); ra != nil {
			c.remote = ra.String()
		}
	}
	j := &fallback.Job{
		Head:       bytes.Clone(b[:n]),
		RemoteAddr: c.remote,
		Ctx:        ctx,
		Cancel:     cancel,
		Out:        s,
		ForceClose: h.conn == connClose,
	}
	consumed := n
	if r.HasBody() {
		j.Body = fallback.NewBody(l.s.cfg.Limits.MaxBodyBytes, r.ExpectContinue)
		if !r.Chunked && int64(len(b)-n) >= r.ContentLength {
			j.Body.Append(b[n : n+int(r.ContentLength)])
			j.Body.End(nil, nil)
			consumed += int(r.ContentLength)
		} else {
			c.startBody(sinkPipe)
			c.body.pipe = j.Body
			consumed += c.feedBody(b[n:])
		}
	}
	l.s.fb.Serve(j)
	return consumed
}
