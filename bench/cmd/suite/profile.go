package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Layers of a request's cost in the bench server, in the order the report
// lists them.
var layers = []string{
	layerRead, layerWrite, layerPoll,
	layerGnet, layerParse, layerRoute, layerRespond, layerDate, layerStats, layerJSON, layerFallback, layerApp,
	layerMalloc, layerGC, layerSched, layerOther,
}

const (
	layerRead     = "kernel: read(2), requests in"
	layerWrite    = "kernel: write(2), responses out"
	layerPoll     = "kernel: epoll_wait and other syscalls"
	layerGnet     = "gnet: event loop, buffers"
	layerParse    = "parse (http1)"
	layerRoute    = "route (router)"
	layerRespond  = "respond + connection state (engine)"
	layerDate     = "date (datecache)"
	layerStats    = "stats counters (engine)"
	layerJSON     = "JSON (jsonw, encoding/json, reflect)"
	layerFallback = "fallback bridge, net/http handler"
	layerApp      = "the peer's own code (find \\r\\n\\r\\n, canned response)"
	layerMalloc   = "Go runtime: allocation"
	layerGC       = "Go runtime: GC"
	layerSched    = "Go runtime: scheduler, timers, other"
	layerOther    = "other (profiler, logging…)"
)

// profScenario is the profile of one scenario.
type profScenario struct {
	key      string
	server   string
	requests int64
	total    time.Duration // CPU time in the profile
	layer    map[string]time.Duration
	top      []string // hottest leaf functions, "name pct"
}

type profileResult struct {
	merged string // the scenarios' profiles merged, for PGO
	scen   []profScenario
	peers  []profScenario // gnetmin and the ceiling, pipelined, for comparison
}

