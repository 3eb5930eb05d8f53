package main

import "testing"

// TestGCSettings: roomgate sets the collector's percent and memory limit
// unless the environment sets them (GOGC, GOMEMLIMIT), as operators of Go
// programs expect.
func TestGCSettings(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		percent int
		limit   int64
		what    string
	}{
		{map[string]string{}, defaultGOGC, defaultMemoryLimit, "nothing set"},
		{map[string]string{"GOGC": "100"}, -1, defaultMemoryLimit, "GOGC set"},
		{map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, -1, -1, "both set"},
		{map[string]string{"GOMEMLIMIT": "64MiB"}, defaultGOGC, -1, "GOMEMLIMIT set"},
	} {
		p, l := gcSettings(func(k string) string { return c.env[k] })
		if p != c.percent || l != c.limit {
			t.Errorf("%s: gcSettings = %d, %d; want %d, %d", c.what, p, l, c.percent, c.limit)
		}
	}
}
