package layer

import (
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// zoomBaseView is the part of gateway.ZoomView every mail of the mode shares.
func (l *Layer) zoomBaseView() gateway.ZoomView {
	z := l.opt
	v := gateway.ZoomView{StartLinks: z.StartLinks, OpensMinutes: int(z.ArriveEarly / time.Minute), Recordings: z.Recordings}
	if z.ReleaseNoShows {
		v.ReleaseMinutes = int(z.ReleaseAfter / time.Minute)
	}
	v.WaitingRoom = l.opt.WaitingRoom
	return v
}

// meetingView is one meeting as a mail shows it, with the key of its
// host, which the mail gives without start links (zoomFill).
type meetingView struct {
	gateway.ZoomMeetingView
	hostKey   string
	bookingID int64
}

// zoomMeetingView shows the meeting m of booking b.
func (l *Layer) zoomMeetingView(b *gateway.Booking, m *meetings.Meeting) meetingView {
	loc := l.loc
	v := gateway.ZoomMeetingView{When: gateway.Slot{Start: b.Start.In(loc), End: b.End.In(loc)}, JoinURL: m.JoinURL,
		MeetingID: FormatMeetingID(m.MeetingID), Passcode: m.Passcode}
	if l.opt.StartLinks {
		v.StartLink = l.StartLink(b.ID, m.Marker)
	}
	return meetingView{ZoomMeetingView: v, hostKey: l.zoomHostKey(b), bookingID: b.ID}
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
func (l *Layer) StartLink(id int64, marker string) string {
	return strings.TrimRight(l.opt.PublicURL, "/") + "/start/" + strconv.FormatInt(id, 10) + "/" +
		meetings.StartSignature(l.opt.LinkKey, id, marker)
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
