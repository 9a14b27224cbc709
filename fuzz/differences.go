package fuzz

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/chopin-go/chopin/http1"
)

// A dispute is a request that exactly one of http1 and net/http's server
// accepts: FuzzDifferential fails unless a difference matches it.
type dispute struct {
	In         []byte            // the stream from the disputed request's first byte on
	PrevMethod string            // the method of the request before it; "" for the first
	Ours       *http1.ParseError // why http1 refused it; nil if it accepted or wanted more
	Msg        *message          // http1's request, when http1 accepted it
	NetErr     error             // why net/http refused it, when it did
}

// weRefuse reports whether http1 refused the request with reason.
func (d *dispute) weRefuse(reason string) bool { return d.Ours != nil && d.Ours.Reason == reason }

// A difference is a class of requests on which http1 deliberately
// disagrees with net/http's server. docs/DIFFERENCES.md lists the same
// classes for readers; keep the two in step.
type difference struct {
	Name     string
	WeAccept bool // http1 accepts the class and net/http refuses it; else the reverse
	Match    func(d *dispute) bool
}

// differences is every deliberate difference. Each predicate is narrow.
// Where http1 refuses, it requires http1's refusal reason as well as the
// feature, so that an unrelated refusal of a similar input is not excused.
// Where http1 accepts, it rewrites the request without the feature and
// requires net/http to accept that (netAgrees), so that a request http1
// wrongly accepts for some other reason is not excused either.
var differences = []difference{
	// Before and in the request-line.
	{"leading empty lines", true, leadingEmptyLines},
	{"CR or LF skipped after a POST", false, strayAfterPost},
	{"bare LF line terminator", false, bareLF},
	{"HTTP/2.0 connection preface", false, h2Preface},
	{"fragment in request-target", false, fragmentInTarget},
	{"non-ASCII byte in request-target", false, nonASCIITarget},
	{"bad percent-encoding outside the path", false, badQueryEscape},
	{"asterisk-form for a method other than OPTIONS", false, asteriskNotOptions},
	{"CONNECT without authority-form", false, connectNotAuthority},
	{"absolute-form other than http(s)://host", false, otherAbsoluteForm},
	{"authority characters outside RFC 3986", false, authorityChars},
	{"percent-encoding in a host", false, hostPctEncoded},
	// Header fields.
	{"obs-fold", false, obsFold},
	{"CONNECT without Host", false, connectWithoutHost},
	{"Host field not uri-host [:port]", false, hostSyntax},
	{"Expect other than exactly 100-continue", false, expectList},
	// Framing.
	{"Transfer-Encoding in HTTP/1.0", false, teInHTTP10},
	{"Transfer-Encoding with Content-Length", false, teWithCL},
	{"empty elements in Transfer-Encoding", true, teEmptyElements},
	{"repeated Content-Length written differently", true, clSameValue},
	// Chunked bodies and trailers.
	{"chunk extension syntax", false, chunkExtSyntax},
	{"whitespace before a chunk extension", true, bwsBeforeChunkExt},
	{"Trailer field naming a framing field", true, trailerNamesFraming},
	{"framing field in the trailer section", false, framingTrailer},
	{"whitespace before the colon in a trailer field", false, trailerSpaceBeforeColon},
	// Limits.
	{"http1 size limits", false, ourLimits},
	{"net/http size limits", true, netLimits},
}

// match returns the name of the first difference d falls in, or "".
func match(d *dispute) string {
	for _, diff := range differences {
		if diff.WeAccept == (d.Msg != nil) && diff.Match(d) {
			return diff.Name
		}
	}
	return ""
}

// A rawHead is a request head split the lenient way neither parser
// splits it: lines end at LF, and a CR before the LF stays in the line.
type rawHead struct {
	lead   []byte   // the bytes before the request-line
	line   []byte   // the request-line, CR included
	fields [][]byte // the field lines
}

