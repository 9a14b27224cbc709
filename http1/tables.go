package http1

import "encoding/binary"

// Byte classes, built once. Tables beat chains of comparisons on the hot path.
var (
	isToken   [256]bool // tchar, RFC 9110 §5.6.2
	isValue   [256]bool // field-vchar, SP, HTAB: RFC 9110 §5.5
	isHost    [256]bool // reg-name, IP-literal and port characters, RFC 3986 §3.2.2
	targetCls [256]uint8
	hexVal    [256]int8
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
	targetCls['?'] = tgtQuery
	targetCls['%'] = tgtPercent
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// scanValue returns the index of the first byte at or after i that may not
// appear in a field value, or len(b). Eight bytes at a time it tests for any
// byte below 0x20 or equal to DEL (bit tricks from "Bit Twiddling Hacks",
// hasless and haszero); HTAB is legal but below 0x20, so a word holding one
// falls back to the byte loop.
func scanValue(b []byte, i int) int {
	for len(b)-i >= 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		ctl := (x - lsb*0x20) &^ x & msb
		y := x ^ (lsb * 0x7f)
		del := (y - lsb) &^ y & msb
		if ctl|del != 0 {
			break
		}
		i += 8
	}
	for i < len(b) && isValue[b[i]] {
		i++
	}
	return i
}

// lowerEq reports whether b equals lower, which must be lowercase ASCII
// letters, digits and '-', ignoring the case of b. OR-ing 0x20 maps only
// 'A'-'Z' onto 'a'-'z', and '-' only from CR, which no token holds.
func lowerEq(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
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
