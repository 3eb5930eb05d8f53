package zoom

import (
	"encoding/json"
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/zoomapi"
)

// TestEvent translates the events of Zoom's webhook reference into the
// layer's, and drops the rest.
func TestEvent(t *testing.T) {
	const ts = 1765011600000 // 2025-12-06 09:00 UTC
	at := time.UnixMilli(ts)
	payload := func(account, object string) json.RawMessage {
		return json.RawMessage(`{"account_id":"` + account + `","object":` + object + `}`)
	}
	meeting := `{"id":81234567890,"uuid":"u1==","topic":"Board"}`
	for _, c := range []struct {
		name        string
		e           zoomapi.Event
		want        meetings.Event
		ok, foreign bool
	}{
		{"started", zoomapi.Event{Name: zoomapi.EventMeetingStarted, TS: ts, Payload: payload("acc", meeting)},
			meetings.Event{Kind: meetings.EventStarted, MeetingID: 81234567890, UUID: "u1==", Topic: "Board", At: at}, true, false},
		{"ended", zoomapi.Event{Name: zoomapi.EventMeetingEnded, TS: ts, Payload: payload("acc", meeting)},
			meetings.Event{Kind: meetings.EventEnded, MeetingID: 81234567890, UUID: "u1==", Topic: "Board", At: at}, true, false},
		{"recording completed", zoomapi.Event{Name: zoomapi.EventRecordingCompleted, TS: ts, Payload: payload("acc", meeting)},
			meetings.Event{Kind: meetings.EventRecordings, MeetingID: 81234567890, UUID: "u1==", Topic: "Board", At: at}, true, false},
		{"another account", zoomapi.Event{Name: zoomapi.EventMeetingStarted, TS: ts, Payload: payload("other", meeting)},
			meetings.Event{}, false, true},
		{"unreadable", zoomapi.Event{Name: zoomapi.EventMeetingEnded, TS: ts, Payload: json.RawMessage(`{"object":[]}`)},
			meetings.Event{}, false, false},
		{"another kind", zoomapi.Event{Name: zoomapi.EventParticipantJoined, TS: ts, Payload: payload("acc", meeting)},
			meetings.Event{}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok, foreign := Event(&c.e, "acc")
			if ok != c.ok || foreign != c.foreign {
				t.Fatalf("ok, foreign = %v, %v; want %v, %v", ok, foreign, c.ok, c.foreign)
			}
			if ok && (got.Kind != c.want.Kind || got.MeetingID != c.want.MeetingID || got.UUID != c.want.UUID ||
				got.Topic != c.want.Topic || !got.At.Equal(c.want.At)) {
				t.Errorf("Event = %+v, want %+v", got, c.want)
			}
		})
	}
}
