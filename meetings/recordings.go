package meetings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

// FileKey names a file for good: the provider's file ID, or for a file
// without one (Zoom's CC, TIMELINE) its instance, type and download URL.
func FileKey(f File) string {
	if f.ID != "" {
		return f.ID
	}
	sum := sha256.Sum256([]byte(f.Instance + "\x00" + f.Type + "\x00" + f.URLHash))
	return "nid-" + hex.EncodeToString(sum[:12])
}

// FileName is the file name of a copy: date and time of the file's start
// (start, the booking's, when unknown) in loc, kind, a piece of its key
// (two files may be of one kind) and the extension, in letters, digits,
// "-", "_" and "." only.
func FileName(f File, key string, start time.Time, loc *time.Location) string {
	kind := f.RecordingType
	switch {
	case f.Participant && f.Name != "":
		kind = "participant_" + strings.TrimSuffix(f.Name, filepath.Ext(f.Name))
	case f.Participant:
		kind = "participant"
	case kind == "":
		kind = f.Type
	}
	if len(kind) > 60 { // the name keeps only ASCII below: a cut rune becomes "_"
		kind = kind[:60]
	}
	id := strings.TrimPrefix(key, "nid-")
	if len(id) > 8 {
		id = id[:8]
	}
	ext := strings.ToLower(f.Extension)
	if ext == "" && f.Name != "" {
		ext = strings.ToLower(strings.TrimPrefix(filepath.Ext(f.Name), "."))
	}
	if ext == "" {
		ext = "bin"
	}
	if !f.Start.IsZero() {
		start = f.Start
	}
	name := fmt.Sprintf("%s_%s_%s.%s", start.In(loc).Format("2006-01-02_1504"), kind, id, ext)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
}

// TokenHash is what is stored of a link's token: its SHA-256, in hex, so
// that the database alone does not open the links.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
