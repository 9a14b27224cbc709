package main

import (
	"context"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// idleResult is cmd/idlemem's reading for one server.
type idleResult struct {
	server               string
	n, open              int
	beforeKiB, afterKiB  int64
	perConn, anonPerConn float64
	err                  string
}

// idleMemory runs cmd/idlemem for every server: VmRSS before and after
// cfg.idleConns kept-alive connections that each served one request.
func (s *suite) idleMemory(ctx context.Context) []idleResult {
	var out []idleResult
	plain := &scenario{key: "plaintext"}
	for _, t := range s.servers {
		if ctx.Err() != nil {
			break
		}
		r := idleResult{server: t.name}
		addr := freeAddr()
		args := []string{"-n", strconv.Itoa(s.cfg.idleConns), "-addr", addr, "-settle", "2s", "--", t.bin}
		args = append(args, t.args(addr, plain)...)
		cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		cmd := exec.CommandContext(cctx, filepath.Join(s.cfg.binDir, "idlemem"), args...)
		cmd.Env = serverEnv(t.procs)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
		b, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			killListener(addr) // idlemem did not get to stop the server
			r.err = err.Error() + ": " + lastLines(string(b), 3)
		} else if !parseIdle(string(b), &r) {
			r.err = "no result line: " + lastLines(string(b), 3)
		}
		if r.err != "" {
			log.Printf("idle memory %s: %s", t.name, r.err)
		} else {
			log.Printf("idle memory %s: %d connections, %d → %d KiB, %.0f bytes per connection",
				t.name, r.n, r.beforeKiB, r.afterKiB, r.perConn)
		}
		out = append(out, r)
	}
	return out
}

// parseIdle reads idlemem's last line:
// "idlemem n=… open=… before_kib=… after_kib=… bytes_per_conn=… anon_bytes_per_conn=…".
func parseIdle(out string, r *idleResult) bool {
	ok := false
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "idlemem n=") {
			continue
		}
		for _, f := range strings.Fields(line)[1:] {
			k, v, _ := strings.Cut(f, "=")
			x, _ := strconv.ParseFloat(v, 64)
			switch k {
			case "n":
				r.n = int(x)
			case "open":
				r.open = int(x)
			case "before_kib":
				r.beforeKiB = int64(x)
			case "after_kib":
				r.afterKiB = int64(x)
			case "bytes_per_conn":
				r.perConn, ok = x, true
			case "anon_bytes_per_conn":
				r.anonPerConn = x
			}
		}
	}
	return ok
}

// killListener kills, by PID, a process of ours still listening on addr
// (its port is one this run chose), found through /proc/net/tcp and the
// processes' descriptors.
func killListener(addr string) {
	_, p, _ := strings.Cut(addr, ":")
	port, err := strconv.Atoi(p)
	if err != nil {
		return
	}
	b, _ := os.ReadFile("/proc/net/tcp")
	inode := ""
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		_, hex, _ := strings.Cut(f[1], ":")
		if v, err := strconv.ParseInt(hex, 16, 32); err == nil && int(v) == port {
			inode = "socket:[" + f[9] + "]"
		}
	}
	if inode == "" {
		return
	}
	procs, _ := os.ReadDir("/proc")
	for _, pe := range procs {
		pid, err := strconv.Atoi(pe.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir("/proc/" + pe.Name() + "/fd")
		for _, fe := range fds {
			if l, _ := os.Readlink("/proc/" + pe.Name() + "/fd/" + fe.Name()); l == inode {
				log.Printf("killing pid %d, still listening on %s", pid, addr)
				syscall.Kill(pid, syscall.SIGKILL)
				return
			}
		}
	}
}
