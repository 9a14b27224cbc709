//go:build !purego

package http1

// indexCtl returns the index of the first byte of v below 0x20 or equal
// to 0x7f, or len(v), which must be at least 16. It is SSE2 (every amd64
// has it), sixteen bytes per instruction sequence: on the long values
// browsers send (User-Agent, Accept, Cookie) it halves the scan's time.
//
//go:noescape
func indexCtl(v []byte) int
