package layer

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// Watching the account: every PollInterval the meetings that run now are
// listed (this works behind NAT; Zoom's webhook, when configured, only
// brings the news sooner). A meeting of a booking is marked started; one
// that runs without a booking, or long before its slot, is reported to the
// facilitators once; one that runs past its end into the next booking is
// warned about, then ended (Overrun).

// zoomEarlyGrace is how much earlier than its start link opens a meeting
// may start before it counts as running without its booking.
const zoomEarlyGrace = 5 * time.Minute

// WatchOnce looks at the live meetings once, and removes the copies
// of recordings whose link expired.
func (l *Layer) WatchOnce(ctx context.Context) error {
	if l == nil {
		return nil
	}
	live, err := l.caps.Watch.LiveMeetings(ctx)
	if err != nil {
		return fmt.Errorf("list live meetings: %w", err)
	}
	now := l.now()
	for _, m := range live {
		if err := l.watchLive(ctx, m, now); err != nil {
			return err
		}
	}
	return l.zoomCleanup(ctx)
}

// watchLive looks at one live meeting.
func (l *Layer) watchLive(ctx context.Context, live meetings.Info, now time.Time) error {
	z := l.opt
	m, err := z.Store.ZoomMeetingByID(ctx, live.ID)
	if err != nil {
		return err
	}
	var b *gateway.Booking
	if m != nil {
		if b, _, err = z.Store.ZoomBooking(ctx, m.BookingID); err != nil {
			return err
		}
	}
	if b != nil && b.Status == gateway.StatusAccepted {
		if m.StartedAt.IsZero() {
			if err := l.zoomMarkStarted(ctx, b.ID, now, nil); err != nil {
				return err
			}
		}
		switch {
		case now.Before(b.Start.Add(-z.ArriveEarly - zoomEarlyGrace)):
			return l.alertUnbooked(ctx, live, b, now)
		case now.After(b.End):
			return l.zoomOverrun(ctx, live, b, now)
		}
		return nil
	}
	if b == nil {
		if inUse, err := l.fixedRoomInUse(ctx, live.ID, now); err != nil || inUse {
			return err
		}
	}
	return l.alertUnbooked(ctx, live, b, now)
}

// fixedRoomInUse reports whether meeting id is a room's fixed meeting and
// a booking of that room runs now (its member got the room's details).
func (l *Layer) fixedRoomInUse(ctx context.Context, id int64, now time.Time) (bool, error) {
	var room *gateway.Room
	for i := range l.rooms {
		if roomMeetingNumber(&l.rooms[i]) == id {
			room = &l.rooms[i]
		}
	}
	if room == nil {
		return false, nil
	}
	early := l.opt.ArriveEarly + zoomEarlyGrace
	inUse := false
	err := l.store.Update(ctx, func(tx gateway.Tx) error {
		bs, err := tx.Overlapping(ctx, now, now.Add(early))
		for _, b := range bs {
			inUse = inUse || (b.Status == gateway.StatusAccepted && b.Room == room.Address)
		}
		return err
	})
	return inUse, err
}

// alertUnbooked tells the facilitators, once per meeting, that it runs
// without a booking (b nil), or outside the slot of booking b.
func (l *Layer) alertUnbooked(ctx context.Context, live meetings.Info, b *gateway.Booking, now time.Time) error {
	key := "unbooked:" + strconv.FormatInt(live.ID, 10) + ":" + live.UUID
	if live.UUID == "" {
		key += now.UTC().Format("2006-01-02")
	}
	view := l.g.FacilitatorView(b)
	view.Zoom.Live = gateway.ZoomLiveView{Topic: gateway.Printable(live.Topic), MeetingID: FormatMeetingID(live.ID), Seen: now.In(l.loc)}
	if b != nil {
		view.Zoom.Live.Booked, view.Zoom.Live.When = true, view.When
	}
	sent := 0
	err := l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.AlertOnce(ctx, key, now.UTC())
		if err != nil || !first {
			return err
		}
		sent, err = l.g.NotifyFacilitators(ctx, tx, key, gateway.TmplZoomUnbooked, view)
		return err
	})
	if err != nil || sent == 0 {
		return err
	}
	l.opt.Metrics.ZoomEvent("unbooked_alert")
	l.log.Warn("a meeting runs on the account without a booking", "meeting_id", live.ID, "booked", b != nil)
	l.g.Kick()
	return nil
}

