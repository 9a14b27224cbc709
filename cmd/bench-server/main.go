// Command bench-server serves the TechEmpower routes from the engine, for
// benchmarks with wrk and for trying the engine: /plaintext and /json on
// the event loops, and /db, /queries, /updates, /cached-queries and
// /fortunes (package tfb) on the fallback.
//
//	bench-server -addr :8080 -mode performance -loops 2
//
// DATABASE_URL selects PostgreSQL for the database routes (pool size
// -db-pool; -db-init testdata/tfb/schema.sql creates the tables); without
// it they serve an embedded in-memory store.
//
// SERVER_MODE=standard (or -mode standard) serves the same routes from
// net/http's own server. ENVIRONMENT=production turns request logging off.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/chopin-go/chopin/alloc"
	"github.com/chopin-go/chopin/engine"
	"github.com/chopin-go/chopin/fallback"
	"github.com/chopin-go/chopin/tfb"
)

type options struct {
	addr, mode                 string
	loops                      int
	singleListener, lockThread bool
	goAccept                   bool
	statsEvery                 time.Duration
	debugRoutes                bool
	gcPercent                  int
	memLimit                   int64
	db                         dbOptions
	cpuProfile                 string
	memProfile                 string
	keepProcs                  bool
}

func main() {
	o := parseFlags(os.Args[1:])
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(o, log); err != nil {
		log.Error("bench-server", "err", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) options {
	var o options
	fs := flag.NewFlagSet("bench-server", flag.ExitOnError)
	mode := os.Getenv("SERVER_MODE")
	if mode == "" {
		mode = "performance"
	}
	fs.StringVar(&o.addr, "addr", ":8080", "listen address")
	fs.StringVar(&o.mode, "mode", mode, "performance or standard (default from SERVER_MODE)")
	fs.IntVar(&o.loops, "loops", 0, "event loops (0: GOMAXPROCS)")
	fs.BoolVar(&o.singleListener, "single-listener", false, "one listener with round-robin hand-off instead of SO_REUSEPORT per loop")
	fs.BoolVar(&o.lockThread, "lock-os-thread", false, "pin each event loop to an OS thread")
	fs.BoolVar(&o.keepProcs, "keep-gomaxprocs", false, "leave GOMAXPROCS alone (by default the engine raises it to loops+1)")
	fs.BoolVar(&o.goAccept, "go-accept", false, "accept on goroutines and hand connections to the loops (survives running out of descriptors)")
	fs.DurationVar(&o.statsEvery, "stats-every", 0, "log requests per second at this interval (0: off)")
	fs.BoolVar(&o.debugRoutes, "debug-routes", false, "serve /echo, /slow, /stream, /big and /panic on the fallback")
	fs.IntVar(&o.gcPercent, "gcpercent", 0, "debug.SetGCPercent (0: leave GOGC alone)")
	fs.Int64Var(&o.memLimit, "memlimit", 0, "debug.SetMemoryLimit in bytes (0: leave GOMEMLIMIT alone)")
	addDBFlags(fs, &o.db)
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file at shutdown")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile of the whole run to this file at shutdown (records every allocation: slower)")
	fs.Parse(args)
	return o
}

func run(o options, log *slog.Logger) error {
	if o.memProfile != "" {
		runtime.MemProfileRate = 1 // every allocation, so that rare ones show
	}
	alloc.Runtime{GCPercent: o.gcPercent, MemoryLimit: o.memLimit}.Apply()
	if n, err := raiseFileLimit(); err != nil {
		log.Warn("could not raise the file descriptor limit", "err", err)
	} else {
		log.Debug("file descriptor limit", "n", n)
	}
	cfg := engine.Config{
		Addr:           o.addr,
		Loops:          o.loops,
		SingleListener: o.singleListener,
		LockOSThread:   o.lockThread,
		GoAccept:       o.goAccept,
		KeepGOMAXPROCS: o.keepProcs,
		Logger:         log,
	}
	switch strings.ToLower(o.mode) {
	case "performance", "":
	case "standard":
		cfg.Mode = engine.Standard
	default:
		return fmt.Errorf("unknown mode %q (performance or standard)", o.mode)
	}
	app, closeStore, err := openTFB(o.db, log)
	if err != nil {
		return err
	}
	defer closeStore()
	cfg.Fallback = withMiddleware(fallbackRoutes(app, o.debugRoutes), log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := engine.Start(cfg, routes())
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			s.Shutdown(context.Background())
			return err
		}
		defer stopProfile()
	}
	if o.memProfile != "" {
		defer writeAllocProfile(o.memProfile, log)
	}
	startAllocs := heapAllocs() // after start-up, which allocates once
	if o.debugRoutes {
		publishVars(s)
	}
	log.Info("listening", "addr", s.Addr().String(), "mode", o.mode, "backlog", engine.ListenBacklog())
	if b := engine.ListenBacklog(); b >= 0 && b < engine.DesiredBacklog {
		log.Warn("listen backlog is capped by net.core.somaxconn; raise it to 16384 before starting",
			"somaxconn", b)
	}
	if o.statsEvery > 0 {
		go logThroughput(ctx, s, o.statsEvery, log)
	}
	select {
	case <-ctx.Done():
	case <-s.Done():
		return fmt.Errorf("server stopped")
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), engine.DefaultShutdownTimeout)
	defer cancel()
	err = s.Shutdown(sctx)
	logTotals(s, startAllocs, log)
	return err
}

