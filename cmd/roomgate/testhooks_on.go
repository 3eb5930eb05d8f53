//go:build roomgate_testhooks

package main

import (
	"os"
	"time"
)

// applyTestHooks applies the test-only settings of the environment; a
// value that is not a positive duration is refused with a warning.
func applyTestHooks(c *Config) {
	v := os.Getenv(envTestMinLease)
	if v == "" {
		return
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		c.outbox.MinLease = d
		return
	}
	c.warnings = append(c.warnings, envTestMinLease+" is not a positive duration: ignored")
}
