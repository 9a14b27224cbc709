package datecache

import (
	"sync"
	"sync/atomic"
	"time"
)

// Len is the length of an IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
const Len = 29

// MaxInterval is the longest a refresh may wait. The date changes once a
// second; the refresher also wakes just after each second boundary, so the
// published date is rarely more than a millisecond stale.
const MaxInterval = 500 * time.Millisecond

// Cache publishes the current date. The zero value is not usable; call New.
type Cache struct {
	cur  atomic.Pointer[[Len]byte]
	sec  int64 // unix second of cur; refresher only
	now  func() time.Time
	mu   sync.Mutex // guards subs, stop, run; never taken by readers
	subs []func(date []byte)
	stop chan struct{}
	done chan struct{}
}

// New returns a Cache holding the current date. It is not refreshed until
// Start is called.
func New() *Cache {
	c := &Cache{now: time.Now}
	c.refresh()
	return c
}

// Load returns the current date. The bytes are never modified.
func (c *Cache) Load() []byte { return c.cur.Load()[:] }

// Append appends the current date to dst.
func (c *Cache) Append(dst []byte) []byte { return append(dst, c.cur.Load()[:]...) }

// OnChange registers fn to run, on the refresher goroutine, each time the
// date changes, with the new date, and once now. Subscribers keep derived
// bytes (such as preformatted responses) current; fn must not block.
func (c *Cache) OnChange(fn func(date []byte)) {
	c.mu.Lock()
	c.subs = append(c.subs, fn)
	c.mu.Unlock()
	fn(c.Load())
}

// Start starts the refresher goroutine; Stop ends it. Start after Stop
// starts it again.
func (c *Cache) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stop != nil {
		return
	}
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.run(c.stop, c.done)
}

// Stop stops the refresher and waits for it to exit.
func (c *Cache) Stop() {
	c.mu.Lock()
	stop, done := c.stop, c.done
	c.stop = nil
	c.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (c *Cache) run(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTimer(c.untilNext())
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			c.refresh()
			t.Reset(c.untilNext())
		}
	}
}

// untilNext is the wait until just past the next second boundary, at most
// MaxInterval.
func (c *Cache) untilNext() time.Duration {
	now := c.now()
	d := now.Truncate(time.Second).Add(time.Second + time.Millisecond).Sub(now)
	if d > MaxInterval {
		d = MaxInterval
	}
	return d
}

// refresh publishes a new date if the second changed and tells subscribers.
func (c *Cache) refresh() {
	now := c.now().UTC()
	sec := now.Unix()
	if c.cur.Load() != nil && sec == c.sec {
		return
	}
	var d [Len]byte
	now.AppendFormat(d[:0], "Mon, 02 Jan 2006 15:04:05 GMT")
	c.sec = sec
	c.cur.Store(&d)
	c.mu.Lock()
	subs := c.subs
	c.mu.Unlock()
	for _, fn := range subs {
		fn(d[:])
	}
}
