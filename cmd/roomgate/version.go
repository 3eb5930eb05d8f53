package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildInfo says which roomgate this is, from what the Go toolchain
// recorded in the binary (runtime/debug.ReadBuildInfo): the module
// version (v1.2.3 for `go install …@v1.2.3`, a pseudo-version for a build
// from a Git checkout, "(devel)" without version control), the commit and
// its time, and the Go version.
type buildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Time     string `json:"commit_time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// readBuildInfo reads the build information of the running binary.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(unknown)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Version != "" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the one line `roomgate version` prints.
func (b buildInfo) String() string {
	s := "roomgate " + b.Version
	if b.Commit != "" {
		s += " commit " + shortCommit(b.Commit)
		if b.Time != "" {
			s += " (" + b.Time + ")"
		}
		if b.Modified {
			s += " with local changes"
		}
	}
	return s + ", " + b.Go + " " + b.Platform
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// logAttrs are the build's attributes for the log's start line.
func (b buildInfo) logAttrs() []any {
	attrs := []any{"version", b.Version}
	if b.Commit != "" {
		attrs = append(attrs, "commit", shortCommit(b.Commit))
	}
	return append(attrs, "go", b.Go)
}

func runVersion(args []string, stdout io.Writer) error {
	fs := newFlagSet("version")
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	b := readBuildInfo()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	_, err := fmt.Fprintln(stdout, b.String())
	return err
}
