// Package vtool holds what the video-tool providers (meetings/jitsi,
// meetings/bbb, meetings/galene) share: secrets that never print, the
// *_file convention of roomgate's configuration, room identifiers derived
// from a booking key, and bounded reads of a peer's answers.
package vtool

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// Secret is a string that must never be logged: an app secret, a shared
// secret, a token. Formatting it with fmt or slog prints "[redacted]".
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString hides the value from %#v as well.
func (s Secret) GoString() string { return s.String() }

// LogValue hides the value from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// ReadFunc reads a *_file key's file. cmd/roomgate passes its own reader,
// which expands ${CREDENTIALS_DIRECTORY:-…} in the name; nil means
// os.ReadFile.
type ReadFunc func(name string) ([]byte, error)

// ResolveSecret follows roomgate's convention for a secret key: the value
// written in the configuration, else the content of the *_file key's file
// (trimmed), else the environment variable env. key names the key in the
// error, e.g. "video.jitsi.app_secret".
func ResolveSecret(val *Secret, file, env, key string, read ReadFunc) error {
	switch {
	case *val != "":
	case file != "":
		if read == nil {
			read = os.ReadFile
		}
		b, err := read(file)
		if err != nil {
			return fmt.Errorf("%s_file: %w", key, err)
		}
		*val = Secret(strings.TrimSpace(string(b)))
	case env != "":
		*val = Secret(os.Getenv(env))
	}
	return nil
}

// roomEncoding is RFC 4648's base32 alphabet in lower case: letters and
// digits 2–7, safe in a URL path, a Jitsi room name (Prosody lowercases
// MUC node names) and a BigBlueButton meetingID (no comma).
var roomEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// RoomID derives an unguessable, URL-safe identifier of n characters
// (at most 52, 256 bits) from a booking key: HMAC-SHA256 keyed with
// secret over purpose, a zero byte and key (RFC 2104). The same key gives
// the same identifier; without the secret nobody can compute it from the
// booking, and the title never enters it.
func RoomID(secret []byte, purpose, key string, n int) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(key))
	s := roomEncoding.EncodeToString(m.Sum(nil))
	return s[:min(n, len(s))]
}

// CheckURL reports whether raw is an absolute https URL, or http on a
// loopback address (tests, a local proxy); key names the key in the error.
func CheckURL(key, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s: %q is not an absolute URL without user, query or fragment", key, raw)
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !loopback(u.Hostname())) {
		return nil, fmt.Errorf("%s: must be an https:// URL (http only on a loopback address)", key)
	}
	return u, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrTooLarge is returned by ReadBounded for an answer over its limit.
var ErrTooLarge = errors.New("answer too large")

// ReadBounded reads at most max bytes of r; a longer answer is an error
// rather than a truncated document.
func ReadBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w (over %d bytes)", ErrTooLarge, max)
	}
	return b, nil
}

// Title cleans a booking title for a peer that shows it: control
// characters become spaces, runs of spaces one, and the result is cut to
// max runes.
func Title(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = strings.TrimSpace(string(r[:max]))
	}
	return s
}

// Duration is a time.Duration written as a Go duration in the
// configuration ("15m", "1h").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("invalid duration %q (write e.g. \"15m\", \"1h\")", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as UnmarshalText reads it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Problems gathers a configuration's problems, each naming its key.
type Problems struct {
	Section string // e.g. "video.jitsi"
	errs    []error
}

// Add records a problem with key (relative to the section).
func (p *Problems) Add(key, format string, a ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s.%s: %s", p.Section, key, fmt.Sprintf(format, a...)))
}

// AddErr records err as it is (it already names its key).
func (p *Problems) AddErr(err error) {
	if err != nil {
		p.errs = append(p.errs, err)
	}
}

// Err joins the problems, nil when there is none.
func (p *Problems) Err() error { return errors.Join(p.errs...) }
