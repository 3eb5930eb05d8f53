package gateway

import "time"

// The mails of the meeting layer (package meetings/layer, Zoom API mode)
// are rendered from the gateway's templates with a MailView: their
// template names and what they show (MailView.Zoom) are defined here,
// with the other mails' vocabulary.

// Template names of Zoom API mode's mails.
const (
	// TmplZoomAccept is the accept mail with the booking's own meeting(s).
	TmplZoomAccept = "zoom-accept"
	// TmplZoomLink tells an organizer the link of a meeting made after
	// the accept mail left (Zoom was slow or down) or for a date decided
	// later.
	TmplZoomLink = "zoom-link"
	// TmplZoomReminder is the reminder with the booking's own meeting.
	TmplZoomReminder = "zoom-reminder"
	// TmplZoomReleased comes with the REPLY of a booking freed because
	// its meeting had not started.
	TmplZoomReleased = "zoom-released"
	// TmplZoomRecordings gives the link to the copies of the recordings.
	TmplZoomRecordings = "zoom-recordings"
	// TmplZoomAttendance is the participants report.
	TmplZoomAttendance = "zoom-attendance"
	// TmplZoomUnbooked tells the facilitators of a meeting running on
	// the account without a booking.
	TmplZoomUnbooked = "zoom-unbooked"
	// TmplZoomOverrun warns an organizer whose meeting runs into the next
	// booking.
	TmplZoomOverrun = "zoom-overrun"
)

// ZoomView is what Zoom API mode's templates show (MailView.Zoom).
type ZoomView struct {
	// Meetings are the booking's own meetings, one per date, in order.
	Meetings []ZoomMeetingView
	// StartLinks is set when members start their meeting with a start
	// link rather than the host key; OpensMinutes is how long before the
	// start a start link works.
	StartLinks   bool
	OpensMinutes int
	// WaitingRoom is set when meetings are created with the waiting room
	// on.
	WaitingRoom bool
	// ReleaseMinutes: a meeting not started that long after its start is
	// freed; 0 when no-shows are not released.
	ReleaseMinutes int
	// Recordings is set when cloud recordings are copied and mailed.
	Recordings bool
	// KeyPerDate is set when each meeting shows its own host's key
	// (ZoomMeetingView.HostKey) instead of one MailView.HostKey.
	KeyPerDate bool
	// RecordingsURL, RecordingsUntil and Files describe the copies of a
	// meeting's recordings.
	RecordingsURL   string
	RecordingsUntil time.Time
	Files           []ZoomFileView
	// Attendance is the participants report, by join time; Waiting are
	// those left in the waiting room, never admitted.
	Attendance []ZoomAttendeeView
	Waiting    []ZoomAttendeeView
	// Live is a meeting running without a booking (TmplZoomUnbooked).
	Live ZoomLiveView
	// Next is the booking an overrunning meeting runs into, and EndsAt
	// when the meeting will be ended (zero when it will not be).
	Next   Slot
	EndsAt time.Time
	// Account is a problem of the Zoom account (TmplZoomAccount).
	Account ZoomAccountView
}

// ZoomMeetingView is one meeting as a mail shows it.
type ZoomMeetingView struct {
	When      Slot
	JoinURL   string
	MeetingID string // "812 3456 7890"
	Passcode  string
	// StartLink is the member's personal start link; "" without them.
	StartLink string
	// HostKey is the key of this date's host, shown beside the date when
	// the dates of the mail have hosts of different keys (a series split
	// between pool hosts, without start links); "" otherwise.
	HostKey string
	// NewLink marks a meeting made again under another pool host (the
	// booking moved to a time its host was busy): the link an earlier
	// mail gave for this date no longer works.
	NewLink bool
}

// ZoomFileView is one copied recording file.
type ZoomFileView struct {
	Name, Type string
	Size       string // "12.3 MB"
}

// ZoomAttendeeView is one join of a participant.
type ZoomAttendeeView struct {
	Name, Email string
	Time        Slot // joined, left (display zone)
	Minutes     int
}

// ZoomLiveView is a meeting seen live.
type ZoomLiveView struct {
	Topic     string
	MeetingID string
	Seen      time.Time
	// Booked is set when the meeting is a booking's, but runs outside its
	// slot (When).
	Booked bool
	When   Slot
}

// TmplZoomAccount tells the facilitators of a problem of the Zoom account.
const TmplZoomAccount = "zoom-account"

// The problems ZoomAccountView.Problem names.
const (
	ZoomProblemDailyLimit = "daily-limit"
	ZoomProblemPasscode   = "passcode"
)

// ZoomAccountView is a problem of the account (TmplZoomAccount).
type ZoomAccountView struct {
	Problem string
	// ResumeAt is when Zoom takes creations and updates again (daily
	// limit), in the display zone.
	ResumeAt time.Time
}
