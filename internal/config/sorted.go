package config

import (
	"maps"
	"slices"
)

// sortedServiceNames gives a stable order for iterating services.
func sortedServiceNames(m map[string]*Service) []string {
	return slices.Sorted(maps.Keys(m))
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
