package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The roomgate binary that tests run as separate processes (TestBinary,
// the instance and crash tests, process's log), built once per test run
// with -cover, so that its runs write coverage data to GOCOVERDIR (the
// commands themselves, serve, demo, check…, count in the coverage, and
// ROOMGATE_COVERDIR keeps the data: CI prints the coverage of
// cmd/roomgate from it), and with -tags roomgate_testhooks, so that a test
// can shorten a delay through the environment (testhooks_on.go).
var testBin struct {
	once     sync.Once
	path     string // in this run's own directory
	coverDir string
	err      error
}

// TestMain starts building the binary at once when every test runs, so
// the build overlaps the in-process tests instead of delaying the first
// test that needs it.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.run"); !testing.Short() && f != nil && f.Value.String() == "" {
		go testBin.once.Do(buildTestBinary)
	}
	code := m.Run()
	if testBin.path != "" {
		os.RemoveAll(filepath.Dir(testBin.path))
	}
	os.Exit(code)
}

// coverBinary returns the binary and the directory its runs write their
// coverage data to, building it the first time.
func coverBinary(t *testing.T) (bin, dir string) {
	t.Helper()
	testBin.once.Do(buildTestBinary)
	if testBin.err != nil {
		t.Fatal(testBin.err)
	}
	return testBin.path, testBin.coverDir
}

// roomgateBinary returns the binary for the tests that run it as
// separate processes; their runs must have binEnv in their environment.
func roomgateBinary(t *testing.T) string {
	t.Helper()
	bin, _ := coverBinary(t)
	return bin
}

// binEnv is the environment of a run of the test binary: GOCOVERDIR for
// its coverage data, then extra (NAME=value).
func binEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	_, dir := coverBinary(t)
	return append(append(os.Environ(), "GOCOVERDIR="+dir), extra...)
}

// buildTestBinary builds the binary, for this run, from a copy kept
// between runs (testBinCache): `go build` relinks it only when a source
// changed, which saves each run a link of several seconds of CPU.
func buildTestBinary() {
	tmp, err := os.MkdirTemp("", "roomgate-bin-")
	if err != nil {
		testBin.err = err
		return
	}
	testBin.coverDir = os.Getenv("ROOMGATE_COVERDIR")
	if testBin.coverDir == "" {
		testBin.coverDir = filepath.Join(tmp, "cover")
	}
	if err := os.MkdirAll(testBin.coverDir, 0o755); err != nil {
		testBin.err = err
		return
	}
	testBin.path = filepath.Join(tmp, "roomgate")
	testBin.err = buildCached(testBin.path)
}

// buildCached runs `go build` into a directory kept between runs of this
// package's tests (one per source directory), under an exclusive lock,
// since two `go test` may run at once, then links (or copies) the result
// to dst. `go build` replaces its output file (a new file, never a write
// into the old one), so a copy linked by an earlier run is never changed.
func buildCached(dst string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(wd))
	dir := filepath.Join(os.TempDir(), "roomgate-testbin-"+hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", dir, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	cached := filepath.Join(dir, "roomgate")
	out, err := exec.Command("go", "build", "-cover", "-tags", "roomgate_testhooks", "-o", cached, ".").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build -cover: %v\n%s", err, out)
	}
	if os.Link(cached, dst) == nil {
		return nil
	}
	return copyFile(cached, dst)
}

// copyFile copies an executable.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
