package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// builder compiles the servers into cfg.binDir.
type builder struct {
	cfg     *config
	gobin   string
	basePGO string // the default.pgo the base bench server was built with, if any
}

func (b *builder) goCmd() string {
	if b.gobin != "" {
		return b.gobin
	}
	b.gobin = "go"
	if _, err := exec.LookPath("go"); err != nil {
		b.gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	return b.gobin
}

// build runs go build in dir (the main module or the bench module) for pkg
// into bin/bench/out, with extra build flags and environment.
func (b *builder) build(ctx context.Context, dir, pkg, out string, flags, env []string) (string, error) {
	path := filepath.Join(b.cfg.binDir, out)
	args := append([]string{"build", "-o", path}, flags...)
	args = append(args, pkg)
	var err error
	for try := 0; try < 2; try++ { // once more: a build cache shared with other work can fail transiently
		cmd := exec.CommandContext(ctx, b.goCmd(), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		var outb []byte
		if outb, err = cmd.CombinedOutput(); err == nil {
			return path, nil
		}
		err = fmt.Errorf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, outb)
		log.Printf("build failed: %v", err)
	}
	return "", err
}

// buildBase builds the bench server as `go build` does by default (with
// cmd/bench-server/default.pgo if there is one), every peer and idlemem.
func (b *builder) buildBase(ctx context.Context) error {
	root, benchDir := b.cfg.root, filepath.Join(b.cfg.root, "bench")
	log.Printf("building the servers into %s", b.cfg.binDir)
	b.basePGO = b.defaultPGO()
	if _, err := b.build(ctx, root, "./cmd/bench-server", "chopin", nil, nil); err != nil {
		return err
	}
	if _, err := b.build(ctx, root, "./cmd/idlemem", "idlemem", nil, nil); err != nil {
		return err
	}
	for _, p := range []string{"nethttp", "fasthttp", "gnetmin", "ceiling"} {
		if _, err := b.build(ctx, benchDir, "./servers/"+p, p, nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// defaultPGO is the profile the bench server's default build uses, if any.
func (b *builder) defaultPGO() string {
	p := filepath.Join(b.cfg.root, "cmd", "bench-server", "default.pgo")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}
