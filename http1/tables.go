package http1

import (
	"encoding/binary"
	"math/bits"
)

// Byte classes, built once. Tables beat chains of comparisons on the hot path.
var (
	isToken     [256]bool  // tchar, RFC 9110 §5.6.2
	tokenBit    [256]uint8 // isToken as 0 or 1
	isValue     [256]bool  // field-vchar, SP, HTAB: RFC 9110 §5.5
	isHost      [256]bool  // reg-name, IP-literal and port characters, RFC 3986 §3.2.2
	isPlainHost [256]bool  // letters, digits, '.', '-': the usual host name
	targetCls   [256]uint8
	hexVal      [256]int8
)

// Target byte classes. Any VCHAR except '#' may appear in a request-target:
// RFC 3986 forbids a few more ("<>\^`{|}), but clients send them unescaped in
// queries and net/http accepts them; a fragment never belongs in a request
// (RFC 9112 §3.2), so '#' is refused.
const (
	tgtStop    = iota // SP, CTL, DEL, '#', non-ASCII: ends or breaks the target
	tgtPlain          // an ordinary character
	tgtQuery          // '?'
	tgtPercent        // '%', must start a pct-encoded triplet
)

func init() {
	for c := 0; c < 256; c++ {
		hexVal[c] = -1
	}
	for c := '0'; c <= '9'; c++ {
		hexVal[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		hexVal[c] = int8(c - 'a' + 10)
		hexVal[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	for c := 0; c < 256; c++ {
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		isToken[c] = alnum
		isHost[c] = alnum
		isPlainHost[c] = alnum || c == '.' || c == '-'
		isValue[c] = c == '\t' || c >= 0x20 && c != 0x7f
		if c > 0x20 && c < 0x7f && c != '#' {
			targetCls[c] = tgtPlain
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		isToken[c] = true
	}
	for _, c := range []byte("-._~!$&'()*+,;=:[]%") {
		isHost[c] = true
	}
	for c, ok := range isToken {
		if ok {
			tokenBit[c] = 1
			tcharHi[c>>4] = 1 << (c>>4 - 2)
			tcharLo[c&15] |= 1 << (c>>4 - 2)
		}
	}
	targetCls['?'] = tgtQuery
	targetCls['%'] = tgtPercent
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// scanValue returns the index of the first byte at or after i that may not
// appear in a field value, or len(b). Eight bytes at a time it marks every
// byte that is neither obs-text (high bit set) nor, in its low seven bits l,
// within 0x20..0x7E: l+0x60 carries into bit 7 exactly when l >= 0x20, and
// l+0x01 exactly when l == 0x7F; no sum carries out of its byte, so the
// lowest mark is the first bad byte. HTAB is legal though below 0x20: the
// scan steps over it and goes on.
func scanValue(b []byte, i int) int {
	// Masks in variables rather than constants stay in registers; the
	// compiler rebuilds constants inside the loop.
	hi, k60, k01 := swarHigh, swar60, swar01
	v := b[i:]
	// The first sixteen bytes in Go, where most values end; a value
	// longer than that goes to indexCtl, whose call costs less than the
	// words it saves. Only HTAB sends a value back here.
	for len(v) >= 16 {
		x, y := binary.LittleEndian.Uint64(v), binary.LittleEndian.Uint64(v[8:])
		lx, ly := x&^hi, y&^hi
		if (^(((lx+k60)&^(lx+k01))|x)|^(((ly+k60)&^(ly+k01))|y))&hi != 0 {
			break
		}
		if len(v) < 32 {
			v = v[16:]
			break
		}
		k := 16 + indexCtl(v[16:])
		if k == len(v) || v[k] != '\t' {
			return len(b) - len(v) + k
		}
		v = v[k+1:]
	}
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		l := x &^ hi
		bad := ^(((l + k60) &^ (l + k01)) | x) & hi
		if bad != 0 {
			k := bits.TrailingZeros64(bad) >> 3
			if v[k] != '\t' {
				return len(b) - len(v) + k
			}
			v = v[k+1:]
			continue
		}
		v = v[8:]
	}
	for len(v) > 0 && isValue[v[0]] {
		v = v[1:]
	}
	return len(b) - len(v)
}

// indexCtlGeneric is indexCtl in Go, eight bytes a turn, for other
// architectures; tests hold the two to the same answers.
func indexCtlGeneric(v []byte) int {
	hi, k60, k01 := swarHigh, swar60, swar01
	n := len(v)
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		l := x &^ hi
		// As in scanValue, minus the obs-text exemption: a byte with its
		// high bit set is neither a control nor DEL.
		if bad := ^(((l + k60) &^ (l + k01)) | x) & hi; bad != 0 {
			return n - len(v) + bits.TrailingZeros64(bad)>>3
		}
		v = v[8:]
	}
	for k, c := range v {
		if c < 0x20 || c == 0x7f {
			return n - len(v) + k
		}
	}
	return n
}

var swarHigh, swar60, swar01 uint64 = msb, lsb * 0x60, lsb

// scanToken returns the index of the first byte at or after i that is not
// a tchar, or len(b). A range loop needs no bounds checks. (A word-wise
// check for letters, digits and '-' was measured and was slower: names
// are short, and this loop inlines.)
func scanToken(b []byte, i int) int {
	// Four bytes a turn, their table entries AND-ed, so that a name
	// costs one branch per four bytes until the word holding its end.
	for ; len(b)-i >= 4; i += 4 {
		v := b[i : i+4]
		if tokenBit[v[0]]&tokenBit[v[1]]&tokenBit[v[2]]&tokenBit[v[3]] == 0 {
			break
		}
	}
	for k, c := range b[i:] {
		if !isToken[c] {
			return i + k
		}
	}
	return len(b)
}

// targetStops flags (top bit of the byte) every byte of x that is not
// tgtPlain: below 0x21 or above 0x7e (x-0x21 wraps, or x has its top bit),
// DEL, '#', '?' and '%'. Borrows can flag bytes above the lowest flagged
// one, never below it: only the lowest flag is exact.
func targetStops(x uint64) uint64 {
	return ((x - lsb*0x21) | x | zeroBytes(x^lsb*0x7f) | zeroBytes(x^lsb*'#') |
		zeroBytes(x^lsb*'?') | zeroBytes(x^lsb*'%')) & msb
}

// zeroBytes flags (top bit) the zero bytes of y; the lowest flag is exact.
func zeroBytes(y uint64) uint64 { return (y - lsb) &^ y }

// lowerEq reports whether b equals lower, which must be lowercase ASCII
// letters, digits and '-', ignoring the case of b. OR-ing 0x20 maps only
// 'A'-'Z' onto 'a'-'z', '-' only from CR and digits only from controls,
// none of which a token or a field value holds; so eight bytes compare at
// once, the last word overlapping the one before when the length is not a
// multiple of eight.
func lowerEq(b []byte, lower string) bool {
	n := len(b)
	if n != len(lower) {
		return false
	}
	switch {
	case n >= 8:
		for i := 0; i < n-8; i += 8 {
			if le64(b[i:])|fold64 != le64s(lower[i:]) {
				return false
			}
		}
		return le64(b[n-8:])|fold64 == le64s(lower[n-8:])
	case n >= 4:
		return le32(b)|fold32 == le32s(lower) && le32(b[n-4:])|fold32 == le32s(lower[n-4:])
	}
	for i := 0; i < n; i++ {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

const (
	fold64 = lsb * 0x20
	fold32 = 0x20202020
)

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// le64s and le32s read a string as le64 and le32 read bytes; with a
// constant argument they fold to constants.
func le64s(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32s(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
