package gateway

import "time"

// Template names rendered for mails to people. The templates package holds
// one text template (and optionally one HTML template) per name and language.
const (
	TmplAccept  = "accept"  // invitation accepted: room details and hosting steps
	TmplDecline = "decline" // invitation declined: reason, conflicts, suggestions
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
	Lang          string // "fr" or "en"
	Summary       string // the meeting's title as the member wrote it
	OrganizerName string // CN of the organizer, or "" when absent
	Organizer     string // organizer address
	Room          RoomView
	HostKey       string // only for accept
	When          Slot   // the slot asked for (display zone)
	TimeZone      string // display zone name, e.g. "Europe/Paris"
	Reason        string // one of the Reason* codes, for declines
	Conflicts     []Slot // busy bookings that overlap the asked slot
	Suggestions   []Slot // free slots of the same length
	MaxDuration   time.Duration
	WindowDays    int
	// LeadMinutes is how many minutes early the host should arrive.
	LeadMinutes int
	// RecordingHours is how long cloud recordings are kept: 24.
	RecordingHours int
	// Concurrent is how many meetings the account hosts at once.
	Concurrent int
	// Contact is the facilitators' contact text from the config, may be "".
	Contact string
	// Note is a free text from the operator, e.g. why a booking was
	// cancelled; may be "".
	Note string

	// Series is set for a recurring meeting. Dates counts the dates
	// decided (inside the booking window), Declined lists the dates the
	// room cannot take, with their reasons; the others are booked.
	Series   bool
	Dates    int
	Declined []DateDecision

	// Quota says what the organizer holds, for a decline for a quota.
	Quota QuotaView

	// Outsider is set for a mail to somebody who may not book: it shows
	// nothing they wrote (their meeting's title) in its subject.
	Outsider bool

	// Relay is what the relay and reminder templates show (code, alert,
	// recording, reminder, recording-reminder, chat); zero elsewhere.
	Relay RelayView
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

// DateDecision is one declined date of a recurring series, as a mail
// lists it.
type DateDecision struct {
	When       Slot
	Reason     string // one of the Reason* codes
	Conflicts  []Slot // bookings in the way, for ReasonConflict
	Suggestion *Slot  // the nearest free slot of the same length, if any
}
