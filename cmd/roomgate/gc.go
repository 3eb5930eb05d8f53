package main

import (
	"runtime/debug"
)

// The garbage collector's settings when the environment sets none.
//
// roomgate's live heap is small and nearly all of it lasts as long as the
// process: the parsed templates, mails and pages in two languages, about
// 5 MB of small objects that every collection marks again. With Go's
// default (GOGC=100) a collection came every few megabytes allocated,
// about every ten invitations of a backlog, and took a tenth to a third of
// the CPU (a third in BenchmarkHandleWeeklySeries' profile). defaultGOGC
// lets the heap grow four times its live size between collections, and
// defaultMemoryLimit bounds what that costs: past it the collector works
// harder rather than let the heap grow (a soft limit, runtime/debug).
// GOGC and GOMEMLIMIT in the environment win, as for any Go program
// (docs/operator.md, "Running it").
const (
	defaultGOGC        = 400
	defaultMemoryLimit = 256 << 20
)

// gcSettings returns the GC percent and the memory limit to set for the
// environment getenv reads, -1 for a setting the environment makes.
func gcSettings(getenv func(string) string) (percent int, limit int64) {
	percent, limit = defaultGOGC, defaultMemoryLimit
	if getenv("GOGC") != "" {
		percent = -1
	}
	if getenv("GOMEMLIMIT") != "" {
		limit = -1
	}
	return percent, limit
}

// tuneGC applies gcSettings for this process's environment.
func tuneGC(getenv func(string) string) {
	percent, limit := gcSettings(getenv)
	if percent >= 0 {
		debug.SetGCPercent(percent)
	}
	if limit >= 0 {
		debug.SetMemoryLimit(limit)
	}
}
