//go:build unix

package gateway_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the process has used so
// far, all threads included: what a benchmark costs whatever the load.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
