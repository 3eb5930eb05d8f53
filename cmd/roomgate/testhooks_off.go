//go:build !roomgate_testhooks

package main

// applyTestHooks does nothing in the binary facilitators run: the hooks
// that tests use to shorten a daemon's delays (testhooks_on.go) exist only
// in a binary built with -tags roomgate_testhooks.
func applyTestHooks(*Config) {}
