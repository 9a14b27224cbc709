package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// verifyAll starts every target once per distinct command line its
// scenarios use and checks its answers for every scenario run with that
// command line, so that no server is measured that skips work: status,
// the fields the TechEmpower rules require (Server, Date, Content-Type,
// Content-Length) and the exact body, alone and 16 deep pipelined; the
// database routes' shape, counts and values as stored.
func (s *suite) verifyAll(ctx context.Context, targets []*target) error {
	for _, t := range targets {
		var groups [][]*scenario
		index := map[string]int{}
		for _, sc := range s.scenariosOf(t) {
			key := fmt.Sprint(sc.db, " ", strings.Join(t.args("ADDR", sc), " "))
			i, ok := index[key]
			if !ok {
				i = len(groups)
				index[key] = i
				groups = append(groups, nil)
			}
			groups[i] = append(groups[i], sc)
		}
		for _, g := range groups {
			if err := s.verifyOne(ctx, t, g); err != nil {
				var keys []string
				for _, sc := range g {
					keys = append(keys, sc.key)
				}
				return fmt.Errorf("verify %s (%s): %w", t.name, strings.Join(keys, ", "), err)
			}
		}
		log.Printf("verified %s", t.name)
	}
	return nil
}

// verifyOne starts t once and runs the checks of the scenarios scs, which
// share its command line; /updates last, as it writes.
func (s *suite) verifyOne(ctx context.Context, t *target, scs []*scenario) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	restore := func() {}
	if len(t.sysctls) > 0 {
		r, err := setSysctls(t.sysctls)
		if err != nil {
			return err
		}
		restore = r
	}
	defer restore()
	db := scs[0].db
	if db && s.db.dirty {
		if err := s.db.reset(ctx); err != nil {
			return err
		}
	}
	srv, err := s.start(t, scs[0], nil)
	if err != nil {
		return err
	}
	defer srv.stop()
	if db {
		defer func() { s.db.dirty = true }()
		if err := s.checkPool(srv.stderr.String()); err != nil {
			return err
		}
	}
	var checks, last []check
	seen := map[string]bool{}
	for _, sc := range scs {
		kind := sc.key
		if kind == "pipelined" {
			kind = "plaintext" // the same checks
		}
		if seen[kind] {
			continue
		}
		seen[kind] = true
		if sc.key == "updates" {
			last = append(last, s.checksFor(sc)...)
		} else {
			checks = append(checks, s.checksFor(sc)...)
		}
	}
	start := time.Now()
	all := append(checks, last...)
	for _, c := range all {
		if err := c(srv.addr); err != nil {
			return err
		}
	}
	var keys []string
	for _, sc := range scs {
		keys = append(keys, sc.key)
	}
	log.Printf("verified %s for %s: %d checks passed in %v", t.name, strings.Join(keys, ", "), len(all), time.Since(start).Round(time.Millisecond))
	return nil
}

type check func(addr string) error

func (s *suite) checksFor(sc *scenario) []check {
	if sc.db {
		return s.dbChecks(sc)
	}
	switch sc.key {
	case "pipelined", "plaintext":
		return []check{checkPlaintext(1), checkPlaintext(16)}
	case "json":
		return []check{checkJSON}
	case "echo":
		return []check{checkEcho(2)}
	case "echo-pipelined":
		return []check{checkEcho(sc.pipeline)}
	}
	return nil
}

// seqConn is a keep-alive connection for requests one at a time.
type seqConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialSeq(addr string) (*seqConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &seqConn{c: c, br: bufio.NewReader(c)}, nil
}

func (c *seqConn) close() { c.c.Close() }

