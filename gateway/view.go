package gateway

import "time"

// Template names rendered for mails to people. The templates package holds
// one text template (and optionally one HTML template) per name and language.
const (
	TmplAccept  = "accept"  // invitation accepted: room details and hosting steps
	TmplDecline = "decline" // invitation declined: reason, conflicts, suggestions
	// TmplUpdate is the short mail sent with the REPLY when an edit left
	// the slot and the answer as they were (a link or guests added).
	TmplUpdate = "update"
	// TmplComment gives the texts of a REPLY itself: its subject is the
	// REQUEST-STATUS description, its body the COMMENT of a decline.
	TmplComment = "comment"
)

// Reason codes carried by a decision. Templates turn them into sentences in
// the member's language; Reason.Text is the English text for logs and audit.
const (
	ReasonConflict       = "conflict"        // the account is busy then
	ReasonNotOrganizer   = "not-organizer"   // organizer not allowed to book
	ReasonPast           = "past"            // the slot has already started
	ReasonTooLong        = "too-long"        // longer than policy.max_duration
	ReasonBeyondWindow   = "beyond-window"   // later than booking_window_days
	ReasonInvalidTime    = "invalid-time"    // end not after start, etc.
	ReasonSeriesDisabled = "series-disabled" // recurring series not allowed
	ReasonTooManyDates   = "too-many-dates"  // the series has too many occurrences
	ReasonSeriesBusy     = "series-busy"     // a free date of a series declined whole for its busy dates
	// ReasonCancelled is only used for the COMMENT of the REPLY sent when
	// the operator frees a booking.
	ReasonCancelled = "cancelled"
)

// Slot is a time range shown to a person, already in the display zone.
type Slot struct {
	Start, End time.Time
}

// RoomView is what a mail may show of a room. Passcode and join link are
// only filled for accepted bookings.
type RoomView struct {
	Name      string
	Address   string
	JoinURL   string
	MeetingID string
	Passcode  string
}

