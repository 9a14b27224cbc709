package jsonw

import "unicode/utf8"

// AppendString appends s to dst as a JSON string literal, quotes included,
// and returns the extended buffer. Invalid UTF-8 bytes become \ufffd one by
// one, as encoding/json does, so the output is always valid JSON.
func AppendString(dst []byte, s string) []byte { return appendString(dst, s) }

// AppendBytes is AppendString for text held in a []byte: b is escaped as a
// string, not base64-encoded as encoding/json would do for a []byte value.
func AppendBytes(dst []byte, b []byte) []byte { return appendString(dst, b) }

// appendString copies runs of bytes that need no escape in one append each;
// scan finds where a run ends.
func appendString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := scan(s, 0); i < len(s); i = scan(s, i) {
		if c := s[i]; c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		// Converting at most UTFMax bytes keeps a []byte's conversion on
		// the stack; for a string it is free.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript before ES2019, so
			// encoding/json escapes them for JSONP; match it.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size // valid: stays in the run
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hex = "0123456789abcdef"

// shortEscape holds the second byte of the two-byte escapes encoding/json
// uses; other control characters get \u00XX.
var shortEscape = [utf8.RuneSelf]byte{
	'"': '"', '\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't',
}

func appendEscape(dst []byte, c byte) []byte {
	if e := shortEscape[c]; e != 0 {
		return append(dst, '\\', e)
	}
	return append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}
