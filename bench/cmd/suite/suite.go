package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Accept fields TechEmpower's wrk sends.
const (
	acceptPlain = "text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7"
	acceptJSON  = "application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7"
	acceptHTML  = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	echoBody    = `{"id":12345,"name":"benchmark","tags":["a","b","c"],"ok":true}`
)

// The counts of the database scenarios: TechEmpower's headline figures
// for multiple queries and updates are at 20 per request; cached queries
// run at 100, the largest count of its test.
const (
	queriesN = 20
	cachedN  = 100
)

// scenario is one kind of load.
type scenario struct {
	key, title  string
	short       string // the chart's panel title
	path        string
	pipeline    int
	accept      string
	script      string   // wrk script replacing the default request
	servers     []string // the servers that take part
	debugRoutes bool     // the bench server needs -debug-routes (/echo)
	db          bool     // served from PostgreSQL: run in the -db-modes only
}

// target is one server command: a peer, the bench server, or the bench
// server with one knob turned.
type target struct {
	name    string // as the report shows it
	bin     string
	extra   []string // flags after the common ones
	procs   int      // GOMAXPROCS
	env     []string
	sysctls map[string]string
	args    func(addr string, sc *scenario) []string
	knobSc  map[string]bool // knob variants: the scenarios they are measured on
}

// knob is one tuning measured on vs off; one side is usually the bench
// server as built and run by default.
type knob struct {
	name, what string
	on, off    *target
	scenarios  []string
}

// sample is one measurement.
type sample struct {
	round        int
	rps          float64
	p99          time.Duration
	reqPerCPU    float64 // requests per second of server CPU
	reqPerAllCPU float64 // requests per second of server and database CPU (database scenarios)
	dbCPU        float64 // cores PostgreSQL used (database scenarios)
	allocs       float64 // heap allocations per request, steady state (connections open)
	allocsRun    float64 // heap allocations per request over the server's life
	serverCPU    float64 // cores the server used
	wrkCPU       float64 // cores wrk used
	throttled    time.Duration
	foreign      float64 // cores other processes used on the benchmark's CPUs
	retried      bool    // measured again because other work disturbed the first try
	errors       string
	serverReqs   int64
}

type resKey struct{ mode, scenario, target string }

type suite struct {
	cfg       *config
	b         *builder
	scenarios []*scenario
	servers   []*target // the main tables' servers
	chopin    *target
	knobBase  *target // the base build again, measured among the knob variants
	knobs     []*knob
	results   map[resKey][]sample
	failures  []string
	outDir    string // wrk outputs of this run
	runN      int
	db        *database // the database scenarios' PostgreSQL, nil when they do not run
}

// hasDB reports whether any database scenario is to run.
func (s *suite) hasDB() bool {
	for _, sc := range s.scenarios {
		if sc.db {
			return true
		}
	}
	return false
}