// MailView is the data given to every mail template.
type MailView struct {
	// AgendaURL is the members' agenda, in the answer to a question.
	AgendaURL     string
	Lang          string // "fr" or "en"
	Summary       string // the meeting's title as the member wrote it
	OrganizerName string // CN of the organizer, or "" when absent
	Organizer     string // organizer address
	Room          RoomView
	HostKey       string // only for accept
	// HostName names the pool host whose room and key the mail gives
	// ("" without a pool).
	HostName string
	// Tool is the free tool's room a booking is held on, when Zoom was
	// full (see FreeTool); nil for Zoom.
	Tool *ToolView
	// Options are the meeting options the booking asked for; nil for none.
	Options *OptionsView
	// OtherHosts lists, in a series' accept mail, the dates held with
	// another pool host than the mail's Room and HostKey (another room).
	OtherHosts []HostDate
	// ToolDates lists, in a series' mail, the dates held on a free tool
	// because Zoom was full then, each with its room's links.
	ToolDates   []ToolDate
	When        Slot   // the slot asked for (display zone)
	TimeZone    string // display zone name, e.g. "Europe/Paris"
	Reason      string // one of the Reason* codes, for declines
	Conflicts   []Slot // busy bookings that overlap the asked slot
	Suggestions []Slot // free slots of the same length
	MaxDuration time.Duration
	WindowDays  int
	// LeadMinutes is how many minutes early the host should arrive.
	LeadMinutes int
	// RecordingHours is how long cloud recordings are kept: 24.
	RecordingHours int
	// Concurrent is how many meetings the account hosts at once.
	Concurrent int
	// Contact is the facilitators' contact text from the config, may be "".
	Contact string
	// Service names the cooperative's room service in the signature
	// ("Salles Zoom d'Opteos"); "" lets the templates use their own words.
	Service string
	// Accepted is set when the room takes the meeting (or some dates of it).
	Accepted bool
	// Buffer is kept free before and after every booking; BufferOnly is
	// set when the asked slot overlaps no booking but only their buffers.
	Buffer     time.Duration
	BufferOnly bool
	// LinkInInvitation is set when the invitation's LOCATION or
	// DESCRIPTION already holds the room's join link, so the member need
	// not add it for their guests.
	LinkInInvitation bool
	// Note is a free text from the operator, e.g. why a booking was
	// cancelled; may be "".
	Note string

	// Series is set for a recurring meeting. Dates counts the dates
	// decided (inside the booking window), Declined lists the dates the
	// room cannot take, with their reasons; the others are booked.
	Series   bool
	Dates    int
	Declined []DateDecision
	// Recurrence names the series in words ("chaque mardi du 1er au 29
	// décembre 2026"); nil when the dates were not expanded.
	Recurrence *Recurrence

	// Counter is the slot proposed by an iTIP COUNTER, held for the
	// organizer for CounterHold; nil when none.
	Counter     *Slot
	CounterHold time.Duration

	// Waiting is set for a decline whose request waits for the slot;
	// Freed for the accept mail of a waiting request whose slot freed.
	Waiting, Freed bool

	// RoomTaken is set for a decline because the room asked for is in use
	// while the account could host one meeting more (in another room).
	RoomTaken bool
	// SameMeeting is set for a decline because the meeting itself (its
	// UID) is booked under another organizer; BookedBy is that organizer's
	// address when the mail goes to a member, else "".
	SameMeeting bool
	BookedBy    string
	// HandedTo and HandedToName are, in the mail to the previous
	// organizer of a meeting handed over (TmplHandedOver), the address and
	// name ("" when absent) of the organizer who now holds its booking.
	HandedTo, HandedToName string

	// Quota says what the organizer holds, for a decline for a quota or
	// ReasonHolds, or with HoldsFull.
	Quota QuotaView
	// HoldsFull is set in a decline for a taken slot that neither waits
	// nor gets a proposal because the organizer (or their domain) already
	// holds Quota.Count requests not yet accepted, of Quota.Most.
	HoldsFull bool

	// Pending is set when a facilitator must approve the request, for
	// the rules in Approval (Approve* and ApproveDomain); the slot is held
	// meanwhile. Approved is set in the accept mail of an approved
	// request, Refused in the decline of a refused one (Note: why).
	// ApprovalLinks are the facilitators' signed links (TmplApproval).
	Pending, Approved, Refused bool
	Approval                   []string
	ApprovalLinks              *ApprovalLinks
	// DayHours are the policy's day hours (on any day), for the rule
	// outside-hours; Member is set, in the facilitators' mail, when the
	// organizer is a member.
	DayHours Slot
	Member   bool

	// Outsider is set for a mail to somebody who may not book: it shows
	// nothing they wrote (their meeting's title) in its subject.
	Outsider bool

	// Relay is what the relay and reminder templates show (code, alert,
	// recording, reminder, recording-reminder, chat); zero elsewhere.
	Relay RelayView

	// Zoom is what Zoom API mode's templates show; zero elsewhere.
	Zoom ZoomView
}

// Rendered is a mail text produced from a template.
type Rendered struct {
	Subject string
	Text    string // text/plain body
	HTML    string // text/html body, "" when the template has none
}

// Renderer turns a template name and its data into a mail text in one
// language. The templates package implements it.
type Renderer interface {
	Render(lang, name string, data any) (Rendered, error)
}

// Recurrence is a recurring meeting as a mail names it, read from the
// dates decided (not from the RRULE, so that any rule reads the same).
type Recurrence struct {
	// Weeks is 1 when the dates are every week on Days, 2 every other
	// week; 0 when they follow no weekly pattern.
	Weeks int
	Days  []time.Weekday // Monday first
	Daily bool           // one date every day
	// First and Last are the first and last dates decided; SameTime is
	// set when every date has First's hours.
	First, Last Slot
	SameTime    bool
	// Open is set for a series without end: Last is then only the last
	// date inside the booking window.
	Open  bool
	Dates int
}

// HostDate is a date of a series held with another pool host: its room
// and host key.
type HostDate struct {
	When    Slot
	Room    RoomView
	HostKey string
}

// DateDecision is one declined date of a recurring series, as a mail
// lists it.
type DateDecision struct {
	When       Slot
	Reason     string // one of the Reason* codes
	Conflicts  []Slot // bookings in the way, for ReasonConflict
	Suggestion *Slot  // the nearest free slot of the same length, if any
}
