package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// RoomState is what the channel header tells of the room. Times are
// instants; they are shown in Location.
type RoomState struct {
	Now time.Time
	// BusyUntil is the end of the booking under way (zero when the room
	// is free now).
	BusyUntil time.Time
	// FreeUntil is when the room, free now, is next taken (zero when no
	// booking is ahead).
	FreeUntil time.Time
	// Next is the next booking that has not begun (zero Start: none).
	Next     Slot
	Location *time.Location
	// AgendaURL is the members' agenda ("" for none). It must not carry
	// a passcode (CheckAgendaURL).
	AgendaURL string
	Lang      string
}

// ErrUnsafeHeader is returned for a header that would show a secret.
var ErrUnsafeHeader = errors.New("the header would show a passcode or a join link with its password")

// PresenceText composes the channel header: "Libre jusqu'à 14:00 ·
// prochaine réservation demain 09:00–10:00 · [Agenda](…)". It names no
// host key, passcode, title or person: only times and the agenda's link.
// The text is at most MaxHeader characters: the agenda's link is left out
// when it would not fit.
func PresenceText(st RoomState) (string, error) {
	loc := st.Location
	if loc == nil {
		loc = time.UTC
	}
	now, lang := st.Now.In(loc), st.Lang
	var parts []string
	switch {
	case st.BusyUntil.After(st.Now):
		parts = append(parts, tr(lang, "busy.until", moment(lang, st.BusyUntil.In(loc), now)))
	case st.FreeUntil.IsZero():
		parts = append(parts, tr(lang, "free"))
	default:
		parts = append(parts, tr(lang, "free.until", moment(lang, st.FreeUntil.In(loc), now)))
	}
	if !st.Next.Start.IsZero() {
		next := Slot{Start: st.Next.Start.In(loc), End: st.Next.End.In(loc)}
		parts = append(parts, tr(lang, "next", when(lang, next, now)))
	}
	text := strings.Join(parts, " · ")
	if st.AgendaURL != "" {
		if err := CheckAgendaURL(st.AgendaURL); err != nil {
			return "", err
		}
		if with := text + " · " + tr(lang, "agenda", st.AgendaURL); utf8.RuneCountInString(with) <= MaxHeader {
			text = with
		}
	}
	return text, nil
}

// CheckAgendaURL refuses an agenda address that is not http(s), carries
// credentials, or looks like a meeting link with its password (Zoom's
// pwd=, a passcode): the header is read by everyone in the channel.
func CheckAgendaURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("agenda URL %q: not an http(s) address without credentials", s)
	}
	q := strings.ToLower(u.RawQuery + "#" + u.Fragment)
	for _, bad := range []string{"pwd=", "passcode", "password", "hostkey", "host_key"} {
		if strings.Contains(q, bad) {
			return fmt.Errorf("agenda URL: %w", ErrUnsafeHeader)
		}
	}
	if strings.ContainsAny(s, " \t\r\n()[]<>") {
		return fmt.Errorf("agenda URL %q: spaces, brackets or parentheses would break the header's Markdown", s)
	}
	return nil
}

// Presence keeps a channel's header current. It writes only when the text
// changed: it remembers the last text, and after a restart reads the
// header first where the server allows (elsewhere it writes once). It is
// safe for concurrent use.
type Presence struct {
	srv Server
	log *slog.Logger

	mu    sync.Mutex
	last  string
	known bool // last holds the header the server has
}

// NewPresence keeps srv's header. log may be nil (slog.Default()).
func NewPresence(srv Server, log *slog.Logger) *Presence {
	if log == nil {
		log = slog.Default()
	}
	return &Presence{srv: srv, log: log}
}

// Update writes the header for st if it differs from the channel's. It
// reports whether it wrote.
func (p *Presence) Update(ctx context.Context, st RoomState) (bool, error) {
	text, err := PresenceText(st)
	if err != nil {
		return false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.known {
		cur, err := p.srv.Header(ctx)
		switch {
		case err == nil:
			p.last, p.known = cur, true
		case !errors.Is(err, ErrUnsupported):
			return false, fmt.Errorf("read the channel header: %w", err)
		}
	}
	if p.known && p.last == text {
		return false, nil
	}
	if err := p.srv.SetHeader(ctx, text); err != nil {
		p.known = false // the server may or may not have it: read again next time
		return false, fmt.Errorf("set the channel header: %w", err)
	}
	p.last, p.known = text, true
	p.log.Info("chat header updated", "chars", utf8.RuneCountInString(text))
	return true, nil
}