func splitHead(in []byte) rawHead {
	var h rawHead
	i := 0
	for i < len(in) && (in[i] == '\r' || in[i] == '\n') {
		i++
	}
	h.lead = in[:i]
	lines := bytes.SplitAfter(in[i:], []byte("\n"))
	if len(lines) > 0 {
		h.line, lines = lines[0], lines[1:]
	}
	for _, l := range lines {
		if t := bytes.TrimRight(l, "\r\n"); len(t) == 0 {
			break
		}
		h.fields = append(h.fields, l)
	}
	return h
}

// parts returns the request-line's method, target and version, split on
// single spaces, with the line end removed.
func (h rawHead) parts() (method, target, version string) {
	line := strings.TrimRight(string(h.line), "\r\n")
	method, rest, _ := strings.Cut(line, " ")
	target, version, _ = strings.Cut(rest, " ")
	return method, target, version
}

// values returns the trimmed values of the fields named name, compared
// without regard to case; a line without a colon has no name.
func (h rawHead) values(name string) []string {
	var vs []string
	for _, l := range h.fields {
		k, v, ok := bytes.Cut(l, []byte(":"))
		if ok && strings.EqualFold(string(k), name) {
			vs = append(vs, strings.Trim(string(v), " \t\r\n"))
		}
	}
	return vs
}

// leadingEmptyLines: http1 skips any number of CRLFs before a request-line,
// as RFC 9112 §2.2 says a server SHOULD ("ignore at least one empty line
// (CRLF) received prior to the request-line"); net/http answers 400 unless
// the request before was a POST (and then skips only four bytes). Without
// them, net/http must read the request as http1 did.
func leadingEmptyLines(d *dispute) bool {
	in := d.In
	for bytes.HasPrefix(in, []byte("\r\n")) {
		in = in[2:]
	}
	return len(in) < len(d.In) && netAgrees(in, d.Msg)
}

// strayAfterPost: after a POST, net/http discards up to four CR or LF bytes
// in any mix; http1 skips only whole CRLF pairs and refuses a bare CR or LF
// (RFC 9112 §2.2 allows the refusal: only CRLF is an empty line).
func strayAfterPost(d *dispute) bool {
	lead := splitHead(d.In).lead
	return d.PrevMethod == "POST" && len(lead) > 0 &&
		bytes.Count(lead, []byte("\r\n"))*2 != len(lead) &&
		(d.weRefuse("bare LF line terminator") || d.weRefuse("bare CR") || d.weRefuse("malformed request line"))
}

// bareLF: net/http ends a line at a bare LF in the head and in a trailer
// section; http1 refuses it with 400. RFC 9112 §2.2 lets a recipient accept
// a bare LF, but two parties that end lines differently frame requests
// differently, so we do not.
func bareLF(d *dispute) bool {
	if !d.weRefuse("bare LF line terminator") {
		return false
	}
	for i, c := range d.In {
		if c == '\n' && (i == 0 || d.In[i-1] != '\r') {
			return true
		}
	}
	return false
}

// obsFold: net/http joins a field line starting with SP or HTAB to the one
// before, in the head and in a trailer section; http1 refuses it with 400,
// which RFC 9112 §5.2 allows of a server ("MUST either reject the message
// by sending a 400 ... or replace each received obs-fold with one or more
// SP").
func obsFold(d *dispute) bool {
	return d.weRefuse("obsolete line folding") &&
		(bytes.Contains(d.In, []byte("\n ")) || bytes.Contains(d.In, []byte("\n\t")))
}

// fragmentInTarget: net/http takes a '#' in the request-target as part of
// the path; http1 refuses it, since a fragment is never sent (RFC 9112 §3.2:
// the target is the absolute-path and query, RFC 3986 §3.5).
func fragmentInTarget(d *dispute) bool {
	_, target, _ := splitHead(d.In).parts()
	return d.weRefuse("invalid request-target") && strings.Contains(target, "#")
}

