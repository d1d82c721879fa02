package local

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
)

func TestPickVictimsOrder(t *testing.T) {
	t0 := time.Now()
	mk := func(id string, seq int, st State, age time.Duration, addr string) *instance {
		return &instance{id: id, seq: seq, state: st, startedAt: t0.Add(-age), addr: addr}
	}
	oldReady := mk("old", 1, StateReady, 10*time.Second, "a")
	newReady := mk("new", 2, StateReady, 1*time.Second, "b")
	busyNew := mk("busy", 3, StateReady, 0, "c")
	starting := mk("starting", 4, StateStarting, 0, "")
	failed := mk("failed", 5, StateFailed, 20*time.Second, "")
	load := map[string]int64{"a": 0, "b": 0, "c": 7}
	m := &Manager{opts: Options{Load: func(addr string) int64 { return load[addr] }}}

	got := m.pickVictims([]*instance{oldReady, newReady, busyNew, starting, failed}, 5)
	var ids []string
	for _, in := range got {
		ids = append(ids, in.id)
	}
	want := []string{"failed", "starting", "new", "old", "busy"}
	if !slices.Equal(ids, want) {
		t.Errorf("victim order %v, want %v", ids, want)
	}
	if n := len(m.pickVictims([]*instance{oldReady}, 3)); n != 1 {
		t.Errorf("picked %d of 1", n)
	}
}

func TestLogFileRotatesAndLogsReadsBoth(t *testing.T) {
	dir := t.TempDir()
	m := New(Options{LogDir: dir})
	defer m.spawn.close()
	mustSetSpec(t, m, "svc", Spec{Command: "true"})
	lf, err := openLogFile(filepath.Join(dir, "svc", "svc-1.log"), 400)
	if err != nil {
		t.Fatal(err)
	}
	w := &streamWriter{lf: lf, stream: "stdout"}
	for i := range 20 {
		_, _ = w.Write([]byte("line " + strings.Repeat("x", i%3) + "\r\n"))
	}
	_, _ = w.Write([]byte("partial"))
	w.flush()
	lf.close()

	for _, name := range []string{"svc-1.log", "svc-1.log.1"} {
		st, err := os.Stat(filepath.Join(dir, "svc", name))
		if err != nil || st.Size() > 400 {
			t.Fatalf("%s: %v, size %v (cap 400)", name, err, st)
		}
	}
	lines, err := m.Logs("svc", "svc-1", "", 3)
	if err != nil || len(lines) != 3 || lines[2].Text != "partial" || lines[1].Text != "line x" {
		t.Fatalf("Logs(limit 3) = %+v, %v", lines, err)
	}
	xs, _ := m.Logs("svc", "", "line xx", 0)
	old, _ := m.Logs("svc", "", "", 0)
	if len(xs) == 0 || len(old) < 6 || len(old) >= 21 {
		t.Errorf("filter gave %d lines, all %d (some rotated away)", len(xs), len(old))
	}
	for _, l := range xs {
		if l.Text != "line xx" || l.Stream != "stdout" || l.Instance != "svc-1" {
			t.Errorf("bad line %+v", l)
		}
	}
	if _, err := m.Logs("svc", "svc-9", "", 0); err == nil {
		t.Error("Logs of an instance without a log succeeded")
	}
	if _, err := m.Logs("other", "", "", 0); err == nil {
		t.Error("Logs of an unknown service succeeded")
	}
}

func TestSpecFromConfig(t *testing.T) {
	run := &config.Run{
		Command: "./bin/api", Args: []string{"-v"}, Env: map[string]string{"MODE": "x"},
		Dir: "work", PortEnv: "HTTP_PORT", StopSignal: "SIGINT", Grace: config.Duration(3 * time.Second),
		Ready: config.Probe{Path: "/ready", Interval: config.Duration(time.Second), Timeout: config.Duration(time.Minute)},
	}
	s, err := SpecFromConfig(run, "/etc/shoal", "")
	if err != nil {
		t.Fatal(err)
	}
	if s.StopSignal != syscall.SIGINT || s.Grace != 3*time.Second || s.PortEnv != "HTTP_PORT" ||
		s.Probe != (Probe{Path: "/ready", Interval: time.Second, Timeout: time.Minute}) || s.Env["MODE"] != "x" {
		t.Errorf("spec %+v", s)
	}
	if p, _ := s.resolveCommand(); p != "/etc/shoal/bin/api" {
		t.Errorf("command resolved to %s", p)
	}
	if d := s.workDir(); d != "/etc/shoal/work" {
		t.Errorf("dir resolved to %s", d)
	}
	if d := (Spec{BaseDir: "/etc/shoal"}).workDir(); d != "" {
		t.Errorf("empty dir resolved to %s, want Shoal's working directory", d)
	}
	run.StopSignal = "SIGWHAT"
	if _, err := SpecFromConfig(run, "", ""); err == nil {
		t.Error("unknown signal accepted")
	}
	run.StopSignal = ""
	run.Env = map[string]string{"HTTP_PORT": "1"}
	if _, err := SpecFromConfig(run, "", ""); err == nil {
		t.Error("env overriding the port variable accepted")
	}
}

func TestSpecDefaultsAndValidation(t *testing.T) {
	s := Spec{Command: "x"}.withDefaults()
	if s.PortEnv != "PORT" || s.StopSignal != syscall.SIGTERM || s.Grace != 10*time.Second ||
		s.Probe.Interval != 200*time.Millisecond || s.Probe.Timeout != 60*time.Second {
		t.Errorf("defaults %+v", s)
	}
	m := New(Options{})
	defer m.spawn.close()
	for name, bad := range map[string]Spec{
		"empty command": {Command: " "},
		"probe path":    {Command: "x", Probe: Probe{Path: "ready"}},
	} {
		if err := m.SetSpec("svc", bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := m.SetSpec("../up", Spec{Command: "x"}); err == nil {
		t.Error("service name with a slash accepted")
	}
	if _, err := s.resolveCommand(); !strings.Contains(err.Error(), "command not found") {
		t.Errorf("missing PATH command: %v", err)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "int": syscall.SIGINT, " sigquit ": syscall.SIGQUIT} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSignal("SIGNOPE"); err == nil {
		t.Error("unknown signal accepted")
	}
	if signalName(syscall.SIGKILL) != "SIGKILL" || signalName(syscall.Signal(63)) != "signal 63" {
		t.Error("signal names")
	}
}

func TestInstanceEnv(t *testing.T) {
	in := &instance{id: "api-3", svc: &service{name: "api"}}
	spec := Spec{Env: map[string]string{"MODE": "prod", "HOME": "/srv", "SHOAL_INSTANCE": "fake"}}.withDefaults()
	env := instanceEnv([]string{"HOME=/root", "PATH=/bin", "PORT=1"}, spec, in, 4242)
	want := []string{"PATH=/bin", "HOME=/srv", "MODE=prod", "PORT=4242", "SHOAL_INSTANCE=api-3", "SHOAL_SERVICE=api"}
	if !slices.Equal(env, want) {
		t.Errorf("env %v, want %v", env, want)
	}
}
