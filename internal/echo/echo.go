// Package echo is the bench server's POST /echo handler (-debug-routes),
// in a package of its own so that the benchmark suite's net/http peer
// serves the very same handler: the fallback's comparison with net/http
// is then about the servers alone.
package echo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// Serve describes the request as the handler saw it: method, RequestURI,
// proto, host, the header as net/http presents it, the decoded body's
// length and SHA-256, and the trailer.
func Serve(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), statusForBodyError(err))
		return
	}
	out := struct {
		Method     string              `json:"method"`
		URI        string              `json:"uri"`
		Proto      string              `json:"proto"`
		Host       string              `json:"host"`
		Headers    map[string][]string `json:"headers"`
		BodyLen    int64               `json:"body_len"`
		BodySHA256 string              `json:"body_sha256"`
		Trailer    map[string][]string `json:"trailer"`
	}{r.Method, r.RequestURI, r.Proto, r.Host, r.Header, n, hex.EncodeToString(h.Sum(nil)), r.Trailer}
	if out.Trailer == nil {
		out.Trailer = map[string][]string{}
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(out)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func statusForBodyError(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}
