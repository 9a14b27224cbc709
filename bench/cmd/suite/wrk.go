package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// wrkRun is what one wrk run reports.
type wrkRun struct {
	rps      float64
	requests int64
	p99      time.Duration
	errors   string // socket errors and non-2xx responses, "" if none
	cpu      time.Duration
	wall     time.Duration
	output   string
}

// writeEchoScripts writes the wrk scripts of the echo scenarios into dir:
// a POST of echoBody, and the same POST depth times per write (what
// scripts/pipeline.lua does for a GET), and returns their paths.
func writeEchoScripts(dir string, depth int) (single, pipelined string) {
	post := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", echoBody)
	single = filepath.Join(dir, "echo.lua")
	pipelined = filepath.Join(dir, fmt.Sprintf("echo-pipelined-%d.lua", depth))
	os.MkdirAll(dir, 0o755)
	os.WriteFile(single, []byte("-- written by bench/cmd/suite: POST /echo\n"+post), 0o644)
	os.WriteFile(pipelined, []byte(fmt.Sprintf(`-- written by bench/cmd/suite: POST /echo, %[1]d requests per write
%[2]s
init = function(args)
  local reqs = {}
  for i = 1, %[1]d do
    reqs[i] = wrk.format() -- method, body and headers above, Content-Length added
  end
  batch = table.concat(reqs)
end

request = function()
  return batch
end
`, depth, post)), 0o644)
	return single, pipelined
}

// runWrk runs wrk against url for d, pinned to cfg.wrkCPUs. A scenario
// with pipeline > 1 sends that many requests per write with
// scripts/pipeline.lua; its script, if any, replaces that (the echo
// scenarios' POST, alone or pipelined by the script itself).
func runWrk(ctx context.Context, cfg *config, url string, d time.Duration, sc *scenario) (wrkRun, error) {
	ctx, cancel := context.WithTimeout(ctx, d+20*time.Second)
	defer cancel()
	args := []string{"-c", cfg.wrkCPUs, "wrk",
		"-t", strconv.Itoa(cfg.wrkThreads), "-c", strconv.Itoa(cfg.conns),
		"-d", fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second)),
		"--latency", "--timeout", "10s"}
	// The fields TechEmpower's wrk sends besides Host.
	if sc.accept != "" {
		args = append(args, "-H", "Accept: "+sc.accept)
	}
	args = append(args, "-H", "Connection: keep-alive")
	switch {
	case sc.script != "":
		args = append(args, "-s", sc.script, url)
	case sc.pipeline > 1:
		args = append(args, "-s", cfg.root+"/scripts/pipeline.lua", url, "--", strconv.Itoa(sc.pipeline))
	default:
		args = append(args, url)
	}
	cmd := exec.CommandContext(ctx, "taskset", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := wrkRun{wall: time.Since(start), output: string(out)}
	if err != nil {
		return r, fmt.Errorf("wrk: %v: %s", err, lastLines(string(out), 3))
	}
	if ps := cmd.ProcessState; ps != nil {
		r.cpu = ps.UserTime() + ps.SystemTime()
	}
	return r, parseWrk(&r)
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reTotal   = regexp.MustCompile(`(\d+) requests in`)
	reP99     = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)\s*$`)
	reSockErr = regexp.MustCompile(`Socket errors: (.*)`)
	reNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func parseWrk(r *wrkRun) error {
	m := reRPS.FindStringSubmatch(r.output)
	if m == nil {
		return fmt.Errorf("wrk: no Requests/sec in %q", lastLines(r.output, 5))
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := reTotal.FindStringSubmatch(r.output); m != nil {
		r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reP99.FindStringSubmatch(r.output); m != nil {
		v, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[2]]
		r.p99 = time.Duration(v * float64(unit))
	}
	var errs []string
	if m := reSockErr.FindStringSubmatch(r.output); m != nil {
		errs = append(errs, "socket errors: "+strings.TrimSpace(m[1]))
	}
	if m := reNon2xx.FindStringSubmatch(r.output); m != nil {
		errs = append(errs, m[1]+" non-2xx")
	}
	r.errors = strings.Join(errs, "; ")
	return nil
}