// get sends one GET and reads its response.
func (c *seqConn) get(path, accept string) (*http.Response, []byte, error) {
	c.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.c, tfbGET(path, accept)); err != nil {
		return nil, nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

// exchange writes req on a new connection and reads n responses.
func exchange(addr, req string, n int) ([]*http.Response, [][]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(c)
	var resps []*http.Response
	var bodies [][]byte
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("response %d of %d: %w", i+1, n, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("response %d body: %w", i+1, err)
		}
		resps = append(resps, resp)
		bodies = append(bodies, body)
	}
	return resps, bodies, nil
}

func tfbGET(path, accept string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: " + accept + "\r\nConnection: keep-alive\r\n\r\n"
}

// checkCommon checks what every response must carry.
func checkCommon(resp *http.Response, body []byte, ctype string) error {
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d, want 200", resp.StatusCode)
	}
	if resp.Header.Get("Server") == "" {
		return fmt.Errorf("no Server field")
	}
	d, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return fmt.Errorf("Date %q: %v", resp.Header.Get("Date"), err)
	}
	if skew := time.Since(d); skew < -3*time.Second || skew > 3*time.Second {
		return fmt.Errorf("Date %q is %v off", resp.Header.Get("Date"), skew)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, ctype) {
		return fmt.Errorf("Content-Type %q, want %s", ct, ctype)
	}
	if resp.ContentLength != int64(len(body)) || resp.Header.Get("Content-Length") == "" {
		return fmt.Errorf("Content-Length %q for a %d-byte body", resp.Header.Get("Content-Length"), len(body))
	}
	if resp.Close {
		return fmt.Errorf("the server closes the connection")
	}
	return nil
}

func checkPlaintext(depth int) check {
	return func(addr string) error {
		req := strings.Repeat(tfbGET("/plaintext", acceptPlain), depth)
		resps, bodies, err := exchange(addr, req, depth)
		if err != nil {
			return fmt.Errorf("plaintext ×%d: %w", depth, err)
		}
		for i, resp := range resps {
			if err := checkCommon(resp, bodies[i], "text/plain"); err != nil {
				return fmt.Errorf("plaintext ×%d, response %d: %w", depth, i+1, err)
			}
			if string(bodies[i]) != "Hello, World!" {
				return fmt.Errorf("plaintext body %q", bodies[i])
			}
		}
		return nil
	}
}

func checkJSON(addr string) error {
	resps, bodies, err := exchange(addr, tfbGET("/json", acceptJSON)+tfbGET("/json", acceptJSON), 2)
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	for i, resp := range resps {
		if err := checkCommon(resp, bodies[i], "application/json"); err != nil {
			return fmt.Errorf("json: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(bodies[i], &m); err != nil || len(m) != 1 || m["message"] != "Hello, World!" {
			return fmt.Errorf("json body %q", bodies[i])
		}
	}
	return nil
}

// checkEcho sends n POST /echo in one write (n > 1 pipelines them) and
// checks every answer: what the handler saw, method, body length and
// SHA-256.
func checkEcho(n int) check {
	return func(addr string) error {
		req := "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(echoBody)) + echoBody
		resps, bodies, err := exchange(addr, strings.Repeat(req, n), n)
		if err != nil {
			return fmt.Errorf("echo ×%d: %w", n, err)
		}
		sum := sha256.Sum256([]byte(echoBody))
		for i, resp := range resps {
			if err := checkCommon(resp, bodies[i], "application/json"); err != nil {
				return fmt.Errorf("echo ×%d, response %d: %w", n, i+1, err)
			}
			var out struct {
				Method     string `json:"method"`
				BodyLen    int    `json:"body_len"`
				BodySHA256 string `json:"body_sha256"`
			}
			if err := json.NewDecoder(bytes.NewReader(bodies[i])).Decode(&out); err != nil {
				return fmt.Errorf("echo body %q: %v", bodies[i], err)
			}
			if out.Method != "POST" || out.BodyLen != len(echoBody) || out.BodySHA256 != hex.EncodeToString(sum[:]) {
				return fmt.Errorf("echo ×%d, response %d answered %+v", n, i+1, out)
			}
		}
		return nil
	}
}
