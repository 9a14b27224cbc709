// Package jsonw writes JSON into reused buffers: the hand-written
// counterpart of serde's derived serializers, for event-loop handlers that
// must answer with JSON without reflection and without allocating.
//
// A response type implements AppendJSON(dst []byte) []byte by hand, writing
// the constant punctuation and keys itself and calling AppendString for
// every string value (strconv.AppendInt and friends cover numbers):
//
//	func (m *message) AppendJSON(dst []byte) []byte {
//		dst = append(dst, `{"message":`...)
//		dst = jsonw.AppendString(dst, m.Message)
//		return append(dst, '}')
//	}
//
// The output is byte-for-byte what encoding/json writes with
// Encoder.SetEscapeHTML(false), so a handler can switch between the two
// without changing a response; the tests and a fuzz target hold it to that.
//
// What runs where: anywhere. The package holds no state beyond constant
// tables, so its functions are safe for concurrent use. Like append, each
// returns dst extended, reusing dst's array when its capacity is enough
// (then nothing is allocated) and copying into a new one otherwise; the
// caller owns the result and decides how long it lives.
package jsonw
