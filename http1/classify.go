package http1

import "math/bits"

// A lineScan classifies a window of the head in bulk, one bit per byte, so
// that finding where a field name or value ends is a count of trailing
// zeros instead of a table lookup per byte. It marks the bytes that stop a
// name (anything but a tchar, RFC 9110 §5.6.2) and those that stop a value
// (controls other than HTAB, and DEL: RFC 9110 §5.5). Windows are
// classified only as the search reaches them, so a short head in a buffer
// of pipelined requests classifies little of what follows it.
type lineScan struct {
	b         []byte
	base, end int // the window is b[base:end]
	name, val [scanWords]uint64
}

const (
	scanWords = 8 // a window is at most scanWords*64 bytes
	// firstWindow is the first window of a connection's first head
	// (later ones are sized by the head before, see Parser.window): it
	// covers the fields of a typical API request's head.
	firstWindow = 192
)

// fill classifies b[from:from+size], clipped to b. Bits past the window
// are set, so that every search stops at its end.
func (s *lineScan) fill(from, size int) {
	b := s.b
	end := min(from+size, len(b))
	s.base, s.end = from, end
	w := b[from:end]
	switch {
	case hasClassify && len(w) >= classifyMin:
		classify(w, &s.name, &s.val)
	case hasClassify && end >= classifyMin:
		// A short window (the last line or two of a head ending the
		// read) is most of a block: classify the block ending where
		// the window does, reaching back into bytes already parsed,
		// and shift their bits out. Byte by byte, these 20-odd bytes
		// cost more than the rest of the fields' parse.
		classify(b[end-classifyMin:end], &s.name, &s.val)
		drop := classifyMin - len(w)
		s.name[0] = uint64(uint32(s.name[0])) >> drop
		s.val[0] = uint64(uint32(s.val[0])) >> drop
	default:
		classifyGeneric(w, &s.name, &s.val)
	}
	if n := len(w); n&63 != 0 {
		s.name[n>>6] |= ^uint64(0) << (n & 63)
		s.val[n>>6] |= ^uint64(0) << (n & 63)
	}
}

// near returns the offset of the first byte at or after pos marked in m
// (s.name or s.val) when the search ends in the word it starts in or the
// one after, which is nearly every search; for the others it returns -1
// and nextFar finishes the search. It is small enough to be inlined. The
// word after the last one is taken from the start of m, harmlessly: its
// bits stand for offsets past the window, which fail the last test.
func (s *lineScan) near(m *[scanWords]uint64, pos int) int {
	rel := uint(pos - s.base)
	w := m[rel>>6&(scanWords-1)] >> (rel & 63)
	if w == 0 {
		w = m[(rel>>6+1)&(scanWords-1)]
		pos += 64 - int(rel&63)
	}
	if p := pos + bits.TrailingZeros64(w); w != 0 && rel < uint(s.end-s.base) && p < s.end {
		return p
	}
	return -1
}

// nextFar returns the offset of the first byte at or after pos marked in
// m, or len(s.b), however far it is. Searches move forward through b; one
// that starts outside the window classifies a new one there.
func (s *lineScan) nextFar(m *[scanWords]uint64, pos int) int {
	for {
		if pos >= s.end || pos < s.base {
			if pos >= len(s.b) {
				return len(s.b)
			}
			s.fill(pos, scanWords*64)
		}
		rel := pos - s.base
		if w := m[rel>>6] >> (rel & 63); w != 0 {
			if p := pos + bits.TrailingZeros64(w); p < s.end {
				return p
			}
			pos = s.end
			continue
		}
		pos += 64 - rel&63
	}
}

// classifyGeneric is classify for any length, a byte at a time.
func classifyGeneric(w []byte, name, val *[scanWords]uint64) {
	for k := range (len(w) + 63) >> 6 {
		name[k], val[k] = 0, 0
	}
	for k, c := range w {
		if !isToken[c] {
			name[k>>6] |= 1 << (k & 63)
		}
		if !isValue[c] {
			val[k>>6] |= 1 << (k & 63)
		}
	}
}

// tcharLo and tcharHi split isToken by nibble for a vector lookup: the
// high nibble of a tchar is 2 to 7, each given a bit in tcharHi, and
// tcharLo[l] holds the bits of the high nibbles h for which h<<4|l is a
// tchar. A byte is a tchar exactly when its two entries share a bit.
// Built in tables.go's init, after isToken.
var tcharLo, tcharHi [16]byte
