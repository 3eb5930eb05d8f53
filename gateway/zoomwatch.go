package gateway

import (
	"context"
	"fmt"
	"strconv"
	"time"

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

// ZoomWatchOnce looks at the live meetings once, and removes the copies
// of recordings whose link expired.
func (g *Gateway) ZoomWatchOnce(ctx context.Context) error {
	if g.zoom == nil {
		return nil
	}
	live, err := g.zoom.caps.Watch.LiveMeetings(ctx)
	if err != nil {
		return fmt.Errorf("list live meetings: %w", err)
	}
	now := g.opt.Now()
	for _, l := range live {
		if err := g.watchLive(ctx, l, now); err != nil {
			return err
		}
	}
	return g.zoomCleanup(ctx)
}

// watchLive looks at one live meeting.
func (g *Gateway) watchLive(ctx context.Context, l ZoomInfo, now time.Time) error {
	z := g.zoom.opt
	m, err := z.Store.ZoomMeetingByID(ctx, l.ID)
	if err != nil {
		return err
	}
	var b *Booking
	if m != nil {
		if b, _, err = z.Store.ZoomBooking(ctx, m.BookingID); err != nil {
			return err
		}
	}
	if b != nil && b.Status == StatusAccepted {
		if m.StartedAt.IsZero() {
			if err := g.zoomMarkStarted(ctx, b.ID, now, nil); err != nil {
				return err
			}
		}
		switch {
		case now.Before(b.Start.Add(-z.ArriveEarly - zoomEarlyGrace)):
			return g.alertUnbooked(ctx, l, b, now)
		case now.After(b.End):
			return g.zoomOverrun(ctx, l, b, now)
		}
		return nil
	}
	if b == nil {
		if inUse, err := g.fixedRoomInUse(ctx, l.ID, now); err != nil || inUse {
			return err
		}
	}
	return g.alertUnbooked(ctx, l, b, now)
}

// fixedRoomInUse reports whether meeting id is a room's fixed meeting and
// a booking of that room runs now (its member got the room's details).
func (g *Gateway) fixedRoomInUse(ctx context.Context, id int64, now time.Time) (bool, error) {
	var room *Room
	for i := range g.opt.Rooms {
		if roomMeetingNumber(&g.opt.Rooms[i]) == id {
			room = &g.opt.Rooms[i]
		}
	}
	if room == nil {
		return false, nil
	}
	early := g.zoom.opt.ArriveEarly + zoomEarlyGrace
	inUse := false
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		bs, err := tx.Overlapping(ctx, now, now.Add(early))
		for _, b := range bs {
			inUse = inUse || (b.Status == StatusAccepted && b.Room == room.Address)
		}
		return err
	})
	return inUse, err
}

// alertUnbooked tells the facilitators, once per meeting, that it runs
// without a booking (b nil), or outside the slot of booking b.
func (g *Gateway) alertUnbooked(ctx context.Context, l ZoomInfo, b *Booking, now time.Time) error {
	key := "unbooked:" + strconv.FormatInt(l.ID, 10) + ":" + l.UUID
	if l.UUID == "" {
		key += now.UTC().Format("2006-01-02")
	}
	view := MailView{Lang: g.opt.Lang, TimeZone: g.opt.Location.String(), Contact: g.opt.Contact, Service: g.opt.ServiceName}
	view.Zoom.Live = ZoomLiveView{Topic: printable(l.Topic), MeetingID: FormatMeetingID(l.ID), Seen: now.In(g.opt.Location)}
	if b != nil {
		g.bookingView(&view, b)
		view.Lang = g.opt.Lang
		view.Zoom.Live.Booked, view.Zoom.Live.When = true, view.When
	}
	sent := 0
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.AlertOnce(ctx, key, now.UTC())
		if err != nil || !first {
			return err
		}
		sent, err = g.notifyFacilitators(ctx, tx, key, "", TmplZoomUnbooked, view)
		return err
	})
	if err != nil || sent == 0 {
		return err
	}
	g.zoom.opt.Metrics.ZoomEvent("unbooked_alert")
	g.log.Warn("a meeting runs on the account without a booking", "meeting_id", l.ID, "booked", b != nil)
	g.Kick()
	return nil
}

