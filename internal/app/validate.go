package app

import (
	"fmt"
	"os"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/gateway"
)

// Validate loads a config file and compiles it exactly as `shoal run` would,
// without binding anything, so that `shoal validate` and a reload agree on
// what is valid. A valid config may still carry warnings (settings that
// will not do what they seem to).
func Validate(path string) (config.ErrorList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := config.Parse(path, data)
	if err != nil {
		return nil, err
	}
	if err := checkRuntime(cfg, path); err != nil {
		return nil, err
	}
	return cfg.Warnings, gateway.Check(path, &cfg.Dynamic)
}

// logWarnings logs a loaded config's warnings, each with its file:line.
func (a *App) logWarnings(cfg *config.Config) {
	for _, w := range cfg.Warnings {
		a.log.Warn("config: "+w.Msg, "at", w.Place())
	}
}
