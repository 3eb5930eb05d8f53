package gateway

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/ical"
)

// Room is one Zoom meeting room of the account, booked by inviting its
// address.
type Room struct {
	Name      string
	Address   string // lower case; plus-addresses of it also name the room
	JoinURL   string
	MeetingID string
	Passcode  string
	// Tools is AnyTool for an address that means "any tool" (accepted on
	// Zoom when a host is free, else on the first free tool); "" for Zoom
	// only (a full Zoom is declined, with a free tool's room offered when
	// one is configured).
	Tools string
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

	// RequireAuthentic makes a REQUEST or CANCEL count only when its From
	// domain is authenticated (see AuthOptions) and that From is the
	// ORGANIZER, a delegate the organizer declared (Delegates), or one of
	// TrustedSenders (RFC 6047 §3).
	RequireAuthentic bool
	// Delegates declares who may send an organizer's invitations and
	// cancellations for them (as the ORGANIZER's SENT-BY, RFC 5545
	// §3.2.18): organizer address → delegate addresses, each a mailbox
	// (ical.ParseMailbox). A SENT-BY nobody declared speaks for nobody.
	Delegates map[string][]string
	// TrustedSenders may speak for any organizer: full addresses or
	// "@domain", e.g. a calendar server of the cooperative that mails from
	// its own address.
	TrustedSenders []string

	// Quotas per person, across rooms (0: unlimited): hours booked in
	// one week (Monday to Sunday in the display zone), bookings ahead,
	// and dates ahead held by series without end. They count what the
	// organizer holds and, when somebody else asked (a delegate, a member
	// trusted to speak for others), what that person holds: accepted
	// bookings and the holds (pending approval, waiting, proposed).
	MaxWeekHours       time.Duration
	MaxFutureBookings  int
	MaxOpenSeriesDates int

	// MaxHoldsPerSender bounds the meetings one person holds at once
	// without their being accepted (pending approval, waiting, a proposed
	// slot: see holds.go); MaxHoldsPerDomain those of all the people of
	// one domain who are no members. 0: no limit.
	MaxHoldsPerSender int
	MaxHoldsPerDomain int

	// Waitlist keeps a request declined only because its slot is taken,
	// and accepts it if the slot frees before it starts; WaitlistMax caps
	// the requests waiting for one slot (0: no cap).
	Waitlist    bool
	WaitlistMax int
	// Counter sends, with the decline of a request for a taken slot, an
	// iTIP COUNTER proposing the nearest free slot (to the clients that
	// apply one), held for the organizer for CounterHold (15 minutes when
	// 0).
	Counter     bool
	CounterHold time.Duration
	// Approval lists what a facilitator approves instead of the policy
	// refusing it (see approval.go): the rules ApproveTooLong,
	// ApproveOutsideHours, ApproveBeyondWindow, ApproveEndless, and
	// addresses or "@domain" entries whose requests always need one (even
	// from people who are no members, when their mail is authentic).
	Approval []string

	// OutsiderRepliesPerHour caps the replies to organizers who may not
	// book, all together (20 when 0); SenderRepliesPerHour caps the replies
	// to any one address (20 when 0), whatever the meeting.
	OutsiderRepliesPerHour int
	SenderRepliesPerHour   int
}

