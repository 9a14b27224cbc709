package fallback

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/chopin-go/chopin/http1"
	"github.com/chopin-go/chopin/internal/leakcheck"
)

// TestMain fails the run if a handler goroutine, a helper Send or a
// CloseNotify watcher outlives the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }

var fixedDate = []byte("Sun, 06 Nov 1994 08:49:37 GMT")

// fakeOut records what a bridge sends, like the engine's slot would.
type fakeOut struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	sends    []int // size of each Send
	hook     func(p []byte) error
	finished chan struct{}
	status   int
	close    bool
}

func newFakeOut() *fakeOut { return &fakeOut{finished: make(chan struct{})} }

func (o *fakeOut) Send(p []byte) error {
	if o.hook != nil {
		if err := o.hook(p); err != nil {
			return err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case <-o.finished:
		panic("Send after Finish")
	default:
	}
	o.buf.Write(p)
	o.sends = append(o.sends, len(p))
	return nil
}

func (o *fakeOut) Finish(status int, closeConn bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.status, o.close = status, closeConn
	close(o.finished) // a second Finish panics
}

func (o *fakeOut) wait(t testing.TB) {
	t.Helper()
	select {
	case <-o.finished:
	case <-time.After(10 * time.Second):
		t.Fatal("Finish was not called")
	}
}

func (o *fakeOut) bytes() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return bytes.Clone(o.buf.Bytes())
}

// job is a Job built from raw request bytes as the engine would build it,
// with feed delivering the body the way the engine's loop does.
type job struct {
	*Job
	out  *fakeOut
	head http1.Request
	body []byte // the raw body bytes after the head
}

func newJob(t testing.TB, raw string) *job {
	t.Helper()
	var p http1.Parser
	j := &job{out: newFakeOut()}
	n, err := p.ParseHead([]byte(raw), &j.head)
	if err != nil {
		t.Fatalf("test request does not parse: %v", err)
	}
	j.Job = &Job{Head: []byte(raw[:n]), RemoteAddr: "192.0.2.1:1234", Ctx: context.Background(), Out: j.out,
		ForceClose: !j.head.KeepAlive}
	j.body = []byte(raw[n:])
	if j.head.HasBody() {
		j.Job.Body = NewBody(0, j.head.ExpectContinue)
	}
	return j
}

// feed delivers the whole body through Append and End, in pieces of size
// step (0: at once).
func (j *job) feed(step int) {
	b := j.Job.Body
	if b == nil {
		return
	}
	if !j.head.Chunked {
		data := j.body[:j.head.ContentLength]
		for len(data) > 0 {
			k := len(data)
			if step > 0 && k > step {
				k = step
			}
			b.Append(data[:k])
			data = data[k:]
		}
		b.End(nil, nil)
		return
	}
	var d http1.ChunkedDecoder
	d.Reset(http1.Limits{})
	data, _, err := d.Decode(nil, j.body)
	if err != nil {
		b.End(nil, err)
		return
	}
	b.Append(data)
	b.End(d.Trailers(), nil)
}

// serve runs j on br, feeding the body at once or, when the client
// expects 100-continue, when the bridge sends the 100.
func (j *job) serve(t testing.TB, br *Bridge) *fakeOut {
	t.Helper()
	if j.head.ExpectContinue {
		var once sync.Once
		j.out.hook = func(p []byte) error {
			if bytes.Equal(p, continueLine) {
				once.Do(func() { j.feed(0) })
			}
			return nil
		}
	} else {
		j.feed(0)
	}
	br.Serve(j.Job)
	j.out.wait(t)
	return j.out
}

func testBridge(h http.Handler, logs io.Writer) *Bridge {
	if logs == nil {
		logs = io.Discard
	}
	return New(Config{Handler: h, Date: func() []byte { return fixedDate },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
}

// syncBuffer is a log sink the handler goroutines may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// result is what a client can observe of one exchange.
type result struct {
	NoResponse bool
	Interim    []interimResp
	Status     int
	Header     http.Header // without Date
	HasDate    bool
	CL         int64
	TE         []string
	Body       string
	BodyErr    string
	Trailer    http.Header
	// Close: the client reads the response as ending the connection
	// (ReadResponse removes "Connection: close" from Header for it).
	Close bool
	Kept  bool
}

type interimResp struct {
	Status int
	Header http.Header
}

// readResult reads the interim responses and the final one from br. When
// onContinue is set it is called on a 100 (Continue).
func readResult(br *bufio.Reader, method string, onContinue func()) (result, error) {
	var r result
	req := &http.Request{Method: method}
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			r.NoResponse = true
			return r, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != 101 {
			r.Interim = append(r.Interim, interimResp{resp.StatusCode, resp.Header})
			if resp.StatusCode == 100 && onContinue != nil {
				onContinue()
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		r.Status, r.Body, r.CL, r.TE = resp.StatusCode, string(body), resp.ContentLength, resp.TransferEncoding
		if err != nil {
			r.BodyErr = err.Error()
		}
		r.Header, r.Trailer, r.Close = resp.Header, resp.Trailer, resp.Close
		_, r.HasDate = r.Header["Date"]
		delete(r.Header, "Date")
		return r, nil
	}
}

// parseOut reads what a fake output recorded as a client would.
func parseOut(t testing.TB, o *fakeOut, method string) result {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(o.bytes()))
	r, err := readResult(br, method, nil)
	if err != nil && !r.NoResponse {
		t.Fatalf("reading our response: %v", err)
	}
	if n := br.Buffered(); n > 0 {
		rest, _ := io.ReadAll(br)
		t.Fatalf("%d bytes after the response: %q", n, rest)
	}
	r.Kept = !o.close
	return r
}
