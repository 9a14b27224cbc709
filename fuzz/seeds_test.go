package fuzz

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the named seeds in testdata/fuzz")

// seeds are the named seed inputs, written to testdata/fuzz/FuzzName/ by
// `go test ./fuzz -run TestSeeds -update`. Seeds the fuzzer found keep
// their hash names and are not listed here.
var seeds = []struct{ name, in string }{
	{"plain_get", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{"plaintext_bench", "GET /plaintext HTTP/1.1\r\nHost: server\r\n" +
		"Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n" +
		"Connection: keep-alive\r\n\r\n"},
	{"browser", "GET /search?q=caf%C3%A9&lang=fr HTTP/1.1\r\n" +
		"Host: www.example.com:8080\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\n" +
		"Cookie: a=1; b=\"two\"\r\n" +
		"Pragma: no-cache\r\n" +
		"Upgrade-Insecure-Requests: 1\r\n" +
		"Sec-Fetch-Mode: navigate\r\n\r\n"},
	{"post_content_length", "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\nname=chopin&x"},
	{"chunked_trailers", "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: Expires, X-Sum\r\n\r\n" +
		"5;name=value\r\nhello\r\nA ; q=\"quoted\"\r\n, world!!!\r\n0\r\nExpires: never\r\nX-Sum: 42\r\n\r\n"},
	{"pipelined", "GET /a HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
		"PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n" +
		"GET /d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\n"},
	{"http10_keepalive", "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /y HTTP/1.0\r\n\r\n"},
	{"absolute_form", "GET http://example.com:80/p?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{"connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
	{"options_star", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"expect_continue", "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"},
	{"upgrade_websocket", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"},
	{"leading_crlf", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"http11_minor2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n"},

	// Smuggling vectors and strictness cases: each must be refused, or
	// framed the same way by http1 and net/http.
	{"cl_te", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"},
	{"te_cl", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"},
	{"te_te_obfuscated", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n"},
	{"te_space_before_colon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"},
	{"te_tab_value", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n"},
	{"te_xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
	{"te_obs_fold", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"},
	{"te_chunked_twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"},
	{"te_gzip_last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"},
	{"te_trailing_comma", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n"},
	{"te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"cl_differing", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
	{"cl_repeated_same", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
	{"cl_comma_list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc"},
	{"cl_plus_sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc"},
	{"cl_hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\nabc"},
	{"cl_huge", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"},
	{"chunk_size_overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\nx\r\n0\r\n\r\n"},
	{"chunk_bare_lf", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n"},
	{"chunk_ext_bare_lf", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x\nabc\r\n0\r\n\r\n"},
	{"chunk_ext_bws", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n"},
	{"chunk_data_no_crlf", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"},
	{"chunk_trailer_cl", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n"},
	{"bare_lf_head", "GET / HTTP/1.1\nHost: a\n\n"},
	{"bare_cr_head", "GET / HTTP/1.1\rHost: a\r\n\r\n"},
	{"nul_in_value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n"},
	{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
	{"no_host", "GET / HTTP/1.1\r\n\r\n"},
	{"fragment", "GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"non_ascii_target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"double_space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"lowercase_version", "GET / http/1.1\r\nHost: a\r\n\r\n"},
	{"h2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
	{"http09", "GET /\r\n\r\n"},
	{"expect_other", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\nContent-Length: 1\r\n\r\nx"},
	{"expect_empty_then_other", "GET / HTTP/1.1\r\nHost: a\r\nExpect:\r\nExpect: x\r\n\r\n"},
	{"cl_same_value_other_text", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 003\r\n\r\nabc"},
	{"trailer_obs_fold", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n"},
	{"trailer_announces_cl", "POST / HTTP/1.1\r\nHost: a\r\nTrailer: Content-Length\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"te_empty_second_line", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: \r\n\r\n0\r\n\r\n"},
	{"chunk_hex_case", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n000a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n"},
	{"chunk_ext_grammar", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;\r\nx\r\n0\r\n\r\n"},
	{"chunk_ext_quoted_crlf", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"\r\nx\r\n0\r\n\r\n\"\r\nx\r\n0\r\n\r\n"},
	{"connect_empty_target", "CONNECT  HTTP/1.1\r\nHost: a:1\r\n\r\n"},
	{"connect_origin_form", "CONNECT /_goRPC_ HTTP/1.0\r\n\r\n"},
	{"absolute_pct_host", "GET http://a%41b/ HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"absolute_userinfo", "GET http://u:p@a/ HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"absolute_ipv6", "GET http://[::1]:8080/x?y HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"},
	{"absolute_bad_ip_literal", "GET http://[zz]/ HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"absolute_bracket_in_host", "GET http://a]/ HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"absolute_two_colons", "GET http://a:1:2/ HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"absolute_pct_nul_host", "GET http://a%00b/ HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"absolute_other_scheme", "GET ftp://a/b HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"host_not_hostport", "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n"},
	{"host_bad_ip_literal", "GET / HTTP/1.1\r\nHost: [zz]\r\n\r\n"},
	{"host_empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n"},
	{"query_bad_escape", "GET /p?%zz HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"query_question_marks", "GET /p??x? HTTP/1.1\r\nHost: a\r\n\r\nGET /q? HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"asterisk_get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"post_then_crlf", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"post_then_bare_lf", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"post_then_bare_cr", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
	{"obs_text_value", "GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xc3\xa9 \t\r\nx-name:\tsecond\r\n\r\n"},
	{"http10_upgrade", "GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"},
	{"long_trailer", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Long: " + strings.Repeat("t", 5000) + "\r\n\r\n"},
	{"long_chunk_ext", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;x=" + strings.Repeat("e", 4093) + "\r\nx\r\n0\r\n\r\n"},
	{"long_method", strings.Repeat("G", 16384) + "\""},
	{"long_trailer_bad_first_line", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX\x01: a\r\nY: " +
		strings.Repeat("y", 17000) + "\r\n\r\n"},
}

// splitSeeds are the split seeds paired with the inputs above for
// FuzzSplit, in turn: the low bit picks tight limits, the rest the pieces.
var splitSeeds = []uint64{0, 1, 2, 3, 6, 7, 0x5eed, 0xc0ffee}

// singleBytes lists the seeds FuzzSplit gets one byte at a time (split seed
// 0): those where a CRLF split in two once misled the parser.
var singleBytes = map[string]bool{"leading_crlf": true, "post_then_crlf": true, "pipelined": true}

func TestSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the named seeds")
	}
	for i, s := range seeds {
		in := "[]byte(" + strconv.Quote(s.in) + ")\n"
		split := fmt.Sprintf("uint64(%d)\n", splitSeeds[i%len(splitSeeds)])
		if singleBytes[s.name] {
			split = "uint64(0)\n"
		}
		for target, body := range map[string]string{
			"FuzzParse":        in,
			"FuzzSplit":        in + split,
			"FuzzDifferential": in,
		} {
			dir := filepath.Join("testdata", "fuzz", target)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, strings.ReplaceAll(s.name, " ", "_"))
			if err := os.WriteFile(file, []byte("go test fuzz v1\n"+body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
