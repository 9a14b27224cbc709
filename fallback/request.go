package fallback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/chopin-go/chopin/http1"
)

var (
	// errNoBody: the head frames a body but the engine gave the job
	// none. An engine bug, answered 500.
	errNoBody = errors.New("fallback: request has a body but the job carries none")
	// errBadTrailerKey: net/http refuses a request whose Trailer field
	// declares a framing field (fixTrailer in net/http/transfer.go).
	errBadTrailerKey = errors.New("fallback: bad trailer key")
)

// newRequest builds the *http.Request net/http's server builds for the
// same head (readRequest, readTransfer and conn.readRequest in net/http):
// the same fields, the same header map, the same Body and Trailer rules.
// Every string it holds is a copy: nothing aliases engine memory.
func newRequest(ctx context.Context, j *Job, r *http1.Request) (*http.Request, error) {
	hs := headStrings{b: j.Head, s: string(j.Head)}
	target := hs.sub(r.Target)
	u, err := requestURL(r.Form, target)
	if err != nil {
		return nil, fmt.Errorf("fallback: request-target: %w", err)
	}
	h := requestHeader(&hs, r)
	trailer, err := declaredTrailer(h, r.Chunked)
	if err != nil {
		return nil, err
	}
	body, cl, err := requestBody(j, r)
	if err != nil {
		return nil, err
	}
	// RFC 9112 §3.2.2: an absolute-form target's authority replaces the
	// Host field.
	host := u.Host
	if host == "" {
		host = hs.sub(r.Host)
	}
	var rb io.ReadCloser = http.NoBody
	if body != nil {
		rb = body
	}
	tmp := http.Request{
		Method:        hs.sub(r.Method),
		URL:           u,
		Proto:         proto(r.Minor),
		ProtoMajor:    1,
		ProtoMinor:    r.Minor,
		Header:        h,
		Body:          rb,
		ContentLength: cl,
		Close:         !r.KeepAlive, // net/http's shouldClose gives the same answer
		Host:          host,
		Trailer:       trailer,
		RemoteAddr:    j.RemoteAddr,
		RequestURI:    target,
	}
	if r.Chunked {
		tmp.TransferEncoding = []string{"chunked"}
	}
	// WithContext is the only way to set the context of a Request built
	// outside net/http; tmp itself stays on the stack.
	return tmp.WithContext(ctx), nil
}

// requestURL parses the target as net/http does: ParseRequestURI for
// origin-form, absolute-form and "*" (which it maps to Path "*"), and for
// CONNECT's authority-form a URL holding only Host.
func requestURL(form http1.TargetForm, target string) (*url.URL, error) {
	if form == http1.AuthorityForm {
		return &url.URL{Host: target}, nil
	}
	return url.ParseRequestURI(target)
}

func proto(minor int) string {
	switch minor {
	case 0:
		return "HTTP/1.0"
	case 1:
		return "HTTP/1.1"
	}
	return "HTTP/1." + strconv.Itoa(minor)
}

// requestHeader builds the header map: canonical keys, repeated fields'
// values in order. Like net/http it drops Host (it is Request.Host) and
// Transfer-Encoding (it is Request.TransferEncoding), keeps one of several
// identical Content-Length fields, and maps "Pragma: no-cache" to
// Cache-Control when that is absent (RFC 9111 §5.4).
func requestHeader(hs *headStrings, r *http1.Request) http.Header {
	h := make(http.Header, len(r.Headers))
	vals := make([]string, len(r.Headers)) // one backing array, as textproto does
	n := 0
	for _, f := range r.Headers {
		k := http.CanonicalHeaderKey(hs.sub(f.Name))
		switch k {
		case "Host", "Transfer-Encoding":
			continue
		case "Content-Length":
			if _, dup := h[k]; dup {
				continue // http1 refused differing values
			}
		}
		v := hs.sub(f.Value)
		if vv, ok := h[k]; ok {
			h[k] = append(vv, v)
			continue
		}
		vals[n] = v
		h[k] = vals[n : n+1 : n+1]
		n++
	}
	if pv := h["Pragma"]; len(pv) > 0 && pv[0] == "no-cache" {
		if _, ok := h["Cache-Control"]; !ok {
			h["Cache-Control"] = []string{"no-cache"}
		}
	}
	return h
}

// declaredTrailer returns the trailer fields a chunked request declares,
// with nil values until the body has been read, and removes the Trailer
// field from h, as net/http's fixTrailer does. Without chunking the field
// stays and there is no Trailer map.
func declaredTrailer(h http.Header, chunked bool) (http.Header, error) {
	vv, ok := h["Trailer"]
	if !ok || !chunked {
		return nil, nil
	}
	delete(h, "Trailer")
	var t http.Header
	var err error
	for _, v := range vv {
		foreachElement(v, func(k string) {
			k = http.CanonicalHeaderKey(k)
			switch k {
			case "Transfer-Encoding", "Trailer", "Content-Length":
				err = fmt.Errorf("%w %q", errBadTrailerKey, k)
				return
			}
			if t == nil {
				t = make(http.Header)
			}
			t[k] = nil
		})
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// requestBody picks Request.Body and ContentLength: http.NoBody and 0
// without a body, -1 for chunked, as net/http's readTransfer does.
func requestBody(j *Job, r *http1.Request) (*Body, int64, error) {
	if !r.HasBody() {
		if j.Body != nil {
			j.Body.Close()
			j.Body = nil
		}
		return nil, 0, nil
	}
	if j.Body == nil {
		return nil, 0, errNoBody
	}
	if r.Chunked {
		return j.Body, -1, nil
	}
	return j.Body, r.ContentLength, nil
}

// headStrings turns slices of the head into strings that share one copy of
// it: a request with twenty fields costs one allocation, not forty. http1
// guarantees that a parsed Request's slices alias the head; sub checks
// anyway and copies any slice that does not.
type headStrings struct {
	b []byte
	s string
}

func (hs *headStrings) sub(x []byte) string {
	// x = b[lo:hi] means cap(x) == cap(b)-lo.
	lo := cap(hs.b) - cap(x)
	if lo >= 0 && lo+len(x) <= len(hs.s) && hs.s[lo:lo+len(x)] == string(x) {
		return hs.s[lo : lo+len(x)]
	}
	return string(x)
}

// foreachElement calls fn with each non-empty element of a comma-separated
// list (RFC 9110 §5.6.1), like net/http's foreachHeaderElement.
func foreachElement(v string, fn func(string)) {
	for v != "" {
		var e string
		e, v, _ = strings.Cut(v, ",")
		if e = textproto.TrimString(e); e != "" {
			fn(e)
		}
	}
}

// hasToken reports whether v holds token as a whole word, compared without
// regard to case; like net/http's hasToken, words end at space, tab or
// comma.
func hasToken(v, token string) bool {
	for v != "" {
		e := v
		if i := strings.IndexAny(v, " ,\t"); i >= 0 {
			e, v = v[:i], v[i+1:]
		} else {
			v = ""
		}
		if strings.EqualFold(e, token) {
			return true
		}
	}
	return false
}

// get returns the first value of key, which must be canonical.
func get(h http.Header, key string) string {
	if vv := h[key]; len(vv) > 0 {
		return vv[0]
	}
	return ""
}

// has reports whether key is present, even with no values: net/http lets a
// handler suppress Date or Content-Type sniffing with h["Date"] = nil.
func has(h http.Header, key string) bool {
	_, ok := h[key]
	return ok
}