// zoomOverrun handles the meeting of booking b running past its end:
// when the next booking is near, its organizer is warned once, and when
// it starts the meeting is ended (OverrunEnd).
func (g *Gateway) zoomOverrun(ctx context.Context, l ZoomInfo, b *Booking, now time.Time) error {
	z := g.zoom.opt
	if z.Overrun == OverrunOff {
		return nil
	}
	next, err := g.nextBooking(ctx, b, now, now.Add(z.OverrunWarning))
	if err != nil || next == nil {
		return err
	}
	pair := strconv.FormatInt(b.ID, 10) + ":" + strconv.FormatInt(next.ID, 10)
	if !now.Before(next.Start) && z.Overrun == OverrunEnd {
		if err := g.zoom.caps.Watch.EndMeeting(ctx, l.ID); err != nil {
			return fmt.Errorf("end an overrunning meeting: %w", err)
		}
		g.log.Warn("overrunning meeting ended: the next booking starts", "booking_id", b.ID, "meeting_id", l.ID,
			"next_booking_id", next.ID)
		z.Metrics.ZoomEvent("overrun_ended")
		return g.zoomOnce(ctx, "overrun-end:"+pair, nil)
	}
	err = g.zoomOnce(ctx, "overrun-warn:"+pair, func(tx Tx) error {
		if g.mustNotAnswer(b.Organizer) {
			return nil
		}
		v := g.zoomBookingView(b)
		v.Zoom = g.zoomBaseView()
		loc := g.opt.Location
		v.Zoom.Next = Slot{next.Start.In(loc), next.End.In(loc)}
		if z.Overrun == OverrunEnd {
			v.Zoom.EndsAt = next.Start.In(loc)
		}
		text, err := g.opt.Renderer.Render(v.Lang, TmplZoomOverrun, v)
		if err != nil {
			return fmt.Errorf("render %s mail: %w", TmplZoomOverrun, err)
		}
		return g.queueNotice(ctx, tx, "zoom-overrun:"+pair, "", g.roomSender(b), Address{Name: b.OrganizerName, Addr: b.Organizer}, text)
	})
	if err == nil {
		g.Kick()
	}
	return err
}

// nextBooking returns the first accepted booking other than b that
// starts after b and overlaps [from, to), or nil.
func (g *Gateway) nextBooking(ctx context.Context, b *Booking, from, to time.Time) (*Booking, error) {
	var next *Booking
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		bs, err := tx.Overlapping(ctx, from, to)
		for i := range bs {
			c := &bs[i]
			if c.ID != b.ID && c.Status == StatusAccepted && c.Start.After(b.Start) && (next == nil || c.Start.Before(next.Start)) {
				next = c
			}
		}
		return err
	})
	return next, err
}

// zoomOnce runs fn in a transaction the first time key is seen.
func (g *Gateway) zoomOnce(ctx context.Context, key string, fn func(Tx) error) error {
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.AlertOnce(ctx, key, g.opt.Now().UTC())
		if err != nil || !first || fn == nil {
			return err
		}
		return fn(tx)
	})
}

// HandleZoomEvent takes an event Zoom sent. It only brings forward what
// polling does: a meeting started is looked at at once, the recordings
// and report of a meeting that ended are looked for sooner. Events of
// other meetings and other kinds are ignored.
func (g *Gateway) HandleZoomEvent(ctx context.Context, e meetings.Event) error {
	if g.zoom == nil || e.MeetingID == 0 {
		return nil
	}
	switch e.Kind {
	case meetings.EventStarted:
		return g.watchLive(ctx, ZoomInfo{ID: e.MeetingID, UUID: e.UUID, Topic: e.Topic, Status: "started"}, g.opt.Now())
	case meetings.EventEnded, meetings.EventRecordings:
		return g.zoomEnded(ctx, e)
	}
	return nil
}

// zoomEnded makes the recordings and report jobs of the event's meeting
// due now (its recordings are ready) or shortly (it ended).
func (g *Gateway) zoomEnded(ctx context.Context, e meetings.Event) error {
	z := g.zoom.opt
	m, err := z.Store.ZoomMeetingByID(ctx, e.MeetingID)
	if err != nil || m == nil {
		return err
	}
	at := g.opt.Now().UTC()
	if e.Kind == meetings.EventEnded {
		at = at.Add(zoomSettle)
	}
	return g.opt.Store.Update(ctx, func(tx Tx) error {
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
