package datecache

import (
	"bytes"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for Cache.now. The refresher goroutine
// reads it while the test sets it, so it is atomic.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	f := &fakeClock{}
	f.set(t)
	return f
}

func (f *fakeClock) now() time.Time      { return time.Unix(0, f.ns.Load()) }
func (f *fakeClock) set(t time.Time)     { f.ns.Store(t.UnixNano()) }
func (f *fakeClock) add(d time.Duration) { f.ns.Add(int64(d)) }

// newFake returns a Cache driven by clk, as New would build it.
func newFake(clk *fakeClock) *Cache {
	c := &Cache{now: clk.now}
	c.refresh()
	return c
}

var base = time.Date(1994, time.November, 6, 8, 49, 37, 250e6, time.UTC)

func TestFormat(t *testing.T) {
	if Len != 29 {
		t.Fatalf("Len = %d, want 29", Len)
	}
	tests := []struct {
		at   time.Time
		want string
	}{
		{base, "Sun, 06 Nov 1994 08:49:37 GMT"},
		// Another zone: the date is always in GMT.
		{base.In(time.FixedZone("X", -7*3600)), "Sun, 06 Nov 1994 08:49:37 GMT"},
		{time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC), "Thu, 01 Jan 2026 00:00:00 GMT"},
		{time.Date(2000, time.February, 29, 23, 59, 59, 999e6, time.UTC), "Tue, 29 Feb 2000 23:59:59 GMT"},
	}
	for _, tc := range tests {
		c := newFake(newFakeClock(tc.at))
		got := c.Load()
		if len(got) != Len {
			t.Fatalf("%v: %d bytes, want %d", tc.at, len(got), Len)
		}
		if string(got) != tc.want {
			t.Errorf("%v: %q, want %q", tc.at, got, tc.want)
		}
		// RFC 9110 §5.6.7: an IMF-fixdate, which is http.TimeFormat.
		p, err := http.ParseTime(string(got))
		if err != nil || !p.Equal(tc.at.Truncate(time.Second)) {
			t.Errorf("%q parses to %v, %v; want %v", got, p, err, tc.at.Truncate(time.Second))
		}
		if a := c.Append([]byte("Date: ")); string(a) != "Date: "+tc.want {
			t.Errorf("Append: %q", a)
		}
	}
}

func TestNewIsCurrent(t *testing.T) {
	before := time.Now().Truncate(time.Second)
	c := New()
	after := time.Now()
	got, err := http.ParseTime(string(c.Load()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Before(before) || got.After(after) {
		t.Fatalf("New holds %v, want between %v and %v", got, before, after)
	}
}

func TestLoadStable(t *testing.T) {
	clk := newFakeClock(base)
	c := newFake(clk)
	a := c.Load()
	b := c.Load()
	if !bytes.Equal(a, b) || &a[0] != &b[0] {
		t.Fatal("two Loads in the same second returned different bytes")
	}
	kept := bytes.Clone(a)

	clk.add(300 * time.Millisecond) // same second
	c.refresh()
	if same := c.Load(); &same[0] != &a[0] {
		t.Fatal("a refresh within the same second published new bytes")
	}

	clk.add(time.Second)
	c.refresh()
	next := c.Load()
	if bytes.Equal(next, kept) {
		t.Fatalf("the date did not change: %q", next)
	}
	if !bytes.Equal(a, kept) {
		t.Fatalf("a slice loaded earlier was modified: %q, was %q", a, kept)
	}
	if string(next) != "Sun, 06 Nov 1994 08:49:38 GMT" {
		t.Fatalf("after one second: %q", next)
	}
}

func TestOnChange(t *testing.T) {
	clk := newFakeClock(base)
	c := newFake(clk)
	var got []string
	c.OnChange(func(d []byte) { got = append(got, string(d)) })
	if len(got) != 1 || got[0] != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("OnChange did not call fn once at once: %q", got)
	}

	clk.add(500 * time.Millisecond) // 37.75: same second
	c.refresh()
	if len(got) != 1 {
		t.Fatalf("fn called without a change: %q", got)
	}
	clk.add(500 * time.Millisecond) // 38.25
	c.refresh()
	clk.add(time.Hour)
	c.refresh()
	clk.set(base.Add(-24 * time.Hour)) // clocks may step back
	c.refresh()
	want := []string{
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:38 GMT",
		"Sun, 06 Nov 1994 09:49:38 GMT",
		"Sat, 05 Nov 1994 08:49:37 GMT",
	}
	if len(got) != len(want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("call %d: %q, want %q", i, got[i], want[i])
		}
	}
	if string(c.Load()) != want[len(want)-1] {
		t.Fatalf("Load %q after the last change", c.Load())
	}
}

