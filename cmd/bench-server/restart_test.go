package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// built says buildServer ran, so TestMain removes its directory.
var built bool

// buildServer builds the bench server once per test binary.
var buildServer = sync.OnceValues(func() (string, error) {
	built = true
	dir, err := os.MkdirTemp("", "bench-server")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bench-server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// reservePort binds a SO_REUSEPORT socket to a free loopback port without
// listening on it, so two server processes can then share the port while
// no other test picks it.
func reservePort(t *testing.T) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return sa.(*unix.SockaddrInet4).Port
}

type serverProc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

// startServer starts the bench server and waits until it listens.
func startServer(t *testing.T, args ...string) *serverProc {
	t.Helper()
	bin, err := buildServer()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ENVIRONMENT=production")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			if strings.Contains(sc.Text(), "msg=listening") {
				once.Do(func() { close(ready) })
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("server exited: %v", p.err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	return p
}

// load keeps conns keep-alive connections busy until ctx ends, reconnecting
// whenever a response says Connection: close. Any request that does not
// get a whole 200 response is a failure.
func load(ctx context.Context, addr string, conns int, okN *atomic.Int64) (failed int64, errs []string) {
	var failN atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c net.Conn
			var br *bufio.Reader
			for ctx.Err() == nil {
				if c == nil {
					var err error
					if c, err = net.DialTimeout("tcp", addr, 2*time.Second); err != nil {
						failN.Add(1)
						mu.Lock()
						errs = append(errs, "dial: "+err.Error())
						mu.Unlock()
						time.Sleep(10 * time.Millisecond)
						continue
					}
					br = bufio.NewReader(c)
				}
				c.SetDeadline(time.Now().Add(5 * time.Second))
				resp, err := roundTrip(c, br)
				if err != nil {
					failN.Add(1)
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					c.Close()
					c = nil
					continue
				}
				okN.Add(1)
				if resp.Close {
					c.Close()
					c = nil
				}
			}
			if c != nil {
				c.Close()
			}
		}()
	}
	wg.Wait()
	return failN.Load(), errs
}

func roundTrip(c net.Conn, br *bufio.Reader) (*http.Response, error) {
	if _, err := io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 || string(body) != "Hello, World!" {
		return nil, fmt.Errorf("got %d %q", resp.StatusCode, body)
	}
	return resp, nil
}

// TestZeroDowntimeRestart swaps one server process for another on the same
// port under load: the new one binds with SO_REUSEPORT, the old one gets
// SIGTERM, stops accepting and drains. No request may fail.
func TestZeroDowntimeRestart(t *testing.T) {
	requireMigrateReq(t)
	port := reservePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	old := startServer(t, "-addr", addr, "-loops", "2")
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		failed int64
		errs   []string
	}
	var ok atomic.Int64
	res := make(chan result, 1)
	go func() {
		failed, errs := load(ctx, addr, 16, &ok)
		res <- result{failed, errs}
	}()
	time.Sleep(500 * time.Millisecond)
	startServer(t, "-addr", addr, "-loops", "2")
	time.Sleep(200 * time.Millisecond)
	old.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-old.done:
		if old.err != nil {
			t.Errorf("old server exited with %v", old.err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("old server did not drain and exit")
	}
	atExit := ok.Load()
	time.Sleep(500 * time.Millisecond)
	cancel()
	r := <-res
	t.Logf("requests: %d ok (%d after the old server exited), %d failed", ok.Load(), ok.Load()-atExit, r.failed)
	if r.failed != 0 {
		t.Fatalf("%d requests failed across the restart, e.g. %q", r.failed, r.errs[:min(5, len(r.errs))])
	}
	if atExit < 1000 || ok.Load()-atExit < 1000 {
		t.Fatal("too few requests before or after the swap: the load did not run across it")
	}
}

// requireMigrateReq makes sure the kernel migrates connections queued on a
// closing listener to the port's other listeners (the new process).
func requireMigrateReq(t *testing.T) {
	const path = "/proc/sys/net/ipv4/tcp_migrate_req"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (needs Linux 5.14+)", path, err)
	}
	if strings.TrimSpace(string(b)) == "1" {
		return
	}
	if err := os.WriteFile(path, []byte("1"), 0); err != nil {
		t.Fatalf("net.ipv4.tcp_migrate_req is 0 and cannot be set (%v); run as root or set it (.ci/run does)", err)
	}
	t.Cleanup(func() { os.WriteFile(path, b, 0) })
}
