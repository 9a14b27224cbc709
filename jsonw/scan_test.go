package jsonw

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestSpecialMask holds the word test to the byte table: the lowest flagged
// byte must be the first special one. Words are built from bytes near the
// edges (0x1f/0x20, '"', '\\', 0x7f/0x80), where a borrow could mislead.
func TestSpecialMask(t *testing.T) {
	edge := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 'a', 0x7f, 0x80, 0xa0, 0xff}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var w [8]byte
		for j := range w {
			w[j] = edge[r.IntN(len(edge))]
			if r.IntN(4) == 0 {
				w[j] = byte(r.Uint32())
			}
		}
		want := 8
		for j, c := range w {
			if special[c] {
				want = j
				break
			}
		}
		got := 8
		if m := specialMask(load64(w[:], 0)); m != 0 {
			got = bits.TrailingZeros64(m) / 8
		}
		if got != want {
			t.Fatalf("word % x: first special at %d, want %d", w, got, want)
		}
	}
}