// nonASCIITarget: net/http accepts bytes 0x80-0xFF in the request-target;
// http1 refuses them, since a URI is ASCII and the rest must be
// percent-encoded (RFC 3986 §2, RFC 9112 §3.2).
func nonASCIITarget(d *dispute) bool {
	_, target, _ := splitHead(d.In).parts()
	if !d.weRefuse("invalid request-target") {
		return false
	}
	for i := 0; i < len(target); i++ {
		if target[i] >= 0x80 {
			return true
		}
	}
	return false
}

// badQueryEscape: net/http checks percent-encoding only in the path and
// host of a target, not in its query or an opaque target ("http:%zz");
// http1 refuses a '%' not followed by two hex digits anywhere in the
// target (RFC 3986 §2.1, pct-encoded).
func badQueryEscape(d *dispute) bool {
	_, target, _ := splitHead(d.In).parts()
	path, query, _ := strings.Cut(target, "?")
	return d.weRefuse("invalid percent-encoding in request-target") &&
		(badEscape(query) || !strings.HasPrefix(path, "/") && badEscape(path))
}

func badEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// asteriskNotOptions: net/http accepts the target "*" with any method;
// http1 only with OPTIONS, the one method it is defined for (RFC 9112
// §3.2.4).
func asteriskNotOptions(d *dispute) bool {
	method, target, _ := splitHead(d.In).parts()
	return d.weRefuse("request-target form not allowed for this method") && target == "*" && method != "OPTIONS"
}

// connectNotAuthority: net/http accepts CONNECT with an origin-form target
// (net/rpc uses it), a host without a port, or even an empty target; http1
// requires authority-form, uri-host ":" port (RFC 9112 §3.2.3).
func connectNotAuthority(d *dispute) bool {
	method, target, _ := splitHead(d.In).parts()
	return method == "CONNECT" && (d.weRefuse("request-target form not allowed for this method") ||
		target == "" && d.weRefuse("invalid request-target"))
}

// connectWithoutHost: net/http's server does not require Host on a CONNECT;
// http1 does, as RFC 9112 §3.2 requires of every HTTP/1.1 request ("A
// server MUST respond with a 400 ... to any HTTP/1.1 request message that
// lacks a Host header field").
func connectWithoutHost(d *dispute) bool {
	method, _, _ := splitHead(d.In).parts()
	return d.weRefuse("missing Host header") && method == "CONNECT"
}

// otherAbsoluteForm: net/http accepts any scheme in absolute-form, an
// opaque target ("http:x"), an empty host ("http:///x", "http://:80/") and
// userinfo; http1 accepts only http or https with a host and no userinfo: it
// serves by path and cannot serve another scheme, and RFC 9110 §4.2.1 and
// §4.2.4 make an empty host and userinfo invalid in http(s) URIs ("A
// recipient that processes such a URI reference MUST reject it as
// invalid").
func otherAbsoluteForm(d *dispute) bool {
	_, target, _ := splitHead(d.In).parts()
	if !d.weRefuse("invalid request-target") || target == "" || target[0] == '/' {
		return false
	}
	auth, ok := absoluteAuthority(target)
	return !ok || auth == "" || auth[0] == ':' || strings.Contains(auth, "@")
}

// absoluteAuthority returns the authority of an http or https
// absolute-form target, and whether target is one.
func absoluteAuthority(target string) (string, bool) {
	lt := strings.ToLower(target)
	for _, scheme := range []string{"http://", "https://"} {
		if strings.HasPrefix(lt, scheme) {
			rest := target[len(scheme):]
			if i := strings.IndexAny(rest, "/?"); i >= 0 {
				rest = rest[:i]
			}
			return rest, true
		}
	}
	return "", false
}

// authorityChars: net/url lets '<', '>', '"' and a ']' outside an
// IP-literal into a host; http1 refuses an absolute-form target whose
// authority holds a byte RFC 3986 §3.2.2 does not allow in uri-host or
// port, where brackets only delimit an IP-literal.
func authorityChars(d *dispute) bool {
	_, target, _ := splitHead(d.In).parts()
	auth, ok := absoluteAuthority(target)
	return d.weRefuse("invalid request-target") && ok && (strings.ContainsAny(auth, "<>\"") ||
		!strings.HasPrefix(auth, "[") && strings.ContainsAny(auth, "[]"))
}

