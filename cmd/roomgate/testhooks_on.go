//go:build roomgate_testhooks

package main

import (
	"os"
	"time"
)

// envTestMinLease shortens the outbox's lease floor (gateway.OutboxOptions
// MinLease, 30 s), e.g. "1ms": a test with one live instance at a time
// then sees a killed instance's claimed mails taken over after 1.5 times
// [smtp] timeout instead of half a minute.
const envTestMinLease = "ROOMGATE_TESTHOOK_OUTBOX_MIN_LEASE"

// applyTestHooks applies the test-only settings of the environment; a
// value that is not a positive duration is refused with a warning.
func applyTestHooks(c *Config) {
	testDuration(c, envTestMinLease, &c.outbox.MinLease)
	testDuration(c, envTestLease, &c.leaseEvery)
}

// testDuration sets *d from the environment variable name, when set.
func testDuration(c *Config, name string, d *time.Duration) {
	v := os.Getenv(name)
	if v == "" {
		return
	}
	if v, err := time.ParseDuration(v); err == nil && v > 0 {
		*d = v
		return
	}
	c.warnings = append(c.warnings, name+" is not a positive duration: ignored")
}