// Options configures a Gateway. Store and Renderer are required.
type Options struct {
	Store    Store
	Renderer Renderer
	Logger   *slog.Logger

	Rooms      []Room
	HostKey    string
	Concurrent int // meetings the account may host at once (Pro: 1)
	// Hosts is the pool of licensed users of the account (see Host):
	// when set, the capacity is theirs and HostKey and Concurrent are not
	// used; nil keeps the account's one host (HostKey, Concurrent).
	Hosts []Host
	// FreeTools are the video tools beside Zoom, in order: the first
	// takes a meeting Zoom has no host for (see FreeTool).
	FreeTools []FreeTool
	// MeetingOptionsApplied is set when the meeting layer creates each
	// booking's meeting with its MeetingOptions (Zoom API mode): the mails
	// then say so, instead of asking the host to set them (a free tool's
	// booking still asks).
	MeetingOptionsApplied bool
	Policy                Policy

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
	// ServiceName names the cooperative's room service in the signature
	// of members' mails; the templates' own words when "".
	ServiceName string
	// AgendaURL is the members' agenda (with its token), given in the
	// answer to a plain question to the room; "" when there is none.
	AgendaURL string
	// Relay configures the alerts to the facilitators and the reminders.
	Relay RelayOptions
	// Auth says how the From domain of a message is authenticated.
	Auth AuthOptions
	// Approval signs the facilitators' links; required when
	// Policy.Approval lists any rule.
	Approval ApprovalOptions
	// Notices takes the mail without calendar that is not about bookings
	// (the Zoom account's own mail); nil files it in the other folder.
	Notices NoticeHandler
	// ProdID is written in iTIP replies.
	ProdID string
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// RecordAttempts is how many times a message whose decision cannot be
	// recorded, while the database works, is tried before it is rejected
	// (3 when 0). RetryPause is the first pause before trying again,
	// doubled up to a minute (1 s when 0).
	RecordAttempts int
	RetryPause     time.Duration
	// OnOutcome, when set, is called after each message Handle decided
	// (or found already decided), with how long it took. It must be quick
	// and safe for concurrent use; metrics hang here.
	OnOutcome func(Outcome, time.Duration)
	// Meetings, when set, builds the meeting layer (package
	// meetings/layer: Zoom API mode) at the end of New, from the gateway
	// it is given (see MeetingEnv); the decisions then tell it what they
	// did through its MeetingHooks. nil keeps the fixed rooms only.
	Meetings func(*Gateway) (MeetingHooks, error)
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
	if o.Auth.VerifyDKIM && o.Auth.Resolver == nil {
		return o, fmt.Errorf("gateway: Auth.VerifyDKIM needs Auth.Resolver")
	}
	if o.Auth.DNSTimeout <= 0 {
		o.Auth.DNSTimeout = 10 * time.Second
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
	if o.RecordAttempts <= 0 {
		o.RecordAttempts = 3
	}
	if o.RetryPause <= 0 {
		o.RetryPause = time.Second
	}
	if o.ProdID == "" {
		o.ProdID = "-//roomgate//roomgate//EN"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Policy = o.Policy.withDefaults()
	for i, f := range o.Relay.Facilitators {
		a, err := ical.ParseMailbox(f)
		if err != nil {
			return o, fmt.Errorf("gateway: facilitator: %w", err)
		}
		o.Relay.Facilitators[i] = a
	}
	for i := range o.Rooms {
		o.Rooms[i].Address = strings.ToLower(strings.TrimSpace(o.Rooms[i].Address))
	}
	var err error
	if o.Policy.Delegates, err = normalizeDelegates(o.Policy.Delegates); err != nil {
		return o, err
	}
	if err := o.checkApproval(); err != nil {
		return o, err
	}
	if err := o.checkPool(); err != nil {
		return o, err
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
	p.Organizers, p.TrustedSenders = normalizeList(p.Organizers), normalizeList(p.TrustedSenders)
	p.Approval = normalizeApproval(p.Approval)
	if p.CounterHold <= 0 {
		p.CounterHold = 15 * time.Minute
	}
	if p.OutsiderRepliesPerHour <= 0 {
		p.OutsiderRepliesPerHour = 20
	}
	if p.SenderRepliesPerHour <= 0 {
		p.SenderRepliesPerHour = 20
	}
	return p
}

// AllowedOrganizer reports whether addr may book under the policy. addr
// must be a mailbox parsed by ical.ParseMailbox (one '@', lower case,
// ASCII domain): the domain is compared exactly, so "@coop.example" does
// not admit evil.coop.example nor coop.example.evil.example.
func (p Policy) AllowedOrganizer(addr string) bool { return matchesList(p.Organizers, addr) }

// trustedSender reports whether addr may speak for organizers.
func (p Policy) trustedSender(addr string) bool { return matchesList(p.TrustedSenders, addr) }

// matchesList reports whether a parsed mailbox is in a list of addresses
// and "@domain" entries, normalized by ListEntry (Options.withDefaults
// does it).
func matchesList(list []string, addr string) bool {
	at := strings.IndexByte(addr, '@')
	if at <= 0 || strings.Count(addr, "@") != 1 {
		return false
	}
	for _, o := range list {
		if o = strings.ToLower(strings.TrimSpace(o)); o == "" {
			continue
		}
		if o == addr || (o[0] == '@' && o == addr[at:]) {
			return true
		}
	}
	return false
}

// normalizeList normalizes every entry with ListEntry, dropping those
// that are invalid (the configuration refuses them before).
func normalizeList(list []string) []string {
	out := make([]string, 0, len(list))
	for _, e := range list {
		if n, err := ListEntry(e); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// ListEntry normalizes an entry of an address list of the policy: a
// mailbox (see ical.ParseMailbox) or "@domain" (see ical.ParseDomain).
func ListEntry(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") {
		d, err := ical.ParseDomain(s[1:])
		if err != nil {
			return "", fmt.Errorf("%q: %w", s, err)
		}
		return "@" + d, nil
	}
	return ical.ParseMailbox(s)
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
