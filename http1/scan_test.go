package http1

import (
	"math/bits"
	"testing"
)

// scanValue must stop exactly where the byte loop would.
// Lengths up to 80 take the first sixteen bytes in Go, then indexCtl over
// several blocks and an overlapping last one, with tabs sending the scan
// back to Go.
func TestScanValueMatchesByteLoop(t *testing.T) {
	for n := 0; n < 80; n++ {
		for stop := 0; stop <= n; stop++ {
			for bad := 0; bad < 256; bad++ {
				b := make([]byte, n)
				for k := range b {
					b[k] = byte('a' + k%26)
					if k%7 == 3 {
						b[k] = 0xc3 // obs-text
					}
					if k%11 == 5 {
						b[k] = '\t'
					}
				}
				if stop < n {
					b[stop] = byte(bad)
				}
				want := 0
				for want < n && isValue[b[want]] {
					want++
				}
				if got := scanValue(b, 0); got != want {
					t.Fatalf("n=%d stop=%d bad=%#x: got %d want %d", n, stop, bad, got, want)
				}
			}
		}
	}
}

// indexCtl (SSE2 on amd64) and indexCtlGeneric must both find the first
// control or DEL wherever it is: in each block, in the overlapping last
// one, after another, or nowhere.
func TestIndexCtlMatchesByteLoop(t *testing.T) {
	impls := map[string]func([]byte) int{"indexCtl": indexCtl, "indexCtlGeneric": indexCtlGeneric}
	for n := 16; n < 72; n++ {
		for stop := 0; stop <= n; stop++ {
			for bad := 0; bad < 256; bad++ {
				b := make([]byte, n)
				for k := range b {
					b[k] = byte(0x20 + k%0x5f) // every plain ASCII byte
					if k%5 == 2 {
						b[k] = 0x80 + byte(k) // obs-text
					}
				}
				if stop < n {
					b[stop] = byte(bad)
				}
				if stop+3 < n {
					b[stop+3] = '\n' // a second stop must not hide the first
				}
				want := n
				for k, c := range b {
					if c < 0x20 || c == 0x7f {
						want = k
						break
					}
				}
				for name, f := range impls {
					if got := f(b); got != want {
						t.Fatalf("%s n=%d stop=%d bad=%#x: got %d want %d", name, n, stop, bad, got, want)
					}
				}
			}
		}
	}
}

func TestScanTokenMatchesByteLoop(t *testing.T) {
	for n := 0; n < 20; n++ {
		for stop := 0; stop <= n; stop++ {
			for bad := 0; bad < 256; bad++ {
				b := make([]byte, n)
				for _, fill := range []string{"aZ0!#$%&'*+-.^_`|~", "Accept-Encoding-09az", "zZ9-"} {
					for k := range b {
						b[k] = fill[k%len(fill)]
					}
					if stop < n {
						b[stop] = byte(bad)
					}
					want := 0
					for want < n && isToken[b[want]] {
						want++
					}
					if got := scanToken(b, 0); got != want {
						t.Fatalf("fill %q n=%d stop=%d bad=%#x: got %d want %d", fill, n, stop, bad, got, want)
					}
				}
			}
		}
	}
}

// The word-wise target scan must stop exactly where the byte table says.
func TestTargetStopsMatchTable(t *testing.T) {
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			for _, fill := range []byte{'a', '/', 0x7e, 0x21, '0'} {
				var w [8]byte
				for k := range w {
					w[k] = fill
				}
				w[pos] = byte(c)
				m := targetStops(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
					uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56)
				first := 8
				for k := range w {
					if targetCls[w[k]] != tgtPlain {
						first = k
						break
					}
				}
				got := 8
				if m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				if got != first {
					t.Fatalf("byte %#x at %d among %q: stops at %d, want %d", c, pos, fill, got, first)
				}
			}
		}
	}
}
