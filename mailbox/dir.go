package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// DirSender writes each mail as one .eml file in a directory instead of
// sending it; `roomgate process -outbox DIR` uses it. It implements
// gateway.Sender and is safe for concurrent use. Files are named
// NNNN-<first recipient>.eml with a counter that continues after the files
// already there, so names sort in sending order. The envelope is not kept.
type DirSender struct {
	dir string
	mu  sync.Mutex
}

var emlName = regexp.MustCompile(`^([0-9]+)-.*\.(eml|json)$`)

// NewDirSender returns a sender writing to dir, created on first use.
func NewDirSender(dir string) *DirSender {
	return &DirSender{dir: dir}
}

// Send writes raw, byte for byte, to a new file. The file appears
// atomically: it is written under a temporary name, synced and linked to
// its final name, never replacing an existing file.
func (d *DirSender) Send(ctx context.Context, from string, to []string, raw []byte) error {
	rcpt := ""
	if len(to) > 0 {
		rcpt = to[0]
	}
	return d.write(ctx, raw, sanitizeName(rcpt)+".eml")
}

// write stores raw in a new file named NNNN-suffix.
func (d *DirSender) write(ctx context.Context, raw []byte, suffix string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(d.dir, 0o750); err != nil {
		return fmt.Errorf("outbox dir: %w", err)
	}
	tmp, err := writeTemp(d.dir, raw)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer os.Remove(tmp)
	for range 100 {
		n, err := nextNumber(d.dir)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		err = os.Link(tmp, filepath.Join(d.dir, fmt.Sprintf("%04d-%s", n, suffix)))
		if errors.Is(err, fs.ErrExist) {
			continue // another writer took the number
		}
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		return nil
	}
	return errors.New("outbox: no free file name")
}

// Post writes a chat message (a webhook's JSON body) as NNNN-webhook.json,
// numbered with the mails. DirSender thus also implements gateway.Poster.
func (d *DirSender) Post(ctx context.Context, body []byte) error {
	return d.write(ctx, body, "webhook.json")
}

func writeTemp(dir string, raw []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-*.eml")
	if err != nil {
		return "", err
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// nextNumber returns one more than the highest NNNN- prefix in dir.
func nextNumber(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	highest := 0
	for _, e := range entries {
		m := emlName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if n, err := strconv.Atoi(m[1]); err == nil && n > highest {
			highest = n
		}
	}
	return highest + 1, nil
}

// sanitizeName keeps a file-name-safe, lower-case form of an address.
func sanitizeName(addr string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(addr) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune("@.+_-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		return "mail"
	}
	return s
}