// hostPctEncoded: RFC 3986 §3.2.2 lets a reg-name hold pct-encoded
// octets and net/url accepts escaped non-ASCII bytes in a host; http1
// refuses any '%' in the authority of an absolute-form or authority-form
// target and in Host, since an HTTP host is a DNS name (IDNs as punycode)
// or an IP literal, and an escape could only hide a byte (NUL, '/', '@')
// that another party decodes and routes on differently. With every '%'
// replaced by a letter, http1 must get past this refusal: the escape was the
// cause of this refusal.
func hostPctEncoded(d *dispute) bool {
	if !d.weRefuse("invalid request-target") && !d.weRefuse("invalid Host header") &&
		!d.weRefuse("request-target form not allowed for this method") ||
		!bytes.Contains(d.In, []byte("%")) {
		return false
	}
	// With the escapes gone, the request must get past this refusal:
	// accepted, or refused later for another reason.
	out := runConn(http1.Limits{}, bytes.ReplaceAll(d.In, []byte("%"), []byte("x")), nil)
	return len(out.Msgs) > 0 || out.Reason != d.Ours.Reason
}

// hostSyntax: net/http checks only that each byte of Host may appear in
// some host; http1 refuses a Host that is not uri-host [ ":" port ]
// (RFC 9110 §7.2, RFC 3986 §3.2.2), such as "a:b" or "a:1:2", since RFC
// 9112 §3.2 requires a 400 for an invalid Host and two parties might split
// such a value into host and port differently.
func hostSyntax(d *dispute) bool {
	if !d.weRefuse("invalid Host header") {
		return false
	}
	for _, v := range splitHead(d.In).values("host") {
		if !validHostHeader(v) {
			return false
		}
	}
	return true
}

// h2Preface: net/http's server accepts "PRI * HTTP/2.0" (the HTTP/2
// connection preface) and hands it to the handler to hijack; http1 refuses
// it, with 400 for the asterisk-form of a method other than OPTIONS (RFC
// 9112 §3.2.4), else with 505 for a major version other than 1 (RFC 9110
// §6.2, §15.6.6).
func h2Preface(d *dispute) bool {
	method, target, version := splitHead(d.In).parts()
	return (d.weRefuse("HTTP version not supported") ||
		d.weRefuse("request-target form not allowed for this method")) &&
		method == "PRI" && target == "*" && strings.HasPrefix(version, "HTTP/2.0")
}

// teInHTTP10: net/http ignores Transfer-Encoding in an HTTP/1.0 request;
// http1 refuses it, as RFC 9112 §6.1 says a server SHOULD ("treat the
// message as if the framing is faulty ... and close the connection").
func teInHTTP10(d *dispute) bool {
	return d.weRefuse("Transfer-Encoding in an HTTP/1.0 request")
}

// teWithCL: net/http lets Transfer-Encoding override Content-Length; http1
// refuses the request, as RFC 9112 §6.3 ¶3 permits ("ought to be handled
// as an error"): it is the classic smuggling vector.
func teWithCL(d *dispute) bool {
	h := splitHead(d.In)
	return d.weRefuse("both Transfer-Encoding and Content-Length") &&
		len(h.values("transfer-encoding")) > 0 && len(h.values("content-length")) > 0
}

// expectList: net/http continues if the first Expect field holds the token
// 100-continue anywhere in it; http1 answers 417 unless every non-empty
// Expect value is exactly 100-continue, as RFC 9110 §10.1.1 allows ("MAY
// respond with a 417 ... for an Expect field value containing a member
// other than 100-continue").
func expectList(d *dispute) bool {
	if !d.weRefuse("unsupported expectation") {
		return false
	}
	for _, v := range splitHead(d.In).values("expect") {
		if v != "" && !strings.EqualFold(v, "100-continue") {
			return true
		}
	}
	return false
}

