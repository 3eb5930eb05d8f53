//go:build !unix

package db

import "os"

// tryLockFile grants the lease: without flock(2), every process sharing
// a SQLite file reads the mailbox, as before leases existed (their
// decisions are serialized by the database all the same).
func tryLockFile(*os.File) (bool, error) { return true, nil }

// flockFile does nothing without flock(2): the accept log's appends are
// still whole lines (O_APPEND), and its compaction may then lose a line
// appended meanwhile, which costs at most a reply sent twice after a crash.
func flockFile(*os.File, bool) error { return nil }

// funlockFile does nothing without flock(2).
func funlockFile(*os.File) {}
