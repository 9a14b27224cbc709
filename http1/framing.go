package http1

// fields gathers, while header fields are parsed, the facts that decide
// framing and connection handling; frame turns them into Request fields once
// the head is complete, because some rules (TE with CL) need every field.
type fields struct {
	hosts int

	cl      bool
	clValue int64

	te          bool
	chunked     int  // times the chunked coding appeared
	chunkedLast bool // the last coding seen so far is chunked
	otherCoding bool // some coding other than chunked appeared

	connClose, connKeepAlive, connUpgrade bool
	upgrade                               bool
	expectContinue, expectOther           bool
}

// note records what header field h means for framing. Unknown fields cost a
// length switch and nothing else.
func (f *fields) note(h *Header, r *Request) error {
	n := h.Name
	switch len(n) {
	case 4:
		if le32(n)|fold32 == wHost {
			return f.noteHost(h.Value, r)
		}
	case 6:
		if le32(n)|fold32 == wExpe && le32(n[2:])|fold32 == wPect && len(h.Value) > 0 {
			if lowerEq(h.Value, "100-continue") {
				f.expectContinue = true
			} else {
				f.expectOther = true
			}
		}
	case 7:
		if lowerEq(n, "upgrade") {
			f.upgrade = true
		}
	case 10:
		if le64(n)|fold64 == wConnecti && le32(n[6:])|fold32 == wTion {
			f.noteConnection(h.Value)
		}
	case 14:
		if lowerEq(n, "content-length") {
			return f.noteContentLength(h.Value)
		}
	case 17:
		if lowerEq(n, "transfer-encoding") {
			f.noteTransferEncoding(h.Value)
		}
	}
	return nil
}

// Words of the names note compares most often, to test a name in one or
// two loads instead of a call.
var (
	wHost     = le32s("host")
	wExpe     = le32s("expe")
	wPect     = le32s("pect")
	wConnecti = le64s("connecti")
	wTion     = le32s("tion")
)

// noteHost applies RFC 9112 §3.2: more than one Host, or an invalid value,
// is a 400. An empty value is allowed (RFC 9110 §7.2).
func (f *fields) noteHost(v []byte, r *Request) error {
	f.hosts++
	if f.hosts > 1 {
		return errRepeatedHost
	}
	if len(v) > 0 && !plainHost(v) && !validAuthority(v, false) {
		return errBadHost
	}
	r.Host = v
	return nil
}

// plainHost accepts at a glance the Host most requests carry, a reg-name of
// letters, digits, '.' and '-' with an optional port; anything else gets
// the full check of validAuthority.
func plainHost(v []byte) bool {
	i := len(v)
	for k, c := range v {
		if !isPlainHost[c] {
			i = k
			break
		}
	}
	if i == len(v) {
		return i > 0
	}
	if v[i] != ':' || i == 0 || i == len(v)-1 {
		return false
	}
	for _, c := range v[i+1:] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// noteContentLength applies RFC 9112 §6.3 and RFC 9110 §8.6: the value is
// 1*DIGIT; repeats must agree. A comma list ("5, 5") is refused outright.
func (f *fields) noteContentLength(v []byte) error {
	n, ok := parseDecimal(v)
	if !ok {
		return errBadContentLength
	}
	if f.cl && n != f.clValue {
		return errDiffContentLength
	}
	f.cl, f.clValue = true, n
	return nil
}

// parseDecimal parses 1*DIGIT into an int64; no sign, space or overflow.
func parseDecimal(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) || n > (1<<63-1-9)/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// noteTransferEncoding walks the coding list (RFC 9110 §5.6.1: empty
// elements are ignored; RFC 9112 §6.1: names are case-insensitive).
func (f *fields) noteTransferEncoding(v []byte) {
	f.te = true
	eachElement(v, func(e []byte) {
		if lowerEq(e, "chunked") {
			f.chunked++
			f.chunkedLast = true
			return
		}
		f.otherCoding, f.chunkedLast = true, false
	})
}

func (f *fields) noteConnection(v []byte) {
	// Nearly every client sends exactly one of these two.
	switch {
	case lowerEq(v, "keep-alive"):
		f.connKeepAlive = true
		return
	case lowerEq(v, "close"):
		f.connClose = true
		return
	}
	eachElement(v, func(e []byte) {
		switch {
		case lowerEq(e, "close"):
			f.connClose = true
		case lowerEq(e, "keep-alive"):
			f.connKeepAlive = true
		case lowerEq(e, "upgrade"):
			f.connUpgrade = true
		}
	})
}

// eachElement calls fn with each non-empty, trimmed element of a
// comma-separated list.
func eachElement(v []byte, fn func([]byte)) {
	for len(v) > 0 {
		e := v
		for k, c := range v {
			if c == ',' {
				e = v[:k]
				break
			}
		}
		if len(e) < len(v) {
			v = v[len(e)+1:]
		} else {
			v = nil
		}
		if e = trimOWS(e); len(e) > 0 {
			fn(e)
		}
	}
}

// frame decides the body length and connection handling once every field
// has been seen. The order of the checks is the order of RFC 9112 §6.3.
func (f *fields) frame(r *Request, lim *Limits) error {
	if r.Minor >= 1 && f.hosts == 0 {
		return errMissingHost // RFC 9112 §3.2
	}
	if f.te {
		switch {
		case r.Minor == 0:
			return errTEOnHTTP10 // RFC 9112 §6.1: framing is faulty
		case f.cl:
			return errCLAndTE // RFC 9112 §6.3 ¶3: the smuggling vector
		case !f.chunkedLast:
			return errTENotChunked // RFC 9112 §6.3 ¶4
		case f.chunked > 1:
			return errChunkedTwice // RFC 9112 §7
		case f.otherCoding:
			return errUnsupportedTE // RFC 9112 §6.1: 501
		}
		r.Chunked = true
	} else if f.cl {
		if f.clValue > lim.MaxBodyBytes {
			return errBodyTooLarge
		}
		r.ContentLength = f.clValue
	}
	// RFC 9110 §10.1.1: 417 for an expectation we do not know; a
	// 100-continue in HTTP/1.0 must be ignored.
	if f.expectOther {
		return errBadExpect
	}
	r.ExpectContinue = f.expectContinue && r.Minor >= 1
	// RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only
	// with "keep-alive".
	r.KeepAlive = !f.connClose && (r.Minor >= 1 || f.connKeepAlive)
	// RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request.
	r.Upgrade = f.connUpgrade && f.upgrade && r.Minor >= 1
	return nil
}
