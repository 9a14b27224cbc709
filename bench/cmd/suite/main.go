// Command suite is the benchmark suite behind `make bench`: it builds the
// bench server and its peers (net/http, fasthttp, gnet with a minimal
// parser, and the no-parse ceiling), checks that each answers correctly,
// then runs the TechEmpower-like scenarios with wrk, servers interleaved
// round-robin and repeated, and writes docs/PERFORMANCE.md and
// docs/performance.svg from what it measured.
//
//	cd bench && go run ./cmd/suite -time 5s -rounds 3
//
// With DATABASE_URL (or -database-url) it also runs TechEmpower's database
// scenarios (/db, /queries, /fortunes, /updates, /cached-queries) against
// PostgreSQL for the bench server, net/http and fasthttp, each with a pool
// of -db-pool connections, in the -db-modes (wrk-bound by default).
//
// The server runs on one core (GOMAXPROCS=1, one event loop), wrk on the
// others. Two modes: "wrk" (that pinning alone: on a small machine wrk may
// saturate first) and "server" (the server's CPU is also capped with a cgroup
// quota, half a core by default, so that the server is the bottleneck).
// It runs as root: it installs wrk, creates a cgroup, sets sysctls for the
// OS-tuning knob (restored afterwards) and raises descriptor limits. It
// stops only the processes it started, by PID, and listens on 127.0.0.1.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	root       string // the main module's directory
	binDir     string
	rawDir     string
	benchTime  time.Duration
	rounds     int
	conns      int
	modes      []string // "server", "wrk"
	quota      float64  // server-bound mode: cores the server may use
	knobs      bool
	idleConns  int
	profile    bool
	writePGO   bool
	only       map[string]bool // servers to run; empty: all
	scenarios  map[string]bool // scenarios to run; empty: all
	report     string
	svg        string
	serverCPUs string // taskset list for the server
	wrkCPUs    string // taskset list for wrk
	wrkThreads int
	shared     bool // one core: server and wrk share it
	cmdline    string

	// The database scenarios.
	dbURL    string   // PostgreSQL (DATABASE_URL); "" skips them
	dbPool   int      // every server's pool size
	dbModes  []string // the modes they run in
	dbRounds int      // rounds they run in; 0: rounds
}

// dbRoundsOr is the number of rounds of the database scenarios.
func (c *config) dbRoundsOr() int {
	if c.dbRounds > 0 && c.dbRounds < c.rounds {
		return c.dbRounds
	}
	return c.rounds
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("suite: ")
	cfg := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		log.Printf("error: %v", err)
		cleanup()
		os.Exit(1)
	}
	cleanup()
}

func parseFlags() *config {
	c := &config{}
	var modes, only, scen, dbModes string
	flag.StringVar(&c.root, "root", "..", "the chopin main module (repository root)")
	flag.DurationVar(&c.benchTime, "time", 5*time.Second, "duration of each wrk run")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds: every server and scenario is measured once per round")
	flag.IntVar(&c.conns, "conns", 256, "wrk connections")
	flag.StringVar(&modes, "modes", "server,wrk", "modes to run: server (server CPU capped by a cgroup quota) and/or wrk (pinning only)")
	flag.Float64Var(&c.quota, "quota", 0.5, "server-bound mode: CPU cores the server may use (cgroup quota)")
	flag.BoolVar(&c.knobs, "knobs", true, "measure the tuning knobs (server-bound mode)")
	flag.IntVar(&c.idleConns, "idle-conns", 10000, "idle keep-alive connections for the memory test (0: skip)")
	flag.BoolVar(&c.profile, "profile", true, "profile the bench server for the cost breakdown and the PGO knob")
	flag.BoolVar(&c.writePGO, "write-pgo", false, "save the collected profile as cmd/bench-server/default.pgo")
	flag.StringVar(&only, "servers", "", "comma-separated servers to run (default all)")
	flag.StringVar(&scen, "scenarios", "", "comma-separated scenarios to run (default all)")
	flag.StringVar(&c.report, "report", "docs/PERFORMANCE.md", "report, relative to -root")
	flag.StringVar(&c.svg, "svg", "docs/performance.svg", "chart, relative to -root")
	flag.StringVar(&c.dbURL, "database-url", os.Getenv("DATABASE_URL"),
		"PostgreSQL for the database scenarios (default $DATABASE_URL; empty: skip them); the suite works in a schema of its own, "+dbSchema)
	flag.IntVar(&c.dbPool, "db-pool", 3, "database scenarios: every server's pool size (the bench server's default with GOMAXPROCS=1)")
	flag.StringVar(&dbModes, "db-modes", "wrk", "modes the database scenarios run in (PostgreSQL is not pinned; a quota on the server mostly measures waiting)")
	flag.IntVar(&c.dbRounds, "db-rounds", 0, "rounds of the database scenarios (0: -rounds)")
	flag.Parse()
	root, err := filepath.Abs(c.root)
	if err != nil {
		log.Fatal(err)
	}
	c.root = root
	c.binDir = filepath.Join(root, "bin", "bench")
	c.rawDir = filepath.Join(root, "bench", "results", "raw")
	c.modes = splitList(modes)
	c.dbModes = splitList(dbModes)
	c.only = setOf(only)
	c.scenarios = setOf(scen)
	c.cmdline = "suite " + strings.Join(os.Args[1:], " ")
	for _, m := range append(append([]string(nil), c.modes...), c.dbModes...) {
		if m != "server" && m != "wrk" {
			log.Fatalf("unknown mode %q", m)
		}
	}
	if c.dbPool < 1 {
		log.Fatal("-db-pool must be ≥ 1")
	}
	if c.rounds < 1 || c.benchTime < time.Second {
		log.Fatal("-rounds must be ≥ 1 and -time ≥ 1s")
	}
	return c
}

