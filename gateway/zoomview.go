package gateway

import (
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
)

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
	// hostKey is the key of the booking's host (zoomHostKey), which the
	// mail gives without start links.
	hostKey string
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

// zoomBaseView is the part of ZoomView every mail of the mode shares.
func (g *Gateway) zoomBaseView() ZoomView {
	z := g.zoom.opt
	v := ZoomView{StartLinks: z.StartLinks, OpensMinutes: int(z.ArriveEarly / time.Minute), Recordings: z.Recordings}
	if z.ReleaseNoShows {
		v.ReleaseMinutes = int(z.ReleaseAfter / time.Minute)
	}
	v.WaitingRoom = g.zoom.opt.WaitingRoom
	return v
}

// zoomMeetingView shows the meeting m of booking b.
func (g *Gateway) zoomMeetingView(b *Booking, m *meetings.Meeting) ZoomMeetingView {
	loc := g.opt.Location
	v := ZoomMeetingView{When: Slot{b.Start.In(loc), b.End.In(loc)}, JoinURL: m.JoinURL,
		MeetingID: FormatMeetingID(m.MeetingID), Passcode: m.Passcode, hostKey: g.zoomHostKey(b)}
	if g.zoom.opt.StartLinks {
		v.StartLink = g.StartLink(b.ID, m.Marker)
	}
	return v
}

// FormatMeetingID writes a meeting number as Zoom shows it: "812 3456 7890".
func FormatMeetingID(id int64) string {
	s := strconv.FormatInt(id, 10)
	if len(s) < 10 {
		return s
	}
	return s[:len(s)-8] + " " + s[len(s)-8:len(s)-4] + " " + s[len(s)-4:]
}

// StartLink is the signed address of the start link of booking id
// whose meeting has that marker.
func (g *Gateway) StartLink(id int64, marker string) string {
	return strings.TrimRight(g.zoom.opt.PublicURL, "/") + "/start/" + strconv.FormatInt(id, 10) + "/" +
		meetings.StartSignature(g.zoom.opt.LinkKey, id, marker)
}

// humanSize writes a size in bytes for people: "812 B", "12.3 MB".
func humanSize(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("kMGTPE"[exp]) + "B"
}
