//go:build !purego

package http1

// hasClassify says whether classify may run: it is AVX2 (x86-64 CPUs
// since 2013). fastFields says whether parseFields classifies the head in
// bulk: without the vector classifier the byte loop is faster. Tests
// turn fastFields on and off to compare the two loops.
var (
	hasClassify = haveAVX2()
	fastFields  = hasClassify
)

// haveAVX2 asks the CPU whether it has AVX2 and the OS whether it saves
// the vector registers it uses (Intel SDM vol. 1, §14.3): the package
// imports nothing beyond the standard library, which has no public way
// to ask.
func haveAVX2() bool {
	const (
		osxsave = 1 << 27 // CPUID.1:ECX
		avx     = 1 << 28 // CPUID.1:ECX
		avx2    = 1 << 5  // CPUID.(7,0):EBX
		xmmYmm  = 1<<1 | 1<<2
	)
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	if _, _, ecx, _ := cpuid(1, 0); ecx&(osxsave|avx) != osxsave|avx {
		return false
	}
	if xgetbv0()&xmmYmm != xmmYmm {
		return false
	}
	_, ebx, _, _ := cpuid(7, 0)
	return ebx&avx2 != 0
}

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// xgetbv0 returns the low half of XCR0, the register states the OS saves.
func xgetbv0() uint32

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
