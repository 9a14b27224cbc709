package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one running server process under test.
type server struct {
	cmd    *exec.Cmd
	pid    int
	stderr *syncBuffer
	done   chan struct{}
	addr   string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 { // a chatty server must not grow the suite without bound
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var nextPort = 18300

// freeAddr returns a loopback address on a port no server of this run used
// recently, so that a server still exiting can never take another's traffic.
func freeAddr() string {
	for range 200 {
		nextPort++
		if nextPort >= 18500 {
			nextPort = 18301
		}
		addr := "127.0.0.1:" + strconv.Itoa(nextPort)
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	return "127.0.0.1:" + strconv.Itoa(nextPort)
}

// start starts t for sc (see startServer): a database scenario's server
// gets DATABASE_URL (the suite's schema) and -db-pool; no other server gets
// a DATABASE_URL, whatever the suite's own environment holds.
func (s *suite) start(t *target, sc *scenario, cg *cgroup, extra ...string) (*server, error) {
	var env []string
	if sc.db {
		env = []string{"DATABASE_URL=" + s.db.url}
		extra = append([]string{"-db-pool", strconv.Itoa(s.cfg.dbPool)}, extra...)
	}
	return startServer(t, sc, s.cfg.serverCPUs, cg, env, extra...)
}

// serverEnv is the suite's environment for a server: without DATABASE_URL,
// so that only the database scenarios' servers open PostgreSQL.
func serverEnv(procs int) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	return append(env, "GOMAXPROCS="+strconv.Itoa(procs), "ENVIRONMENT=production")
}

// startServer starts t for scenario sc pinned to cpus with env added to
// its environment, moves it into cg (if not nil) and waits until it
// accepts connections.
func startServer(t *target, sc *scenario, cpus string, cg *cgroup, env []string, extra ...string) (*server, error) {
	addr := freeAddr()
	args := append([]string{"-c", cpus, t.bin}, t.args(addr, sc)...)
	args = append(args, extra...)
	cmd := exec.Command("taskset", args...) // taskset execs the server: same PID
	cmd.Env = append(serverEnv(t.procs), t.env...)
	cmd.Env = append(cmd.Env, env...)
	s := &server{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{}), addr: addr}
	cmd.Stdout, cmd.Stderr = s.stderr, s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.pid = cmd.Process.Pid
	go func() { cmd.Wait(); close(s.done) }()
	if cg != nil {
		if err := cg.add(s.pid); err != nil {
			s.kill()
			return nil, err
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("%s exited before listening: %s", t.name, lastLines(s.stderr.String(), 5))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("%s not listening on %s after 15s", t.name, addr)
		}
	}
}

// stop sends SIGTERM and waits for the exit (SIGKILL after 15 s); it
// returns what the server logged.
func (s *server) stop() (string, error) {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.kill()
		return s.stderr.String(), fmt.Errorf("pid %d ignored SIGTERM for 15s; killed", s.pid)
	}
	return s.stderr.String(), nil
}

func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// totals reads the exit line every server logs: requests and allocations
// per request over its life ("msg=totals requests=N … allocs_per_req=X").
func totals(log string) (requests int64, allocs float64, ok bool) {
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "msg=totals") {
			continue
		}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "requests":
				requests, _ = strconv.ParseInt(v, 10, 64)
			case "allocs_per_req":
				allocs, _ = strconv.ParseFloat(v, 64)
				ok = true
			}
		}
	}
	return requests, allocs, ok
}

// steadyAllocs reads the per-second throughput lines a server logs with
// -stats-every and returns the allocations per request over the intervals
// after the first (which holds the connections' set-up) that ran at full
// speed (at least half the fastest: the last, partial one is left out).
func steadyAllocs(log string) (float64, bool) {
	type iv struct{ rps, per float64 }
	var ivs []iv
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "msg=throughput") {
			continue
		}
		var x iv
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "req_per_s":
				x.rps, _ = strconv.ParseFloat(v, 64)
			case "allocs_per_req":
				x.per, _ = strconv.ParseFloat(v, 64)
			}
		}
		ivs = append(ivs, x)
	}
	if len(ivs) < 2 {
		return 0, false
	}
	ivs = ivs[1:]
	top := 0.0
	for _, x := range ivs {
		top = max(top, x.rps)
	}
	var reqs, allocs float64
	for _, x := range ivs {
		if x.rps >= top/2 {
			reqs += x.rps
			allocs += x.rps * x.per
		}
	}
	if reqs == 0 {
		return 0, false
	}
	return allocs / reqs, true
}
