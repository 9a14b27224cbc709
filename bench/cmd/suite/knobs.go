package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

// osTuning is the OS side of the design's checklist that applies on one
// machine over loopback: the listen backlog (gnet reads somaxconn once, at
// start-up) and the SYN backlog.
var osTuning = map[string]string{
	"net.core.somaxconn":           "16384",
	"net.ipv4.tcp_max_syn_backlog": "16384",
}

// buildKnobs builds the bench server variants the knobs need and lists the
// knobs: the Go counterparts of the design's checklist, each measured on
// vs off in server-bound mode.
func (s *suite) buildKnobs(ctx context.Context, prof *profileResult) error {
	root, base := s.cfg.root, s.chopin
	both := []string{"pipelined", "json"}
	variant := func(name string, extra []string, procs int, scen []string) *target {
		t := chopinTarget(name, base.bin, extra, procs)
		t.knobSc = map[string]bool{}
		for _, k := range scen {
			t.knobSc[k] = true
		}
		return t
	}
	build := func(name, out string, flags, env []string) (*target, error) {
		bin, err := s.b.build(ctx, root, "./cmd/bench-server", out, flags, env)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// A variant that does not build costs its knob, not the run.
			msg := fmt.Sprintf("knob variant %s not built: %v", name, err)
			log.Print(msg)
			s.failures = append(s.failures, msg)
			return nil, nil
		}
		t := variant(name, nil, 1, both)
		t.bin = bin
		return t, nil
	}
	s.knobBase = variant("chopin (knob baseline)", nil, 1, both)
	log.Printf("building the bench server variants for the knobs")
	add := func(k *knob) { s.knobs = append(s.knobs, k) }
	addIf := func(ok bool, k *knob) {
		if ok {
			add(k)
		}
	}

	add(&knob{name: "GOGC=400", what: "-gcpercent 400 (debug.SetGCPercent): fewer collections, a larger heap",
		on: variant("chopin GOGC=400", []string{"-gcpercent", "400"}, 1, []string{"json"}), off: base,
		scenarios: []string{"json"}})
	add(&knob{name: "GOGC=off + GOMEMLIMIT=256MiB", what: "-gcpercent -1 -memlimit 268435456: collect only near the limit",
		on: variant("chopin GOGC=off,GOMEMLIMIT", []string{"-gcpercent", "-1", "-memlimit", "268435456"}, 1, []string{"json"}), off: base,
		scenarios: []string{"json"}})

	if s.b.basePGO != "" {
		off, err := build("chopin PGO off", "chopin-pgo-off", []string{"-pgo=off"}, nil)
		if err != nil {
			return err
		}
		addIf(off != nil, &knob{name: "PGO", what: "cmd/bench-server/default.pgo (as built by default) vs -pgo=off", on: base, off: off, scenarios: both})
	} else if prof != nil && prof.merged != "" {
		on, err := build("chopin PGO", "chopin-pgo", []string{"-pgo=" + prof.merged}, nil)
		if err != nil {
			return err
		}
		addIf(on != nil, &knob{name: "PGO", what: "-pgo=" + filepath.Base(prof.merged) + " (profile collected by this run) vs none",
			on: on, off: base, scenarios: both})
	}

	v3, err := build("chopin GOAMD64=v3", "chopin-v3", nil, []string{"GOAMD64=v3"})
	if err != nil {
		return err
	}
	if !cpuHasV3() {
		log.Printf("this CPU lacks x86-64-v3 features; skipping GOAMD64=v3")
	} else {
		addIf(v3 != nil, &knob{name: "GOAMD64=v3", what: "built with GOAMD64=v3 (AVX2, BMI2…) vs the default v1", on: v3, off: base, scenarios: both})
	}
	pollOpt, err := build("chopin poll_opt", "chopin-poll-opt", []string{"-tags=poll_opt"}, nil)
	if err != nil {
		return err
	}
	addIf(pollOpt != nil, &knob{name: "gnet poll_opt", what: "built with -tags poll_opt (epoll data holds the connection pointer, no fd map lookup)",
		on: pollOpt, off: base, scenarios: both})

	spareSc := append([]string{"echo", "echo-pipelined"}, both...)
	add(&knob{name: "spare P", what: "the engine's default (GOMAXPROCS raised to loops+1, here 2 on the one core, once a request goes to the fallback: /echo does, /plaintext and /json do not) vs -keep-gomaxprocs (GOMAXPROCS=1); the database scenarios run in wrk-bound mode only, so outside the knobs",
		on: base, off: variant("chopin GOMAXPROCS=loops", []string{"-keep-gomaxprocs"}, 1, spareSc), scenarios: spareSc})
	add(&knob{name: "LockOSThread", what: "-lock-os-thread: each event loop on its own OS thread",
		on: variant("chopin LockOSThread", []string{"-lock-os-thread"}, 1, both), off: base, scenarios: both})
	loops2 := variant("chopin 2 loops/core", nil, 2, both)
	add(&knob{name: "2 loops per core", what: "-loops 2 with GOMAXPROCS=2 on the same single core, vs 1",
		on: loops2, off: base, scenarios: both})
	add(&knob{name: "single listener", what: "-single-listener (one listener, round-robin hand-off) vs SO_REUSEPORT per loop, both with 2 loops",
		on: variant("chopin 2 loops, single listener", []string{"-single-listener"}, 2, both), off: loops2, scenarios: both})
	sys := variant("chopin OS tuning", nil, 1, both)
	sys.sysctls = osTuning
	add(&knob{name: "OS tuning", what: sysctlText(osTuning) + " (set before the server starts, restored after)",
		on: sys, off: base, scenarios: both})
	return nil
}

func sysctlText(kv map[string]string) string {
	var parts []string
	for _, k := range []string{"net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog"} {
		if v, ok := kv[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// cpuHasV3 reports whether the CPU has the x86-64-v3 features GOAMD64=v3
// code assumes (a binary built for v3 refuses to start without them).
func cpuHasV3() bool {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			have := map[string]bool{}
			for _, f := range strings.Fields(v) {
				have[f] = true
			}
			for _, f := range []string{"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "abm"} {
				if !have[f] {
					return false
				}
			}
			return true
		}
	}
	return false
}
