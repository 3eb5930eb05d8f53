package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildImageNeedsBuilder: `packaging/build image` names the missing
// image builder before compiling anything, skips a docker whose daemon
// does not answer, and refuses an unknown ROOMGATE_BUILDER. The script
// runs from a copy in an empty folder, with a PATH holding only what it
// needs before choosing: had it compiled, go build would have failed
// there and said so.
func TestBuildImageNeedsBuilder(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	root := t.TempDir()
	script, err := os.ReadFile("../../packaging/build")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "packaging"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "packaging", "build"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, tool := range []string{"dirname", "readlink", "go"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s", tool)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	run := func(env ...string) (string, error) {
		cmd := exec.Command(bash, filepath.Join(root, "packaging", "build"), "image")
		// HOME stays the user's: go may leave a telemetry process writing
		// there after it exits, which a temporary folder would not survive.
		cmd.Env = append([]string{"PATH=" + bin, "HOME=" + os.Getenv("HOME")}, env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	check := func(what, out string, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: exit 0:\n%s", what, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", what, w, out)
			}
		}
		if strings.Contains(out, "go: ") || strings.Contains(out, "built ") {
			t.Errorf("%s: it compiled before choosing a builder:\n%s", what, out)
		}
	}
	out, err := run()
	check("no builder", out, err, "no image builder: install buildah (apt-get install buildah), podman, or docker")
	fake := "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = run()
	check("docker without daemon", out, err, "docker is installed but its daemon does not answer", "no image builder")
	out, err = run("ROOMGATE_BUILDER=kaniko")
	check("unknown builder", out, err, "ROOMGATE_BUILDER=kaniko: not buildah, podman or docker")
}
