package local

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Spec says how to start and stop one instance of a service.
type Spec struct {
	// Command is the program. With no slash it is looked up in PATH; a
	// relative path with a slash is taken relative to BaseDir.
	Command string
	// Args are passed to the program as they are.
	Args []string
	// Env is added to Shoal's own environment (it wins over it).
	Env map[string]string
	// Dir is the working directory, relative to BaseDir. Empty: Shoal's
	// working directory (as the config reference promises).
	Dir string
	// BaseDir anchors relative Command and Dir, usually the directory of
	// the config file. Empty: Shoal's working directory.
	BaseDir string
	// PortEnv names the variable that carries the instance's port. Default PORT.
	PortEnv string
	// Probe decides when a starting instance is ready.
	Probe Probe
	// StopSignal asks an instance to stop. Default SIGTERM.
	StopSignal syscall.Signal
	// Grace bounds the drain and then the time between StopSignal and
	// SIGKILL. Default 10s.
	Grace time.Duration
	// LogDir is where <service>/<id>.log files go. Empty: Options.LogDir.
	LogDir string
}

// Probe checks whether a starting instance is ready for traffic.
type Probe struct {
	// Path is the HTTP path to GET; any 2xx or 3xx answer means ready.
	// Empty: a TCP connect to the port means ready.
	Path string
	// Interval between checks. Default 200ms.
	Interval time.Duration
	// Timeout is the startup bound: an instance not ready by then is killed
	// and restarted with backoff. Default 60s.
	Timeout time.Duration
}

const (
	defaultPortEnv       = "PORT"
	defaultProbeInterval = 200 * time.Millisecond
	defaultStartTimeout  = 60 * time.Second
	defaultGrace         = 10 * time.Second
)

// withDefaults fills the zero fields, so the rest of the package never
// checks for them.
func (s Spec) withDefaults() Spec {
	if s.PortEnv == "" {
		s.PortEnv = defaultPortEnv
	}
	if s.Probe.Interval <= 0 {
		s.Probe.Interval = defaultProbeInterval
	}
	if s.Probe.Timeout <= 0 {
		s.Probe.Timeout = defaultStartTimeout
	}
	if s.StopSignal == 0 {
		s.StopSignal = syscall.SIGTERM
	}
	if s.Grace <= 0 {
		s.Grace = defaultGrace
	}
	return s
}

// validate rejects specs that can never work. A command that is missing on
// disk is not rejected here: it may appear later (a build still running),
// so it is reported per attempt as the instance's exit reason.
func (s Spec) validate() error {
	if strings.TrimSpace(s.Command) == "" {
		return errors.New("command is empty")
	}
	if s.Probe.Path != "" && !strings.HasPrefix(s.Probe.Path, "/") {
		return fmt.Errorf("probe path %q must start with /", s.Probe.Path)
	}
	if _, ok := s.Env[s.PortEnv]; ok {
		return fmt.Errorf("env %s is set by Shoal to the instance's port", s.PortEnv)
	}
	return nil
}

// resolveCommand turns Command into an absolute program path, with an error
// meant for people when it cannot be run.
func (s Spec) resolveCommand() (string, error) {
	if !strings.Contains(s.Command, "/") {
		p, err := exec.LookPath(s.Command)
		if err != nil {
			return "", fmt.Errorf("command not found: %s is not in PATH", s.Command)
		}
		return p, nil
	}
	p := s.Command
	if !filepath.IsAbs(p) {
		p = filepath.Join(s.baseDir(), p)
	}
	return p, nil
}

// workDir is the absolute working directory of an instance ("" = inherit).
func (s Spec) workDir() string {
	switch {
	case s.Dir == "":
		return ""
	case filepath.IsAbs(s.Dir):
		return s.Dir
	default:
		return filepath.Join(s.baseDir(), s.Dir)
	}
}

func (s Spec) baseDir() string {
	if s.BaseDir != "" {
		return s.BaseDir
	}
	return "."
}

// equal reports whether two specs start identical instances; a SetSpec with
// an equal spec must not replace running instances.
func (s Spec) equal(o Spec) bool {
	if s.Command != o.Command || s.Dir != o.Dir || s.BaseDir != o.BaseDir || s.PortEnv != o.PortEnv ||
		s.Probe != o.Probe || s.StopSignal != o.StopSignal || s.Grace != o.Grace || s.LogDir != o.LogDir ||
		len(s.Args) != len(o.Args) || len(s.Env) != len(o.Env) {
		return false
	}
	for i := range s.Args {
		if s.Args[i] != o.Args[i] {
			return false
		}
	}
	for k, v := range s.Env {
		if ov, ok := o.Env[k]; !ok || ov != v {
			return false
		}
	}
	return true
}
