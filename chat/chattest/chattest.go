// Package chattest gives tests of the chat front end an in-memory Links
// store and a Booker that follows the shape of roomgate's policy: only
// members may book, a taken slot puts the request on the waiting list,
// past and over-long requests are declined, each member sees and cancels
// only their own bookings.
package chattest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"codeberg.org/opteos/roomgate/chat"
)

// Links is an in-memory chat.Links.
type Links struct {
	mu     sync.Mutex
	links  map[string]string // server + "\n" + user → address
	nonces map[string]time.Time
	// Err, when set, is returned by every call (a database that is down).
	Err error
}

var _ chat.Links = (*Links)(nil)

// NewLinks makes an empty store.
func NewLinks() *Links {
	return &Links{links: map[string]string{}, nonces: map[string]time.Time{}}
}

// LinkedAddress implements chat.Links.
func (l *Links) LinkedAddress(_ context.Context, server, user string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.links[server+"\n"+user], l.Err
}

// Link implements chat.Links.
func (l *Links) Link(_ context.Context, c chat.LinkClaim, _ time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Err != nil {
		return l.Err
	}
	if _, used := l.nonces[c.Nonce]; used {
		return chat.ErrUsed
	}
	l.nonces[c.Nonce] = c.Expires
	l.links[c.Server+"\n"+c.User] = c.Address
	return nil
}

// UseNonce implements chat.Links.
func (l *Links) UseNonce(_ context.Context, nonce string, expires time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Err != nil {
		return l.Err
	}
	if _, used := l.nonces[nonce]; used {
		return chat.ErrUsed
	}
	l.nonces[nonce] = expires
	return nil
}

// Set links an account directly (a test's shortcut).
func (l *Links) Set(server, user, address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.links[server+"\n"+user] = address
}

// Booker is a chat.Booker over an in-memory agenda.
type Booker struct {
	// Members are the addresses, or "@domain" suffixes, that may book.
	Members []string
	// Hours are the room's ordinary hours, as offsets from midnight.
	DayStart, DayEnd time.Duration
	MaxDuration      time.Duration
	Now              func() time.Time
	// Err, when set, is returned by every call.
	Err error

	mu       sync.Mutex
	bookings []Held
	nextID   int64
	// Requests records every BookRequest, for the audit a test checks.
	Requests []chat.BookRequest
}

// Held is a booking in the fake's agenda.
type Held struct {
	chat.Booking
	Member string
	Status string
}

var _ chat.Booker = (*Booker)(nil)

// IsMember implements chat.Booker.
func (b *Booker) IsMember(_ context.Context, addr string) (bool, error) {
	return b.member(addr), b.Err
}

func (b *Booker) member(addr string) bool {
	addr = strings.ToLower(addr)
	for _, m := range b.Members {
		if addr == m || (strings.HasPrefix(m, "@") && strings.HasSuffix(addr, m)) {
			return true
		}
	}
	return false
}

// Add puts a booking in the agenda and returns its ID.
func (b *Booker) Add(member string, s chat.Slot, title string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	b.bookings = append(b.bookings, Held{Booking: chat.Booking{ID: b.nextID, Slot: s, Title: title}, Member: member, Status: chat.Accepted})
	return b.nextID
}

// Held returns the agenda.
func (b *Booker) Held() []Held { b.mu.Lock(); defer b.mu.Unlock(); return slices.Clone(b.bookings) }

// FreeSlots implements chat.Booker: the gaps between accepted bookings
// within the day's hours.
func (b *Booker) FreeSlots(_ context.Context, from, to time.Time) ([]chat.Slot, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []chat.Slot
	for d := midnight(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		start, end := maxTime(from, d.Add(b.DayStart)), minTime(to, d.Add(b.DayEnd))
		for _, h := range b.sorted() {
			if h.Slot.End.After(start) && h.Slot.Start.Before(end) {
				if h.Slot.Start.After(start) {
					out = append(out, chat.Slot{Start: start, End: h.Slot.Start})
				}
				start = h.Slot.End
			}
		}
		if start.Before(end) {
			out = append(out, chat.Slot{Start: start, End: end})
		}
	}
	return out, nil
}

func (b *Booker) sorted() []Held {
	var acc []Held
	for _, h := range b.bookings {
		if h.Status == chat.Accepted {
			acc = append(acc, h)
		}
	}
	slices.SortFunc(acc, func(x, y Held) int { return x.Slot.Start.Compare(y.Slot.Start) })
	return acc
}

// Book implements chat.Booker.
func (b *Booker) Book(_ context.Context, r chat.BookRequest) (chat.Outcome, error) {
	if b.Err != nil {
		return chat.Outcome{}, b.Err
	}
	if !b.member(r.Member) {
		return chat.Outcome{}, chat.ErrNotMember
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Requests = append(b.Requests, r)
	switch {
	case !r.Slot.Start.After(b.Now()):
		return chat.Outcome{Status: chat.Declined, Reason: reason(r.Lang, "past")}, nil
	case b.MaxDuration > 0 && r.Slot.End.Sub(r.Slot.Start) > b.MaxDuration:
		return chat.Outcome{Status: chat.Declined, Reason: reason(r.Lang, "long")}, nil
	}
	status := chat.Accepted
	for _, h := range b.sorted() {
		if h.Slot.End.After(r.Slot.Start) && h.Slot.Start.Before(r.Slot.End) {
			status = chat.Waiting
		}
	}
	b.nextID++
	h := Held{Booking: chat.Booking{ID: b.nextID, Slot: r.Slot, Title: r.Title}, Member: r.Member, Status: status}
	b.bookings = append(b.bookings, h)
	return chat.Outcome{Status: status, Booking: h.Booking}, nil
}

func reason(lang, key string) string {
	texts := map[string][2]string{"past": {"ce créneau est déjà passé", "this slot has already begun"},
		"long": {"la réservation est trop longue", "the booking is too long"}}[key]
	if lang == chat.English {
		return texts[1]
	}
	return texts[0]
}

// Bookings implements chat.Booker.
func (b *Booker) Bookings(_ context.Context, member string, from time.Time) ([]chat.Booking, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	if !b.member(member) {
		return nil, chat.ErrNotMember
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []chat.Booking
	for _, h := range b.sorted() {
		if h.Member == member && h.Slot.End.After(from) {
			out = append(out, h.Booking)
		}
	}
	return out, nil
}

// Cancel implements chat.Booker.
func (b *Booker) Cancel(_ context.Context, member string, id int64, _ string) error {
	if b.Err != nil {
		return b.Err
	}
	if !b.member(member) {
		return chat.ErrNotMember
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, h := range b.bookings {
		if h.ID == id && h.Member == member && h.Status != "cancelled" {
			b.bookings[i].Status = "cancelled"
			return nil
		}
	}
	return chat.ErrNoBooking
}

// ErrDown is a Booker or Links error for tests of a failing backend.
var ErrDown = errors.New("database unavailable")

// Mailer records link mails.
type Mailer struct {
	mu    sync.Mutex
	Mails []chat.LinkMail
}

// MailLink implements chat.LinkMailer.
func (m *Mailer) MailLink(_ context.Context, l chat.LinkMail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Mails = append(m.Mails, l)
	return nil
}

// Sent returns the mails sent.
func (m *Mailer) Sent() []chat.LinkMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.Mails)
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
