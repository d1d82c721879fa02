package local

import (
	"fmt"

	"github.com/shoal-gw/shoal/internal/config"
)

// SpecFromConfig maps a service's run block to a Spec. baseDir anchors a
// relative command and dir (the config file's directory); logDir may be
// empty to use the Manager's.
func SpecFromConfig(run *config.Run, baseDir, logDir string) (Spec, error) {
	if run == nil {
		return Spec{}, fmt.Errorf("no run block")
	}
	sig, err := ParseSignal(run.StopSignal)
	if run.StopSignal == "" {
		sig, err = 0, nil
	}
	if err != nil {
		return Spec{}, fmt.Errorf("stop_signal: %w", err)
	}
	env := make(map[string]string, len(run.Env))
	for k, v := range run.Env {
		env[k] = v
	}
	s := Spec{
		Command:    run.Command,
		Args:       append([]string(nil), run.Args...),
		Env:        env,
		Dir:        run.Dir,
		BaseDir:    baseDir,
		PortEnv:    run.PortEnv,
		Probe:      Probe{Path: run.Ready.Path, Interval: run.Ready.Interval.D(), Timeout: run.Ready.Timeout.D()},
		StopSignal: sig,
		Grace:      run.Grace.D(),
		LogDir:     logDir,
	}.withDefaults()
	if err := s.validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}
