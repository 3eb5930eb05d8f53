package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
)

// The sync job: one Zoom meeting per accepted booking, created when it is
// accepted, updated when it moves or is renamed, deleted when it is
// cancelled, declined or released. A creation is made idempotent by the
// booking's marker: recorded (state creating) before the call, and looked
// for in Zoom's list before any second call, so that a crash between the
// call and its record never makes two meetings.

// zoomSettle is how long after a booking's end its recordings and report
// are first looked for: Zoom needs a moment to process them.
const zoomSettle = 10 * time.Minute

// errZoomRace is a sync that found the meeting's row changed under it.
var errZoomRace = errors.New("the booking's meeting changed meanwhile")

// zoomSync brings the booking's meeting in line with the booking.
func (g *Gateway) zoomSync(ctx context.Context, j meetings.Job) error {
	b, m, err := g.zoom.opt.Store.ZoomBooking(ctx, j.BookingID)
	if err != nil {
		return err
	}
	switch {
	case b == nil:
		return g.zoomFinish(ctx, j)
	case !zoomWanted(b):
		return g.zoomRemove(ctx, j, b, m)
	case m == nil || m.State == meetings.MeetingDeleted:
		if !b.End.After(g.opt.Now()) {
			return g.zoomFinish(ctx, j)
		}
		return g.zoomCreate(ctx, j, b, nil)
	case m.State == meetings.MeetingCreating:
		return g.zoomCreate(ctx, j, b, m)
	case g.zoomNeedsSync(b, m) || b.End.After(g.opt.Now()):
		// Queued for a change the meeting row does not record (the
		// options, zoomOptionsChanged): the update sends them all.
		if err := g.zoomKeptUnderGoneHost(ctx, b, m); err != nil {
			return err
		}
		return g.zoomUpdate(ctx, j, b, m)
	}
	return g.zoomFinish(ctx, j)
}

// zoomSpec is what the meeting of b is to be (its User is set by
// zoomCreate).
func (g *Gateway) zoomSpec(b *Booking, marker string) ZoomSpec {
	return ZoomSpec{Topic: g.zoomTopic(b), Start: b.Start, Duration: b.End.Sub(b.Start),
		Timezone: g.opt.Location.String(), Marker: marker,
		Muted: b.Options.Muted, VideoOff: b.Options.VideoOff, SignIn: b.Options.SignIn, CloudRecording: b.Options.CloudRecording}
}

// zoomCreate creates the meeting of b. With m nil, a new marker is
// recorded first; with m in state creating, an earlier attempt may have
// created it, so Zoom is asked for it by its marker before creating.
func (g *Gateway) zoomCreate(ctx context.Context, j meetings.Job, b *Booking, m *meetings.Meeting) error {
	user, err := g.zoomUser(b)
	if err != nil {
		return err
	}
	var info ZoomInfo
	if m == nil {
		m = &meetings.Meeting{BookingID: b.ID, Marker: "rg-" + randomHex(12), State: meetings.MeetingCreating}
		if err := g.zoomIntent(ctx, m); err != nil {
			return err
		}
		spec := g.zoomSpec(b, m.Marker)
		spec.User = user
		info, err = g.zoom.create.CreateMeeting(ctx, spec)
	} else {
		var found bool
		if info, found, err = g.zoom.caps.Find.FindMeeting(ctx, user, m.Marker); err == nil && !found {
			spec := g.zoomSpec(b, m.Marker)
			spec.User = user
			info, err = g.zoom.create.CreateMeeting(ctx, spec)
		}
	}
	if err != nil {
		return err
	}
	g.log.Info("zoom meeting created", "booking_id", b.ID, "uid", b.UID, "recurrence_id", b.RecurrenceID, "meeting_id", info.ID)
	return g.zoomCreated(ctx, j, b, m, info)
}

// zoomKeptUnderGoneHost warns once, when b's pool host is no longer
// configured, that its meeting stays under the Zoom user it was made
// under: it is updated and deleted by its number, never made again
// elsewhere, and its mails give no host key (zoomHostKey).
func (g *Gateway) zoomKeptUnderGoneHost(ctx context.Context, b *Booking, m *meetings.Meeting) error {
	if !g.zoomHostGone(b) {
		return nil
	}
	return g.zoomOnce(ctx, "zoom-host-gone:"+strconv.FormatInt(b.ID, 10), func(Tx) error {
		g.log.Warn("zoom: a booking's host is no longer configured; its meeting stays under the Zoom user it was made under, "+
			"and its mails give no host key", "booking_id", b.ID, "uid", b.UID, "host", b.Host, "meeting_id", m.MeetingID)
		return nil
	})
}

