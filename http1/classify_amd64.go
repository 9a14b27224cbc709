//go:build !purego

package http1

import "golang.org/x/sys/cpu"

// hasClassify says whether classify may run: it is AVX2 (x86-64 CPUs
// since 2013). fastFields says whether parseFields classifies the head in
// bulk: without the vector classifier the byte loop is faster. Tests
// turn fastFields on and off to compare the two loops.
var (
	hasClassify = cpu.X86.HasAVX2
	fastFields  = hasClassify
)

// classifyMin is the shortest input classify takes: one block.
const classifyMin = 32

// classify sets, for each byte of w (at least classifyMin of them, at
// most scanWords*64), its bit in name if it is not a tchar and in val if
// it may not appear in a field value. The last, partial block is read as
// the 32 bytes ending at len(w). Bits past len(w) in the last word
// written are left as they were. Call it only if hasClassify.
//
//go:noescape
func classify(w []byte, name, val *[scanWords]uint64)
