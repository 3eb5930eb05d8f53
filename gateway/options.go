package gateway

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Room is one Zoom meeting room of the account, booked by inviting its
// address.
type Room struct {
	Name      string
	Address   string // lower case; plus-addresses of it also name the room
	JoinURL   string
	MeetingID string
	Passcode  string
}

// Policy holds the booking rules.
type Policy struct {
	// Organizers who may book: full addresses or "@domain" suffixes.
	Organizers    []string
	MaxDuration   time.Duration
	BookingWindow time.Duration // how far ahead a booking may start
	Buffer        time.Duration // kept free before and after each booking
	// Suggestions is how many free slots a decline proposes.
	Suggestions int
	// DayStart and DayEnd bound the suggested slots, as offsets from local
	// midnight (08:00 and 20:00 by default).
	DayStart, DayEnd time.Duration
	// AllowSeries lets members book recurring series.
	AllowSeries bool
	// SeriesMaxBusy and SeriesMaxBusyPercent: a series with at most that
	// many busy dates (and at most that share of its dates) is accepted
	// without them; otherwise it is declined whole.
	SeriesMaxBusy        int
	SeriesMaxBusyPercent int
	// MaxOccurrences caps the dates of one series inside the window.
	MaxOccurrences int
}

// Options configures a Gateway. Store and Renderer are required.
type Options struct {
	Store    Store
	Renderer Renderer
	Logger   *slog.Logger

	Rooms      []Room
	HostKey    string
	Concurrent int // meetings the account may host at once (Pro: 1)
	Policy     Policy

	Lang     string         // "fr" or "en"
	Location *time.Location // zone of texts, floating times and all-day dates

	// MaxMessageSize is the largest message handled (octets); larger ones
	// are rejected. MaxCalendarSize caps the calendar part itself.
	MaxMessageSize  int64
	MaxCalendarSize int64
	// RepliesPerHour caps the replies sent for one UID in an hour.
	RepliesPerHour int
	// LeadMinutes: how early hosts are told to arrive.
	LeadMinutes int
	// Contact is the facilitators' contact text shown in mails.
	Contact string
	// Relay configures the relay of Zoom's own mail and the reminders.
	Relay RelayOptions
	// ProdID is written in iTIP replies.
	ProdID string
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// OnOutcome, when set, is called after each message Handle decided
	// (or found already decided), with how long it took. It must be quick
	// and safe for concurrent use; metrics hang here.
	OnOutcome func(Outcome, time.Duration)
}

// withDefaults fills zero values with sensible defaults and checks the
// required fields.
func (o Options) withDefaults() (Options, error) {
	if o.Store == nil || o.Renderer == nil {
		return o, fmt.Errorf("gateway: Store and Renderer are required")
	}
	if len(o.Rooms) == 0 {
		return o, fmt.Errorf("gateway: no room configured")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Concurrent <= 0 {
		o.Concurrent = 1
	}
	if o.Lang == "" {
		o.Lang = "fr"
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = 10 << 20
	}
	if o.MaxCalendarSize <= 0 {
		o.MaxCalendarSize = 1 << 20
	}
	if o.RepliesPerHour <= 0 {
		o.RepliesPerHour = 5
	}
	if o.LeadMinutes <= 0 {
		o.LeadMinutes = 5
	}
	if o.ProdID == "" {
		o.ProdID = "-//roomgate//roomgate//EN"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Policy = o.Policy.withDefaults()
	for i := range o.Rooms {
		o.Rooms[i].Address = strings.ToLower(strings.TrimSpace(o.Rooms[i].Address))
	}
	return o, nil
}

func (p Policy) withDefaults() Policy {
	if p.MaxDuration <= 0 {
		p.MaxDuration = 8 * time.Hour
	}
	if p.BookingWindow <= 0 {
		p.BookingWindow = 180 * 24 * time.Hour
	}
	if p.Suggestions <= 0 {
		p.Suggestions = 3
	}
	if p.DayStart == 0 && p.DayEnd == 0 {
		p.DayStart, p.DayEnd = 8*time.Hour, 20*time.Hour
	}
	if p.MaxOccurrences <= 0 {
		p.MaxOccurrences = 500
	}
	return p
}

// AllowedOrganizer reports whether addr may book under the policy.
func (p Policy) AllowedOrganizer(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return false
	}
	for _, o := range p.Organizers {
		o = strings.ToLower(strings.TrimSpace(o))
		if strings.HasPrefix(o, "@") {
			if addr[at:] == o {
				return true
			}
		} else if addr == o {
			return true
		}
	}
	return false
}

// normalizeAddress lower-cases an address and removes a +tag from its local
// part, so zoom+compta@coop.example compares equal to zoom@coop.example.
func normalizeAddress(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local, domain := addr[:at], addr[at:]
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	return local + domain
}

// roomFor returns the room an address names, or nil.
func (o *Options) roomFor(addr string) *Room {
	n := normalizeAddress(addr)
	for i := range o.Rooms {
		if normalizeAddress(o.Rooms[i].Address) == n {
			return &o.Rooms[i]
		}
	}
	return nil
}
