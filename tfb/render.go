package tfb

import (
	"strconv"

	"github.com/chopin-go/chopin/jsonw"
)

// Content types of the responses, as the TechEmpower rules spell them.
const (
	ContentTypeJSON = "application/json"
	ContentTypeHTML = "text/html; charset=utf-8"
)

// Message is the JSON test's object. The rules want one made and
// serialized for every request; made as a value and written by
// AppendMessage, it costs no allocation.
type Message struct {
	Message string `json:"message"`
}

// HelloMessage is the JSON test's message text.
const HelloMessage = "Hello, World!"

// AppendMessage appends m as {"message":"..."}, escaped as encoding/json
// escapes it (without HTML escaping).
func AppendMessage(dst []byte, m Message) []byte {
	dst = append(dst, `{"message":`...)
	dst = jsonw.AppendString(dst, m.Message)
	return append(dst, '}')
}

// AppendWorld appends w as the JSON object {"id":N,"randomNumber":M}.
func AppendWorld(dst []byte, w World) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, int64(w.ID), 10)
	dst = append(dst, `,"randomNumber":`...)
	dst = strconv.AppendInt(dst, int64(w.RandomNumber), 10)
	return append(dst, '}')
}

// AppendWorlds appends ws as a JSON array of World objects.
func AppendWorlds(dst []byte, ws []World) []byte {
	dst = append(dst, '[')
	for i, w := range ws {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendWorld(dst, w)
	}
	return append(dst, ']')
}

// The fortunes page: the TechEmpower template, with one row per fortune
// between its head and tail. Only the id (an integer) and the escaped
// message vary.
const (
	fortunesHead = `<!DOCTYPE html><html><head><title>Fortunes</title></head><body>` +
		`<table><tr><th>id</th><th>message</th></tr>`
	fortuneOpen  = `<tr><td>`
	fortuneMid   = `</td><td>`
	fortuneClose = `</td></tr>`
	fortunesTail = `</table></body></html>`
)

// AppendFortunesHTML appends the fortunes page listing fs in their order,
// each message HTML-escaped.
func AppendFortunesHTML(dst []byte, fs []Fortune) []byte {
	dst = append(dst, fortunesHead...)
	for _, f := range fs {
		dst = append(dst, fortuneOpen...)
		dst = strconv.AppendInt(dst, int64(f.ID), 10)
		dst = append(dst, fortuneMid...)
		dst = AppendEscapedHTML(dst, f.Message)
		dst = append(dst, fortuneClose...)
	}
	return append(dst, fortunesTail...)
}

// AppendEscapedHTML appends s with the five characters that are special in
// HTML text and attribute values (& < > " ') replaced by references, as
// html.EscapeString does, without allocating. Other bytes, UTF-8 included,
// are copied as they are.
func AppendEscapedHTML(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var ref string
		switch s[i] {
		case '&':
			ref = "&amp;"
		case '<':
			ref = "&lt;"
		case '>':
			ref = "&gt;"
		case '"':
			ref = "&quot;"
		case '\'':
			ref = "&#39;"
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, ref...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}
