package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cleanups run at exit, also after an error or an interrupt: they remove
// the cgroup and restore sysctls.
var (
	cleanMu  sync.Mutex
	cleanups []func()
)

func atExit(fn func()) {
	cleanMu.Lock()
	cleanups = append(cleanups, fn)
	cleanMu.Unlock()
}

func cleanup() {
	cleanMu.Lock()
	defer cleanMu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

func numCPU() int { return runtime.NumCPU() }

// raiseFileLimit lifts this process's descriptor limit (inherited by the
// servers and wrk) to its hard limit.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

// ensureWrk installs wrk from the distribution's package if it is missing.
func ensureWrk(ctx context.Context) error {
	if _, err := exec.LookPath("wrk"); err == nil {
		return nil
	}
	log.Printf("wrk is missing: apt-get install wrk")
	for _, args := range [][]string{{"update"}, {"install", "-y", "wrk"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", strings.Join(args, " "), err)
		}
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return errors.New("taskset (util-linux) is missing")
	}
	_, err := exec.LookPath("wrk")
	return err
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
var clockTicks = func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && v > 0 {
			return v
		}
	}
	return 100
}()

// procCPU returns the user+system CPU time of every thread of pid so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it do not.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64) // field 14
	st, _ := strconv.ParseFloat(f[12], 64) // field 15
	return time.Duration((ut + st) / clockTicks * float64(time.Second)), nil
}

// cgroup caps the CPU of the processes put into it.
type cgroup struct {
	dir string
	v2  bool
}

const cgroupName = "chopin-bench"

// newCgroup creates the suite's cgroup with a quota of cores CPUs per
// 100 ms period: cgroup v2 if the unified hierarchy is mounted at
// /sys/fs/cgroup, else v1's cpu controller.
func newCgroup(cores float64) (*cgroup, error) {
	const period = 100000
	quota := int(cores * period)
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		cg := &cgroup{dir: "/sys/fs/cgroup/" + cgroupName, v2: true}
		ctl := "/sys/fs/cgroup/cgroup.subtree_control"
		if b, _ := os.ReadFile(ctl); !bytes.Contains(b, []byte("cpu")) {
			if err := os.WriteFile(ctl, []byte("+cpu"), 0); err != nil {
				return nil, fmt.Errorf("cgroup v2: enable cpu controller: %w", err)
			}
		}
		if err := mkCgroup(cg.dir); err != nil {
			return nil, err
		}
		atExit(cg.remove)
		return cg, writeFile(cg.dir+"/cpu.max", fmt.Sprintf("%d %d", quota, period))
	}
	base := ""
	for _, d := range []string{"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"} {
		if _, err := os.Stat(d + "/cpu.cfs_quota_us"); err == nil {
			base = d
			break
		}
	}
	if base == "" {
		return nil, errors.New("no cgroup cpu controller (v1 /sys/fs/cgroup/cpu or v2 /sys/fs/cgroup)")
	}
	cg := &cgroup{dir: filepath.Join(base, cgroupName)}
	if err := mkCgroup(cg.dir); err != nil {
		return nil, err
	}
	atExit(cg.remove)
	if err := writeFile(cg.dir+"/cpu.cfs_period_us", strconv.Itoa(period)); err != nil {
		return nil, err
	}
	return cg, writeFile(cg.dir+"/cpu.cfs_quota_us", strconv.Itoa(quota))
}

func mkCgroup(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create cgroup: %w", err)
	}
	return nil
}

// add moves every thread of pid into the cgroup; threads it starts later
// are born there.
func (c *cgroup) add(pid int) error {
	return writeFile(c.dir+"/cgroup.procs", strconv.Itoa(pid))
}

// throttled reads how often and how long the cgroup was throttled.
func (c *cgroup) throttled() (n int64, d time.Duration) {
	b, _ := os.ReadFile(c.dir + "/cpu.stat")
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "nr_throttled":
			n = v
		case "throttled_time": // v1, ns
			d = time.Duration(v)
		case "throttled_usec": // v2
			d = time.Duration(v) * time.Microsecond
		}
	}
	return n, d
}

