package http1

import (
	"math/rand/v2"
	"testing"
)

// The nibble tables must say exactly what isToken says, for every byte.
func TestTcharNibbleTables(t *testing.T) {
	for c := range 256 {
		if got := tcharHi[c>>4]&tcharLo[c&15] != 0; got != isToken[c] {
			t.Errorf("byte %#x: nibble tables say tchar=%v, isToken %v", c, got, isToken[c])
		}
	}
}

// classify (AVX2 on amd64) must mark the same bytes as the tables, for
// every byte value at every position of every window length, including
// the overlapping last block.
func TestClassifyMatchesTables(t *testing.T) {
	if !hasClassify {
		t.Skip("no vector classifier on this CPU or build: classify is never called")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := classifyMin; n <= scanWords*64; n++ {
		for round := range 4 {
			w := make([]byte, n)
			for k := range w {
				w[k] = byte(rng.IntN(256))
				if round == 0 {
					w[k] = byte(k*7 + n) // every byte value, shifted by length
				}
			}
			var name, val, wantName, wantVal [scanWords]uint64
			for k := range name { // stale bits past len(w) must not leak in
				name[k], val[k] = ^uint64(0), ^uint64(0)
			}
			classify(w, &name, &val)
			classifyGeneric(w, &wantName, &wantVal)
			for k := 0; k < n; k++ {
				bit := uint64(1) << (k & 63)
				if name[k>>6]&bit != wantName[k>>6]&bit || val[k>>6]&bit != wantVal[k>>6]&bit {
					t.Fatalf("n=%d byte %d (%#x): name %v val %v, want %v %v", n, k, w[k],
						name[k>>6]&bit != 0, val[k>>6]&bit != 0, wantName[k>>6]&bit != 0, wantVal[k>>6]&bit != 0)
				}
			}
		}
	}
}

// fill must mark exactly the window's bytes whatever its length, with
// every bit past it set: short windows are classified from the block
// ending where they end, whose earlier bits belong to bytes before the
// window and must not show.
func TestFillMatchesTables(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 16, 31, 32, 33, 40, 63, 64, 65, 100, 200} {
		for round := range 8 {
			b := make([]byte, n)
			for k := range b {
				b[k] = byte(rng.IntN(256))
			}
			for from := 0; from < n; from++ {
				for _, size := range []int{1, 2, 7, 8, 24, 31, 32, 33, firstWindow} {
					s := lineScan{b: b}
					for k := range s.name { // stale bits must not leak in
						s.name[k], s.val[k] = ^uint64(0)>>round, ^uint64(0)<<round
					}
					s.fill(from, size)
					w := b[from:s.end]
					var wantName, wantVal [scanWords]uint64
					classifyGeneric(w, &wantName, &wantVal)
					for k := 0; k < (len(w)+63)&^63; k++ {
						bit := uint64(1) << (k & 63)
						wn, wv := wantName[k>>6]&bit != 0, wantVal[k>>6]&bit != 0
						if k >= len(w) {
							wn, wv = true, true
						}
						if gn, gv := s.name[k>>6]&bit != 0, s.val[k>>6]&bit != 0; gn != wn || gv != wv {
							t.Fatalf("len(b)=%d from=%d size=%d byte %d: name %v val %v, want %v %v",
								n, from, size, k, gn, gv, wn, wv)
						}
					}
				}
			}
		}
	}
}

// near, then nextFar if near cannot tell, must find the first marked byte
// from any position, across window refills, and stop at len(b), whatever
// the size of the first window (Parser.window makes it 64 to 512 bytes).
func TestLineScanNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 191, 192, 193, 700, 1500} {
		b := make([]byte, n)
		for k := range b {
			b[k] = 'a'
			if rng.IntN(40) == 0 {
				b[k] = ':'
			}
			if rng.IntN(90) == 0 {
				b[k] = '\r'
			}
		}
		for from := 0; from <= n; from++ {
			s := lineScan{b: b}
			s.fill(from, []int{64, firstWindow, scanWords * 64}[from%3])
			next := func(m *[scanWords]uint64, pos int) int {
				if p := s.near(m, pos); p >= 0 {
					return p
				}
				return s.nextFar(m, pos)
			}
			pos := from
			for pos <= n {
				want := pos
				for want < n && isToken[b[want]] {
					want++
				}
				if got := next(&s.name, pos); got != want {
					t.Fatalf("n=%d from=%d pos=%d: name stop %d, want %d", n, from, pos, got, want)
				}
				want = pos
				for want < n && isValue[b[want]] {
					want++
				}
				if got := next(&s.val, pos); got != want {
					t.Fatalf("n=%d from=%d pos=%d: value stop %d, want %d", n, from, pos, got, want)
				}
				pos += 1 + rng.IntN(50)
			}
		}
	}
}
