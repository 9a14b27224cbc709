package engine

import (
	"runtime"
	"sync"
)

// An event loop waits in epoll_wait, a system call during which its
// goroutine keeps its P: the runtime takes the P back only when sysmon
// notices, 20 µs to 10 ms later. With GOMAXPROCS equal to the number of
// loops, every other goroutine (fallback handlers, a database driver on
// Go's poller, timers) waits for that each time the loops go idle; with
// GOMAXPROCS=1 and one loop, /db requests served twice as fast once a
// second P was there (docs/PERFORMANCE.md). So the engine makes sure
// there is one P more than loops, unless Config.KeepGOMAXPROCS.

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
