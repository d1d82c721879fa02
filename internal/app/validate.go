package app

import (
	"fmt"
	"os"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/gateway"
)

// Validate loads a config file and compiles it exactly as `shoal run` would,
// without binding anything, so that `shoal validate` and a reload agree on
// what is valid.
func Validate(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	cfg, err := config.Parse(path, data)
	if err != nil {
		return err
	}
	if err := checkRuntime(cfg, path); err != nil {
		return err
	}
	return gateway.Check(path, &cfg.Dynamic)
}
