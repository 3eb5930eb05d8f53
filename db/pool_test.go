package db

import (
	"testing"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
)

// TestBookingPlace: a booking's host, free tool, tool room and options
// (migration 0012) come back from every read that decisions use, and a
// save updates them.
func TestBookingPlace(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b.newDB(t))
		ctx := t.Context()
		zoom := booking("z", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		zoom.Host, zoom.Options = "salle-b", gateway.MeetingOptions{Muted: true, CloudRecording: true}
		tool := booking("j", "", at(10, 0), at(11, 0), gateway.StatusAccepted)
		tool.Provider, tool.Reason = "jitsi", "conflict: the account is full; held on jitsi"
		tool.ToolRoom = gateway.ToolRoom{ID: "r1", JoinURL: "https://meet.coop.example/r1?jwt=g", HostURL: "https://meet.coop.example/r1?jwt=m",
			ValidFrom: at(9, 0), ValidUntil: at(12, 0)}
		old := booking("o", "", at(12, 0), at(13, 0), gateway.StatusAccepted) // as before 0012: nothing set
		saveAll(t, s, []*gateway.Booking{zoom, tool})
		err := s.Update(ctx, func(tx gateway.Tx) error {
			if err := tx.SaveBookings(ctx, []*gateway.Booking{old}); err != nil {
				return err
			}
			got, err := tx.Overlapping(ctx, at(9, 0), at(14, 0))
			if err != nil {
				return err
			}
			diff(t, "Overlapping", got, []gateway.Booking{*zoom, *tool, *old})
			got, err = tx.OverlappingAny(ctx, []gateway.Span{{Start: at(10, 30), End: at(10, 45)}})
			if err != nil {
				return err
			}
			diff(t, "OverlappingAny", got, []gateway.Booking{*zoom, *tool})
			got, err = tx.BookingsOf(ctx, "ann@example.org", "j")
			diff(t, "BookingsOf", got, []gateway.Booking{*tool})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// A new decision moves the meeting to another host, without options.
		zoom.Host, zoom.Options = "salle-a", gateway.MeetingOptions{}
		saveAll(t, s, []*gateway.Booking{zoom})
		got, err := s.ListBookings(ctx, at(0, 0), at(23, 0))
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "ListBookings", got, []gateway.Booking{*zoom, *tool, *old})
	})
}

// TestToolRoomText: the stored form of a tool room reads back, and a
// value that is not one reads as none.
func TestToolRoomText(t *testing.T) {
	r := gateway.ToolRoom{ID: "x", JoinURL: "https://a.example/x", ValidUntil: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	if got := toolRoom(toolRoomText(r)); got != r {
		t.Errorf("round trip = %+v, want %+v", got, r)
	}
	if got := toolRoomText(gateway.ToolRoom{}); got != "" {
		t.Errorf("no room stored as %q, want \"\"", got)
	}
	if got := toolRoom("{not json"); got != (gateway.ToolRoom{}) {
		t.Errorf("bad value read as %+v", got)
	}
}