// zoomIntent records the marker of a meeting about to be created.
func (g *Gateway) zoomIntent(ctx context.Context, m *meetings.Meeting) error {
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		cur, err := ztx.Meeting(ctx, m.BookingID)
		if err != nil {
			return err
		}
		if cur != nil && cur.State != meetings.MeetingDeleted {
			return errZoomRace
		}
		return ztx.SaveMeeting(ctx, m)
	})
}

// zoomCreated records a new meeting, queues the jobs that follow it and
// tells the organizer: the held accept mail gets the link, or a mail of
// its own says it.
func (g *Gateway) zoomCreated(ctx context.Context, j meetings.Job, b *Booking, m *meetings.Meeting, info ZoomInfo) error {
	now := g.opt.Now().UTC()
	err := g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		m.State, m.MeetingID, m.JoinURL, m.Passcode = meetings.MeetingCreated, info.ID, info.JoinURL, info.Passcode
		m.Topic, m.Start, m.End = g.zoomTopic(b), b.Start, b.End
		if err := ztx.SaveMeeting(ctx, m); err != nil {
			return err
		}
		if err := g.zoomFollowUps(ctx, ztx, b, true, true); err != nil {
			return err
		}
		if _, err := ztx.FinishJob(ctx, j.ID, j.Version, now); err != nil {
			return err
		}
		cur, err := tx.BookingByID(ctx, b.ID)
		if err != nil || cur == nil || !zoomWanted(cur) {
			return err // the next run deletes it
		}
		return g.zoomAnnounce(ctx, tx, ztx, cur)
	})
	if err == nil {
		g.Kick()
	}
	return err
}

// zoomFollowUps queues what comes after a meeting: the no-show check at
// its start, the recordings and the report after its end.
func (g *Gateway) zoomFollowUps(ctx context.Context, ztx meetings.Tx, b *Booking, start, end bool) error {
	z := g.zoom.opt
	queue := func(on bool, kind string, at time.Time) error {
		if !on {
			return nil
		}
		return ztx.QueueJob(ctx, b.ID, kind, at)
	}
	return errors.Join(
		queue(start && z.ReleaseNoShows, meetings.JobRelease, b.Start.Add(z.ReleaseAfter)),
		queue(end && z.Recordings, meetings.JobRecordings, b.End.Add(zoomSettle)),
		queue(end && z.Attendance, meetings.JobAttendance, b.End.Add(zoomSettle)))
}

// zoomUpdate moves or renames the meeting of b and sets its options, all
// of them (meetings.Spec.SetOptions): one removed is turned off. A meeting
// deleted on Zoom's side (by hand) is made again.
func (g *Gateway) zoomUpdate(ctx context.Context, j meetings.Job, b *Booking, m *meetings.Meeting) error {
	spec := g.zoomSpec(b, "")
	spec.SetOptions = true
	err := g.zoom.opt.API.UpdateMeeting(ctx, m.MeetingID, spec)
	if errors.Is(err, ErrZoomNotFound) {
		g.log.Warn("zoom meeting vanished; making it again", "booking_id", b.ID, "meeting_id", m.MeetingID)
		if err := g.zoomSetState(ctx, m, meetings.MeetingDeleted); err != nil {
			return err
		}
		return g.zoomCreate(ctx, j, b, nil)
	}
	if err != nil {
		return err
	}
	moved, ended := !m.Start.Equal(b.Start), !m.End.Equal(b.End)
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		if _, err := zoomEdit(ctx, ztx, b.ID, func(m *meetings.Meeting) {
			m.Topic, m.Start, m.End = g.zoomTopic(b), b.Start, b.End
		}); err != nil {
			return err
		}
		if err := g.zoomFollowUps(ctx, ztx, b, moved, ended); err != nil {
			return err
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, g.opt.Now().UTC())
		return err
	})
}