func newSuite(cfg *config, b *builder) *suite {
	s := &suite{cfg: cfg, b: b, results: map[resKey][]sample{}}
	bin := func(n string) string { return filepath.Join(cfg.binDir, n) }
	tfb := []string{"chopin", "fasthttp", "nethttp", "gnetmin", "ceiling"}
	fb := []string{"chopin", "nethttp"}                    // the fallback's scenarios: the same handler on both
	dbServers := []string{"chopin", "fasthttp", "nethttp"} // the gnet peers have no database
	echo, echoPipe := writeEchoScripts(cfg.binDir, 16)
	all := []*scenario{
		{key: "pipelined", title: "plaintext, pipelined 16 deep", short: "plaintext, pipelined 16", path: "/plaintext", pipeline: 16, accept: acceptPlain, servers: tfb},
		{key: "plaintext", title: "plaintext", path: "/plaintext", accept: acceptPlain, servers: tfb},
		{key: "json", title: "json (serialized per request)", path: "/json", accept: acceptJSON, servers: tfb},
		{key: "echo", title: "POST /echo (net/http handler: chopin's fallback vs net/http)", path: "/echo",
			script: echo, servers: fb, debugRoutes: true},
		{key: "echo-pipelined", title: "POST /echo, pipelined 16 deep (net/http handler: chopin's fallback vs net/http)",
			short: "echo, pipelined 16", path: "/echo", pipeline: 16, script: echoPipe, servers: fb, debugRoutes: true},
		{key: "db", title: "/db: one row per request", short: "/db", path: "/db", accept: acceptJSON, servers: dbServers, db: true},
		{key: "queries", title: fmt.Sprintf("/queries?queries=%d: %d rows per request, a query each", queriesN, queriesN),
			short: fmt.Sprintf("/queries?queries=%d", queriesN), path: fmt.Sprintf("/queries?queries=%d", queriesN), accept: acceptJSON, servers: dbServers, db: true},
		{key: "fortunes", title: "/fortunes: 12 rows, sorted and escaped into HTML", short: "/fortunes", path: "/fortunes", accept: acceptHTML, servers: dbServers, db: true},
		{key: "updates", title: fmt.Sprintf("/updates?queries=%d: %d rows read and written back in one statement", queriesN, queriesN),
			short: fmt.Sprintf("/updates?queries=%d", queriesN), path: fmt.Sprintf("/updates?queries=%d", queriesN), accept: acceptJSON, servers: dbServers, db: true},
		{key: "cached", title: fmt.Sprintf("/cached-queries?count=%d: %d rows from the in-process cache", cachedN, cachedN),
			short: fmt.Sprintf("/cached-queries?count=%d", cachedN), path: fmt.Sprintf("/cached-queries?count=%d", cachedN), accept: acceptJSON, servers: dbServers, db: true},
	}
	for _, sc := range all {
		if sc.db && (cfg.dbURL == "" || len(cfg.dbModes) == 0) {
			continue // said in the report: no DATABASE_URL or -db-modes ""
		}
		if len(cfg.scenarios) == 0 || cfg.scenarios[sc.key] {
			s.scenarios = append(s.scenarios, sc)
		}
	}
	s.chopin = chopinTarget("chopin", bin("chopin"), nil, 1)
	peers := map[string]*target{
		"chopin":   s.chopin,
		"fasthttp": peerTarget("fasthttp", bin("fasthttp")),
		"nethttp":  peerTarget("net/http", bin("nethttp")),
		"gnetmin":  peerTarget("gnet+minimal parser", bin("gnetmin")),
		"ceiling":  ceilingTarget(bin("ceiling")),
	}
	for _, k := range tfb {
		if len(cfg.only) == 0 || cfg.only[k] {
			s.servers = append(s.servers, peers[k])
		}
	}
	return s
}

// chopinTarget is the bench server with one event loop per GOMAXPROCS
// (procs), the debug routes only where the echo scenarios need them.
func chopinTarget(name, bin string, extra []string, procs int) *target {
	t := &target{name: name, bin: bin, extra: extra, procs: procs}
	t.args = func(addr string, sc *scenario) []string {
		a := []string{"-addr", addr, "-loops", strconv.Itoa(t.procs)}
		if sc.debugRoutes {
			a = append(a, "-debug-routes")
		}
		return append(a, t.extra...)
	}
	return t
}

func peerTarget(name, bin string) *target {
	return &target{name: name, bin: bin, procs: 1, args: func(addr string, _ *scenario) []string {
		return []string{"-addr", addr}
	}}
}

// ceilingTarget writes the canned response of the scenario's route.
func ceilingTarget(bin string) *target {
	return &target{name: "ceiling (no parsing)", bin: bin, procs: 1, args: func(addr string, sc *scenario) []string {
		resp := "plaintext"
		if sc.key == "json" {
			resp = "json"
		}
		return []string{"-addr", addr, "-response", resp}
	}}
}

// key names a target in results: the main servers by their binary, knob
// variants by their name.
func (t *target) key() string { return t.name }

func (s *suite) serverNamed(key string) *target {
	for _, t := range s.servers {
		if filepath.Base(t.bin) == key {
			return t
		}
	}
	return nil
}

