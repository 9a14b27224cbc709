// Command idlemem measures what an HTTP/1.1 server's process spends, in
// resident memory, per idle keep-alive connection.
//
// It starts the server (the command after the flags), waits until addr
// accepts connections, warms it up, reads the server's VmRSS, opens n
// connections that each make one request (so that each is a kept-alive
// connection that has served a request) and then stay idle, waits for the
// server to settle, and reads VmRSS again:
//
//	idlemem -n 10000 -addr 127.0.0.1:8080 -- ./bench-server -addr 127.0.0.1:8080
//	idlemem -n 10000 -addr 127.0.0.1:8081 -- ./nethttp-server -addr :8081
//
// The figure is (VmRSS after - VmRSS before) / n: user-space memory of the
// server process only. Kernel socket memory (socket buffers, struct sock,
// epoll entries) is not in any process's RSS; the change in the kernel's
// slab over the same period is printed beside it, for both ends of every
// connection together, since the client runs on the same machine.
//
// The server process is the one listening on addr's port (found through
// /proc), so the command may be a wrapper such as "sh -c" or "go run". It
// is stopped at the end with SIGTERM, then SIGKILL, by PID. idlemem raises
// its own descriptor limit (the server inherits it); opening 10,000
// connections may need it run as root.
//
// The last line of the output is machine-readable:
//
//	idlemem n=10000 before_kib=... after_kib=... bytes_per_conn=...
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type options struct {
	n        int
	addr     string
	request  string
	warm     int
	settle   time.Duration
	ready    time.Duration
	workers  int
	keepOpen time.Duration
	cmd      []string
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "idlemem:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "idlemem:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("idlemem", flag.ContinueOnError)
	fs.IntVar(&o.n, "n", 10000, "idle keep-alive connections to open")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address the server listens on")
	path := fs.String("path", "/plaintext", "path of the one request each connection makes")
	fs.IntVar(&o.warm, "warm", 200, "connections opened, used and closed before the first reading")
	fs.DurationVar(&o.settle, "settle", 3*time.Second, "wait before each reading")
	fs.DurationVar(&o.ready, "ready", 30*time.Second, "how long the server may take to listen")
	fs.IntVar(&o.workers, "workers", 64, "connections opened at once")
	fs.DurationVar(&o.keepOpen, "hold", 0, "keep the connections open this long after the reading")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: idlemem [flags] -- server-command [args...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.cmd = fs.Args()
	if len(o.cmd) == 0 {
		return o, errors.New("no server command (give it after --)")
	}
	if o.n <= 0 || o.workers <= 0 {
		return o, errors.New("-n and -workers must be positive")
	}
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return o, fmt.Errorf("-addr: %w", err)
	}
	o.request = "GET " + *path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	return o, nil
}

func run(o options) error {
	if err := raiseFileLimit(uint64(o.n) + 1024); err != nil {
		return fmt.Errorf("descriptor limit: %w", err)
	}
	srv, err := startServer(o)
	if err != nil {
		return err
	}
	defer srv.stop()
	// Interrupted (or our output pipe closed), stop the server too: it is
	// in its own process group.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		<-sig
		srv.stop()
		os.Exit(130)
	}()
	fmt.Printf("server: %s (pid %d)\n", strings.Join(o.cmd, " "), srv.pid)

	if err := warmUp(o); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	time.Sleep(o.settle)
	before, err := readStatus(srv.pid)
	if err != nil {
		return err
	}
	slabBefore, _ := slabKiB()

	start := time.Now()
	conns, err := openIdle(o)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		return fmt.Errorf("after %d connections: %w", len(conns), err)
	}
	fmt.Printf("opened %d kept-alive connections in %v, one %q each\n",
		len(conns), time.Since(start).Round(time.Millisecond), strings.Fields(o.request)[1])
	time.Sleep(o.settle)
	after, err := readStatus(srv.pid)
	if err != nil {
		return err
	}
	slabAfter, _ := slabKiB()
	open := stillOpen(conns)
	if open < len(conns) {
		fmt.Printf("warning: the server closed %d of the connections before the reading\n", len(conns)-open)
	}

	perConn := float64(after.rss-before.rss) * 1024 / float64(len(conns))
	fmt.Printf("VmRSS   before %7d KiB  after %7d KiB  (+%d KiB)\n", before.rss, after.rss, after.rss-before.rss)
	fmt.Printf("RssAnon before %7d KiB  after %7d KiB  (+%d KiB)\n", before.anon, after.anon, after.anon-before.anon)
	fmt.Printf("threads before %7d      after %7d\n", before.threads, after.threads)
	if slabBefore > 0 && slabAfter > 0 {
		fmt.Printf("kernel slab (machine-wide, both ends) +%d KiB = %.0f bytes per connection\n",
			slabAfter-slabBefore, float64(slabAfter-slabBefore)*1024/float64(len(conns)))
	}
	fmt.Printf("per idle connection: %.0f bytes of server RSS (%.0f anonymous)\n",
		perConn, float64(after.anon-before.anon)*1024/float64(len(conns)))
	if o.keepOpen > 0 {
		time.Sleep(o.keepOpen)
	}
	fmt.Printf("idlemem n=%d open=%d before_kib=%d after_kib=%d bytes_per_conn=%.0f anon_bytes_per_conn=%.0f\n",
		len(conns), open, before.rss, after.rss, perConn, float64(after.anon-before.anon)*1024/float64(len(conns)))
	return nil
}

