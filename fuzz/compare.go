package fuzz

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/chopin-go/chopin/http1"
)

// compare reports the first way a request both sides accepted differs.
func compare(m *message, n *netMessage) error {
	r := n.Req
	switch {
	case m.Method != r.Method:
		return fmt.Errorf("method %q, net/http %q", m.Method, r.Method)
	case m.Target != r.RequestURI:
		return fmt.Errorf("target %q, net/http %q", m.Target, r.RequestURI)
	case r.ProtoMajor != 1 || m.Minor != r.ProtoMinor:
		return fmt.Errorf("HTTP/1.%d, net/http %s", m.Minor, r.Proto)
	}
	if err := compareURL(m, r); err != nil {
		return err
	}
	if got, want := netView(m), map[string][]string(r.Header); !equalHeaders(got, want) {
		return fmt.Errorf("header fields\n http1 (adjusted) %q\n net/http         %q", got, want)
	}
	switch {
	case m.Chunked != slices.Equal(r.TransferEncoding, []string{"chunked"}):
		return fmt.Errorf("chunked %t, net/http TransferEncoding %q", m.Chunked, r.TransferEncoding)
	// net/http reports -1 for chunked and 0 for a request without
	// Content-Length; http1 reports -1 for both.
	case m.Chunked && r.ContentLength != -1,
		!m.Chunked && r.ContentLength != max(m.ContentLength, 0):
		return fmt.Errorf("content-length %d, net/http %d", m.ContentLength, r.ContentLength)
	case m.KeepAlive == r.Close:
		return fmt.Errorf("keep-alive %t, net/http Close %t", m.KeepAlive, r.Close)
	case m.Expect != (hasToken(r.Header.Get("Expect"), "100-continue") && r.ProtoAtLeast(1, 1)):
		return fmt.Errorf("expect-continue %t, net/http Expect %q", m.Expect, r.Header.Get("Expect"))
	case string(m.Body) != string(n.Body):
		return fmt.Errorf("body %q, net/http %q", m.Body, n.Body)
	}
	// net/http puts the names a Trailer field announces in Request.Trailer
	// with nil values and replaces them as trailers arrive; only received
	// trailers count.
	got := canonical(m.Trailers)
	want := map[string][]string{}
	for k, vv := range r.Trailer {
		if vv != nil {
			want[k] = vv
		}
	}
	if !equalHeaders(got, want) {
		return fmt.Errorf("trailers %q, net/http %q", got, want)
	}
	return nil
}

// compareURL compares the parsed target: net/http's Host is the authority of
// an absolute-form or authority-form target, percent-decoded, else the Host
// field; its URL.Path is percent-decoded, http1's Path is not.
func compareURL(m *message, r *http.Request) error {
	host := m.Host
	if m.Form == http1.AbsoluteForm || m.Form == http1.AuthorityForm {
		var err error
		if host, err = url.PathUnescape(m.Authority); err != nil {
			return fmt.Errorf("authority %q: %v", m.Authority, err)
		}
	}
	if r.Host != host {
		return fmt.Errorf("host %q, net/http %q", host, r.Host)
	}
	if m.Form == http1.AuthorityForm {
		return nil
	}
	path, err := url.PathUnescape(m.Path)
	if m.Form == http1.AbsoluteForm && r.URL.Path == "" {
		path = "" // net/http keeps an absent path absent; http1 routes on "/"
	}
	switch {
	case err != nil || path != r.URL.Path:
		return fmt.Errorf("path %q (%v), net/http %q", m.Path, err, r.URL.Path)
	case m.Query != r.URL.RawQuery || m.HasQuery != (r.URL.RawQuery != "" || r.URL.ForceQuery):
		return fmt.Errorf("query %q, net/http %q", m.Query, r.URL.RawQuery)
	}
	return nil
}

// netView returns m's header fields as net/http's Request.Header holds
// them: a canonical multi-map, adjusted for what ReadRequest moves or
// rewrites.
func netView(m *message) map[string][]string {
	h := canonical(m.Headers)
	// ReadRequest moves Host into Request.Host (compared in compareURL).
	delete(h, "Host")
	// readTransfer deletes Transfer-Encoding and sets TransferEncoding
	// to ["chunked"] instead (compared in compare).
	delete(h, "Transfer-Encoding")
	// fixLength collapses repeated Content-Length fields of one value
	// into one field (go.dev/issue/16490); http1 accepts only such
	// repeats and keeps every line.
	if cl := h["Content-Length"]; len(cl) > 1 {
		h["Content-Length"] = cl[:1]
	}
	// fixPragmaCacheControl: "Pragma: no-cache" implies
	// "Cache-Control: no-cache" when there is no Cache-Control (RFC 7234
	// §5.4, for HTTP/1.0 caches).
	if p := h["Pragma"]; len(p) > 0 && p[0] == "no-cache" && h["Cache-Control"] == nil {
		h["Cache-Control"] = []string{"no-cache"}
	}
	// fixTrailer moves the Trailer field of a chunked request into the
	// keys of Request.Trailer.
	if m.Chunked {
		delete(h, "Trailer")
	}
	return h
}

// canonical groups fields by canonical name, keeping the order of values.
func canonical(fs []field) map[string][]string {
	h := map[string][]string{}
	for _, f := range fs {
		k := http.CanonicalHeaderKey(f.Name)
		h[k] = append(h[k], f.Value)
	}
	return h
}

func equalHeaders(a, b map[string][]string) bool {
	return maps.EqualFunc(a, b, slices.Equal)
}

func describe(r *http.Request) string {
	if r == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s %q %s host=%q url=%#v header=%q cl=%d te=%q close=%t trailer=%q",
		r.Method, r.RequestURI, r.Proto, r.Host, r.URL, r.Header, r.ContentLength,
		r.TransferEncoding, r.Close, r.Trailer)
}