// teEmptyElements: http1 ignores empty elements of the Transfer-Encoding
// list ("chunked,", or a second, empty Transfer-Encoding line), as RFC 9110
// §5.6.1 requires ("a recipient MUST accept and ignore a reasonable number
// of empty list elements"); net/http accepts only one field whose whole
// value is "chunked" and answers 501. With that one field instead, net/http
// must read the request as http1 did.
func teEmptyElements(d *dispute) bool {
	tes := splitHead(d.In).values("transfer-encoding")
	if !d.Msg.Chunked || len(tes) == 1 && strings.EqualFold(tes[0], "chunked") {
		return false
	}
	first := true
	return netAgrees(rewriteFields(d.In, d.Msg, func(f field) []field {
		if !strings.EqualFold(f.Name, "transfer-encoding") {
			return []field{f}
		}
		if first {
			first = false
			return []field{{"Transfer-Encoding", "chunked"}}
		}
		return nil
	}), d.Msg)
}

// trailerNamesFraming: net/http refuses a chunked request whose Trailer
// field announces Content-Length, Transfer-Encoding or Trailer; http1 does
// not read the Trailer field at all (RFC 9110 §6.6.2 makes it advisory) and
// instead refuses those fields when they actually arrive as trailers.
// Without the Trailer field, net/http must read the request as http1 did.
func trailerNamesFraming(d *dispute) bool {
	framing := false
	for _, v := range splitHead(d.In).values("trailer") {
		for _, e := range strings.Split(v, ",") {
			switch strings.ToLower(strings.Trim(e, " \t")) {
			case "content-length", "transfer-encoding", "trailer":
				framing = true
			}
		}
	}
	return framing && d.Msg.Chunked && netAgrees(rewriteFields(d.In, d.Msg, func(f field) []field {
		if strings.EqualFold(f.Name, "trailer") {
			return nil
		}
		return []field{f}
	}), d.Msg)
}

// framingTrailer: net/http merges any trailer field into Request.Trailer;
// http1 refuses a trailer section holding Host, Content-Length,
// Transfer-Encoding or Trailer, fields that frame or route the message and
// so MUST NOT be trailers (RFC 9110 §6.5.1).
func framingTrailer(d *dispute) bool {
	return d.weRefuse("invalid trailer field")
}

// chunkExtSyntax: net/http ignores everything after a chunk size up to the
// CRLF, and trailing whitespace; http1 follows RFC 9112 §7.1.1: only BWS
// and then ';' may follow the size, and the extensions may hold no control
// characters, so "5 \r\n" and "5;\x01\r\n" are refused.
// trailerSpaceBeforeColon: net/http reads the trailer section more
// loosely than the head and lets "name :" through; http1 holds trailer
// fields to the same grammar as header fields (RFC 9112 §5.1: no
// whitespace between name and colon), so the fault must lie after the head.
func trailerSpaceBeforeColon(d *dispute) bool {
	if !d.weRefuse("whitespace before colon in header field") {
		return false
	}
	end := bytes.Index(d.In, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	for _, line := range bytes.Split(d.In[:end], []byte("\r\n")) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if ok && len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
			return false // the head itself is at fault
		}
	}
	return true
}

func chunkExtSyntax(d *dispute) bool {
	return d.weRefuse("invalid chunk extension")
}

