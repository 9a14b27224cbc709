package engine

// An event loop waits in epoll_wait, a system call during which its
// goroutine keeps its P: the runtime takes the P back only when sysmon
// notices, 20 µs to 10 ms later. With GOMAXPROCS equal to the number of
// loops, the goroutines the engine starts (fallback handlers, and the
// database driver on Go's poller they wait for) wait for that each time
// the loops go idle: with GOMAXPROCS=1 and one loop, /db served 13k
// requests per second, 24k with a second P. A spare P is not free, though:
// with more Ps than cores, handing work to a goroutine wakes another
// thread, a context switch. On FastRoutes alone (no goroutine to run) it
// cost about 4% of pipelined throughput on one core, so the engine adds
// it only when it first hands a request to the fallback. And fallback
// handlers that never wait (CPU only, like the bench server's /echo) lose
// 15-17% with it on one core: for them, Config.KeepGOMAXPROCS. The
// default serves the fallback's purpose, handlers that wait on databases
// and other services. Figures: the /db pair by hand (bench-server -loops 1
// with and without -keep-gomaxprocs, wrk -c256, alternated), the 4% by a
// make bench run that added the P at start-up, the 15% by the "spare P"
// knob in docs/PERFORMANCE.md.

import (
	"runtime"
	"sync"
)

// spareP gives the process's goroutines a P beside the event loops, once
// per Server; it is called on a loop, before the first request goes to
// the fallback (performance mode only: standard mode has no loops).
func (s *Server) spareP() {
	if s.spared.Swap(true) || s.cfg.KeepGOMAXPROCS {
		return
	}
	if from, raised := spareProc(s.cfg.Loops); raised {
		s.cfg.Logger.Info("engine: GOMAXPROCS raised to give fallback goroutines a P beside the event loops",
			"from", from, "to", s.cfg.Loops+1)
	}
}

// procs remembers what the engine set GOMAXPROCS to and what it was, so
// that a later Server with Loops 0 gets as many loops as the first did
// instead of one more each time.
var procs struct {
	sync.Mutex
	set, from int
}

// defaultLoops is the Loops of a Config that leaves it 0: GOMAXPROCS as it
// was before the engine raised it.
func defaultLoops() int {
	procs.Lock()
	defer procs.Unlock()
	n := runtime.GOMAXPROCS(0)
	if procs.set != 0 && n == procs.set {
		return procs.from
	}
	return n
}

// spareProc raises GOMAXPROCS to loops+1 if it is lower, returning the
// value before and whether it changed.
func spareProc(loops int) (from int, raised bool) {
	procs.Lock()
	defer procs.Unlock()
	n := runtime.GOMAXPROCS(0)
	if n > loops {
		return n, false
	}
	runtime.GOMAXPROCS(loops + 1)
	if procs.set == 0 || n != procs.set {
		procs.from = n
	}
	procs.set = loops + 1
	return n, true
}
