package jsonw

import "math/bits"

// special marks the bytes a run of plain bytes stops at: the two that JSON
// escapes, the control characters RFC 8259 §7 forbids raw, and every byte
// of a multi-byte UTF-8 sequence, which must be checked for validity and
// for U+2028/U+2029. DEL and '<', '>', '&' are plain: with HTML escaping
// off, encoding/json copies them.
var special = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80
	}
	return t
}()

const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// scan returns the index of the first special byte at or after i, or
// len(s). Plain ASCII is the common case, so it tests eight bytes per step.
func scan[T string | []byte](s T, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := specialMask(load64(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if special[s[i]] {
			return i
		}
	}
	return i
}

// specialMask sets the high bit of each special byte of x, little-endian,
// or returns 0 if there is none. A byte below 0x80 gets its high bit only
// by going negative: x-0x20 for a control character, (x^c)-1 for c itself
// (Hacker's Delight §6-1). The borrow out of a hit may flag bytes above
// it, never below, so the lowest flag, the only one scan uses, is exact.
func specialMask(x uint64) uint64 {
	q := x ^ (lo * '"')
	b := x ^ (lo * '\\')
	return (x | (x - lo*0x20) | (q - lo) | (b - lo)) & hi
}

// load64 reads s[i:i+8] little-endian; the compiler merges the byte loads
// into one without needing unsafe.
func load64[T string | []byte](s T, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
