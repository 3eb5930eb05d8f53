// Package benchcpu gives benchmarks the CPU time their process used, user
// and system (getrusage): a figure the machine's load inflates much less
// than the time per run, so that builds measured on a busy machine still
// compare.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Used is the CPU time the process has used so far.
func Used(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report reports the CPU time used since `since` (Used) per run of b, in
// unit: "cpu-ns/op" with time.Nanosecond, "cpu-ms/op" with
// time.Millisecond.
func Report(b *testing.B, since time.Duration, unit time.Duration, name string) {
	b.Helper()
	if b.N == 0 {
		return
	}
	b.ReportMetric(float64(Used(b)-since)/float64(unit)/float64(b.N), name)
}
