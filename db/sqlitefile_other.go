//go:build !unix

package db

import "os"

// chownLikeDir does nothing where files have no Unix owner.
func chownLikeDir(*os.File, string) error { return nil }
