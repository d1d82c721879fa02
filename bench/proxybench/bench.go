package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// benchAll builds the repository's programs, starts the origin, and measures each
// proxy in turn. A proxy that cannot be measured gets an error line, not an abort, so
// one missing package still leaves a useful table.
func benchAll(ctx context.Context, log *slog.Logger, o options, specs []proxySpec, work string) (report, error) {
	logs := filepath.Join(o.out, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return report{}, fmt.Errorf("creating %s: %w", logs, err)
	}
	bins, shoalErr := build(ctx, log, work)
	if bins.origin == "" || bins.goproxy == "" {
		return report{}, shoalErr
	}

	origin, originAddr, err := startOrigin(ctx, o, bins, work, logs)
	if err != nil {
		return report{}, err
	}
	defer origin.stop()

	rep := report{
		Time: time.Now().UTC(), Duration: o.duration.String(), Conns: o.conns, Threads: o.threads,
		BodyBytes: o.size, ProxyCPU: o.proxyCPU, LoadCPU: o.loadCPU, Origin: o.origin,
	}
	for _, spec := range specs {
		if ctx.Err() != nil {
			return report{}, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		r, err := benchOne(ctx, log, o, spec, bins, work, logs, originAddr)
		if spec.name == "shoal" && shoalErr != nil {
			err = shoalErr
		}
		if err != nil {
			log.Warn("proxy not measured", "proxy", spec.name, "err", err)
			r = result{Proxy: spec.name, Error: err.Error()}
		}
		r.Version = versionOf(ctx, spec.name, bins)
		rep.Results = append(rep.Results, r)
	}
	rep.Baseline = setRatios(rep.Results)
	return rep, nil
}

// build compiles origin, goproxy and shoal into work. A shoal that does not build is
// reported against its row (second return) instead of stopping the whole run.
func build(ctx context.Context, log *slog.Logger, work string) (binaries, error) {
	var b binaries
	binDir := filepath.Join(work, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return b, fmt.Errorf("creating %s: %w", binDir, err)
	}
	for _, t := range []struct {
		pkg string
		dst *string
	}{{"./bench/origin", &b.origin}, {"./bench/goproxy", &b.goproxy}, {"./cmd/shoal", &b.shoal}} {
		out := filepath.Join(binDir, filepath.Base(t.pkg))
		log.Info("building", "package", t.pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, t.pkg)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s: %w: %s", t.pkg, err, strings.TrimSpace(string(msg)))
		}
		*t.dst = out
	}
	return b, nil
}

func benchOne(ctx context.Context, log *slog.Logger, o options, spec proxySpec, bins binaries,
	work, logs, originAddr string) (result, error) {
	for _, exe := range spec.needs {
		if _, err := exec.LookPath(exe); err != nil {
			return result{}, fmt.Errorf("%s not installed (scripts/install-deps.sh)", exe)
		}
	}
	dir := filepath.Join(work, spec.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, fmt.Errorf("creating %s: %w", dir, err)
	}
	p, listen, err := startOnFreePort(ctx, spec.name, o.proxyCPU, filepath.Join(logs, spec.name+".log"), o.size,
		func(listen string) ([]string, error) { return spec.command(bins, dir, listen, originAddr) })
	if err != nil {
		return result{}, err
	}
	defer p.stop()
	url := "http://" + listen + "/"
	load := wrkRun{cpu: o.loadCPU, threads: o.threads, conns: o.conns}
	if o.warmup > 0 {
		load.duration = o.warmup
		if _, err := load.run(ctx, dir, url); err != nil {
			return result{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	log.Info("measuring", "proxy", spec.name, "duration", o.duration, "conns", o.conns)
	load.duration = o.duration
	s, err := load.run(ctx, dir, url)
	if err != nil {
		return result{}, err
	}
	r := resultFrom(spec.name, s)
	switch {
	case s.Requests == 0:
		return r, fmt.Errorf("no request completed")
	case s.ErrStatus > 0:
		r.Error = fmt.Sprintf("%d non-2xx responses", s.ErrStatus)
		return r, nil
	case p.exited():
		r.Error = "exited during the run"
		return r, nil
	}
	r.Succeeded = true
	return r, nil
}

// versionOf names what was measured, for the JSON report; best effort.
func versionOf(ctx context.Context, name string, b binaries) string {
	var argv []string
	switch name {
	case "go-reverseproxy":
		return runtime.Version()
	case "shoal":
		if b.shoal == "" {
			return ""
		}
		argv = []string{b.shoal, "version"}
	case "nginx":
		argv = []string{"nginx", "-v"}
	case "haproxy":
		argv = []string{"haproxy", "-v"}
	default:
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return ""
	}
	first, _, _ := bytes.Cut(bytes.TrimSpace(out), []byte("\n"))
	return string(first)
}
