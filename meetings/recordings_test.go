package meetings

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRecordingsPath(t *testing.T) {
	r := Recordings{Root: "/var/lib/roomgate/recordings"}
	for _, c := range []struct {
		name, want string
		ok         bool
	}{
		{"2026-12-01 Réunion.mp4", "/var/lib/roomgate/recordings/42/2026-12-01 Réunion.mp4", true},
		{"../41/x.mp4", "", false},
		{"a/b.mp4", "", false},
		{"..", "", false},
		{".", "", false},
		{"", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := r.Path(42, c.name)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("Path(42, %q) = %q, %v; want %q, ok %v", c.name, got, err, c.want, c.ok)
			}
		})
	}
}

func TestRecordingsRemove(t *testing.T) {
	r := Recordings{Root: t.TempDir()}
	for _, name := range []string{"a.mp4", "b.m4a"} {
		if err := os.MkdirAll(r.Dir(7), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.Dir(7), name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Remove(7, "a.mp4"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Open(7, "a.mp4"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a.mp4 still opens (%v)", err)
	}
	if _, err := os.Stat(r.Dir(7)); err != nil {
		t.Errorf("the directory went while b.m4a is in it: %v", err)
	}
	if err := r.Remove(7, "a.mp4"); err != nil {
		t.Errorf("removing a missing copy: %v", err)
	}
	if err := r.Remove(7, "b.m4a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Dir(7)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the empty directory stays (%v)", err)
	}
	if err := r.Remove(7, "../8"); err == nil {
		t.Error("a path was taken for a name")
	}
}