// bwsBeforeChunkExt: http1 accepts whitespace between a chunk size and the
// ';' of an extension, the BWS RFC 9112 §7.1.1 allows ("A recipient MUST
// parse BWS"); net/http refuses it as an invalid chunk length. Without
// that whitespace, net/http must read the request as http1 did.
func bwsBeforeChunkExt(d *dispute) bool {
	if !d.Msg.Chunked {
		return false
	}
	fixed := bytes.Clone(d.In[:d.Msg.HeadLen])
	body := d.In[d.Msg.HeadLen:]
	found := false
	for {
		line, rest, ok := bytes.Cut(body, []byte("\r\n"))
		if !ok {
			return false
		}
		k := 0
		for k < len(line) && isHex(line[k]) {
			k++
		}
		ext := line[k:]
		if t := bytes.TrimLeft(ext, " \t"); len(t) < len(ext) && len(t) > 0 && t[0] == ';' {
			found, ext = true, t
		}
		fixed = append(append(append(fixed, line[:k]...), ext...), "\r\n"...)
		size, err := strconv.ParseUint(string(line[:k]), 16, 64)
		if err != nil || size+2 > uint64(len(rest)) && size > 0 {
			return false
		}
		if size == 0 {
			fixed = append(fixed, rest...)
			break
		}
		fixed = append(fixed, rest[:size+2]...) // the data and its CRLF
		body = rest[size+2:]
	}
	return found && netAgrees(fixed, d.Msg)
}

// clSameValue: http1 accepts repeated Content-Length fields whose values are
// the same decimal number, however written ("3" and "03"), as RFC 9110 §8.6
// allows; net/http compares them as strings and refuses. With every value
// written as the first is, net/http must read the request as http1 did.
func clSameValue(d *dispute) bool {
	cls := splitHead(d.In).values("content-length")
	if len(cls) < 2 || d.Msg.Chunked || !slices.ContainsFunc(cls, func(v string) bool { return v != cls[0] }) {
		return false
	}
	return netAgrees(rewriteFields(d.In, d.Msg, func(f field) []field {
		if strings.EqualFold(f.Name, "content-length") {
			f.Value = cls[0]
		}
		return []field{f}
	}), d.Msg)
}

// ourLimits: http1's default Limits (16 KiB of head, 8 KiB of target, 100
// fields, 4 MiB of body, 4 KiB of extensions on a chunk-size line) are
// lower than net/http's 1 MiB head, and net/http has no count or body limit
// of its own. The status says which limit: 413, 414 or 431 (RFC 9110
// §15.5.14, §15.5.15, RFC 6585 §5).
func ourLimits(d *dispute) bool {
	return d.Ours != nil && (d.Ours.Status == 413 || d.Ours.Status == 414 || d.Ours.Status == 431 ||
		d.weRefuse("chunk extension too long"))
}

// netLimits: net/http refuses a chunk-size line of 4096 bytes or more, a
// trailer section that does not fit its 4 KiB read buffer, and a chunked
// body whose framing outweighs its data by 16 KiB; http1 bounds the first
// by MaxChunkExtBytes, the second by MaxHeaderBytes and the last by
// MaxBodyBytes only.
func netLimits(d *dispute) bool {
	if d.NetErr == nil || !d.Msg.Chunked {
		return false
	}
	msg := d.NetErr.Error()
	return strings.Contains(msg, "header line too long") ||
		strings.Contains(msg, "suspiciously long trailer") ||
		strings.Contains(msg, "too much non-data")
}

// netAgrees reports whether net/http's server reads the first request of in
// as m: the check that a difference a "we accept" predicate names is the
// only reason net/http refused the original.
func netAgrees(in []byte, m *message) bool {
	o := serveNetHTTP(in)
	return len(o.Msgs) > 0 && compare(m, &o.Msgs[0]) == nil
}

// rewriteFields rebuilds the head of in, which http1 accepted as m, with
// each field line replaced by what fn returns for it, and without leading
// empty lines. The bytes after the head are kept.
func rewriteFields(in []byte, m *message, fn func(field) []field) []byte {
	head := bytes.TrimLeft(in[:m.HeadLen], "\r\n")
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	out := append(bytes.Clone(line), "\r\n"...)
	for _, f := range m.Headers {
		for _, g := range fn(f) {
			out = append(out, g.Name+": "+g.Value+"\r\n"...)
		}
	}
	out = append(out, "\r\n"...)
	return append(out, in[m.HeadLen:]...)
}
