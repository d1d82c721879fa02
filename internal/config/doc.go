// Package config holds the types of Shoal's YAML configuration file, decodes
// them strictly (every unknown key is an error that names its line), applies
// defaults and validates the result, reporting every problem at once as
// "file:line: message".
//
// The file has a static part (listeners, admin, state directory, logging),
// which needs a restart to change, and a dynamic part (services, routes,
// defaults), which the gateway hot-reloads. Config keeps them apart as
// Config.Static and Config.Dynamic; StaticDiff says which static keys differ.
//
// The field doc comments are the user documentation: schemagen turns them into
// docs/shoal.schema.json and docs/configuration.md. Struct tags drive both the
// decoder and the generator:
//
//	yaml:"key"        the key in the file (",inline" merges a struct's keys)
//	default:"value"   applied when the key is absent, written as YAML
//	enum:"a,b,c"      the allowed values
//	required:"true"   the key must be present
//	number:"ok"       a string key that may be written as a number (port: 8080)
//
// This package imports no other Shoal package: it is the control side's view
// of the file, and a separate compile step turns it into the request-path
// packages' own options.
package config

//go:generate go run ./schemagen -schema ../../docs/shoal.schema.json -doc ../../docs/configuration.md