// zoomOverrun handles the meeting of booking b running past its end:
// when the next booking is near, its organizer is warned once, and when
// it starts the meeting is ended (OverrunEnd).
func (l *Layer) zoomOverrun(ctx context.Context, live meetings.Info, b *gateway.Booking, now time.Time) error {
	z := l.opt
	if z.Overrun == OverrunOff {
		return nil
	}
	next, err := l.nextBooking(ctx, b, now, now.Add(z.OverrunWarning))
	if err != nil || next == nil {
		return err
	}
	pair := strconv.FormatInt(b.ID, 10) + ":" + strconv.FormatInt(next.ID, 10)
	if !now.Before(next.Start) && z.Overrun == OverrunEnd {
		if err := l.caps.Watch.EndMeeting(ctx, live.ID); err != nil {
			return fmt.Errorf("end an overrunning meeting: %w", err)
		}
		l.log.Warn("overrunning meeting ended: the next booking starts", "booking_id", b.ID, "meeting_id", live.ID,
			"next_booking_id", next.ID)
		z.Metrics.ZoomEvent("overrun_ended")
		return l.zoomOnce(ctx, "overrun-end:"+pair, nil)
	}
	err = l.zoomOnce(ctx, "overrun-warn:"+pair, func(tx gateway.Tx) error {
		if l.g.MustNotAnswer(b.Organizer) {
			return nil
		}
		v := l.zoomBookingView(b)
		v.Zoom = l.zoomBaseView()
		loc := l.loc
		v.Zoom.Next = gateway.Slot{Start: next.Start.In(loc), End: next.End.In(loc)}
		if z.Overrun == OverrunEnd {
			v.Zoom.EndsAt = next.Start.In(loc)
		}
		return l.g.QueueNotice(ctx, tx, gateway.NoticeMail{Key: "zoom-overrun:" + pair, From: l.g.RoomSender(b),
			To: gateway.Address{Name: b.OrganizerName, Addr: b.Organizer}, Template: gateway.TmplZoomOverrun, View: v})
	})
	if err == nil {
		l.g.Kick()
	}
	return err
}

// nextBooking returns the first accepted booking other than b that
// starts after b and overlaps [from, to), or nil.
func (l *Layer) nextBooking(ctx context.Context, b *gateway.Booking, from, to time.Time) (*gateway.Booking, error) {
	var next *gateway.Booking
	err := l.store.Update(ctx, func(tx gateway.Tx) error {
		bs, err := tx.Overlapping(ctx, from, to)
		for i := range bs {
			c := &bs[i]
			if c.ID != b.ID && c.Status == gateway.StatusAccepted && c.Start.After(b.Start) && (next == nil || c.Start.Before(next.Start)) {
				next = c
			}
		}
		return err
	})
	return next, err
}

// zoomOnce runs fn in a transaction the first time key is seen.
func (l *Layer) zoomOnce(ctx context.Context, key string, fn func(gateway.Tx) error) error {
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.AlertOnce(ctx, key, l.now().UTC())
		if err != nil || !first || fn == nil {
			return err
		}
		return fn(tx)
	})
}

// HandleEvent takes an event Zoom sent. It only brings forward what
// polling does: a meeting started is looked at at once, the recordings
// and report of a meeting that ended are looked for sooner. Events of
// other meetings and other kinds are ignored.
func (l *Layer) HandleEvent(ctx context.Context, e meetings.Event) error {
	if l == nil || e.MeetingID == 0 {
		return nil
	}
	switch e.Kind {
	case meetings.EventStarted:
		return l.watchLive(ctx, meetings.Info{ID: e.MeetingID, UUID: e.UUID, Topic: e.Topic, Status: "started"}, l.now())
	case meetings.EventEnded, meetings.EventRecordings:
		return l.zoomEnded(ctx, e)
	}
	return nil
}

// zoomEnded makes the recordings and report jobs of the event's meeting
// due now (its recordings are ready) or shortly (it ended).
func (l *Layer) zoomEnded(ctx context.Context, e meetings.Event) error {
	z := l.opt
	m, err := z.Store.ZoomMeetingByID(ctx, e.MeetingID)
	if err != nil || m == nil {
		return err
	}
	at := l.now().UTC()
	if e.Kind == meetings.EventEnded {
		at = at.Add(zoomSettle)
	}
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		if z.Recordings {
			if err := ztx.QueueJob(ctx, m.BookingID, meetings.JobRecordings, at); err != nil {
				return err
			}
		}
		if z.Attendance && e.Kind == meetings.EventEnded {
			return ztx.QueueJob(ctx, m.BookingID, meetings.JobAttendance, at)
		}
		return nil
	})
}