// profile runs the bench server with -cpuprofile under each TechEmpower
// scenario (pinned, no quota) and breaks its CPU time down by layer; the
// merged profile feeds the PGO knob.
func (s *suite) profile(ctx context.Context) (*profileResult, error) {
	res := &profileResult{}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var files []string
	for _, sc := range s.scenarios {
		if sc.debugRoutes || sc.db {
			continue // the fallback's and the database's scenarios are not the engine's
		}
		file := filepath.Join(s.cfg.rawDir, fmt.Sprintf("chopin-%s-%s.prof", sc.key, stamp))
		t := chopinTarget("chopin (profiled)", s.chopin.bin, []string{"-cpuprofile", file}, 1)
		ps, err := s.profileOne(ctx, t, sc, file)
		if err != nil {
			return nil, err
		}
		res.scen = append(res.scen, ps)
		files = append(files, file)
	}
	// The peers closest to the ceiling, on the scenario where parsing
	// weighs most, show which layers make the difference.
	for _, sc := range s.scenarios {
		if sc.key != "pipelined" {
			continue
		}
		for _, k := range []string{"gnetmin", "ceiling"} {
			base := s.serverNamed(k)
			if base == nil {
				continue
			}
			file := filepath.Join(s.cfg.rawDir, fmt.Sprintf("%s-%s-%s.prof", k, sc.key, stamp))
			t := *base
			t.args = func(addr string, sc *scenario) []string {
				return append(base.args(addr, sc), "-cpuprofile", file)
			}
			ps, err := s.profileOne(ctx, &t, sc, file)
			if err != nil {
				return nil, err
			}
			res.peers = append(res.peers, ps)
		}
	}
	if len(files) == 0 {
		return res, nil
	}
	merged := filepath.Join(s.cfg.rawDir, "chopin-"+stamp+".pgo")
	out, err := exec.CommandContext(ctx, s.b.goCmd(), append([]string{"tool", "pprof", "-proto"}, files...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("merge profiles: %w", err)
	}
	if err := os.WriteFile(merged, out, 0o644); err != nil {
		return nil, err
	}
	res.merged = merged
	if s.cfg.writePGO {
		dst := filepath.Join(s.cfg.root, "cmd", "bench-server", "default.pgo")
		if err := os.WriteFile(dst, out, 0o644); err != nil {
			return nil, err
		}
		log.Printf("wrote %s", dst)
	}
	return res, nil
}

// profileOne runs t under sc's load with its profile going to file and
// breaks the profile down.
func (s *suite) profileOne(ctx context.Context, t *target, sc *scenario, file string) (profScenario, error) {
	smp, err := s.measure(ctx, "wrk", sc, t, nil)
	if err != nil {
		return profScenario{}, err
	}
	ps, err := s.analyze(ctx, t.bin, file)
	if err != nil {
		return ps, err
	}
	ps.key, ps.server, ps.requests = sc.key, t.name, smp.serverReqs
	log.Printf("profiled %s %s: %.0f req/s, %v CPU, %.0f ns/request", t.name, sc.key, smp.rps, ps.total,
		float64(ps.total.Nanoseconds())/float64(max(ps.requests, 1)))
	return ps, nil
}

// analyze reads a profile's call stacks (go tool pprof -traces) and sums
// each sample into the layer of its stack.
func (s *suite) analyze(ctx context.Context, bin, file string) (profScenario, error) {
	ps := profScenario{layer: map[string]time.Duration{}}
	out, err := exec.CommandContext(ctx, s.b.goCmd(), "tool", "pprof", "-traces", bin, file).Output()
	if err != nil {
		return ps, fmt.Errorf("pprof -traces %s: %w", file, err)
	}
	leaf := map[string]time.Duration{}
	var stack []string
	var val time.Duration
	flush := func() {
		if len(stack) > 0 {
			ps.layer[classify(stack)] += val
			ps.total += val
			leaf[stack[0]] += val
		}
		stack, val = nil, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-----------+") {
			flush()
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if stack == nil && val == 0 {
			d, err := time.ParseDuration(f[0])
			if err != nil || len(f) < 2 {
				continue // the header, or a label line
			}
			val = d
			stack = append(stack, f[1])
			continue
		}
		if strings.Contains(f[0], ":") && !strings.Contains(f[0], ".") {
			continue // a label line ("bytes:[…]")
		}
		stack = append(stack, f[0])
	}
	flush()
	ps.top = topLeaves(leaf, ps.total, 8)
	return ps, sc.Err()
}

func topLeaves(m map[string]time.Duration, total time.Duration, n int) []string {
	type kv struct {
		k string
		v time.Duration
	}
	var xs []kv
	for k, v := range m {
		xs = append(xs, kv{k, v})
	}
	for i := range xs { // few entries matter; a selection sort of the top n is enough
		for j := i + 1; j < len(xs); j++ {
			if xs[j].v > xs[i].v {
				xs[i], xs[j] = xs[j], xs[i]
			}
		}
		if i == n {
			break
		}
	}
	var out []string
	for i := 0; i < len(xs) && i < n; i++ {
		out = append(out, fmt.Sprintf("%s %.1f%%", xs[i].k, 100*xs[i].v.Seconds()/max(total.Seconds(), 1e-9)))
	}
	return out
}

// classify names the layer a sample's CPU time belongs to. stack is leaf
// first. Kernel time shows as the syscall frame, so a syscall is named by
// the wrapper that made it; runtime helpers (memmove, index, compare) count
// for whoever called them.
func classify(stack []string) string {
	for _, f := range stack {
		switch {
		case strings.HasPrefix(f, "runtime.gcBgMarkWorker"), strings.HasPrefix(f, "runtime.bgsweep"),
			strings.HasPrefix(f, "runtime.bgscavenge"), f == "runtime.gcAssistAlloc", f == "runtime.GC":
			return layerGC
		case strings.HasPrefix(f, "runtime/pprof."):
			return layerOther
		}
	}
	if isSyscall(stack[0]) {
		for _, f := range stack {
			switch {
			case f == "golang.org/x/sys/unix.write", f == "golang.org/x/sys/unix.Write",
				f == "golang.org/x/sys/unix.writev", f == "golang.org/x/sys/unix.Writev",
				strings.HasPrefix(f, "github.com/panjf2000/gnet/v2/pkg/io.Writev"):
				return layerWrite
			case f == "golang.org/x/sys/unix.read", f == "golang.org/x/sys/unix.Read":
				return layerRead
			case strings.HasPrefix(f, "runtime.") && !strings.HasPrefix(f, "runtime.entersyscall") && !strings.HasPrefix(f, "runtime.exitsyscall"):
				return layerSched // the runtime's own futex, netpoll, nanosleep
			}
		}
		return layerPoll
	}
	for _, f := range stack {
		if f == "runtime.mallocgc" || strings.HasPrefix(f, "runtime.mallocgc") || f == "runtime.newobject" ||
			f == "runtime.growslice" || f == "runtime.makeslice" {
			return layerMalloc
		}
	}
	for _, f := range stack {
		if isHelper(f) {
			continue
		}
		switch {
		case strings.HasPrefix(f, "runtime."), strings.HasPrefix(f, "internal/runtime/"), strings.HasPrefix(f, "time."):
			return layerSched
		case strings.HasPrefix(f, "github.com/panjf2000/"), strings.HasPrefix(f, "golang.org/x/sync/"):
			return layerGnet
		case strings.HasPrefix(f, "github.com/chopin-go/chopin/http1."):
			return layerParse
		case strings.HasPrefix(f, "github.com/chopin-go/chopin/router."):
			return layerRoute
		case strings.HasPrefix(f, "github.com/chopin-go/chopin/datecache."):
			return layerDate
		case strings.Contains(f, "flushCounts"), strings.Contains(f, "(*counts)"), strings.Contains(f, "loopStats"):
			return layerStats
		case strings.HasPrefix(f, "encoding/json."), strings.HasPrefix(f, "reflect."), strings.HasPrefix(f, "strconv."),
			strings.HasPrefix(f, "github.com/chopin-go/chopin/jsonw."), strings.HasPrefix(f, "github.com/chopin-go/chopin/tfb.AppendMessage"),
			f == "main.serveJSON":
			return layerJSON
		case strings.HasPrefix(f, "github.com/chopin-go/chopin/fallback."), strings.HasPrefix(f, "net/http."),
			strings.HasPrefix(f, "main.echo"):
			return layerFallback
		case strings.HasPrefix(f, "github.com/chopin-go/chopin/engine."), strings.HasPrefix(f, "github.com/chopin-go/chopin/alloc."):
			return layerRespond
		case strings.HasPrefix(f, "main."), strings.HasPrefix(f, "github.com/chopin-go/chopin/bench/internal/"):
			return layerApp
		}
		return layerOther
	}
	return layerOther
}

func isSyscall(f string) bool {
	return strings.HasPrefix(f, "internal/runtime/syscall") || strings.HasPrefix(f, "syscall.") ||
		strings.HasPrefix(f, "golang.org/x/sys/unix.") || f == "runtime.futex" || f == "runtime.epollwait" ||
		f == "runtime.usleep" || f == "runtime.nanotime1" || f == "runtime.write1" || f == "runtime.read"
}

// isHelper reports the runtime and library leaf routines whose time
// belongs to their caller.
func isHelper(f string) bool {
	switch {
	case strings.HasPrefix(f, "runtime.mem"), strings.HasPrefix(f, "internal/bytealg."), strings.HasPrefix(f, "bytes."),
		strings.HasPrefix(f, "sync/atomic."), strings.HasPrefix(f, "internal/runtime/atomic."),
		strings.HasPrefix(f, "runtime.cmpstring"), strings.HasPrefix(f, "runtime.panicIndex"),
		strings.HasPrefix(f, "runtime.duff"), strings.HasPrefix(f, "unicode/utf8."),
		strings.HasPrefix(f, "runtime.mapaccess"), strings.HasPrefix(f, "internal/runtime/maps."),
		strings.HasPrefix(f, "runtime.strhash"), strings.HasPrefix(f, "runtime.aeshash"),
		strings.HasPrefix(f, "runtime.efaceeq"), strings.HasPrefix(f, "runtime.ifaceeq"),
		strings.HasPrefix(f, "runtime.assertE2I"), strings.HasPrefix(f, "runtime.typeAssert"),
		strings.HasPrefix(f, "runtime.deferreturn"), strings.HasPrefix(f, "runtime.wbMove"),
		strings.HasPrefix(f, "runtime.gcWriteBarrier"), strings.HasPrefix(f, "runtime.bulkBarrier"),
		strings.HasPrefix(f, "runtime.typedmemmove"), strings.HasPrefix(f, "runtime.typedslicecopy"),
		strings.HasPrefix(f, "runtime.wbBuf"), strings.HasPrefix(f, "runtime.checkptr"),
		strings.HasPrefix(f, "runtime.convT"), strings.HasPrefix(f, "runtime.getcallerpc"),
		strings.HasPrefix(f, "runtime.nanotime"), strings.HasPrefix(f, "time.now"), strings.HasPrefix(f, "time.Now"),
		strings.HasPrefix(f, "runtime.procyield"), strings.HasPrefix(f, "runtime.lock"), strings.HasPrefix(f, "runtime.unlock"):
		return true
	}
	return false
}
