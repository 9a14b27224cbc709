package alloc

import (
	"runtime/debug"
)

// Runtime holds the Go runtime knobs the design's "perf" checklist maps to.
// Zero fields leave the runtime's own setting (or GOGC / GOMEMLIMIT from the
// environment) alone.
type Runtime struct {
	// GCPercent is debug.SetGCPercent: a higher value trades memory for
	// fewer collections; -1 disables the GC until MemoryLimit is near.
	GCPercent int
	// MemoryLimit is debug.SetMemoryLimit in bytes: the GC works harder
	// only as the heap nears it, which pairs with a high GCPercent.
	MemoryLimit int64
}

// Apply sets the knobs and returns a function restoring the old values.
func (r Runtime) Apply() (restore func()) {
	oldPct, oldLim := -2, int64(-1)
	if r.GCPercent != 0 {
		oldPct = debug.SetGCPercent(r.GCPercent)
	}
	if r.MemoryLimit > 0 {
		oldLim = debug.SetMemoryLimit(r.MemoryLimit)
	}
	return func() {
		if oldPct != -2 {
			debug.SetGCPercent(oldPct)
		}
		if oldLim >= 0 {
			debug.SetMemoryLimit(oldLim)
		}
	}
}