// startCPUProfile profiles the process from now until the returned
// function runs (at shutdown), for the benchmark suite's cost breakdown and
// for collecting default.pgo.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeAllocProfile writes the allocations sampled since the start, for
// finding what a request allocates (go tool pprof -sample_index=alloc_objects).
func writeAllocProfile(path string, log *slog.Logger) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		log.Error("memprofile", "err", err)
	}
}

// routes are the TechEmpower tests: plaintext is a FastRoute, json is
// serialized per request on the loop, as the TechEmpower rules require.
func routes() *engine.Routes {
	return engine.NewRoutes().
		Handle("GET", "/plaintext", engine.Text("Hello, World!")).
		Handle("GET", "/json", engine.LoopFunc(serveJSON))
}

// serveJSON makes the message and serializes it for every request, as the
// rules require, with a hand-written serializer (tfb.AppendMessage, the Go
// counterpart of the design's derived one) straight into the response's
// reused body: no reflection and no allocation, where encoding/json would
// cost one allocation for the value it is handed.
func serveJSON(w *engine.Response, _ *engine.Request) {
	w.SetContentType(tfb.ContentTypeJSON)
	w.SetBody(tfb.AppendMessage(w.Body(), tfb.Message{Message: tfb.HelloMessage}))
}

// withMiddleware wraps the fallback with request logging (off when
// ENVIRONMENT=production, as the design advises) and panic recovery.
func withMiddleware(h http.Handler, log *slog.Logger) http.Handler {
	mw := []fallback.Middleware{fallback.Recover(log)}
	if os.Getenv("ENVIRONMENT") != "production" {
		mw = append([]fallback.Middleware{fallback.Logging(log)}, mw...)
	}
	return fallback.Chain(h, mw...)
}

// logThroughput logs requests per second, as the design's "monitoring
// throughput" advice asks, with the heap allocations per request over the
// interval (runtime/metrics, so reading it stops nothing).
func logThroughput(ctx context.Context, s *engine.Server, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	prev, prevAllocs, at := s.Stats(), heapAllocs(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cur, allocs := s.Stats(), heapAllocs()
			secs := now.Sub(at).Seconds()
			reqs := cur.Requests - prev.Requests
			log.Info("throughput",
				"req_per_s", int64(float64(reqs)/secs),
				"open_conns", cur.Open,
				"mb_out_per_s", float64(cur.BytesOut-prev.BytesOut)/secs/1e6,
				"allocs_per_req", perRequest(allocs-prevAllocs, reqs))
			prev, prevAllocs, at = cur, allocs, now
		}
	}
}

// logTotals logs the whole run's figures at exit, for benchmark scripts:
// requests, and heap allocations per request over the process's life.
func logTotals(s *engine.Server, start uint64, log *slog.Logger) {
	st := s.Stats()
	log.Info("totals", "requests", st.Requests, "accepted", st.Accepted,
		"allocs_per_req", perRequest(heapAllocs()-start, st.Requests))
}

func perRequest(n, reqs uint64) float64 {
	if reqs == 0 {
		return 0
	}
	return float64(n) / float64(reqs)
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}

// heapAllocs returns the heap objects allocated since the process started.
func heapAllocs() uint64 {
	metrics.Read(allocSample)
	return allocSample[0].Value.Uint64()
}
