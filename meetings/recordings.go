package meetings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Recordings is the store of the recordings' copies on disk, and the only
// code that knows its layout: under Root, one directory per booking ID
// holding the booking's files by name. A name is a base name: a path in it
// is refused, so that no name read from a provider or the database leaves
// its booking's directory.
type Recordings struct {
	Root string
}

// Dir is the directory of a booking's copies.
func (r Recordings) Dir(bookingID int64) string {
	return filepath.Join(r.Root, strconv.FormatInt(bookingID, 10))
}

// Path is where the copy name of a booking is, or an error when name is
// not a plain file name.
func (r Recordings) Path(bookingID int64, name string) (string, error) {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return "", fmt.Errorf("recordings: %q is not a file name", name)
	}
	return filepath.Join(r.Dir(bookingID), name), nil
}

// Open opens the copy name of a booking.
func (r Recordings) Open(bookingID int64, name string) (*os.File, error) {
	p, err := r.Path(bookingID, name)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Remove removes the copy name of a booking, and the booking's directory
// once it is empty; a missing file is no error.
func (r Recordings) Remove(bookingID int64, name string) error {
	p, err := r.Path(bookingID, name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	_ = os.Remove(r.Dir(bookingID)) // only succeeds once the directory is empty
	return nil
}