// remove deletes the cgroup once the processes in it are gone.
func (c *cgroup) remove() {
	for i := 0; i < 50; i++ {
		if err := os.Remove(c.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Printf("could not remove cgroup %s", c.dir)
}

func writeFile(path, s string) error {
	if err := os.WriteFile(path, []byte(s), 0); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// setSysctls sets kernel parameters and returns a function restoring them;
// the restore also runs at exit should the suite stop early.
func setSysctls(kv map[string]string) (restore func(), err error) {
	old := map[string]string{}
	var once sync.Once
	restore = func() {
		once.Do(func() {
			for k, v := range old {
				if err := writeFile(sysctlPath(k), v); err != nil {
					log.Printf("restore sysctl: %v", err)
				}
			}
		})
	}
	atExit(restore)
	for k, v := range kv {
		b, err := os.ReadFile(sysctlPath(k))
		if err != nil {
			restore()
			return nil, err
		}
		old[k] = strings.TrimSpace(string(b))
		if err := writeFile(sysctlPath(k), v); err != nil {
			restore()
			return nil, err
		}
	}
	return restore, nil
}

func sysctlPath(k string) string {
	return "/proc/sys/" + strings.ReplaceAll(k, ".", "/")
}

func readSysctl(k string) string {
	b, _ := os.ReadFile(sysctlPath(k))
	return strings.TrimSpace(string(b))
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// machine is what the report says about where it ran.
type machine struct {
	CPU, Kernel, Go, Wrk, Date, Virt string
	Cores                            int
	MemGiB                           float64
	LoadStart, LoadEnd               string
	Elapsed                          time.Duration
	Somaxconn                        string
	Postgres                         string // server_version, when the database scenarios ran
}

func describeMachine(ctx context.Context, cfg *config) *machine {
	m := &machine{Cores: numCPU(), Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), LoadStart: loadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "model name" && m.CPU == "" {
				m.CPU = v
			}
			if k == "flags" && strings.Contains(" "+v+" ", " hypervisor ") {
				m.Virt = "virtual machine (hypervisor flag set)"
			}
		}
	}
	if m.Virt == "" {
		m.Virt = "no hypervisor flag"
	}
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	m.Kernel = strings.TrimSpace(string(b))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%f", &kb)
		m.MemGiB = kb / (1 << 20)
	}
	out, _ := exec.CommandContext(ctx, "go", "version").Output()
	m.Go = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	out, _ = exec.CommandContext(ctx, "wrk", "-v").CombinedOutput()
	m.Wrk = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	if f := strings.Fields(m.Wrk); len(f) >= 2 {
		m.Wrk = f[0] + " " + f[1] // "wrk 4.1.0", without the copyright
	}
	m.Somaxconn = readSysctl("net.core.somaxconn")
	return m
}

// coreBusy returns the busy time (all but idle and iowait) of the listed
// CPUs so far, from /proc/stat.
func coreBusy(cpus []int) time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	want := map[string]bool{}
	for _, c := range cpus {
		want["cpu"+strconv.Itoa(c)] = true
	}
	var ticks float64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !want[f[0]] {
			continue
		}
		for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
			if i == 3 || i == 4 {
				continue
			}
			x, _ := strconv.ParseFloat(v, 64)
			ticks += x
		}
	}
	return time.Duration(ticks / clockTicks * float64(time.Second))
}

// allCores lists every CPU.
func allCores() []int {
	out := make([]int, numCPU())
	for i := range out {
		out[i] = i
	}
	return out
}

// cpuList expands a taskset list such as "0", "1" or "0-2".
func cpuList(s string) []int {
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, ok := strings.Cut(part, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if ok {
			b, _ = strconv.Atoi(hi)
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	return out
}
