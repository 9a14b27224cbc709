// Package peer holds what the peer servers of the benchmark suite share:
// the -addr flag, a Date refreshed once a second, and the exit line with
// the request count and heap allocations per request, in the same form as
// cmd/bench-server's, so that the suite reads every server alike.
package peer

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime/metrics"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"
)

// Hello is the plaintext body.
var Hello = []byte("Hello, World!")

var (
	statsEvery time.Duration
	cpuProfile string
)

// Flags parses the flags every peer takes and returns the listen address.
func Flags(extra func(*flag.FlagSet)) string {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.DurationVar(&statsEvery, "stats-every", 0, "log requests per second and allocations per request at this interval (0: off)")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file at exit")
	if extra != nil {
		extra(flag.CommandLine)
	}
	flag.Parse()
	return *addr
}

// Totals counts requests and, at exit, reports them with the heap
// allocations per request since Start.
type Totals struct {
	requests atomic.Uint64
	start    uint64
	profile  *os.File
}

// Start records the allocation baseline; call it once the server listens,
// as cmd/bench-server does, so that start-up is not counted. With
// -stats-every it also logs throughput lines like cmd/bench-server's.
func Start() *Totals {
	t := &Totals{start: heapAllocs()}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cpuprofile:", err)
			os.Exit(1)
		}
		t.profile = f
	}
	if statsEvery > 0 {
		go t.logThroughput(statsEvery)
	}
	return t
}

// logThroughput logs, every interval, requests per second and heap
// allocations per request over the interval, as cmd/bench-server's
// -stats-every does, so that the suite can leave out connection set-up.
func (t *Totals) logThroughput(every time.Duration) {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	prevReqs, prevAllocs, at := t.requests.Load(), heapAllocs(), time.Now()
	for now := range time.Tick(every) {
		reqs, allocs := t.requests.Load(), heapAllocs()
		n := reqs - prevReqs
		per := 0.0
		if n > 0 {
			per = float64(allocs-prevAllocs) / float64(n)
		}
		log.Info("throughput", "req_per_s", int64(float64(n)/now.Sub(at).Seconds()), "allocs_per_req", per)
		prevReqs, prevAllocs, at = reqs, allocs, now
	}
}

// Add counts n requests.
func (t *Totals) Add(n uint64) { t.requests.Add(n) }

// WaitAndExit blocks until SIGTERM or SIGINT, runs release (closing a
// database pool, say), logs the totals line and exits. Peers need no
// graceful shutdown: the suite stops them only once its load generator has
// finished.
func (t *Totals) WaitAndExit(release ...func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, os.Interrupt)
	<-ch
	for _, fn := range release {
		fn()
	}
	if t.profile != nil {
		pprof.StopCPUProfile()
		t.profile.Close()
	}
	allocs := heapAllocs() - t.start
	reqs := t.requests.Load()
	per := 0.0
	if reqs > 0 {
		per = float64(allocs) / float64(reqs)
	}
	slog.New(slog.NewTextHandler(os.Stderr, nil)).Info("totals",
		"requests", reqs, "allocs_per_req", per)
	os.Exit(0)
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}

func heapAllocs() uint64 {
	metrics.Read(allocSample)
	return allocSample[0].Value.Uint64()
}

// Listening logs the line the suite and people look for.
func Listening(name, addr string) {
	fmt.Fprintf(os.Stderr, "level=INFO msg=listening server=%s addr=%s\n", name, addr)
}

// DateLen is the length of an IMF-fixdate.
const DateLen = 29

// Date holds the current IMF-fixdate, refreshed once a second by a
// goroutine; Load never allocates.
type Date struct {
	cur atomic.Pointer[[DateLen]byte]
	sub []func(*[DateLen]byte)
}

// NewDate returns a Date that is kept current; onChange, if given, runs
// on the refresher goroutine at every change and once now.
func NewDate(onChange ...func(*[DateLen]byte)) *Date {
	d := &Date{sub: onChange}
	d.refresh(time.Now())
	go func() {
		for {
			now := time.Now()
			time.Sleep(now.Truncate(time.Second).Add(time.Second + time.Millisecond).Sub(now))
			d.refresh(time.Now())
		}
	}()
	return d
}

func (d *Date) refresh(now time.Time) {
	var b [DateLen]byte
	now.UTC().AppendFormat(b[:0], http.TimeFormat)
	d.cur.Store(&b)
	for _, fn := range d.sub {
		fn(&b)
	}
}

// Load returns the current date; the array is never modified.
func (d *Date) Load() *[DateLen]byte { return d.cur.Load() }