func TestOnChangeSeveralSubscribers(t *testing.T) {
	clk := newFakeClock(base)
	c := newFake(clk)
	var a, b []string
	c.OnChange(func(d []byte) { a = append(a, string(d)) })
	c.OnChange(func(d []byte) { b = append(b, string(d)) })
	clk.add(time.Second)
	c.refresh()
	if len(a) != 2 || len(b) != 2 || a[1] != b[1] || a[1] != string(c.Load()) {
		t.Fatalf("subscribers saw %q and %q", a, b)
	}
}

func TestUntilNext(t *testing.T) {
	tests := []struct {
		frac time.Duration // position within the second
		want time.Duration
	}{
		{0, MaxInterval},
		{250 * time.Millisecond, MaxInterval},
		{600 * time.Millisecond, 401 * time.Millisecond},
		{999 * time.Millisecond, 2 * time.Millisecond},
	}
	for _, tc := range tests {
		clk := newFakeClock(base.Truncate(time.Second).Add(tc.frac))
		c := newFake(clk)
		if got := c.untilNext(); got != tc.want {
			t.Errorf("at +%v: untilNext %v, want %v", tc.frac, got, tc.want)
		}
	}
}

// The refresher goroutine, driven by a fake clock: moving the clock on is
// seen within a few wake-ups, and reaches subscribers on the refresher.
func TestRefresherFakeClock(t *testing.T) {
	t.Parallel()
	clk := newFakeClock(base)
	c := &Cache{now: clk.now}
	c.refresh()
	changes := make(chan string, 16)
	c.OnChange(func(d []byte) {
		select {
		case changes <- string(d):
		default:
		}
	})
	<-changes // the call at registration
	c.Start()
	c.Start() // a second Start is a no-op
	defer c.Stop()

	for _, step := range []struct {
		by   time.Duration
		want string
	}{
		{time.Second, "Sun, 06 Nov 1994 08:49:38 GMT"},
		{time.Minute, "Sun, 06 Nov 1994 08:50:38 GMT"},
	} {
		clk.add(step.by)
		want := step.want
		select {
		case got := <-changes:
			if got != want {
				t.Fatalf("refresher published %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second): // the refresher wakes every 500 ms at most
			t.Fatalf("refresher never published %q", want)
		}
		if string(c.Load()) != want {
			t.Fatalf("Load %q, want %q", c.Load(), want)
		}
	}
}

func TestStartStop(t *testing.T) {
	c := New()
	c.Stop() // before Start: nothing to stop
	c.Start()
	c.Stop()
	c.Stop()  // twice: no-op
	c.Start() // again after Stop
	c.Stop()
}

// With the real clock, the published date stays within about a second of
// time.Now: it is refreshed at least every MaxInterval and just after each
// second boundary. The bound is generous (2 s) so that a loaded machine
// does not fail it; what it catches is a refresher that stopped.
func TestRefreshTracksNow(t *testing.T) {
	t.Parallel()
	c := New()
	var mu sync.Mutex
	changes := 0
	changed := make(chan struct{}, 1)
	c.OnChange(func([]byte) {
		mu.Lock()
		changes++
		mu.Unlock()
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	c.Start()
	defer c.Stop()

	deadline := time.After(10 * time.Second)
	for {
		mu.Lock()
		n := changes
		mu.Unlock()
		if n >= 3 { // the call at registration and two refreshes
			break
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("only %d OnChange calls in 10 s: the refresher is not running", n)
		}
	}
	for range 5 {
		got, err := http.ParseTime(string(c.Load()))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if got.After(now) || now.Sub(got) > 2*time.Second {
			t.Fatalf("published %v at %v: more than 2 s stale, or ahead", got, now)
		}
		time.Sleep(100 * time.Millisecond) // pacing only
	}
}

// Readers never lock and never see a torn date while the refresher
// publishes (checked by the race detector).
func TestConcurrentLoad(t *testing.T) {
	clk := newFakeClock(base)
	c := &Cache{now: clk.now}
	c.refresh()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			clk.add(time.Second)
			c.refresh() // as the refresher does; only one goroutine refreshes
		}
	}()
	for range 2000 {
		if _, err := http.ParseTime(string(c.Load())); err != nil {
			t.Fatalf("torn date: %v", err)
		}
	}
	close(stop)
	wg.Wait()
}
