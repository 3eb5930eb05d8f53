package zoommail

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// recordingNotice is what a Zoom recording notice says of its meeting.
type recordingNotice struct {
	topic     string
	meetingID string    // digits only, "" when the notice has none
	start     time.Time // the meeting's start, zero when not found
}

// Lines of a recording notice's body: "Topic: …", "Date: Dec 1, 2026
// 02:00 PM Paris", "Meeting ID: 812 3456 7890".
var (
	topicLine     = regexp.MustCompile(`(?im)^\s*Topic\s*:\s*(.+?)\s*$`)
	dateLine      = regexp.MustCompile(`(?im)^\s*(?:Date|Start Time)\s*:\s*(.+?)\s*$`)
	meetingIDLine = regexp.MustCompile(`(?im)^\s*Meeting ID\s*:\s*([0-9][0-9 ]{7,16}[0-9])\b`)
)

// parseRecording reads a recording notice. Its times are written in the
// account's zone, taken to be loc.
func parseRecording(subject, text string, loc *time.Location) *recordingNotice {
	n := &recordingNotice{topic: recordingSubject(subject)}
	if m := topicLine.FindStringSubmatch(text); m != nil {
		n.topic = m[1]
	}
	if m := meetingIDLine.FindStringSubmatch(text); m != nil {
		n.meetingID = digits(m[1])
	}
	if m := dateLine.FindStringSubmatch(text); m != nil {
		n.start = parseZoomDate(m[1], loc)
	}
	return n
}

// zoomDate finds the date and time at the start of a Date line; what
// follows (the zone's name) is left out.
var zoomDate = regexp.MustCompile(`^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4}),?(?: at)? (\d{1,2}:\d{2})(?: ?([AaPp][Mm]))?`)

// parseZoomDate parses "Dec 1, 2026 02:00 PM Paris" or "December 1, 2026
// 14:00" in loc. It returns zero when the text is not such a date.
func parseZoomDate(s string, loc *time.Location) time.Time {
	m := zoomDate.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}
	}
	month := m[1]
	if len(month) > 3 {
		month = month[:3]
	}
	v := fmt.Sprintf("%s %s %s %s", month, m[2], m[3], m[4])
	layout := "Jan 2 2006 15:04"
	if m[5] != "" {
		v, layout = v+" "+strings.ToUpper(m[5]), "Jan 2 2006 3:04 PM"
	}
	t, err := time.ParseInLocation(layout, v, loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// How far a notice's time may be from its booking's start, and how far
// back a notice without a time looks for the booking it follows.
const (
	recordingSlack    = 2 * time.Hour
	recordingLookback = 36 * time.Hour
)

// matchRecording finds the accepted booking a notice belongs to: among the
// bookings of the rooms with the notice's meeting ID (a room keeps its ID
// for every booking, so the time decides) or, without an ID, whose summary
// or room name is the topic, the one starting nearest the notice's time,
// or without a time the one that ended last. nil when none fits.
func matchRecording(ctx context.Context, d *gateway.Desk, n *recordingNotice, now time.Time) (*gateway.Booking, error) {
	from, to := now.Add(-recordingLookback), now
	if !n.start.IsZero() {
		from, to = n.start.Add(-recordingSlack), n.start.Add(recordingSlack)
	}
	near, err := d.Overlapping(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("read bookings: %w", err)
	}
	var best *gateway.Booking
	bestGap := time.Duration(1<<63 - 1)
	for i := range near {
		b := &near[i]
		if !recordingFits(d, n, b) || (n.start.IsZero() && b.Start.After(now)) {
			continue
		}
		gap := b.Start.Sub(n.start).Abs()
		if n.start.IsZero() {
			gap = now.Sub(b.End).Abs()
		}
		if gap < bestGap {
			best, bestGap = b, gap
		}
	}
	return best, nil
}

// recordingFits reports whether booking b may be the notice's meeting.
func recordingFits(d *gateway.Desk, n *recordingNotice, b *gateway.Booking) bool {
	room := d.Room(b.Room)
	if n.meetingID != "" {
		return room != nil && digits(room.MeetingID) == n.meetingID
	}
	topic := strings.TrimSpace(n.topic)
	return topic != "" && (strings.EqualFold(topic, strings.TrimSpace(b.Summary)) ||
		(room != nil && strings.EqualFold(topic, room.Name)))
}