// rootPath resolves a path relative to the main module.
func (c *config) rootPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.root, p)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range splitList(s) {
		m[f] = true
	}
	return m
}

func run(ctx context.Context, cfg *config) error {
	start := time.Now()
	if os.Geteuid() != 0 {
		return fmt.Errorf("run as root: the suite installs wrk, creates a cgroup and sets sysctls")
	}
	raiseFileLimit()
	if err := ensureWrk(ctx); err != nil {
		return err
	}
	for _, d := range []string{cfg.binDir, cfg.rawDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	cpuPlan(cfg)
	m := describeMachine(ctx, cfg)
	if l, _ := strconv.ParseFloat(strings.Fields(m.LoadStart + " 0")[0], 64); l > 1 {
		log.Printf("warning: load average %s: other work on this machine will disturb the figures", m.LoadStart)
	}
	log.Printf("machine: %s, %d cores, kernel %s, %s; server on CPU %s, wrk on CPU %s",
		m.CPU, m.Cores, m.Kernel, m.Go, cfg.serverCPUs, cfg.wrkCPUs)

	b := &builder{cfg: cfg}
	if err := b.buildBase(ctx); err != nil {
		return err
	}
	s := newSuite(cfg, b)
	if s.hasDB() {
		d, err := openDatabase(ctx, cfg)
		if err != nil {
			return fmt.Errorf("database scenarios: %w (unset DATABASE_URL or pass -db-modes '' to run without them)", err)
		}
		s.db = d
		m.Postgres = d.version
	}
	if err := s.verifyAll(ctx, s.servers); err != nil {
		return err
	}
	var prof *profileResult
	if cfg.profile {
		p, err := s.profile(ctx)
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		prof = p
	}
	if cfg.knobs && contains(cfg.modes, "server") {
		if err := s.buildKnobs(ctx, prof); err != nil {
			return err
		}
		if err := s.dropBrokenKnobs(ctx); err != nil {
			return err
		}
	}
	if err := s.measureAll(ctx); err != nil {
		return err
	}
	var idle []idleResult
	if cfg.idleConns > 0 {
		idle = s.idleMemory(ctx)
	}
	m.LoadEnd = loadAvg()
	m.Elapsed = time.Since(start).Round(time.Second)
	rep := &report{cfg: cfg, m: m, s: s, prof: prof, idle: idle}
	if err := rep.write(); err != nil {
		return err
	}
	log.Printf("done in %v: %s and %s", m.Elapsed, cfg.report, cfg.svg)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cpuPlan pins the server to the last core and wrk to the others; with one
// core they share it.
func cpuPlan(cfg *config) {
	n := numCPU()
	if n < 2 {
		cfg.serverCPUs, cfg.wrkCPUs, cfg.wrkThreads, cfg.shared = "0", "0", 1, true
		return
	}
	cfg.serverCPUs = fmt.Sprint(n - 1)
	if n == 2 {
		cfg.wrkCPUs = "0"
	} else {
		cfg.wrkCPUs = fmt.Sprintf("0-%d", n-2)
	}
	cfg.wrkThreads = n - 1
}
