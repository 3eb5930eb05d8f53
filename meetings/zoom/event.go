package zoom

import (
	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/zoomapi"
)

// Event translates a verified webhook event of Zoom's into the meeting
// layer's. ok is false for an event the layer has no use for: of another
// kind, unreadable, or of an account other than accountID (foreign is
// then true: worth a warning).
func Event(e *zoomapi.Event, accountID string) (ev meetings.Event, ok, foreign bool) {
	ev.At = e.Time()
	var account string
	switch e.Name {
	case zoomapi.EventMeetingStarted, zoomapi.EventMeetingEnded:
		acc, m, err := e.Meeting()
		if err != nil {
			return ev, false, false
		}
		ev.Kind = meetings.EventStarted
		if e.Name == zoomapi.EventMeetingEnded {
			ev.Kind = meetings.EventEnded
		}
		account, ev.MeetingID, ev.UUID, ev.Topic = acc, int64(m.ID), m.UUID, m.Topic
	case zoomapi.EventRecordingCompleted:
		acc, r, err := e.Recording()
		if err != nil {
			return ev, false, false
		}
		ev.Kind = meetings.EventRecordings
		account, ev.MeetingID, ev.UUID, ev.Topic = acc, int64(r.ID), r.UUID, r.Topic
	default:
		return ev, false, false
	}
	if account != accountID {
		return meetings.Event{}, false, true
	}
	return ev, true, false
}