// scenariosOf lists the scenarios a target is measured on.
func (s *suite) scenariosOf(t *target) []*scenario {
	var out []*scenario
	for _, sc := range s.scenarios {
		if t.knobSc != nil {
			if t.knobSc[sc.key] {
				out = append(out, sc)
			}
			continue
		}
		for _, k := range sc.servers {
			if s.serverNamed(k) == t {
				out = append(out, sc)
				break
			}
		}
	}
	return out
}

// dropBrokenKnobs verifies the knob variants and drops the knobs whose
// variant does not start or answer wrongly (a build tag that no longer
// builds, sysctls a container may not set), so that one knob cannot stop
// the suite.
func (s *suite) dropBrokenKnobs(ctx context.Context) error {
	bad := map[*target]bool{}
	for _, t := range s.knobTargets() {
		if err := s.verifyAll(ctx, []*target{t}); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			msg := fmt.Sprintf("knob variant %s dropped: %v", t.name, err)
			log.Print(msg)
			s.failures = append(s.failures, msg)
			bad[t] = true
		}
	}
	kept := s.knobs[:0]
	for _, k := range s.knobs {
		if !bad[k.on] && !bad[k.off] {
			kept = append(kept, k)
		}
	}
	s.knobs = kept
	return nil
}

// knobTargets lists the knob variants (each once) and the knob block's own
// run of the base server, not the main tables' one.
func (s *suite) knobTargets() []*target {
	var out []*target
	if s.knobBase != nil && len(s.knobs) > 0 {
		out = append(out, s.knobBase)
	}
	seen := map[*target]bool{s.chopin: true}
	for _, k := range s.knobs {
		for _, t := range []*target{k.on, k.off} {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// job is one run: a target under a scenario's load in a mode.
type job struct {
	mode  string
	sc    *scenario
	t     *target
	round int
}

// modeJobs is one mode's runs.
type modeJobs struct {
	mode string
	jobs []job
}

// planModes lists the modes that run: -modes, then any of -db-modes that
// -modes lacks (for the database scenarios alone).
func (s *suite) planModes() []string {
	modes := append([]string(nil), s.cfg.modes...)
	for _, sc := range s.scenarios {
		if sc.db {
			for _, m := range s.cfg.dbModes {
				if !contains(modes, m) {
					modes = append(modes, m)
				}
			}
			break
		}
	}
	return modes
}

// plan lists every mode's runs: in each round every scenario, and in it
// every server (and in server-bound mode every knob variant) once, the
// order rotated from round to round so that drift in the machine's speed
// falls on all servers alike. The database scenarios run in the first
// -db-rounds rounds only.
func (s *suite) plan() []modeJobs {
	var plan []modeJobs
	for _, mode := range s.planModes() {
		var jobs []job
		for r := 0; r < s.cfg.rounds; r++ {
			for _, sc := range s.scenarios {
				if !s.runsIn(sc, mode) || (sc.db && r >= s.cfg.dbRoundsOr()) {
					continue
				}
				var ts []*target
				for _, k := range sc.servers {
					if t := s.serverNamed(k); t != nil {
						ts = append(ts, t)
					}
				}
				if mode == "server" && s.cfg.knobs {
					for _, t := range s.knobTargets() {
						if t.knobSc[sc.key] {
							ts = append(ts, t)
						}
					}
				}
				for i := range ts {
					jobs = append(jobs, job{mode, sc, ts[(i+r)%len(ts)], r})
				}
			}
		}
		plan = append(plan, modeJobs{mode, jobs})
	}
	return plan
}

// measureAll runs the plan, mode by mode; server-bound mode inside the
// suite's cgroup, which is removed afterwards.
func (s *suite) measureAll(ctx context.Context) error {
	plan := s.plan()
	total := 0
	for _, p := range plan {
		total += len(p.jobs)
	}
	est := time.Duration(total) * (s.cfg.benchTime + 500*time.Millisecond)
	log.Printf("measuring: %d runs of %v, about %v", total, s.cfg.benchTime, est.Round(time.Minute))
	done, retries := 0, 0
	for _, p := range plan {
		var cg *cgroup
		if p.mode == "server" {
			var err error
			if cg, err = newCgroup(s.cfg.quota); err != nil {
				msg := fmt.Sprintf("server-bound mode skipped: %v", err)
				log.Print(msg)
				s.failures = append(s.failures, msg)
				done += len(p.jobs)
				continue
			}
		}
		for _, j := range p.jobs {
			if err := ctx.Err(); err != nil {
				return err
			}
			done++
			s.runJob(ctx, j, cg, fmt.Sprintf("[%d/%d]", done, total), &retries, total/6)
		}
		if cg != nil {
			cg.remove()
		}
	}
	return nil
}

// runJob measures one job and records the sample or the failure. A run
// that other processes disturbed is measured once more after a pause,
// while the retry budget lasts.
func (s *suite) runJob(ctx context.Context, j job, cg *cgroup, tag string, retries *int, budget int) {
	smp, err := s.measure(ctx, j.mode, j.sc, j.t, cg)
	if err == nil && smp.foreign > maxForeign && *retries < budget {
		*retries++
		log.Printf("%s other processes used %.2f core of CPUs %s,%s; measuring %s again",
			tag, smp.foreign, s.cfg.serverCPUs, s.cfg.wrkCPUs, j.t.name)
		time.Sleep(3 * time.Second)
		smp, err = s.measure(ctx, j.mode, j.sc, j.t, cg)
		smp.retried = true
	}
	smp.round = j.round
	if err != nil {
		msg := fmt.Sprintf("%s-bound %s %s round %d: %v", j.mode, j.sc.key, j.t.name, j.round+1, err)
		log.Printf("%s FAILED %s", tag, msg)
		s.failures = append(s.failures, msg)
		return
	}
	k := resKey{j.mode, j.sc.key, j.t.key()}
	s.results[k] = append(s.results[k], smp)
	db := ""
	if j.sc.db {
		db = fmt.Sprintf("/db %.2f", smp.dbCPU)
	}
	log.Printf("%s %s-bound %-9s %-28s %9.0f req/s  p99 %-8v %8.0f req/CPU-s  cpu %.2f/wrk %.2f%s/other %.2f  allocs/req %.3f %s",
		tag, j.mode, j.sc.key, j.t.name, smp.rps, smp.p99.Round(10*time.Microsecond),
		smp.reqPerCPU, smp.serverCPU, smp.wrkCPU, db, smp.foreign, smp.allocs, smp.errors)
}

// maxForeign is the CPU other processes may use on the benchmark's cores
// (in cores, averaged over a run) before the run counts as disturbed.
const maxForeign = 0.10

// runsIn reports whether sc is measured in mode: the database scenarios
// in the -db-modes, every other scenario in every one of -modes.
func (s *suite) runsIn(sc *scenario, mode string) bool {
	if sc.db {
		return contains(s.cfg.dbModes, mode)
	}
	return contains(s.cfg.modes, mode)
}

// measure runs one server under one wrk run.
func (s *suite) measure(ctx context.Context, mode string, sc *scenario, t *target, cg *cgroup) (sample, error) {
	var smp sample
	if len(t.sysctls) > 0 {
		restore, err := setSysctls(t.sysctls)
		if err != nil {
			return smp, err
		}
		defer restore()
	}
	if sc.db && s.db.dirty {
		if err := s.db.reset(ctx); err != nil {
			return smp, err
		}
	}
	if sc.key == "updates" {
		defer func() { s.db.dirty = true }()
	}
	srv, err := s.start(t, sc, cg, "-stats-every", "1s")
	if err != nil {
		return smp, err
	}
	stopped := false
	defer func() {
		if !stopped {
			srv.kill()
		}
	}()
	cpu0, err := procCPU(srv.pid)
	if err != nil {
		return smp, err
	}
	var thr0 time.Duration
	if cg != nil {
		_, thr0 = cg.throttled()
	}
	cores := append(cpuList(s.cfg.serverCPUs), cpuList(s.cfg.wrkCPUs)...)
	if s.cfg.shared {
		cores = cpuList(s.cfg.serverCPUs)
	}
	var pg0 map[int]time.Duration
	if sc.db {
		// PostgreSQL is not pinned: the run uses the whole machine, and
		// the database's processes are counted apart from "other".
		cores = allCores()
		pg0 = postgresCPU()
	}
	busy0 := coreBusy(cores)
	w, err := runWrk(ctx, s.cfg, "http://"+srv.addr+sc.path, s.cfg.benchTime, sc)
	s.keepOutput(mode, sc, t, w.output)
	if err != nil {
		return smp, err
	}
	cpu1, err := procCPU(srv.pid)
	if err != nil {
		return smp, err
	}
	busy := coreBusy(cores) - busy0
	var pg time.Duration
	if sc.db {
		pg = postgresCPUSince(pg0)
	}
	if cg != nil {
		_, thr1 := cg.throttled()
		smp.throttled = thr1 - thr0
	}
	out, err := srv.stop()
	stopped = true
	if err != nil {
		return smp, err
	}
	if err := smp.fill(w, cpu1-cpu0, busy, pg, out); err != nil {
		return smp, err
	}
	if w.requests == 0 {
		return smp, fmt.Errorf("wrk completed no request: %s", lastLines(w.output, 4))
	}
	return smp, nil
}

// fill computes a sample from wrk's run, the server's CPU time over it,
// the benchmark cores' busy time, PostgreSQL's CPU time (database
// scenarios) and the server's log.
func (smp *sample) fill(w wrkRun, cpu, busy, pg time.Duration, log string) error {
	reqs, allocs, ok := totals(log)
	if !ok {
		return fmt.Errorf("no totals line in the server's log: %s", lastLines(log, 3))
	}
	smp.rps, smp.p99, smp.errors = w.rps, w.p99, w.errors
	smp.allocsRun, smp.serverReqs = allocs, reqs
	smp.allocs = allocs
	if v, ok := steadyAllocs(log); ok {
		smp.allocs = v
	}
	if cpu > 0 {
		smp.reqPerCPU = float64(w.requests) / cpu.Seconds()
	}
	if pg > 0 {
		smp.reqPerAllCPU = float64(w.requests) / (cpu + pg).Seconds()
	}
	smp.serverCPU = cpu.Seconds() / w.wall.Seconds()
	smp.wrkCPU = w.cpu.Seconds() / w.wall.Seconds()
	smp.dbCPU = pg.Seconds() / w.wall.Seconds()
	// What the benchmark's cores did besides the server, wrk and the
	// database: other processes (and a little unattributed interrupt time).
	smp.foreign = max(0, (busy-cpu-w.cpu-pg).Seconds()/w.wall.Seconds())
	return nil
}

// keepOutput saves wrk's output of every run in the raw results directory,
// for checking a figure after the fact.
func (s *suite) keepOutput(mode string, sc *scenario, t *target, out string) {
	if s.outDir == "" {
		s.outDir = filepath.Join(s.cfg.rawDir, "wrk-"+time.Now().UTC().Format("20060102T150405Z"))
		os.MkdirAll(s.outDir, 0o755)
	}
	s.runN++
	name := fmt.Sprintf("%03d-%s-%s-%s.txt", s.runN, mode, sc.key, strings.NewReplacer(" ", "_", "/", "_", "(", "", ")", "", ",", "").Replace(t.name))
	os.WriteFile(filepath.Join(s.outDir, name), []byte(out), 0o644)
}

// stat is the summary of one result cell.
type stat struct {
	n                            int
	rps, rpsMin, rpsMax          float64
	p99                          time.Duration
	reqPerCPU, allocs, allocsRun float64
	reqPerAllCPU, dbCPU          float64
	foreign                      float64 // median
	retried, disturbed           int     // runs measured again; runs kept though disturbed
	serverCPU, wrkCPU, throttled float64
	errors                       string
}

func (s *suite) stat(mode, sc, target string) (stat, bool) {
	xs := s.results[resKey{mode, sc, target}]
	if len(xs) == 0 {
		return stat{}, false
	}
	st := stat{n: len(xs)}
	get := func(f func(sample) float64) float64 {
		v := make([]float64, len(xs))
		for i, x := range xs {
			v[i] = f(x)
		}
		return median(v)
	}
	st.rps = get(func(x sample) float64 { return x.rps })
	st.rpsMin, st.rpsMax = xs[0].rps, xs[0].rps
	for _, x := range xs {
		st.rpsMin, st.rpsMax = min(st.rpsMin, x.rps), max(st.rpsMax, x.rps)
		if x.errors != "" && st.errors == "" {
			st.errors = x.errors
		}
	}
	var p99s []float64 // a run whose latency wrk did not print does not count
	for _, x := range xs {
		if x.p99 > 0 {
			p99s = append(p99s, float64(x.p99))
		}
	}
	st.p99 = time.Duration(median(p99s))
	st.reqPerCPU = get(func(x sample) float64 { return x.reqPerCPU })
	st.reqPerAllCPU = get(func(x sample) float64 { return x.reqPerAllCPU })
	st.dbCPU = get(func(x sample) float64 { return x.dbCPU })
	st.allocs = get(func(x sample) float64 { return x.allocs })
	st.allocsRun = get(func(x sample) float64 { return x.allocsRun })
	st.serverCPU = get(func(x sample) float64 { return x.serverCPU })
	st.wrkCPU = get(func(x sample) float64 { return x.wrkCPU })
	st.throttled = get(func(x sample) float64 { return x.throttled.Seconds() })
	st.foreign = get(func(x sample) float64 { return x.foreign })
	for _, x := range xs {
		if x.retried {
			st.retried++
		}
		if x.foreign > maxForeign {
			st.disturbed++
		}
	}
	return st, true
}

// ratio is the median over rounds of a's figure over b's in the same round
// (f picks the figure: req/s or req per CPU-second), so that slow drift in
// the machine's speed cancels.
func (s *suite) ratio(mode, sc, a, b string, f func(sample) float64) (float64, bool) {
	rs := ratios(s, mode, sc, a, b, f)
	return median(rs), len(rs) > 0
}

// knobValues returns t's figure per round in server-bound mode; for the
// base build it is the mean of the main table's run and the knob block's
// own run of it in that round, which halves the weight of either one's
// position in the round.
func (s *suite) knobValues(sc string, t *target, f func(sample) float64) map[int]float64 {
	out := map[int]float64{}
	if t != s.chopin || s.knobBase == nil {
		for _, x := range s.results[resKey{"server", sc, t.key()}] {
			out[x.round] = f(x)
		}
		return out
	}
	n := map[int]int{}
	for _, key := range []string{s.chopin.key(), s.knobBase.key()} {
		for _, x := range s.results[resKey{"server", sc, key}] {
			out[x.round] += f(x)
			n[x.round]++
		}
	}
	for r := range out {
		out[r] /= float64(n[r])
	}
	return out
}

// knobRatios lists, sorted, on's figure over off's per round.
func (s *suite) knobRatios(sc string, k *knob, f func(sample) float64) []float64 {
	on, off := s.knobValues(sc, k.on, f), s.knobValues(sc, k.off, f)
	var rs []float64
	for r, v := range on {
		if w, ok := off[r]; ok && w > 0 {
			rs = append(rs, v/w)
		}
	}
	sort.Float64s(rs)
	return rs
}

// ratios lists, sorted, a's figure over b's for every round both ran in.
func ratios(s *suite, mode, sc, a, b string, f func(sample) float64) []float64 {
	xa, xb := s.results[resKey{mode, sc, a}], s.results[resKey{mode, sc, b}]
	var rs []float64
	for _, x := range xa {
		for _, y := range xb {
			if x.round == y.round && f(y) > 0 {
				rs = append(rs, f(x)/f(y))
			}
		}
	}
	sort.Float64s(rs)
	return rs
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	w := append([]float64(nil), v...)
	sort.Float64s(w)
	if n := len(w); n%2 == 1 {
		return w[n/2]
	} else {
		return (w[n/2-1] + w[n/2]) / 2
	}
}

func rpsOf(x sample) float64    { return x.rps }
func perCPUOf(x sample) float64 { return x.reqPerCPU }
