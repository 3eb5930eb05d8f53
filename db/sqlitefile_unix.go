//go:build unix

package db

import (
	"fmt"
	"os"
	"syscall"
)

// chownLikeDir gives f the owner and group of dir, unless dir is root's.
func chownLikeDir(f *os.File, dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("create SQLite database: %w", err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || (sys.Uid == 0 && sys.Gid == 0) {
		return nil
	}
	if err := f.Chown(int(sys.Uid), int(sys.Gid)); err != nil {
		return fmt.Errorf("create SQLite database: give it to the owner of %s: %w", dir, err)
	}
	return nil
}
