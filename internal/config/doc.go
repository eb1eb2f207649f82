// Package config is deadbolt's typed configuration: defaults, then a YAML
// file (unknown fields rejected), then DEADBOLT_* environment variables, then
// command-line flags (applied by the CLI). Validate reports every problem at
// once, each with the name of its field.
package config