// zoomRemove deletes the meeting of a booking no longer accepted. A
// meeting that has begun is left alone (it holds the recordings), unless
// the booking was released because it never did.
func (g *Gateway) zoomRemove(ctx context.Context, j meetings.Job, b *Booking, m *meetings.Meeting) error {
	if m == nil || m.State == meetings.MeetingDeleted {
		return g.zoomFinish(ctx, j)
	}
	if b.Status != StatusReleased && !g.opt.Now().Before(b.Start) {
		return g.zoomFinish(ctx, j)
	}
	id := m.MeetingID
	if m.State == meetings.MeetingCreating {
		user, err := g.zoomUser(b)
		if err != nil {
			return err
		}
		info, found, err := g.zoom.caps.Find.FindMeeting(ctx, user, m.Marker)
		if err != nil {
			return err
		}
		id = 0
		if found {
			id = info.ID
		}
	}
	if id != 0 {
		err := g.zoom.opt.API.DeleteMeeting(ctx, id)
		switch {
		case errors.Is(err, ErrZoomInProgress):
			return g.zoomLeftRunning(ctx, b, id)
		case errors.Is(err, ErrZoomEnded):
			g.log.Info("zoom meeting not deleted: it has ended", "booking_id", b.ID, "meeting_id", id)
		case err != nil && !errors.Is(err, ErrZoomNotFound):
			return err
		default:
			g.log.Info("zoom meeting deleted", "booking_id", b.ID, "status", b.Status, "meeting_id", id)
		}
	}
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		if _, err := zoomEdit(ctx, ztx, b.ID, func(m *meetings.Meeting) { m.State = meetings.MeetingDeleted }); err != nil {
			return err
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, g.opt.Now().UTC())
		return err
	})
}

// zoomLeftInProgress is how often a meeting in progress, whose booking
// was withdrawn, is tried again for deletion.
const zoomLeftInProgress = 15 * time.Minute

// zoomLeftRunning handles the meeting of a withdrawn booking that Zoom
// will not delete because it is in progress (someone started it early):
// it is left running, never ended under its participants' feet, with an
// audit line once, and its deletion is tried again later; once the
// booking's slot has begun the job stops trying (zoomRemove).
func (g *Gateway) zoomLeftRunning(ctx context.Context, b *Booking, id int64) error {
	now := g.opt.Now().UTC()
	reason := fmt.Sprintf("zoom meeting %s left running: in progress when its booking was %s; deleted once it ends",
		FormatMeetingID(id), b.Status)
	err := g.zoomOnce(ctx, "zoom-left-running:"+strconv.FormatInt(b.ID, 10)+":"+strconv.FormatInt(id, 10), func(tx Tx) error {
		return tx.Audit(ctx, AuditEntry{At: now, MessageKey: "zoom-left-running:" + strconv.FormatInt(b.ID, 10), Kind: KindZoom,
			Action: ActionZoomLeftRunning, UID: b.UID, Organizer: b.Organizer, Room: b.Room, Start: b.Start, End: b.End,
			Reason: reason})
	})
	if err != nil {
		return err
	}
	g.log.Warn("zoom meeting left running: in progress, Zoom refuses to delete it", "booking_id", b.ID, "meeting_id", id)
	return &meetings.Later{At: now.Add(zoomLeftInProgress), Why: reason}
}

// zoomSetState saves m in another state.
func (g *Gateway) zoomSetState(ctx context.Context, m *meetings.Meeting, state string) error {
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		_, err = zoomEdit(ctx, ztx, m.BookingID, func(m *meetings.Meeting) { m.State = state })
		return err
	})
}

// zoomEdit changes the stored meeting of a booking from its current row
// in the transaction, so that what another writer recorded meanwhile
// (that it started, a recordings link) is kept.
func zoomEdit(ctx context.Context, ztx meetings.Tx, bookingID int64, edit func(*meetings.Meeting)) (*meetings.Meeting, error) {
	m, err := ztx.Meeting(ctx, bookingID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errZoomRace
	}
	edit(m)
	return m, ztx.SaveMeeting(ctx, m)
}

// zoomAfterMeeting reads the booking and the meeting of an after-the-meeting job
// (recordings, attendance). It returns a nil booking, with the error to
// return, when the job is done (the booking is gone or has no meeting of
// its own any more) or must wait (the meeting has not ended).
func (g *Gateway) zoomAfterMeeting(ctx context.Context, j meetings.Job) (*Booking, *meetings.Meeting, error) {
	b, m, err := g.zoom.opt.Store.ZoomBooking(ctx, j.BookingID)
	if err != nil {
		return nil, nil, err
	}
	if b == nil || !zoomWanted(b) || m == nil || m.State != meetings.MeetingCreated {
		return nil, nil, g.zoomFinish(ctx, j)
	}
	if g.opt.Now().Before(b.End) {
		return nil, nil, &meetings.Later{At: b.End.Add(zoomSettle), Why: "the meeting has not ended"}
	}
	return b, m, nil
}