// server is the process under test.
type server struct {
	cmd  *exec.Cmd
	pid  int // the listener's process: cmd's, or one of its children
	done chan struct{}
}

func startServer(o options) (*server, error) {
	cmd := exec.Command(o.cmd[0], o.cmd[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop wrappers' children too
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(o.ready)
	for {
		c, err := net.DialTimeout("tcp", o.addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("server exited before listening: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server not listening on %s after %v", o.addr, o.ready)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if pid, err := listenerPID(o.addr); err == nil {
		s.pid = pid
	} else {
		fmt.Fprintf(os.Stderr, "idlemem: %v; measuring the started process\n", err)
	}
	return s, nil
}

// stop ends the server's process group: SIGTERM, and SIGKILL if it has
// not exited within 10 s.
func (s *server) stop() {
	pgid := -s.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(pgid, syscall.SIGKILL)
		<-s.done
	}
}

// warmUp makes the server serve a few connections first, so the reading
// before does not miss what a server allocates once, on first use.
func warmUp(o options) error {
	conns, err := openIdle(options{n: o.warm, addr: o.addr, request: o.request, workers: o.workers})
	for _, c := range conns {
		c.Close()
	}
	return err
}

// openIdle opens o.n connections; each sends one request and reads the
// response, then stays open.
func openIdle(o options) ([]net.Conn, error) {
	conns := make([]net.Conn, o.n)
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(o.workers, o.n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= o.n {
					return
				}
				c, err := openOne(o.addr, o.request)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					next.Store(int64(o.n)) // stop the others
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	opened := conns[:0]
	for _, c := range conns {
		if c != nil {
			opened = append(opened, c)
		}
	}
	return opened, firstErr
}

func openOne(addr, request string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err == nil && resp.Close {
		err = errors.New("the server closed the connection after the request")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// stillOpen counts the connections the server has not closed: a short read
// times out instead of seeing EOF.
func stillOpen(conns []net.Conn) int {
	n := 0
	var b [1]byte
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		_, err := c.Read(b[:])
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			n++
		}
		c.SetReadDeadline(time.Time{})
	}
	return n
}

type status struct {
	rss, anon int64 // KiB
	threads   int
}

func readStatus(pid int) (status, error) {
	var st status
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			st.rss = n
		case "RssAnon":
			st.anon = n
		case "Threads":
			st.threads = int(n)
		}
	}
	if st.rss == 0 {
		return st, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return st, sc.Err()
}

// slabKiB reads the kernel's slab size from /proc/meminfo.
func slabKiB() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Slab:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no Slab in /proc/meminfo")
}

// listenerPID finds the process holding the listening socket of addr's
// port, through /proc/net/tcp{,6} and the processes' descriptors.
func listenerPID(addr string) (int, error) {
	_, p, _ := net.SplitHostPort(addr)
	port, err := strconv.Atoi(p)
	if err != nil {
		return 0, err
	}
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if v, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(v) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no listening socket on port %d", port)
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, pe := range procs {
		pid, err := strconv.Atoi(pe.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue
		}
		for _, fe := range fds {
			if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fe.Name())); err == nil && inodes[l] {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no process holds the listener on port %d", port)
}

// raiseFileLimit makes sure this process (and the server it starts, which
// inherits the limit) may open at least n descriptors.
func raiseFileLimit(n uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= n {
		return nil
	}
	lim.Cur = n
	if lim.Max < n {
		lim.Max = n // needs CAP_SYS_RESOURCE (root)
	}
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}
